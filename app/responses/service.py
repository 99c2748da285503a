"""The shared reads of "you said, we did" (issue 17). Services never commit: actions own the transaction.

What children, guardians and the public read of a response is the **latest publication's snapshot** (a
correction is a new publication; the earlier ones are kept). Commitments are read live from their table: their
progress changes after publishing and is shown as an update.

The snapshot (`Publication.snapshot`), written by the publish action and read by every page, feed and API:

    {"decisions": [{"id", "decided_on": "YYYY-MM-DD", "decider": {loc: text}, "text": {loc: text},
                    "reference": str, "has_document": bool}],
     "responses": [{"id", "theme_id" | None, "question_id" | None, "subject": {loc: text} (the theme's name or
                    the question's prompt), "description": {loc: text} (the theme's one sentence, or {}),
                    "size": int (children in the theme, or who answered the question: raw, shown only
                    through app.core.suppression),
                    "outcome": Outcome value, "reason": {loc: text}, "decide_by": "YYYY-MM-DD" | None,
                    "explanation": {loc: text}, "child_versions": {band: {loc: text}}, "decision_id": int | None}]}
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlmodel import Session, col, select

from app.consultations.models import Consultation
from app.core.db import city_today
from app.responses.models import Publication


class ResponseState(StrEnum):
    NOT_DUE = "not_due"  # no response published, the promised date not passed (or none promised)
    OVERDUE = "overdue"  # the promised date has passed and nothing is published: shown publicly until it is
    PUBLISHED = "published"


def latest_publication(*, session: Session, consultation_id: int) -> Publication | None:
    return session.exec(
        select(Publication).where(Publication.consultation_id == consultation_id).order_by(col(Publication.number).desc())
    ).first()


def first_published_at(*, session: Session, consultation_id: int) -> dt.datetime | None:
    first = session.exec(
        select(Publication).where(Publication.consultation_id == consultation_id, Publication.number == 1)
    ).first()
    return first.published_at if first is not None else None


def response_state(consultation: Consultation, *, published: bool, today: dt.date | None = None) -> ResponseState:
    """PAR-09: the date promised on the Lundy checklist (`respond_by`) is kept visible; the day after it, with
    nothing published, the response is overdue."""
    if published:
        return ResponseState.PUBLISHED
    today = today or city_today()
    if consultation.respond_by is not None and today > consultation.respond_by:
        return ResponseState.OVERDUE
    return ResponseState.NOT_DUE


BANDS = ("6-9", "10-13", "14-17")


def filled(value: dict[str, str] | None) -> bool:
    return bool(value) and bool((value or {}).get("zh_Hans", "").strip())


def child_version_for(child_versions: dict[str, dict[str, str]], band: str | None) -> dict[str, str]:
    """The child's version of a response for an age band, falling back to the next older band (6-9 → 10-13 →
    14-17), as consultations' briefs do (`brief_for`). The one place this fallback is written: the publish
    check, the previews and the children's pages read it."""
    start = BANDS.index(band) if band in BANDS else 0
    for key in BANDS[start:]:
        if filled(child_versions.get(key)):
            return child_versions[key]
    return {}


def days_left(consultation: Consultation, today: dt.date | None = None) -> int | None:
    """Days until the promised response date (negative once it has passed); None when none was promised."""
    if consultation.respond_by is None:
        return None
    return (consultation.respond_by - (today or city_today())).days
