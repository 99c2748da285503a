"""Comments in moderation (MOD-01) and where approved ones are shown and reported (MOD-12). Moderation owns
the moderated item; consultations own the comment and are told each outcome."""

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update as sql_update
from sqlmodel import Session, col, select

from app.consent import service as consent
from app.consent.models import Purpose
from app.consultations.models import (
    AuthorKind,
    Comment,
    CommentStatus,
    Consultation,
    Question,
)
from app.core import moderated
from app.core.errors import NotFound
from app.core.i18n import localised
from app.corps.models import Child, Group
from app.moderation import service as moderation
from app.moderation.models import ReporterKind, ReportReason

COMMENT = "comment"
_STATUS_OF: dict[moderated.Outcome, CommentStatus] = {
    moderated.Outcome.PENDING: CommentStatus.PENDING,
    moderated.Outcome.APPROVED: CommentStatus.APPROVED,
    moderated.Outcome.REDACTED: CommentStatus.REDACTED,
    moderated.Outcome.REJECTED: CommentStatus.REJECTED,
    moderated.Outcome.ESCALATED: CommentStatus.REJECTED,  # never shown (SG-01)
}


def _describe_comments(session: Session, ids: Sequence[int]) -> dict[int, moderated.Subject]:
    """What moderators see of comments: the words, the consultation and question, the pseudonym, age band and
    group of a child (never identity, MOD-05). One query for many."""
    if not ids:
        return {}
    rows = session.exec(
        select(Comment, Consultation, Question, Child, Group)
        .join(Consultation, col(Consultation.id) == Comment.consultation_id)
        .outerjoin(Question, col(Question.id) == Comment.question_id)
        .outerjoin(Child, col(Child.id) == Comment.child_id)
        .outerjoin(Group, col(Group.id) == Child.group_id)
        .where(col(Comment.id).in_(list(ids)))
        .execution_options(populate_existing=True)
    ).all()
    found = {}
    for comment, consultation, question, child, group in rows:
        band = child.age_band() if child is not None else None
        found[comment.id] = moderated.Subject(
            id=comment.id, text=comment.text, author_kind=comment.author_kind, scope_id=comment.consultation_id,  # type: ignore[arg-type]
            child_id=comment.child_id, title=localised(consultation.title),
            prompt=localised(question.prompt) if question is not None else None,
            pseudonym=child.display_name if child is not None else None, age_band=band.value if band is not None else None,
            group=group.label if group is not None else None, created_at=comment.created_at,
            extra={"question_id": comment.question_id, "consultation_id": comment.consultation_id},
        )
    return found


def _comment_outcome(session: Session, comment_id: int, outcome: moderated.Outcome, text: str | None) -> None:
    """Moderation decided (or held again): the comment's status says what may be shown; a redaction overwrites
    the words, so the hidden ones are kept nowhere (MOD-09)."""
    values: dict[str, Any] = {"status": _STATUS_OF[outcome].value}
    if text is not None:
        values["text"] = text
    session.execute(sql_update(Comment).where(col(Comment.id) == comment_id).values(**values))


def _lock_comment(session: Session, comment_id: int) -> None:
    """A decision locks the comment before moderation's item, as a send does (comment, then item)."""
    session.execute(select(Comment.id).where(Comment.id == comment_id).with_for_update())


def _consultation_title(session: Session, consultation_id: int) -> str:
    """The title of the consultation whose comments a moderator opens (its queue page); 404 if there is none."""
    consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        raise NotFound()
    return localised(consultation.title)


moderated.register_kind(COMMENT, describe=_describe_comments, on_outcome=_comment_outcome, scope_name="consultation_id",
                        lock=_lock_comment, scope_title=_consultation_title)


SHOWN = (CommentStatus.APPROVED.value, CommentStatus.REDACTED.value)  # never pending or rejected words
PUBLIC_LIMIT = 20  # at most this many children's comments per question on a child's or guardian's page
STAFF_LIMIT = 500


@dataclass
class ShownComment:
    """One comment as others may see it: the stored text (a redaction already has the mask), the age band
    and, for staff, the group name — never a nickname or identity."""

    id: int
    question_id: int | None
    author_kind: str
    text: str
    age_band: str | None
    group: str | None
    created_at: dt.datetime
    mine: bool = False


def shown_comments(
    *, session: Session, consultation: Consultation, question_id: int | None = None, for_public: bool,
    viewer_child_id: int | None = None,
) -> list[ShownComment]:
    """The one query behind every page that shows comments (the child's results, the guardian's page, the
    staff results): approved or redacted comments only, newest first.

    `for_public` (children's and guardians' pages): a child's comment is quoted only while the child's QUOTE
    consent allows it now (checked by `consent.allows`), at most PUBLIC_LIMIT per question, labelled with the
    age band only; the viewing child's own comment (`viewer_child_id`) is always theirs to see. Staff analysis
    (`for_public=False`) is not a quote: every shown comment, with age band and group name. Guardians'
    comments (approved) come with both, labelled apart by `author_kind`."""
    query = (
        select(Comment, Child, Group)
        .outerjoin(Child, col(Child.id) == Comment.child_id)
        .outerjoin(Group, col(Group.id) == Child.group_id)
        .where(Comment.consultation_id == consultation.id, col(Comment.status).in_(SHOWN))
        .order_by(col(Comment.created_at).desc(), col(Comment.id).desc())
    )
    if question_id is not None:
        query = query.where(Comment.question_id == question_id)
    limit = PUBLIC_LIMIT if for_public else STAFF_LIMIT
    rows = session.exec(query).all()
    # One query for the quote consent of every author (not one per comment).
    quotable = consent.allowed_among(session=session, children=[c for _m, c, _g in rows if c is not None], purpose=Purpose.QUOTE) if for_public else set()
    per_question: Counter[int | None] = Counter()
    found = []
    for comment, child, group in rows:
        mine = viewer_child_id is not None and comment.child_id == viewer_child_id
        if comment.author_kind == AuthorKind.CHILD.value and for_public and not mine and child.id not in quotable:
            continue
        if comment.author_kind == AuthorKind.CHILD.value:
            if per_question[comment.question_id] >= limit:
                continue
            per_question[comment.question_id] += 1
        band = child.age_band() if child is not None else None
        found.append(ShownComment(
            id=comment.id, question_id=comment.question_id, author_kind=comment.author_kind, text=comment.text,  # type: ignore[arg-type]
            age_band=band.value if band is not None else None, group=group.label if group is not None and not for_public else None,
            created_at=comment.created_at, mine=mine,
        ))
    return found


def report_comment(
    *, session: Session, consultation: Consultation, comment_id: int, reporter_kind: ReporterKind, reporter_id: int,
    reason: ReportReason, for_public: bool = True, viewer_child_id: int | None = None,
) -> str:
    """MOD-12: a comment shown to this reporter on `consultation` (one the caller checked the reporter may see)
    is reported to moderation, which hides it at once. A comment not shown to this reporter there (pending,
    not shown, or not quoted) is "not found"."""
    comment = session.get(Comment, comment_id, populate_existing=True)
    if comment is None or comment.consultation_id != consultation.id:
        raise NotFound()
    if comment.status in SHOWN and comment_id not in {
        c.id for c in shown_comments(session=session, consultation=consultation, question_id=comment.question_id,
                                     for_public=for_public, viewer_child_id=viewer_child_id)
        if c.author_kind == comment.author_kind
    }:
        raise NotFound()
    return moderation.report(session=session, kind=COMMENT, subject_id=comment_id, reporter_kind=reporter_kind,
                             reporter_id=reporter_id, reason=reason)
