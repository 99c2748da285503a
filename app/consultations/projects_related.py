"""What consultations tell the project library (app/projects): the consultations that point at a project, for
the project's page and API. The library asks through its registry and imports nothing of consultations."""

from sqlmodel import Session, col, select

from app.consultations.models import STATE_LABELS, Consultation
from app.core.i18n import localised
from app.projects import service as projects
from app.projects.models import Project


def _consultations(session: Session, project: Project) -> list[projects.Related]:
    found = session.exec(select(Consultation).where(Consultation.project_id == project.id).order_by(col(Consultation.id).desc())).all()
    return [projects.Related("consultation", c.id, localised(c.title), f"/consultations/{c.id}", STATE_LABELS[c.state()],
                             on=c.opens_at.date() if c.opens_at else None) for c in found]  # type: ignore[arg-type]


projects.register_related(_consultations)
