"""Set-up for the staff side of the corps: districts, groups with facilitators, children."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from app.accounts.models import StaffUser
from app.core.db import utcnow
from app.core.i18n import DEFAULT_LOCALE, set_locale
from app.corps import actions
from app.corps.models import Child, ChildCreate, Group, GroupKind


def born(age: int) -> int:
    """The birth year of a child who is `age` today (born in January)."""
    return utcnow().year - age


def make_group(session: Session, code: str = "class-a", *, facilitators: list[StaffUser] = (), name: str = "四年级二班") -> Group:  # type: ignore[assignment]
    district = actions.ensure_district(session=session, actor=None, code="wuhua", name={"zh_Hans": "五华区", "en": "Wuhua District"})
    group = actions.create_group(
        session=session, actor=None, district_id=district.id, code=code, name={"zh_Hans": name, "en": f"Group {code}"}, kind=GroupKind.SCHOOL_CLASS
    )
    if facilitators:
        actions.set_facilitators(session=session, actor=None, group=group, user_ids=[u.id for u in facilitators])  # type: ignore[arg-type]
    return group


def make_child(session: Session, group: Group, name: str = "小星星", *, age: int = 10, real_name: str | None = None, avatar: str = "panda") -> tuple[Child, list[str]]:
    return actions.enrol(
        session=session, actor=None, group=group,
        data=ChildCreate(display_name=name, avatar=avatar, birth_year=born(age), birth_month=1, real_name=real_name),
    )


@contextmanager
def in_english() -> Iterator[None]:
    """Messages read outside a request (the importer, the command) in English, as the tests assert them."""
    set_locale("en")
    try:
        yield
    finally:
        set_locale(DEFAULT_LOCALE)
