"""Automated text screening of children's comments (MOD-06 … MOD-11, SG-02): pure Python, no database.

    >>> from app.moderation.screening import screen, redact
    >>> result = screen("我的电话是 138 0013 8000")
    >>> result.action, [f.category for f in result.findings]
    (<Action.PERSONAL_DETAILS: 'personal_details'>, [<Category.PHONE: 'phone'>])
    >>> redact(result.text, result.findings)
    '我的电话是 ＊＊＊'

Lexicons are data files in ``app/moderation/data/`` (reviewed like code); they are compiled on first use and
cached for the process. Call ``warm_up()`` at start-up to pay that cost (a few tenths of a second) early.
"""

from app.moderation.screening import contact, context, lexicon, meaning, names, places, words_detector
from app.moderation.screening import normalise as normalise_module
from app.moderation.screening.engine import MASK, decide, personal_details, redact, risk, screen, screen_many
from app.moderation.screening.normalise import Normalised, normalise
from app.moderation.screening.types import (
    PERSONAL_DETAILS,
    RISK_WEIGHT,
    Action,
    Category,
    Finding,
    Level,
    Result,
    Subkind,
)


def reload() -> None:
    """Forget every compiled lexicon (after editing a data file in a running process, or in tests). Here, above
    the detectors, so that the lexicon imports none of them (issue 15: they imported each other)."""
    for fn in (normalise_module.cue_folds, lexicon.allow_list, lexicon.allowed_words, lexicon.unkind_words,
               lexicon.safeguarding_phrases, lexicon.safeguarding_rules):
        fn.cache_clear()
    for module in (contact, context, meaning, names, places, words_detector):
        module.cache_clear()


def warm_up() -> None:
    """Compile every lexicon and load the sentence encoder now rather than on the first comment."""
    screen("warm up 我叫王小明 13800138000")


__all__ = [
    "MASK",
    "PERSONAL_DETAILS",
    "RISK_WEIGHT",
    "Action",
    "Category",
    "Finding",
    "Level",
    "Normalised",
    "Result",
    "Subkind",
    "decide",
    "normalise",
    "personal_details",
    "redact",
    "reload",
    "risk",
    "screen",
    "screen_many",
    "warm_up",
]
