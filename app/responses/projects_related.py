"""What responses tell the project library (app/projects): the commitments linked to a project, and the
decisions and published responses of the consultations that feed it, each with its date for the project's
timeline. The library asks through its registry and imports nothing of responses."""

from sqlmodel import Session, col, select

from app.consultations.models import Consultation
from app.core.i18n import N_, localised
from app.projects import service as projects
from app.projects.models import Project
from app.responses.models import COMMITMENT_STATUS_LABELS, Commitment, CommitmentStatus, Decision, Publication


def _records(session: Session, project: Project) -> list[projects.Related]:
    found: list[projects.Related] = []
    for c in session.exec(select(Commitment).where(Commitment.project_id == project.id).order_by(col(Commitment.id))).all():
        found.append(projects.Related("commitment", c.id, localised(c.action), f"/consultations/{c.consultation_id}/responses#commitment-{c.id}",  # type: ignore[arg-type]
                                      COMMITMENT_STATUS_LABELS[CommitmentStatus(c.status)], on=c.due_on or c.created_at.date()))
    ids = list(session.exec(select(Consultation.id).where(Consultation.project_id == project.id)).all())
    if ids:
        for d in session.exec(select(Decision).where(col(Decision.consultation_id).in_(ids))).all():
            found.append(projects.Related("decision", d.id, localised(d.text)[:120], f"/consultations/{d.consultation_id}/responses#decisions",  # type: ignore[arg-type]
                                          N_("Decision"), on=d.decided_on))
        for p in session.exec(select(Publication).where(col(Publication.consultation_id).in_(ids))).all():
            title = localised(session.get_one(Consultation, p.consultation_id).title)
            found.append(projects.Related("response", p.id, title, f"/consultations/{p.consultation_id}/responses/publications/{p.number}",  # type: ignore[arg-type]
                                          N_("Response published") if p.number == 1 else N_("Response corrected"), on=p.published_at.date()))
    return found


projects.register_related(_records)
