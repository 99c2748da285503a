"""What consultations hold of a child, for consent's withdrawal, export and erasure (app/core/child_data.py):
answers, comments, participations (receipt codes) and submission keys."""

from sqlmodel import Session

from app.consent.models import Purpose
from app.consultations import answering
from app.core import child_data
from app.core.child_data import ChildData, Counts, Subject
from app.core.i18n import N_


def withdraw(session: Session, child: object, purpose: str) -> Counts:
    """CON-07: once taking part stops, the child's comments still waiting for a moderator leave the queue."""
    if purpose != Purpose.PARTICIPATE.value:
        return {}
    removed = answering.withdraw_pending(session=session, child=child)  # type: ignore[arg-type]
    return {"comments": removed} if removed else {}


def export(session: Session, subject: Subject) -> dict[str, object]:
    return {"consultations": answering.export_child(session=session, child=subject.child)}


child_data.register(ChildData(
    name="consultations",
    tables=("answer", "comment", "participation", "submission"),
    categories={
        "answers": N_("Answers to consultations"),
        "comments": N_("Comments and short-text answers"),
        "participations": N_("Receipt codes of consultations answered"),
        "submissions": N_("Records of when answers were sent"),
    },
    erase=lambda session, subject: answering.erase_child(session=session, child=subject.child),
    count=lambda session, subject: answering.input_counts(session=session, child=subject.child),
    export=export, withdraw=withdraw,
    order=20,
))
