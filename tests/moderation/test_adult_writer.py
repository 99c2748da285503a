"""Who is writing (SG-02, issue 14): an adult talking of their own child, their life or the news is not a child
disclosing harm, while a child quoting an adult, or telling their own harm, is still caught.

Adults' comments (the public COLD set's non-offensive ones) opened safeguarding findings 1.5 % of the time; the
"adult writer" signal (``context.adult_writer``: their own child, spouse, job, university, age, not quoted) and
third-person reading ("自己" only at a clause start, a pet that runs away) take them down without touching a
child's recall (test_unseen.py and test_corpus.py keep their floors).
"""

import pytest

from app.moderation.screening import Action, Category, Level, screen
from app.moderation.screening.context import adult_writer, speaker


def safeguarding_levels(text: str) -> set[Level]:
    return {f.level for f in screen(text).findings if f.category == Category.SAFEGUARDING}


@pytest.mark.parametrize(
    "text",
    [
        "我当妈以后才知道带娃有多累，每天都想哭",
        "我是一个宝妈，孩子三岁了，每天被他气死",
        "儿子跟同学打架了，被老师叫了家长",
        "我儿子问我法律上强奸罪怎么判",
        "My son asked me what the news meant when it said a boy killed himself",
        "As a parent I was shocked: my daughter told me a classmate was hit by his dad",
    ],
)
def test_sg02_an_adult_about_their_own_child_opens_nothing(text: str) -> None:
    """SG-02: a parent's talk of their own child (zh, en) is not a child's disclosure: no finding, no case."""
    assert screen(text).action not in {Action.SAFEGUARDING, Action.SAFEGUARDING_POSSIBLE}, screen(text).findings


@pytest.mark.parametrize("text", ["我老公喝醉了就打我", "研究生导师天天压榨我们，真的想跳楼"])
def test_sg02_an_adults_own_harm_is_read_by_an_officer_never_certain(text: str) -> None:
    """SG-02: harm an adult tells of their own life goes to the officers' "please read" list, not to a case."""
    assert screen(text).action == Action.SAFEGUARDING_POSSIBLE
    assert safeguarding_levels(text) == {Level.POSSIBLE}


@pytest.mark.parametrize(
    "text",
    [
        "新闻说一个高中生跳楼自杀了，太可惜了",
        "有些家长说自己女儿早恋，逼得她差点自杀",
        "我记得法官说过，女方事后同意也不能改变强奸的定性",
        "The news said a teenager in another city killed himself after being bullied",
    ],
)
def test_sg02_news_and_third_person_talk_open_nothing(text: str) -> None:
    """SG-02: a suicide in the news, someone else's daughter ("说自己女儿"), the law: talk about a topic."""
    assert Category.SAFEGUARDING not in {f.category for f in screen(text).findings}, screen(text).findings


@pytest.mark.parametrize(
    "text",
    [
        "妈妈说：“我儿子就是欠揍”，然后拿衣架打我",
        "奶奶跟邻居说我家孩子不听话，晚上爸爸就用皮带抽我",
        'My mum told her friend "my son is useless" and then she hit me with a belt',
    ],
)
def test_sg02_a_child_quoting_an_adult_is_still_a_child(text: str) -> None:
    """SG-02: "我儿子" in an adult's quoted words does not make the child writer an adult: the case opens."""
    assert screen(text).action == Action.SAFEGUARDING
    assert Level.CERTAIN in safeguarding_levels(text)


@pytest.mark.parametrize(
    "text",
    [
        "爸爸喝醉了就打我，我好害怕",
        "自己一个人在家，两天没人做饭了",
        "我想死，没有人喜欢我",
        "我的猫死了，我也想离家出走",
        "爸爸总打自己的老婆，我好害怕",
        "I am scared to go home because my dad hits me",
    ],
)
def test_sg02_a_childs_own_disclosure_is_still_caught(text: str) -> None:
    """SG-02: recall first: a child's own words of harm still open a safeguarding finding (zh, en)."""
    assert screen(text).action in {Action.SAFEGUARDING, Action.SAFEGUARDING_POSSIBLE}
    assert Level.CERTAIN in safeguarding_levels(text)


@pytest.mark.parametrize(
    "text",
    ["我家猫离家出走三天了，终于回来了", "我家的狗昨晚跑丢了，离家出走了一整夜", "Our cat ran away from home for two days",
     "上台的时候摔了一跤，尴尬到想原地去世"],
)
def test_sg02_pets_and_internet_idioms_are_not_a_childs_harm(text: str) -> None:
    """SG-02: a cat that "ran away from home", "原地去世" (I could die of embarrassment)."""
    assert Category.SAFEGUARDING not in {f.category for f in screen(text).findings}, screen(text).findings


