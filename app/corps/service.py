"""Every rule of the observer corps: districts, groups, facilitators, pseudonymous children, their identity,
tablet group sessions, picture codes and lock-outs, child sessions and age transitions."""

import datetime as dt
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, bindparam, func, literal, or_, update
from sqlmodel import Session, col, select

from app.accounts import service as accounts
from app.accounts.models import Role, StaffUser
from app.accounts.permissions import Permission, can
from app.core import audit
from app.core.audit import Actor
from app.core.config import BASE_DIR
from app.core.db import UTCDateTime, flush_or_conflict, utcnow
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound, YimiError
from app.core.i18n import N_
from app.core.security import hash_code, new_token, token_hash
from app.corps.models import (
    AVATARS,
    CODE,
    CODE_LENGTH,
    CODE_RE,
    NAME,
    NICKNAME,
    NOTES,
    PICTURES,
    REAL_NAME,
    REASON,
    AgeBand,
    Child,
    ChildCreate,
    ChildIdentity,
    ChildSession,
    ChildStatus,
    District,
    Group,
    GroupFacilitator,
    GroupKind,
    GroupSession,
    age_on,
)

MAX_WRONG_CODES = 5
CHILD_IDLE = dt.timedelta(minutes=10)
IDLE_SECONDS = int(CHILD_IDLE.total_seconds())  # the child's pages end a session idle this long
WARN_SECONDS = IDLE_SECONDS - 120  # the warning shows at 8 minutes of a 10-minute idle time (A11Y-07)
GROUP_SESSION_DEFAULT_HOURS = 2
TOUCH_EVERY = dt.timedelta(seconds=30)
# Statuses whose children appear on the tablet's avatar grid.
CAN_SIGN_IN = (ChildStatus.ACTIVE.value, ChildStatus.AWAITING_CONSENT.value)
class NotAFacilitator(InvalidInput):
    """Only facilitators look after a group: a rule about the people named, beyond any schema."""

    slug = "not-a-facilitator"


class BirthOutOfRange(InvalidInput):
    """The observer corps is for children of 6 to 17 on the day of enrolment (year and month together)."""

    slug = "birth-out-of-range"


class LooksLikeRealName(InvalidInput):
    """SEC-03: a nickname must not look like a child's full name (unless the facilitator confirms it is not)."""

    slug = "looks-like-a-real-name"


class ChildLocked(YimiError):
    status_code = 423
    title = N_("Let's ask a grown-up")
    detail = N_("You tried many times. Please ask your grown-up to help you sign in.")
    slug = "child-locked"


class WrongCode(YimiError):
    status_code = 400
    title = N_("Not quite")
    detail = N_("Those pictures are not right. Let's try again!")
    slug = "wrong-code"


class GroupSessionClosed(YimiError):
    status_code = 409
    title = N_("This tablet is not open")
    detail = N_("The group time on this tablet has ended. Please ask your grown-up.")
    slug = "group-session-closed"


# ---- districts and groups ------------------------------------------------------------------------


def _validate_code(code: str) -> str:
    code = code.strip().lower()
    if not CODE_RE.match(code):
        raise InvalidInput(
            N_("A code has %(min)s to %(max)s lower-case letters, digits or dashes."),
            errors=[{"loc": ["code"], "msg": "invalid code", "type": "value_error"}], min=CODE.min, max=CODE.max,
        )
    return code


def _validate_names(name: dict[str, str]) -> dict[str, str]:
    cleaned = {locale: field.clean(name.get(locale)) for locale, field in NAME.items()}
    return {locale: text for locale, text in cleaned.items() if text}


def list_districts(*, session: Session) -> list[District]:
    return list(session.exec(select(District).order_by(col(District.code))).all())


def get_district(*, session: Session, district_id: int) -> District:
    district = session.get(District, district_id)
    if district is None:
        raise NotFound()
    return district


def get_district_by_code(*, session: Session, code: str) -> District | None:
    return session.exec(select(District).where(District.code == code)).first()


def create_district(*, session: Session, actor: Actor | tuple[str, str | None] | None, code: str, name: dict[str, str]) -> District:
    district = District(code=_validate_code(code), name=_validate_names(name))
    session.add(district)
    flush_or_conflict(session, N_("The code %(code)s is already used."), code=district.code)
    audit.record(session, actor=actor, action="corps.district_create", subject=district, code=district.code)
    return district


