"""Every rule about staff accounts: creation, roles and training, sign-in and lock-out, sessions, API tokens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import case, func, literal, or_, update
from sqlmodel import Session, col, select

from app.accounts.models import (
    DISPLAY_NAME,
    PASSWORD,
    TOKEN_NAME,
    TRAINING_NOTE,
    USERNAME,
    USERNAME_RE,
    ApiToken,
    Department,
    Role,
    StaffRole,
    StaffSession,
    StaffUser,
    StaffUserCreate,
)
from app.core import audit
from app.core.config import get_settings
from app.core.db import UTCDateTime, flush_or_conflict, utcnow
from app.core.errors import Conflict, InvalidInput, NotFound, UnknownReference, YimiError
from app.core.i18n import N_
from app.core.security import (
    MIN_PASSWORD_LENGTH,
    generate_password,
    hash_password,
    new_token,
    token_hash,
    verify_password,
)

# Touch a session's last-seen time at most this often: a write per request would serialise SQLite.
TOUCH_EVERY = dt.timedelta(seconds=60)
COMMON_PASSWORDS = {"password123", "1234567890", "qwertyuiop", "yimiyimiyimi", "administrator"}


class SignInFailed(YimiError):
    status_code = 400
    title = N_("Sign-in did not work")
    detail = N_("That username and password do not match. Please try again.")
    slug = "sign-in-failed"


class AccountLocked(YimiError):
    status_code = 400
    title = N_("Sign-in is paused")
    detail = N_(
        "There were too many wrong passwords for this account, so it is locked for %(minutes)s minutes. "
        "Try again later, or ask an administrator to unlock it."
    )
    slug = "account-locked"


class WeakPassword(InvalidInput):
    """A password that is too short or too easy to guess (its words say which). Beyond a schema: whether it
    holds the username or is a common password is not a rule of the text alone."""

    slug = "weak-password"


# ---- users ---------------------------------------------------------------------------------------


def normalise_username(username: str) -> str:
    return username.strip().lower()


def validate_username(username: str) -> str:
    username = normalise_username(username)
    if not USERNAME_RE.match(username):
        raise InvalidInput(
            N_("A username has %(min)s to %(max)s characters: lower-case letters, digits, dots, dashes or underscores."),
            errors=[{"loc": ["username"], "msg": "invalid username", "type": "value_error"}], min=USERNAME.min, max=USERNAME.max,
        )
    return username


def validate_password(password: str, *, username: str) -> None:
    PASSWORD.check(password)
    problem = None
    if len(password) < MIN_PASSWORD_LENGTH:
        problem = N_("A password needs at least %(min)s characters.")
    elif password.lower() in COMMON_PASSWORDS or username and username in password.lower():
        problem = N_("This password is too easy to guess. Please choose another.")
    if problem:
        raise WeakPassword(
            problem, errors=[{"loc": ["password"], "msg": "weak password", "type": "value_error"}], min=MIN_PASSWORD_LENGTH
        )


def validate_display_name(display_name: str) -> str:
    return DISPLAY_NAME.clean(display_name)


def get(*, session: Session, user_id: int) -> StaffUser:
    user = session.get(StaffUser, user_id)
    if user is None:
        raise NotFound()
    return user


# ---- departments (issue 16) ------------------------------------------------------------------------------

DEPARTMENT_CODE_RE = r"^[a-z0-9][a-z0-9_-]{1,39}$"


def departments(*, session: Session) -> list[Department]:
    return list(session.exec(select(Department).order_by(col(Department.code))).all())


def department_name(*, session: Session, department_id: int | None) -> dict[str, str] | None:
    """The names of a department ({zh_Hans, en}), None for none (city-wide) or an unknown id."""
    found = session.get(Department, department_id) if department_id is not None else None
    return found.name if found else None


def add_department(*, session: Session, actor: StaffUser | None, code: str, zh: str, en: str) -> Department:
    import re

    code = code.strip().lower()
    if not re.match(DEPARTMENT_CODE_RE, code):
        raise InvalidInput(N_("A department code is 2 to 40 lower-case letters, digits, hyphens or underscores."))
    if not zh.strip() or not en.strip() or len(zh) > 100 or len(en) > 100:
        raise InvalidInput(N_("Please give the department's name in Chinese and in English (1 to 100 characters each)."))
    if session.exec(select(Department).where(Department.code == code)).first() is not None:
        raise Conflict(N_("A department with this code exists already."))
    department = Department(code=code, name={"zh_Hans": zh.strip(), "en": en.strip()})
    session.add(department)
    audit.record(session, actor=actor, action="department.create", subject=department, code=code)
    return department


def require_department(*, session: Session, department_id: int | None) -> None:
    """A department given for a person or a consultation must exist (None: city-wide, every department)."""
    if department_id is not None and session.get(Department, department_id) is None:
        raise UnknownReference(N_("There is no such department."))


def set_department(*, session: Session, actor: StaffUser, user: StaffUser, department_id: int | None) -> StaffUser:
    """Issue 16: the staff user's department; None makes them city-wide staff."""
    require_department(session=session, department_id=department_id)
    if user.department_id != department_id:
        user.department_id = department_id
        session.add(user)
        audit.record(session, actor=actor, action="staff.department", subject=user, department_id=department_id)
    return user


