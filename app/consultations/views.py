"""Officials' pages: list and filter, create and edit with the Lundy gate, questions, picture, schedule, close early, duplicate.

Permissions (PAR-10): officials (CONSULTATIONS_MANAGE) create and change; whoever may read results
(INSIGHTS_READ: officials and analysts) reads the list, a consultation and its results, without the
buttons that change them. A consultation's picture is served to anyone once the consultation is scheduled
(children's pages, guardians' pages), to staff before that (`service.picture_to_show`).

Every page works without JavaScript (post → 303 → get; a refused form comes back with what was typed and
a 422); with htmx, moving and deleting questions replace the questions block and the Lundy checklist in place.
"""

import datetime as dt
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, File, Request, UploadFile
from fastapi.responses import Response
from jinja2_fragments import render_block
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse

from app.accounts import service as accounts
from app.accounts.deps import ManagerPage as Manager
from app.accounts.deps import ReaderPage as Reader
from app.accounts.models import StaffUser
from app.accounts.permissions import Permission, can
from app.consultations import actions, authoring, comments, results, service
from app.consultations import models as consultation_models
from app.consultations.models import (
    CHANNEL_LABELS,
    CYCLE_STAGE_LABELS,
    PICTOGRAM_GROUPS,
    PICTOGRAMS,
    QUESTION_KIND_LABELS,
    SCALE_FACES,
    STATE_LABELS,
    Consultation,
    ConsultationIn,
    CycleStage,
    OptionIn,
    Question,
    QuestionIn,
    QuestionKind,
    State,
)
from app.core import csrf, suppression
from app.core.config import get_settings
from app.core.db import Id, SessionDep, form_id
from app.core.errors import Conflict, InvalidInput, PayloadTooLarge, refusal
from app.core.i18n import N_
from app.core.routing import Router
from app.core.templating import NOTICES, context_for, environment, is_htmx, redirect, render
from app.media import pictures
from app.media import service as media
from app.projects import service as projects

router = Router(include_in_schema=False)

NOTICES.update(
    {
        "consultation_created": N_("The consultation is saved as a draft. Now add its questions."),
        "consultation_saved": N_("Changes saved."),
        "consultation_scheduled": N_("Scheduled: the consultation opens and closes by its dates."),
        "consultation_unscheduled": N_("The consultation is a draft again."),
        "consultation_closed": N_("The consultation is closed. Children can no longer answer."),
        "consultation_duplicated": N_("This is a new draft copied from the consultation. Give it new dates."),
        "question_saved": N_("The question is saved."),
        "question_deleted": N_("The question is deleted."),
        "picture_saved": N_("The picture is saved. Its hidden information (such as where it was taken) was removed."),
        "picture_removed": N_("The picture is removed."),
    }
)


LOCALE_FIELDS = {"zh": "zh_Hans", "en": "en"}
AGE_BANDS = {"6-9": "6–9", "10-13": "10–13", "14-17": "14–17"}
TEXT_FIELDS = tuple(consultation_models.TEXT_LIMITS)  # the consultation's texts per locale, one field per language
OPTION_ROWS_MAX = 12
OPTION_ROWS_EMPTY = 6  # without JavaScript the form offers empty rows; blank ones are ignored


async def _read_form(request: Request) -> FormData:
    return await request.form()


Form = Annotated[FormData, Depends(_read_form)]


# ---- local time (entered and shown in the display time zone, stored in UTC) ------------------------------


def _zone() -> ZoneInfo:
    return ZoneInfo(get_settings().display_timezone)


def local_input(value: dt.datetime | None) -> str:
    """A UTC timestamp as the value of a datetime-local field in the display time zone."""
    return value.astimezone(_zone()).strftime("%Y-%m-%dT%H:%M") if value else ""


def parse_local(raw: str) -> dt.datetime | None:
    raw = raw.strip()
    if not raw:
        return None
    for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return dt.datetime.strptime(raw, fmt).replace(tzinfo=_zone()).astimezone(dt.UTC)
        except ValueError:
            continue
    raise InvalidInput(N_("Please give dates and times like 2026-09-01 09:00."))


def parse_date(raw: str) -> dt.date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidInput(N_("Please give dates like 2026-09-01.")) from exc


def _ids(values: list[str], message: str) -> list[int]:
    ids = [form_id(v) for v in values]
    if None in ids:
        raise InvalidInput(message)
    return [i for i in ids if i is not None]


# ---- the consultation form ---------------------------------------------------------------------------------