def ensure_district(*, session: Session, actor: Actor | tuple[str, str | None] | None, code: str, name: dict[str, str]) -> District:
    return get_district_by_code(session=session, code=code) or create_district(session=session, actor=actor, code=code, name=name)


def get_group_by_code(*, session: Session, code: str) -> Group | None:
    return session.exec(select(Group).where(Group.code == code)).first()


def create_group(
    *, session: Session, actor: Actor | tuple[str, str | None] | None, district_id: int, code: str, name: dict[str, str], kind: GroupKind
) -> Group:
    get_district(session=session, district_id=district_id)
    group = Group(district_id=district_id, code=_validate_code(code), name=_validate_names(name), kind=GroupKind(kind).value)
    session.add(group)
    flush_or_conflict(session, N_("The code %(code)s is already used."), code=group.code)
    audit.record(session, actor=actor, action="corps.group_create", subject=group, code=group.code)
    return group


def ensure_group(
    *, session: Session, actor: Actor | tuple[str, str | None] | None, district: District, code: str, name: dict[str, str], kind: GroupKind
) -> Group:
    return get_group_by_code(session=session, code=code) or create_group(
        session=session, actor=actor, district_id=district.id, code=code, name=name, kind=kind  # type: ignore[arg-type]
    )


def _sees_all_groups(user: StaffUser) -> bool:
    return can(user, Permission.CORPS_ADMIN)


def facilitator_group_ids(*, session: Session, user: StaffUser) -> set[int]:
    """The groups this person looks after, while they hold the facilitator role (trained, active account)."""
    if not can(user, Permission.CORPS_FACILITATE):
        return set()
    return set(session.exec(select(GroupFacilitator.group_id).where(GroupFacilitator.user_id == user.id)).all())


def visible_groups(*, session: Session, user: StaffUser) -> list[Group]:
    """Administrators see every group; a facilitator only their own (SEC-02)."""
    query = select(Group).order_by(col(Group.code))
    if not _sees_all_groups(user):
        query = query.where(col(Group.id).in_(facilitator_group_ids(session=session, user=user)))
    return list(session.exec(query).all())


def get_group(*, session: Session, group_id: int, user: StaffUser) -> Group:
    """A group the user may see; another facilitator's group is 'not found', not merely forbidden."""
    group = session.get(Group, group_id)
    if group is None:
        raise NotFound()
    if not _sees_all_groups(user) and group_id not in facilitator_group_ids(session=session, user=user):
        raise NotFound()
    return group


def facilitators_of(*, session: Session, group: Group) -> list[StaffUser]:
    return list(
        session.exec(
            select(StaffUser)
            .join(GroupFacilitator, col(GroupFacilitator.user_id) == col(StaffUser.id))
            .where(GroupFacilitator.group_id == group.id)
            .order_by(col(StaffUser.username))
        ).all()
    )


def set_facilitators(*, session: Session, actor: StaffUser, group: Group, user_ids: Iterable[int]) -> list[StaffUser]:
    wanted = set(user_ids)
    users = [accounts.get(session=session, user_id=uid) for uid in sorted(wanted)]
    not_facilitators = [u.username for u in users if not u.role(Role.FACILITATOR)]
    if not_facilitators:
        raise NotAFacilitator(N_("Only facilitators can look after a group. These people are not facilitators: %(names)s."), names=", ".join(not_facilitators))
    current = {f.user_id: f for f in session.exec(select(GroupFacilitator).where(GroupFacilitator.group_id == group.id))}
    for uid, link in current.items():
        if uid not in wanted:
            session.delete(link)
    for uid in wanted - set(current):
        session.add(GroupFacilitator(group_id=group.id, user_id=uid))  # type: ignore[arg-type]
    session.flush()
    audit.record(session, actor=actor, action="corps.facilitators", subject=group, added=sorted(wanted - set(current)), removed=sorted(set(current) - wanted))
    return facilitators_of(session=session, group=group)


# ---- children ------------------------------------------------------------------------------------

_SURNAMES_FILE = BASE_DIR / "app" / "corps" / "data" / "surnames.txt"


def _surnames() -> tuple[frozenset[str], frozenset[str]]:
    single, double = set(), set()
    for line in Path(_SURNAMES_FILE).read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            (double if len(word) == 2 else single).add(word)
    return frozenset(single), frozenset(double)


_HAN = r"[\u4e00-\u9fff]"
_ENGLISH_FULL_NAME = re.compile(r"^[A-Z][a-z]+(?:[ .\-][A-Z][a-z]+)+$")


