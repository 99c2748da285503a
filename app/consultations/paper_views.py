"""Paper responses (PAR-14): a facilitator enters, for a child of their own group who is taking part, the
answers the child wrote on a paper form, all questions on one page, in the same `q-<id>`/`skip-<id>`
encoding as the child's own pages. The answers are stored with the channel "paper" and the facilitator who
entered them, audited, and may be corrected until the consultation closes.

Staff routes (CORPS_FACILITATE), scoped like every corps page: another facilitator's group is 'not found'.
The consent guard is the service's own `consent.require` inside `answering.submit` (these routes do not
depend on a signed-in child, so `ConsentingChild` does not apply)."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from app.accounts.deps import FacilitatorPage as Facilitator
from app.accounts.models import StaffUser
from app.consent import service as consent
from app.consent.models import CONSENT_STATUS_LABELS, ConsentStatus, Purpose
from app.consultations import actions, answering, results, service
from app.consultations.models import (
    CHANNEL_LABELS,
    QUESTION_KIND_LABELS,
    SCALE_FACES,
    TEXT_LIMIT,
    Channel,
    Consultation,
    Participation,
    QuestionKind,
)
from app.core.db import Id, SessionDep, utcnow
from app.core.errors import InvalidInput, NotFound, YimiError
from app.core.i18n import N_, localised
from app.core.routing import Router
from app.core.templating import NOTICES, redirect, render
from app.corps import service as corps
from app.corps.models import Child, Group

router = Router(include_in_schema=False)


NOTICES.update({"paper_saved": N_("The paper answers are saved, marked as paper.")})

NOT_TAKING_PART = N_("This child is not taking part now, so nothing was saved.")


@dataclass
class Row:
    """One child of the group on the paper page: selectable, or greyed with the reason."""

    child: Child
    reason: str | None  # why the child cannot be chosen (a message id), or None
    paper: bool = False  # paper answers already entered: the link corrects them


def _group(session: SessionDep, user: StaffUser, group_id: Id) -> Group:
    group = corps.get_group(session=session, group_id=group_id, user=user)
    if group.id not in corps.facilitator_group_ids(session=session, user=user):
        raise NotFound()  # only the group's own facilitators enter paper answers
    return group


def _consultation(session: SessionDep, group: Group, consultation_id: Id) -> Consultation:
    for consultation in answering.for_group(session=session, group=group):
        if consultation.id == consultation_id:
            return consultation
    raise NotFound(N_("This consultation is not open for this group."))


def _child(session: SessionDep, user: StaffUser, group: Group, child_id: Id) -> Child:
    child = corps.get_child(session=session, child_id=child_id, user=user)
    if child.group_id != group.id:
        raise NotFound()
    return child


def _why_not(
    session: SessionDep, child: Child, consultation: Consultation, group: Group, *, taking_part: bool, participation: Participation | None
) -> str | None:
    """The reason a child cannot be chosen for paper entry, or None when they can."""
    if not service.targets(consultation=consultation, child=child, group=group):
        return N_("Not in the age bands this consultation asks")
    if not taking_part:
        state = consent.state_of(session=session, child=child, purpose=Purpose.PARTICIPATE)
        if state is None or state.status == ConsentStatus.NONE.value:
            return N_("Not taking part: no consent yet")
        if state.status != ConsentStatus.GRANTED.value:
            return CONSENT_STATUS_LABELS[ConsentStatus(state.status)]
        if state.expires_at is not None and state.expires_at <= utcnow():
            return CONSENT_STATUS_LABELS[ConsentStatus.EXPIRED]
        return N_("Not taking part: the child has not said yes")
    if participation is not None and participation.channel != Channel.PAPER.value:
        return N_("Answered on their own (tablet or phone)")
    return None


def _reason_for(session: SessionDep, child: Child, consultation: Consultation, group: Group) -> str | None:
    taking_part = consent.allows(session=session, child=child, purpose=Purpose.PARTICIPATE)
    participation = answering.participation_of(session=session, child=child, consultation=consultation)
    return _why_not(session, child, consultation, group, taking_part=taking_part, participation=participation)


def _rows(session: SessionDep, group: Group, consultation: Consultation) -> list[Row]:
    """Every child of the group, with consent and participations read in one query each (not per child)."""
    children = corps.children_of(session=session, group=group)
    taking_part = consent.allowed_among(session=session, children=children, purpose=Purpose.PARTICIPATE)
    participations = answering.participations_of(session=session, consultation=consultation, children=children)
    rows = []
    for child in children:
        participation = participations.get(child.id)  # type: ignore[arg-type]
        reason = _why_not(session, child, consultation, group, taking_part=child.id in taking_part, participation=participation)
        rows.append(Row(child, reason, paper=participation is not None and participation.channel == Channel.PAPER.value))
    return rows


def _children_page(
    request: Request, session: SessionDep, group: Group, consultation: Consultation, *, error: str | None = None, status_code: int = 200,
) -> Response:
    return render(request, "consultations/paper/children.html", {
        "group": group, "consultation": consultation, "title": localised(consultation.title),
        "rows": _rows(session, group, consultation), "error": error,
        "paper_count": results.participation_counts(session=session, consultation=consultation).get(Channel.PAPER.value, 0),
    }, status_code=status_code)


def _prefill(session: SessionDep, child: Child, consultation: Consultation) -> dict[int, dict[str, Any]]:
    """What is stored, in the form's terms: {question id: {"skip": bool, "values": [str], "text": str}}."""
    found: dict[int, dict[str, Any]] = {}
    for question_id, answer in answering.answers_of(session=session, child=child, consultation=consultation).items():
        value = answer.value
        values = [value["option"]] if "option" in value else value.get("options") or value.get("order") or (
            [value["scale"]] if "scale" in value else [])
        found[question_id] = {"skip": answer.skipped, "values": [str(v) for v in values], "text": ""}
    for comment in answering.comments_of_child(session=session, child=child, consultation=consultation):
        if comment.question_id in found:
            found[comment.question_id]["text"] = comment.text
    return found


