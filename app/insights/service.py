"""The shared reads and rules of the analysis (issue 16). Services never commit: actions own the transaction.

- `analysable_comments`: the one query behind every theme, count, quote and export: approved (or redacted)
  comments only, a child's only while their taking part is allowed (CON-07: a withdrawn child's words leave the
  analysis); each with what may be shown of its author (age band, district, group kind, channel), never who.
- `quotable_ids`: which comments may be quoted *now* (QUOTE consent today, the comment still analysable): read
  every time a quote is shown or printed, never stored.
- `analysis_of`: the consultation's analysis (made on first use).
- `check_version`: an edit names the version it started from; a newer one means someone else saved meanwhile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.consent import service as consent
from app.consent.models import Purpose
from app.consultations.comments import SHOWN
from app.consultations.models import AuthorKind, Comment, Consultation
from app.core.db import dialect_insert, utcnow
from app.core.errors import Conflict
from app.core.i18n import N_
from app.corps.models import Child, Group
from app.insights.models import Analysis, AnalysisState


class EditedMeanwhile(Conflict):
    """Two analysts at once: the second save names a version that is no longer the latest."""

    title = N_("Someone else saved this meanwhile")
    detail = N_("Another analyst changed this while you were working on it. Nothing of yours was saved yet: "
                "the page now shows their version; please make your change again.")
    slug = "edited-meanwhile"


@dataclass(frozen=True)
class AnalysedComment:
    """A comment as the analysis may use it. `child_id` stays inside the service (consent, checks); no output
    shows it."""

    id: int
    text: str
    audience: str  # "child" or "guardian"
    question_id: int | None
    channel: str
    age_band: str | None
    district_id: int | None
    group_kind: str | None
    created_at: dt.datetime
    child_id: int | None = None


def _day(consultation: Consultation) -> dt.date:
    return (consultation.closed_at or consultation.closes_at or utcnow()).date()


def analysable_comments(
    *, session: Session, consultation: Consultation, audience: str | None = None, ids: Iterable[int] | None = None,
) -> list[AnalysedComment]:
    query = (
        select(Comment, Child, Group)
        .outerjoin(Child, col(Child.id) == Comment.child_id)
        .outerjoin(Group, col(Group.id) == Child.group_id)
        .where(Comment.consultation_id == consultation.id, col(Comment.status).in_(SHOWN))
        .order_by(col(Comment.id))
    )
    if audience is not None:
        query = query.where(Comment.author_kind == audience)
    if ids is not None:
        query = query.where(col(Comment.id).in_(list(ids)))
    rows = session.exec(query).all()
    children = [child for _c, child, _g in rows if child is not None]
    taking_part = consent.allowed_among(session=session, children=children, purpose=Purpose.PARTICIPATE)
    day = _day(consultation)
    found = []
    for comment, child, group in rows:
        if comment.author_kind == AuthorKind.CHILD.value and (child is None or child.id not in taking_part):
            continue
        band = child.age_band(day) if child is not None else None
        found.append(AnalysedComment(
            id=comment.id, text=comment.text, audience=comment.author_kind, question_id=comment.question_id,  # type: ignore[arg-type]
            channel=comment.channel, age_band=band.value if band is not None else None,
            district_id=group.district_id if group is not None else None, group_kind=group.kind if group is not None else None,
            created_at=comment.created_at, child_id=comment.child_id,
        ))
    return found


def quotable_ids(*, session: Session, consultation: Consultation, comment_ids: Iterable[int]) -> set[int]:
    """The comments among `comment_ids` that may be quoted now: still analysable, and (a child's) with the
    author's QUOTE consent allowing it today (CON-03). Guardians' comments are quoted as guardians'."""
    wanted = set(comment_ids)
    if not wanted:
        return set()
    comments = analysable_comments(session=session, consultation=consultation, ids=wanted)
    child_ids = {c.child_id for c in comments if c.child_id is not None}
    children = list(session.exec(select(Child).where(col(Child.id).in_(child_ids)))) if child_ids else []
    allowed = consent.allowed_among(session=session, children=children, purpose=Purpose.QUOTE)
    return {c.id for c in comments if c.audience != AuthorKind.CHILD.value or c.child_id in allowed}


def analysis_of(*, session: Session, consultation: Consultation, lock: bool = False) -> Analysis:
    """The consultation's analysis, made on first use; `lock`: SELECT … FOR UPDATE. Two first uses at once make
    one row: the insert does nothing where the other's is already there (the unique constraint decides)."""
    query = select(Analysis).where(Analysis.consultation_id == consultation.id)
    found = session.exec(query.with_for_update() if lock else query).first()
    if found is None:
        now = utcnow()
        insert = dialect_insert(session)(Analysis).values(
            consultation_id=consultation.id, state=AnalysisState.WORKING.value, summary={}, child_summary={}, version=1,
            created_at=now, updated_at=now,
        ).on_conflict_do_nothing(index_elements=["consultation_id"])
        session.execute(insert)
        found = session.exec(query.with_for_update() if lock else query).one()
    return found


def check_version(record: Analysis | object, version: int | None) -> None:
    """Refuse an edit that started from an older version of `record` (it has a `version`); then raise it.
    `None`: the caller did not say (the API may omit it only where the edit cannot overwrite anything)."""
    current = record.version  # type: ignore[attr-defined]
    if version is not None and version != current:
        raise EditedMeanwhile()
    record.version = current + 1  # type: ignore[attr-defined]
