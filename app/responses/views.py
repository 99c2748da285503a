"""Officials' pages of "you said, we did" (issue 17, PAR-07/08): decisions, responses theme by theme, commitments,
the publish check, previews as each reader, publishing and its version history, and the list of consultations
awaiting a response (PAR-09: the promised date kept visible).

Permissions (PAR-10): officials and administrators (CONSULTATIONS_MANAGE) write and publish; analysts
(INSIGHTS_READ) read the workspace without its forms; everyone else is refused. Every page works without
JavaScript (post → 303 → get; a refused form comes back with what was typed, the saved text beside it when
someone else saved meanwhile)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Depends, File, Request, UploadFile
from fastapi.responses import Response
from starlette.datastructures import FormData

from app.accounts.deps import ManagerPage as Manager
from app.accounts.deps import ReaderPage as Reader
from app.accounts.deps import ResponsesFollowerPage as Follower
from app.accounts.models import StaffUser
from app.accounts.permissions import Permission, can
from app.consultations import service as consultations
from app.consultations.deps import WorkedOnPage
from app.consultations.models import STATE_LABELS, Consultation, State
from app.core import middleware, suppression
from app.core.db import Id, SessionDep, city_today, form_id
from app.core.errors import InvalidInput, PayloadTooLarge, YimiError, refusal
from app.core.i18n import N_
from app.core.routing import Router
from app.core.templating import NOTICES, redirect, render
from app.media import service as media
from app.projects import service as projects
from app.responses import actions, deciding, publishing, service
from app.responses.models import (
    ACTION,
    BANDS,
    CHILD_VERSION,
    COMMITMENT_STATUS_LABELS,
    DECIDER,
    DECISION_TEXT,
    DEPARTMENT,
    DROPPED_REASON,
    EXPLANATION,
    NOTE,
    OTHER_DECIDER_REASON,
    OUTCOME_LABELS,
    PROGRESS,
    REASON,
    REFERENCE,
    CommitmentIn,
    CommitmentStatus,
    DecisionIn,
    Outcome,
    ProgressIn,
    ResponseIn,
)

router = Router(include_in_schema=False, dependencies=[WorkedOnPage])  # issue 16: the consultation's department

# A decision's PDF may be larger than the body limit of other forms (up to deciding.MAX_DOCUMENT_BYTES, with room
# for the form around it); above that the body guard answers in these words and leads back to the upload.
middleware.allow_larger_upload(
    r"(/api/v1/responses|/consultations/\d+/responses)/decisions/\d+/document", deciding.MAX_DOCUMENT_BYTES + 256 * 1024,
    title=N_("This document is too large"), anchor="#document",
    detail=N_("A decision's document can be up to %(mb)s MB. Please upload a smaller PDF. The decision's words were saved "
              "before: the upload is a form of its own."),
)

NOTICES.update({
    "decision_saved": N_("The decision is saved."),
    "document_saved": N_("The document is saved. Readers can download it once the response is published."),
    "response_saved": N_("The response is saved."),
    "commitment_saved": N_("The commitment is saved."),
    "progress_saved": N_("The progress update is saved."),
    "published": N_("Published. Children, guardians and the public can now read the response."),
    "corrected": N_("The correction is published. Readers see that the response was updated, and the earlier text is kept."),
})

AGE_BANDS = {"6-9": "6–9", "10-13": "10–13", "14-17": "14–17"}
MAX_LENGTHS = {f.name: f.max for f in (DECIDER, OTHER_DECIDER_REASON, DECISION_TEXT, REFERENCE, REASON, EXPLANATION, CHILD_VERSION,
                                        ACTION, DEPARTMENT, DROPPED_REASON, PROGRESS, NOTE)}
# What a child reads for each outcome: short words a child of six understands.
CHILD_OUTCOMES = {
    Outcome.ADOPTED.value: N_("Yes, the city will do it"),
    Outcome.ADOPTED_IN_PART.value: N_("The city will do part of it"),
    Outcome.NOT_ADOPTED.value: N_("Not this time"),
    Outcome.PENDING.value: N_("The city is still thinking"),
}
CHILD_STATUS = {
    CommitmentStatus.PLANNED.value: N_("Planned"),
    CommitmentStatus.IN_PROGRESS.value: N_("Being done now"),
    CommitmentStatus.DONE.value: N_("Done!"),
    CommitmentStatus.DROPPED.value: N_("Stopped"),
}


async def _read_form(request: Request) -> FormData:
    return await request.form()


Form = Annotated[FormData, Depends(_read_form)]


def _labels() -> dict[str, Any]:
    return {
        "outcome_labels": OUTCOME_LABELS, "status_labels": COMMITMENT_STATUS_LABELS, "age_bands": AGE_BANDS,
        "max_lengths": MAX_LENGTHS, "Outcome": Outcome, "CommitmentStatus": CommitmentStatus, "state_labels": STATE_LABELS,
        "child_outcomes": CHILD_OUTCOMES, "child_status": CHILD_STATUS,
    }


def _text(values: FormData, key: str) -> str:
    value = values.get(key, "")
    return value if isinstance(value, str) else ""


def typed(values: FormData) -> dict[str, str]:
    """What the official typed, kept to show again when the form is refused (nothing is lost)."""
    return {key: value for key, value in values.multi_items() if isinstance(value, str) and key != "csrf_token"}


def pair(form: dict[str, Any], name: str) -> dict[str, str]:
    return {"zh_Hans": str(form.get(f"{name}_zh", "")), "en": str(form.get(f"{name}_en", ""))}


def unpair(value: dict[str, str], name: str) -> dict[str, str]:
    return {f"{name}_zh": value.get("zh_Hans", ""), f"{name}_en": value.get("en", "")}


def parse_date(raw: str, *, required: bool = False, message: str = N_("Please give dates like 2026-09-01.")) -> dt.date | None:
    raw = raw.strip()
    if not raw:
        if required:
            raise InvalidInput(message)
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidInput(N_("Please give dates like 2026-09-01.")) from exc


def _version(form: dict[str, Any]) -> int | None:
    raw = str(form.get("version", "")).strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


# ---- the list of consultations awaiting a response (PAR-09) -----------------------------------------------


@router.get("/responses")
def awaiting(request: Request, session: SessionDep, user: Follower) -> Response:
    """For officials, who respond to children, and administrators, to whom an overdue response is escalated."""
    return render(request, "responses/awaiting.html", {
        "rows": publishing.awaiting(session=session),
        "published": publishing.published_consultations(session=session), **_labels(),
    })


# ---- one consultation's response: the workspace ----------------------------------------------------------


def _workspace(request: Request, session: SessionDep, user: StaffUser, consultation: Consultation, status_code: int = 200, **extra: Any) -> Response:
    found = deciding.subjects(session=session, consultation=consultation)
    sizes = suppression.cells(found.sizes, additive=False) if found.sizes else {}
    commitments = deciding.commitments_of(session=session, consultation_id=consultation.id)  # type: ignore[arg-type]
    context = {
        "consultation": consultation, "state": consultation.state(), "subjects": found, "sizes": sizes,
        "decisions": deciding.decisions_of(session=session, consultation=consultation),
        "commitments": commitments,
        "missing": publishing.check(session=session, consultation=consultation) if consultation.state() == State.CLOSED else [],
        "publications": publishing.publications_of(session=session, consultation_id=consultation.id),  # type: ignore[arg-type]
        "can_manage": can(user, Permission.CONSULTATIONS_MANAGE),
        "projects": projects.list_projects(session=session),
        "days_left": service.days_left(consultation),
        "changed": publishing.changed_since_published(session=session, consultation=consultation),
        "cform": extra.pop("cform", {"status": CommitmentStatus.PLANNED.value}),
        **_labels(), **extra,
    }
    return render(request, "responses/workspace.html", context, status_code=status_code)


@router.get("/consultations/{consultation_id}/responses")
def workspace(request: Request, consultation_id: Id, session: SessionDep, user: Reader) -> Response:
    return _workspace(request, session, user, consultations.get(session=session, consultation_id=consultation_id))


# ---- decisions ------------------------------------------------------------------------------------------


def decision_form_of(decision: Any, consultation: Consultation) -> dict[str, Any]:
    if decision is None:
        return {"decided_on": city_today().isoformat(), **unpair(deciding.named_decider(consultation), "decider")}
    return {"decided_on": decision.decided_on.isoformat(), **unpair(decision.decider, "decider"), **unpair(decision.text, "text"),
            "reference": decision.reference, "other_decider_reason": decision.other_decider_reason or "", "version": str(decision.version)}


def decision_in(form: dict[str, Any]) -> DecisionIn:
    return DecisionIn(
        decided_on=parse_date(str(form.get("decided_on", "")), required=True, message=N_("Please give the day it was decided.")),  # type: ignore[arg-type]
        decider=pair(form, "decider"), other_decider_reason=str(form.get("other_decider_reason", "")),
        text=pair(form, "text"), reference=str(form.get("reference", "")), version=_version(form),
    )


def _decision_page(request: Request, session: SessionDep, consultation: Consultation, form: dict[str, Any], decision: Any = None,
                   status_code: int = 200, **extra: Any) -> Response:
    return render(request, "responses/decision.html", {
        "consultation": consultation, "decision": decision, "form": form, "named": deciding.named_decider(consultation),
        "document_limit_mb": deciding.MAX_DOCUMENT_BYTES // (1024 * 1024), **_labels(), **extra,
    }, status_code=status_code)


@router.get("/consultations/{consultation_id}/responses/decisions/new")
def decision_new(request: Request, consultation_id: Id, session: SessionDep, user: Manager) -> Response:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    if consultation.state() != State.CLOSED:
        return _workspace(request, session, user, consultation, **refusal(deciding.NotClosed()))
    return _decision_page(request, session, consultation, decision_form_of(None, consultation))


@router.post("/consultations/{consultation_id}/responses/decisions")
def decision_create(request: Request, consultation_id: Id, session: SessionDep, user: Manager, values: Form) -> Response:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    form = typed(values)
    try:
        decision = actions.save_decision(session=session, actor=user, consultation=consultation, data=decision_in(form))
    except YimiError as exc:
        return _decision_page(request, session, consultations.get(session=session, consultation_id=consultation_id), form, **refusal(exc))
    return redirect(f"/consultations/{consultation_id}/responses/decisions/{decision.id}?done=decision_saved")


@router.get("/consultations/{consultation_id}/responses/decisions/{decision_id}")
def decision_edit(request: Request, consultation_id: Id, decision_id: Id, session: SessionDep, user: Manager) -> Response:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    decision = deciding.decision_of(session=session, consultation=consultation, decision_id=decision_id)
    return _decision_page(request, session, consultation, decision_form_of(decision, consultation), decision)


@router.post("/consultations/{consultation_id}/responses/decisions/{decision_id}")
def decision_update(request: Request, consultation_id: Id, decision_id: Id, session: SessionDep, user: Manager, values: Form) -> Response:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    decision = deciding.decision_of(session=session, consultation=consultation, decision_id=decision_id)
    form = typed(values)
    try:
        actions.save_decision(session=session, actor=user, consultation=consultation, data=decision_in(form), decision=decision)
    except YimiError as exc:
        consultation = consultations.get(session=session, consultation_id=consultation_id)
        decision = deciding.decision_of(session=session, consultation=consultation, decision_id=decision_id)
        session.refresh(decision)
        if isinstance(exc, deciding.EditedMeanwhile):
            form["version"] = str(decision.version)  # the next save starts from what is saved now
        return _decision_page(request, session, consultation, form, decision, saved=isinstance(exc, deciding.EditedMeanwhile), **refusal(exc))
    return redirect(f"/consultations/{consultation_id}/responses?done=decision_saved#decisions")


@router.post("/consultations/{consultation_id}/responses/decisions/{decision_id}/document")
def decision_document_upload(
    request: Request, consultation_id: Id, decision_id: Id, session: SessionDep, user: Manager,
    document: Annotated[UploadFile | None, File()] = None,
) -> Response:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    decision = deciding.decision_of(session=session, consultation=consultation, decision_id=decision_id)
    data = document.file.read(deciding.MAX_DOCUMENT_BYTES + 1) if document is not None else b""
    try:
        actions.attach_document(session=session, actor=user, decision=decision, data=data)
    except (InvalidInput, PayloadTooLarge) as exc:
        consultation = consultations.get(session=session, consultation_id=consultation_id)
        decision = deciding.decision_of(session=session, consultation=consultation, decision_id=decision_id)
        return _decision_page(request, session, consultation, decision_form_of(decision, consultation), decision,
                              status_code=exc.status_code, document_error=exc.detail, document_error_vars=exc.variables)
    return redirect(f"/consultations/{consultation_id}/responses/decisions/{decision_id}?done=document_saved#document")


@router.get("/responses/decisions/{decision_id}/document")
def decision_document(request: Request, decision_id: Id, session: SessionDep) -> Response:
    """Public route: staff may always download a decision's PDF; anyone once its response is published."""
    decision = deciding.document_to_show(session=session, decision_id=decision_id, staff=getattr(request.state, "user", None))
    name = f"decision-{decision.id}.pdf"
    return media.response(session, decision.document_file_id, headers={  # type: ignore[arg-type]
        "Content-Disposition": f'attachment; filename="{name}"', "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, max-age=3600", "Vary": "Cookie",
    })


