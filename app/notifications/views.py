"""The outbox page for administrators: what was queued, to whom (masked) and what became of it; outside
production also each message's subject and text, so the demo can be followed without a mail or SMS service."""


from fastapi import Request
from fastapi.responses import Response

from app.accounts.deps import OutboxReaderPage as OutboxReader
from app.core.db import Id, SessionDep
from app.core.routing import Router
from app.core.templating import render
from app.notifications import service
from app.notifications.models import CHANNEL_LABELS, STATUS_LABELS, OutboxStatus

router = Router(include_in_schema=False)

PAGE_SIZE = 50


@router.get("/admin/outbox")
def outbox(
    request: Request, session: SessionDep, user: OutboxReader, before: Id | None = None, kind: str = "", status: str = ""
) -> Response:
    chosen_status = OutboxStatus(status) if status in OutboxStatus._value2member_map_ else None
    with_body = service.bodies_visible()
    messages = service.recent(
        session=session, limit=PAGE_SIZE, before_id=before, kind=kind[:40] or None, status=chosen_status, with_body=with_body
    )
    return render(
        request,
        "notifications/outbox.html",
        {
            "messages": messages,
            "with_body": with_body,
            "kind": kind[:40],
            "status": chosen_status.value if chosen_status else "",
            "kinds": service.kinds(session=session),
            "statuses": list(OutboxStatus),
            "status_labels": STATUS_LABELS,
            "channel_labels": CHANNEL_LABELS,
            "older": messages[-1].id if len(messages) == PAGE_SIZE else None,
        },
        block="messages",
    )