def _from_form(form: FormData) -> dict[int, dict[str, Any]]:
    """What the facilitator typed, to show it again after a kind error (nothing was saved)."""
    found: dict[int, dict[str, Any]] = {}
    for name in set(form.keys()):
        prefix, _, raw_id = name.partition("-")
        if prefix not in ("q", "skip") or not raw_id.isdigit():
            continue
        entry = found.setdefault(int(raw_id), {"skip": False, "values": [], "text": ""})
        if prefix == "skip":
            entry["skip"] = True
        else:
            values = [v for v in form.getlist(name) if isinstance(v, str)]
            entry["values"] = [v.strip() for v in ",".join(values).split(",") if v.strip()]
            entry["text"] = values[0] if values else ""
    return found


def _form_page(
    request: Request, session: SessionDep, group: Group, consultation: Consultation, child: Child, *,
    filled: dict[int, dict[str, Any]], key: str | None = None, error: YimiError | None = None,
) -> Response:
    questions = service.questions_of(session=session, consultation=consultation)
    options = service.options_by_question(session=session, questions=questions)
    participation = answering.participation_of(session=session, child=child, consultation=consultation)
    return render(request, "consultations/paper/form.html", {
        "group": group, "consultation": consultation, "title": localised(consultation.title), "child": child,
        "questions": [
            {"question": q, "prompt": localised(q.prompt), "kind": q.kind, "options": options[q.id],  # type: ignore[index]
             "filled": filled.get(q.id, {"skip": False, "values": [], "text": ""})}  # type: ignore[arg-type]
            for q in questions
        ],
        "key": key or answering.new_key(child=child, consultation=consultation), "correcting": participation is not None,
        "kinds": QUESTION_KIND_LABELS, "faces": SCALE_FACES, "limit": TEXT_LIMIT,
        "paper_label": CHANNEL_LABELS[Channel.PAPER], "QuestionKind": QuestionKind,
        **({"error": error.detail, "error_vars": error.variables, "error_at": _error_at(error)} if error else {}),
    }, status_code=error.status_code if error else 200)


