"""Safeguarding pages: the child's "I need help" and calm screen (SG-05, SG-06, CON-15: no sign-in, no
consent needed), and the officers' cases, workflow, duty and re-identification log (SG-01, SG-03, SG-04).

Reading cases needs SAFEGUARDING_OVERSEE (officers and, read-only, administrators); acting on them needs
SAFEGUARD (officers only)."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from app.accounts.deps import OfficerPage as Officer
from app.accounts.deps import OverseerPage as Overseer
from app.accounts.deps import staff
from app.accounts.models import StaffUser
from app.accounts.permissions import Permission, can
from app.consultations.models import Consultation
from app.core.config import get_settings
from app.core.db import Id, SessionDep
from app.core.errors import Conflict, InvalidInput, TooManyRequests
from app.core.i18n import N_, localised
from app.core.ratelimit import client_address, hit
from app.core.routing import Router
from app.core.templating import NOTICES, environment, redirect, render
from app.core.validation import FormText
from app.corps.deps import SignedInChild
from app.corps.models import Group
from app.safeguarding import actions, service
from app.safeguarding.models import (
    ACTION_LABELS,
    ASSESSMENT_LABELS,
    CHANNEL_LABELS,
    OUTCOME_LABELS,
    READING_OUTCOME_LABELS,
    RECORDABLE,
    REPORTS,
    SOURCE_LABELS,
    STATE_LABELS,
    SUBKIND_LABELS,
    AlertChannel,
    Assessment,
    CaseState,
    Outcome,
)

router = Router(include_in_schema=False)

NOTICES.update({
    "concern_sent": N_("Thank you. The safeguarding officers have been told and will follow up."),
    "case_acknowledged": N_("You have the case. Assess it, act, and record each step."),
    "action_recorded": N_("Recorded."),
    "case_closed": N_("The case is closed."),
    "duty_saved": N_("Saved. Alerts reach you as you chose."),
    "reading_returned": N_("Returned to normal moderation. A moderator decides as usual."),
    "case_opened_from_reading": N_("A case is open for these words and the officers are alerted. Acknowledge it to take it."),
})


# The alert banner in the staff header (templates/safeguarding/_banner.html): one COUNT, only for staff who
# may see cases.
environment().globals["safeguarding_banner"] = service.banner_for
# The limits of the facilitator's concern box on the corps child page, which the corps views cannot import.
environment().globals["safeguarding_fields"] = service.LIMITS


def _labels() -> dict[str, object]:
    return {
        "source_labels": SOURCE_LABELS, "subkind_labels": SUBKIND_LABELS, "state_labels": STATE_LABELS,
        "action_labels": ACTION_LABELS, "assessment_labels": ASSESSMENT_LABELS, "outcome_labels": OUTCOME_LABELS,
        "channel_labels": CHANNEL_LABELS, "recordable": RECORDABLE, "reports": REPORTS, "assessments": list(Assessment),
        "outcomes": list(Outcome), "channels": list(AlertChannel), "states": list(CaseState), "fields": service.LIMITS,
    }


def _error(exc: InvalidInput | Conflict) -> dict[str, object]:
    return {"error": exc.detail, "error_vars": exc.variables}


# ---- the child's side: "I need help" and the calm screen (SG-05, SG-06, CON-15) ----------------------


def _help_limit(request: Request) -> None:
    """So that the button cannot flood the officers: per child when signed in (a classroom shares one
    address), per address otherwise. The address is only a rate-limit key: it is never stored."""
    child = getattr(request.state, "child", None)
    key = f"child:{child.id}" if child is not None else f"ip:{client_address(request)}"
    hit(get_settings().rate_limit_help, "help-request", key)


def _calm(request: Request, *, again: bool = False, status_code: int = 200) -> Response:
    child = getattr(request.state, "child", None)
    return render(request, "safeguarding/child_calm.html", {"again": again, "back": "/me" if child else "/"}, status_code=status_code)


def _help_page(request: Request, *, text: str = "", error: InvalidInput | None = None) -> Response:
    child = getattr(request.state, "child", None)
    return render(request, "safeguarding/help_request.html", {
        "action": "/me/help" if child else "/help/request", "limit": service.HELP_TEXT.max, "text": text,
        **({"error": error.detail, "error_vars": error.variables} if error else {}),
    }, status_code=error.status_code if error else 200)


@router.get("/help/request")
def help_request_page(request: Request) -> Response:
    return _help_page(request)


def _send_help(request: Request, session: SessionDep, text: str) -> Response:
    try:
        service.HELP_TEXT.clean(text)
    except InvalidInput as exc:
        # Too many words: the same box with the child's words and a kind word. Checked before the rate limit,
        # so that a refused send is not counted (the calm screen would say a grown-up was told).
        return _help_page(request, text=text, error=exc)
    try:
        _help_limit(request)
    except TooManyRequests:
        # Never an error page for a child asking for help: the calm screen, saying a grown-up was already told.
        return _calm(request, again=True, status_code=429)
    child = getattr(request.state, "child", None)
    actions.help_request(
        session=session, text=text, child=child, child_session=getattr(request.state, "child_session", None) if child else None,
        group_session=getattr(request.state, "group_session", None),
    )
    return redirect("/me/help/thanks" if child else "/help/thanks")


@router.post("/help/request")
def help_request_send(request: Request, session: SessionDep, text: Annotated[str, FormText(service.HELP_TEXT.label)] = "") -> Response:
    """Anyone, signed in or not, whatever the consent (SG-06): an anonymous case when nobody is signed in."""
    return _send_help(request, session, text)


@router.post("/me/help")
def child_help_send(
    request: Request, session: SessionDep, child: SignedInChild, text: Annotated[str, FormText(service.HELP_TEXT.label)] = ""
) -> Response:
    """The signed-in child's "I need help": linked to the pseudonymous child and their session; never
    behind the consent guard (SG-06, CON-15)."""
    return _send_help(request, session, text)


@router.post("/corps/children/{child_id}/concern")
def facilitator_concern(
    request: Request, child_id: Id, session: SessionDep, user: Annotated[StaffUser, Depends(staff(Permission.CORPS_FACILITATE))],
    text: Annotated[str, FormText(service.CONCERN.label)] = "",
) -> Response:
    """SG-07: an on-site facilitator raises a concern about a child of their own group; it opens a case and
    alerts the officers at once, like a child's own words would."""
    from app.corps import service as corps
    from app.corps.models import Child

    child: Child = corps.get_child(session=session, child_id=child_id, user=user)  # another group's child: "not found"
    try:
        actions.facilitator_concern(session=session, facilitator=user, child=child, text=text)
    except InvalidInput as exc:  # the form again, with the words in the box and what to change
        return render(request, "safeguarding/concern.html", {"child": child, "concern_text": text, "concern_error": exc.detail,
                                                             "concern_error_vars": exc.variables}, status_code=exc.status_code)
    return redirect(f"/corps/children/{child_id}?done=concern_sent")