# ---- commitments ----------------------------------------------------------------------------------------


def commitment_form_of(commitment: Any) -> dict[str, Any]:
    return {**unpair(commitment.action, "action"), **unpair(commitment.department, "department"),
            "due_on": commitment.due_on.isoformat() if commitment.due_on else "", "status": commitment.status,
            "dropped_reason": commitment.dropped_reason or "", "project_id": str(commitment.project_id or ""),
            "response_id": str(commitment.response_id or ""), "version": str(commitment.version)}


def commitment_in(form: dict[str, Any]) -> CommitmentIn:
    status = str(form.get("status", "") or CommitmentStatus.PLANNED.value)
    if status not in CommitmentStatus._value2member_map_:
        raise InvalidInput(N_("Please choose a status from the list."))
    project = str(form.get("project_id", "")).strip()
    response = str(form.get("response_id", "")).strip()
    if (project and form_id(project) is None) or (response and form_id(response) is None):
        raise InvalidInput(N_("Please choose from the list."))
    return CommitmentIn(
        action=pair(form, "action"), department=pair(form, "department"), due_on=parse_date(str(form.get("due_on", ""))),
        status=CommitmentStatus(status), dropped_reason=str(form.get("dropped_reason", "")), project_id=form_id(project),
        response_id=form_id(response), version=_version(form),
    )


