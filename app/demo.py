"""Demo data for `yimi demo` and `make run`: idempotent, never in production."""

from sqlmodel import Session, select

from app.accounts import service as accounts
from app.accounts.models import Role, StaffUserCreate
from app.consent import service as consent
from app.consent.models import DecidedBy, Decision, Guardian, Guardianship, Purpose
from app.core import audit, crypto
from app.core.security import hash_code, hash_password
from app.corps import service as corps
from app.corps.models import Child, ChildCreate, ChildStatus, GroupKind

DEMO_PASSWORD = "yimi-demo-2026"
DEMO_USERS: list[tuple[Role, str, str]] = [
    (Role.ADMIN, "admin", "管理员 Admin"),
    (Role.OFFICIAL, "official", "王科长 Official Wang"),
    (Role.MODERATOR, "moderator", "李审核 Moderator Li"),
    (Role.SAFEGUARDING_OFFICER, "safeguarding", "张保护 Safeguarding Zhang"),
    (Role.FACILITATOR, "facilitator", "陈老师 Teacher Chen"),
    (Role.ANALYST, "analyst", "赵分析 Analyst Zhao"),
]
# Children of the demo class, with fixed picture codes so that the demo can be tried on a tablet.
DEMO_CHILDREN: list[tuple[str, str, int, int, list[str]]] = [
    ("小星星", "panda", 2017, 3, ["sun", "tree", "fish"]),
    ("Sunny", "cat", 2016, 9, ["star", "apple", "boat"]),
    ("小云朵", "rabbit", 2015, 6, ["moon", "flower", "car"]),
    ("Rocket", "fox", 2011, 1, ["fish", "fish", "sun"]),  # 14-17: in the squad, with an own-phone code
]
DEMO_TEEN_CODE_SECRET = "demoteen26"


def load_demo(*, session: Session) -> list[tuple[str, str]]:
    district = corps.ensure_district(session=session, actor=None, code="demo-wuhua", name={"zh_Hans": "五华区", "en": "Wuhua District"})
    school_class = corps.ensure_group(
        session=session, actor=None, district=district, code="demo-class-4-2",
        name={"zh_Hans": "四年级二班", "en": "Class 4-2"}, kind=GroupKind.SCHOOL_CLASS,
    )
    squad = corps.ensure_group(
        session=session, actor=None, district=district, code="demo-squad-green",
        name={"zh_Hans": "绿叶观察小队", "en": "Green Leaf squad"}, kind=GroupKind.SQUAD,
    )
    created = []
    users = {}
    for role, username, display_name in DEMO_USERS:
        user = accounts.get_by_username(session=session, username=username)
        if user is None:
            user, _ = accounts.create(
                session=session, actor=None, trained=True,
                data=StaffUserCreate(username=username, display_name=display_name, roles=[role], password=DEMO_PASSWORD),
            )
        else:
            # Re-running the demo gives the printed password back and unlocks the account.
            user.password_hash = hash_password(DEMO_PASSWORD)
            user.must_change_password = False
            user.is_active = True
            user.failed_sign_ins, user.first_failed_at, user.locked_until = 0, None, None
            session.add(user)
            audit.record(session, actor=None, action="demo.account_reset", subject=user)
            session.commit()
        users[role] = user
        created.append((role.value, username))
    facilitator = users[Role.FACILITATOR]
    for group in (school_class, squad):
        corps.set_facilitators(session=session, actor=users[Role.ADMIN], group=group, user_ids=[facilitator.id])
    for nickname, avatar, year, month, code in DEMO_CHILDREN:
        group = squad if year <= 2012 else school_class
        child = session.exec(select(Child).where(Child.group_id == group.id, Child.name_key == corps.name_key(nickname))).first()
        if child is None:
            child, _ = corps.enrol(
                session=session, actor=facilitator, group=group,
                data=ChildCreate(display_name=nickname, avatar=avatar, birth_year=year, birth_month=month, confirmed_nickname=True),
            )
        # The printed code works again, and the child is active (consent arrives with the consent issue).
        child.picture_code_hash = hash_code("-".join(code))
        child.failed_codes, child.locked_at = 0, None
        if child.age_band() and child.age_band().value == "14-17":
            child.personal_code_hash = hash_code(DEMO_TEEN_CODE_SECRET)
        session.add(child)
        session.commit()
        if child.status != ChildStatus.ACTIVE.value:
            corps.set_status(session=session, actor=facilitator, child=child, status=ChildStatus.ACTIVE)
    _demo_consent(session)
    return created


DEMO_GUARDIAN_PHONE = "13800000000"


def _demo_consent(session: Session) -> None:
    """小星星's and Sunny's demo guardian has agreed to taking part (so the child is asked for their own
    yes on the tablet); 小云朵 waits for a guardian, which the consent letter can show."""
    version = consent.current_version(session=session)
    if version is None:  # `yimi consent sync` has not run: no notice to consent to
        return
    contact_hash = crypto.lookup_hash(DEMO_GUARDIAN_PHONE, purpose="phone")
    guardian = session.exec(select(Guardian).where(Guardian.contact_hash == contact_hash)).first()
    if guardian is None:
        guardian = Guardian(contact_kind="phone", contact=DEMO_GUARDIAN_PHONE, contact_hash=contact_hash)
        session.add(guardian)
        session.commit()
    for nickname in ("小星星", "Sunny"):
        child = session.exec(select(Child).where(Child.name_key == corps.name_key(nickname))).first()
        if child is None:
            continue
        if session.exec(select(Guardianship).where(Guardianship.child_id == child.id, Guardianship.guardian_id == guardian.id)).first() is None:
            session.add(Guardianship(guardian_id=guardian.id, child_id=child.id))  # type: ignore[arg-type]
        for purpose, decision in ((Purpose.PARTICIPATE, Decision.GRANTED), (Purpose.QUOTE, Decision.REFUSED), (Purpose.NOTIFY_GUARDIAN, Decision.GRANTED)):
            consent.record(
                session=session, child=child, purpose=purpose, decision=decision, decided_by=DecidedBy.GUARDIAN,
                channel="paper", guardian=guardian, notice_version=version, expires_at=consent.programme_year_end(),
                evidence="demo", idempotency_key=f"demo:{child.id}:{purpose.value}",
            )
        session.commit()


def demo_children(*, session: Session) -> list[tuple[str, list[str], str | None]]:
    """(nickname, picture code, personal code) of the demo children, for printing."""
    rows = []
    for nickname, _avatar, _year, _month, code in DEMO_CHILDREN:
        child = session.exec(select(Child).where(Child.name_key == corps.name_key(nickname))).first()
        personal = f"{child.id}-{DEMO_TEEN_CODE_SECRET}" if child is not None and child.personal_code_hash else None
        rows.append((nickname, code, personal))
    return rows