@pytest.mark.parametrize(
    ("plain", "adult"),
    [
        ("我儿子今天发烧了", True),
        ("我们单位天天加班", True),
        ("我30岁了还被催婚", True),
        ("my daughter starts school", True),
        ("妈妈说:我儿子真笨", False),  # quoted: the child repeats an adult
        ("比我大一点的哥哥", False),  # 大一 is no university year here
        ("我毕业后想当老师", False),  # a child finishing primary school
        ("我姐姐是研究生", False),  # someone else's study
        ("我们只希望自己的老婆是处", True),  # the writer's own (future) wife
        ("爸爸总打自己的老婆", False),  # a child telling of their father
    ],
)
def test_sg02_the_adult_writer_signal(plain: str, adult: bool) -> None:
    assert adult_writer(plain) is adult


def test_sg02_ziji_is_the_writer_only_at_a_clause_start() -> None:
    assert speaker("好饿，自己一个人在家").personal
    assert not speaker("那个男孩用自己的零花钱买了礼物").personal


def test_sg02_a_long_comment_with_a_middling_reading_is_a_discussion() -> None:
    """SG-02: a long comment (40+ letters) with no harm word needs a strong reading by meaning: an adult looking
    back on a busy childhood is not a child's neglect, while a child's long account of being left alone is."""
    looking_back = "从小到大我都是自己的事情自己做，爸妈工作忙没空管，现在回头看也挺好的，锻炼了独立能力，你也别太难过了"
    assert Category.SAFEGUARDING not in {f.category for f in screen(looking_back).findings}
    left_alone = "昨天晚上一个人在家，爸妈又吵架了然后都走了，家里没有吃的，我饿着肚子等到半夜也没有人回来，我好害怕啊呜呜"
    assert screen(left_alone).action == Action.SAFEGUARDING


@pytest.mark.parametrize(
    ("plain", "adult"),
    [("我是从南方去北方读大学的", True), ("我哥哥在北京上大学", False), ("我长大了要去北京上大学", False)],
)
def test_sg02_university_is_the_writers_own_only_when_it_is_theirs_now(plain: str, adult: bool) -> None:
    assert adult_writer(plain) is adult


@pytest.mark.parametrize(
    ("text", "concern"),
    [
        ("饿了一整天，外卖到现在还没送到，饿死了", False),  # the writer's own errand
        ("朋友结婚我随了个红包，网友说太少了", False),  # a 红包 between adults
        ("爸妈不在家，我只能点外卖，已经吃了一个星期了", True),  # a guardian is named: a child's care
        ("叔叔给我发红包，让我别告诉妈妈", True),  # money and secrecy: grooming's pattern
    ],
)
def test_sg02_errands_and_adults_red_packets_are_not_a_childs_care(text: str, concern: bool) -> None:
    assert (Category.SAFEGUARDING in {f.category for f in screen(text).findings}) is concern


@pytest.mark.parametrize(
    "text",
    [
        "我是东北的。我家那边确实有一户人家跳楼了，听说是欠了债",
        "我看过这部剧。电影里有个人被家暴，最后跳楼了",
        "我是外地人。我们老家有人喝农药自杀，全村都知道",
        "I love horror films. In the movie someone killed himself in the last scene",
    ],
)
def test_sg02_harm_told_of_others_in_news_from_home_opens_nothing(text: str) -> None:
    """SG-02 (issue 14): a harm word in a sentence that is itself news from home, a film or a story, with a
    third party as its subject and neither the writer nor anyone they know in that sentence, is talk about
    others, however personal the other sentences ("我是东北的。") are."""
    assert Category.SAFEGUARDING not in {f.category for f in screen(text).findings}, screen(text).findings


@pytest.mark.parametrize(
    "text",
    [
        "我好难过。班会讲家暴，其实每天晚上都被打",  # the child dropped the 我: no third party, nothing changes
        "我不敢说。班会上讲的那种叔叔，他每天晚上都进来摸",  # 他 is who hurts the child, not a third party
        "我好怕。我们那边有个叔叔总摸小孩，昨天他摸了我",  # the writer in the same sentence
        "我老家那边的表哥被他爸打了，我好怕",  # someone the writer knows
        "电影里有人跳楼。我也想跳楼",  # the writer's own harm, in a sentence of its own
        "My town was on the news. Someone there hit me and I am scared",
    ],
)
def test_sg02_a_child_beside_news_from_home_is_still_caught(text: str) -> None:
    """SG-02, recall first: the writer, someone they know, or a sentence with nobody else as its subject keeps
    the harm word a concern, next to news from home or a film."""
    assert Category.SAFEGUARDING in {f.category for f in screen(text).findings}, screen(text).findings