@router.post("/consultations/{consultation_id}/responses/commitments")
def commitment_create(request: Request, consultation_id: Id, session: SessionDep, user: Manager, values: Form) -> Response:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    form = typed(values)
    try:
        actions.add_commitment(session=session, actor=user, consultation=consultation, data=commitment_in(form))
    except YimiError as exc:
        consultation = consultations.get(session=session, consultation_id=consultation_id)
        return _workspace(request, session, user, consultation, cform=form, status_code=exc.status_code,
                          commitment_error=exc.detail, commitment_error_vars=exc.variables)
    return redirect(f"/consultations/{consultation_id}/responses?done=commitment_saved#commitments")


def _commitment_page(request: Request, session: SessionDep, commitment: Any, form: dict[str, Any], status_code: int = 200, **extra: Any) -> Response:
    consultation = consultations.get(session=session, consultation_id=commitment.consultation_id)
    session.refresh(commitment)
    return render(request, "responses/commitment.html", {
        "consultation": consultation, "commitment": commitment, "form": form,
        "events": deciding.events_of(session=session, commitment=commitment), "projects": projects.list_projects(session=session),
        "pform": extra.pop("pform", {"on": city_today().isoformat()}), **_labels(), **extra,
    }, status_code=status_code)


@router.get("/responses/commitments/{commitment_id}")
def commitment_edit(request: Request, commitment_id: Id, session: SessionDep, user: Manager) -> Response:
    commitment = deciding.commitment_of(session=session, commitment_id=commitment_id, user=user)
    return _commitment_page(request, session, commitment, commitment_form_of(commitment))


