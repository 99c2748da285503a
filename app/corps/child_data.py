"""What corps holds of a child, for consent's withdrawal, export and erasure (app/core/child_data.py): the
identity record (real name, notes), the child's sign-ins, and the child row itself, which an erasure keeps
pseudonymised (DP-*): audit events point at it by id, and counts already published per age band stay right."""

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from app.core import child_data
from app.core.child_data import ChildData, Counts, Subject
from app.core.db import utcnow
from app.core.i18n import N_
from app.corps.models import ChildIdentity, ChildSession, ChildStatus, Group

DELETED_NAME = "已删除"


def _iso(value) -> str | None:  # noqa: ANN001
    return value.isoformat() if value is not None else None


def _count(session: Session, model: type, child_id: int) -> int:
    return int(session.exec(select(func.count()).select_from(model).where(model.child_id == child_id)).one())  # type: ignore[attr-defined]


def _delete(session: Session, model: type, child_id: int) -> int:
    result = session.execute(delete(model).where(model.child_id == child_id).execution_options(synchronize_session=False))  # type: ignore[attr-defined]
    return int(result.rowcount)  # type: ignore[attr-defined]


def count(session: Session, subject: Subject) -> Counts:
    child_id = subject.child.id
    return {"identity_record": _count(session, ChildIdentity, child_id), "child_sessions": _count(session, ChildSession, child_id), "pseudonym": 1}


def erase(session: Session, subject: Subject) -> Counts:
    """Delete the identity record and the sign-ins, then pseudonymise the child row (last of every domain:
    others may still look for the child's nickname, e.g. in messages to a guardian)."""
    child = subject.child
    counts = {"identity_record": _delete(session, ChildIdentity, child.id), "child_sessions": _delete(session, ChildSession, child.id)}
    child.display_name = DELETED_NAME
    child.name_key = f"deleted-{child.id}"
    child.status = ChildStatus.LEFT.value
    child.left_at = child.left_at or utcnow()
    child.picture_code_hash = ""
    child.personal_code_hash = None
    child.failed_codes = 0
    child.locked_at = None
    child.birth_month = 1  # the birth year stays: counts already published per age band stay right
    session.add(child)
    counts["pseudonym"] = 1
    return counts


def export(session: Session, subject: Subject) -> dict[str, object]:
    child = subject.child
    group = session.get(Group, child.group_id)
    identity = session.exec(select(ChildIdentity).where(ChildIdentity.child_id == child.id)).first()
    return {
        "child": {
            "id": child.id, "nickname": child.display_name, "avatar": child.avatar, "birth_year": child.birth_year,
            "birth_month": child.birth_month, "age_band": (band.value if (band := child.age_band()) else None),
            "status": child.status, "created_at": _iso(child.created_at), "left_at": _iso(child.left_at),
            "turned_14_at": _iso(child.turned_14_at), "locked": child.is_locked,
            "has_personal_code": child.personal_code_hash is not None,
        },
        "group": {"id": group.id, "code": group.code, "name": group.name, "kind": group.kind} if group else None,
        "identity": {"real_name": identity.real_name, "notes": identity.notes, "updated_at": _iso(identity.updated_at)} if identity else None,
        "child_sessions": [
            {"started_at": _iso(s.created_at), "last_seen_at": _iso(s.last_seen_at), "ended_at": _iso(s.ended_at)}
            for s in session.exec(select(ChildSession).where(ChildSession.child_id == child.id).order_by(col(ChildSession.id)))
        ],
    }


child_data.register(ChildData(
    name="corps",
    tables=("child_identity", "child_session"),
    kept={"child": "kept pseudonymised (nickname, codes and birth month replaced): the audit log and published counts point at it"},
    categories={
        "identity_record": N_("Identity record (real name and notes)"),
        "child_sessions": N_("Sign-ins of the child"),
        "pseudonym": N_("Nickname and picture code (replaced by a neutral placeholder)"),
    },
    erase=erase, count=count, export=export,
    order=90,
))