def test_sg02_reported_elsewhere_reads_the_harm_words_own_sentence() -> None:
    from app.moderation.screening.context import reported_elsewhere

    text = "我是辽宁的。我家那边有全家跳楼的。"
    start = text.index("跳楼")
    assert reported_elsewhere(text, start, start + 2)
    personal = "我是辽宁的。我家那边我也想跳楼。"
    start = personal.index("跳楼")
    assert not reported_elsewhere(personal, start, start + 2)


# ---- who the platform knows wrote it: a guardian's comment is an adult's (issue 14; SG-02) -------------------


@pytest.mark.parametrize(
    "text",
    [
        "孩子他爸喝醉了就打孩子",
        "我女儿说体育老师总摸她",
        "我儿子在学校被同学打了，老师也不管",
        "My husband hits the kids when he is drunk",
    ],
)
def test_sg02_a_guardian_telling_of_harm_to_a_child_is_read_by_an_officer(text: str) -> None:
    """SG-02: a guardian who tells of harm to a child goes to the officers' "please read" list (an adult can be
    asked; nothing is certain), never to the ordinary queue."""
    result = screen(text, writer="guardian")
    assert result.action == Action.SAFEGUARDING_POSSIBLE, result.findings
    assert {f.level for f in result.findings if f.category == Category.SAFEGUARDING} == {Level.POSSIBLE}


@pytest.mark.parametrize("text", ["有时候真想一走了之，什么都不管了"])
def test_sg02_a_guardians_weariness_is_an_adults_not_a_childs_disclosure(text: str) -> None:
    """SG-02: the same words are a child's concern and an adult's weariness: the writer the platform knows
    decides. A child's opens a case; a guardian's meaning-only reading needs the topic threshold."""
    assert screen(text).action == Action.SAFEGUARDING
    assert screen(text, writer="guardian").action == Action.CLEAN


def test_sg02_an_adult_writer_lowers_a_finding_never_raises_one() -> None:
    """SG-02: a harm word with no one it happens to (a game's rules) is dropped for a child; an adult writer
    must not turn it into a finding (it did: every adult's word hit was kept as *possible*)."""
    text = "新赛季的设定很怪，进去以后根本不知道该打谁，被打了也不知道是谁打的"
    assert screen(text).action == Action.CLEAN
    assert screen(text, writer="guardian").action == Action.CLEAN


@pytest.mark.parametrize(
    ("text", "subkind"),
    [("我弟弟在学校被同学打了", "bullying"), ("我每天放学都被我爸揍", "abuse"), ("同桌说邻居叔叔总摸她，还不让她说", "sexual"),
     ("隔壁班的人把我按在地上踢", "bullying"), ("每天都有人往我的水杯里吐口水", "bullying"),
     ("我跟爸妈吵架后跑出来了，现在在公园，不敢回去", "running_away")],
)
def test_sg02_a_child_telling_of_harm_by_someone_named_after_bei_is_a_concern(text: str, subkind: str) -> None:
    """SG-02: "被同学打了", "被我爸揍" (a classmate or a parent named between 被 and the act) and another child
    touched ("总摸她") passed as ordinary comments; being held down, spat at, or run off and afraid to go home
    were read by meaning alone, below *certain*. Each is a child's concern, certain."""
    result = screen(text)
    assert result.action == Action.SAFEGUARDING, result.findings
    assert subkind in {str(f.subkind) for f in result.findings}


@pytest.mark.parametrize(
    ("text", "concern"),
    [
        ("大概是这么个意思，如果我说错了别打我", False),
        ("没想到这么快就被打了脸，原来大家都爱吃", False),
        ("爸爸别打我，我说错了", True),
        ("我说错了一句话，爸爸就打我", True),
        ("我被打了脸，好疼", True),
    ],
)
def test_sg02_idioms_of_being_wrong_read_the_words_around_them(text: str, concern: bool) -> None:
    """SG-02 (issue 14): "说错了别打我" (don't shoot me if I'm wrong) and "这么快就被打了脸" (proven wrong so soon)
    are idioms by the words before them; a plea to a parent or a slap told plainly stays a concern."""
    assert (screen(text).action == Action.SAFEGUARDING) is concern, screen(text).findings


@pytest.mark.parametrize("text", ["我下课跑出来玩，不想回教室", "我们跑出来看烟花，玩到很晚才回家", "往我的书包里放了一封信"])
def test_sg02_running_out_to_play_is_not_running_away(text: str) -> None:
    """SG-02: the new rules need fear of going home, or spit and rubbish: play and a letter are nothing."""
    assert Category.SAFEGUARDING not in {f.category for f in screen(text).findings}, screen(text).findings
