"""The detectors (MOD-06, MOD-10, SG-02), the action (SG-01, MOD-08), redaction and the CLI."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import app as cli
from app.moderation.screening import (
    MASK,
    Action,
    Category,
    Finding,
    Subkind,
    redact,
    reload,
    screen,
)

ROOT = Path(__file__).resolve().parents[2]


def categories(text: str) -> set[str]:
    return {str(f.category) for f in screen(text).findings}


def spans(text: str, category: Category) -> list[str]:
    return [text[f.start : f.end] for f in screen(text).findings if f.category == category]


# ------------------------------------------------------------------------------------------ phone (MOD-06)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("我的电话是13800138000", "13800138000"),
        ("打我电话 139 1234 5678 吧", "139 1234 5678"),
        ("手机：150-1234-5678", "150-1234-5678"),
        ("１８６８８８８６６６６", "１８６８８８８６６６６"),
        ("号码是一三八零零一三八零零零哦", "一三八零零一三八零零零"),
        ("158🌟1234🌟5678 打给我", "158🌟1234🌟5678"),
        ("电话 ①③⑧⓪⓪①③⑧⓪⓪⓪", "①③⑧⓪⓪①③⑧⓪⓪⓪"),
        ("家里座机 021-61234567", "021-61234567"),
        ("call me on +86 139 1234 5678 please", "+86 139 1234 5678"),
        ("电话 8765 4321 是我家的", "8765 4321"),
    ],
)
def test_phone_numbers_in_disguise_are_found_with_their_original_span(text: str, number: str) -> None:
    """MOD-06/MOD-07: slicing the original at the span gives exactly the disguised number."""
    assert spans(text, Category.PHONE) == [number]


@pytest.mark.parametrize(
    "text",
    [
        "建议每天开放8小时",
        "3号线地铁站离学校太远了",
        "操场上的100米跑道有个坑",
        "2025年的时候公园能修好吗",
        "开放时间是早上6:00-晚上22:00",
        "2024-10-01我们去了公园",
        "请拨打12345市民热线",
        "我们学校有1200个学生",
    ],
)
def test_numbers_in_suggestions_are_not_phone_numbers(text: str) -> None:
    assert Category.PHONE not in screen(text).categories


def test_redact_leaves_no_digit_of_a_phone() -> None:
    """MOD-06: the redacted text keeps nothing of the number, in any script."""
    for text in ["我的电话 1 3 8-0013-8000 快打", "号码一三八零零一三八零零零", "1️⃣3️⃣8️⃣0️⃣0️⃣1️⃣3️⃣8️⃣0️⃣0️⃣0️⃣ 哦"]:
        result = screen(text)
        redacted = redact(text, result.findings)
        assert MASK in redacted
        assert not re.search(r"[\d０-９一二三四五六七八九零〇①-⑳️⃣]", redacted), redacted


# --------------------------------------------------------------------------------- other contact details


@pytest.mark.parametrize(
    ("text", "category", "expected"),
    [
        ("我的邮箱 xiaoyu2014@163.com", Category.EMAIL, "xiaoyu2014@163.com"),
        ("邮箱：xiaoming艾特163点com", Category.EMAIL, "xiaoming艾特163点com"),
        ("lily at qq dot com 给我写信", Category.EMAIL, "lily at qq dot com"),
        ("写信到 happykid # 126 . com", Category.EMAIL, "happykid # 126 . com"),
        ("看 www.kidvideo-fun.com 吧", Category.URL, "www.kidvideo-fun.com"),
        ("我做的网站 lemonkid.top 快来看", Category.URL, "lemonkid.top"),
        ("我的QQ是 123456789", Category.QQ, "123456789"),
        ("加我扣扣：五五五六六六七七七", Category.QQ, "五五五六六六七七七"),
        ("企鹅号 98765432", Category.QQ, "98765432"),
        ("加我威信 happy_kid_99", Category.SOCIAL_ID, "happy_kid_99"),
        ("我的vx：xiaoyu0808", Category.SOCIAL_ID, "xiaoyu0808"),
        ("抖音号是dy12345678", Category.SOCIAL_ID, "dy12345678"),
        ("快手号：ks_xiaomei", Category.SOCIAL_ID, "ks_xiaomei"),
        ("my instagram is bella.2013", Category.SOCIAL_ID, "bella.2013"),
        ("身份证 440305201208154561", Category.ID_NUMBER, "440305201208154561"),
        ("证件号 3101 1520 1602 2987 69", Category.ID_NUMBER, "3101 1520 1602 2987 69"),
    ],
)
def test_contact_details_are_found(text: str, category: Category, expected: str) -> None:
    """MOD-06: e-mail (also "at"/"艾特"/"点"), URLs, QQ, app ids after their cue, resident IDs."""
    assert spans(text, category) == [expected]


def test_contact_request_without_an_id_is_a_personal_detail() -> None:
    """MOD-06: "加我/vx/wx" cues count even when the child has not written the id yet."""
    assert categories("有想法的可以加我vx") == {"social_id"}
    assert categories("想一起玩的加我qq") == {"qq"}


@pytest.mark.parametrize(
    "text",
    [
        "微信支付很方便",
        "我在抖音上看到这个公园",
        "qq糖很好吃",
        "动物园的企鹅好可爱，有20只",
        "playground ideas at parkfun",
        "一个身份证大小的卡片",
        "110105201513421299",  # 18 digits, wrong check digit, no such date
    ],
)
def test_app_names_and_long_numbers_alone_are_not_contact_details(text: str) -> None:
    assert not screen(text).categories & {Category.QQ, Category.SOCIAL_ID, Category.ID_NUMBER}


def test_a_number_after_a_qq_cue_is_one_finding() -> None:
    """Overlaps resolve to the most specific category: a QQ number, not also a phone number."""
    result = screen("我的qq 13800138000")
    assert [f.category for f in result.findings] == [Category.QQ]


# ---------------------------------------------------------------------------------- addresses and schools


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我家住在阳光小区3栋2单元501", "阳光小区3栋2单元501"),
        ("中山路12号3栋2单元501", "中山路12号3栋2单元501"),
        ("我住在幸福花园五号楼三单元402室", "幸福花园五号楼三单元402室"),
        ("住在红星小区", "红星小区"),
        ("我家在柳树街15号", "柳树街15号"),
        ("i live at 12 maple road", "12 maple road"),
    ],
)
def test_home_addresses(text: str, expected: str) -> None:
    """MOD-06: road/No./building/unit/room chains, and 小区 names after a home cue."""
    assert spans(text, Category.ADDRESS) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "人民公园的湖边应该装栏杆",
        "中山路上的公园需要更多秋千",
        "3号线地铁站离学校太远了",
        "公园的2号门晚上不开",
        "我们小区的秋千坏了",
        "我家附近的公园没有洗手的地方",
        "我家附近有个阳光花园，里面有秋千",
        "图书馆三楼的空调太冷了",
        "公园的儿童游乐区太小了",
        "The park is at the end of Maple Road.",
    ],
)
def test_place_names_in_suggestions_are_not_home_addresses(text: str) -> None:
    """Park and road names in suggestions are not addresses without a house number or a home cue."""
    assert Category.ADDRESS not in screen(text).categories


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我在育才小学上学", ["育才小学"]),
        ("我在三年级二班", ["三年级二班"]),
        ("我是五年级(3)班的", ["五年级(3)班"]),
        ("我在第三中学读书", ["第三中学"]),
        ("我们是红星中学初二三班的", ["红星中学", "初二三班"]),
        ("I go to Riverside Primary School", ["Riverside Primary School"]),
    ],
)
def test_schools_and_classes(text: str, expected: list[str]) -> None:
    """MOD-06: school names (…小学/中学/幼儿园) and grade-and-class (X年级X班)."""
    assert spans(text, Category.SCHOOL) == expected


@pytest.mark.parametrize(
    "text",
    [
        "我们学校旁边的人行道太窄了",
        "这个小学生很可爱",
        "希望全市的小学都有游泳池",
        "其他学校都有足球场",
        "一年级的小朋友",
    ],
)
def test_generic_school_words_are_not_school_names(text: str) -> None:
    assert Category.SCHOOL not in screen(text).categories


# ------------------------------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我叫李思琪，今年十岁", "李思琪"),
        ("大家好，我叫欧阳明月", "欧阳明月"),
        ("我的名字是张子涵", "张子涵"),
        ("我同桌叫赵可欣", "赵可欣"),
        ("谢晓峰同学建议在操场边种树", "谢晓峰"),
        ("my name is Emma Li", "Emma Li"),
    ],
)
def test_full_names_after_cues(text: str, expected: str) -> None:
    """MOD-06: a surname from the list after 我叫/我的名字是/同桌叫/my name is."""
    assert spans(text, Category.NAME) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "我叫妈妈一起去公园",
        "他叫了一声，小狗就跑过来了",
        "我叫他不要乱扔垃圾",
        "同学张开双臂欢迎我们",
        "我叫小明",
    ],
)
def test_words_after_name_cues_are_not_always_names(text: str) -> None:
    """The [names] allow-list and the surname list keep verbs and given names alone out."""
    assert Category.NAME not in screen(text).categories


# ------------------------------------------------------------------------------------- unkind (MOD-10)


@pytest.mark.parametrize(
    "text",
    [
        "你是个大笨蛋",
        "他就是个傻瓜",
        "丑八怪不许来",
        "你怎么不去死",
        "你是猪",
        "笨 蛋",
        "傻*瓜",
        "你這個白癡",
        "you are so stupid",
        "he is an idiot",
        "nobody likes you",
    ],
)
def test_unkind_words(text: str) -> None:
    """MOD-10: insults, threats and mockery in zh and en, also spaced or in traditional characters."""
    result = screen(text)
    assert result.categories == {Category.UNKIND}
    assert result.action == Action.UNKIND


@pytest.mark.parametrize(
    "text",
    [
        "笑死我了，鸭子追着我跑",
        "电脑死机了",
        "打篮球",
        "电脑要装杀毒软件",
        "我喜欢滚雪球",
        "我们都傻傻的开心",
        "多放几个垃圾桶",
        "我最喜欢小猪佩奇",
        "I killed time in the library",
        "the path is a dead end",
        "I'm dying to try the new water park",
        "这个游戏太垃圾了",
    ],
)
def test_allow_list_keeps_harmless_words_clean(text: str) -> None:
    """MOD-11: the allow-list (笑死, 杀毒, 打球, 滚雪球, kill time …) keeps children's speech clean."""
    assert screen(text).action == Action.CLEAN