def get_by_username(*, session: Session, username: str) -> StaffUser | None:
    return session.exec(select(StaffUser).where(StaffUser.username == normalise_username(username))).first()


def get_all(
    *, session: Session, search: str | None = None, role: Role | None = None, include_inactive: bool = True
) -> list[StaffUser]:
    query = select(StaffUser).order_by(col(StaffUser.username))
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(
            or_(col(StaffUser.username).like(pattern), func.lower(col(StaffUser.display_name)).like(pattern))
        )
    if role:
        query = query.where(col(StaffUser.id).in_(select(StaffRole.user_id).where(StaffRole.role == role.value)))
    if not include_inactive:
        query = query.where(col(StaffUser.is_active).is_(True))
    return list(session.exec(query).all())


def create(
    *, session: Session, actor: StaffUser | None, data: StaffUserCreate, trained: bool = False
) -> tuple[StaffUser, str | None]:
    """Create a staff user. Returns the user and, when no password was given, the temporary one (shown once)."""
    username = validate_username(data.username)
    display_name = validate_display_name(data.display_name)
    temporary = None
    if data.password:
        validate_password(data.password, username=username)
        password = data.password
    else:
        password = temporary = generate_password()
    user = StaffUser(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        must_change_password=temporary is not None,
    )
    now = utcnow()
    user.roles = [
        StaffRole(
            role=role.value,
            assigned_by_id=actor.id if actor else None,
            trained_at=now if trained else None,
            training_recorded_by_id=actor.id if (trained and actor) else None,
        )
        for role in dict.fromkeys(data.roles)
    ]
    session.add(user)
    flush_or_conflict(session, N_("The username %(username)s is already taken."), username=username)
    audit.record(session, actor=actor, action="staff.create", subject=user, username=username, roles=sorted(data.roles))
    return user, temporary


def update_profile(*, session: Session, actor: StaffUser, user: StaffUser, display_name: str) -> StaffUser:
    user.display_name = validate_display_name(display_name)
    session.add(user)
    audit.record(session, actor=actor, action="staff.update", subject=user, display_name=user.display_name)
    return user


def _active_admin_ids(session: Session) -> set[int]:
    rows = session.exec(
        select(StaffUser.id)
        .join(StaffRole, col(StaffRole.user_id) == col(StaffUser.id))
        .where(StaffRole.role == Role.ADMIN.value, col(StaffUser.is_active).is_(True))
    ).all()
    return {r for r in rows if r is not None}


def _refuse_losing_last_admin(session: Session, user: StaffUser) -> None:
    if _active_admin_ids(session) == {user.id}:
        raise Conflict(N_("Yimi needs at least one active administrator. Make someone else an administrator first."))


def set_roles(*, session: Session, actor: StaffUser, user: StaffUser, roles: Iterable[Role]) -> StaffUser:
    wanted = {Role(r) for r in roles}
    current = {Role(r.role) for r in user.roles}
    if Role.ADMIN in current and Role.ADMIN not in wanted:
        _refuse_losing_last_admin(session, user)
    if actor.id == user.id and wanted != current:
        # Nobody raises or lowers their own rights: another administrator does it, and it is audited as theirs.
        raise Conflict(N_("You cannot change your own roles. Ask another administrator."))
    added, removed = wanted - current, current - wanted
    user.roles = [r for r in user.roles if Role(r.role) in wanted] + [
        StaffRole(role=role.value, assigned_by_id=actor.id) for role in sorted(added)
    ]
    session.add(user)
    session.flush()
    audit.record(
        session, actor=actor, action="staff.roles", subject=user, added=sorted(added), removed=sorted(removed)
    )
    session.refresh(user)
    return user


