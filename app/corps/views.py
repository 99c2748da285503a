"""Staff pages of the observer corps: districts, groups, facilitators, children, identity, import.

Pages used by administrators and facilitators alike declare STAFF_AREA; the service decides what each
person sees (administrators every group, a facilitator their own, anyone else none: 'not found')."""

import base64
import binascii
from typing import Annotated

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import Response

from app.accounts.deps import CorpsAdminPage as CorpsAdmin
from app.accounts.deps import IdentityReaderPage as IdentityReader
from app.accounts.deps import StaffPage as Staff
from app.accounts.models import StaffUser
from app.accounts.permissions import Permission, can
from app.core.db import Id, SessionDep, form_id, utcnow
from app.core.errors import Conflict, InvalidInput, NotFound, refusal
from app.core.i18n import N_
from app.core.routing import Router
from app.core.templating import NOTICES, is_htmx, redirect, render
from app.core.validation import FormText
from app.corps import actions, importing, service
from app.corps.models import (
    AVATARS,
    CHILD_STATUS_LABELS,
    GROUP_KIND_LABELS,
    LIMITS,
    PICTURES,
    AgeBand,
    Child,
    ChildCreate,
    ChildStatus,
    Group,
    GroupKind,
)

router = Router(include_in_schema=False)

NOTICES.update(
    {
        "district_created": N_("The district is added."),
        "group_created": N_("The group is created. Now assign its facilitators."),
        "facilitators_saved": N_("Facilitators saved."),
        "child_unlocked": N_("Unlocked: the child can sign in again with their pictures."),
        "status_saved": N_("Status saved."),
        "identity_saved": N_("The identity record is saved. Give a reason to read it again."),
    }
)

# Administrators and facilitators: the service narrows it to the groups each may see.

TABLET_HOURS = (1, 2, 3, 4)
AGE_BANDS = {AgeBand.YOUNG: "6–9", AgeBand.MIDDLE: "10–13", AgeBand.TEEN: "14–17"}


def _labels() -> dict[str, object]:
    """What every corps page may show: the words for kinds, statuses, avatars, pictures and age bands."""
    return {
        "kinds": GROUP_KIND_LABELS,
        "status_labels": CHILD_STATUS_LABELS,
        "avatars": AVATARS,
        "pictures": PICTURES,
        "age_bands": AGE_BANDS,
        "fields": LIMITS,
    }


# ---- districts -----------------------------------------------------------------------------------


def _districts_page(request: Request, session: SessionDep, form: dict[str, str], status_code: int = 200, **extra: object) -> Response:
    return render(
        request,
        "corps/districts.html",
        {"districts": service.list_districts(session=session), "form": form, "fields": LIMITS, **extra},
        status_code=status_code,
    )


@router.get("/corps/districts")
def districts(request: Request, session: SessionDep, admin: CorpsAdmin) -> Response:
    return _districts_page(request, session, {})


@router.post("/corps/districts")
def district_create(
    request: Request,
    session: SessionDep,
    admin: CorpsAdmin,
    code: Annotated[str, FormText(N_("Code"))] = "",
    name_zh: Annotated[str, FormText(N_("Chinese name"))] = "",
    name_en: Annotated[str, FormText(N_("English name"))] = "",
) -> Response:
    form = {"code": code, "name_zh": name_zh, "name_en": name_en}
    try:
        actions.create_district(session=session, actor=admin, code=code, name={"zh_Hans": name_zh, "en": name_en})
    except (InvalidInput, Conflict) as exc:
        return _districts_page(request, session, form, **refusal(exc))
    return redirect("/corps/districts?done=district_created")


# ---- groups --------------------------------------------------------------------------------------


def _groups_page(request: Request, session: SessionDep, user: StaffUser, form: dict[str, str], status_code: int = 200, **extra: object) -> Response:
    groups = service.visible_groups(session=session, user=user)
    districts = service.list_districts(session=session)
    return render(
        request,
        "corps/groups.html",
        {
            "groups": groups,
            "counts": service.child_counts(session=session, groups=groups),
            "districts": districts,
            "district_by_id": {d.id: d for d in districts},
            "can_create": can(user, Permission.CORPS_ADMIN),
            "form": form,
            **_labels(),
            **extra,
        },
        status_code=status_code,
    )


@router.get("/corps/groups")
def groups(request: Request, session: SessionDep, user: Staff) -> Response:
    return _groups_page(request, session, user, {})


