"""What insights hold of a child (app/core/child_data.py): their "yes" / "not quite" to each theme of the
children's check (issue 16). Their "something is missing" words are consultations' comments, erased there.
Generated reports hold counts only, never a child: they are kept as they were read (the report says so)."""

from sqlalchemy import delete, func
from sqlmodel import Session, select

from app.core import child_data
from app.core.child_data import ChildData, Counts, Subject
from app.core.i18n import N_
from app.insights.models import ThemeCheck


def count(session: Session, subject: Subject) -> Counts:
    found = session.exec(select(func.count()).select_from(ThemeCheck).where(ThemeCheck.child_id == subject.child.id)).one()
    return {"theme_checks": found} if found else {}


def erase(session: Session, subject: Subject) -> Counts:
    found = count(session, subject)
    session.exec(delete(ThemeCheck).where(ThemeCheck.child_id == subject.child.id))  # type: ignore[call-overload]
    return found


def export(session: Session, subject: Subject) -> dict[str, object]:
    rows = session.exec(select(ThemeCheck).where(ThemeCheck.child_id == subject.child.id)).all()
    return {"theme_checks": [{"consultation_id": r.consultation_id, "theme_id": r.theme_id, "agrees": r.agrees,
                              "at": r.updated_at.isoformat()} for r in rows]}


child_data.register(ChildData(
    name="insights",
    tables=("theme_check",),
    categories={"theme_checks": N_("Answers to “did we understand you?”")},
    erase=erase, count=count, export=export,
    order=25,
))
