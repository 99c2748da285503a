"""The project library (儿童友好城市项目库): projects of the city's departments with their child impact
assessment (儿童影响评价), which consultations link to (PAR-12). Every create and update is audited in the
same transaction; the caller commits."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from app.core import audit
from app.core.db import utcnow
from app.core.errors import InvalidInput, NotFound, UnknownReference
from app.core.i18n import N_, clean_locales
from app.corps.models import District
from app.projects.models import BUDGET_MAX_YUAN, TEXTS, Project, ProjectIn, ProjectStatus


def _check(session: Session, data: ProjectIn) -> None:
    for name, field in TEXTS.items():
        for text in getattr(data, name).values():
            field.clean(text)
    if not clean_locales(data.name).get("zh_Hans"):
        raise InvalidInput(N_("Please give the project a name in Chinese."))
    if not clean_locales(data.department).get("zh_Hans"):
        raise InvalidInput(N_("Please name the responsible department in Chinese."))
    if data.district_id is not None and session.get(District, data.district_id) is None:
        raise UnknownReference(N_("Please choose districts from the list."))
    if data.budget_yuan is not None and not 0 <= data.budget_yuan <= BUDGET_MAX_YUAN:
        raise InvalidInput(N_("Please give the budget as a whole number of yuan, 0 or more."))


def _apply(project: Project, data: ProjectIn) -> None:
    project.name = clean_locales(data.name)
    project.department = clean_locales(data.department)
    project.district_id = data.district_id
    project.status = ProjectStatus(data.status).value
    project.budget_yuan = data.budget_yuan
    project.impact_assessment = clean_locales(data.impact_assessment)
    project.views_changed = clean_locales(data.views_changed)
    project.updated_at = utcnow()


def create(*, session: Session, actor: Any, data: ProjectIn) -> Project:
    _check(session, data)
    project = Project(name={}, department={}, created_by_id=actor.id)
    _apply(project, data)
    session.add(project)
    audit.record(session, actor=actor, action="project.create", subject=project)
    return project


def update(*, session: Session, actor: Any, project: Project, data: ProjectIn) -> Project:
    _check(session, data)
    _apply(project, data)
    session.add(project)
    audit.record(session, actor=actor, action="project.update", subject=project)
    return project


def get(*, session: Session, project_id: int) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound()
    return project


def list_projects(*, session: Session, district_id: int | None = None, status: ProjectStatus | None = None) -> list[Project]:
    """Newest first; filtered by district and status."""
    query = select(Project).order_by(col(Project.id).desc())
    if district_id is not None:
        query = query.where(Project.district_id == district_id)
    if status is not None:
        query = query.where(Project.status == ProjectStatus(status).value)
    return list(session.exec(query).all())


# ---- what points at a project ----------------------------------------------------------------------------
# Domains above the library (consultations today; responses' commitments and observation missions tomorrow)
# register how to list their records that point at a project; the library imports none of them (issue 15).


@dataclass(frozen=True)
class Related:
    kind: str  # "consultation", …
    id: int
    title: str  # in the page's language
    url: str
    badge: str  # a message id, translated where it is shown
    on: dt.date | None = None  # the day it happened (or is due): the project's timeline orders by it


_related: list[Callable[[Session, Project], list[Related]]] = []


def register_related(lister: Callable[[Session, Project], list[Related]]) -> None:
    if lister not in _related:
        _related.append(lister)


def timeline_of(*, session: Session, project: Project) -> list[Related]:
    """Everything that points at the project and has a date, oldest first (issue 17: one timeline)."""
    dated = [r for r in related_of(session=session, project=project) if r.on is not None]
    return sorted(dated, key=lambda r: (r.on, r.kind, r.id))  # type: ignore[arg-type, return-value]


def related_of(*, session: Session, project: Project, kind: str | None = None) -> list[Related]:
    return [r for lister in _related for r in lister(session, project) if kind is None or r.kind == kind]