@router.get("/help/thanks")
def help_thanks(request: Request) -> Response:
    return _calm(request)


@router.get("/me/help/thanks")
def child_help_thanks(request: Request, child: SignedInChild) -> Response:
    """The calm screen for a signed-in child, whatever the consent state (SG-05, SG-06)."""
    return _calm(request)


# ---- the officers' side ---------------------------------------------------------------------------


@router.get("/safeguarding")
def cases_page(request: Request, session: SessionDep, user: Overseer, state: str = "") -> Response:
    chosen = CaseState(state) if state in {s.value for s in CaseState} else None
    cases = service.list_cases(session=session, state=chosen)
    return render(request, "safeguarding/cases.html", {"cases": cases, "state": chosen, "can_act": can(user, Permission.SAFEGUARD), **_labels()})


def _case_page(request: Request, session: SessionDep, user: StaffUser, case_id: Id, status_code: int = 200, **extra: object) -> Response:
    case = service.get_case(session=session, case_id=case_id)
    actions = service.actions_of(session=session, case=case)
    who = service.names(session=session, user_ids=[a.actor_id for a in actions] + [case.acknowledged_by_id, case.opened_by_id])
    # Issue 18: names, not database ids ("小组 1"), for the group and the consultation.
    group = session.get(Group, case.group_id) if case.group_id else None
    consultation = session.get(Consultation, case.consultation_id) if case.consultation_id else None
    return render(
        request, "safeguarding/case.html",
        {"case": case, "actions": actions, "who": who, "pseudonym": service.pseudonym_of(session=session, case=case),
         "group_name": localised(group.name) if group else None,
         "consultation_title": localised(consultation.title) if consultation else None,
         "can_act": can(user, Permission.SAFEGUARD), "ack_minutes": get_settings().safeguarding_ack_minutes, **_labels(), **extra},
        status_code=status_code,
    )


