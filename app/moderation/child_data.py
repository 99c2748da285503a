"""What moderation holds of a child, for consent's erasure (app/core/child_data.py): the reports the child
made about comments (kept by reporter kind and id, no foreign key), and the moderated items of what the child
wrote (kind and id, no foreign key to the owner). The owners forget their items as they erase (consultations'
comments); moderation then removes any item of the child left, of any kind, so a new kind that forgets cannot
keep a child's findings."""

from sqlmodel import Session

from app.core import child_data
from app.core.child_data import ChildData, Subject
from app.core.i18n import N_
from app.moderation import service as moderation


def _erase(session: Session, subject: Subject) -> dict[str, int]:
    moderation.forget_child(session=session, kind=None, child_id=subject.child.id)  # type: ignore[arg-type]
    return {"reports": moderation.erase_reports_by(session=session, child=subject.child)}


child_data.register(ChildData(
    name="moderation",
    tables=("moderation_report", "moderated_item"),
    categories={"reports": N_("Reports the child made about comments")},
    erase=_erase,
    count=lambda session, subject: {"reports": moderation.erase_reports_by(session=session, child=subject.child, count_only=True)},
    order=30,
))
