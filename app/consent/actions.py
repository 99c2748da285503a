"""Consent's use cases, one function each (docs/architecture.md, "Who commits"): each opens the unit of work,
calls the services (`service`, `guardians`, `rights`, which never commit) and commits once; a refusal inside
leaves nothing behind. Views, the API and the command line call these."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from app.accounts.models import StaffUser
from app.consent import guardians, rights
from app.consent import service as consent
from app.consent.files import NoticeVersionFile
from app.consent.models import (
    ConsentEvent,
    ConsentStatus,
    DecidedBy,
    Decision,
    DeletionReceipt,
    Guardian,
    GuardianOtp,
    GuardianSession,
    NoticeVersion,
    Purpose,
    RightsRequest,
)
from app.core import audit
from app.core.db import transaction
from app.corps.models import Child
from app.notifications import actions as notifications

# ---- the consent letter and the guardian's sign-in (CON-02, CON-05) --------------------------------


def issue_letter_code(*, session: Session, actor: StaffUser, child: Child) -> str:
    """Staff print a consent letter: a new single-use code (returned once, for the letter)."""
    with transaction(session):
        return guardians.issue_letter_code(session=session, actor=actor, child=child)


def send_guardian_code(*, session: Session, letter_code: str, raw_contact: str, locale: str) -> guardians.SentCode:
    """A guardian types the letter's code and their contact: a one-time code is queued with the flow, committed,
    then delivered at once if the channel answers (otherwise the outbox worker retries)."""
    with transaction(session):
        sent = guardians.send_otp(session=session, letter_code=letter_code, raw_contact=raw_contact, locale=locale)
    sent.delivered = notifications.deliver_now(session=session, message_id=sent.message_id)
    return sent


def verify_guardian_code(*, session: Session, flow: GuardianOtp, code: str, locale: str) -> guardians.Verified:
    """The guardian types the one-time code: the try is counted and committed first (a wrong code still
    counts), then the guardian is linked to the child and signed in, all at once or not at all."""
    with transaction(session):
        attempts = guardians.count_try(session=session, flow=flow)
    with transaction(session):
        return guardians.verify_otp(session=session, flow=flow, code=code, attempts=attempts, locale=locale)


def resume_guardian_session(*, session: Session, raw: str) -> tuple[Guardian, GuardianSession] | None:
    """A guardian's page loads: the guardian behind the cookie, their last use noted."""
    with transaction(session):
        return guardians.resolve_session(session=session, raw=raw)


def sign_out_guardian(*, session: Session, guardian_session: GuardianSession) -> None:
    with transaction(session):
        guardians.end_session(session=session, guardian_session=guardian_session)


# ---- decisions (CON-04 … CON-09) -------------------------------------------------------------------


def guardian_decides(
    *, session: Session, guardian: Guardian, child: Child, choices: dict[str, str], form_token: str
) -> list[ConsentEvent]:
    """A guardian agrees or not, purpose by purpose (the same form sent twice records nothing twice)."""
    with transaction(session):
        return guardians.record_decisions(session=session, guardian=guardian, child=child, choices=choices, form_token=form_token)


def guardian_withdraws(*, session: Session, guardian: Guardian, child: Child, purpose: Purpose) -> ConsentEvent:
    """CON-07: one step, effective at once; every domain stops processing in the same transaction."""
    with transaction(session):
        return rights.withdraw(session=session, guardian=guardian, child=child, purpose=purpose)


def child_assents(*, session: Session, child: Child, yes: bool, channel: str, form_token: str) -> ConsentEvent:
    """CON-08: a child under 14 says yes or "not now" themselves, after a guardian agreed."""
    with transaction(session):
        return consent.record(
            session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.GRANTED if yes else Decision.REFUSED,
            decided_by=DecidedBy.CHILD_ASSENT, channel=channel, notice_version=consent.current_version(session=session),
            idempotency_key=f"assent:{child.id}:{form_token}",
        )


