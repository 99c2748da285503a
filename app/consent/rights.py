"""The guardian's rights (CON-07, DP-*, INT-08): the dashboard's facts, withdrawal in one step, the child's
data as JSON, rights requests answered by staff within 15 working days, and erasure with a deletion receipt.

Erasure decisions (docs/decisions.md, "Child data plugs into consent through one registry"):
- Everything held about the child is hard-deleted in ONE transaction, by every domain that registered its part
  of a child's data (app/core/child_data.py): consent's own here (consent events and states, guardianships,
  letter codes and the one-time codes of their sign-up flows, rights requests, guardian accounts), corps'
  (identity record, sign-ins), consultations' (answers, comments, participations, submissions), moderation's
  (reports the child made), notifications' (the outbox messages to the child's guardians: all of them when the
  guardian has no other child, otherwise those whose text names the child).
- The child row itself is KEPT, pseudonymised (corps, last): the pseudonym becomes "已删除" (key
  `deleted-<id>`), the status "left", the picture and personal code hashes are cleared and the birth month is
  reset (the birth year stays, so counts already published per age band stay right). Audit events keep
  pointing at this neutral row by id.
- Safeguarding cases outlive the erasure (kept by law) and are never on the receipt (SG-04).
- A guardian linked to no other child is deleted too (with their sessions); one with other children stays.
- The audit event `consent.erased` carries counts only, and its subject is the receipt, not the child.
- These functions never commit: app/consent/actions.py does, once per use case.
"""

import datetime as dt
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from app.accounts.models import StaffUser
from app.consent import service as consent
from app.consent.models import (
    ANSWER,
    REQUEST_TEXT,
    ConsentEvent,
    ConsentState,
    ConsentStatus,
    DecidedBy,
    Decision,
    DeletionReceipt,
    Guardian,
    GuardianCode,
    GuardianOtp,
    GuardianSession,
    Guardianship,
    NoticeVersion,
    Purpose,
    RightsKind,
    RightsRequest,
    RightsStatus,
)
from app.core import audit, child_data
from app.core.audit import AuditEvent
from app.core.child_data import Contact, Subject
from app.core.config import get_settings
from app.core.db import after_commit, utcnow
from app.core.errors import Conflict, InvalidInput, NotFound, YimiError
from app.core.i18n import N_
from app.corps.models import Child, Group
from app.notifications.models import Channel

WORKING_DAYS_TO_ANSWER = 15


class NothingToWithdraw(YimiError):
    status_code = 409
    title = N_("There is nothing to withdraw")
    detail = N_("This purpose is not agreed at the moment, so there is nothing to withdraw.")
    slug = "nothing-to-withdraw"


class RequestTextMissing(InvalidInput):
    detail = N_("Please write in a few words what you would like us to do (at most 4000 characters). Nothing was saved yet.")
    slug = "rights-text-missing"


class AnswerMissing(InvalidInput):
    detail = N_("Please write the answer with its reasons (at most 4000 characters). Nothing was saved yet.")
    slug = "rights-answer-missing"




class AlreadyAnswered(Conflict):
    title = N_("This request was already answered")
    detail = N_("Someone answered this request already. Open the list again to see the answer.")
    slug = "rights-already-answered"


# ---- working days --------------------------------------------------------------------------------


def add_working_days(start: dt.datetime, days: int = WORKING_DAYS_TO_ANSWER) -> dt.datetime:
    """`days` working days after `start`, skipping Saturdays and Sundays in the display time zone.

    Public holidays (and China's swapped working weekends, 调休) are NOT modelled: the due date may fall a
    few days before the legal deadline around holidays, which errs on the guardian's side."""
    zone = ZoneInfo(get_settings().display_timezone)
    local = start.astimezone(zone)
    added = 0
    while added < days:
        local = local + dt.timedelta(days=1)
        if local.weekday() < 5:
            added += 1
    return local.astimezone(dt.UTC)


# ---- the dashboard -------------------------------------------------------------------------------


@dataclass
class PurposeView:
    purpose: Purpose
    status: str
    assent: str
    expires_at: dt.datetime | None
    history: list[ConsentEvent]

    @property
    def can_withdraw(self) -> bool:
        return self.status in (ConsentStatus.GRANTED.value, ConsentStatus.NEEDS_RECONSENT.value)


@dataclass
class ChildView:
    child: Child
    group: Group | None
    decides_for_themselves: bool
    purposes: list[PurposeView]
    notice_versions: list[NoticeVersion]
    requests: list[RightsRequest] = field(default_factory=list)


