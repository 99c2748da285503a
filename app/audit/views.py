"""Audit log pages for administrators: recent events and the result of verifying the hash chain."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from app.accounts.deps import staff
from app.accounts.models import StaffUser
from app.accounts.permissions import Permission
from app.core import audit
from app.core.db import Id, SessionDep
from app.core.routing import Router
from app.core.templating import render

router = Router(include_in_schema=False)

Auditor = Annotated[StaffUser, Depends(staff(Permission.AUDIT_READ))]
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