def child_stops(*, session: Session, child: Child, channel: str, form_token: str) -> ConsentEvent | None:
    """"I don't want to take part any more": taking part is withdrawn by the child (or the young person), at
    once. Nothing is recorded when taking part was not allowed anyway."""
    with transaction(session):
        if not consent.allows(session=session, child=child, purpose=Purpose.PARTICIPATE):
            return None
        teen = consent.decides_for_themselves(child)
        return consent.record(
            session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.WITHDRAWN,
            decided_by=DecidedBy.SELF if teen else DecidedBy.CHILD_ASSENT, channel=channel,
            notice_version=consent.current_version(session=session), idempotency_key=f"stop:{child.id}:{form_token}",
        )


def young_person_decides(*, session: Session, child: Child, agree: dict[str, bool], channel: str, form_token: str) -> list[ConsentEvent]:
    """CON-09: a young person of 14-17 decides each purpose for themselves (purpose code → agrees); a "don't
    agree" to what was agreed is a withdrawal."""
    with transaction(session):
        version = consent.current_version(session=session)
        states = consent.states_of(session=session, child=child)
        expires_at = consent.programme_year_end()
        events = []
        for code, agrees in agree.items():
            purpose = Purpose(code)
            state = states.get(purpose)
            if agrees:
                decision = Decision.GRANTED
            elif state is not None and state.status == ConsentStatus.GRANTED.value:
                decision = Decision.WITHDRAWN
            else:
                decision = Decision.REFUSED
            events.append(consent.record(
                session=session, child=child, purpose=purpose, decision=decision, decided_by=DecidedBy.SELF,
                channel=channel, notice_version=version, expires_at=expires_at, idempotency_key=f"self:{child.id}:{code}:{form_token}",
            ))
        return events


# ---- the guardian's rights (DP-*, INT-08) -----------------------------------------------------------


def export_child_data(*, session: Session, guardian: Guardian, child: Child) -> dict[str, object]:
    """The guardian downloads everything held about the child (the download is audited)."""
    with transaction(session):
        return rights.export(session=session, guardian=guardian, child=child)


def file_rights_request(*, session: Session, guardian: Guardian, child: Child, kind: str, text: str) -> RightsRequest:
    with transaction(session):
        return rights.file_request(session=session, guardian=guardian, child=child, kind=kind, text=text)


def answer_rights_request(*, session: Session, actor: StaffUser, request_id: int, answer: str) -> RightsRequest:
    with transaction(session):
        return rights.answer_request(session=session, actor=actor, request_id=request_id, answer=answer)


def erase_child(*, session: Session, child: Child, requested_by: str, actor: audit.Actor | tuple[str, str | None]) -> DeletionReceipt:
    """Everything held about the child is deleted in one transaction, by every domain that holds some
    (app/core/child_data.py), and a deletion receipt is kept; stored files go once it has committed."""
    with transaction(session):
        return rights.erase(session=session, child=child, requested_by=requested_by, actor=actor)


# ---- notices, renewal and expiry (CON-06, CON-14): `yimi consent sync`, `yimi consent expire` -------


def sync_notices(*, session: Session, versions: list[NoticeVersionFile]) -> consent.SyncResult:
    """Load the notice versions, all in one transaction: a changed loaded version refuses the whole sync."""
    with transaction(session):
        return consent.sync_notices(session=session, versions=versions)


def notify_material_change(*, session: Session, versions: list[NoticeVersion] | None = None) -> int:
    """Tell every guardian whose child's consent a material change superseded (once per guardian and version)."""
    with transaction(session):
        return consent.notify_material_change(session=session, versions=versions)


def expire_due(*, session: Session, now: dt.datetime | None = None) -> int:
    """Consents whose programme year has ended expire (idempotent; processing stops at once)."""
    with transaction(session):
        return consent.expire_due(session=session, now=now)
