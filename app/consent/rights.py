"""The guardian's rights (CON-07, DP-*, INT-08): the dashboard's facts, withdrawal in one step, the child's
data as JSON, rights requests answered by staff within 15 working days, and erasure with a deletion receipt.

Erasure decisions, documented here because later issues add tables to it:
- Everything held about the child is hard-deleted in ONE transaction: identity record, consent events and
  states, guardianships, letter codes and the one-time codes of their sign-up flows, child sessions, rights
  requests (rows and texts), and the outbox messages to the child's guardians (all of them when the guardian
  has no other child, otherwise those whose text names the child).
- The child row itself is KEPT, pseudonymised: the pseudonym becomes "已删除" (key `deleted-<id>`), the
  status "left", the picture and personal code hashes are cleared and the birth month is reset (the birth
  year stays, so counts already published per age band stay right). Audit events keep pointing at this
  neutral row by id, and answers/comments counted in closed reports (later issues) stay counts.
  Later issues that add answers or comments must add their deletion to `erase` below.
- A guardian linked to no other child is deleted too (with their sessions); one with other children stays.
- The audit event `consent.erased` carries counts only, and its subject is the receipt, not the child.
"""

import datetime as dt
import secrets
from dataclasses import dataclass, field
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
from app.consultations import service as consultations
from app.core import audit
from app.core.audit import AuditEvent
from app.core.config import get_settings
from app.core.db import utcnow
from app.core.errors import Conflict, InvalidInput, NotFound, YimiError
from app.core.i18n import N_
from app.corps.models import Child, ChildIdentity, ChildSession, ChildStatus, Group
from app.moderation import service as moderation
from app.notifications import service as notifications
from app.notifications.models import Channel, OutboxMessage

WORKING_DAYS_TO_ANSWER = 15
DELETED_NAME = "已删除"


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


def withdraw(*, session: Session, guardian: Guardian, child: Child, purpose: Purpose) -> ConsentEvent:
    """CON-07: one step, effective at once (the state is derived in the same transaction)."""
    state = consent.state_of(session=session, child=child, purpose=purpose)
    if state is None or state.status not in (ConsentStatus.GRANTED.value, ConsentStatus.NEEDS_RECONSENT.value):
        raise NothingToWithdraw()
    event = consent.record(
        session=session, child=child, purpose=purpose, decision=Decision.WITHDRAWN, decided_by=DecidedBy.GUARDIAN,
        channel="web", guardian=guardian, notice_version=session.get(NoticeVersion, state.notice_version_id) if state.notice_version_id else None,
    )
    session.commit()
    return event


# ---- the child's data as JSON --------------------------------------------------------------------


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _guardian_recipient_hash(guardian: Guardian) -> tuple[str, str]:
    channel = Channel.EMAIL if guardian.contact_kind == "email" else Channel.SMS
    return channel.value, notifications.recipient_hash(channel, guardian.contact)