def form_of(consultation: Consultation) -> dict[str, Any]:
    """What the edit form shows for a stored consultation (the same keys as a posted form)."""
    form: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        for short, loc in LOCALE_FIELDS.items():
            form[f"{name}_{short}"] = getattr(consultation, name).get(loc, "")
    for band in AGE_BANDS:
        for short, loc in LOCALE_FIELDS.items():
            form[f"brief_{band}_{short}"] = consultation.briefs.get(band, {}).get(loc, "")
    form.update(
        topic=consultation.topic, cycle_stage=consultation.cycle_stage, age_bands=list(consultation.age_bands),
        district_ids=[str(i) for i in consultation.district_ids], group_ids=[str(i) for i in consultation.group_ids],
        project_id=str(consultation.project_id or ""), opens_at=local_input(consultation.opens_at),
        closes_at=local_input(consultation.closes_at), respond_by=consultation.respond_by.isoformat() if consultation.respond_by else "",
    )
    return form


def typed_form(values: FormData) -> dict[str, Any]:
    """What the official typed, kept to show again when the form is refused (nothing is lost)."""
    form: dict[str, Any] = {}
    for key, value in values.multi_items():
        if key in ("age_bands", "district_ids", "group_ids"):
            form.setdefault(key, []).append(str(value))
        elif isinstance(value, str) and key != "csrf_token":
            form[key] = value
    for key in ("age_bands", "district_ids", "group_ids"):
        form.setdefault(key, [])
    return form


def consultation_in(form: dict[str, Any]) -> ConsultationIn:
    """The one reading of the consultation form; the service checks the values (topic, districts, dates…)."""

    def pair(name: str) -> dict[str, str]:
        return {loc: str(form.get(f"{name}_{short}", "")) for short, loc in LOCALE_FIELDS.items()}

    stage = form.get("cycle_stage") or CycleStage.SITUATION_ANALYSIS.value
    if stage not in CycleStage._value2member_map_:
        raise InvalidInput(N_("Please choose a stage of the cycle from the list."))
    project = str(form.get("project_id", "")).strip()
    if project and form_id(project) is None:
        raise InvalidInput(N_("Please choose a project from the list."))
    return ConsultationIn(
        **{name: pair(name) for name in TEXT_FIELDS},
        briefs={band: pair(f"brief_{band}") for band in AGE_BANDS},
        topic=str(form.get("topic", "")).strip(),
        cycle_stage=CycleStage(stage),
        age_bands=list(form.get("age_bands", [])),
        district_ids=_ids(form.get("district_ids", []), N_("Please choose districts from the list.")),
        group_ids=_ids(form.get("group_ids", []), N_("Please choose groups from the list.")),
        project_id=form_id(project),
        opens_at=parse_local(str(form.get("opens_at", ""))),
        closes_at=parse_local(str(form.get("closes_at", ""))),
        respond_by=parse_date(str(form.get("respond_by", ""))),
    )


def _choices(session: SessionDep) -> dict[str, Any]:
    districts, groups = authoring.target_choices(session=session)
    topics = consultation_models.topics()
    return {
        "areas": [(t, [task for task in topics.values() if task.area == t.code and not task.is_area]) for t in topics.values() if t.is_area],
        "stages": CYCLE_STAGE_LABELS,
        "age_bands": AGE_BANDS,
        "districts": districts,
        "groups": groups,
        "district_by_id": {d.id: d for d in districts},
        "projects": projects.list_projects(session=session),
    }


def _labels() -> dict[str, Any]:
    return {
        "state_labels": STATE_LABELS, "kind_labels": QUESTION_KIND_LABELS, "stage_labels": CYCLE_STAGE_LABELS,
        "channel_labels": CHANNEL_LABELS, "pictograms": PICTOGRAMS, "pictogram_groups": PICTOGRAM_GROUPS, "scale_faces": SCALE_FACES, "age_bands": AGE_BANDS,
        "lundy_items": service.LUNDY_ITEMS, "max_lengths": authoring.MAX_LENGTHS, "topics": consultation_models.topics(), "State": State,
    }


def _form_page(
    request: Request, session: SessionDep, form: dict[str, Any], consultation: Consultation | None = None, status_code: int = 200, **extra: Any
) -> Response:
    missing = authoring.lundy_missing(session=session, consultation=consultation) if consultation is not None else None
    return render(
        request,
        "consultations/staff/form.html",
        {"form": form, "consultation": consultation, "missing": missing, **_choices(session), **_labels(), **extra},
        status_code=status_code,
    )


