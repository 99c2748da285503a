"""JSON API of the observer corps under /api/v1/corps: the same service calls as the pages.

Children appear with pseudonymous fields only; a real identity is a separate call that needs IDENTITY_READ
and a reason, and is logged (SEC-02, SEC-03)."""

from dataclasses import asdict
from typing import Annotated

from fastapi import Depends, Request, Response, status
from pydantic import BaseModel

from app.accounts.deps import CorpsAdminApi as CorpsAdmin
from app.accounts.deps import IdentityReaderApi as IdentityReader
from app.accounts.deps import StaffApi as Staff
from app.core.db import Id, SessionDep
from app.core.errors import InvalidInput
from app.core.routing import Router
from app.corps import actions, importing, service
from app.corps.models import (
    Child,
    ChildCreateBody,
    ChildEnrolled,
    ChildPublic,
    ChildStatus,
    ChildStatusUpdate,
    District,
    DistrictCreate,
    DistrictPublic,
    FacilitatorsUpdate,
    Group,
    GroupCreate,
    GroupPublic,
    IdentityPublic,
    IdentityRead,
    IdentityUpdate,
    ParticipationPublic,
)

router = Router(prefix="/api/v1/corps", tags=["corps"])

# Administrators and facilitators: the service narrows it to the groups each may see.


class ImportLine(BaseModel):
    line: int
    display_name: str
    ok: bool
    problems: list[str]


class ImportReportPublic(BaseModel):
    """What a CSV import found, line by line (real names are never echoed back)."""

    ok: bool
    problems: list[str]
    ignored_columns: list[str]
    rows: list[ImportLine]
    imported: list[ChildEnrolled] = []


class PersonalCode(BaseModel):
    child_id: Id
    personal_code: str
    sign_in_path: str = "/young"


def child_public(child: Child) -> ChildPublic:
    return ChildPublic(
        id=child.id,  # type: ignore[arg-type]
        group_id=child.group_id,
        display_name=child.display_name,
        avatar=child.avatar,
        birth_year=child.birth_year,
        birth_month=child.birth_month,
        age_band=child.age_band(),
        status=ChildStatus(child.status),
        locked=child.is_locked,
    )


def _enrolled(child: Child, code: list[str]) -> ChildEnrolled:
    return ChildEnrolled(child=child_public(child), picture_code=code)


# ---- districts and groups ------------------------------------------------------------------------


@router.get("/districts", response_model=list[DistrictPublic])
def list_districts(session: SessionDep, admin: CorpsAdmin) -> list[District]:
    return service.list_districts(session=session)


@router.post("/districts", response_model=DistrictPublic, status_code=status.HTTP_201_CREATED)
def create_district(data: DistrictCreate, session: SessionDep, admin: CorpsAdmin) -> District:
    return actions.create_district(session=session, actor=admin, code=data.code, name=data.name)


@router.get("/groups", response_model=list[GroupPublic], summary="Groups the caller may see (administrators: all)")
def list_groups(session: SessionDep, user: Staff) -> list[Group]:
    return service.visible_groups(session=session, user=user)


@router.post("/groups", response_model=GroupPublic, status_code=status.HTTP_201_CREATED)
def create_group(data: GroupCreate, session: SessionDep, admin: CorpsAdmin) -> Group:
    return actions.create_group(
        session=session, actor=admin, district_id=data.district_id, code=data.code, name=data.name, kind=data.kind
    )


@router.get("/groups/{group_id}", response_model=GroupPublic)
def get_group(group_id: Id, session: SessionDep, user: Staff) -> Group:
    return service.get_group(session=session, group_id=group_id, user=user)


@router.put("/groups/{group_id}/facilitators", response_model=FacilitatorsUpdate)
def set_facilitators(group_id: Id, data: FacilitatorsUpdate, session: SessionDep, admin: CorpsAdmin) -> FacilitatorsUpdate:
    group = service.get_group(session=session, group_id=group_id, user=admin)
    users = actions.set_facilitators(session=session, actor=admin, group=group, user_ids=data.user_ids)
    return FacilitatorsUpdate(user_ids=[u.id for u in users if u.id is not None])


@router.get("/groups/{group_id}/participation", response_model=ParticipationPublic, summary="Participation rates, never answers")
def participation(group_id: Id, session: SessionDep, user: Staff) -> ParticipationPublic:
    group = service.get_group(session=session, group_id=group_id, user=user)
    return ParticipationPublic(group_id=group_id, **asdict(service.participation(session=session, group=group)))


# ---- children ------------------------------------------------------------------------------------


@router.get("/groups/{group_id}/children", response_model=list[ChildPublic])
def list_children(group_id: Id, session: SessionDep, user: Staff) -> list[ChildPublic]:
    group = service.get_group(session=session, group_id=group_id, user=user)
    return [child_public(c) for c in service.children_of(session=session, group=group)]


@router.post(
    "/groups/{group_id}/children",
    response_model=ChildEnrolled,
    status_code=status.HTTP_201_CREATED,
    summary="Enrol a child; the picture code is returned only this once",
)
def enrol(group_id: Id, data: ChildCreateBody, session: SessionDep, user: Staff) -> ChildEnrolled:
    group = service.get_group(session=session, group_id=group_id, user=user)
    child, code = actions.enrol(session=session, actor=user, group=group, data=data)
    return _enrolled(child, code)


