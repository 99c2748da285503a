"""What people do in the observer corps, one function per use case: each opens the unit of work, calls the
service (which never commits), and commits once (docs/architecture.md, "Who commits").

A child's sign-in (picture code or personal code) and ending a tablet's group session (a facilitator's
password) are made of several units of work in a row (issue 13): a try is counted and committed BEFORE the
secret is checked, a wrong secret is settled in a second, and a right one is proved in a third that also
writes what the proof allows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlmodel import Session

from app.accounts import actions as accounts
from app.accounts import service as accounts_service
from app.accounts.models import StaffSession, StaffUser
from app.core.audit import Actor
from app.core.db import transaction
from app.core.i18n import N_
from app.core.security import verify_code
from app.corps import service
from app.corps.models import (
    Child,
    ChildCreate,
    ChildIdentity,
    ChildSession,
    ChildStatus,
    District,
    Group,
    GroupKind,
    GroupSession,
)
from app.corps.service import (
    PERSONAL_CODE_LOCKED,
    PERSONAL_CODE_WRONG,
    AgeTransitions,
    ChildLocked,
    ChildLookup,
    ChildSignIn,
    PreparedChild,
    WrongCode,
)

# ---- districts and groups ------------------------------------------------------------------------


def create_district(*, session: Session, actor: Actor | tuple[str, str | None] | None, code: str, name: dict[str, str]) -> District:
    with transaction(session):
        return service.create_district(session=session, actor=actor, code=code, name=name)


def ensure_district(*, session: Session, actor: Actor | tuple[str, str | None] | None, code: str, name: dict[str, str]) -> District:
    """The district with this code, created if missing (the demo, tests)."""
    with transaction(session):
        return service.ensure_district(session=session, actor=actor, code=code, name=name)


def create_group(
    *, session: Session, actor: Actor | tuple[str, str | None] | None, district_id: int, code: str, name: dict[str, str], kind: GroupKind
) -> Group:
    with transaction(session):
        return service.create_group(session=session, actor=actor, district_id=district_id, code=code, name=name, kind=kind)


def ensure_group(
    *, session: Session, actor: Actor | tuple[str, str | None] | None, district: District, code: str, name: dict[str, str], kind: GroupKind
) -> Group:
    with transaction(session):
        return service.ensure_group(session=session, actor=actor, district=district, code=code, name=name, kind=kind)


def set_facilitators(*, session: Session, actor: StaffUser, group: Group, user_ids: Iterable[int]) -> list[StaffUser]:
    with transaction(session):
        return service.set_facilitators(session=session, actor=actor, group=group, user_ids=user_ids)


# ---- children ------------------------------------------------------------------------------------


def enrol(*, session: Session, actor: StaffUser | None, group: Group, data: ChildCreate) -> tuple[Child, list[str]]:
    """Enrol one child; returns the child and their picture code (shown once, to print)."""
    with transaction(session):
        return service.enrol(session=session, actor=actor, group=group, data=data)


def import_children(*, session: Session, actor: StaffUser | None, group: Group, rows: list[ChildCreate]) -> list[tuple[Child, list[str]]]:
    """A CSV import from the page or the API: all or nothing, one unit of work."""
    with transaction(session):
        return service.enrol_many(session=session, actor=actor, group=group, rows=rows)


def import_prepared(
    *, session: Session, actor: StaffUser | None, group: Group, prepared: list[PreparedChild]
) -> list[tuple[Child, list[str]]]:
    """The command line's import, whose picture codes were hashed (slowly) and written out beforehand."""
    with transaction(session):
        return service.enrol_prepared(session=session, actor=actor, group=group, prepared=prepared)


def reset_picture_code(*, session: Session, actor: StaffUser, child: Child) -> list[str]:
    with transaction(session):
        return service.reset_picture_code(session=session, actor=actor, child=child)


def issue_personal_code(*, session: Session, actor: StaffUser, child: Child) -> str:
    with transaction(session):
        return service.issue_personal_code(session=session, actor=actor, child=child)


def unlock(*, session: Session, actor: StaffUser, child: Child) -> Child:
    with transaction(session):
        return service.unlock(session=session, actor=actor, child=child)


def set_status(*, session: Session, actor: StaffUser, child: Child, status: ChildStatus) -> Child:
    with transaction(session):
        return service.set_status(session=session, actor=actor, child=child, status=status)


def read_identity(*, session: Session, actor: StaffUser, child: Child, reason: str) -> ChildIdentity | None:
    """SEC-02: every read of a child's identity is logged with who, when and why."""
    with transaction(session):
        return service.read_identity(session=session, actor=actor, child=child, reason=reason)


def set_identity(*, session: Session, actor: StaffUser, child: Child, real_name: str | None, notes: str | None, reason: str) -> ChildIdentity:
    with transaction(session):
        return service.set_identity(session=session, actor=actor, child=child, real_name=real_name, notes=notes, reason=reason)