def child_view(*, session: Session, guardian: Guardian, child: Child) -> ChildView:
    states = consent.states_of(session=session, child=child)
    events = consent.history(session=session, child=child)
    purposes = [
        PurposeView(
            purpose=purpose,
            status=states[purpose].status if states[purpose] else ConsentStatus.NONE.value,  # type: ignore[union-attr]
            assent=states[purpose].assent if states[purpose] else ConsentStatus.NONE.value,  # type: ignore[union-attr]
            expires_at=states[purpose].expires_at if states[purpose] else None,  # type: ignore[union-attr]
            history=[e for e in events if e.purpose == purpose.value],
        )
        for purpose in Purpose
    ]
    agreed_ids = sorted({e.notice_version_id for e in events if e.decision == Decision.GRANTED.value and e.notice_version_id})
    versions = list(session.exec(select(NoticeVersion).where(col(NoticeVersion.id).in_(agreed_ids)).order_by(col(NoticeVersion.id)))) if agreed_ids else []
    return ChildView(
        child=child,
        group=session.get(Group, child.group_id),
        decides_for_themselves=consent.decides_for_themselves(child),
        purposes=purposes,
        notice_versions=versions,
        requests=requests_of(session=session, guardian=guardian, child=child),
    )


def can_withdraw(*, session: Session, child: Child, purpose: Purpose) -> bool:
    state = consent.state_of(session=session, child=child, purpose=purpose)
    return state is not None and state.status in (ConsentStatus.GRANTED.value, ConsentStatus.NEEDS_RECONSENT.value)


def withdraw(*, session: Session, guardian: Guardian, child: Child, purpose: Purpose) -> ConsentEvent:
    """CON-07: effective at once once confirmed (the state is derived in the same transaction)."""
    if not can_withdraw(session=session, child=child, purpose=purpose):
        raise NothingToWithdraw()
    state = consent.state_of(session=session, child=child, purpose=purpose)
    assert state is not None
    event = consent.record(
        session=session, child=child, purpose=purpose, decision=Decision.WITHDRAWN, decided_by=DecidedBy.GUARDIAN,
        channel="web", guardian=guardian, notice_version=session.get(NoticeVersion, state.notice_version_id) if state.notice_version_id else None,
    )
    return event


# ---- the child's data as JSON --------------------------------------------------------------------


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def export(*, session: Session, guardian: Guardian, child: Child) -> dict[str, object]:
    """Everything held about the child, for the guardian (INT-08): consent's own part here, every other
    domain's from the registry (app/core/child_data.py); never the other guardian's contact."""
    links = session.exec(select(Guardianship).where(Guardianship.child_id == child.id).order_by(col(Guardianship.id))).all()
    data: dict[str, object] = {"format": "yimi-child-export/1", "exported_at": _iso(utcnow())}
    subject = _subject(session, child, requester=guardian)
    for owner in child_data.owners():
        if owner.export is not None:
            part = owner.export(session, subject)
            if clash := set(part) & set(data):
                raise ValueError(f"{owner.name} exports keys already taken: {sorted(clash)}")
            data.update(part)
    data.update({
        "consent_states": [
            {"purpose": s.purpose, "status": s.status, "assent": s.assent, "expires_at": _iso(s.expires_at),
             "notice_version_id": s.notice_version_id, "updated_at": _iso(s.updated_at)}
            for s in session.exec(select(ConsentState).where(ConsentState.child_id == child.id).order_by(col(ConsentState.id)))
        ],
        "consent_events": [
            {"id": e.id, "purpose": e.purpose, "decision": e.decision, "decided_by": e.decided_by,
             "by_you": e.guardian_id == guardian.id, "notice_version_id": e.notice_version_id, "channel": e.channel,
             "at": _iso(e.at), "evidence": e.evidence if e.guardian_id in (None, guardian.id) else None}
            for e in consent.history(session=session, child=child)
        ],
        "guardianships": [
            {"you": link.guardian_id == guardian.id, "linked_at": _iso(link.created_at),
             **({"contact_kind": guardian.contact_kind, "contact": guardian.contact} if link.guardian_id == guardian.id else {})}
            for link in links
        ],
        "audit_events": [
            {"action": a.action, "at": _iso(a.at)}
            for a in session.exec(
                select(AuditEvent).where(AuditEvent.subject_type == "child", AuditEvent.subject_id == str(child.id)).order_by(col(AuditEvent.id))
            )
        ],
        "rights_requests": [
            {"kind": r.kind, "text": r.text, "created_at": _iso(r.created_at), "due_at": _iso(r.due_at), "status": r.status,
             "answer": r.answer, "answered_at": _iso(r.answered_at)}
            for r in requests_of(session=session, guardian=guardian, child=child)
        ],
    })
    audit.record(session, actor=guardian, action="consent.data_export", subject=child)
    return data


