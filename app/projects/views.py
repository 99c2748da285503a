"""The project library pages (儿童友好城市项目库).

Officials (CONSULTATIONS_MANAGE) create and edit projects; whoever reads results (INSIGHTS_READ: officials
and analysts) reads the library and each project with the consultations linked to it (PAR-12)."""

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from app.accounts.deps import ManagerPage as Manager
from app.accounts.deps import ReaderPage as Reader
from app.accounts.permissions import Permission, can
from app.core.db import Id, SessionDep, form_id
from app.core.errors import InvalidInput, refusal
from app.core.i18n import N_
from app.core.routing import Router
from app.core.templating import NOTICES, redirect, render
from app.corps import service as corps
from app.projects import actions, service
from app.projects.models import PROJECT_STATUS_LABELS, Project, ProjectIn, ProjectStatus

router = Router(include_in_schema=False)

NOTICES.update(
    {
        "project_created": N_("The project is added to the library."),
        "project_saved": N_("Changes saved."),
    }
)

TEXTS = tuple(service.TEXTS)  # the project's texts per locale, one field per language
LOCALE_FIELDS = {"zh": "zh_Hans", "en": "en"}


async def _read_form(request: Request) -> FormData:
    return await request.form()


Form = Annotated[FormData, Depends(_read_form)]


def _labels(session: SessionDep) -> dict[str, Any]:
    districts = corps.list_districts(session=session)
    return {
        "status_labels": PROJECT_STATUS_LABELS, "districts": districts,
        "district_by_id": {d.id: d for d in districts}, "fields": service.TEXTS,
    }


def form_of(project: Project) -> dict[str, str]:
    form = {f"{name}_{short}": getattr(project, name).get(loc, "") for name in TEXTS for short, loc in LOCALE_FIELDS.items()}
    form.update(district_id=str(project.district_id or ""), status=project.status,
                budget_yuan="" if project.budget_yuan is None else str(project.budget_yuan))
    return form


def project_in(form: dict[str, str]) -> ProjectIn:
    district = form.get("district_id", "").strip()
    if district and not district.isdigit():
        raise InvalidInput(N_("Please choose districts from the list."))
    status = form.get("status") or ProjectStatus.PLANNED.value
    if status not in ProjectStatus._value2member_map_:
        raise InvalidInput(N_("Please choose a status from the list."))
    budget = form.get("budget_yuan", "").strip().replace(",", "").replace("，", "")
    if budget and not budget.isdigit():
        raise InvalidInput(N_("Please give the budget as a whole number of yuan, 0 or more."))
    return ProjectIn(
        **{name: {loc: form.get(f"{name}_{short}", "") for short, loc in LOCALE_FIELDS.items()} for name in TEXTS},
        district_id=form_id(district), status=ProjectStatus(status), budget_yuan=int(budget) if budget else None,
    )


def _typed(values: FormData) -> dict[str, str]:
    return {k: str(v) for k, v in values.items() if isinstance(v, str) and k != "csrf_token"}


def _form_page(request: Request, session: SessionDep, form: dict[str, str], project: Project | None = None, status_code: int = 200, **extra: Any) -> Response:
    return render(request, "projects/form.html", {"form": form, "project": project, **_labels(session), **extra}, status_code=status_code)


@router.get("/projects")
def project_list(request: Request, session: SessionDep, user: Reader, district: str = "", status: str = "") -> Response:
    chosen_district = form_id(district)
    chosen_status = ProjectStatus(status) if status in ProjectStatus._value2member_map_ else None
    return render(
        request,
        "projects/list.html",
        {
            "projects": service.list_projects(session=session, district_id=chosen_district, status=chosen_status),
            "filters": {"district": str(chosen_district or ""), "status": chosen_status.value if chosen_status else ""},
            "can_manage": can(user, Permission.CONSULTATIONS_MANAGE),
            **_labels(session),
        },
    )


@router.get("/projects/new")
def project_new(request: Request, session: SessionDep, user: Manager) -> Response:
    return _form_page(request, session, {"status": ProjectStatus.PLANNED.value})


@router.post("/projects")
def project_create(request: Request, session: SessionDep, user: Manager, values: Form) -> Response:
    form = _typed(values)
    try:
        project = actions.create(session=session, actor=user, data=project_in(form))
    except InvalidInput as exc:
        return _form_page(request, session, form, **refusal(exc))
    return redirect(f"/projects/{project.id}?done=project_created")


@router.get("/projects/{project_id}")
def project_page(request: Request, project_id: Id, session: SessionDep, user: Reader) -> Response:
    project = service.get(session=session, project_id=project_id)
    return render(
        request,
        "projects/detail.html",
        {
            "project": project,
            "related": service.related_of(session=session, project=project),
            "timeline": service.timeline_of(session=session, project=project),
            "can_manage": can(user, Permission.CONSULTATIONS_MANAGE),
            **_labels(session),
        },
    )


@router.get("/projects/{project_id}/edit")
def project_edit(request: Request, project_id: Id, session: SessionDep, user: Manager) -> Response:
    project = service.get(session=session, project_id=project_id)
    return _form_page(request, session, form_of(project), project)


@router.post("/projects/{project_id}/edit")
def project_update(request: Request, project_id: Id, session: SessionDep, user: Manager, values: Form) -> Response:
    project = service.get(session=session, project_id=project_id)
    form = _typed(values)
    try:
        actions.update(session=session, actor=user, project=project, data=project_in(form))
    except InvalidInput as exc:
        return _form_page(request, session, form, project, **refusal(exc))
    return redirect(f"/projects/{project_id}?done=project_saved")
