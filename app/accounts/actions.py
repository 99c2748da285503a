"""What a person does with staff accounts, one function per use case: each opens the unit of work, calls the
service (which never commits), and commits once (docs/architecture.md, "Who commits").

Signing in is the one use case made of several units of work in a row (issue 13): a try is counted and
committed BEFORE the password is checked, a wrong password is settled in a second, and a right one is proved
in a third that also starts the session."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session

from app.accounts import service
from app.accounts.models import (
    ApiToken,
    Department,
    Role,
    StaffRole,
    StaffSession,
    StaffUser,
    StaffUserCreate,
)
from app.accounts.service import AccountLocked, SessionLookup, SignIn, SignInFailed
from app.core.config import get_settings
from app.core.db import transaction, utcnow
from app.core.security import verify_password

# ---- who is there (every request) ----------------------------------------------------------------


def resolve_session(*, session: Session, token: str) -> SessionLookup:
    """The live session behind a cookie: ends an idle one, and touches a live one now and then."""
    with transaction(session):
        return service.resolve_session(session=session, token=token)


def user_for_api_token(*, session: Session, raw: str) -> StaffUser | None:
    """The user behind a bearer token, noting when the token was last used."""
    with transaction(session):
        return service.user_for_api_token(session=session, raw=raw)


# ---- signing in and out --------------------------------------------------------------------------


@dataclass
class Checked:
    """A password found right, whose proof (`service.settle_right`) is still to be written."""

    user: StaffUser
    at: dt.datetime
    new_hash: str | None


def locked() -> AccountLocked:
    return AccountLocked(minutes=get_settings().sign_in_lock_minutes)


def check_password(*, session: Session, username: str, password: str, ip_address: str | None = None) -> Checked:
    """The first two units of work of every proof of identity (sign-in, ending a tablet's group session):
    reserve a try and commit it, check the password (slow, with no transaction open), settle a wrong one and
    commit. Raises SignInFailed or AccountLocked. For a right password the caller opens the third unit of
    work: `service.settle_right(…)` and, only if it proves the account is not locked, what the proof allows."""
    now = utcnow()
    user = service.get_by_username(session=session, username=username)
    if user is None or not user.is_active:
        verify_password(password, None)  # the same time as a real check
        raise SignInFailed()
    with transaction(session):
        count = service.reserve_try(session, user, now)
        if count is None:
            service.refuse_locked(session, user, ip_address)
    if count is None:
        raise locked()
    ok, new_hash = verify_password(password, user.password_hash)
    if not ok:
        with transaction(session):
            locked_until = service.settle_wrong(session, user, now, count=count, ip_address=ip_address)
        raise locked() if locked_until else SignInFailed()
    return Checked(user=user, at=now, new_hash=new_hash)


def sign_in(
    *, session: Session, username: str, password: str, ip_address: str | None = None, user_agent: str | None = None
) -> SignIn:
    checked = check_password(session=session, username=username, password=password, ip_address=ip_address)
    with transaction(session):  # the proof and the session together: no session begins after a lock
        result = None
        if service.settle_right(session, checked.user, checked.at, checked.new_hash, ip_address=ip_address):
            result = service.start_session(session=session, user=checked.user, ip_address=ip_address, user_agent=user_agent)
    if result is None:
        raise locked()
    return result


def sign_out(*, session: Session, staff_session: StaffSession, user: StaffUser) -> None:
    with transaction(session):
        service.end_session(session=session, staff_session=staff_session, user=user)


def sign_out_everywhere(*, session: Session, actor: StaffUser, user: StaffUser) -> int:
    with transaction(session):
        return service.end_all_sessions(session=session, actor=actor, user=user)


def revoke_session(*, session: Session, actor: StaffUser, user: StaffUser, session_id: int) -> None:
    with transaction(session):
        service.revoke_session(session=session, actor=actor, user=user, session_id=session_id)


def change_password(
    *, session: Session, user: StaffUser, current: str, new: str, keep_session_id: int | None = None
) -> None:
    with transaction(session):
        service.change_password(session=session, user=user, current=current, new=new, keep_session_id=keep_session_id)


# ---- administration ------------------------------------------------------------------------------


def create(
    *, session: Session, actor: StaffUser | None, data: StaffUserCreate, trained: bool = False
) -> tuple[StaffUser, str | None]:
    """A new staff user, and the temporary password when none was given (shown once)."""
    with transaction(session):
        return service.create(session=session, actor=actor, data=data, trained=trained)


def update_profile(*, session: Session, actor: StaffUser, user: StaffUser, display_name: str) -> StaffUser:
    with transaction(session):
        return service.update_profile(session=session, actor=actor, user=user, display_name=display_name)


def add_department(*, session: Session, actor: StaffUser | None, code: str, zh: str, en: str) -> Department:
    with transaction(session):
        return service.add_department(session=session, actor=actor, code=code, zh=zh, en=en)


def set_department(*, session: Session, actor: StaffUser, user: StaffUser, department_id: int | None) -> StaffUser:
    with transaction(session):
        return service.set_department(session=session, actor=actor, user=user, department_id=department_id)


def update_user(
    *, session: Session, actor: StaffUser, user: StaffUser, display_name: str | None = None, is_active: bool | None = None,
    department_id: int | None = None, set_department: bool = False,
) -> StaffUser:
    """The API's PATCH: the name, the active flag and the department (issue 16), any of them."""
    with transaction(session):
        if set_department:
            service.set_department(session=session, actor=actor, user=user, department_id=department_id)
        if display_name is not None:
            service.update_profile(session=session, actor=actor, user=user, display_name=display_name)
        if is_active is not None and is_active != user.is_active:
            service.set_active(session=session, actor=actor, user=user, active=is_active)
    return user


def set_roles(*, session: Session, actor: StaffUser, user: StaffUser, roles: Iterable[Role]) -> StaffUser:
    with transaction(session):
        return service.set_roles(session=session, actor=actor, user=user, roles=roles)


def record_training(*, session: Session, actor: StaffUser, user: StaffUser, role: Role, note: str | None = None) -> StaffRole:
    """PAR-10: the administrator records that the person completed the training for this role."""
    with transaction(session):
        return service.record_training(session=session, actor=actor, user=user, role=role, note=note)


def reset_password(*, session: Session, actor: StaffUser, user: StaffUser) -> str:
    with transaction(session):
        return service.reset_password(session=session, actor=actor, user=user)


def set_active(*, session: Session, actor: StaffUser, user: StaffUser, active: bool) -> StaffUser:
    with transaction(session):
        return service.set_active(session=session, actor=actor, user=user, active=active)


def unlock(*, session: Session, actor: StaffUser, user: StaffUser) -> StaffUser:
    with transaction(session):
        return service.unlock(session=session, actor=actor, user=user)


def issue_token(
    *, session: Session, actor: StaffUser, user: StaffUser, name: str, expires_in_days: int = 90
) -> tuple[ApiToken, str]:
    with transaction(session):
        return service.issue_token(session=session, actor=actor, user=user, name=name, expires_in_days=expires_in_days)


def revoke_token(*, session: Session, actor: StaffUser, token: ApiToken) -> ApiToken:
    with transaction(session):
        return service.revoke_token(session=session, actor=actor, token=token)
