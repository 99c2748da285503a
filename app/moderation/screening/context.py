"""The words around a finding (issue 14): who is speaking about whom, idioms that look like harm, and contempt
for a group. Data in ``app/moderation/data/context.toml``; everything runs on the ``plain`` view.

* **Speaker.** A disclosure is a person telling what happens to them or someone they know ("I", "my", "we",
  a friend, a brother); talk about a topic, the news, a story or the law is not. ``speaker(plain)`` says
  which of the two the text shows (both, one or neither); the combined rule in ``engine`` decides with it.
* **Idioms.** "我想死你们了" (I missed you so much), "累死了", "kill it at the game": the harm word is read with
  the words right after (or before) it, and a hit on it is dropped. The harm words themselves stay listed.
* **Register.** A text in the writer's own adult life (a partner, dating, marriage, their job: "男朋友给我准备了
  惊喜", "加班到半夜") is an adult's day: ``register(plain)`` says so, and whether a child-safety cue (an adult or
  an age gap, secrecy from parents, photos of the body, money, meeting at their place) or something of a child's
  care (a home, a parent, food, being alone: what neglect needs) or grooming's pattern (a cue, gifts, private
  contact) stands in it. ``engine`` decides with it.
* **Adult writer.** A text in which the writer is plainly an adult (their own child, spouse, job, university or
  age: "我儿子", "我家孩子", "我们单位", "我30岁了") is an adult talking of their life or about a topic:
  ``adult_writer(plain)`` says so, unless the marker is quoted ("妈妈说：我儿子…", a child quoting an adult).
  ``engine`` lowers its safeguarding findings with it (SG-02).
* **Group contempt.** A group (a region, gender, ethnicity, disability, family background) and a word of
  contempt close together are unkind words with no person named (MOD-10).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache

from app.moderation.screening.common import finding
from app.moderation.screening.lexicon import DATA_DIR, alternation
from app.moderation.screening.normalise import Normalised, normalise_entry
from app.moderation.screening.types import Category, Finding


def cache_clear() -> None:
    _data.cache_clear()
    _compiled.cache_clear()


@cache
def _data() -> dict:
    with (DATA_DIR / "context.toml").open("rb") as fh:
        return tomllib.load(fh)


def _words(items: list[str]) -> list[str]:
    return [w for w in (normalise_entry(i) if i.strip() else i for i in items) if w]


def _pattern(items: list[str]) -> re.Pattern[str]:
    """Latin words match as whole words (so "me" is not in "game"); Chinese ones anywhere."""
    latin = [w for w in items if w.isascii()]
    other = [w for w in items if not w.isascii()]
    parts = []
    if latin:
        parts.append(rf"(?<![a-z'])(?:{alternation(latin)})(?![a-z'])")
    if other:
        parts.append(f"(?:{alternation(other)})")
    return re.compile("|".join(parts) or r"(?!)")


@dataclass(frozen=True, slots=True)
class _Idiom:
    harm: re.Pattern[str]
    before: re.Pattern[str] | None
    after: re.Pattern[str] | None
    both: bool


@dataclass(frozen=True, slots=True)
class _Compiled:
    first_person: re.Pattern[str]
    known_person: re.Pattern[str]
    not_known_person: re.Pattern[str]
    opinion: re.Pattern[str]
    topic: re.Pattern[str]
    in_general: re.Pattern[str]
    joke: re.Pattern[str]
    not_joke: re.Pattern[str]
    idioms: tuple[_Idiom, ...]
    groups: re.Pattern[str]
    contempt: re.Pattern[str]
    window: int
    adult: re.Pattern[str]
    someone_else: re.Pattern[str]
    child_safety: re.Pattern[str]
    grooming: re.Pattern[str]
    care: re.Pattern[str]
    shop: re.Pattern[str]
    guardian: re.Pattern[str]
    adult_writer: re.Pattern[str]
    animals: re.Pattern[str]
    animal_harm: re.Pattern[str]
    animal_person: re.Pattern[str]
    animal_window: int
    quoted_before: re.Pattern[str]
    quoted_window: int
    children: re.Pattern[str]
    third_party: re.Pattern[str]


def _raw_alternation(items: list[str]) -> str:
    unique = sorted(set(items), key=lambda s: (-len(s), s))
    return "|".join(re.escape(s) for s in unique)


@cache
def _compiled() -> _Compiled:
    data = _data()
    speaker = data["speaker"]
    idioms = []
    for raw in data.get("idiom", []):
        # Idiom context keeps its spaces: " it" after "kill" must be a next word, not any text.
        before = [normalise_entry(w) for w in raw.get("before", [])]
        after = [w.lower() if w.startswith(" ") else normalise_entry(w) for w in raw.get("after", [])]
        idioms.append(_Idiom(
            harm=re.compile(f"(?:{_raw_alternation([normalise_entry(w) for w in raw['harm']])})"),
            before=re.compile(f"(?:{_raw_alternation(before)})$") if before else None,
            after=re.compile(f"^(?:{_raw_alternation(after)})") if after else None,
            both=bool(raw.get("both", False)),
        ))
    group = data["group_contempt"]
    return _Compiled(
        first_person=_pattern(_words(speaker["first_person"])),
        known_person=_pattern(_words(speaker["known_person"])),
        not_known_person=_pattern(_words(speaker.get("not_known_person", []))),
        opinion=_pattern(_words(speaker["opinion_frames"])),
        topic=_pattern(_words(speaker["topic"])),
        in_general=_pattern(_words(speaker.get("people_in_general", []))),
        joke=_pattern([w if not w.isascii() else w.lower() for w in speaker.get("joke", [])]),
        not_joke=_pattern([w if not w.isascii() else w.lower() for w in speaker.get("not_joke", [])]),
        idioms=tuple(idioms),
        groups=_pattern(_words(group["groups"])),
        contempt=_pattern(_words(group["contempt"])),
        window=int(group.get("window", 10)),
        adult=_pattern(_words(data["register"]["adult"])),
        someone_else=_pattern(_words(data["register"]["someone_else"])),
        child_safety=re.compile("|".join(f"(?:{p})" for p in data["register"]["child_safety"])),
        grooming=re.compile("|".join(f"(?:{p})" for p in data["grooming"]["cues"])),
        care=_pattern(_words(data["neglect"]["care"])),
        shop=_pattern(_words(data["neglect"].get("shop", []))),
        guardian=_pattern(_words(data["neglect"].get("guardian", []))),
        adult_writer=re.compile("|".join(f"(?:{p})" for p in data["adult_writer"]["markers"])),
        quoted_before=re.compile("|".join(re.escape(w) for w in data["adult_writer"]["quoted_before"])),
        quoted_window=int(data["adult_writer"].get("quoted_window", 6)),
        children=_pattern(_words(data["adult_writer"]["children"])),
        animals=_pattern(_words(data["animal_subject"]["animals"])),
        animal_harm=_pattern(_words(data["animal_subject"]["harm"])),
        animal_person=_pattern(_words(data["animal_subject"]["person"])),
        animal_window=int(data["animal_subject"].get("window", 12)),
        third_party=re.compile("|".join(f"(?:{p})" for p in data["reported"]["third_party"])),
    )


@dataclass(frozen=True, slots=True)
class Speaker:
    """What the text shows of who speaks about whom."""

    personal: bool  # the writer, or someone they know, is in it (beyond an opinion frame)
    topic: bool  # it talks about the news, a story, the law or people in general
    joke: bool = False  # "哈哈", "lol": teasing or a joke

    @property
    def topic_only(self) -> bool:
        return self.topic and not self.personal


# "自己" at the start of a clause is the writer ("自己一个人在家，没人做饭"); after a noun it is that noun's
# ("有家长说自己孩子…", "那个男孩用自己的零花钱…"): SG-02, issue 14.
_CLAUSE_SELF = re.compile(r"(?:^|[\s,.!?;:~…，。！？；：、])自己")


def speaker(plain: str) -> Speaker:
    """In topic talk only the writer's own words make it personal: "报道说一个初中生被同学打" names nobody the
    writer knows ("我同学" still does, by its 我); elsewhere a known person alone is enough ("同桌被他爸打了").
    People in general (a region, a race, a sex as a group) make topic talk only with nobody personal in it."""
    c = _compiled()
    without_frames = c.opinion.sub(" ", plain)
    topic = bool(c.topic.search(plain))
    personal = bool(
        c.first_person.search(without_frames)
        or _CLAUSE_SELF.search(without_frames)
        or (not topic and c.known_person.search(c.not_known_person.sub(" ", without_frames)))
    )
    topic = topic or (not personal and bool(c.in_general.search(plain)))  # "很多女性都遭遇过…", nobody's own
    return Speaker(personal=personal, topic=topic, joke=bool(c.joke.search(c.not_joke.sub(" ", plain))))


@dataclass(frozen=True, slots=True)
class Register:
    """What the text shows of the writer's own adult life, and of a child's safety or care."""

    adult: bool  # the writer's own partner, dating, marriage or job ("我男朋友", "相亲", "加班")
    child_safety: bool  # an adult or age gap, secrecy from parents, body photos, money, meeting at their place
    grooming: bool  # a child-safety cue, or gifts, private contact, a stream or a game: grooming's pattern
    care: bool  # a home, a parent or adult, food, being alone or ill: what neglect is about
    # SG-02 (issue 14): a shop, a delivery or a queue with no parent or carer named ("外卖还没送到，饿了一整天"):
    # hunger or waiting in the writer's own errands, not a child's care
    errand: bool = False


SOMEONE_ELSE_WINDOW = 4  # characters before a register word in which "妈", "她", "爸" make it theirs
SOMEONE_ELSE_WINDOW_LATIN = 10  # the same before an English one: "my mum's boyfriend"


def _window(word: str) -> int:
    return SOMEONE_ELSE_WINDOW_LATIN if word.isascii() else SOMEONE_ELSE_WINDOW


def register(plain: str) -> Register:
    c = _compiled()
    adult = any(
        not c.someone_else.search(plain[max(0, m.start() - _window(m.group())) : m.start()])
        for m in c.adult.finditer(plain)
    )
    child_safety = bool(c.child_safety.search(plain))
    return Register(
        adult=adult, child_safety=child_safety, grooming=child_safety or bool(c.grooming.search(plain)),
        care=bool(c.care.search(plain)),
        errand=bool(c.shop.search(plain)) and not c.guardian.search(plain),
    )


def adult_writer(plain: str) -> bool:
    """SG-02 (issue 14): the writer is plainly an adult: their own child, spouse, job, university or age. A
    marker with a speech word or a quotation mark just before it is someone else's words, not the writer's."""
    c = _compiled()
    for m in c.adult_writer.finditer(plain):
        before = plain[max(0, m.start() - c.quoted_window) : m.start()]
        if not c.quoted_before.search(before):
            return True
    return False


def names_a_child(plain: str) -> bool:
    """An adult's text names a child (SG-02, issue 14: "孩子他爸喝醉了就打孩子"): their harm words are kept."""
    return bool(_compiled().children.search(plain))


