"""JSON API for the project library under /api/v1/projects: officials (CONSULTATIONS_MANAGE) create and
replace projects; INSIGHTS_READ reads them. Projects are not deleted: a stopped project is marked paused or
completed, so the consultations that fed it keep their link."""


from fastapi import status

from app.accounts.deps import ManagerApi as Manager
from app.accounts.deps import ReaderApi as Reader
from app.core.db import Id, SessionDep
from app.core.routing import Router
from app.projects import actions, service
from app.projects.models import ProjectBody, ProjectPublic, ProjectStatus

router = Router(prefix="/api/v1/projects", tags=["projects"])



class ProjectDetail(ProjectPublic):
    consultation_ids: list[Id] = []


def _detail(session: SessionDep, project) -> ProjectDetail:  # noqa: ANN001
    return ProjectDetail(
        **ProjectPublic.model_validate(project).model_dump(),
        consultation_ids=[r.id for r in service.related_of(session=session, project=project, kind="consultation")],
    )


@router.get("", response_model=list[ProjectPublic], summary="The project library, newest first")
def projects_list(session: SessionDep, user: Reader, district_id: Id | None = None, status: ProjectStatus | None = None) -> list[ProjectPublic]:
    return [ProjectPublic.model_validate(p) for p in service.list_projects(session=session, district_id=district_id, status=status)]


@router.post("", response_model=ProjectDetail, status_code=status.HTTP_201_CREATED, summary="Add a project")
def project_create(data: ProjectBody, session: SessionDep, user: Manager) -> ProjectDetail:
    project = actions.create(session=session, actor=user, data=data)
    return _detail(session, project)


@router.get("/{project_id}", response_model=ProjectDetail, summary="One project, with the consultations linked to it")
def project_get(project_id: Id, session: SessionDep, user: Reader) -> ProjectDetail:
    return _detail(session, service.get(session=session, project_id=project_id))


@router.put("/{project_id}", response_model=ProjectDetail, summary="Replace a project")
def project_update(project_id: Id, data: ProjectBody, session: SessionDep, user: Manager) -> ProjectDetail:
    project = service.get(session=session, project_id=project_id)
    actions.update(session=session, actor=user, project=project, data=data)
    return _detail(session, project)