@router.post("/responses/commitments/{commitment_id}")
def commitment_update(request: Request, commitment_id: Id, session: SessionDep, user: Manager, values: Form) -> Response:
    commitment = deciding.commitment_of(session=session, commitment_id=commitment_id, user=user)
    form = typed(values)
    try:
        actions.update_commitment(session=session, actor=user, commitment=commitment, data=commitment_in(form))
    except YimiError as exc:
        commitment = deciding.commitment_of(session=session, commitment_id=commitment_id, user=user)
        return _commitment_page(request, session, commitment, form, saved=isinstance(exc, deciding.EditedMeanwhile), **refusal(exc))
    return redirect(f"/responses/commitments/{commitment_id}?done=commitment_saved")


@router.post("/responses/commitments/{commitment_id}/progress")
def commitment_progress(request: Request, commitment_id: Id, session: SessionDep, user: Manager, values: Form) -> Response:
    commitment = deciding.commitment_of(session=session, commitment_id=commitment_id, user=user)
    pform = typed(values)
    try:
        data = ProgressIn(on=parse_date(str(pform.get("on", "")), required=True, message=N_("Please give the day of the update.")),  # type: ignore[arg-type]
                          text=pair(pform, "progress"))
        actions.add_progress(session=session, actor=user, commitment=commitment, data=data)
    except YimiError as exc:
        commitment = deciding.commitment_of(session=session, commitment_id=commitment_id, user=user)
        return _commitment_page(request, session, commitment, commitment_form_of(commitment), pform=pform, status_code=exc.status_code,
                                progress_error=exc.detail, progress_error_vars=exc.variables)
    return redirect(f"/responses/commitments/{commitment_id}?done=progress_saved#history")