@router.post("/corps/groups")
def group_create(
    request: Request,
    session: SessionDep,
    admin: CorpsAdmin,
    district_id: Annotated[str, FormText(N_("District"))] = "",
    code: Annotated[str, FormText(N_("Code"))] = "",
    name_zh: Annotated[str, FormText(N_("Chinese name"))] = "",
    name_en: Annotated[str, FormText(N_("English name"))] = "",
    kind: Annotated[str, FormText(N_("Kind of group"))] = "",
) -> Response:
    form = {"district_id": district_id, "code": code, "name_zh": name_zh, "name_en": name_en, "kind": kind}
    try:
        if form_id(district_id) is None:
            raise InvalidInput(N_("Please choose a district."))
        if kind not in GroupKind._value2member_map_:
            raise InvalidInput(N_("Please choose what kind of group this is."))
        group = actions.create_group(
            session=session,
            actor=admin,
            district_id=form_id(district_id),  # type: ignore[arg-type]
            code=code,
            name={"zh_Hans": name_zh, "en": name_en},
            kind=GroupKind(kind),
        )
    except NotFound:
        return _groups_page(request, session, admin, form, status_code=422, error=N_("Please choose a district."))
    except (InvalidInput, Conflict) as exc:
        return _groups_page(request, session, admin, form, **refusal(exc))
    return redirect(f"/corps/groups/{group.id}?done=group_created")


def _group_page(
    request: Request, session: SessionDep, user: StaffUser, group: Group, *, block: str | None = None, status_code: int = 200, **extra: object
) -> Response:
    is_admin = can(user, Permission.CORPS_ADMIN)
    facilitators = service.facilitators_of(session=session, group=group)
    children = service.children_of(session=session, group=group)
    facts = service.child_facts(session=session, children=children)
    return render(
        request,
        "corps/group.html",
        {
            "group": group,
            "district": service.get_district(session=session, district_id=group.district_id),
            "children": children,
            "facts": facts,
            "fact_counts": service.fact_counts(facts),
            "participation": service.participation(session=session, group=group),
            "facilitators": facilitators,
            "facilitator_ids": {f.id for f in facilitators},
            "candidates": service.facilitator_candidates(session=session) if is_admin else [],
            "can_assign": is_admin,
            "can_open_tablet": group.id in service.facilitator_group_ids(session=session, user=user),
            "tablet_hours": TABLET_HOURS,
            "default_hours": service.GROUP_SESSION_DEFAULT_HOURS,
            "block_facilitators": block == "facilitators",
            **_labels(),
            **extra,
        },
        block=block,
        status_code=status_code,
    )


@router.get("/corps/groups/{group_id}")
def group_page(request: Request, group_id: Id, session: SessionDep, user: Staff) -> Response:
    return _group_page(request, session, user, service.get_group(session=session, group_id=group_id, user=user))


@router.post("/corps/groups/{group_id}/facilitators")
def group_facilitators(
    request: Request,
    group_id: Id,
    session: SessionDep,
    admin: CorpsAdmin,
    user_ids: Annotated[list[str], Form(title=N_("Facilitators"))] = [],  # noqa: B006 - FastAPI reads the default, never mutates it
) -> Response:
    group = service.get_group(session=session, group_id=group_id, user=admin)
    block = "facilitators" if is_htmx(request) else None
    try:
        actions.set_facilitators(session=session, actor=admin, group=group, user_ids=[i for i in map(form_id, user_ids) if i is not None])
    except (InvalidInput, NotFound) as exc:
        return _group_page(request, session, admin, group, block=block, status_code=422, facilitators_error=exc.detail, facilitators_error_vars=exc.variables)
    if block:
        return _group_page(request, session, admin, group, block=block, notice=N_("Facilitators saved."))
    return redirect(f"/corps/groups/{group_id}?done=facilitators_saved")


# ---- enrolment -----------------------------------------------------------------------------------


def _birth_years() -> list[int]:
    """Birth years of children aged 6 to 17 today, youngest first."""
    this_year = utcnow().year
    return list(range(this_year - 6, this_year - 19, -1))


def _child_form(request: Request, group: Group, form: dict[str, str], status_code: int = 200, **extra: object) -> Response:
    return render(
        request,
        "corps/child_new.html",
        {"group": group, "form": form, "years": _birth_years(), "months": range(1, 13), **_labels(), **extra},
        status_code=status_code,
    )


@router.get("/corps/groups/{group_id}/children/new")
def child_new(request: Request, group_id: Id, session: SessionDep, user: Staff) -> Response:
    return _child_form(request, service.get_group(session=session, group_id=group_id, user=user), {})