# ---- list ----------------------------------------------------------------------------------------------


@router.get("/consultations")
def consultation_list(request: Request, session: SessionDep, user: Reader, state: str = "", topic: str = "", district: str = "") -> Response:
    chosen_state = State(state) if state in State._value2member_map_ else None
    chosen_topic = topic if topic in consultation_models.topics() else None
    chosen_district = form_id(district)
    found = service.list_consultations(session=session, state=chosen_state, topic=chosen_topic, district_id=chosen_district)
    return render(
        request,
        "consultations/staff/list.html",
        {
            "consultations": found,
            "answered": {c.id: suppression.total(sum(results.participation_counts(session=session, consultation=c).values())) for c in found},
            "filters": {"state": state if chosen_state else "", "topic": chosen_topic or "", "district": str(chosen_district or "")},
            "can_manage": can(user, Permission.CONSULTATIONS_MANAGE),
            **_choices(session),
            **_labels(),
        },
    )


# ---- create and edit -------------------------------------------------------------------------------------


@router.get("/consultations/new")
def consultation_new(request: Request, session: SessionDep, user: Manager) -> Response:
    return _form_page(request, session, {"cycle_stage": CycleStage.SITUATION_ANALYSIS.value, "age_bands": [], "district_ids": [], "group_ids": []})


@router.post("/consultations")
def consultation_create(request: Request, session: SessionDep, user: Manager, values: Form) -> Response:
    form = typed_form(values)
    try:
        consultation = actions.create(session=session, actor=user, data=consultation_in(form))
    except InvalidInput as exc:
        return _form_page(request, session, form, **refusal(exc))
    return redirect(f"/consultations/{consultation.id}?done=consultation_created")


@router.get("/consultations/pictures/{picture_id}")
def consultation_picture(request: Request, picture_id: Id, session: SessionDep) -> Response:
    """Public route (not a staff permission): a scheduled consultation's picture is shown on children's and
    guardians' pages; a draft's picture only to signed-in staff (anyone else: 'not found')."""
    signed_in_staff = getattr(request.state, "user", None) is not None
    picture = service.picture_to_show(session=session, picture_id=picture_id, staff=signed_in_staff)
    # A stored picture never changes (a new upload is a new picture): browsers may keep it a day.
    return media.response(
        session, picture.file_id,
        headers={"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff", "Vary": "Cookie"},
    )


def _detail_context(session: SessionDep, user: StaffUser, consultation: Consultation) -> dict[str, Any]:
    questions = service.questions_of(session=session, consultation=consultation)
    districts, groups = authoring.target_choices(session=session)
    project = projects.get(session=session, project_id=consultation.project_id) if consultation.project_id else None
    return {
        "consultation": consultation,
        "state": consultation.state(),
        "questions": questions,
        "options": service.options_by_question(session=session, questions=questions),
        "locked": service.has_answers(session=session, consultation=consultation),
        "missing": authoring.lundy_missing(session=session, consultation=consultation),
        "answered": results.reach(session=session, consultation=consultation).children,
        "project": project,
        "department": accounts.department_name(session=session, department_id=consultation.department_id),  # issue 16
        "district_by_id": {d.id: d for d in districts},
        "group_by_id": {g.id: g for g in groups},
        "can_manage": can(user, Permission.CONSULTATIONS_MANAGE),
        "picture_limit_mb": _picture_limit() // (1024 * 1024),
        "picture_limit_megapixels": pictures.megapixels(),
        "brief_for": service.brief_for,
        **_labels(),
    }


def _picture_limit() -> int:
    """The biggest picture that can reach the service: the body guard refuses larger requests first."""
    return min(pictures.MAX_BYTES, get_settings().max_body_bytes)


def _detail(request: Request, session: SessionDep, user: StaffUser, consultation: Consultation, status_code: int = 200, **extra: Any) -> Response:
    context = _detail_context(session, user, consultation)
    context.setdefault("qform", _blank_question())
    context.update(extra)
    return render(request, "consultations/staff/detail.html", context, status_code=status_code)


def _in_place(request: Request, session: SessionDep, user: StaffUser, consultation: Consultation, **extra: Any) -> Response:
    """htmx: the questions block, and the Lundy checklist swapped out of band (it counts the questions).
    A refusal comes back with 200 so that htmx shows it in place (it does not swap error statuses)."""
    context = context_for(request, {**_detail_context(session, user, consultation), "qform": _blank_question(), "oob": True, **extra})
    env = environment()
    html = render_block(env, "consultations/staff/detail.html", "questions", context)
    html += render_block(env, "consultations/staff/detail.html", "lundy", context)
    response = HTMLResponse(html)
    response.headers["Vary"] = "HX-Request, Cookie, Accept-Language"
    csrf.set_cookie_if_new(request, response)
    return response


