"""Home addresses and schools (MOD-06), on the ``text`` view (numerals are digits: 三栋 → 3栋).

Children's suggestions are full of place names ("人民公园", "中山路上的公园需要更多秋千", "3号线"), so a
road, park or estate name alone is not an address. An address needs either a home cue (我家, 住在, i live)
before it, or house-level detail (No., building, unit, room) in a chain of parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from app.moderation.screening.common import PLACE_CHAR, finding
from app.moderation.screening.lexicon import allowed_words, alternation, words
from app.moderation.screening.normalise import Normalised
from app.moderation.screening.types import Category, Finding

_NUM = r"[\d十百]{1,4}"
# Words for "a road" rather than a road's name: 过马路 is not a street called 过马.
_ROAD_GENERIC = ("马路", "公路", "道路", "铁路", "小路", "大路", "大街", "小巷")
# Areas of a park, a school or a shop that end in 区 but are not districts (儿童游乐区, 校区, 停车区).
_NOT_DISTRICT = "[乐动息景城郊地园校社小业能读候车烟全险工务场展览域戏玩餐营]"
# Parts of an address, most specific first; each named group is one kind of part.
_PARTS = re.compile(
    rf"(?P<estate>(?:{PLACE_CHAR}{{2,6}}?|[a-z]{{3,12}} ?)(?:小区|花园|家园|公寓|新村|苑|大厦|公馆|宿舍|山庄|雅居|华庭|名都|社区))"
    rf"|(?P<admin>{PLACE_CHAR}{{2,6}}?(?:省|自治区|市|(?<!{_NOT_DISTRICT})区|县|镇|乡|街道|村)(?![长民场别域间里委]))"
    rf"|(?P<road>{PLACE_CHAR}{{2,6}}?(?:路|大街|街|大道|巷|弄|胡同))"
    rf"|(?P<building>{_NUM}\s?(?:栋|幢|座|号楼|楼(?=\d))|(?<![a-z])[a-z](?:栋|幢|座))"  # B座: a lettered block (issue 14)
    rf"|(?P<unit>{_NUM}\s?单元|{_NUM}门(?=\d))"  # 2门301: Beijing's 门 is a stairwell, a unit
    rf"|(?P<house>{_NUM}(?:-{_NUM})?号(?:院)?(?![线门车场球位桌码口窗台车站]))"
    # a room: 501室, 3栋…501, or building-unit-room written 8-3-201 (the dashes are gone in this view: " 83201")
    rf"|(?P<room>{_NUM}(?:室|房间|户)|(?<=[元栋幢座门-])\d{{3,4}}(?![\d年米元岁])|(?<=\s)\d{{3,6}}(?![\d年米元岁号路线次个人点分]))"
    rf"|(?P<floor>{_NUM}(?:层|楼)(?![梯道下上顶]))"
)
_HOUSE_LEVEL = frozenset({"building", "unit", "house", "room"})
_LINK = re.compile(r"[\s,，、\-]*(?:的)?[\s,，、\-]*")
_SCHOOL = re.compile(
    rf"({PLACE_CHAR}{{2,8}}?)(小学|中学|初中|高中|幼儿园|附小|附中|实验学校|外国语学校|双语学校|国际学校|职高|中专)(?!生|部|阶段|时|老师们)"
)
_NUMBERED_SCHOOL = re.compile(
    r"第\d{1,3}(?:中学|小学)(?!生)|(?<=[市区县])\d{1,3}中(?![\u4e00-\u9fff])"
    r"|(?:(?<=[市区县是在读])|^)[\d十]{1,3}中(?=初|高|的|读|上学|[\s,，。!！]|$)"
    r"|(?<![a-z])no\.? ?\d{1,3} ?(?:中学|小学|中(?![\u4e00-\u9fff]))"  # 我在No.3中学  # 我是十一中初二的 (issue 14)
)
_CLASS = re.compile(
    r"(?:[\d十]{1,2}\s*年级|初[123一二三]|高[123一二三])\s*[(（]?\s*[\d十]{1,2}\s*[)）]?\s*班"
    r"|[(（]\s*[\d十]{1,2}\s*[)）]\s*班"
    r"|(?<![\d])\d{1,2}年\d{1,2}班"
    r"|(?<![\d])[1-9]\d{1,2}\)\s*班"  # 四(2)班: the view drops "(" between two digits, "42)班" (issue 14)
)
_SCHOOL_EN = re.compile(
    r"(?<![a-z'])((?:[a-z]+ ){1,3})"
    r"(?:primary|middle|high|elementary|junior high|secondary|international) school(?!s)"
)
_CLASS_EN = re.compile(
    r"(?:grade|year) ?\d{1,2},? ?class ?\d{1,2}|class ?\d{1,2},? ?(?:grade|year) ?\d{1,2}"
    r"|(?<![a-z])class ?\d{1,2} ?[a-z](?![a-z])|(?<![a-z])class ?\d{1,2}-\d{1,2}(?!\d)"
    r"|\d{1,2}(?:st|nd|rd|th) grade,? ?class ?\d{1,2}"  # 5th grade class 3 (issue 14)
)
# Read in the original, where the dash is still there: "class 6-3", "class 6/3" (issue 14).
_CLASS_EN_DASH = re.compile(r"(?<![a-z])class ?\d{1,2} ?[-/] ?\d{1,2}(?!\d)", re.IGNORECASE)
# "No. 2 Middle School", "Beijing No.4 High School" (issue 14).
_NUMBERED_SCHOOL_EN = re.compile(
    r"(?<![a-z])no\.? ?\d{1,3} (?:middle|high|primary|secondary|junior high|junior middle|experimental)(?: school)?(?![a-z])"
)
# A named school with only "School" after its name, written with capitals ("Dongfang School").
_SCHOOL_EN_NAMED = re.compile(r"(?<![A-Za-z])((?:[A-Z][a-z]+ ){1,3})School(?![A-Za-z]| of )")
_NOT_SCHOOL_NAME_EN = frozenset(
    "summer sunday saturday weekend winter holiday art music dance driving night swimming football language english "
    "chinese maths math middle high primary secondary junior senior boarding public private elementary new old "
    "grammar secret magic village city town international science sports sport film drama cooking flight police "
    "military medical law business".split()
)
# A named school without the word "school", written with capitals ("Hillside Primary"): read in the original.
_SCHOOL_EN_SHORT = re.compile(r"(?<![A-Za-z])((?:[A-Z][a-z]+(?:'s)? ){1,3})(?:Primary|Secondary|Junior High|High|Middle|Academy)(?![A-Za-z]| of )")
_ADDRESS_EN = re.compile(
    r"(?<![a-z0-9])(?:n0|no\.? ?)?\d{1,5}[a-z]?,? (?:(?!(?:is|the|a|an|to|of|and|in|on|at|for|from|with|by|am|are|my|your|was|bus)\b)[a-z]+(?:'s)? ){1,3}"
    r"(?:road|rd|street|st|avenue|ave|lane|ln|drive|dr|way|close|court|crescent)"
    r"(?![a-z])(?:,? ?(?:flat|apt|apartment|building|block|room|unit|no\.?) ?\d{1,5})?"
)
# A street after a home cue, without a house number: "i live on maple street".
_PLACE_EN = (
    r"(?:road|street|avenue|lane|drive|close|court|crescent|estate|garden|gardens|community|village|apartments|"
    r"residence|mansion|compound|building|block|tower|xiaoqu)"
)
_HOME_STREET_EN = re.compile(
    r"(?:i live|we live|my home is|our house is|our home is|my address is|our address is|my house is|my home address is)"
    rf"(?: at| on| in|:)? ((?:[a-z0-9.,]+ ){{0,4}}{_PLACE_EN})(?![a-z])"
)
_NOT_A_PLACE_NAME = frozenset(
    "a an the nice big small new old quiet good great lovely busy very beautiful safe friendly same this that our my "
    "your their his her tall high".split()
)
# Without a cue: a numbered building in a named place ("no. 3 building, xinhua community").
_NUMBERED_BUILDING_EN = re.compile(
    r"(?<![a-z0-9])(?:no\.? ?)?\d{1,4} ?(?:building|block|tower),? (?:[a-z]+ ){1,3}(?:community|estate|garden|gardens|village|xiaoqu)(?![a-z])"
)
# A door number said as one ("我家门牌号是302", "house number 12").
_DOOR_NUMBER = re.compile(r"(?:门牌号|门牌|house number|door number)(?:码)?\s*(?:是|为|:|is)?\s*(\d{1,5}(?:-\d{1,5})?)")
# Building and room, either order: "building 7, room 502", "room 1203, tower b".
_FLAT_EN = re.compile(
    r"(?<![a-z])(?:building|block|tower|bldg) ?[a-z0-9]{1,4},? (?:unit ?\d{1,3},? )?(?:room|flat|apt|apartment) ?\d{1,5}"
    r"|(?<![a-z])(?:room|flat|apt|apartment) ?\d{2,5},? (?:building|block|tower|bldg) ?[a-z0-9]{1,4}(?![a-z0-9])"
)
_EN_STOP = frozenset(
    "my our the a an this that your his her their every other local new big good best nearest near at to in "
    "go goes went from of and for by each all old some many most any other few several these those both "
    "every no".split()
)


def cache_clear() -> None:
    _address_cue.cache_clear()
    _public_place.cache_clear()


@cache
def _address_cue() -> re.Pattern[str]:
    """A home cue that leads straight into the place: 我家在…, 住在…, 地址：… (not 我家附近有个…)."""
    cues = alternation(words("cues.txt", "address"))
    return re.compile(rf"(?:{cues})[\s:,]*(?:就|也|是)?(?:在|住在|位于|是)?[\s:,]*$")


@cache
def _named_after_cue() -> re.Pattern[str]:
    """A home cue, then a place's name without a suffix (我住星河湾 17号楼): enough for house-level detail."""
    cues = alternation(words("cues.txt", "address"))
    return re.compile(rf"(?:{cues})[\s:,]*(?:就|也|是)?(?:在|住在|位于|是)?[\s:,]*{PLACE_CHAR}{{2,6}}[\s,]*$")


