"""Unkind words (MOD-10) and safeguarding signals (SG-02), matched on the ``plain`` view.

Both are phrase lists compiled into Aho-Corasick automata (one pass per list, however long the list), with
the allow-list applied afterwards: a hit lying inside an allowed word (笑死我了, 杀毒软件, 打我电话) is dropped.
Safeguarding also has two-part rules (an actor, then an act within a few characters) for indirect wordings.
"""

from __future__ import annotations

import re
from functools import cache

from app.moderation.screening.common import finding
from app.moderation.screening.lexicon import (
    Rule,
    allowed_spans,
    alternation,
    inside_allowed,
    safeguarding_phrases,
    safeguarding_rules,
    sections,
    unkind_words,
    words,
)
from app.moderation.screening.normalise import Normalised, normalise_entry
from app.moderation.screening.types import Category, Finding, Subkind


def cache_clear() -> None:
    _targeted.cache_clear()


@cache
def _targeted() -> re.Pattern[str]:
    """A person, a link word, then a word from ``[targeted]``: 你是猪, 他就是个垃圾, you are so stupid."""
    people = alternation(words("cues.txt", "person"))
    targets = alternation([normalise_entry(e.text) for e in sections("unkind.txt").get("targeted", [])])
    zh_link = r"(?:就|真|简直|真的|才|太|好)?(?:是|像|长得)?(?:个|一个|一头|一只|这种|那么|这么|太|真|好)?"
    en_link = r"(?:'re|'s| are| is| r| was| were)?(?: so| such| really| very| a| an| the| big)*\s*"
    return re.compile(rf"(?<![a-z])(?P<who>{people})(?P<link>{zh_link}|{en_link})(?:{targets})(?![a-z])")


def detect_unkind(n: Normalised, allowed: list[tuple[int, int]] | None = None) -> list[Finding]:
    """Lexicon insults, threats and mockery, plus targeted words said of a person."""
    plain = n.plain
    allowed = allowed_spans(plain) if allowed is None else allowed
    found = [
        finding(n, Category.UNKIND, h.start, h.end, h.confidence)
        for h in unkind_words().find(plain)
        if not inside_allowed(h.start, h.end, allowed)
    ]
    for m in _targeted().finditer(plain):
        if not m.group("link").strip() and not m.group("who").isascii():
            continue  # "他们猪肉卖得很贵": in Chinese a person word right before the noun is no insult
        if not inside_allowed(m.end() - 1, m.end(), allowed):
            found.append(finding(n, Category.UNKIND, m.start(), m.end(), 0.75))
    return found


def detect_safeguarding(n: Normalised, allowed: list[tuple[int, int]] | None = None) -> list[Finding]:
    """Phrases from ``safeguarding.txt`` and two-part rules from ``safeguarding_rules.toml``."""
    plain = n.plain
    allowed = allowed_spans(plain) if allowed is None else allowed
    found = [
        finding(n, Category.SAFEGUARDING, h.start, h.end, h.confidence, Subkind(h.section))
        for h in safeguarding_phrases().find(plain)
        if not inside_allowed(h.start, h.end, allowed)
    ]
    for rule in safeguarding_rules():
        found += _apply_rule(n, rule, allowed)
    return found


def _apply_rule(n: Normalised, rule: Rule, allowed: list[tuple[int, int]]) -> list[Finding]:
    plain = n.plain
    thens = [h for h in rule.then.find(plain) if not inside_allowed(h.start, h.end, allowed)]
    if not thens:
        return []
    found: list[Finding] = []
    for first in rule.first.find(plain):
        for then in thens:
            forward = 0 <= then.start - first.end <= rule.window
            backward = rule.any_order and 0 <= first.start - then.end <= rule.window
            if forward or backward:
                start, end = min(first.start, then.start), max(first.end, then.end)
                found.append(
                    finding(n, Category.SAFEGUARDING, start, end, rule.confidence, Subkind(rule.subkind))
                )
                break
    return found
