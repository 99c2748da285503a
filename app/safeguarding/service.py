"""Every rule of safeguarding (SG-01 … SG-07, MP-06, MP-07, CON-15): open a case, alert the officers at once,
escalate to administrators when nobody acknowledges in time, the officer's workflow, re-identification.

`open_case` is the one entry point of every source (screening, a moderator's escalation, the "I need help"
button, a facilitator's concern). It works in the caller's transaction and the caller commits, so the case,
its alerts and its audit events are stored together or not at all. Nothing here commits or rolls back:
each use case is an action (`app.safeguarding.actions`) that owns the unit of work. Settled-once steps (acknowledgement, escalation, closing) are conditional UPDATEs: the
database decides who was first, whatever the number of workers.

Alerts never carry the child's words or nickname (only the case number): a phone's lock screen is not an
access-restricted record (SG-03)."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.accounts.models import StaffUser
from app.accounts.permissions import Permission, can
from app.core import audit, moderated
from app.core.config import get_settings
from app.core.db import utcnow
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.core.i18n import N_, get_locale
from app.core.validation import TextField
from app.corps.models import Child, ChildIdentity, ChildSession, GroupSession
from app.moderation import service as moderation
from app.moderation.screening import screen
from app.notifications import service as notifications
from app.safeguarding.models import (
    NOTE,
    REASON,
    RECORDABLE,
    REFERENCE,
    REPORTS,
    ActionKind,
    AlertChannel,
    Assessment,
    CaseSource,
    CaseState,
    Outcome,
    PossibleConcern,
    ReadingOutcome,
    Reidentification,
    SafeguardingAction,
    SafeguardingCase,
    SafeguardingDuty,
    Subkind,
)

ALERT_KIND = "safeguarding_alert"
ESCALATION_KIND = "safeguarding_escalation"


class CaseClosed(Conflict):
    title = N_("This case is closed")
    detail = N_("A closed case cannot change. Open a new case if there is a new concern.")
    slug = "case-closed"


class NotAcknowledged(Conflict):
    title = N_("Acknowledge the case first")
    detail = N_("Acknowledge the case, so that everyone knows who is handling it, then record what you did.")
    slug = "case-not-acknowledged"


class ReferenceNeeded(InvalidInput):
    detail = N_("A mandatory report needs the reference number the authority gave you.")
    slug = "reference-needed"  # a rule across fields: a report's kind needs its reference


class DetailNeeded(InvalidInput):
    """An assessment needs how serious the concern is, a note needs its words: a rule across fields."""

    slug = "detail-needed"


class ReasonNeeded(InvalidInput):
    detail = N_("Please say why you need to see who this child is (at least 5 characters).")


class NoChild(Conflict):
    title = N_("No child to identify")
    detail = N_("This case came from someone who did not sign in, so there is nobody to identify.")
    slug = "case-no-child"


class ReidentificationRefused(Forbidden):
    detail = N_("Only a safeguarding officer may see who the child is, and only while the case is open.")


class ContactNeeded(InvalidInput):
    detail = N_("Enter the phone number or e-mail address where alerts should reach you.")


# What children and staff type here, with the limits the forms' `maxlength` shows (core.validation). A child
# asking for help is told kindly and keeps their words; nothing anyone wrote is ever cut.
HELP_TEXT = TextField(
    "text", N_("What is wrong? (you can leave this empty)"), 500,
    too_long=N_("Thank you for telling us. That is a lot of words: please make it a little shorter, up to %(max)s characters, "
                "and press Send again. Your words are still here."),
)
CONCERN = TextField("text", N_("What worries you"), 2000, min=1, too_short=N_("Please say in a few words what worries you."))
CLOSING_NOTE = TextField("note", N_("Closing note"), NOTE.max)
ALERT_CONTACT = TextField("alert_contact", N_("Phone number or e-mail address"), 200)
LIMITS = {field.name: field for field in (CONCERN, REFERENCE, NOTE, REASON, ALERT_CONTACT)}


# ---- opening a case (SG-01, SG-02, SG-03) ------------------------------------------------------------


def _subkinds(values: Sequence[str]) -> list[str]:
    known = {s.value for s in Subkind}
    return sorted({v for v in values if v in known})


def subkinds_of(text: str) -> list[str]:
    """The safeguarding sub-kinds the screening engine finds in `text` (for the help button's words)."""
    if not text.strip():
        return []
    return _subkinds([str(f.subkind) for f in screen(text).findings if f.subkind is not None])


def open_case(
    *,
    session: Session,
    source: CaseSource,
    words: str,
    child: Child | None,
    child_session_id: int | None = None,
    group_session_id: int | None = None,
    consultation_id: int | None = None,
    comment_id: int | None = None,
    subkinds: Sequence[str] = (),
    actor: Any = None,
) -> SafeguardingCase:
    """Open a case and alert the officers, in the caller's transaction (the caller commits).

    The child's words are kept exactly (encrypted at rest), never cut: each source checks its own limit
    before it comes here. The caller never publishes them."""
    source = CaseSource(source)
    if child is not None and child_session_id is None:  # where the child is now, if signed in (SG-03)
        from app.corps import service as corps

        current = corps.current_session_of(session=session, child=child)
        if current is not None:
            child_session_id, group_session_id = current.id, group_session_id or current.group_session_id
    group_id = child.group_id if child is not None else None
    if group_session_id is not None:
        group_session = session.get(GroupSession, group_session_id)
        if group_session is not None:
            group_id = group_session.group_id
    case = SafeguardingCase(
        source=source.value,
        subkinds=_subkinds(subkinds),
        words=words or "",
        child_id=child.id if child is not None else None,
        child_session_id=child_session_id,
        group_session_id=group_session_id,
        group_id=group_id,
        consultation_id=consultation_id,
        comment_id=comment_id,
        opened_by_id=actor.id if isinstance(actor, StaffUser) else None,
        created_at=utcnow(),
    )
    session.add(case)
    session.flush()
    # The audit event names the case, never the words (they are in the encrypted record only).
    audit.record(
        session, actor=actor if actor is not None else (child if child is not None else audit.ANONYMOUS),
        action="safeguarding.case_opened", subject=case, source=source.value, subkinds=case.subkinds,
        consultation_id=consultation_id, comment_id=comment_id,
    )
    alerted = alert_officers(session=session, case=case)
    audit.record(session, actor=None, action="safeguarding.alerted", subject=case, recipients=alerted)
    return case


def help_request(
    *, session: Session, text: str, child: Child | None, child_session: ChildSession | None = None,
    group_session: GroupSession | None = None,
) -> SafeguardingCase:
    """The "I need help" button (SG-06, CON-15): works for anyone, whatever the consent. Words too
    long are refused kindly (nothing is stored), so that the child can shorten them and send again."""
    text = HELP_TEXT.clean(text)
    if child_session is not None and group_session is None and child_session.group_session_id is not None:
        group_session = session.get(GroupSession, child_session.group_session_id)
    case = open_case(
        session=session, source=CaseSource.HELP_REQUEST, words=text, child=child,
        child_session_id=child_session.id if child_session is not None else None,
        group_session_id=group_session.id if group_session is not None else None,
        subkinds=subkinds_of(text),
    )
    return case


# ---- who is on duty, alerts -------------------------------------------------------------------------


def _active_with(session: Session, permission: Permission) -> list[StaffUser]:
    users = session.exec(select(StaffUser).where(col(StaffUser.is_active).is_(True)).order_by(col(StaffUser.id))).all()
    return [u for u in users if can(u, permission)]


def officers(*, session: Session) -> list[StaffUser]:
    return [u for u in _active_with(session, Permission.SAFEGUARD)]


def administrators(*, session: Session) -> list[StaffUser]:
    return [u for u in _active_with(session, Permission.SAFEGUARDING_OVERSEE) if not can(u, Permission.SAFEGUARD)]


def duties(*, session: Session, user_ids: Sequence[int]) -> dict[int, SafeguardingDuty]:
    if not user_ids:
        return {}
    rows = session.exec(select(SafeguardingDuty).where(col(SafeguardingDuty.user_id).in_(list(user_ids)))).all()
    return {row.user_id: row for row in rows}


def duty_of(*, session: Session, user: StaffUser) -> SafeguardingDuty | None:
    return session.exec(select(SafeguardingDuty).where(SafeguardingDuty.user_id == user.id)).first()


def set_duty(
    *, session: Session, user: StaffUser, on_duty: bool, alert_channel: str, alert_contact: str | None
) -> SafeguardingDuty:
    """An officer's duty and alert contact; an administrator's escalation contact (on duty means nothing for
    them)."""
    try:
        channel = AlertChannel(alert_channel)
    except ValueError as exc:
        raise InvalidInput(errors=[{"loc": ["alert_channel"], "msg": "unknown channel", "type": "value_error"}]) from exc
    contact = ALERT_CONTACT.clean(alert_contact) or None
    if contact is not None and channel == AlertChannel.EMAIL and "@" not in contact:
        raise ContactNeeded()
    if contact is not None and channel == AlertChannel.SMS and sum(c.isdigit() for c in contact) < 5:
        raise ContactNeeded()
    if on_duty and contact is None:
        raise ContactNeeded()
    duty = duty_of(session=session, user=user) or SafeguardingDuty(user_id=user.id)  # type: ignore[arg-type]
    duty.on_duty = bool(on_duty) and can(user, Permission.SAFEGUARD)
    duty.alert_channel = channel.value
    duty.alert_contact = contact
    duty.updated_at = utcnow()
    session.add(duty)
    audit.record(session, actor=user, action="safeguarding.duty_set", subject=duty, on_duty=duty.on_duty,
                 channel=channel.value, has_contact=contact is not None)
    return duty


def alert_recipients(*, session: Session) -> list[tuple[StaffUser, SafeguardingDuty]]:
    """The officers on duty with a contact; if none is on duty, every active officer with a contact."""
    everyone = officers(session=session)
    found = duties(session=session, user_ids=[u.id for u in everyone if u.id is not None])
    with_contact = [(u, found[u.id]) for u in everyone if u.id in found and found[u.id].alert_contact]  # type: ignore[index]
    on_duty = [(u, d) for u, d in with_contact if d.on_duty]
    return on_duty or with_contact


def _alert_text(case: SafeguardingCase, *, escalation: bool) -> tuple[str, str]:
    """Subject and body: the case number only, never the child's words or nickname."""
    from app.core.i18n import gettext

    if escalation:
        subject = gettext("Yimi: safeguarding case %(number)s not acknowledged", number=case.number)
        body = gettext(
            "Safeguarding case %(number)s has not been acknowledged by any officer in time. Please open Yimi now "
            "and make sure someone acts on it.", number=case.number,
        )
    else:
        subject = gettext("Yimi: new safeguarding case %(number)s", number=case.number)
        body = gettext("A new safeguarding case needs you now: open Yimi (case %(number)s).", number=case.number)
    return subject, body


def _enqueue(session: Session, case: SafeguardingCase, duty: SafeguardingDuty, *, kind: str, escalation: bool) -> None:
    subject, body = _alert_text(case, escalation=escalation)
    notifications.enqueue(
        session=session, channel=duty.alert_channel, recipient=duty.alert_contact or "", kind=kind,
        locale=get_locale(), subject=subject, body=body,
        idempotency_key=f"{kind}:{case.id}:{duty.user_id}",
    )


def alert_officers(*, session: Session, case: SafeguardingCase) -> list[int]:
    """Every chosen officer at once (SG-01): the in-app banner needs nothing stored; the notifier a message each."""
    recipients = alert_recipients(session=session)
    for _user, duty in recipients:
        _enqueue(session, case, duty, kind=ALERT_KIND, escalation=False)
    return [u.id for u, _ in recipients if u.id is not None]


# ---- escalation (SG-01: not acknowledged in time) ----------------------------------------------------


def cases_due(*, session: Session, now: dt.datetime) -> list[int]:
    """The cases nobody acknowledged within YIMI_SAFEGUARDING_ACK_MINUTES and not escalated yet."""
    cutoff = now - dt.timedelta(minutes=get_settings().safeguarding_ack_minutes)
    return [i for i in session.exec(
        select(SafeguardingCase.id).where(
            col(SafeguardingCase.escalated_at).is_(None), col(SafeguardingCase.acknowledged_at).is_(None),
            col(SafeguardingCase.closed_at).is_(None), col(SafeguardingCase.created_at) <= cutoff,
        ).order_by(col(SafeguardingCase.id))
    ).all() if i is not None]


def escalate_case(*, session: Session, case_id: int, now: dt.datetime) -> bool:
    """Escalate one case nobody acknowledged in time to the administrators (in-app banner and a message to
    each administrator with a contact in the duty table). The conditional UPDATE settles each escalation once,
    whatever the number of workers. Returns whether this call escalated it."""
    cutoff = now - dt.timedelta(minutes=get_settings().safeguarding_ack_minutes)
    moved = session.execute(
        update(SafeguardingCase)
        .where(
            col(SafeguardingCase.id) == case_id, col(SafeguardingCase.escalated_at).is_(None),
            col(SafeguardingCase.acknowledged_at).is_(None), col(SafeguardingCase.closed_at).is_(None),
            col(SafeguardingCase.created_at) <= cutoff,
        )
        .values(escalated_at=now)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        return False
    case = session.get_one(SafeguardingCase, case_id)
    session.refresh(case)
    admins = administrators(session=session)
    found = duties(session=session, user_ids=[a.id for a in admins if a.id is not None])
    told = []
    for admin in admins:
        duty = found.get(admin.id)  # type: ignore[arg-type]
        if duty is not None and duty.alert_contact:
            _enqueue(session, case, duty, kind=ESCALATION_KIND, escalation=True)
            told.append(admin.id)
    session.add(SafeguardingAction(case_id=case_id, kind=ActionKind.ESCALATED.value, at=now))
    audit.record(session, actor=None, action="safeguarding.escalated", subject=case, administrators=told,
                 minutes=get_settings().safeguarding_ack_minutes)
    return True


# ---- the in-app banner ------------------------------------------------------------------------------


@dataclass
class Banner:
    count: int
    escalated: bool  # for administrators: cases escalated to them
    to_read: int = 0  # words on the "please read" list (officers: unread; administrators: escalated)
    # Issue 18: who an alert reaches now. "nobody": no officer has a contact; "all": nobody is on duty, so every
    # officer with a contact is alerted; None: officers on duty are.
    duty_gap: str | None = None


def duty_gap(*, session: Session) -> str | None:
    """Whether a new case's alert would reach an officer on duty (None), every officer with a contact ("all"),
    or nobody ("nobody")."""
    recipients = alert_recipients(session=session)  # the same rule that sends the alert
    if not recipients:
        return "nobody"
    return None if any(duty.on_duty for _user, duty in recipients) else "all"


def banner(*, session: Session, user: StaffUser) -> Banner | None:
    """One COUNT: unacknowledged open cases (officers) or escalated unacknowledged cases (administrators)."""
    query = select(func.count(col(SafeguardingCase.id))).where(
        col(SafeguardingCase.acknowledged_at).is_(None), col(SafeguardingCase.closed_at).is_(None)
    )
    if can(user, Permission.SAFEGUARD):
        return Banner(int(session.exec(query).one() or 0), False, unread_count(session=session), duty_gap(session=session))
    if can(user, Permission.SAFEGUARDING_OVERSEE):
        return Banner(int(session.exec(query.where(col(SafeguardingCase.escalated_at).is_not(None))).one() or 0), True,
                      unread_count(session=session, escalated_only=True), duty_gap(session=session))
    return None


def banner_for(user: Any) -> Banner | None:
    """For the staff header: only staff who may see cases pay for the query."""
    if not isinstance(user, StaffUser) or not (can(user, Permission.SAFEGUARD) or can(user, Permission.SAFEGUARDING_OVERSEE)):
        return None
    from app.core.db import new_session

    with new_session() as session:
        found = banner(session=session, user=user)
    return found if found and (found.count or found.to_read or found.duty_gap) else None


# ---- reading cases ------------------------------------------------------------------------------------


def list_cases(*, session: Session, state: CaseState | None = None, limit: int = 200) -> list[SafeguardingCase]:
    """Open cases first (new before acknowledged), oldest first; then closed cases, newest first."""
    query = select(SafeguardingCase)
    if state == CaseState.NEW:
        query = query.where(col(SafeguardingCase.acknowledged_at).is_(None), col(SafeguardingCase.closed_at).is_(None))
    elif state == CaseState.ACKNOWLEDGED:
        query = query.where(col(SafeguardingCase.acknowledged_at).is_not(None), col(SafeguardingCase.closed_at).is_(None))
    elif state == CaseState.CLOSED:
        query = query.where(col(SafeguardingCase.closed_at).is_not(None))
    cases = list(session.exec(query.order_by(col(SafeguardingCase.id).desc()).limit(limit)).all())
    order = {CaseState.NEW: 0, CaseState.ACKNOWLEDGED: 1, CaseState.CLOSED: 2}
    return sorted(cases, key=lambda c: (order[c.state], c.created_at.timestamp() * (-1 if c.state == CaseState.CLOSED else 1)))


def get_case(*, session: Session, case_id: int) -> SafeguardingCase:
    case = session.get(SafeguardingCase, case_id)
    if case is None:
        raise NotFound()
    return case


def actions_of(*, session: Session, case: SafeguardingCase) -> list[SafeguardingAction]:
    return list(session.exec(select(SafeguardingAction).where(SafeguardingAction.case_id == case.id).order_by(col(SafeguardingAction.id))).all())


def pseudonym_of(*, session: Session, case: SafeguardingCase) -> str | None:
    if case.child_id is None:
        return None
    child = session.get(Child, case.child_id)
    return child.display_name if child else None


def names(*, session: Session, user_ids: Sequence[int | None]) -> dict[int, str]:
    ids = sorted({i for i in user_ids if i is not None})
    if not ids:
        return {}
    return {u.id: u.display_name for u in session.exec(select(StaffUser).where(col(StaffUser.id).in_(ids))).all()}  # type: ignore[misc]


def audit_trail(*, session: Session, case: SafeguardingCase) -> list[audit.AuditEvent]:
    return list(session.exec(
        select(audit.AuditEvent).where(audit.AuditEvent.subject_type == "safeguarding_case", audit.AuditEvent.subject_id == str(case.id))
        .order_by(col(audit.AuditEvent.id))
    ).all())


# ---- the officer's workflow (SG-04, MP-07) -----------------------------------------------------------


@dataclass
class Acknowledgement:
    case: SafeguardingCase
    first: bool  # False: another officer acknowledged first
    by: str  # who acknowledged first


def _open(case: SafeguardingCase) -> None:
    if case.closed_at is not None:
        raise CaseClosed()


def acknowledge(*, session: Session, officer: StaffUser, case: SafeguardingCase) -> Acknowledgement:
    """The first officer to acknowledge takes the case (a conditional UPDATE); the second is told who."""
    _open(case)
    now = utcnow()
    moved = session.execute(
        update(SafeguardingCase)
        .where(col(SafeguardingCase.id) == case.id, col(SafeguardingCase.acknowledged_at).is_(None))
        .values(acknowledged_at=now, acknowledged_by_id=officer.id)
        .execution_options(synchronize_session=False)
    )
    first = moved.rowcount == 1  # type: ignore[attr-defined]
    if first:
        session.add(SafeguardingAction(case_id=case.id, kind=ActionKind.ACKNOWLEDGED.value, actor_id=officer.id, at=now))  # type: ignore[arg-type]
        audit.record(session, actor=officer, action="safeguarding.acknowledged", subject=("safeguarding_case", case.id))
    session.flush()
    session.refresh(case)
    by = names(session=session, user_ids=[case.acknowledged_by_id]).get(case.acknowledged_by_id or 0, "")
    return Acknowledgement(case, first, by)


def add_action(
    *, session: Session, officer: StaffUser, case: SafeguardingCase, kind: ActionKind | str,
    reference: str | None = None, note: str | None = None, assessment: Assessment | str | None = None,
) -> SafeguardingAction:
    """Record one step: an assessment, a call, a mandatory report (with its reference), a guardian decision,
    a note. Appended, never changed."""
    _open(case)
    if case.acknowledged_at is None:
        raise NotAcknowledged()
    try:
        kind = ActionKind(kind)
    except ValueError as exc:
        raise InvalidInput(errors=[{"loc": ["kind"], "msg": "unknown action", "type": "value_error"}]) from exc
    reference = REFERENCE.clean(reference) or None
    note = NOTE.clean(note) or None
    chosen: Assessment | None = None
    if kind == ActionKind.ASSESSED:
        try:
            chosen = Assessment(assessment or "")
        except ValueError as exc:
            raise DetailNeeded(N_("Choose how serious the concern is."), errors=[{"loc": ["assessment"], "msg": "required", "type": "value_error"}]) from exc
    elif kind not in RECORDABLE:
        raise InvalidInput(errors=[{"loc": ["kind"], "msg": "not recordable", "type": "value_error"}])
    if kind in REPORTS and not reference:
        raise ReferenceNeeded(errors=[{"loc": ["reference"], "msg": "reference required", "type": "value_error"}])
    if kind == ActionKind.NOTE and not note:
        raise DetailNeeded(N_("Write the note."), errors=[{"loc": ["note"], "msg": "note required", "type": "value_error"}])
    now = utcnow()
    action = SafeguardingAction(
        case_id=case.id, kind=kind.value, reference=reference, assessment=chosen.value if chosen else None,  # type: ignore[arg-type]
        note=note, actor_id=officer.id, at=now,
    )
    session.add(action)
    if chosen is not None:
        case.assessment = chosen.value
        case.assessed_at = now
        session.add(case)
    session.flush()
    audit.record(session, actor=officer, action=f"safeguarding.{kind.value}", subject=case, action_id=action.id,
                 reference=reference, assessment=chosen.value if chosen else None, with_note=note is not None)
    return action


def close(*, session: Session, officer: StaffUser, case: SafeguardingCase, outcome: Outcome | str, note: str | None = None) -> SafeguardingCase:
    """Close with an outcome, once (a conditional UPDATE)."""
    _open(case)
    if case.acknowledged_at is None:
        raise NotAcknowledged()
    try:
        outcome = Outcome(outcome)
    except ValueError as exc:
        raise InvalidInput(N_("Choose the outcome of the case."), errors=[{"loc": ["outcome"], "msg": "required", "type": "value_error"}]) from exc
    note = CLOSING_NOTE.clean(note) or None
    now = utcnow()
    moved = session.execute(
        update(SafeguardingCase)
        .where(col(SafeguardingCase.id) == case.id, col(SafeguardingCase.closed_at).is_(None))
        .values(closed_at=now, closed_by_id=officer.id, outcome=outcome.value)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise CaseClosed()
    session.add(SafeguardingAction(case_id=case.id, kind=ActionKind.CLOSED.value, note=note, reference=outcome.value, actor_id=officer.id, at=now))  # type: ignore[arg-type]
    audit.record(session, actor=officer, action="safeguarding.closed", subject=("safeguarding_case", case.id), outcome=outcome.value)
    session.flush()
    session.refresh(case)
    return case


# ---- re-identification (SG-03) --------------------------------------------------------------------


@dataclass
class Identity:
    case: SafeguardingCase
    child: Child
    real_name: str | None
    notes: str | None


def reidentify(*, session: Session, officer: StaffUser, case: SafeguardingCase, reason: str) -> Identity:
    """Only a safeguarding officer, only on an open case, only with a reason; every view logged."""
    if not can(officer, Permission.SAFEGUARD) or case.closed_at is not None:
        raise ReidentificationRefused()
    reason = REASON.clean(reason, error=ReasonNeeded)
    if case.child_id is None:
        raise NoChild()
    child = session.get_one(Child, case.child_id)
    identity = session.exec(select(ChildIdentity).where(ChildIdentity.child_id == child.id)).first()
    row = Reidentification(case_id=case.id, officer_id=officer.id, reason=reason, at=utcnow())  # type: ignore[arg-type]
    session.add(row)
    session.flush()
    audit.record(session, actor=officer, action="safeguarding.reidentified", subject=case, reidentification_id=row.id,
                 child_id=child.id, reason=reason)
    return Identity(case, child, identity.real_name if identity else None, identity.notes if identity else None)


@dataclass
class ReidentificationRow:
    id: int
    case_id: int
    case_number: str
    officer_id: int | None
    officer: str | None
    reason: str
    at: dt.datetime


def reidentifications(*, session: Session, limit: int = 500) -> list[ReidentificationRow]:
    rows = session.exec(select(Reidentification).order_by(col(Reidentification.id).desc()).limit(limit)).all()
    who = names(session=session, user_ids=[r.officer_id for r in rows])
    return [
        ReidentificationRow(r.id, r.case_id, f"SG-{r.case_id:05d}", r.officer_id, who.get(r.officer_id or 0), r.reason, r.at)  # type: ignore[arg-type]
        for r in rows
    ]


# ---- erasure (records kept by law) -----------------------------------------------------------------


def facilitator_concern(*, session: Session, facilitator: StaffUser, child: Child, text: str) -> SafeguardingCase:
    """SG-07: a facilitator's concern about a child of their group; in the caller's transaction."""
    return open_case(session=session, source=CaseSource.FACILITATOR, words=CONCERN.clean(text), child=child, actor=facilitator)


def note_erasure(*, session: Session, child: Child) -> list[int]:
    """A guardian erased the child's data: the child's cases stay (kept by law), each told in the audit log
    (the officer may need to know). Nothing of this reaches the guardian's receipt. In the caller's transaction."""
    ids = list(session.exec(select(SafeguardingCase.id).where(SafeguardingCase.child_id == child.id)).all())
    for case_id in ids:
        audit.record(session, actor=None, action="safeguarding.kept_through_erasure", subject=("safeguarding_case", case_id))
    return [i for i in ids if i is not None]


# ---- the "please read" list: words screening finds possibly worrying (issue 14) ------------------------


class AlreadyRead(Conflict):
    title = N_("Already read")
    detail = N_("Another officer has already read these words and decided. Nothing was changed.")
    slug = "already-read"


POSSIBLE_ESCALATION_KIND = "safeguarding_reading_escalation"


def _possible_upsert(session: Session) -> Any:
    from app.core.db import dialect_insert

    table = PossibleConcern.__table__  # type: ignore[attr-defined]
    insert = dialect_insert(session)(table)
    again = ("consultation_id", "words", "subkinds", "score", "listed_at", "escalated_at", "read_at", "read_by_id",
             "outcome", "case_id")
    return insert.on_conflict_do_update(
        index_elements=["comment_id"], set_={name: insert.excluded[name] for name in again}
    ).returning(table.c.id)


def list_possible(
    *, session: Session, comment_id: int, consultation_id: int | None, words: str, subkinds: Sequence[str], score: float,
) -> int:
    """Put a comment's words on the officers' "please read" list, in the caller's transaction (the caller
    commits). Words changed and flagged again are listed again, unread; no case is opened and no alert is
    sent: the list, the banner and the SLA are how officers learn of them."""
    concern_id = session.execute(_possible_upsert(session), {
        "comment_id": comment_id, "consultation_id": consultation_id, "words": words or "",
        "subkinds": _subkinds(subkinds), "score": round(float(score), 3), "listed_at": utcnow(), "escalated_at": None,
        "read_at": None, "read_by_id": None, "outcome": None, "case_id": None,
    }).scalar_one()
    audit.record(session, actor=None, action="safeguarding.possible_listed", subject=("possible_concern", concern_id),
                 comment_id=comment_id, consultation_id=consultation_id, subkinds=_subkinds(subkinds))
    return int(concern_id)


@dataclass
class ToRead:
    concern: PossibleConcern
    pseudonym: str | None
    age_band: str | None
    due_at: dt.datetime
    writer: str  # the comment's author kind: a guardian's words are an adult's (issue 14)

    @property
    def overdue(self) -> bool:
        return self.concern.read_at is None and utcnow() >= self.due_at


def to_read(*, session: Session, unread: bool = True, limit: int = 200) -> list[ToRead]:
    """The "please read" list: unread words first, oldest first (or, with `unread=False`, the ones read
    lately too, newest first after the unread)."""
    from app.consultations.models import Comment

    query = (
        select(PossibleConcern, Child, Comment.author_kind)
        .join(Comment, col(Comment.id) == PossibleConcern.comment_id)
        .outerjoin(Child, col(Child.id) == Comment.child_id)
    )
    if unread:
        query = query.where(col(PossibleConcern.read_at).is_(None))
    rows = session.exec(query.order_by(col(PossibleConcern.listed_at), col(PossibleConcern.id)).limit(limit)).all()
    items = [_entry(concern, child, writer) for concern, child, writer in rows]
    unread_items = [i for i in items if i.concern.read_at is None]  # oldest first: the most overdue on top
    read_items = sorted((i for i in items if i.concern.read_at is not None), key=lambda i: i.concern.read_at, reverse=True)  # type: ignore[arg-type,return-value]
    return unread_items + read_items


def to_read_item(*, session: Session, concern: PossibleConcern) -> ToRead:
    """One entry of the list, with the child's pseudonym and age band and its due time."""
    from app.consultations.models import Comment

    comment = session.get(Comment, concern.comment_id)
    child = session.get(Child, comment.child_id) if comment is not None and comment.child_id is not None else None
    return _entry(concern, child, comment.author_kind if comment is not None else "child")


def _entry(concern: PossibleConcern, child: Child | None, writer: str) -> ToRead:
    """One entry: the child by pseudonym and age band only (none for a guardian's words), due after the SLA."""
    band = child.age_band() if child is not None else None
    due = concern.listed_at + dt.timedelta(minutes=get_settings().safeguarding_review_minutes)
    return ToRead(concern, child.display_name if child else None, band.value if band else None, due, writer)


def get_possible(*, session: Session, concern_id: int) -> PossibleConcern:
    concern = session.get(PossibleConcern, concern_id, populate_existing=True)
    if concern is None:
        raise NotFound()
    return concern


def _mark_read(session: Session, concern: PossibleConcern, officer: StaffUser, outcome: ReadingOutcome) -> dt.datetime:
    """The one conditional UPDATE that decides which officer read it first; the second is told."""
    now = utcnow()
    moved = session.execute(
        update(PossibleConcern)
        .where(col(PossibleConcern.id) == concern.id, col(PossibleConcern.read_at).is_(None))
        .values(read_at=now, read_by_id=officer.id, outcome=outcome.value)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise AlreadyRead()
    return now


def open_case_from_possible(*, session: Session, officer: StaffUser, concern: PossibleConcern) -> SafeguardingCase:
    """One tap: the words become a case (alerting the officers as any case does), the comment leaves
    moderation unpublished if its words are still the ones flagged, and both steps are audited."""
    from app.consultations.models import Comment

    _mark_read(session, concern, officer, ReadingOutcome.CASE_OPENED)
    comment = session.get(Comment, concern.comment_id, populate_existing=True)
    child = session.get(Child, comment.child_id) if comment is not None and comment.child_id is not None else None
    case = open_case(
        session=session, source=CaseSource.SCREENING, words=concern.words, child=child,
        consultation_id=concern.consultation_id, comment_id=concern.comment_id, subkinds=concern.subkinds, actor=officer,
    )
    session.execute(update(PossibleConcern).where(col(PossibleConcern.id) == concern.id).values(case_id=case.id)
                    .execution_options(synchronize_session=False))
    if comment is not None:
        moderation.escalate_possible(session=session, officer=officer, kind=COMMENT, subject_id=comment.id, words=concern.words)  # type: ignore[arg-type]
    audit.record(session, actor=officer, action="safeguarding.possible_case_opened", subject=("possible_concern", concern.id),
                 case_id=case.id, comment_id=concern.comment_id)
    session.flush()
    session.refresh(concern)
    return case


def return_possible(*, session: Session, officer: StaffUser, concern: PossibleConcern) -> PossibleConcern:
    """One tap: not a safeguarding matter; the comment goes back to the normal moderation queue (held, as
    every comment is, until a moderator decides). Audited."""
    _mark_read(session, concern, officer, ReadingOutcome.RETURNED)
    moderation.return_from_safeguarding(session=session, kind=COMMENT, subject_id=concern.comment_id)
    audit.record(session, actor=officer, action="safeguarding.possible_returned", subject=("possible_concern", concern.id),
                 comment_id=concern.comment_id)
    session.flush()
    session.refresh(concern)
    return concern


def unread_count(*, session: Session, escalated_only: bool = False) -> int:
    query = select(func.count(col(PossibleConcern.id))).where(col(PossibleConcern.read_at).is_(None))
    if escalated_only:
        query = query.where(col(PossibleConcern.escalated_at).is_not(None))
    return int(session.exec(query).one() or 0)


def concerns_due(*, session: Session, now: dt.datetime) -> list[int]:
    """Words on the "please read" list nobody read within YIMI_SAFEGUARDING_REVIEW_MINUTES, not escalated yet."""
    cutoff = now - dt.timedelta(minutes=get_settings().safeguarding_review_minutes)
    return [i for i in session.exec(
        select(PossibleConcern.id).where(
            col(PossibleConcern.read_at).is_(None), col(PossibleConcern.escalated_at).is_(None),
            col(PossibleConcern.listed_at) <= cutoff,
        ).order_by(col(PossibleConcern.id))
    ).all() if i is not None]


def escalate_unread(*, session: Session, concern_id: int, now: dt.datetime) -> bool:
    """Words not read in time go to the administrators (banner and a message to each with a contact), once
    (a conditional UPDATE). Returns whether this call escalated them."""
    minutes = get_settings().safeguarding_review_minutes
    cutoff = now - dt.timedelta(minutes=minutes)
    moved = session.execute(
        update(PossibleConcern)
        .where(col(PossibleConcern.id) == concern_id, col(PossibleConcern.read_at).is_(None),
               col(PossibleConcern.escalated_at).is_(None), col(PossibleConcern.listed_at) <= cutoff)
        .values(escalated_at=now)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        return False
    concern = session.get_one(PossibleConcern, concern_id, populate_existing=True)
    admins = administrators(session=session)
    found = duties(session=session, user_ids=[a.id for a in admins if a.id is not None])
    told = []
    for admin in admins:
        duty = found.get(admin.id)  # type: ignore[arg-type]
        if duty is not None and duty.alert_contact:
            subject, body = _reading_escalation_text(concern)
            notifications.enqueue(
                session=session, channel=duty.alert_channel, recipient=duty.alert_contact, kind=POSSIBLE_ESCALATION_KIND,
                locale=get_locale(), subject=subject, body=body, idempotency_key=f"{POSSIBLE_ESCALATION_KIND}:{concern.id}:{duty.user_id}",
            )
            told.append(admin.id)
    audit.record(session, actor=None, action="safeguarding.possible_escalated", subject=("possible_concern", concern_id),
                 administrators=told, minutes=minutes)
    return True


def _reading_escalation_text(concern: PossibleConcern) -> tuple[str, str]:
    """The list number only, never the child's words."""
    from app.core.i18n import gettext

    return (
        gettext("Yimi: words to read %(number)s not read in time", number=concern.number),
        gettext("Words on the safeguarding officers' \"please read\" list (%(number)s) have not been read in time. "
                "Please open Yimi now and make sure an officer reads them.", number=concern.number),
    )


# ---- what moderation passes to safeguarding (SG-01, issue 14), registered with app.core.moderated ----------

COMMENT = "comment"  # the kind whose items safeguarding keeps by comment (cases and the "please read" list)


def _case_from_moderation(
    *, session: Session, kind: str, subject: moderated.Subject, moderator: StaffUser | None, subkinds: Sequence[str],
) -> None:
    """Moderation passes words on (screening found them certain, or a moderator escalated them): a case with
    the exact words, the child and where they were written (SG-03)."""
    child = session.get(Child, subject.child_id) if subject.child_id is not None else None
    open_case(
        session=session, source=CaseSource.MODERATOR if moderator is not None else CaseSource.SCREENING, words=subject.text,
        child=child, consultation_id=subject.scope_id, comment_id=subject.id if kind == COMMENT else None,
        subkinds=subkinds, actor=moderator,
    )


def _possible_from_moderation(
    *, session: Session, kind: str, subject: moderated.Subject, words: str, subkinds: Sequence[str], score: float,
) -> None:
    """Screening found words possibly worrying: on the officers' "please read" list (kept by comment). Words of
    another kind have no list yet: they go to the moderators' queue with the finding shown, for a person to
    pass on (never shown before a moderator decides, MOD-01)."""
    if kind != COMMENT:
        moderation.return_from_safeguarding(session=session, kind=kind, subject_id=subject.id)
        return
    list_possible(session=session, comment_id=subject.id, consultation_id=subject.scope_id, words=words, subkinds=subkinds, score=score)


moderated.register_escalation(open_case=_case_from_moderation, list_possible=_possible_from_moderation)
