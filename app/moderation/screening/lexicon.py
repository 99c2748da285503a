"""Lexicon files of ``app/moderation/data/`` and the compiled matchers built from them, once per process.

The files are plain text so that a safeguarding officer can review a change as a diff (MOD-11):

    # a comment            — anywhere, also after an entry
    [section]              — a group: a safeguarding sub-kind, an insult group, a canonical cue …
    entry                  — one phrase a line, written as children write it (normalised when loaded)
    entry | 0.6            — with its own confidence
    entry | digits         — with a keyword option (here: fold only when digits follow)

Everything is compiled on first use and cached for the life of the process; ``reload`` drops the caches
(tests, or a long-running worker after a lexicon deployment).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

import ahocorasick

from app.moderation.screening.datafiles import DATA_DIR, Entry, parse, sections
from app.moderation.screening.normalise import normalise_entry


def words(name: str, section: str, *, normalised: bool = True) -> list[str]:
    """One section as a list of strings, normalised like the ``plain`` view unless told otherwise."""
    entries = sections(name).get(section, [])
    if normalised:
        return [normalise_entry(e.text) for e in entries]
    return [e.text for e in entries]


def alternation(items: list[str]) -> str:
    """A regex alternation, longest first so that 我的名字叫 wins over 名字叫."""
    unique = sorted(set(items), key=lambda s: (-len(s), s))
    return "|".join(re.escape(s) for s in unique)


# ---------------------------------------------------------------------------------------------- phrase lists


@dataclass(frozen=True, slots=True)
class Hit:
    start: int
    end: int
    section: str
    confidence: float
    entry: str


@dataclass(slots=True)
class PhraseList:
    """Many phrases matched in one pass (Aho-Corasick); ASCII words only match as whole words."""

    default_confidence: dict[str, float] = field(default_factory=dict)
    _automaton: ahocorasick.Automaton | None = None

    @classmethod
    def build(cls, entries: list[Entry], default_confidence: dict[str, float]) -> PhraseList:
        table: dict[str, list[tuple[str, float, str]]] = {}
        for entry in entries:
            key = normalise_entry(entry.text)
            if not key:
                continue
            confidence = entry.confidence or default_confidence.get(entry.section, 0.8)
            table.setdefault(key, []).append((entry.section, confidence, key))
        automaton = ahocorasick.Automaton()
        for key, values in table.items():
            automaton.add_word(key, (len(key), tuple(values)))
        if table:
            automaton.make_automaton()
            return cls(default_confidence, automaton)
        return cls(default_confidence, None)

    def find(self, text: str) -> Iterator[Hit]:
        if self._automaton is None:
            return
        for end_index, (length, values) in self._automaton.iter(text):
            start, end = end_index - length + 1, end_index + 1
            if not _whole_word(text, start, end):
                continue
            for section, confidence, key in values:
                yield Hit(start, end, section, confidence, key)


def _whole_word(text: str, start: int, end: int) -> bool:
    """ASCII entries must not sit inside a longer Latin word: 'ass' in 'class', 'die' in 'diet'."""
    first, last = text[start], text[end - 1]
    if first.isascii() and first.isalnum() and start > 0:
        before = text[start - 1]
        if before.isascii() and before.isalnum():
            return False
    if last.isascii() and last.isalnum() and end < len(text):
        after = text[end]
        if after.isascii() and after.isalnum():
            return False
    return True


_ALLOW_SETS = frozenset({"names", "school_generic"})  # compared as whole words, not as spans


@cache
def allow_list() -> PhraseList:
    """Harmless words that contain risky ones (笑死, 杀毒, 打我电话, kill time): a hit inside one is dropped."""
    entries = [e for e in parse(DATA_DIR / "allow.txt") if e.section not in _ALLOW_SETS]
    return PhraseList.build(entries, {})


def allowed_spans(text: str) -> list[tuple[int, int]]:
    return [(h.start, h.end) for h in allow_list().find(text)]


def inside_allowed(hit_start: int, hit_end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= hit_start and hit_end <= e for s, e in spans)


@cache
def allowed_words(section: str) -> frozenset[str]:
    """One section of ``allow.txt`` as a set (names that are words, generic school prefixes …)."""
    return frozenset(words("allow.txt", section))


@cache
def unkind_words() -> PhraseList:
    return PhraseList.build(
        [e for e in parse(DATA_DIR / "unkind.txt") if e.section != "targeted"],
        {"insult": 0.85, "threat": 0.9, "mockery": 0.75, "english": 0.85, "mild": 0.6},
    )


@cache
def safeguarding_phrases() -> PhraseList:
    return PhraseList.build(parse(DATA_DIR / "safeguarding.txt"), {})


@dataclass(frozen=True, slots=True)
class Rule:
    """Two phrase lists that together signal a concern when close: an actor, then what they did."""

    name: str
    subkind: str
    confidence: float
    window: int
    any_order: bool
    first: PhraseList
    then: PhraseList


@cache
def safeguarding_rules() -> tuple[Rule, ...]:
    with (DATA_DIR / "safeguarding_rules.toml").open("rb") as fh:
        data = tomllib.load(fh)
    rules = []
    for raw in data.get("rule", []):
        first = PhraseList.build([Entry(t, "first") for t in raw["first"]], {"first": 1.0})
        then = PhraseList.build([Entry(t, "then") for t in raw["then"]], {"then": 1.0})
        rules.append(
            Rule(
                raw["name"],
                raw["subkind"],
                float(raw["confidence"]),
                int(raw.get("window", 12)),
                bool(raw.get("any_order", False)),
                first,
                then,
            )
        )
    return tuple(rules)