# ---- previews, publishing and the version history --------------------------------------------------------

READERS = {"public": N_("the public"), "guardian": N_("a guardian"), **{band: N_("a child of %(band)s") for band in BANDS}}


def reading(session: SessionDep, consultation: Consultation, snapshot: dict[str, Any]) -> dict[str, Any]:
    """What a reader's page needs from a snapshot: sizes through the one small-cell rule, commitments live."""
    sizes = suppression.cells({r["id"]: r["size"] for r in snapshot["responses"]}, additive=False)
    return {"snapshot": snapshot, "sizes": sizes, "commitments": deciding.commitments_of(session=session, consultation_id=consultation.id),  # type: ignore[arg-type]
            "decisions_by_id": {d["id"]: d for d in snapshot["decisions"]}, "child_version_for": service.child_version_for}


@router.get("/consultations/{consultation_id}/responses/preview")
def preview(request: Request, consultation_id: Id, session: SessionDep, user: Manager, reader: str = "public") -> Response:
    """What each reader would read if this were published now: the public, a guardian, a child of an age band
    (the child's version for that band, falling back to the next older band; never the adult explanation)."""
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    if reader not in READERS:
        reader = "public"
    snapshot = publishing.snapshot(session=session, consultation=consultation)
    return render(request, "responses/preview.html", {
        "consultation": consultation, "reader": reader, "readers": READERS, **reading(session, consultation, snapshot), **_labels(),
    })


@router.post("/consultations/{consultation_id}/responses/publish")
def publish(request: Request, consultation_id: Id, session: SessionDep, user: Manager, values: Form) -> Response:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    note = _text(values, "note")
    try:
        publication = actions.publish(session=session, actor=user, consultation=consultation, note=note)
    except YimiError as exc:
        consultation = consultations.get(session=session, consultation_id=consultation_id)
        return _workspace(request, session, user, consultation, publish_refused=True, note=note, **refusal(exc))
    return redirect(f"/consultations/{consultation_id}/responses?done={'corrected' if publication.number > 1 else 'published'}#published")


@router.get("/consultations/{consultation_id}/responses/publications/{number}")
def publication(request: Request, consultation_id: Id, number: Id, session: SessionDep, user: Reader) -> Response:
    """An earlier (or the latest) publication exactly as it was published: the version history, for staff."""
    from app.core.errors import NotFound

    consultation = consultations.get(session=session, consultation_id=consultation_id)
    found = next((p for p in publishing.publications_of(session=session, consultation_id=consultation_id) if p.number == number), None)
    if found is None:
        raise NotFound()
    return render(request, "responses/publication.html", {
        "consultation": consultation, "publication": found, "reader": "public",
        "latest": service.latest_publication(session=session, consultation_id=consultation_id),
        "first_published_at": service.first_published_at(session=session, consultation_id=consultation_id),
        **reading(session, consultation, found.snapshot), **_labels(),
    })


# ---- responses, theme by theme (last: its paths would match the routes above) --------------------------------------------------------------------------


