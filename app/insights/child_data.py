"""What insights hold of a child (app/core/child_data.py): their "yes" / "not quite" to each theme of the
children's check (issue 16). Their "something is missing" words are consultations' comments, erased there.

Generated reports hold counts, and quotes of children's words: a kept version that quotes a child whose QUOTE
consent is withdrawn, or who is erased, is withdrawn (its file deleted, its counts kept) and regenerated as a new
version without the quote (CON-03, CON-07: "the quote disappears from every output, the PDF included"). This runs
before consultations erase the child's comments (order 15 < 20), while their ids are still known."""

from sqlalchemy import delete, func
from sqlmodel import Session, select

from app.consent.models import Purpose
from app.consultations.models import Comment
from app.core import child_data, jobs
from app.core.child_data import ChildData, Counts, Subject
from app.core.i18n import N_
from app.insights import report, vectors
from app.insights.models import ThemeCheck

REGENERATE_JOB = "insights.regenerate_report"


def _withdraw_reports(session: Session, child_id: int) -> int:
    """Withdraw the kept report versions quoting this child, and ask the worker to print each again."""
    ids = set(session.exec(select(Comment.id).where(Comment.child_id == child_id)).all())
    withdrawn = report.withdraw_quoting(session=session, comment_ids=ids)  # type: ignore[arg-type]
    for kept in withdrawn:
        jobs.enqueue(session, REGENERATE_JOB, {"consultation_id": kept.consultation_id, "locale": kept.locale, "replaces": kept.number},
                     key=f"{REGENERATE_JOB}:{kept.id}")
    return len(withdrawn)


def withdraw(session: Session, child: object, purpose: str) -> Counts:
    """QUOTE: kept reports quoting the child are withdrawn. PARTICIPATE: the vectors made of their comments are
    deleted (their words leave the analysis: `service.analysable_comments`)."""
    if purpose == Purpose.PARTICIPATE.value:
        found = vectors.forget_child(session=session, child_id=child.id)  # type: ignore[attr-defined]
        return {"comment_vectors": found} if found else {}
    if purpose != Purpose.QUOTE.value:
        return {}
    found = _withdraw_reports(session, child.id)  # type: ignore[attr-defined]
    return {"report_versions_withdrawn": found} if found else {}


def count(session: Session, subject: Subject) -> Counts:
    found = session.exec(select(func.count()).select_from(ThemeCheck).where(ThemeCheck.child_id == subject.child.id)).one()
    return {"theme_checks": found} if found else {}


def erase(session: Session, subject: Subject) -> Counts:
    found = count(session, subject)
    _withdraw_reports(session, subject.child.id)
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
    erase=erase, count=count, export=export, withdraw=withdraw,
    order=15,
))