# ------------------------------------------------------------------------------ safeguarding (SG-01, SG-02)


@pytest.mark.parametrize(
    ("text", "subkind"),
    [
        ("爸爸喝酒后打我", Subkind.ABUSE),
        ("妈妈用衣架打我，身上都是伤", Subkind.ABUSE),
        ("my dad hits me when he is angry", Subkind.ABUSE),
        ("我不想活了", Subkind.SELF_HARM),
        ("I want to die", Subkind.SELF_HARM),
        ("有个叔叔摸我下面", Subkind.SEXUAL),
        ("有个叔叔让我发照片给他", Subkind.GROOMING),
        ("网友要跟我见面，还说不要告诉爸爸妈妈", Subkind.GROOMING),
        ("a man online asked me for photos", Subkind.GROOMING),
        ("我想离家出走", Subkind.RUNNING_AWAY),
        ("I want to run away from home", Subkind.RUNNING_AWAY),
        ("他们每天在厕所堵我", Subkind.BULLYING),
        ("they bully me every day", Subkind.BULLYING),
    ],
)
def test_safeguarding_signals(text: str, subkind: Subkind) -> None:
    """SG-02: each trigger in zh and en, including indirect wordings, with its sub-kind."""
    result = screen(text)
    assert subkind in result.subkinds
    assert result.action == Action.SAFEGUARDING