def response_form_of(response: Any) -> dict[str, Any]:
    if response is None:
        return {"outcome": "", "version": "0"}
    form = {"outcome": response.outcome, "decide_by": response.decide_by.isoformat() if response.decide_by else "",
            "decision_id": str(response.decision_id or ""), "version": str(response.version),
            **unpair(response.reason, "reason"), **unpair(response.explanation, "explanation")}
    for band in BANDS:
        form.update(unpair(response.child_versions.get(band, {}), f"child_{band}"))
    return form


def response_in(form: dict[str, Any]) -> ResponseIn:
    outcome = str(form.get("outcome", ""))
    if outcome not in Outcome._value2member_map_:
        raise InvalidInput(N_("Please choose what became of it: adopted, adopted in part, not adopted or still being decided."))
    decision = str(form.get("decision_id", "")).strip()
    if decision and form_id(decision) is None:
        raise InvalidInput(N_("Please choose a decision of this consultation from the list."))
    return ResponseIn(
        outcome=Outcome(outcome), reason=pair(form, "reason"), decide_by=parse_date(str(form.get("decide_by", ""))),
        explanation=pair(form, "explanation"), child_versions={band: pair(form, f"child_{band}") for band in BANDS},
        decision_id=form_id(decision), version=_version(form),
    )


def _subject(session: SessionDep, consultation: Consultation, kind: str, subject_id: int) -> tuple[Any, Any]:
    if kind == "themes":
        return deciding.theme_of(session=session, consultation=consultation, theme_id=subject_id), None
    return None, deciding.closed_question_of(session=session, consultation=consultation, question_id=subject_id)


def _response_page(request: Request, session: SessionDep, consultation: Consultation, kind: str, subject_id: int, form: dict[str, Any],
                   status_code: int = 200, **extra: Any) -> Response:
    theme, question = _subject(session, consultation, kind, subject_id)
    found = deciding.subjects(session=session, consultation=consultation)
    response = found.by_theme.get(subject_id) if theme is not None else found.by_question.get(subject_id)
    if response is not None:
        session.refresh(response)
    return render(request, "responses/response_form.html", {
        "consultation": consultation, "theme": theme, "question": question, "kind": kind, "subject_id": subject_id,
        "response": response, "form": form, "decisions": deciding.decisions_of(session=session, consultation=consultation),
        "size": suppression.cells(found.sizes, additive=False).get(subject_id) if theme is not None and found.sizes else None,
        "bands": [b for b in BANDS if b in consultation.age_bands] or list(BANDS), **_labels(), **extra,
    }, status_code=status_code)


@router.get("/consultations/{consultation_id}/responses/{kind}/{subject_id}")
def response_edit(request: Request, consultation_id: Id, kind: str, subject_id: Id, session: SessionDep, user: Manager) -> Response:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    if kind not in ("themes", "questions"):
        from app.core.errors import NotFound

        raise NotFound()
    if consultation.state() != State.CLOSED:
        return _workspace(request, session, user, consultation, **refusal(deciding.NotClosed()))
    theme, question = _subject(session, consultation, kind, subject_id)
    found = deciding.subjects(session=session, consultation=consultation)
    response = found.by_theme.get(subject_id) if theme is not None else found.by_question.get(subject_id)
    return _response_page(request, session, consultation, kind, subject_id, response_form_of(response))


@router.post("/consultations/{consultation_id}/responses/{kind}/{subject_id}")
def response_save(request: Request, consultation_id: Id, kind: str, subject_id: Id, session: SessionDep, user: Manager, values: Form) -> Response:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    if kind not in ("themes", "questions"):
        from app.core.errors import NotFound

        raise NotFound()
    theme, question = _subject(session, consultation, kind, subject_id)
    form = typed(values)
    try:
        actions.save_response(session=session, actor=user, consultation=consultation, data=response_in(form), theme=theme, question=question)
    except YimiError as exc:
        consultation = consultations.get(session=session, consultation_id=consultation_id)
        meanwhile = isinstance(exc, deciding.EditedMeanwhile)
        page = _response_page(request, session, consultation, kind, subject_id, form, saved=meanwhile, **refusal(exc))
        return page
    return redirect(f"/consultations/{consultation_id}/responses?done=response_saved#{kind[:-1]}-{subject_id}")