@router.post("/corps/groups/{group_id}/children")
def child_create(
    request: Request,
    group_id: Id,
    session: SessionDep,
    user: Staff,
    display_name: Annotated[str, FormText(N_("Nickname"))] = "",
    avatar: Annotated[str, FormText(N_("Avatar"))] = "",
    birth_year: Annotated[str, FormText(N_("Year"))] = "",
    birth_month: Annotated[str, FormText(N_("Month"))] = "",
    real_name: Annotated[str, FormText(N_("Real name"))] = "",
    confirmed_nickname: Annotated[str, FormText(N_("I confirm this is a nickname, not the child's real name"))] = "",
) -> Response:
    group = service.get_group(session=session, group_id=group_id, user=user)
    form = {
        "display_name": display_name, "avatar": avatar, "birth_year": birth_year, "birth_month": birth_month,
        "real_name": real_name, "confirmed_nickname": confirmed_nickname,
    }
    try:
        if not (birth_year.isdigit() and birth_month.isdigit()):
            raise InvalidInput(N_("Please choose the birth year and month."))
        data = ChildCreate(
            display_name=display_name,
            avatar=avatar or None,
            birth_year=int(birth_year),
            birth_month=int(birth_month),
            real_name=real_name or None,
            confirmed_nickname=confirmed_nickname == "1",
        )
        child, code = actions.enrol(session=session, actor=user, group=group, data=data)
    except (InvalidInput, Conflict) as exc:
        # A nickname that looks like a full name may still be a nickname (白云): the facilitator may confirm it.
        ask = service.looks_like_real_name(display_name)
        return _child_form(request, group, form, ask_confirmation=ask, **refusal(exc))
    return _cards(request, group, [(child, code)], enrolled=True)


def _cards(request: Request, group: Group, cards: list[tuple[Child, list[str]]], **extra: object) -> Response:
    """The printable picture-code cards: the only time a code is shown."""
    return render(
        request,
        "corps/cards.html",
        {"group": group, "cards": [{"child": c, "code": code} for c, code in cards], **_labels(), **extra},
    )


# ---- import from a CSV file ----------------------------------------------------------------------


@router.get("/corps/groups/{group_id}/import")
def import_page(request: Request, group_id: Id, session: SessionDep, user: Staff) -> Response:
    group = service.get_group(session=session, group_id=group_id, user=user)
    return render(request, "corps/import.html", {"group": group, "max_rows": importing.MAX_ROWS, **_labels()})


def _preview(
    request: Request, session: SessionDep, group: Group, raw: bytes, filename: str, **extra: object
) -> tuple[importing.ImportReport, Response]:
    report = importing.read(raw, existing_keys=service.existing_name_keys(session=session, group=group))
    return report, render(
        request,
        "corps/import_preview.html",
        {
            "group": group,
            "report": report,
            "filename": filename,
            # The same bytes go back with the confirmation and are checked again before anything is saved.
            "payload": base64.b64encode(raw).decode("ascii") if report.ok else "",
            "max_rows": importing.MAX_ROWS,
            **_labels(),
            **extra,
        },
        status_code=200 if report.ok and not extra.get("error") else 422,
    )


