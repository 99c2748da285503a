"""JSON API for the audit log."""

import datetime as dt
from typing import Any

from fastapi import Query
from pydantic import BaseModel, ConfigDict

from app.accounts.deps import AuditorApi as Auditor
from app.core import audit
from app.core.db import Id, SessionDep
from app.core.routing import Router

router = Router(prefix="/api/v1/audit", tags=["audit"])



class AuditEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: dt.datetime
    actor_type: str
    actor_id: str | None
    action: str
    subject_type: str | None
    subject_id: str | None
    data: dict[str, Any]
    prev_hash: str
    hash: str


class VerifyPublic(BaseModel):
    ok: bool
    checked: int
    bad_id: Id | None
    reason: str | None


@router.get("/events", response_model=list[AuditEventPublic])
def events(
    session: SessionDep,
    user: Auditor,
    before_id: Id | None = None,
    action: str | None = Query(default=None, max_length=80),
    limit: int = Query(default=50, ge=1, le=500),
) -> list[audit.AuditEvent]:
    return audit.recent(session=session, limit=limit, before_id=before_id, action=action)


@router.get("/verify", response_model=VerifyPublic, summary="Recompute the hash chain")
def verify(session: SessionDep, user: Auditor) -> VerifyPublic:
    result = audit.verify(session)
    return VerifyPublic(ok=result.ok, checked=result.checked, bad_id=result.bad_id, reason=result.reason)