# ---- rights requests -----------------------------------------------------------------------------


def file_request(*, session: Session, guardian: Guardian, child: Child, kind: str, text: str) -> RightsRequest:
    if kind not in {k.value for k in RightsKind}:
        raise RequestTextMissing(N_("Please choose what you would like us to do. Nothing was saved yet."))
    now = utcnow()
    row = RightsRequest(
        child_id=child.id, guardian_id=guardian.id, kind=kind, text=REQUEST_TEXT.clean(text, error=RequestTextMissing),  # type: ignore[arg-type]
        created_at=now, due_at=add_working_days(now),
    )
    session.add(row)
    session.flush()
    # The text is never copied into the audit log.
    audit.record(session, actor=guardian, action="consent.rights_request", subject=row, kind=kind, child_id=child.id, due_at=row.due_at)
    return row


def requests_of(*, session: Session, guardian: Guardian, child: Child) -> list[RightsRequest]:
    return list(session.exec(
        select(RightsRequest).where(RightsRequest.child_id == child.id, RightsRequest.guardian_id == guardian.id)
        .order_by(col(RightsRequest.id).desc())
    ).all())


def is_overdue(request: RightsRequest, now: dt.datetime | None = None) -> bool:
    return request.status == RightsStatus.OPEN.value and request.due_at <= (now or utcnow())


def staff_requests(*, session: Session, status: RightsStatus | None = RightsStatus.OPEN, limit: int = 200) -> list[RightsRequest]:
    """Open requests by due date (the overdue ones therefore first); answered ones newest first."""
    query = select(RightsRequest).limit(limit)
    if status is not None:
        query = query.where(RightsRequest.status == status.value)
    if status == RightsStatus.ANSWERED:
        query = query.order_by(col(RightsRequest.answered_at).desc(), col(RightsRequest.id).desc())
    else:
        query = query.order_by(col(RightsRequest.due_at), col(RightsRequest.id))
    return list(session.exec(query).all())


def answer_request(*, session: Session, actor: StaffUser, request_id: int, answer: str) -> RightsRequest:
    text = ANSWER.clean(answer, error=AnswerMissing)
    row = session.get(RightsRequest, request_id)
    if row is None:
        raise NotFound()
    if row.status != RightsStatus.OPEN.value:
        raise AlreadyAnswered()
    now = utcnow()
    row.status = RightsStatus.ANSWERED.value
    row.answer = text
    row.answered_at = now
    row.answered_by_id = actor.id
    session.add(row)
    audit.record(session, actor=actor, action="consent.rights_answered", subject=row, kind=row.kind,
                 late=row.due_at < now)
    return row


# ---- erasure -------------------------------------------------------------------------------------


def erasure_categories() -> dict[str, str]:
    """The categories of a deletion receipt, in the order shown, each with its label: every domain's that
    holds a child's data (app/core/child_data.py)."""
    return child_data.categories()


def _count(session: Session, model: type, *where: object) -> int:
    return int(session.exec(select(func.count()).select_from(model).where(*where)).one())  # type: ignore[arg-type]


def _guardians_of(session: Session, child: Child) -> list[Guardian]:
    return list(session.exec(
        select(Guardian).join(Guardianship, col(Guardianship.guardian_id) == col(Guardian.id))
        .where(Guardianship.child_id == child.id).order_by(col(Guardian.id))
    ).all())


def _has_other_children(session: Session, guardian: Guardian, child: Child) -> bool:
    return _count(session, Guardianship, Guardianship.guardian_id == guardian.id, Guardianship.child_id != child.id) > 0


def _contact(guardian: Guardian, only_this_child: bool = True) -> Contact:
    """A guardian as other domains may know them: where messages to them go."""
    channel = Channel.EMAIL if guardian.contact_kind == "email" else Channel.SMS
    return Contact(channel=channel.value, recipient=guardian.contact, only_this_child=only_this_child)


def _subject(session: Session, child: Child, requester: Guardian | None = None) -> Subject:
    """The child and their guardians, told once to every domain (taken before any of them erases anything)."""
    guardians = tuple(_contact(g, not _has_other_children(session, g, child)) for g in _guardians_of(session, child))
    return Subject(child=child, guardians=guardians, requester=_contact(requester) if requester is not None else None)


def erasure_preview(*, session: Session, child: Child) -> dict[str, int]:
    """What `erase` would delete, per category (shown on the confirmation page)."""
    subject = _subject(session, child)
    counts = dict.fromkeys(erasure_categories(), 0)
    for owner in child_data.owners():
        if owner.count is not None:
            counts.update(owner.count(session, subject))
    return counts