@router.get("/safeguarding/cases/{case_id}")
def case_page(request: Request, case_id: Id, session: SessionDep, user: Overseer) -> Response:
    return _case_page(request, session, user, case_id)


@router.post("/safeguarding/cases/{case_id}/acknowledge")
def case_acknowledge(request: Request, case_id: Id, session: SessionDep, user: Officer) -> Response:
    case = service.get_case(session=session, case_id=case_id)
    try:
        done = actions.acknowledge(session=session, officer=user, case=case)
    except Conflict as exc:
        return _case_page(request, session, user, case_id, status_code=exc.status_code, **_error(exc))
    if not done.first:
        return _case_page(request, session, user, case_id, status_code=409, already_by=done.by)
    return redirect(f"/safeguarding/cases/{case_id}?done=case_acknowledged")


@router.post("/safeguarding/cases/{case_id}/actions")
def case_action(
    request: Request, case_id: Id, session: SessionDep, user: Officer,
    kind: Annotated[str, FormText(N_("What did you do?"))] = "", reference: Annotated[str, FormText(service.REFERENCE.label)] = "",
    note: Annotated[str, FormText(service.NOTE.label)] = "", assessment: Annotated[str, FormText(N_("How serious is it?"))] = "",
) -> Response:
    case = service.get_case(session=session, case_id=case_id)
    try:
        actions.add_action(session=session, officer=user, case=case, kind=kind, reference=reference, note=note, assessment=assessment or None)
    except (InvalidInput, Conflict) as exc:
        form = {"kind": kind, "reference": reference, "note": note, "assessment": assessment}
        return _case_page(request, session, user, case_id, status_code=exc.status_code, form=form, **_error(exc))
    return redirect(f"/safeguarding/cases/{case_id}?done=action_recorded#actions")


@router.post("/safeguarding/cases/{case_id}/close")
def case_close(
    request: Request, case_id: Id, session: SessionDep, user: Officer,
    outcome: Annotated[str, FormText(N_("Outcome"))] = "", note: Annotated[str, FormText(service.CLOSING_NOTE.label)] = "",
) -> Response:
    case = service.get_case(session=session, case_id=case_id)
    try:
        actions.close(session=session, officer=user, case=case, outcome=outcome, note=note)
    except (InvalidInput, Conflict) as exc:
        return _case_page(request, session, user, case_id, status_code=exc.status_code, close_form={"outcome": outcome, "note": note}, **_error(exc))
    return redirect(f"/safeguarding/cases/{case_id}?done=case_closed")


def _identity_page(request: Request, session: SessionDep, case_id: Id, status_code: int = 200, **extra: object) -> Response:
    case = service.get_case(session=session, case_id=case_id)
    return render(request, "safeguarding/identity.html", {"case": case, "fields": service.LIMITS, **extra}, status_code=status_code)


@router.get("/safeguarding/cases/{case_id}/identity")
def identity_page(request: Request, case_id: Id, session: SessionDep, user: Officer) -> Response:
    case = service.get_case(session=session, case_id=case_id)
    if case.closed_at is not None:
        raise service.ReidentificationRefused()
    return _identity_page(request, session, case_id)


