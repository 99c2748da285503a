"""What responses hold of a child (app/core/child_data.py): their face and "why" about a consultation's response,
and when they last opened it (their "news" badge). Issue 17: nothing of an erased child stays in reactions."""

from sqlalchemy import delete, func
from sqlmodel import Session, select

from app.core import child_data
from app.core.child_data import ChildData, Counts, Subject
from app.core.i18n import N_
from app.responses import hearing
from app.responses.models import HeardBack, Reaction


def count(session: Session, subject: Subject) -> Counts:
    found = {}
    for key, table in (("reactions", Reaction), ("heard_back", HeardBack)):
        n = session.exec(select(func.count()).select_from(table).where(table.child_id == subject.child.id)).one()
        if n:
            found[key] = n
    return found


def erase(session: Session, subject: Subject) -> Counts:
    found = count(session, subject)
    for table in (Reaction, HeardBack):
        session.exec(delete(table).where(table.child_id == subject.child.id))  # type: ignore[call-overload]
    return found


def withdraw(session: Session, child: object, purpose: str) -> Counts:
    """CON-07: once taking part stops, the child's "why" still waiting for a moderator leaves the queue."""
    if purpose != "participate":
        return {}
    removed = hearing.withdraw_pending(session=session, child=child)  # type: ignore[arg-type]
    return {"reactions": removed} if removed else {}


def export(session: Session, subject: Subject) -> dict[str, object]:
    rows = session.exec(select(Reaction).where(Reaction.child_id == subject.child.id)).all()
    return {"reactions": [{"consultation_id": r.consultation_id, "face": r.face, "why": r.why,
                           "at": r.updated_at.isoformat()} for r in rows]}


child_data.register(ChildData(
    name="responses",
    tables=("reaction", "heard_back"),
    categories={
        "reactions": N_("What the child thought of the city's answers"),
        "heard_back": N_("When the child read the city's answers"),
    },
    erase=erase, count=count, export=export, withdraw=withdraw,
    order=26,
))