@pytest.mark.parametrize(
    "text",
    [
        "公园太好玩了，我都不想回家",
        "stop animal abuse in the park",
        "my brother beat me at chess",
        "we leave home at 7 to catch the bus",
        "妈妈摸我的头",
        "从滑梯上跳下去很好玩",
        "游乐场的跳楼机太刺激了",
        "老师说密码不能告诉别人",
        "please send photos of the broken swings",
        "他们猪肉卖得很贵",
    ],
)
def test_everyday_wordings_are_not_safeguarding_signals(text: str) -> None:
    """SG-02 phrases are specific enough that children's everyday sentences stay clean."""
    assert screen(text).action == Action.CLEAN


def test_safeguarding_outranks_everything_and_has_the_highest_risk() -> None:
    """SG-01: a disclosure goes to the officer even when the text also has personal details."""
    disclosure = screen("我爸打我，我家在阳光小区5栋")
    details = screen("我家在阳光小区5栋")
    assert disclosure.action == Action.SAFEGUARDING
    assert details.action == Action.PERSONAL_DETAILS
    assert disclosure.risk > details.risk > screen("你是个大笨蛋").risk > screen("公园很好").risk == 0


def test_wish_to_die_is_self_harm_not_an_insult() -> None:
    result = screen("我想去死")
    assert result.categories == {Category.SAFEGUARDING}


