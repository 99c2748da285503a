"""``screen`` runs every detector over one normalised text; ``redact`` masks the personal details found.

The order of work: normalise once (MOD-07), run the detectors on the views they need, drop overlapping
personal-detail findings (one number is a QQ number *or* a phone number, not both), then decide the action
(SG-01 before MOD-08 before MOD-10) and a risk score for ordering the moderation queue.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from app.moderation.screening import contact, names, places, words_detector
from app.moderation.screening.lexicon import allowed_spans
from app.moderation.screening.normalise import Normalised, normalise
from app.moderation.screening.types import (
    PERSONAL_DETAILS,
    RISK_WEIGHT,
    Action,
    Category,
    Finding,
    Result,
)

MASK = "＊＊＊"

# When two personal-detail findings overlap, the more specific one stays: an e-mail's domain is not a URL,
# a number after a QQ cue is a QQ number even if it also looks like a phone number.
_PRIORITY: dict[Category, int] = {
    Category.ID_NUMBER: 9,
    Category.EMAIL: 8,
    Category.URL: 7,
    Category.QQ: 6,
    Category.SOCIAL_ID: 5,
    Category.PHONE: 4,
    Category.ADDRESS: 3,
    Category.SCHOOL: 2,
    Category.NAME: 1,
}

_PERSONAL_DETECTORS: tuple[Callable[[Normalised], list[Finding]], ...] = (
    contact.detect_phones,
    contact.detect_emails,
    contact.detect_urls,
    contact.detect_qq,
    contact.detect_social_ids,
    contact.detect_id_numbers,
    places.detect_addresses,
    places.detect_schools,
    names.detect_names,
)


def screen(text: str) -> Result:
    """Screen one child-authored text: findings with spans in ``text``, the action and a risk score."""
    n = normalise(text)
    personal: list[Finding] = []
    for detect in _PERSONAL_DETECTORS:
        personal.extend(detect(n))
    allowed = allowed_spans(n.plain)
    concerns = words_detector.detect_safeguarding(n, allowed)
    unkind = [f for f in words_detector.detect_unkind(n, allowed) if not _inside_any(f, concerns)]
    findings = sorted(
        _resolve_overlaps(personal) + _dedupe(concerns + unkind),
        key=lambda f: (f.start, f.end, f.category),
    )
    return Result(
        text=text,
        normalised=n.text,
        findings=tuple(findings),
        action=decide(findings),
        risk=risk(findings),
    )


def decide(findings: Iterable[Finding]) -> Action:
    """SG-01 first: a safeguarding signal outranks everything; then personal details, then unkind words."""
    categories = {f.category for f in findings}
    if Category.SAFEGUARDING in categories:
        return Action.SAFEGUARDING
    if categories & PERSONAL_DETAILS:
        return Action.PERSONAL_DETAILS
    if Category.UNKIND in categories:
        return Action.UNKIND
    return Action.CLEAN


def risk(findings: Iterable[Finding]) -> float:
    """0–1 for ordering the queue: the strongest finding, weighted by how much harm its category can do."""
    return round(max((f.confidence * RISK_WEIGHT[f.category] for f in findings), default=0.0), 3)


def redact(text: str, findings: Iterable[Finding]) -> str:
    """Replace every personal-detail span of ``text`` with ``MASK`` (overlapping spans become one mask)."""
    spans = sorted((f.start, f.end) for f in findings if f.category in PERSONAL_DETAILS and f.end > f.start)
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[str] = []
    pos = 0
    for start, end in merged:
        out.append(text[pos:start])
        out.append(MASK)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _resolve_overlaps(findings: list[Finding]) -> list[Finding]:
    """Keep, of overlapping personal details, the most specific category, then the most confident, longest."""
    ranked = sorted(
        findings,
        key=lambda f: (-_PRIORITY[f.category], -f.confidence, -(f.end - f.start), f.start),
    )
    kept: list[Finding] = []
    for f in ranked:
        if all(f.end <= k.start or k.end <= f.start for k in kept):
            kept.append(f)
    return kept


def _inside_any(f: Finding, others: list[Finding]) -> bool:
    """Drop an unkind hit inside a safeguarding one: "我想去死" is a self-harm signal, not an insult."""
    return any(o.start <= f.start and f.end <= o.end for o in others)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """Of word hits with the same category and sub-kind, drop those inside a longer or stronger one."""
    ranked = sorted(findings, key=lambda f: (-(f.end - f.start), -f.confidence))
    kept: list[Finding] = []
    for f in ranked:
        contained = any(
            k.category == f.category and k.subkind == f.subkind and k.start <= f.start and f.end <= k.end
            for k in kept
        )
        if not contained:
            kept.append(f)
    return kept