async def csv_body(request: Request) -> bytes:
    return await request.body()


class ImportRefused(InvalidInput):
    """A CSV file with a line that cannot be imported (its rules are the enrolment's, beyond any schema)."""

    slug = "import-refused"


@router.post(
    "/groups/{group_id}/import",
    response_model=ImportReportPublic,
    summary="Import children from a CSV file: all or nothing",
    description=(
        "The body is the CSV file (UTF-8 or GBK) with a header line: display_name, birth_year, birth_month, and "
        "optionally avatar, real_name, confirmed_nickname (Chinese headers 昵称, 出生年份, 出生月份, 头像, 真实姓名, "
        "确认昵称 work too). A file with any bad line is refused (422, one error per line) and nothing is imported, "
        "with `dry_run=true` too. With `dry_run=true` a clean file's report comes back (200) and nothing is imported; "
        "otherwise a clean file is imported in one transaction and each child's picture code is returned once (201)."
    ),
    openapi_extra={"requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def import_children(
    group_id: Id,
    session: SessionDep,
    user: Staff,
    response: Response,
    raw: Annotated[bytes, Depends(csv_body)],
    dry_run: bool = False,
) -> ImportReportPublic:
    group = service.get_group(session=session, group_id=group_id, user=user)
    report = importing.read(raw, existing_keys=service.existing_name_keys(session=session, group=group))
    public = ImportReportPublic(
        ok=report.ok,
        problems=[p.text() for p in report.problems],
        ignored_columns=report.ignored_columns,
        rows=[ImportLine(line=r.line, display_name=r.display_name, ok=r.ok, problems=[p.text() for p in r.problems]) for r in report.rows],
    )
    if not report.ok:
        # A dry run checks the file as the import would: a file with a bad line is refused alike (422, one error
        # per line), so a client never mistakes a 200 for "this file will import".
        first = report.first_problem()
        errors = [{"loc": ["file"], "msg": p.text(), "type": "value_error"} for p in report.problems] + [
            {"loc": ["line", r.line], "msg": p.text(), "type": "value_error"} for r in report.bad_rows for p in r.problems
        ]
        raise ImportRefused(first.message, errors=errors, **first.variables)
    if dry_run:
        return public
    enrolled = actions.import_children(session=session, actor=user, group=group, rows=report.children())
    public.imported = [_enrolled(child, code) for child, code in enrolled]
    response.status_code = status.HTTP_201_CREATED
    return public


@router.get("/children/{child_id}", response_model=ChildPublic)
def get_child(child_id: Id, session: SessionDep, user: Staff) -> ChildPublic:
    return child_public(service.get_child(session=session, child_id=child_id, user=user))


@router.patch("/children/{child_id}", response_model=ChildPublic, summary="Change a child's status")
def update_child(child_id: Id, data: ChildStatusUpdate, session: SessionDep, user: Staff) -> ChildPublic:
    child = service.get_child(session=session, child_id=child_id, user=user)
    return child_public(actions.set_status(session=session, actor=user, child=child, status=data.status))


@router.post("/children/{child_id}/picture-code", response_model=ChildEnrolled, summary="A new picture code, returned once")
def reset_picture_code(child_id: Id, session: SessionDep, user: Staff) -> ChildEnrolled:
    child = service.get_child(session=session, child_id=child_id, user=user)
    code = actions.reset_picture_code(session=session, actor=user, child=child)
    return _enrolled(child, code)


@router.post("/children/{child_id}/unlock", response_model=ChildPublic)
def unlock(child_id: Id, session: SessionDep, user: Staff) -> ChildPublic:
    child = service.get_child(session=session, child_id=child_id, user=user)
    return child_public(actions.unlock(session=session, actor=user, child=child))


@router.post("/children/{child_id}/personal-code", response_model=PersonalCode, summary="A 14-17-year-old's code for their own phone, returned once")
def personal_code(child_id: Id, session: SessionDep, user: Staff) -> PersonalCode:
    child = service.get_child(session=session, child_id=child_id, user=user)
    return PersonalCode(child_id=child_id, personal_code=actions.issue_personal_code(session=session, actor=user, child=child))


# ---- real identity -------------------------------------------------------------------------------


@router.post("/children/{child_id}/identity", response_model=IdentityPublic, summary="Read a child's real identity (logged with the reason)")
def read_identity(child_id: Id, data: IdentityRead, session: SessionDep, user: IdentityReader) -> IdentityPublic:
    child = service.get_child_for_identity(session=session, child_id=child_id, user=user)
    identity = actions.read_identity(session=session, actor=user, child=child, reason=data.reason)
    return IdentityPublic(child_id=child_id, real_name=identity.real_name if identity else None, notes=identity.notes if identity else None)


@router.put("/children/{child_id}/identity", response_model=IdentityPublic, summary="Change a child's real identity (logged with the reason)")
def update_identity(child_id: Id, data: IdentityUpdate, session: SessionDep, user: IdentityReader) -> IdentityPublic:
    child = service.get_child_for_identity(session=session, child_id=child_id, user=user)
    identity = actions.set_identity(session=session, actor=user, child=child, real_name=data.real_name, notes=data.notes, reason=data.reason)
    return IdentityPublic(child_id=child_id, real_name=identity.real_name, notes=identity.notes)