@router.post("/safeguarding/cases/{case_id}/identity")
def identity_read(
    request: Request, case_id: Id, session: SessionDep, user: Officer, reason: Annotated[str, FormText(service.REASON.label)] = ""
) -> Response:
    case = service.get_case(session=session, case_id=case_id)
    try:
        found = actions.reidentify(session=session, officer=user, case=case, reason=reason)
    except (InvalidInput, Conflict) as exc:
        return _identity_page(request, session, case_id, status_code=exc.status_code, reason=reason, **_error(exc))
    return _identity_page(request, session, case_id, identity=found)


@router.get("/safeguarding/reidentifications")
def reidentifications_page(request: Request, session: SessionDep, user: Overseer) -> Response:
    return render(request, "safeguarding/reidentifications.html", {"rows": service.reidentifications(session=session)})


def _duty_page(request: Request, session: SessionDep, user: StaffUser, status_code: int = 200, **extra: object) -> Response:
    duty = service.duty_of(session=session, user=user)
    return render(
        request, "safeguarding/duty.html",
        {"duty": duty, "is_officer": can(user, Permission.SAFEGUARD), **_labels(), **extra}, status_code=status_code,
    )


@router.get("/safeguarding/duty")
def duty_page(request: Request, session: SessionDep, user: Overseer) -> Response:
    return _duty_page(request, session, user)


@router.post("/safeguarding/duty")
def duty_save(
    request: Request, session: SessionDep, user: Overseer, on_duty: Annotated[str, FormText(N_("I am on duty now"))] = "",
    alert_channel: Annotated[str, FormText(N_("Alert me by"))] = "sms",
    alert_contact: Annotated[str, FormText(service.ALERT_CONTACT.label)] = "",
) -> Response:
    try:
        actions.set_duty(session=session, user=user, on_duty=on_duty == "1", alert_channel=alert_channel, alert_contact=alert_contact)
    except InvalidInput as exc:
        form = {"on_duty": on_duty == "1", "alert_channel": alert_channel, "alert_contact": alert_contact}
        return _duty_page(request, session, user, status_code=exc.status_code, form=form, **_error(exc))
    return redirect("/safeguarding/duty?done=duty_saved")




# ---- the "please read" list (issue 14) ----------------------------------------------------------------


def _to_read_page(request: Request, session: SessionDep, user: StaffUser, status_code: int = 200, **extra: object) -> Response:
    return render(
        request, "safeguarding/to_read.html",
        {"items": service.to_read(session=session, unread=False), "can_act": can(user, Permission.SAFEGUARD),
         "review_minutes": get_settings().safeguarding_review_minutes, "reading_labels": READING_OUTCOME_LABELS,
         **_labels(), **extra},
        status_code=status_code,
    )


@router.get("/safeguarding/to-read")
def to_read_page(request: Request, session: SessionDep, user: Overseer) -> Response:
    """Words screening found possibly worrying (issue 14): shown to nobody else, no case yet; read them within
    YIMI_SAFEGUARDING_REVIEW_MINUTES, then open a case or return them to normal moderation."""
    return _to_read_page(request, session, user)


@router.post("/safeguarding/to-read/{concern_id}/open-case")
def to_read_open_case(request: Request, concern_id: Id, session: SessionDep, user: Officer) -> Response:
    concern = service.get_possible(session=session, concern_id=concern_id)
    try:
        case = actions.open_case_from_possible(session=session, officer=user, concern=concern)
    except Conflict as exc:
        return _to_read_page(request, session, user, status_code=exc.status_code, **_error(exc))
    return redirect(f"/safeguarding/cases/{case.id}?done=case_opened_from_reading")


@router.post("/safeguarding/to-read/{concern_id}/return")
def to_read_return(request: Request, concern_id: Id, session: SessionDep, user: Officer) -> Response:
    concern = service.get_possible(session=session, concern_id=concern_id)
    try:
        actions.return_possible(session=session, officer=user, concern=concern)
    except Conflict as exc:
        return _to_read_page(request, session, user, status_code=exc.status_code, **_error(exc))
    return redirect("/safeguarding/to-read?done=reading_returned")