@router.get("/consultations/{consultation_id}")
def consultation_page(request: Request, consultation_id: Id, session: SessionDep, user: Reader) -> Response:
    return _detail(request, session, user, service.get(session=session, consultation_id=consultation_id))


@router.get("/consultations/{consultation_id}/edit")
def consultation_edit(request: Request, consultation_id: Id, session: SessionDep, user: Manager) -> Response:
    consultation = service.get(session=session, consultation_id=consultation_id)
    return _form_page(request, session, form_of(consultation), consultation)


@router.post("/consultations/{consultation_id}/edit")
def consultation_update(request: Request, consultation_id: Id, session: SessionDep, user: Manager, values: Form) -> Response:
    consultation = service.get(session=session, consultation_id=consultation_id)
    form = typed_form(values)
    try:
        actions.update(session=session, actor=user, consultation=consultation, data=consultation_in(form))
    except InvalidInput as exc:
        consultation = service.get(session=session, consultation_id=consultation_id)
        extra = {"gate": exc.missing} if isinstance(exc, service.LundyGateIncomplete) else {}
        return _form_page(request, session, form, consultation, **refusal(exc), **extra)
    return redirect(f"/consultations/{consultation.id}?done=consultation_saved")


# ---- life cycle (PAR-01): schedule, back to draft, close early, duplicate ---------------------------------


@router.post("/consultations/{consultation_id}/schedule")
def consultation_schedule(request: Request, consultation_id: Id, session: SessionDep, user: Manager) -> Response:
    consultation = service.get(session=session, consultation_id=consultation_id)
    try:
        actions.schedule(session=session, actor=user, consultation=consultation)
    except (InvalidInput, Conflict) as exc:
        consultation = service.get(session=session, consultation_id=consultation_id)
        return _detail(request, session, user, consultation, **refusal(exc), gate_refused=True)
    return redirect(f"/consultations/{consultation_id}?done=consultation_scheduled")


@router.post("/consultations/{consultation_id}/unschedule")
def consultation_unschedule(request: Request, consultation_id: Id, session: SessionDep, user: Manager) -> Response:
    consultation = service.get(session=session, consultation_id=consultation_id)
    try:
        actions.unschedule(session=session, actor=user, consultation=consultation)
    except Conflict as exc:
        return _detail(request, session, user, service.get(session=session, consultation_id=consultation_id), **refusal(exc))
    return redirect(f"/consultations/{consultation_id}?done=consultation_unscheduled")


@router.post("/consultations/{consultation_id}/close")
def consultation_close(request: Request, consultation_id: Id, session: SessionDep, user: Manager, values: Form) -> Response:
    consultation = service.get(session=session, consultation_id=consultation_id)
    reason = str(values.get("reason", ""))
    try:
        actions.close_early(session=session, actor=user, consultation=consultation, reason=reason)
    except (InvalidInput, Conflict) as exc:
        consultation = service.get(session=session, consultation_id=consultation_id)
        return _detail(request, session, user, consultation, status_code=exc.status_code, close_reason=reason, close_error=exc.detail,
                       close_error_vars=exc.variables)
    return redirect(f"/consultations/{consultation_id}?done=consultation_closed")


@router.post("/consultations/{consultation_id}/duplicate")
def consultation_duplicate(request: Request, consultation_id: Id, session: SessionDep, user: Manager) -> Response:
    consultation = service.get(session=session, consultation_id=consultation_id)
    copy = actions.duplicate(session=session, actor=user, consultation=consultation)
    return redirect(f"/consultations/{copy.id}?done=consultation_duplicated")


# ---- picture -------------------------------------------------------------------------------------------------


@router.post("/consultations/{consultation_id}/picture")
def consultation_picture_upload(
    request: Request, consultation_id: Id, session: SessionDep, user: Manager, picture: Annotated[UploadFile | None, File()] = None
) -> Response:
    consultation = service.get(session=session, consultation_id=consultation_id)
    data = picture.file.read(pictures.MAX_BYTES + 1) if picture is not None else b""
    try:
        actions.replace_picture(session=session, actor=user, consultation=consultation, data=data)
    except (InvalidInput, PayloadTooLarge) as exc:
        consultation = service.get(session=session, consultation_id=consultation_id)
        return _detail(request, session, user, consultation, status_code=exc.status_code, picture_error=exc.detail, picture_error_vars=exc.variables)
    return redirect(f"/consultations/{consultation_id}?done=picture_saved#picture")


