"""JSON API for staff handling guardians' rights requests (RIGHTS_HANDLE). Guardians use the HTML pages."""


from fastapi import Query

from app.accounts.deps import RightsHandlerApi as RightsHandler
from app.consent import actions, rights
from app.consent.models import RightsAnswer, RightsKind, RightsRequest, RightsRequestPublic, RightsStatus
from app.core.db import Id, SessionDep, utcnow
from app.core.routing import Router

router = Router(prefix="/api/v1/consent", tags=["consent"])



def request_public(row: RightsRequest) -> RightsRequestPublic:
    return RightsRequestPublic(
        id=row.id,  # type: ignore[arg-type]
        child_id=row.child_id,
        kind=RightsKind(row.kind),
        text=row.text,
        created_at=row.created_at,
        due_at=row.due_at,
        overdue=rights.is_overdue(row, utcnow()),
        status=RightsStatus(row.status),
        answer=row.answer,
        answered_at=row.answered_at,
        answered_by_id=row.answered_by_id,
    )


@router.get(
    "/rights-requests",
    response_model=list[RightsRequestPublic],
    summary="Guardians' rights requests: open ones by due date (overdue first), or answered ones newest first",
)
def list_requests(
    session: SessionDep, user: RightsHandler, status: RightsStatus = RightsStatus.OPEN, limit: int = Query(default=100, ge=1, le=500),
) -> list[RightsRequestPublic]:
    return [request_public(r) for r in rights.staff_requests(session=session, status=status, limit=limit)]


@router.post(
    "/rights-requests/{request_id}/answer",
    response_model=RightsRequestPublic,
    summary="Answer a rights request with a reasoned text (once)",
)
def answer(request_id: Id, body: RightsAnswer, session: SessionDep, user: RightsHandler) -> RightsRequestPublic:
    return request_public(actions.answer_rights_request(session=session, actor=user, request_id=request_id, answer=body.answer))