def _delete(session: Session, model: type, *where: object) -> int:
    result = session.execute(delete(model).where(*where).execution_options(synchronize_session=False))  # type: ignore[arg-type]
    return int(result.rowcount)  # type: ignore[attr-defined]


def count_consent_data(session: Session, subject: Subject) -> dict[str, int]:
    """What `erase_consent_data` would delete (consent's lines of the confirmation page)."""
    child = subject.child
    code_ids = list(session.exec(select(GuardianCode.id).where(GuardianCode.child_id == child.id)))
    return {
        "consent_events": _count(session, ConsentEvent, ConsentEvent.child_id == child.id),
        "consent_states": _count(session, ConsentState, ConsentState.child_id == child.id),
        "guardianships": _count(session, Guardianship, Guardianship.child_id == child.id),
        "guardian_codes": len(code_ids),
        "one_time_codes": _count(session, GuardianOtp, col(GuardianOtp.guardian_code_id).in_(code_ids)) if code_ids else 0,
        "rights_requests": _count(session, RightsRequest, RightsRequest.child_id == child.id),
        "guardian_accounts": sum(1 for g in _guardians_of(session, child) if not _has_other_children(session, g, child)),
    }


def erase_consent_data(session: Session, subject: Subject) -> dict[str, int]:
    """Consent's part of an erasure: decisions and states, letter codes and their one-time codes, rights
    requests, the links to guardians, and the guardians linked to no other child (with their sessions)."""
    child_id = subject.child.id
    counts: dict[str, int] = {"one_time_codes": 0, "guardian_accounts": 0}
    guardians = _guardians_of(session, subject.child)
    leaving = [g for g in guardians if not _has_other_children(session, g, subject.child)]
    code_ids = list(session.exec(select(GuardianCode.id).where(GuardianCode.child_id == child_id)))
    if code_ids:
        counts["one_time_codes"] = _delete(session, GuardianOtp, col(GuardianOtp.guardian_code_id).in_(code_ids))
    counts["guardian_codes"] = _delete(session, GuardianCode, GuardianCode.child_id == child_id)
    # States first: they point at the events (consent_event refuses UPDATE, never DELETE).
    counts["consent_states"] = _delete(session, ConsentState, ConsentState.child_id == child_id)
    counts["consent_events"] = _delete(session, ConsentEvent, ConsentEvent.child_id == child_id)
    counts["rights_requests"] = _delete(session, RightsRequest, RightsRequest.child_id == child_id)
    counts["guardianships"] = _delete(session, Guardianship, Guardianship.child_id == child_id)
    for guardian in leaving:
        # A guardian who still has decisions recorded for another child (an old link) is kept: deleting
        # them would have to change those append-only events.
        if _count(session, ConsentEvent, ConsentEvent.guardian_id == guardian.id) == 0:
            _delete(session, GuardianSession, GuardianSession.guardian_id == guardian.id)
            _delete(session, RightsRequest, RightsRequest.guardian_id == guardian.id)
            counts["guardian_accounts"] += _delete(session, Guardian, Guardian.id == guardian.id)
    return counts


def erase(*, session: Session, child: Child, requested_by: str, actor: audit.Actor | tuple[str, str | None]) -> DeletionReceipt:
    """Hard-delete everything held about the child, in the caller's transaction (every registered domain's
    part, app/core/child_data.py), and store a deletion receipt. Stored files go once the erasure commits."""
    # First hold the consent state, so that answers being sent right now either land before this erasure
    # (and are erased with it) or find the consent gone (and are refused): never stored after it.
    consent.hold(session=session, child=child, purpose=Purpose.PARTICIPATE)
    subject = _subject(session, child)
    counts: dict[str, int] = dict.fromkeys(erasure_categories(), 0)
    stored: list[Path] = []
    for owner in child_data.owners():
        if owner.files is not None:
            stored.extend(owner.files(session, subject))
        if owner.erase is not None:
            counts.update(owner.erase(session, subject))
    receipt = DeletionReceipt(child_ref=secrets.token_urlsafe(24), categories=counts, created_at=utcnow(), requested_by=requested_by)
    session.add(receipt)
    session.flush()
    audit.record(session, actor=actor, action="consent.erased", subject=receipt, requested_by=requested_by, counts=counts)
    if stored:
        after_commit(session, lambda: [path.unlink(missing_ok=True) for path in stored])
    return receipt


def receipt_by_ref(*, session: Session, ref: str) -> DeletionReceipt:
    found = session.exec(select(DeletionReceipt).where(DeletionReceipt.child_ref == (ref or "")[:64])).first()
    if found is None:
        raise NotFound()
    return found
