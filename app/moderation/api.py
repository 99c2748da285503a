"""JSON API of moderation (staff tokens with MODERATE): the queue with findings, one decision, bulk approval.
The same service as the pages; errors are RFC 9457 problems (409 when another moderator decided first). A
consultation's transparency counts, under the same prefix, are consultations' (app/consultations/api.py)."""

from typing import Annotated

from fastapi import Query

from app.accounts.deps import ModeratorApi as Moderator
from app.core.db import Id, SessionDep
from app.core.routing import Router
from app.moderation import actions, service
from app.moderation.models import (
    BulkApproveIn,
    BulkApproveOut,
    DecisionIn,
    DecisionOut,
    FindingOut,
    QueueItemOut,
)

router = Router(prefix="/api/v1/moderation", tags=["moderation"])



COMMENT = "comment"  # the kind this API moderates (the owner registered it, app.core.moderated)


def _out(item: service.QueueItem) -> QueueItemOut:
    subject = item.subject
    return QueueItemOut(
        comment_id=subject.id, consultation_id=subject.scope_id, question_id=subject.extra.get("question_id"),  # type: ignore[arg-type]
        author_kind=subject.author_kind, pseudonym=subject.pseudonym, age_band=subject.age_band, group=subject.group,
        text=subject.text, findings=[FindingOut(**f) for f in item.review.findings], action=item.review.action,
        risk=item.review.risk, look_again=item.review.look_again, queued_at=item.review.queued_at,
    )


@router.get("/queue", response_model=list[QueueItemOut])
def queue(
    session: SessionDep, user: Moderator,
    consultation_id: Annotated[Id | None, Query(description="only this consultation's comments")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[QueueItemOut]:
    """Pending comments, highest risk first, then oldest; with the screening findings (spans, no identity)."""
    items = actions.queue(session=session, consultation_id=consultation_id, limit=limit, kind=COMMENT)
    return [_out(i) for i in items]


@router.post("/comments/{comment_id}/decision", response_model=DecisionOut)
def decide(comment_id: Id, data: DecisionIn, session: SessionDep, user: Moderator) -> DecisionOut:
    """Approve, redact (hide `spans`, by default the personal details found) and approve, reject with a
    reason, or escalate to safeguarding. 409 if the comment was decided already: nothing is overwritten."""
    decided = actions.decide(
        session=session, moderator=user, kind=COMMENT, subject_id=comment_id, decision=data.decision, reason=data.reason,
        note=data.note, spans=[(s.start, s.end) for s in data.spans],
    )
    return DecisionOut(comment_id=comment_id, decision=decided.decision, status=decided.state, text=decided.text)


@router.post("/bulk-approve", response_model=BulkApproveOut)
def bulk_approve(data: BulkApproveIn, session: SessionDep, user: Moderator) -> BulkApproveOut:
    """Approve the listed comments that are pending and have no findings; the rest are skipped."""
    approved, skipped = actions.bulk_approve(session=session, moderator=user, kind=COMMENT, subject_ids=data.comment_ids)
    return BulkApproveOut(approved=approved, skipped=skipped)
