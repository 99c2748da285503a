"""Demo data for `yimi demo` and `make run`: idempotent, never in production."""

from sqlmodel import Session

from app.accounts import service as accounts
from app.accounts.models import Role, StaffUserCreate
from app.core import audit
from app.core.security import hash_password
from app.corps import service as corps
from app.corps.models import GroupKind

DEMO_PASSWORD = "yimi-demo-2026"
DEMO_USERS: list[tuple[Role, str, str]] = [
    (Role.ADMIN, "admin", "管理员 Admin"),
    (Role.OFFICIAL, "official", "王科长 Official Wang"),
    (Role.MODERATOR, "moderator", "李审核 Moderator Li"),
    (Role.SAFEGUARDING_OFFICER, "safeguarding", "张保护 Safeguarding Zhang"),
    (Role.FACILITATOR, "facilitator", "陈老师 Teacher Chen"),
    (Role.ANALYST, "analyst", "赵分析 Analyst Zhao"),
]


def load_demo(*, session: Session) -> list[tuple[str, str]]:
    district = corps.ensure_district(session=session, actor=None, code="demo-wuhua", name={"zh_Hans": "五华区", "en": "Wuhua District"})
    corps.ensure_group(
        session=session, actor=None, district=district, code="demo-class-4-2",
        name={"zh_Hans": "四年级二班", "en": "Class 4-2"}, kind=GroupKind.SCHOOL_CLASS,
    )
    corps.ensure_group(
        session=session, actor=None, district=district, code="demo-squad-green",
        name={"zh_Hans": "绿叶观察小队", "en": "Green Leaf squad"}, kind=GroupKind.SQUAD,
    )
    created = []
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
        created.append((role.value, username))
    return created
