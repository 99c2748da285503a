"""Rules for districts and groups."""

from sqlmodel import Session, select

from app.core import audit
from app.core.audit import Actor
from app.corps.models import District, Group, GroupKind


def get_district_by_code(*, session: Session, code: str) -> District | None:
    return session.exec(select(District).where(District.code == code)).first()


def get_group_by_code(*, session: Session, code: str) -> Group | None:
    return session.exec(select(Group).where(Group.code == code)).first()


def ensure_district(*, session: Session, actor: Actor | tuple[str, str | None] | None, code: str, name: dict[str, str]) -> District:
    district = get_district_by_code(session=session, code=code)
    if district is None:
        district = District(code=code, name=name)
        session.add(district)
        audit.record(session, actor=actor, action="corps.district_create", subject=district, code=code)
        session.commit()
    return district


def ensure_group(
    *, session: Session, actor: Actor | tuple[str, str | None] | None, district: District, code: str, name: dict[str, str], kind: GroupKind
) -> Group:
    group = get_group_by_code(session=session, code=code)
    if group is None:
        group = Group(district_id=district.id, code=code, name=name, kind=kind.value)  # type: ignore[arg-type]
        session.add(group)
        audit.record(session, actor=actor, action="corps.group_create", subject=group, code=code)
        session.commit()
    return group


def get_all_groups(*, session: Session) -> list[Group]:
    return list(session.exec(select(Group).order_by(Group.code)).all())
