"""What people (and the worker) do in safeguarding, one function per use case (issue 15): each opens the unit
of work (`app.core.db.transaction`), calls the service and commits once, so a refusal (a case closed
meanwhile, words another officer read first) leaves nothing behind. The worker's escalations commit one case
at a time, so one that fails does not hold back the others."""

import datetime as dt
from collections.abc import Sequence

from sqlmodel import Session

from app.accounts.models import StaffUser
from app.core.db import transaction, utcnow
from app.corps.models import Child, ChildSession, GroupSession
from app.safeguarding import service
from app.safeguarding.models import (
    ActionKind,
    Assessment,
    Outcome,
    PossibleConcern,
    SafeguardingAction,
    SafeguardingCase,
)


def help_request(
    *, session: Session, text: str, child: Child | None, child_session: ChildSession | None = None,
    group_session: GroupSession | None = None,
) -> SafeguardingCase:
    """The "I need help" button (SG-06, CON-15): a case, the officers alerted, at once."""
    with transaction(session):
        return service.help_request(session=session, text=text, child=child, child_session=child_session, group_session=group_session)


def facilitator_concern(*, session: Session, facilitator: StaffUser, child: Child, text: str) -> SafeguardingCase:
    """SG-07: a facilitator's concern about a child of their group."""
    with transaction(session):
        return service.facilitator_concern(session=session, facilitator=facilitator, child=child, text=text)


def set_duty(
    *, session: Session, user: StaffUser, on_duty: bool, alert_channel: str, alert_contact: str | None,
) -> object:
    with transaction(session):
        return service.set_duty(session=session, user=user, on_duty=on_duty, alert_channel=alert_channel, alert_contact=alert_contact)


def acknowledge(*, session: Session, officer: StaffUser, case: SafeguardingCase) -> service.Acknowledgement:
    with transaction(session):
        return service.acknowledge(session=session, officer=officer, case=case)


def add_action(
    *, session: Session, officer: StaffUser, case: SafeguardingCase, kind: ActionKind | str,
    reference: str | None = None, note: str | None = None, assessment: Assessment | str | None = None,
) -> SafeguardingAction:
    with transaction(session):
        return service.add_action(session=session, officer=officer, case=case, kind=kind, reference=reference, note=note, assessment=assessment)


def close(*, session: Session, officer: StaffUser, case: SafeguardingCase, outcome: Outcome | str, note: str | None = None) -> SafeguardingCase:
    with transaction(session):
        return service.close(session=session, officer=officer, case=case, outcome=outcome, note=note)


def reidentify(*, session: Session, officer: StaffUser, case: SafeguardingCase, reason: str) -> service.Identity:
    """SG-03: read who the child is, with a reason; the reading is logged in the same transaction."""
    with transaction(session):
        return service.reidentify(session=session, officer=officer, case=case, reason=reason)


def open_case_from_possible(*, session: Session, officer: StaffUser, concern: PossibleConcern) -> SafeguardingCase:
    """Issue 14: one tap on the "please read" list opens a case (and the words leave moderation unpublished)."""
    with transaction(session):
        return service.open_case_from_possible(session=session, officer=officer, concern=concern)


def return_possible(*, session: Session, officer: StaffUser, concern: PossibleConcern) -> PossibleConcern:
    """Issue 14: one tap: not a safeguarding matter, back to the moderators' queue."""
    with transaction(session):
        return service.return_possible(session=session, officer=officer, concern=concern)


def _each(session: Session, ids: Sequence[int], step) -> int:  # noqa: ANN001
    done = 0
    for one in ids:
        with transaction(session):
            done += bool(step(one))
    return done


def escalate_due(*, session: Session, now: dt.datetime | None = None) -> int:
    """SG-01: every case nobody acknowledged in time goes to the administrators, once each (the worker and
    `yimi safeguarding escalate`). Returns how many this call escalated."""
    now = now or utcnow()
    ids = service.cases_due(session=session, now=now)
    return _each(session, ids, lambda case_id: service.escalate_case(session=session, case_id=case_id, now=now))


def escalate_unread_due(*, session: Session, now: dt.datetime | None = None) -> int:
    """Issue 14: words on the "please read" list nobody read in time go to the administrators, once each."""
    now = now or utcnow()
    ids = service.concerns_due(session=session, now=now)
    return _each(session, ids, lambda concern_id: service.escalate_unread(session=session, concern_id=concern_id, now=now))
