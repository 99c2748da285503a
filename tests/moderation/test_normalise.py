"""MOD-07: normalisation before matching, and the map from normalised positions back to the original."""

import pytest

from app.moderation.screening import normalise


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("１３８００１３８０００", "13800138000"),  # full width → half width (NFKC)
        ("ＶＸ", "微信"),  # full-width letters, then the cue fold
        ("電話號碼", "电话号码"),  # traditional → simplified
        ("一三八零零一三八零零零", "13800138000"),  # Chinese numerals
        ("壹叁玖〇", "1390"),  # financial numerals and 〇
        ("①②③⑩", "12310"),  # circled numerals
        ("❶➋⓿", "120"),  # dingbat numerals NFKC leaves alone
        ("1️⃣3️⃣8️⃣", "138"),  # keycap emoji
        ("138 🌟 1234 - 5678", "13812345678"),  # emoji and separators between digits
        ("1\u200b3\u200c8", "138"),  # zero-width characters
        ("幺三八", "138"),  # 幺 is "one" inside a number
        ("15O12345678", "15012345678"),  # the letter O between digits
        ("笨 蛋", "笨蛋"),  # spaces between Chinese characters
    ],
)
def test_views_are_folded(text: str, expected: str) -> None:
    """MOD-07: width, traditional, numerals, separators, emoji and zero-width characters are folded."""
    assert normalise(text).text == expected


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("威信", "微信"),
        ("薇信", "微信"),
        ("V信", "微信"),
        ("vx", "微信"),
        ("wx", "微信"),
        ("weixin", "微信"),
        ("扣扣", "qq"),
        ("Q Q", "qq"),
        ("小红薯", "小红书"),
    ],
)
def test_contact_cue_homophones_are_folded(variant: str, canonical: str) -> None:
    """MOD-07: pinyin and homophone variants of app names fold to one cue."""
    assert normalise(f"加我{variant}").text == f"加我{canonical}"


def test_ambiguous_cues_fold_only_before_digits() -> None:
    """企鹅 is a QQ cue before a number, and still a penguin at the zoo."""
    assert normalise("企鹅 12345678").text.startswith("qq")
    assert normalise("动物园的企鹅好可爱").text == "动物园的企鹅好可爱"


def test_latin_cue_inside_an_id_is_not_folded() -> None:
    assert "douyin_lucky8" in normalise("我的抖音号 douyin_lucky8").text


def test_plain_view_keeps_numerals_at_the_same_positions() -> None:
    """Words like 一起 stay readable for the lexicons; both views share one position map."""
    n = normalise("我们一起去三号楼")
    assert n.plain == "我们一起去三号楼"
    assert n.text == "我们1起去3号楼"
    assert len(n.plain) == len(n.text) == len(n.starts) == len(n.ends)


@pytest.mark.parametrize(
    "text",
    ["我的号码 1 3 8 0 0 1 3 8 0 0 0 好", "打 ①③⑧⓪⓪①③⑧⓪⓪⓪ 吧", "电话1️⃣3️⃣8️⃣0️⃣0️⃣1️⃣3️⃣8️⃣0️⃣0️⃣0️⃣！", "加我威信abc"],
)
def test_spans_map_back_to_the_original(text: str) -> None:
    """Every normalised character points into the original text, in order."""
    n = normalise(text)
    assert list(n.starts) == sorted(n.starts)
    for i in range(len(n.text)):
        start, end = n.span(i, i + 1)
        assert 0 <= start < end <= len(text)
    assert n.span(0, len(n.text)) == (0, len(text))


def test_empty_text() -> None:
    n = normalise("")
    assert n.text == "" and n.span(0, 0) == (0, 0)
