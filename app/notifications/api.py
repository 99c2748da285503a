"""JSON API of the notifier: the outbox, with the same masking as the page."""


from fastapi import Query

from app.accounts.deps import OutboxReaderApi as OutboxReader
from app.core.db import Id, SessionDep
from app.core.routing import Router
from app.notifications import service
from app.notifications.models import Channel, OutboxMessage, OutboxMessagePublic, OutboxStatus

router = Router(prefix="/api/v1/notifications", tags=["notifications"])



def outbox_public(message: OutboxMessage, *, with_body: bool) -> OutboxMessagePublic:
    return OutboxMessagePublic(
        id=message.id,  # type: ignore[arg-type]
        channel=Channel(message.channel),
        kind=message.kind,
        locale=message.locale,
        recipient=message.masked_recipient,
        status=OutboxStatus(message.status),
        attempts=message.attempts,
        next_attempt_at=message.next_attempt_at,
        created_at=message.created_at,
        sent_at=message.sent_at,
        last_error=message.last_error,
        subject=message.subject if with_body else None,
        body=message.body if with_body else None,
    )


@router.get(
    "/outbox",
    response_model=list[OutboxMessagePublic],
    summary="Outbox messages, newest first (subject and body only outside production)",
)
def outbox(
    session: SessionDep,
    user: OutboxReader,
    before_id: Id | None = None,
    kind: str | None = Query(default=None, max_length=40),
    status: OutboxStatus | None = None,
    limit: int = Query(default=50, ge=1, le=500),
) -> list[OutboxMessagePublic]:
    with_body = service.bodies_visible()
    messages = service.recent(session=session, limit=limit, before_id=before_id, kind=kind, status=status, with_body=with_body)
    return [outbox_public(m, with_body=with_body) for m in messages]