@cache
def _public_place() -> re.Pattern[str]:
    """A public building just before an address (市图书馆在文化路12号, the museum is at 25 park road)."""
    places = alternation(words("cues.txt", "public_place"))
    return re.compile(rf"(?:{places})[\s:,]*(?:就|也)?(?:在|位于|设在|搬到|搬去|是|is at|is on|at|on)?[\s:,]*(?:the )?$")


@dataclass(slots=True)
class _Chain:
    start: int
    end: int
    kinds: list[str]


def _chains(text: str) -> list[_Chain]:
    """Address parts that follow one another (linked by nothing, a comma or 的) form one chain."""
    chains: list[_Chain] = []
    for m in _PARTS.finditer(text):
        kind = m.lastgroup or ""
        if kind == "road" and m.group(0)[-2:] in _ROAD_GENERIC:
            continue
        if chains and _LINK.fullmatch(text[chains[-1].end : m.start()]):
            chains[-1].end = m.end()
            chains[-1].kinds.append(kind)
        else:
            chains.append(_Chain(m.start(), m.end(), [kind]))
    return chains


def detect_addresses(n: Normalised) -> list[Finding]:
    """A chain after a home cue, or a chain with house-level detail (XX路12号, 3栋2单元501)."""
    text = n.text
    cue = _address_cue()
    found: list[Finding] = []
    for chain in _chains(text):
        kinds = set(chain.kinds)
        parts = [k for k in chain.kinds if k != "floor"]
        before = text[max(0, chain.start - 16) : chain.start]
        has_cue = cue.search(before) is not None
        if not has_cue and _public_place().search(before):
            continue  # "市图书馆在文化路12号": a public building's address, not a home (issue 14)
        if kinds & _HOUSE_LEVEL and not has_cue and _named_after_cue().search(before):
            has_cue = True  # "我住星河湾 17号楼"
        if kinds & _HOUSE_LEVEL and len(parts) >= 2:
            confidence = 0.9 if has_cue else 0.85
        elif has_cue and kinds & {"estate", "road", "building", "house", "unit", "room"}:
            confidence = 0.85
        elif has_cue and "admin" in kinds and _fine_admin(text[chain.start : chain.end]):
            confidence = 0.6
        else:
            continue
        found.append(finding(n, Category.ADDRESS, chain.start, chain.end, confidence))
    found += [
        finding(n, Category.ADDRESS, m.start(), m.end(), 0.8) for m in _ADDRESS_EN.finditer(text)
        if not _public_place().search(text[max(0, m.start() - 24) : m.start()])
    ]
    for m in _HOME_STREET_EN.finditer(n.plain):
        words_before = m.group(1).replace(",", " ").split()[:-1]
        if words_before and not (set(words_before) & _NOT_A_PLACE_NAME):  # "a nice community" names no place
            found.append(finding(n, Category.ADDRESS, m.start(1), m.end(1), 0.75))
    found += [finding(n, Category.ADDRESS, m.start(), m.end(), 0.75) for m in _NUMBERED_BUILDING_EN.finditer(n.plain)]
    found += [finding(n, Category.ADDRESS, m.start(), m.end(), 0.8) for m in _FLAT_EN.finditer(n.plain)]
    found += [finding(n, Category.ADDRESS, m.start(1), m.end(1), 0.8) for m in _DOOR_NUMBER.finditer(text)]
    return found