@router.post("/consultations/{consultation_id}/picture/remove")
def consultation_picture_remove(request: Request, consultation_id: Id, session: SessionDep, user: Manager) -> Response:
    consultation = service.get(session=session, consultation_id=consultation_id)
    actions.remove_picture(session=session, actor=user, consultation=consultation)
    return redirect(f"/consultations/{consultation_id}?done=picture_removed#picture")


# ---- questions -------------------------------------------------------------------------------------------


def _blank_question(kind: str = QuestionKind.SINGLE.value) -> dict[str, Any]:
    return {"kind": kind, "prompt_zh": "", "prompt_en": "", "max_choices": "", "options": [{} for _ in range(OPTION_ROWS_EMPTY)]}


def question_form_of(question: Question, options: list[Any]) -> dict[str, Any]:
    rows = [{"zh": o.label.get("zh_Hans", ""), "en": o.label.get("en", ""), "pictogram": o.pictogram or ""} for o in options]
    rows += [{} for _ in range(max(OPTION_ROWS_EMPTY, min(OPTION_ROWS_MAX, len(rows) + 2)) - len(rows))]
    return {
        "kind": question.kind, "prompt_zh": question.prompt.get("zh_Hans", ""), "prompt_en": question.prompt.get("en", ""),
        "max_choices": str(question.max_choices or ""), "options": rows,
    }


def typed_question(values: FormData) -> dict[str, Any]:
    rows = []
    index = 0
    # Up to 30 rows are read so that too many options are refused in words, never silently cut.
    while index < 30 and any(f"option_{index}_{part}" in values for part in ("zh", "en", "pictogram")):
        rows.append({part: str(values.get(f"option_{index}_{part}", "")) for part in ("zh", "en", "pictogram")})
        index += 1
    rows += [{} for _ in range(max(0, OPTION_ROWS_EMPTY - len(rows)))]
    return {
        "kind": str(values.get("kind", "")), "prompt_zh": str(values.get("prompt_zh", "")), "prompt_en": str(values.get("prompt_en", "")),
        "max_choices": str(values.get("max_choices", "")).strip(), "options": rows,
    }


def question_in(form: dict[str, Any]) -> QuestionIn:
    if form["kind"] not in QuestionKind._value2member_map_:
        raise InvalidInput(N_("Please choose what kind of question this is."))
    max_choices = form["max_choices"]
    if max_choices and not max_choices.isdigit():
        raise InvalidInput(N_("The most choices must be between 1 and the number of options."))
    options = [
        OptionIn(label={"zh_Hans": row.get("zh", ""), "en": row.get("en", "")}, pictogram=row.get("pictogram") or None)
        for row in form["options"]
        if any(str(row.get(part, "")).strip() for part in ("zh", "en", "pictogram"))  # blank rows are ignored
    ]
    return QuestionIn(
        kind=QuestionKind(form["kind"]), prompt={"zh_Hans": form["prompt_zh"], "en": form["prompt_en"]},
        max_choices=int(max_choices) if max_choices else None, options=options,
    )


@router.post("/consultations/{consultation_id}/questions")
def question_add(request: Request, consultation_id: Id, session: SessionDep, user: Manager, values: Form) -> Response:
    consultation = service.get(session=session, consultation_id=consultation_id)
    qform = typed_question(values)
    try:
        actions.add_question(session=session, actor=user, consultation=consultation, data=question_in(qform))
    except (InvalidInput, Conflict) as exc:
        consultation = service.get(session=session, consultation_id=consultation_id)
        return _detail(request, session, user, consultation, status_code=exc.status_code, qform=qform, question_error=exc.detail,
                       question_error_vars=exc.variables)
    return redirect(f"/consultations/{consultation_id}?done=question_saved#questions")


def _question_page(request: Request, session: SessionDep, consultation: Consultation, question: Question, qform: dict[str, Any],
                   status_code: int = 200, **extra: Any) -> Response:
    return render(
        request,
        "consultations/staff/question.html",
        {"consultation": consultation, "question": question, "qform": qform,
         "locked": service.has_answers(session=session, consultation=consultation), **_labels(), **extra},
        status_code=status_code,
    )