def record_training(*, session: Session, actor: StaffUser, user: StaffUser, role: Role, note: str | None = None) -> StaffRole:
    """PAR-10: the administrator records that the person completed the training for this role."""
    assignment = user.role(role)
    if assignment is None:
        raise NotFound(N_("This person does not have that role."))
    training_note = TRAINING_NOTE.clean(note) or None
    assignment.trained_at = utcnow()
    assignment.training_recorded_by_id = actor.id
    assignment.training_note = training_note
    session.add(assignment)
    audit.record(session, actor=actor, action="staff.training_recorded", subject=user, role=role.value, note=assignment.training_note)
    return assignment


def reset_password(*, session: Session, actor: StaffUser, user: StaffUser) -> str:
    """A temporary password, shown once; the user must choose a new one, and every session ends."""
    if actor.id == user.id:
        raise Conflict(N_("To change your own password, use your account page."))
    temporary = generate_password()
    user.password_hash = hash_password(temporary)
    user.must_change_password = True
    user.password_changed_at = utcnow()
    _clear_lock(user)
    session.add(user)
    _revoke_sessions(session, user, reason="password_reset")
    tokens = _revoke_tokens(session, user)
    audit.record(session, actor=actor, action="staff.password_reset", subject=user, tokens_revoked=tokens)
    return temporary


def change_password(
    *, session: Session, user: StaffUser, current: str, new: str, keep_session_id: int | None = None
) -> None:
    ok, _ = verify_password(current, user.password_hash)
    if not ok:
        raise InvalidInput(
            N_("Your current password is not right."),
            errors=[{"loc": ["current_password"], "msg": "wrong password", "type": "value_error"}],
        )
    validate_password(new, username=user.username)
    if new == current:
        raise InvalidInput(
            N_("Please choose a password different from the old one."),
            errors=[{"loc": ["new_password"], "msg": "same password", "type": "value_error"}],
        )
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    session.add(user)
    _revoke_sessions(session, user, reason="password_changed", keep_id=keep_session_id)
    audit.record(session, actor=user, action="staff.password_changed", subject=user)


def set_active(*, session: Session, actor: StaffUser, user: StaffUser, active: bool) -> StaffUser:
    if not active:
        if user.id == actor.id:
            raise Conflict(N_("You cannot deactivate your own account."))
        if any(r.role == Role.ADMIN.value for r in user.roles):
            _refuse_losing_last_admin(session, user)
        _revoke_sessions(session, user, reason="deactivated")
        _revoke_tokens(session, user)
    user.is_active = active
    session.add(user)
    audit.record(session, actor=actor, action="staff.activate" if active else "staff.deactivate", subject=user)
    return user


def unlock(*, session: Session, actor: StaffUser, user: StaffUser) -> StaffUser:
    _clear_lock(user)
    session.add(user)
    audit.record(session, actor=actor, action="staff.unlock", subject=user)
    return user


def _clear_lock(user: StaffUser) -> None:
    user.failed_sign_ins = 0
    user.first_failed_at = None
    user.locked_until = None


# ---- sign-in and sessions ------------------------------------------------------------------------


@dataclass
class SignIn:
    user: StaffUser
    staff_session: StaffSession
    token: str


def _not_locked(now: dt.datetime):  # noqa: ANN202
    until = col(StaffUser.locked_until)
    return or_(until.is_(None), until <= literal(now, UTCDateTime()))