def _fine_admin(part: str) -> bool:
    """A district, town or village is close to a home; a province or city is not."""
    return part[-1] in "区县镇乡村" or part.endswith("街道")


_NOT_SCHOOL_END = "上读念考进去和与跟比得到在"
_NOT_SCHOOL_START = "但和与跟比而"


def detect_schools(n: Normalised) -> list[Finding]:
    """Named schools (育才小学, 第3中学, X primary school) and grade-and-class (三年级二班, 初二(3)班)."""
    text = n.text
    generic = allowed_words("school_generic")
    found: list[Finding] = []
    for m in _SCHOOL.finditer(text):
        name = m.group(1)
        if name in generic or name[-1] in _NOT_SCHOOL_END or name[0] in _NOT_SCHOOL_START or "某" in name:
            continue  # "第一天上小学", "哥哥上初中", "食堂比小学", "学校和幼儿园": a verb or a link, not a name
        school = finding(n, Category.SCHOOL, m.start(), m.end(), 0.8)
        gap = n.original.rfind(" ", school.start, school.end)  # the child's space ends the words before it
        if gap != -1:
            school = Finding(Category.SCHOOL, gap + 1, school.end, school.confidence)
        found.append(school)
    found += [finding(n, Category.SCHOOL, m.start(), m.end(), 0.75) for m in _NUMBERED_SCHOOL.finditer(text)]
    found += [finding(n, Category.SCHOOL, m.start(), m.end(), 0.8) for m in _CLASS.finditer(text)]
    for m in _SCHOOL_EN.finditer(text):
        name_words = m.group(1).split()
        stops = [i for i, w in enumerate(name_words) if w in _EN_STOP]
        if stops:  # "safer crossings near the primary school": only the words after the last stop word name it
            name_words = name_words[stops[-1] + 1 :]
        if name_words:
            start = m.end(1) - len(" ".join(name_words)) - 1
            found.append(finding(n, Category.SCHOOL, start, m.end(), 0.75))
    found += [finding(n, Category.SCHOOL, m.start(), m.end(), 0.7) for m in _CLASS_EN.finditer(text)]
    found += [Finding(Category.SCHOOL, m.start(), m.end(), 0.7) for m in _CLASS_EN_DASH.finditer(n.original)]
    found += [finding(n, Category.SCHOOL, m.start(), m.end(), 0.75) for m in _NUMBERED_SCHOOL_EN.finditer(text)]
    for m in _SCHOOL_EN_NAMED.finditer(n.original):
        name_words = [w.lower() for w in m.group(1).split()]
        if name_words[-1] not in _NOT_SCHOOL_NAME_EN and not set(name_words) & _EN_STOP:
            found.append(Finding(Category.SCHOOL, m.start(), m.end(), 0.7))
    for m in _SCHOOL_EN_SHORT.finditer(n.original):
        name_words = [w.lower() for w in m.group(1).split()]
        if name_words[0] not in _EN_STOP and name_words[-1] not in _NOT_SCHOOL_NAME_EN:
            found.append(Finding(Category.SCHOOL, m.start(), m.end(), 0.7))
    return found
