"""Full names of people (MOD-06): the child's own and other children's.

A Chinese full name is a surname and one or two characters, but so are thousands of ordinary words
(高兴, 马上). Names are therefore only looked for after a cue (我叫, 我的名字是, 同桌, my name is) or just
before 同学, and words in the ``[names]`` allow-list are never names. A given name alone (小明) is not a
full name and is not reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from app.moderation.screening.common import NAME_CHAR, finding
from app.moderation.screening.lexicon import allowed_words, alternation, sections, words
from app.moderation.screening.normalise import Normalised
from app.moderation.screening.types import Category, Finding

_EN_NOT_NAMES = frozenset(
    "not a an the very so too really secret here there in at on and but because is was".split()
)


def cache_clear() -> None:
    _patterns.cache_clear()


@dataclass(frozen=True, slots=True)
class _Patterns:
    after_cue: re.Pattern[str]
    classmate: re.Pattern[str]
    before_title: re.Pattern[str]
    english: re.Pattern[str]
    not_names: frozenset[str]


@cache
def _patterns() -> _Patterns:
    surnames = sections("surnames.txt")
    compound = [e.text for e in surnames.get("compound", [])]
    single = [e.text for e in surnames.get("single", [])]
    surname = rf"(?:{alternation(compound)}|[{''.join(single)}])"
    full_name = rf"({surname}{NAME_CHAR}{{1,2}})"
    joiner = r"[\s:：,，]*(?:是|叫)?[\s:：]*"
    return _Patterns(
        after_cue=re.compile(rf"(?:{alternation(words('cues.txt', 'name'))}){joiner}{full_name}"),
        classmate=re.compile(rf"(?:{alternation(words('cues.txt', 'classmate'))}){full_name}"),
        before_title=re.compile(rf"{full_name}(?:同学|小朋友)"),
        english=re.compile(rf"(?:{alternation(words('cues.txt', 'name_en'))})\s+([a-z]+(?: [a-z]+)?)"),
        not_names=allowed_words("names"),
    )


def detect_names(n: Normalised) -> list[Finding]:
    """Names after a cue (0.85), after 同桌/同学 (0.7), before 同学 (0.7), after "my name is" (0.75)."""
    p = _patterns()
    plain = n.plain
    found: list[Finding] = []
    for pattern, confidence in ((p.after_cue, 0.85), (p.classmate, 0.7), (p.before_title, 0.7)):
        for m in pattern.finditer(plain):
            name = m.group(1)
            if name in p.not_names or name[:2] in p.not_names:
                continue
            found.append(finding(n, Category.NAME, m.start(1), m.end(1), confidence))
    for m in p.english.finditer(plain):
        parts: list[str] = []
        for word in m.group(1).split():
            if word in _EN_NOT_NAMES:
                break
            parts.append(word)
        if parts:
            end = m.start(1) + len(" ".join(parts))
            found.append(finding(n, Category.NAME, m.start(1), end, 0.75))
    return found
