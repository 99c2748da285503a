"""The vocabulary of screening: categories, safeguarding sub-kinds, actions, findings and results.

Findings carry spans and scores only, never the matched word: what a child sees is the category (MOD-22),
and the caller slices the original text when a moderator needs the words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Category(StrEnum):
    """What a finding is about; the first nine are personal details (MOD-06)."""

    PHONE = "phone"
    EMAIL = "email"
    URL = "url"
    QQ = "qq"
    SOCIAL_ID = "social_id"
    ID_NUMBER = "id_number"
    ADDRESS = "address"
    SCHOOL = "school"
    NAME = "name"
    UNKIND = "unkind"  # MOD-10
    SAFEGUARDING = "safeguarding"  # SG-02


class Subkind(StrEnum):
    """The safeguarding triggers of SG-02, so the officer sees what kind of concern was flagged."""

    ABUSE = "abuse"
    NEGLECT = "neglect"  # no adult, no food, no care: said plainly (issue 14)
    SELF_HARM = "self_harm"
    SEXUAL = "sexual"
    GROOMING = "grooming"
    RUNNING_AWAY = "running_away"
    BULLYING = "bullying"


class Level(StrEnum):
    """How sure screening is of a safeguarding finding (issue 14): *certain* opens a case; *possible* puts the
    words on the safeguarding officers' "please read" list, shown to nobody else, with no case opened."""

    CERTAIN = "certain"
    POSSIBLE = "possible"


class Action(StrEnum):
    """Where the comment goes next; ordered from most to least urgent."""

    SAFEGUARDING = "safeguarding"  # SG-01: never published, officer alerted
    SAFEGUARDING_POSSIBLE = "safeguarding_possible"  # held, on the officers' "please read" list, no case yet
    PERSONAL_DETAILS = "personal_details"  # MOD-08: prompt the child, redact or hold
    UNKIND = "unkind"  # MOD-10: never published as is
    CLEAN = "clean"  # still pre-moderated by a human (MOD-01)


PERSONAL_DETAILS: frozenset[Category] = frozenset(
    {
        Category.PHONE,
        Category.EMAIL,
        Category.URL,
        Category.QQ,
        Category.SOCIAL_ID,
        Category.ID_NUMBER,
        Category.ADDRESS,
        Category.SCHOOL,
        Category.NAME,
    }
)

# How much a finding of each category weighs in the queue's risk order: a disclosure of harm comes first,
# then details that let a stranger reach the child, then details that only narrow down who the child is.
RISK_WEIGHT: dict[Category, float] = {
    Category.SAFEGUARDING: 1.0,  # a possible finding weighs its confidence, which the band keeps below certain
    Category.PHONE: 0.8,
    Category.ADDRESS: 0.8,
    Category.ID_NUMBER: 0.8,
    Category.QQ: 0.75,
    Category.SOCIAL_ID: 0.75,
    Category.EMAIL: 0.75,
    Category.URL: 0.6,
    Category.NAME: 0.6,
    Category.SCHOOL: 0.55,
    Category.UNKIND: 0.5,
}


@dataclass(frozen=True, slots=True)
class Finding:
    """A detection: ``start``/``end`` index the original (``text[start:end]``), so it can be redacted."""

    category: Category
    start: int
    end: int
    confidence: float
    subkind: Subkind | None = None
    level: Level | None = None  # safeguarding findings only
    source: str = "words"  # "words" (lexicons and rules) or "meaning" (the sentence encoder)

    @property
    def is_personal(self) -> bool:
        return self.category in PERSONAL_DETAILS

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of the CLI and of queue records (no matched word, MOD-22)."""
        return {
            "category": str(self.category),
            "subkind": str(self.subkind) if self.subkind else None,
            "start": self.start,
            "end": self.end,
            "confidence": round(self.confidence, 2),
            "level": str(self.level) if self.level else None,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class Result:
    """The outcome of ``screen``: findings sorted by position, the action, and a risk score for ordering."""

    text: str
    normalised: str
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    action: Action = Action.CLEAN
    risk: float = 0.0

    @property
    def categories(self) -> frozenset[Category]:
        return frozenset(f.category for f in self.findings)

    @property
    def subkinds(self) -> frozenset[Subkind]:
        return frozenset(f.subkind for f in self.findings if f.subkind)

    @property
    def certain(self) -> bool:
        """A safeguarding finding screening is sure of (a case opens)."""
        return any(f.level == Level.CERTAIN for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "findings": [f.to_dict() for f in self.findings],
            "action": str(self.action),
        }