def idiom_spans(plain: str) -> list[tuple[int, int]]:
    """Spans of harm words that their neighbours make harmless (a hit overlapping one is dropped), and
    running-away words whose subject is a pet (SG-02: "我家猫离家出走三天了")."""
    spans: list[tuple[int, int]] = _animal_spans(plain)
    for idiom in _compiled().idioms:
        for m in idiom.harm.finditer(plain):
            before_ok = idiom.before is not None and idiom.before.search(plain[max(0, m.start() - 6) : m.start()])
            after_ok = idiom.after is not None and idiom.after.search(plain[m.end() : m.end() + 12])
            if (before_ok and after_ok) if idiom.both else (before_ok or after_ok):
                spans.append((m.start(), m.end()))
    return spans


_SENTENCE_END = re.compile(r"[。！？!?.;；\n]")


def _animal_spans(plain: str) -> list[tuple[int, int]]:
    c = _compiled()
    if not c.animals.search(plain):
        return []
    spans = []
    for m in c.animal_harm.finditer(plain):
        before = plain[max(0, m.start() - c.animal_window) : m.start()]
        last = None
        for a in c.animals.finditer(before):
            last = a
        if last is None:
            continue
        between = before[last.end() :]
        if not c.animal_person.search(between) and not _SENTENCE_END.search(between):
            spans.append((m.start(), m.end()))
    return spans