def _error_at(error: YimiError) -> str | None:
    """The field an answer's error points at (`q-<id>`), so the form shows the message beside its question."""
    errors = getattr(error, "errors", None) or [{}]
    loc = errors[0].get("loc") or [None]
    return loc[0]


@router.get("/corps/groups/{group_id}/paper")
def paper_home(request: Request, group_id: Id, session: SessionDep, user: Facilitator) -> Response:
    group = _group(session, user, group_id)
    consultations = answering.for_group(session=session, group=group)
    return render(request, "consultations/paper/list.html", {
        "group": group,
        "rows": [
            {"consultation": c, "title": localised(c.title),
             "paper": results.participation_counts(session=session, consultation=c).get(Channel.PAPER.value, 0)}
            for c in consultations
        ],
    })


@router.get("/corps/groups/{group_id}/paper/{consultation_id}")
def paper_children(request: Request, group_id: Id, consultation_id: Id, session: SessionDep, user: Facilitator) -> Response:
    group = _group(session, user, group_id)
    return _children_page(request, session, group, _consultation(session, group, consultation_id))


@router.get("/corps/groups/{group_id}/paper/{consultation_id}/children/{child_id}")
def paper_form(request: Request, group_id: Id, consultation_id: Id, child_id: Id, session: SessionDep, user: Facilitator) -> Response:
    group = _group(session, user, group_id)
    consultation = _consultation(session, group, consultation_id)
    child = _child(session, user, group, child_id)
    reason = _reason_for(session, child, consultation, group)
    if reason is not None:
        return _children_page(request, session, group, consultation, error=reason, status_code=409)
    return _form_page(request, session, group, consultation, child, filled=_prefill(session, child, consultation))


async def _posted_form(request: Request) -> FormData:
    """The whole posted form: `q-<id>` and `skip-<id>` for every question, and the key."""
    return await request.form()


@router.post("/corps/groups/{group_id}/paper/{consultation_id}/children/{child_id}")
def paper_submit(
    request: Request, group_id: Id, consultation_id: Id, child_id: Id, session: SessionDep, user: Facilitator,
    form: Annotated[FormData, Depends(_posted_form)],
) -> Response:
    """All the child's paper answers at once, with the form's key: a retried send counts once. The service
    checks the consent (refused: nothing stored), the dates and every answer, and audits the paper entry."""
    group = _group(session, user, group_id)
    consultation = _consultation(session, group, consultation_id)
    child = _child(session, user, group, child_id)
    participation = answering.participation_of(session=session, child=child, consultation=consultation)
    if participation is not None and participation.channel != Channel.PAPER.value:
        # The child's own answers from a tablet or phone are never overwritten from paper.
        return _children_page(request, session, group, consultation, error=N_("Answered on their own (tablet or phone)"), status_code=409)
    key = str(form.get("key") or "")
    try:
        answers = answering.answers_from_form(service.questions_of(session=session, consultation=consultation), form)
        actions.enter_paper_response(session=session, facilitator=user, child=child, consultation=consultation, answers=answers, key=key)
    except consent.ConsentRequired:
        return _children_page(request, session, group, consultation, error=NOT_TAKING_PART, status_code=403)
    except service.NotOpen:
        raise
    except service.TamperedKey as exc:
        return _form_page(request, session, group, consultation, child, filled=_from_form(form), error=exc)
    except InvalidInput as exc:
        return _form_page(request, session, group, consultation, child, filled=_from_form(form), key=key, error=exc)
    return redirect(f"/corps/groups/{group.id}/paper/{consultation.id}?done=paper_saved")
