"""The staff page of the children's check (issue 16, PAR-06): `/consultations/{id}/insights/check`.

Analysts, officials and administrators (INSIGHTS_READ) see what stops "Ask the children", how many children
said yes / not quite to each theme (through app.core.suppression only: never a count under 5, DP-12) and the
approved "something is missing" words (text and age band, never who). Analysts and officials ask the children
and end the check; skipping it needs a reason the report prints and is the official's (CONSULTATIONS_MANAGE).
Every transition names the version it started from: a stale one is refused (409, someone saved meanwhile)."""

from typing import Annotated, Any

from fastapi import Request
from fastapi.responses import Response

from app.accounts.deps import ManagerPage as Manager
from app.accounts.deps import ReaderPage as Reader
from app.accounts.models import StaffUser
from app.accounts.permissions import Permission, can
from app.consultations import service as consultations
from app.consultations.deps import WorkedOnPage
from app.consultations.models import Consultation
from app.core.db import Id, SessionDep
from app.core.errors import Conflict, InvalidInput, YimiError, refusal
from app.core.i18n import N_
from app.core.routing import Router
from app.core.templating import redirect, render
from app.core.validation import FormText
from app.insights import actions, checking
from app.insights.models import ANALYSIS_STATE_LABELS, AnalysisState

router = Router(include_in_schema=False, dependencies=[WorkedOnPage])  # issue 16: the consultation's department

PAGE = "insights/check.html"
DONE = {
    "started": N_("The children who took part can now check the themes."),
    "ended": N_("The children's check is over."),
    "skipped": N_("The children's check was skipped. The report says why."),
}


def _version(raw: str) -> int | None:
    return int(raw) if raw.strip().isdigit() else None


def _page(
    request: Request, session: SessionDep, user: StaffUser, consultation: Consultation, *, status_code: int = 200, **extra: Any,
) -> Response:
    analysis = checking.state_of(session=session, consultation=consultation)
    return render(request, PAGE, {
        "consultation": consultation,
        "current": "check",
        "analysis": analysis,
        "state": AnalysisState(analysis.state),
        "state_labels": ANALYSIS_STATE_LABELS,
        "missing": [checking.MISSING_WORDS[m] for m in checking.missing_for_start(session=session, consultation=consultation)],
        "tallies": checking.tallies(session=session, consultation=consultation),
        "missing_comments": checking.missing_comments(session=session, consultation=consultation),
        "can_skip": can(user, Permission.CONSULTATIONS_MANAGE),
        "done_words": DONE.get(str(request.query_params.get("done", ""))),
        **extra,
    }, status_code=status_code)


@router.get("/consultations/{consultation_id}/insights/check")
def check_page(request: Request, consultation_id: Id, session: SessionDep, user: Reader) -> Response:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    return _page(request, session, user, consultation)


def _refused(request: Request, session: SessionDep, user: StaffUser, consultation_id: int, exc: YimiError, **extra: Any) -> Response:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    return _page(request, session, user, consultation, **refusal(exc), **extra)


@router.post("/consultations/{consultation_id}/insights/check/start")
def check_start(
    request: Request, consultation_id: Id, session: SessionDep, user: Reader, version: Annotated[str, FormText("Version")] = "",
) -> Response:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    try:
        actions.start_check(session=session, actor=user, consultation=consultation, version=_version(version))
    except Conflict as exc:
        return _refused(request, session, user, consultation_id, exc)
    return redirect(f"/consultations/{consultation_id}/insights/check?done=started")


@router.post("/consultations/{consultation_id}/insights/check/end")
def check_end(
    request: Request, consultation_id: Id, session: SessionDep, user: Reader, version: Annotated[str, FormText("Version")] = "",
) -> Response:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    try:
        actions.end_check(session=session, actor=user, consultation=consultation, version=_version(version))
    except Conflict as exc:
        return _refused(request, session, user, consultation_id, exc)
    return redirect(f"/consultations/{consultation_id}/insights/check?done=ended")


@router.post("/consultations/{consultation_id}/insights/check/skip")
def check_skip(
    request: Request, consultation_id: Id, session: SessionDep, user: Manager, version: Annotated[str, FormText("Version")] = "",
    reason: Annotated[str, FormText("Why the children's check is skipped")] = "",
) -> Response:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    try:
        actions.skip_check(session=session, actor=user, consultation=consultation, version=_version(version), reason=reason)
    except (InvalidInput, Conflict) as exc:
        return _refused(request, session, user, consultation_id, exc, skip_reason=reason, skip_error=True)
    return redirect(f"/consultations/{consultation_id}/insights/check?done=skipped")