def reserve_try(session: Session, user: StaffUser, now: dt.datetime) -> int | None:
    """Count this try as a wrong password BEFORE the password is checked (one UPDATE; issue 13). The sign-in
    action commits it before the slow check, so however many tries arrive at once, each finds the others.

    The count starts again when the window has passed or a lock has run out. Only an active user who is not
    locked and has fewer than the limit counted in the window gets a try, so at most the remaining ones are
    checked. Returns the count with this try, or None (locked, inactive, or every remaining try is being
    checked right now); then the refusal is recorded."""
    settings = get_settings()
    cutoff = literal(now - dt.timedelta(minutes=settings.sign_in_window_minutes), UTCDateTime())
    first = col(StaffUser.first_failed_at)
    fresh = or_(first.is_(None), first < cutoff, col(StaffUser.locked_until) <= literal(now, UTCDateTime()))
    count = session.execute(
        update(StaffUser)
        .where(
            col(StaffUser.id) == user.id, col(StaffUser.is_active).is_(True), _not_locked(now),
            or_(fresh, col(StaffUser.failed_sign_ins) < settings.sign_in_max_failures),
        )
        .values(
            failed_sign_ins=case((fresh, 1), else_=col(StaffUser.failed_sign_ins) + 1),
            first_failed_at=case((fresh, literal(now, UTCDateTime())), else_=first),
            locked_until=case((fresh, None), else_=col(StaffUser.locked_until)),
        )
        .returning(col(StaffUser.failed_sign_ins))
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    session.expire(user)
    return count


def refuse_locked(session: Session, user: StaffUser, ip_address: str | None) -> None:
    audit.record(session, actor=audit.ANONYMOUS, action="staff.sign_in_refused_locked", subject=user, ip=ip_address)


def settle_wrong(session: Session, user: StaffUser, now: dt.datetime, *, count: int, ip_address: str | None) -> dt.datetime | None:
    """A wrong password, already counted by `reserve_try`: whichever wrong try finds the limit reached sets
    the lock, in one UPDATE. Returns the lock's end if the account is locked now."""
    settings = get_settings()
    until = now + dt.timedelta(minutes=settings.sign_in_lock_minutes)
    locked = session.execute(
        update(StaffUser)
        .where(col(StaffUser.id) == user.id, _not_locked(now), col(StaffUser.failed_sign_ins) >= settings.sign_in_max_failures)
        .values(locked_until=literal(until, UTCDateTime()))
        .returning(col(StaffUser.locked_until))
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    session.expire(user)
    audit.record(session, actor=audit.ANONYMOUS, action="staff.sign_in_failed", subject=user, ip=ip_address, count=count)
    if locked:
        audit.record(session, actor=audit.SYSTEM, action="staff.locked", subject=user, until=locked)
    return locked


def settle_right(session: Session, user: StaffUser, now: dt.datetime, new_hash: str | None, *, ip_address: str | None) -> bool:
    """The right password: the count starts again, in one UPDATE that proves the account is active and not
    locked at this moment. Whatever the proof allows (a session) is written in the same transaction, so no
    session begins after a lock. False (and the refusal recorded) if a lock came first."""
    values: dict[str, object] = {"failed_sign_ins": 0, "first_failed_at": None, "locked_until": None}
    if new_hash:
        values["password_hash"] = new_hash
    proved = session.execute(
        update(StaffUser)
        .where(col(StaffUser.id) == user.id, col(StaffUser.is_active).is_(True), _not_locked(now))
        .values(**values)
        .returning(col(StaffUser.id))
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    session.expire(user)
    if proved is None:
        refuse_locked(session, user, ip_address)
    return proved is not None


def start_session(
    *, session: Session, user: StaffUser, ip_address: str | None = None, user_agent: str | None = None
) -> SignIn:
    """A new browser session for a user whose password was just proved (`settle_right`, same transaction)."""
    now = utcnow()
    token = new_token()
    staff_session = StaffSession(
        user_id=user.id,  # type: ignore[arg-type]
        token_hash=token_hash(token),
        csrf_token=new_token(24),
        created_at=now,
        last_seen_at=now,
        expires_at=now + dt.timedelta(hours=get_settings().staff_session_hours),
        user_agent=(user_agent or "")[:200] or None,
        ip_address=ip_address,
    )
    session.add(staff_session)
    session.flush()
    audit.record(session, actor=user, action="staff.sign_in", subject=user, ip=ip_address)
    return SignIn(user=user, staff_session=staff_session, token=token)


@dataclass
class SessionLookup:
    staff_session: StaffSession | None
    user: StaffUser | None
    expired: bool = False


def resolve_session(*, session: Session, token: str) -> SessionLookup:
    """The live session behind a cookie token; ends it if it has been idle too long."""
    now = utcnow()
    staff_session = session.exec(select(StaffSession).where(StaffSession.token_hash == token_hash(token))).first()
    if staff_session is None or staff_session.revoked_at is not None:
        return SessionLookup(None, None, expired=staff_session is not None)
    idle = dt.timedelta(minutes=get_settings().staff_idle_minutes)
    user = session.get(StaffUser, staff_session.user_id)
    if user is None or not user.is_active:
        return SessionLookup(None, None, expired=True)
    if staff_session.expires_at <= now or staff_session.last_seen_at + idle <= now:
        staff_session.revoked_at = now
        staff_session.revoked_reason = "idle" if staff_session.expires_at > now else "expired"
        session.add(staff_session)
        return SessionLookup(None, None, expired=True)
    if now - staff_session.last_seen_at >= TOUCH_EVERY:
        staff_session.last_seen_at = now
        session.add(staff_session)
    return SessionLookup(staff_session, user)


def end_session(*, session: Session, staff_session: StaffSession, user: StaffUser) -> None:
    staff_session.revoked_at = utcnow()
    staff_session.revoked_reason = "signed_out"
    session.add(staff_session)
    audit.record(session, actor=user, action="staff.sign_out", subject=user)


def end_all_sessions(*, session: Session, actor: StaffUser, user: StaffUser) -> int:
    """Sign out everywhere: every browser where this user is signed in."""
    count = _revoke_sessions(session, user, reason="signed_out_everywhere")
    tokens = _revoke_tokens(session, user)
    audit.record(session, actor=actor, action="staff.sign_out_everywhere", subject=user, sessions=count, tokens_revoked=tokens)
    return count


def revoke_session(*, session: Session, actor: StaffUser, user: StaffUser, session_id: int) -> None:
    staff_session = session.get(StaffSession, session_id)
    if staff_session is None or staff_session.user_id != user.id:
        raise NotFound()
    if staff_session.revoked_at is None:
        staff_session.revoked_at = utcnow()
        staff_session.revoked_reason = "revoked"
        session.add(staff_session)
        audit.record(session, actor=actor, action="staff.session_revoked", subject=user, session_id=session_id)


def live_sessions(*, session: Session, user: StaffUser) -> list[StaffSession]:
    now = utcnow()
    idle_cutoff = now - dt.timedelta(minutes=get_settings().staff_idle_minutes)
    return list(
        session.exec(
            select(StaffSession)
            .where(
                StaffSession.user_id == user.id,
                col(StaffSession.revoked_at).is_(None),
                col(StaffSession.expires_at) > now,
                col(StaffSession.last_seen_at) > idle_cutoff,
            )
            .order_by(col(StaffSession.last_seen_at).desc())
        ).all()
    )


def _revoke_sessions(session: Session, user: StaffUser, *, reason: str, keep_id: int | None = None) -> int:
    query = (
        update(StaffSession)
        .where(col(StaffSession.user_id) == user.id, col(StaffSession.revoked_at).is_(None))
        .values(revoked_at=literal(utcnow(), UTCDateTime()), revoked_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if keep_id is not None:
        query = query.where(col(StaffSession.id) != keep_id)
    return session.execute(query).rowcount  # type: ignore[attr-defined, no-any-return]


# ---- API tokens ----------------------------------------------------------------------------------

TOKEN_DAYS = (1, 366)  # a token is valid for this many days at least and at most; it always expires


def _revoke_tokens(session: Session, user: StaffUser) -> int:
    """Every live API token of the user ends with their sessions (a password reset, "sign out everywhere",
    deactivation): a token must not outlive what ended the person's access (issue 13)."""
    return session.execute(
        update(ApiToken)
        .where(col(ApiToken.user_id) == user.id, col(ApiToken.revoked_at).is_(None))
        .values(revoked_at=literal(utcnow(), UTCDateTime()))
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined, no-any-return]


def issue_token(
    *, session: Session, actor: StaffUser, user: StaffUser, name: str, expires_in_days: int = 90
) -> tuple[ApiToken, str]:
    name = TOKEN_NAME.clean(name)
    if expires_in_days is None or not TOKEN_DAYS[0] <= expires_in_days <= TOKEN_DAYS[1]:
        raise InvalidInput(N_("A token can be valid for 1 to 366 days."))
    if not user.is_active:
        raise Conflict(N_("This account is deactivated."))
    raw = "yimi_" + new_token()
    now = utcnow()
    token = ApiToken(
        user_id=user.id,  # type: ignore[arg-type]
        name=name,
        token_hash=token_hash(raw),
        prefix=raw[:12],
        created_at=now,
        created_by_id=actor.id,
        expires_at=now + dt.timedelta(days=expires_in_days),
    )
    session.add(token)
    session.flush()
    audit.record(session, actor=actor, action="api_token.issue", subject=user, token_id=token.id, name=name)
    return token, raw


def tokens_of(*, session: Session, user: StaffUser) -> list[ApiToken]:
    return list(session.exec(select(ApiToken).where(ApiToken.user_id == user.id).order_by(col(ApiToken.id).desc())).all())


def get_token(*, session: Session, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound()
    return token


def revoke_token(*, session: Session, actor: StaffUser, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
        audit.record(session, actor=actor, action="api_token.revoke", subject=("staff_user", token.user_id), token_id=token.id)
    return token


def user_for_api_token(*, session: Session, raw: str) -> StaffUser | None:
    now = utcnow()
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == token_hash(raw))).first()
    if token is None or not token.is_usable(now):
        return None
    user = session.get(StaffUser, token.user_id)
    if user is None or not user.is_active or user.must_change_password:
        return None  # a temporary password is changed in a browser first
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        token.last_used_at = now
        session.add(token)
    return user