def export(*, session: Session, guardian: Guardian, child: Child) -> dict[str, object]:
    """Everything held about the child, for the guardian (INT-08): never the other guardian's contact."""
    group = session.get(Group, child.group_id)
    identity = session.exec(select(ChildIdentity).where(ChildIdentity.child_id == child.id)).first()
    links = session.exec(select(Guardianship).where(Guardianship.child_id == child.id).order_by(col(Guardianship.id))).all()
    channel, hashed = _guardian_recipient_hash(guardian)
    messages = session.exec(
        select(OutboxMessage).where(OutboxMessage.recipient_hash == hashed, OutboxMessage.channel == channel).order_by(col(OutboxMessage.id))
    ).all()
    data: dict[str, object] = {
        "format": "yimi-child-export/1",
        "exported_at": _iso(utcnow()),
        "child": {
            "id": child.id, "nickname": child.display_name, "avatar": child.avatar, "birth_year": child.birth_year,
            "birth_month": child.birth_month, "age_band": (band.value if (band := child.age_band()) else None),
            "status": child.status, "created_at": _iso(child.created_at), "left_at": _iso(child.left_at),
            "turned_14_at": _iso(child.turned_14_at), "locked": child.is_locked,
            "has_personal_code": child.personal_code_hash is not None,
        },
        "group": {"id": group.id, "code": group.code, "name": group.name, "kind": group.kind} if group else None,
        "identity": {"real_name": identity.real_name, "notes": identity.notes, "updated_at": _iso(identity.updated_at)} if identity else None,
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
        "child_sessions": [
            {"started_at": _iso(s.created_at), "last_seen_at": _iso(s.last_seen_at), "ended_at": _iso(s.ended_at)}
            for s in session.exec(select(ChildSession).where(ChildSession.child_id == child.id).order_by(col(ChildSession.id)))
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
        "consultations": consultations.export_child(session=session, child=child),
        "messages_to_you": [
            {"kind": m.kind, "status": m.status, "created_at": _iso(m.created_at), "sent_at": _iso(m.sent_at)} for m in messages
        ],
    }
    audit.record(session, actor=guardian, action="consent.data_export", subject=child)
    session.commit()
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
    session.commit()
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
    session.commit()
    return row


# ---- erasure -------------------------------------------------------------------------------------

# The categories of a deletion receipt, in the order shown, each with its label.
ERASURE_CATEGORIES: dict[str, str] = {
    "identity_record": N_("Identity record (real name and notes)"),
    "consent_events": N_("Consent decisions (history)"),
    "consent_states": N_("Current consent states"),
    "guardianships": N_("Links between guardians and the child"),
    "guardian_codes": N_("Codes from consent letters"),
    "one_time_codes": N_("One-time codes sent while signing up"),
    "child_sessions": N_("Sign-ins of the child"),
    "rights_requests": N_("Requests about the child's data, with their answers"),
    "outbox_messages": N_("Messages sent to guardians"),
    "guardian_accounts": N_("Guardian accounts linked to no other child"),
    "answers": N_("Answers to consultations"),
    "comments": N_("Comments and short-text answers"),
    "participations": N_("Receipt codes of consultations answered"),
    "submissions": N_("Records of when answers were sent"),
    "reports": N_("Reports the child made about comments"),
    "pseudonym": N_("Nickname and picture code (replaced by a neutral placeholder)"),
}


def _count(session: Session, model: type, *where: object) -> int:
    return int(session.exec(select(func.count()).select_from(model).where(*where)).one())  # type: ignore[arg-type]


def _guardians_of(session: Session, child: Child) -> list[Guardian]:
    return list(session.exec(
        select(Guardian).join(Guardianship, col(Guardianship.guardian_id) == col(Guardian.id))
        .where(Guardianship.child_id == child.id).order_by(col(Guardian.id))
    ).all())


def _has_other_children(session: Session, guardian: Guardian, child: Child) -> bool:
    return _count(session, Guardianship, Guardianship.guardian_id == guardian.id, Guardianship.child_id != child.id) > 0


def _messages_about(session: Session, guardian: Guardian, child: Child) -> list[int]:
    """Ids of the outbox messages to this guardian that concern the child: all of them when the guardian has
    no other child, otherwise those whose subject or text names the child."""
    channel, hashed = _guardian_recipient_hash(guardian)
    messages = session.exec(select(OutboxMessage).where(OutboxMessage.recipient_hash == hashed, OutboxMessage.channel == channel)).all()
    if not _has_other_children(session, guardian, child):
        return [m.id for m in messages if m.id is not None]
    name = child.display_name
    return [m.id for m in messages if m.id is not None and (name in (m.body or "") or name in (m.subject or ""))]


def erasure_preview(*, session: Session, child: Child) -> dict[str, int]:
    """What `erase` would delete, per category (shown on the confirmation page)."""
    code_ids = list(session.exec(select(GuardianCode.id).where(GuardianCode.child_id == child.id)))
    guardians = _guardians_of(session, child)
    return {
        "identity_record": _count(session, ChildIdentity, ChildIdentity.child_id == child.id),
        "consent_events": _count(session, ConsentEvent, ConsentEvent.child_id == child.id),
        "consent_states": _count(session, ConsentState, ConsentState.child_id == child.id),
        "guardianships": _count(session, Guardianship, Guardianship.child_id == child.id),
        "guardian_codes": len(code_ids),
        "one_time_codes": _count(session, GuardianOtp, col(GuardianOtp.guardian_code_id).in_(code_ids)) if code_ids else 0,
        "child_sessions": _count(session, ChildSession, ChildSession.child_id == child.id),
        "rights_requests": _count(session, RightsRequest, RightsRequest.child_id == child.id),
        "outbox_messages": sum(len(_messages_about(session, g, child)) for g in guardians),
        "guardian_accounts": sum(1 for g in guardians if not _has_other_children(session, g, child)),
        **consultations.input_counts(session=session, child=child),
        "reports": moderation.erase_reports_by(session=session, child=child, count_only=True),
        "pseudonym": 1,
    }


def _delete(session: Session, model: type, *where: object) -> int:
    result = session.execute(delete(model).where(*where).execution_options(synchronize_session=False))  # type: ignore[arg-type]
    return int(result.rowcount)  # type: ignore[attr-defined]


def erase(*, session: Session, child: Child, requested_by: str, actor: audit.Actor | tuple[str, str | None]) -> DeletionReceipt:
    """Hard-delete everything held about the child in one transaction and store a deletion receipt."""
    child_id = child.id
    counts: dict[str, int] = dict.fromkeys(ERASURE_CATEGORIES, 0)
    # First hold the consent state, so that answers being sent right now either land before this erasure
    # (and are erased with it) or find the consent gone (and are refused): never stored after it.
    consent.hold(session=session, child=child, purpose=Purpose.PARTICIPATE)
    # Safeguarding cases are kept by law (ROMO Art. 38(2), MPL Art. 80; PIPL Art. 47) and never listed on the
    # guardian's receipt: a guardian may be the source of harm (SG-04). Their officers are told in the audit log.
    from app.safeguarding import service as safeguarding

    safeguarding.note_erasure(session=session, child=child)
    counts.update(consultations.erase_child(session=session, child=child))
    counts["reports"] = moderation.erase_reports_by(session=session, child=child)
    guardians = _guardians_of(session, child)
    leaving = [g for g in guardians if not _has_other_children(session, g, child)]
    for guardian in guardians:
        ids = _messages_about(session, guardian, child)
        if guardian in leaving:
            channel, _ = _guardian_recipient_hash(guardian)
            counts["outbox_messages"] += notifications.erase_recipient(session=session, channel=channel, recipient=guardian.contact)
        elif ids:
            counts["outbox_messages"] += _delete(session, OutboxMessage, col(OutboxMessage.id).in_(ids))
    code_ids = list(session.exec(select(GuardianCode.id).where(GuardianCode.child_id == child_id)))
    if code_ids:
        counts["one_time_codes"] = _delete(session, GuardianOtp, col(GuardianOtp.guardian_code_id).in_(code_ids))
    counts["guardian_codes"] = _delete(session, GuardianCode, GuardianCode.child_id == child_id)
    counts["identity_record"] = _delete(session, ChildIdentity, ChildIdentity.child_id == child_id)
    # States first: they point at the events (consent_event refuses UPDATE, never DELETE).
    counts["consent_states"] = _delete(session, ConsentState, ConsentState.child_id == child_id)
    counts["consent_events"] = _delete(session, ConsentEvent, ConsentEvent.child_id == child_id)
    counts["child_sessions"] = _delete(session, ChildSession, ChildSession.child_id == child_id)
    counts["rights_requests"] = _delete(session, RightsRequest, RightsRequest.child_id == child_id)
    counts["guardianships"] = _delete(session, Guardianship, Guardianship.child_id == child_id)
    for guardian in leaving:
        # A guardian who still has decisions recorded for another child (an old link) is kept: deleting
        # them would have to change those append-only events.
        if _count(session, ConsentEvent, ConsentEvent.guardian_id == guardian.id) == 0:
            _delete(session, GuardianSession, GuardianSession.guardian_id == guardian.id)
            _delete(session, RightsRequest, RightsRequest.guardian_id == guardian.id)
            counts["guardian_accounts"] += _delete(session, Guardian, Guardian.id == guardian.id)
    now = utcnow()
    child.display_name = DELETED_NAME
    child.name_key = f"deleted-{child_id}"
    child.status = ChildStatus.LEFT.value
    child.left_at = child.left_at or now
    child.picture_code_hash = ""
    child.personal_code_hash = None
    child.failed_codes = 0
    child.locked_at = None
    child.birth_month = 1
    session.add(child)
    counts["pseudonym"] = 1
    receipt = DeletionReceipt(child_ref=secrets.token_urlsafe(24), categories=counts, created_at=now, requested_by=requested_by)
    session.add(receipt)
    session.flush()
    audit.record(session, actor=actor, action="consent.erased", subject=receipt, requested_by=requested_by, counts=counts)
    session.commit()
    return receipt


def receipt_by_ref(*, session: Session, ref: str) -> DeletionReceipt:
    found = session.exec(select(DeletionReceipt).where(DeletionReceipt.child_ref == (ref or "")[:64])).first()
    if found is None:
        raise NotFound()
    return found