def run_age_transitions(*, session: Session, today: dt.date | None = None) -> AgeTransitions:
    """The daily job, or an administrator running it by hand (idempotent)."""
    with transaction(session):
        return service.run_age_transitions(session=session, today=today)


# ---- tablets -------------------------------------------------------------------------------------


def open_tablet(
    *, session: Session, actor: StaffUser, group: Group, hours: float = service.GROUP_SESSION_DEFAULT_HOURS,
    staff_session: StaffSession | None = None,
) -> tuple[GroupSession, str]:
    """A facilitator opens a tablet for their group; their own session on this device ends with it, so staff
    pages are out of reach from the tablet."""
    with transaction(session):
        opened = service.open_group_session(session=session, actor=actor, group=group, hours=hours)
        if staff_session is not None:
            accounts_service.end_session(session=session, staff_session=staff_session, user=actor)
    return opened


def end_group_session(
    *, session: Session, group_session: GroupSession, username: str, password: str, ip_address: str | None = None
) -> StaffUser:
    """Ending a tablet's group session needs the password of one of the group's facilitators, with the
    lock-out of a sign-in: the try is committed before the password is checked (accounts.check_password)."""
    checked = accounts.check_password(session=session, username=username, password=password, ip_address=ip_address)
    with transaction(session):  # the proof and the ending together
        proved = accounts_service.settle_right(session, checked.user, checked.at, checked.new_hash, ip_address=ip_address)
        facilitator = proved and group_session.group_id in service.facilitator_group_ids(session=session, user=checked.user)
        if facilitator:
            service.end_group_session(session=session, group_session=group_session, user=checked.user)
    if not proved:
        raise accounts.locked()
    if not facilitator:
        raise accounts_service.SignInFailed(N_("Only a facilitator of this group can end its session."))
    return checked.user


# ---- a child signs in and out --------------------------------------------------------------------


def _check_code(session: Session, child: Child, given: str, column: str, locked: ChildLocked, wrong: WrongCode) -> str | None:
    """The first two units of work of a child's sign-in: reserve a try and commit it, check the code (slow,
    no transaction open), settle a wrong one and commit. Raises `locked` or `wrong`; for a right code, the
    code's new hash if it needs one (the caller proves it with `service.settle_right`)."""
    stored = getattr(child, column)
    with transaction(session):
        count = service.reserve_try(session, child)
    if count is None:
        raise locked
    ok, new_hash = verify_code(given, stored)
    if not ok:
        with transaction(session):
            now_locked = service.settle_wrong(session, child, count)
        raise locked if now_locked else wrong
    return new_hash


def _prove_and_start(
    session: Session, child: Child, new_hash: str | None, column: str, group_session: GroupSession | None,
    locked: ChildLocked, **details: object,
) -> ChildSignIn:
    with transaction(session):  # the proof and the session together: no session begins after a lock
        result = None
        if service.settle_right(session, child, new_hash, column):
            result = service.start_child_session(session=session, child=child, group_session=group_session, **details)
    if result is None:
        raise locked
    return result


def sign_in_child(*, session: Session, group_session: GroupSession, child_id: int, code: Iterable[str]) -> ChildSignIn:
    """A child taps their avatar and their three pictures on the group's tablet."""
    child = service.tablet_child(session=session, group_session=group_session, child_id=child_id)
    picked = service.valid_code(code)
    column = "picture_code_hash"
    new_hash = _check_code(session, child, service.code_text(picked), column, ChildLocked(), WrongCode())
    return _prove_and_start(session, child, new_hash, column, group_session, ChildLocked(), group_session_id=group_session.id)


def sign_in_with_personal_code(*, session: Session, code: str) -> ChildSignIn:
    """A 14-17-year-old on their own phone: the same lock-out as picture codes."""
    child, secret = service.personal_code_child(session=session, code=code)
    column = "personal_code_hash"
    new_hash = _check_code(session, child, secret, column, ChildLocked(PERSONAL_CODE_LOCKED), WrongCode(PERSONAL_CODE_WRONG))
    return _prove_and_start(session, child, new_hash, column, None, ChildLocked(PERSONAL_CODE_LOCKED), personal_code=True)


def resolve_child_session(*, session: Session, raw: str) -> ChildLookup:
    """The child behind a session cookie (every request of a child): ends a session that has run out, and
    touches a live one now and then."""
    with transaction(session):
        return service.resolve_child_session(session=session, raw=raw)


def still_here(*, session: Session, child_session: ChildSession) -> ChildSession:
    """The one-tap 'I'm still here' (A11Y-07): the idle time starts again."""
    with transaction(session):
        return service.still_here(session=session, child_session=child_session)


def sign_out_child(*, session: Session, child_session: ChildSession, child: Child, reason: str = "done") -> None:
    with transaction(session):
        service.end_child_session(session=session, child_session=child_session, child=child, reason=reason)

