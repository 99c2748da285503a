"""What people do with the project library, one function per use case: each opens the unit of work, calls the
service (which never commits), and commits once (docs/architecture.md, "Who commits")."""

from typing import Any

from sqlmodel import Session

from app.core.db import transaction
from app.projects import service
from app.projects.models import Project, ProjectIn


def create(*, session: Session, actor: Any, data: ProjectIn) -> Project:
    """PAR-12: a project of a city department, with its child impact assessment."""
    with transaction(session):
        return service.create(session=session, actor=actor, data=data)


def update(*, session: Session, actor: Any, project: Project, data: ProjectIn) -> Project:
    with transaction(session):
        return service.update(session=session, actor=actor, project=project, data=data)