# ----------------------------------------------------------------------------------- results and redaction


def test_findings_never_carry_the_matched_word() -> None:
    """MOD-22: a finding is category, sub-kind, span and confidence; the caller slices the text."""
    finding = screen("你是个大笨蛋").findings[0]
    assert set(finding.to_dict()) == {"category", "subkind", "start", "end", "confidence", "level", "source"}
    assert "笨蛋" not in json.dumps(finding.to_dict(), ensure_ascii=False)


def test_redact_masks_only_personal_details() -> None:
    text = "我叫王小明，电话13912345678，你是笨蛋"
    result = screen(text)
    assert redact(text, result.findings) == f"我叫{MASK}，电话{MASK}，你是笨蛋"


def test_redact_merges_overlapping_spans() -> None:
    findings = [Finding(Category.PHONE, 2, 6, 0.9), Finding(Category.QQ, 4, 8, 0.9)]
    assert redact("0123456789", findings) == f"01{MASK}89"


def test_reload_recompiles_the_lexicons() -> None:
    before = screen("我想离家出走")
    reload()
    assert screen("我想离家出走") == before


# --------------------------------------------------------------------------------------------------- CLI


def test_cli_screen_writes_one_json_object_per_line() -> None:
    """The stable interface for checking lexicon changes: JSON lines with ensure_ascii=False."""
    result = CliRunner().invoke(cli, ["moderation", "screen"], input="我的电话是 138 0013 8000\n公园很好\n")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["action"] for line in lines] == ["personal_details", "clean"]
    assert lines[0]["text"] == "我的电话是 138 0013 8000"
    assert lines[0]["findings"] == [
        {"category": "phone", "subkind": None, "start": 6, "end": 19, "confidence": 0.95, "level": None, "source": "words"}
    ]
    assert "电话" in result.output  # not \\u escapes


def test_cli_screen_in_a_subprocess() -> None:
    """The command works without a database or settings, and in UTF-8 whatever the locale."""
    completed = subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", "moderation", "screen"],
        input="爸爸喝酒后打我\n".encode(),
        capture_output=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"},
        timeout=60,
        check=True,
    )
    line = json.loads(completed.stdout.decode("utf-8"))
    assert line["action"] == "safeguarding"
    assert line["findings"][0]["subkind"] == "abuse"


@pytest.mark.parametrize("text", ["He raped me", "I feel sick. The news said he raped me", "my uncle molested me",
                                  "the coach sexually abused me"])
def test_sg02_english_words_for_sexual_abuse_are_on_the_list(text: str) -> None:
    """SG-02: "raped", "molested", "sexually abused" are found by the word list itself, not left to the meaning
    detector alone (an outside check found "I feel sick. The news said he raped me" screened clean)."""
    found = [f for f in screen(text).findings if f.category == Category.SAFEGUARDING and f.source == "words"]
    assert found and found[0].subkind == Subkind.SEXUAL


@pytest.mark.parametrize("text", ["I like grapes and drapes", "we made grape juice at school"])
def test_sg02_rape_inside_another_word_is_nothing(text: str) -> None:
    assert not [f for f in screen(text).findings if f.category == Category.SAFEGUARDING]