@router.post("/corps/groups/{group_id}/import")
def import_upload(
    request: Request,
    group_id: Id,
    session: SessionDep,
    user: Staff,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    group = service.get_group(session=session, group_id=group_id, user=user)
    raw = file.file.read() if file is not None else b""
    if not raw:
        return render(
            request,
            "corps/import.html",
            {"group": group, "max_rows": importing.MAX_ROWS, "error": N_("Please choose a CSV file to upload."), **_labels()},
            status_code=422,
        )
    return _preview(request, session, group, raw, (file.filename if file else "") or "")[1]


@router.post("/corps/groups/{group_id}/import/confirm")
def import_confirm(
    request: Request,
    group_id: Id,
    session: SessionDep,
    user: Staff,
    payload: Annotated[str, Form(title=N_("CSV file"))] = "",
    filename: Annotated[str, FormText(N_("CSV file"))] = "",
) -> Response:
    group = service.get_group(session=session, group_id=group_id, user=user)
    try:
        raw = base64.b64decode(payload.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raw = b""
    if not raw:
        return render(
            request,
            "corps/import.html",
            {"group": group, "max_rows": importing.MAX_ROWS, "error": N_("The file did not come through. Please upload it again."), **_labels()},
            status_code=422,
        )
    report, preview = _preview(request, session, group, raw, filename)
    if not report.ok:
        return preview  # the group changed since the preview (a nickname now taken): nothing is imported
    try:
        enrolled = actions.import_children(session=session, actor=user, group=group, rows=report.children())
    except (InvalidInput, Conflict) as exc:
        return _preview(request, session, group, raw, filename, error=exc.detail, error_vars=exc.variables)[1]
    return _cards(request, group, enrolled, imported=True)


# ---- one child -----------------------------------------------------------------------------------


def child_page_response(request: Request, session: SessionDep, user: StaffUser, child: Child, status_code: int = 200, **extra: object) -> Response:
    return render(
        request,
        "corps/child.html",
        {
            "child": child,
            "facts": service.child_facts(session=session, children=[child]).get(child.id, []),  # type: ignore[arg-type]
            "group": service.get_group(session=session, group_id=child.group_id, user=user),
            "statuses": list(ChildStatus),
            "is_teen": child.age_band() == AgeBand.TEEN,
            "can_read_identity": can(user, Permission.IDENTITY_READ),
            "can_raise_concern": can(user, Permission.CORPS_FACILITATE),
            **_labels(),
            **extra,
        },
        status_code=status_code,
    )


@router.get("/corps/children/{child_id}")
def child_page(request: Request, child_id: Id, session: SessionDep, user: Staff) -> Response:
    return child_page_response(request, session, user, service.get_child(session=session, child_id=child_id, user=user))


@router.post("/corps/children/{child_id}/picture-code")
def child_picture_code(request: Request, child_id: Id, session: SessionDep, user: Staff) -> Response:
    child = service.get_child(session=session, child_id=child_id, user=user)
    code = actions.reset_picture_code(session=session, actor=user, child=child)
    group = service.get_group(session=session, group_id=child.group_id, user=user)
    return _cards(request, group, [(child, code)], reset=True)


@router.post("/corps/children/{child_id}/unlock")
def child_unlock(child_id: Id, session: SessionDep, user: Staff) -> Response:
    actions.unlock(session=session, actor=user, child=service.get_child(session=session, child_id=child_id, user=user))
    return redirect(f"/corps/children/{child_id}?done=child_unlocked")


@router.post("/corps/children/{child_id}/status")
def child_status(
    request: Request, child_id: Id, session: SessionDep, user: Staff, status: Annotated[str, FormText(N_("Status"))] = ""
) -> Response:
    child = service.get_child(session=session, child_id=child_id, user=user)
    if status not in ChildStatus._value2member_map_:
        return child_page_response(request, session, user, child, status_code=422, error=N_("Please choose a status."))
    actions.set_status(session=session, actor=user, child=child, status=ChildStatus(status))
    return redirect(f"/corps/children/{child_id}?done=status_saved")


@router.post("/corps/children/{child_id}/personal-code")
def child_personal_code(request: Request, child_id: Id, session: SessionDep, user: Staff) -> Response:
    child = service.get_child(session=session, child_id=child_id, user=user)
    try:
        code = actions.issue_personal_code(session=session, actor=user, child=child)
    except Conflict as exc:
        return child_page_response(request, session, user, child, **refusal(exc))
    return render(request, "corps/personal_code.html", {"child": child, "code": code, "address": f"{request.base_url}young", **_labels()})


# ---- a child's real identity (IDENTITY_READ: administrators and safeguarding officers) -----------


def _identity_page(request: Request, session: SessionDep, user: StaffUser, child: Child, status_code: int = 200, **extra: object) -> Response:
    try:
        service.get_child(session=session, child_id=child.id, user=user)  # type: ignore[arg-type]
        child_page_visible = True
    except NotFound:
        child_page_visible = False  # a safeguarding officer looks after no group
    return render(
        request,
        "corps/identity.html",
        {"child": child, "child_page_visible": child_page_visible, **_labels(), **extra},
        status_code=status_code,
    )


@router.get("/corps/children/{child_id}/identity")
def identity_page(request: Request, child_id: Id, session: SessionDep, user: IdentityReader) -> Response:
    child = service.get_child_for_identity(session=session, child_id=child_id, user=user)
    return _identity_page(request, session, user, child)


@router.post("/corps/children/{child_id}/identity")
def identity_read(
    request: Request, child_id: Id, session: SessionDep, user: IdentityReader, reason: Annotated[str, FormText(N_("Reason"))] = ""
) -> Response:
    child = service.get_child_for_identity(session=session, child_id=child_id, user=user)
    try:
        identity = actions.read_identity(session=session, actor=user, child=child, reason=reason)
    except InvalidInput as exc:
        return _identity_page(request, session, user, child, reason=reason, **refusal(exc))
    return _identity_page(
        request,
        session,
        user,
        child,
        revealed=True,
        real_name=identity.real_name if identity else None,
        notes=identity.notes if identity else None,
    )


@router.post("/corps/children/{child_id}/identity/edit")
def identity_edit(
    request: Request,
    child_id: Id,
    session: SessionDep,
    user: IdentityReader,
    real_name: Annotated[str, FormText(N_("Real name"))] = "",
    notes: Annotated[str, FormText(N_("Notes"))] = "",
    reason: Annotated[str, FormText(N_("Reason for the change"))] = "",
) -> Response:
    child = service.get_child_for_identity(session=session, child_id=child_id, user=user)
    try:
        actions.set_identity(session=session, actor=user, child=child, real_name=real_name, notes=notes, reason=reason)
    except InvalidInput as exc:
        # What this person typed comes back to them; nothing more is read from the record.
        return _identity_page(
            request, session, user, child, revealed=True, editing=True,
            real_name=real_name, notes=notes, edit_reason=reason, **refusal(exc),
        )
    return redirect(f"/corps/children/{child_id}/identity?done=identity_saved")