@router.get("/consultations/{consultation_id}/questions/{question_id}/edit")
def question_edit(request: Request, consultation_id: Id, question_id: Id, session: SessionDep, user: Manager) -> Response:
    consultation = service.get(session=session, consultation_id=consultation_id)
    question = service.question_of(session=session, consultation=consultation, question_id=question_id)
    return _question_page(request, session, consultation, question, question_form_of(question, service.options_of(session=session, question=question)))


@router.post("/consultations/{consultation_id}/questions/{question_id}")
def question_update(request: Request, consultation_id: Id, question_id: Id, session: SessionDep, user: Manager, values: Form) -> Response:
    consultation = service.get(session=session, consultation_id=consultation_id)
    question = service.question_of(session=session, consultation=consultation, question_id=question_id)
    qform = typed_question(values)
    try:
        actions.update_question(session=session, actor=user, consultation=consultation, question=question, data=question_in(qform))
    except (InvalidInput, Conflict) as exc:
        consultation = service.get(session=session, consultation_id=consultation_id)
        question = service.question_of(session=session, consultation=consultation, question_id=question_id)
        return _question_page(request, session, consultation, question, qform, **refusal(exc))
    return redirect(f"/consultations/{consultation_id}?done=question_saved#question-{question_id}")


@router.post("/consultations/{consultation_id}/questions/{question_id}/delete")
def question_delete(request: Request, consultation_id: Id, question_id: Id, session: SessionDep, user: Manager) -> Response:
    return _question_change(request, session, user, consultation_id, question_id, "delete")


@router.post("/consultations/{consultation_id}/questions/{question_id}/move")
def question_move(request: Request, consultation_id: Id, question_id: Id, session: SessionDep, user: Manager, values: Form) -> Response:
    direction = str(values.get("direction", ""))
    if direction not in ("up", "down"):
        raise InvalidInput(N_("Please use the buttons to move a question."))
    return _question_change(request, session, user, consultation_id, question_id, direction)


def _question_change(request: Request, session: SessionDep, user: StaffUser, consultation_id: Id, question_id: Id, change: str) -> Response:
    consultation = service.get(session=session, consultation_id=consultation_id)
    question = service.question_of(session=session, consultation=consultation, question_id=question_id)
    try:
        if change == "delete":
            actions.delete_question(session=session, actor=user, consultation=consultation, question=question)
        else:
            actions.move_question(session=session, actor=user, consultation=consultation, question=question, offset=-1 if change == "up" else 1)
    except Conflict as exc:
        consultation = service.get(session=session, consultation_id=consultation_id)
        if is_htmx(request):
            return _in_place(request, session, user, consultation, list_error=exc.detail)
        return _detail(request, session, user, consultation, status_code=exc.status_code, list_error=exc.detail)
    if is_htmx(request):
        notice = N_("The question is deleted.") if change == "delete" else N_("The question is moved.")
        return _in_place(request, session, user, consultation, list_notice=notice)
    done = "question_deleted" if change == "delete" else "question_saved"
    return redirect(f"/consultations/{consultation_id}?done={done}#questions")


# ---- results (staff): counts only, small groups never broken down ------------------------------------------


@router.get("/consultations/{consultation_id}/results")
def consultation_results(request: Request, consultation_id: Id, session: SessionDep, user: Reader) -> Response:
    consultation = service.get(session=session, consultation_id=consultation_id)
    # MOD-12: every shown comment for analysis (not a quote): age band and group, guardians' apart.
    from app.moderation.models import REPORT_REASON_LABELS, ReportReason

    shown: dict[int | None, list] = {}
    for c in comments.shown_comments(session=session, consultation=consultation, for_public=False):
        # Guardians' views under None; a child's comment on the consultation as a whole (the children's check's
        # "something is missing", issue 16) apart, never among the guardians'.
        key = (c.question_id if c.question_id is not None else "whole") if c.author_kind == "child" else None
        shown.setdefault(key, []).append(c)
    return render(
        request,
        "consultations/staff/results.html",
        {
            "shown": shown, "report_reasons": list(ReportReason), "report_reason_labels": REPORT_REASON_LABELS,
            "consultation": consultation,
            "state": consultation.state(),
            "results": results.results(session=session, consultation=consultation),
            "reach": results.reach(session=session, consultation=consultation),
            "small_group": suppression.SMALL, "hidden": suppression.HIDDEN,
            "can_manage": can(user, Permission.CONSULTATIONS_MANAGE),
            **_labels(),
        },
    )