_SENTENCE = re.compile(r"[^。！？!?;；\n]*(?:[。！？!?;；\n]|$)")


def reported_elsewhere(original: str, start: int, end: int) -> bool:
    """SG-02 (issue 14): the sentence holding a harm word is itself news, a story or news from home ("我家那边
    确实有全家跳楼的", "电影里有个人跳楼了"), names a third party (``context.toml [reported]``) and neither the
    writer nor anyone they know outside those frames: the harm is told of a third person, however personal the
    text's other sentences are ("我是辽宁的。")."""
    from app.moderation.screening.normalise import normalise

    for m in _SENTENCE.finditer(original):
        if m.start() <= start < max(m.end(), m.start() + 1):
            plain = normalise(original[m.start() : max(m.end(), end)]).plain
            break
    else:
        return False
    c = _compiled()
    if not c.topic.search(plain):
        return False
    rest = c.topic.sub(" ", c.opinion.sub(" ", plain))
    return bool(c.third_party.search(rest)) and not (
        c.first_person.search(rest) or _CLAUSE_SELF.search(rest)
        or c.known_person.search(c.not_known_person.sub(" ", rest))
    )


def overlaps_any(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def detect_group_contempt(n: Normalised) -> list[Finding]:
    """A group word and a contempt word within the window, either order: unkind with no person named."""
    c = _compiled()
    plain = n.plain
    contempt = [(m.start(), m.end()) for m in c.contempt.finditer(plain)]
    if not contempt:
        return []
    found = []
    for g in c.groups.finditer(plain):
        for s, e in contempt:
            if 0 <= s - g.end() <= c.window or 0 <= g.start() - e <= c.window:
                found.append(finding(n, Category.UNKIND, min(g.start(), s), max(g.end(), e), 0.7))
                break
    return found
