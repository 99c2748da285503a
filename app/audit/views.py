"""Audit log pages for administrators: recent events and the result of verifying the hash chain."""


from fastapi import Request
from fastapi.responses import Response

from app.accounts.deps import AuditorPage as Auditor
from app.core import audit
from app.core.db import Id, SessionDep
from app.core.routing import Router
from app.core.templating import render

router = Router(include_in_schema=False)

PAGE_SIZE = 50


@router.get("/admin/audit")
def audit_log(request: Request, session: SessionDep, user: Auditor, before: Id | None = None, action: str = "") -> Response:
    events = audit.recent(session=session, limit=PAGE_SIZE, before_id=before, action=action[:80] or None)
    return render(
        request,
        "admin/audit.html",
        {"events": events, "action": action[:80], "older": events[-1].id if len(events) == PAGE_SIZE else None},
        block="events",
    )


@router.get("/admin/audit/verify")
def audit_verify(request: Request, session: SessionDep, user: Auditor) -> Response:
    result = audit.verify(session)
    return render(request, "admin/audit_verify.html", {"result": result}, block="result")