def looks_like_real_name(name: str) -> bool:
    """A Chinese full name (a surname and 1-2 more characters) or an English first and last name."""
    name = unicodedata.normalize("NFKC", name).strip()
    if _ENGLISH_FULL_NAME.match(name):
        return True
    if re.fullmatch(f"{_HAN}{{2,4}}", name):
        single, double = _surnames()
        if name[:2] in double and 3 <= len(name) <= 4:
            return True
        if name[0] in single and len(name) in (2, 3):
            return True
    return False


def name_key(display_name: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", display_name)).casefold()


def validate_pseudonym(display_name: str, *, confirmed_nickname: bool = False) -> str:
    """The nickname as typed (its length checked as the schema states it, in characters), read in NFKC form for
    the rules (full-width digits, ligatures): normalising first made a 20-character nickname with a ligature
    (Ĳ → IJ) 21 characters long, refused by a rule the schema did not state (found by Schemathesis)."""
    display_name = NICKNAME.clean(display_name)
    read = unicodedata.normalize("NFKC", display_name)
    errors = [{"loc": ["display_name"], "msg": "invalid pseudonym", "type": "value_error"}]
    if re.search(r"\d{5,}|@", read):
        raise InvalidInput(N_("A nickname cannot hold a phone number or an e-mail address."), errors=errors)
    if looks_like_real_name(read) and not confirmed_nickname:
        raise LooksLikeRealName(
            N_("This looks like a real name. To keep children safe, please use a nickname instead, like 小星星 or Sunny."),
            errors=errors,
        )
    return display_name


def validate_birth(birth_year: int, birth_month: int, today: dt.date | None = None) -> None:
    today = today or utcnow().date()
    if not 1 <= birth_month <= 12:
        raise InvalidInput(N_("The birth month must be between 1 and 12."), errors=[{"loc": ["birth_month"], "msg": "invalid", "type": "value_error"}])
    if (birth_year, birth_month) > (today.year, today.month):
        raise BirthOutOfRange(N_("The birth date is in the future."), errors=[{"loc": ["birth_year"], "msg": "future", "type": "value_error"}])
    age = age_on(birth_year, birth_month, today)
    if not 6 <= age <= 17:
        raise BirthOutOfRange(
            N_("The observer corps is for children aged 6 to 17; this birth date gives age %(age)s."),
            errors=[{"loc": ["birth_year"], "msg": "age out of range", "type": "value_error"}],
            age=age,
        )


def new_picture_code() -> list[str]:
    keys = list(PICTURES)
    return [secrets.choice(keys) for _ in range(CODE_LENGTH)]


def code_text(code: Iterable[str]) -> str:
    return "-".join(code)


def validate_child(data: ChildCreate, today: dt.date | None = None) -> tuple[str, str]:
    """(pseudonym, avatar) after the checks every enrolment path shares."""
    display_name = validate_pseudonym(data.display_name, confirmed_nickname=data.confirmed_nickname)
    validate_birth(data.birth_year, data.birth_month, today)
    avatar = data.avatar or secrets.choice(list(AVATARS))
    if avatar not in AVATARS:
        raise InvalidInput(N_("Please choose one of the pictures."), errors=[{"loc": ["avatar"], "msg": "unknown avatar", "type": "value_error"}])
    REAL_NAME.clean(data.real_name)
    return display_name, avatar


def _new_child(group: Group, data: ChildCreate, actor: StaffUser | None) -> tuple[Child, list[str]]:
    display_name, avatar = validate_child(data)
    code = new_picture_code()
    child = Child(
        group_id=group.id,  # type: ignore[arg-type]
        display_name=display_name,
        name_key=name_key(display_name),
        avatar=avatar,
        birth_year=data.birth_year,
        birth_month=data.birth_month,
        picture_code_hash=hash_code(code_text(code)),
        created_by_id=actor.id if actor else None,
    )
    return child, code


def _keep_real_name(session: Session, child: Child, data: ChildCreate, actor: StaffUser | None) -> None:
    """A real name given at enrolment goes to the separate, encrypted identity record (SEC-03)."""
    real_name = REAL_NAME.clean(data.real_name)
    if real_name:
        session.add(ChildIdentity(child_id=child.id, real_name=real_name, updated_by_id=actor.id if actor else None))  # type: ignore[arg-type]


def enrol(*, session: Session, actor: StaffUser | None, group: Group, data: ChildCreate) -> tuple[Child, list[str]]:
    """Enrol one child; returns the child and their picture code (shown once, to print)."""
    child, code = _new_child(group, data, actor)
    session.add(child)
    flush_or_conflict(
        session, N_("There is already a child called %(name)s in this group. Please choose another nickname."), name=child.display_name
    )
    _keep_real_name(session, child, data, actor)
    audit.record(session, actor=actor, action="corps.child_enrol", subject=child, group_id=group.id)
    return child, code


def enrol_many(*, session: Session, actor: StaffUser | None, group: Group, rows: list[ChildCreate]) -> list[tuple[Child, list[str]]]:
    """All or nothing: one transaction; any clash rolls every row back."""
    return enrol_prepared(session=session, actor=actor, group=group, prepared=prepare_children(group=group, actor=actor, rows=rows))


def existing_name_keys(*, session: Session, group: Group) -> set[str]:
    return set(session.exec(select(Child.name_key).where(Child.group_id == group.id)).all())


def children_of(*, session: Session, group: Group, statuses: Iterable[str] | None = None) -> list[Child]:
    query = select(Child).where(Child.group_id == group.id).order_by(col(Child.display_name))
    if statuses is not None:
        query = query.where(col(Child.status).in_(list(statuses)))
    return list(session.exec(query).all())


def get_child(*, session: Session, child_id: int, user: StaffUser) -> Child:
    child = session.get(Child, child_id)
    if child is None:
        raise NotFound()
    get_group(session=session, group_id=child.group_id, user=user)  # visibility of the child follows the group
    return child


def reset_picture_code(*, session: Session, actor: StaffUser, child: Child) -> list[str]:
    code = new_picture_code()
    child.picture_code_hash = hash_code(code_text(code))
    child.failed_codes = 0
    child.locked_at = None
    session.add(child)
    _end_child_sessions(session, child, reason="code_reset")
    audit.record(session, actor=actor, action="corps.picture_code_reset", subject=child)
    return code


def issue_personal_code(*, session: Session, actor: StaffUser, child: Child) -> str:
    """A 14-17-year-old's code for their own phone: `<child id>-<secret>`, given to them once."""
    if child.age_band() != AgeBand.TEEN:
        raise Conflict(N_("Only young people aged 14 to 17 can have a personal code for their own phone."))
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    secret = "".join(secrets.choice(alphabet) for _ in range(10))
    child.personal_code_hash = hash_code(secret)
    session.add(child)
    audit.record(session, actor=actor, action="corps.personal_code_issue", subject=child)
    return f"{child.id}-{secret}"


def unlock(*, session: Session, actor: StaffUser, child: Child) -> Child:
    child.failed_codes = 0
    child.locked_at = None
    session.add(child)
    audit.record(session, actor=actor, action="corps.child_unlock", subject=child)
    return child


def set_status(*, session: Session, actor: StaffUser, child: Child, status: ChildStatus) -> Child:
    previous = child.status
    child.status = ChildStatus(status).value
    if status == ChildStatus.LEFT:
        child.left_at = utcnow()
    if status in (ChildStatus.PAUSED, ChildStatus.LEFT):
        _end_child_sessions(session, child, reason="status")
    session.add(child)
    audit.record(session, actor=actor, action="corps.child_status", subject=child, before=previous, after=child.status)
    return child


# ---- identity (SEC-02, SEC-03) -------------------------------------------------------------------


def read_identity(*, session: Session, actor: StaffUser, child: Child, reason: str) -> ChildIdentity | None:
    """Every read is logged with who, when and why."""
    reason = REASON.clean(reason)
    identity = session.exec(select(ChildIdentity).where(ChildIdentity.child_id == child.id)).first()
    audit.record(session, actor=actor, action="corps.identity_read", subject=child, reason=reason)
    return identity


def set_identity(*, session: Session, actor: StaffUser, child: Child, real_name: str | None, notes: str | None, reason: str) -> ChildIdentity:
    reason = REASON.clean(reason)
    real_name, notes = REAL_NAME.clean(real_name) or None, NOTES.clean(notes) or None
    identity = session.exec(select(ChildIdentity).where(ChildIdentity.child_id == child.id)).first()
    if identity is None:
        identity = ChildIdentity(child_id=child.id)  # type: ignore[arg-type]
    identity.real_name = real_name
    identity.notes = notes
    identity.updated_at = utcnow()
    identity.updated_by_id = actor.id
    session.add(identity)
    audit.record(session, actor=actor, action="corps.identity_update", subject=child, reason=reason)
    return identity


# ---- participation rates (never what anyone answered) ---------------------------------------------


@dataclass
class Participation:
    children: int
    by_status: dict[str, int]
    signed_in_last_30_days: int
    consultations: list[dict[str, object]]


def participation(*, session: Session, group: Group) -> Participation:
    rows = session.exec(select(Child.status, func.count()).where(Child.group_id == group.id).group_by(col(Child.status))).all()
    by_status = {s.value: 0 for s in ChildStatus} | {status: count for status, count in rows}
    since = literal(utcnow() - dt.timedelta(days=30), UTCDateTime())
    recent = session.exec(
        select(func.count(func.distinct(ChildSession.child_id)))
        .join(Child, col(Child.id) == col(ChildSession.child_id))
        .where(Child.group_id == group.id, col(ChildSession.created_at) >= since)
    ).one()
    # Per-consultation counts arrive with the consultations domain.
    return Participation(children=sum(by_status.values()), by_status=by_status, signed_in_last_30_days=recent, consultations=[])


# ---- tablet group sessions -----------------------------------------------------------------------


def open_group_session(*, session: Session, actor: StaffUser, group: Group, hours: float = GROUP_SESSION_DEFAULT_HOURS) -> tuple[GroupSession, str]:
    if group.id not in facilitator_group_ids(session=session, user=actor):
        raise NotFound()  # only the group's own facilitators open its tablets
    if not 0.25 <= hours <= 8:
        raise InvalidInput(N_("A group session lasts between 15 minutes and 8 hours."))
    now = utcnow()
    raw = new_token()
    group_session = GroupSession(
        group_id=group.id,  # type: ignore[arg-type]
        opened_by_id=actor.id,
        token_hash=token_hash(raw),
        opened_at=now,
        expires_at=now + dt.timedelta(hours=hours),
    )
    session.add(group_session)
    session.flush()
    audit.record(session, actor=actor, action="corps.group_session_open", subject=group, group_session_id=group_session.id, hours=hours)
    return group_session, raw


def resolve_group_session(*, session: Session, raw: str) -> GroupSession | None:
    group_session = session.exec(select(GroupSession).where(GroupSession.token_hash == token_hash(raw))).first()
    if group_session is None or not group_session.is_open(utcnow()):
        return None
    return group_session


def end_group_session(*, session: Session, group_session: GroupSession, user: StaffUser) -> None:
    """End a tablet's group session and every child session on it. The action has proved that `user` is one
    of the group's facilitators, by their password."""
    now = utcnow()
    group_session.ended_at = now
    group_session.ended_by_id = user.id
    session.add(group_session)
    session.execute(
        update(ChildSession)
        .where(col(ChildSession.group_session_id) == group_session.id, col(ChildSession.ended_at).is_(None))
        .values(ended_at=literal(now, UTCDateTime()), end_reason="group_ended")
        .execution_options(synchronize_session=False)
    )
    audit.record(session, actor=user, action="corps.group_session_end", subject=("corps_group", group_session.group_id), group_session_id=group_session.id)


def tablet_children(*, session: Session, group_session: GroupSession) -> list[Child]:
    return list(
        session.exec(
            select(Child)
            .where(Child.group_id == group_session.group_id, col(Child.status).in_(CAN_SIGN_IN))
            .order_by(col(Child.display_name))
        ).all()
    )


# ---- child sign-in, lock-out and child sessions --------------------------------------------------


@dataclass
class ChildSignIn:
    child: Child
    child_session: ChildSession
    token: str


def reserve_try(session: Session, child: Child) -> int | None:
    """Count this try as a wrong one BEFORE the code is checked (one UPDATE; SEC lock-out, issue 13): the
    sign-in action commits it before the slow check.

    The row decides: only a child who is not locked and has fewer than MAX_WRONG_CODES tries counted gets
    one, so however many tries arrive at once, at most the remaining ones are ever checked. Returns the
    count with this try, or None (and the refusal recorded): locked, or every remaining try is being checked
    right now."""
    count = session.execute(
        update(Child)
        .where(col(Child.id) == child.id, col(Child.locked_at).is_(None), col(Child.failed_codes) < MAX_WRONG_CODES)
        .values(failed_codes=col(Child.failed_codes) + 1)
        .returning(col(Child.failed_codes))
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if count is None:
        audit.record(session, actor=audit.ANONYMOUS, action="corps.child_sign_in_refused_locked", subject=child)
    session.expire(child)
    return count


def settle_wrong(session: Session, child: Child, count: int) -> bool:
    """A wrong code, already counted by `reserve_try`: the lock is set in one UPDATE by whichever wrong try
    finds the limit reached. True if the child is locked now."""
    locked = session.execute(
        update(Child)
        .where(col(Child.id) == child.id, col(Child.locked_at).is_(None), col(Child.failed_codes) >= MAX_WRONG_CODES)
        .values(locked_at=literal(utcnow(), UTCDateTime()))
        .returning(col(Child.locked_at))
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    audit.record(session, actor=audit.ANONYMOUS, action="corps.child_code_wrong", subject=child, count=count)
    if locked is not None:
        audit.record(session, actor=audit.SYSTEM, action="corps.child_locked", subject=child)
    session.expire(child)
    return locked is not None or child.is_locked


def settle_right(session: Session, child: Child, new_hash: str | None, column: str) -> bool:
    """A right code: the count starts again, in one UPDATE that proves the child is not locked at this moment.
    The action creates the child's session in the same transaction, so no session exists after a lock.
    False (and the refusal recorded) if a lock came first."""
    values: dict[str, object] = {"failed_codes": 0}
    if new_hash:
        values[column] = new_hash
    proved = session.execute(
        update(Child)
        .where(col(Child.id) == child.id, col(Child.locked_at).is_(None))
        .values(**values)
        .returning(col(Child.id))
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    session.expire(child)
    if proved is None:
        audit.record(session, actor=audit.ANONYMOUS, action="corps.child_sign_in_refused_locked", subject=child)
    return proved is not None


def _start_child_session(session: Session, child: Child, group_session: GroupSession | None) -> tuple[ChildSession, str]:
    _end_child_sessions(session, child, reason="new_sign_in")  # one place at a time
    raw = new_token()
    now = utcnow()
    child_session = ChildSession(
        child_id=child.id,  # type: ignore[arg-type]
        group_session_id=group_session.id if group_session else None,
        token_hash=token_hash(raw),
        csrf_token=new_token(24),
        created_at=now,
        last_seen_at=now,
    )
    session.add(child_session)
    session.flush()
    return child_session, raw


def tablet_child(*, session: Session, group_session: GroupSession, child_id: int) -> Child:
    child = session.get(Child, child_id)
    if child is None or child.group_id != group_session.group_id or child.status not in CAN_SIGN_IN:
        raise NotFound(N_("We could not find you on this tablet. Please ask your grown-up."))
    return child


def valid_code(code: Iterable[str]) -> list[str]:
    picked = list(code)
    if len(picked) != CODE_LENGTH or any(p not in PICTURES for p in picked):
        raise InvalidInput(N_("Please tap three pictures."))
    return picked


PERSONAL_CODE_LOCKED = N_("This code is locked after too many tries. Please ask your facilitator to unlock it.")
PERSONAL_CODE_WRONG = N_("That code is not right. Please check it and try again.")


def personal_code_child(*, session: Session, code: str) -> tuple[Child, str]:
    """The child a personal code names (`<child id>-<secret>`) and the secret to check: a 14-17-year-old who
    may sign in. Anything else is a wrong code, whatever is wrong with it."""
    child_part, _sep, secret = code.strip().lower().replace(" ", "").partition("-")
    child = session.get(Child, int(child_part)) if child_part.isdigit() and len(child_part) < 10 else None
    if child is None or not child.personal_code_hash or child.status not in CAN_SIGN_IN or child.age_band() != AgeBand.TEEN:
        raise WrongCode(PERSONAL_CODE_WRONG)
    return child, secret


def start_child_session(
    *, session: Session, child: Child, group_session: GroupSession | None, **details: object
) -> ChildSignIn:
    """The child's session, once `settle_right` proved their code in this transaction."""
    child_session, raw = _start_child_session(session, child, group_session)
    audit.record(session, actor=child, action="corps.child_sign_in", subject=child, **details)
    return ChildSignIn(child=child, child_session=child_session, token=raw)


@dataclass
class ChildLookup:
    child_session: ChildSession | None
    child: Child | None
    expired: bool = False
    # The child's group, loaded with them. Whoever keeps the lookup for the request keeps the group alive in
    # the session's identity map (which holds objects weakly), so `session.get(Group, …)` later costs no query.
    group: Group | None = None


# Built once: the statement's construction and cache key cost more than running it (SQLite).
_CHILD_LOOKUP = (
    select(ChildSession, Child, Group, GroupSession)
    .where(ChildSession.token_hash == bindparam("token_hash"))
    .outerjoin(Child, col(Child.id) == col(ChildSession.child_id))
    .outerjoin(Group, col(Group.id) == col(Child.group_id))
    .outerjoin(GroupSession, col(GroupSession.id) == col(ChildSession.group_session_id))
)


def resolve_child_session(*, session: Session, raw: str) -> ChildLookup:
    """The child behind a session cookie, in one query: the session, the child, their group (see
    `ChildLookup.group`) and the tablet's group session, if any."""
    now = utcnow()
    row = session.exec(_CHILD_LOOKUP, params={"token_hash": token_hash(raw)}).first()  # type: ignore[call-overload]
    child_session, child, group, group_session = row if row is not None else (None, None, None, None)
    if child_session is None or child_session.ended_at is not None:
        return ChildLookup(None, None, expired=child_session is not None)
    reason = None
    if child is None or child.status not in CAN_SIGN_IN:
        reason = "status"
    elif child_session.last_seen_at + CHILD_IDLE <= now:
        reason = "idle"
    elif group_session is not None and not group_session.is_open(now):
        reason = "group_ended"
    if reason:
        child_session.ended_at = now
        child_session.end_reason = reason
        session.add(child_session)
        return ChildLookup(None, None, expired=True)
    if now - child_session.last_seen_at >= TOUCH_EVERY:
        child_session.last_seen_at = now
        session.add(child_session)
    return ChildLookup(child_session, child, group=group)


def still_here(*, session: Session, child_session: ChildSession) -> ChildSession:
    """The one-tap 'I'm still here' (A11Y-07): the idle time starts again."""
    child_session.last_seen_at = utcnow()
    session.add(child_session)
    return child_session


def end_child_session(*, session: Session, child_session: ChildSession, child: Child, reason: str = "done") -> None:
    child_session.ended_at = utcnow()
    child_session.end_reason = reason
    session.add(child_session)
    audit.record(session, actor=child, action="corps.child_sign_out", subject=child, reason=reason)


def current_session_of(*, session: Session, child: Child) -> ChildSession | None:
    """The child's newest session not yet ended (where a safeguarding case records where the child was)."""
    return session.exec(
        select(ChildSession).where(ChildSession.child_id == child.id, col(ChildSession.ended_at).is_(None)).order_by(col(ChildSession.id).desc())
    ).first()


def _end_child_sessions(session: Session, child: Child, *, reason: str) -> None:
    session.execute(
        update(ChildSession)
        .where(col(ChildSession.child_id) == child.id, col(ChildSession.ended_at).is_(None))
        .values(ended_at=literal(utcnow(), UTCDateTime()), end_reason=reason)
        .execution_options(synchronize_session=False)
    )


# ---- age transitions -----------------------------------------------------------------------------


@dataclass
class AgeTransitions:
    turned_14: list[int]
    turned_18: list[int]


def run_age_transitions(*, session: Session, today: dt.date | None = None) -> AgeTransitions:
    """Idempotent (a daily job): flag children who turned 14 (consent moves to them) and mark those who
    turned 18 as leaving the programme."""
    today = today or utcnow().date()
    now = utcnow()
    # Born on or before this month 14 (18) years ago, counting from the first of the birth month.
    limit_14 = (today.year - 14, today.month)
    limit_18 = (today.year - 18, today.month)

    def born_by(year_month: tuple[int, int]):  # noqa: ANN202
        year, month = year_month
        return or_(col(Child.birth_year) < year, and_(col(Child.birth_year) == year, col(Child.birth_month) <= month))

    turned_18 = list(
        session.exec(select(Child).where(born_by(limit_18), col(Child.status) != ChildStatus.LEFT.value)).all()
    )
    for child in turned_18:
        child.status = ChildStatus.LEFT.value
        child.left_at = now
        session.add(child)
        _end_child_sessions(session, child, reason="turned_18")
        audit.record(session, actor=audit.SYSTEM, action="corps.child_turned_18", subject=child)
    turned_14 = list(
        session.exec(
            select(Child).where(born_by(limit_14), col(Child.turned_14_at).is_(None), col(Child.status) != ChildStatus.LEFT.value)
        ).all()
    )
    for child in turned_14:
        child.turned_14_at = now
        session.add(child)
        audit.record(session, actor=audit.SYSTEM, action="corps.child_turned_14", subject=child)
    return AgeTransitions(turned_14=[c.id for c in turned_14 if c.id], turned_18=[c.id for c in turned_18 if c.id])



# ---- for the staff pages, the API and the import -------------------------------------------------


def child_counts(*, session: Session, groups: Iterable[Group]) -> dict[int, int]:
    """How many children each group has (every status), for the list of groups."""
    ids = [g.id for g in groups if g.id is not None]
    if not ids:
        return {}
    rows = session.exec(
        select(Child.group_id, func.count()).where(col(Child.group_id).in_(ids)).group_by(col(Child.group_id))
    ).all()
    return {gid: 0 for gid in ids} | {gid: count for gid, count in rows}


def facilitator_candidates(*, session: Session) -> list[StaffUser]:
    """Who may look after a group: active staff with the facilitator role."""
    return accounts.get_all(session=session, role=Role.FACILITATOR, include_inactive=False)


def get_child_for_identity(*, session: Session, child_id: int, user: StaffUser) -> Child:
    """A child for an identity reader. Safeguarding officers look after no group, so the group scope of
    `get_child` cannot apply to them; holding IDENTITY_READ is what lets them in."""
    if not can(user, Permission.IDENTITY_READ):
        raise Forbidden()
    child = session.get(Child, child_id)
    if child is None:
        raise NotFound()
    return child


@dataclass
class PreparedChild:
    child: Child
    picture_code: list[str]
    data: ChildCreate


def prepare_children(
    *, group: Group, actor: StaffUser | None, rows: list[ChildCreate], progress: Callable[[], None] | None = None
) -> list[PreparedChild]:
    """Check every row and hash its picture code before anything is written. The slow hash makes this the
    long part of a large import, so `progress` is told after each child (the command's progress bar)."""
    prepared = []
    for data in rows:
        child, code = _new_child(group, data, actor)
        prepared.append(PreparedChild(child=child, picture_code=code, data=data))
        if progress is not None:
            progress()
    return prepared


def enrol_prepared(
    *, session: Session, actor: StaffUser | None, group: Group, prepared: list[PreparedChild]
) -> list[tuple[Child, list[str]]]:
    """`enrol_many` for rows from `prepare_children`: one transaction, all or nothing."""
    for item in prepared:
        session.add(item.child)
    flush_or_conflict(session, N_("Some nicknames are already used in this group. Nothing was imported."))
    for item in prepared:
        _keep_real_name(session, item.child, item.data, actor)
    audit.record(session, actor=actor, action="corps.children_import", subject=group, count=len(prepared))
    return [(item.child, item.picture_code) for item in prepared]


# ---- facts other domains add to a child's row ---------------------------------------------------------------
# Domains above the corps (consent today) register what a facilitator should see beside each child — consent's
# state per purpose (issue 18: a child still waiting for a guardian looked "Active") — and the corps imports none
# of them (issue 15).


@dataclass(frozen=True)
class ChildFact:
    label: str  # a message id: what the fact is about ("Taking part")
    value: str  # a message id: its state ("Agreed")
    tone: str  # "ok", "wait" or "off": the badge's colour


_fact_sources: list[Callable[[Session, list[Child]], dict[int, list[ChildFact]]]] = []


def register_child_facts(source: Callable[[Session, list[Child]], dict[int, list[ChildFact]]]) -> None:
    if source not in _fact_sources:
        _fact_sources.append(source)


def child_facts(*, session: Session, children: list[Child]) -> dict[int, list[ChildFact]]:
    """Every registered fact of each child, in registration order (one query per source for the whole list)."""
    found: dict[int, list[ChildFact]] = {c.id: [] for c in children if c.id is not None}
    for source in _fact_sources:
        for child_id, facts in source(session, children).items():
            found.setdefault(child_id, []).extend(facts)
    return found


def fact_counts(facts: dict[int, list[ChildFact]]) -> dict[str, dict[tuple[str, str], int]]:
    """How many children have each (value, tone) of each fact label, for a group's summary."""
    counts: dict[str, dict[tuple[str, str], int]] = {}
    for child_facts_ in facts.values():
        for fact in child_facts_:
            by_value = counts.setdefault(fact.label, {})
            by_value[(fact.value, fact.tone)] = by_value.get((fact.value, fact.tone), 0) + 1
    return counts
