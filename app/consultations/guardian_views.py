"""Guardians' own views on a phone (PAR-05): the open consultations that ask their children's groups, the
facts of each (the Lundy items: what it decides, who decides, what can and cannot change, the dates) and
one comment of their own per consultation, labelled as a guardian's, held for a moderator and kept apart
from children's answers in every count.

These are guardian pages: the guardian's cookie session (`load_guardian`) and its CSRF token, like the
consent dashboard. They work without JavaScript (post → 303 → get)."""

from typing import Annotated, Any

from babel.dates import format_date
from fastapi import Form, Request
from fastapi.responses import Response

from app.consent import guardians
from app.consent.deps import SignedInGuardian
from app.consent.models import Guardian
from app.consultations import actions, answering, comments, results, service
from app.consultations.charts import CHART_WIDTH, charts_of
from app.consultations.models import TEXT_LIMIT, CommentStatus, Consultation, State
from app.core.db import Id, SessionDep
from app.core.errors import InvalidInput, refusal
from app.core.i18n import N_, babel_locale, localised
from app.core.routing import Router
from app.core.templating import NOTICES, redirect, render
from app.core.validation import FormText
from app.corps.models import AgeBand, Child
from app.moderation import service as moderation
from app.moderation.models import REPORT_REASON_LABELS, ReporterKind, ReportReason

router = Router(include_in_schema=False)

NOTICES.update({
    "guardian_comment_sent": N_("Thank you. Your view is sent. A moderator reads it before anyone else can see it."),
})

# What the guardian is told about their own comment (MOD-01): nobody but staff sees it until approved.
COMMENT_STATE_LABELS: dict[str, str] = {
    CommentStatus.PENDING.value: N_("Waiting for a moderator"),
    CommentStatus.APPROVED.value: N_("Shown"),
    CommentStatus.REDACTED.value: N_("Shown, with a small change by the moderator"),
    CommentStatus.REJECTED.value: N_("Not shown"),
}
COMMENT_STATE_BADGES: dict[str, str] = {
    CommentStatus.PENDING.value: "wait", CommentStatus.APPROVED.value: "ok",
    CommentStatus.REDACTED.value: "ok", CommentStatus.REJECTED.value: "off",
}


def _children(session: SessionDep, guardian: Guardian) -> list[Child]:
    return guardians.children_of(session=session, guardian=guardian)


def _visible(session: SessionDep, guardian: Guardian, consultation_id: Id) -> tuple[Consultation, list[Child]]:
    """An open or closed consultation that asks one of this guardian's children's groups; any other is 'not found'."""
    children = _children(session, guardian)
    for consultation in answering.for_guardian(session=session, children=children, closed_too=True):
        if consultation.id == consultation_id:
            return consultation, children
    raise service.NotForYou(N_("We could not find this consultation for your children. It may have closed."))


def _facts(consultation: Consultation) -> list[tuple[str, str]]:
    """The Lundy items (PAR-01) as (label, text) pairs, in the page's language."""
    text = localised
    decider = ", ".join(part for part in (text(consultation.decider_body), text(consultation.decider_role)) if part)
    respond_by = format_date(consultation.respond_by, format="long", locale=babel_locale()) if consultation.respond_by else ""
    return [
        (N_("What this helps to decide"), text(consultation.decision)),
        (N_("Who decides"), decider),
        (N_("What can change"), text(consultation.can_change)),
        (N_("What cannot change"), text(consultation.cannot_change)),
        (N_("Children will hear back by"), respond_by),
    ]


def _detail(
    request: Request, session: SessionDep, guardian: Guardian, consultation: Consultation, *, text: str | None = None,
    status_code: int = 200, error: str | None = None, error_vars: dict[str, Any] | None = None,
) -> Response:
    comment = answering.guardian_comment_of(session=session, guardian=guardian, consultation=consultation)
    # MOD-12: children's comments their QUOTE consent allows, and other guardians' approved views.
    shown = [c for c in comments.shown_comments(session=session, consultation=consultation, for_public=True)
             if not (comment is not None and c.id == comment.id)]
    closed = consultation.state() == State.CLOSED
    return render(request, "consultations/guardian/detail.html", {
        "closed": closed, "charts": charts_of(results.results(session=session, consultation=consultation)) if closed else [],
        "chart_width": CHART_WIDTH, "shown": shown, "report_reasons": list(ReportReason), "report_reason_labels": REPORT_REASON_LABELS,
        "age_bands": {b.value: b.value.replace("-", "–") for b in AgeBand},
        "consultation": consultation, "title": localised(consultation.title),
        "description": localised(consultation.description), "facts": _facts(consultation),
        "comment": comment, "text": comment.text if text is None and comment else (text or ""), "limit": TEXT_LIMIT,
        "state_labels": COMMENT_STATE_LABELS, "state_badges": COMMENT_STATE_BADGES,
        **({"error": error, "error_vars": error_vars} if error else {}),
    }, status_code=status_code)


@router.get("/guardian/consultations")
def consultations(request: Request, session: SessionDep, guardian: SignedInGuardian) -> Response:
    found = answering.for_guardian(session=session, children=_children(session, guardian), closed_too=True)
    rows = [
        {"consultation": c, "title": localised(c.title), "closed": c.state() == State.CLOSED,
         "comment": answering.guardian_comment_of(session=session, guardian=guardian, consultation=c)}
        for c in found
    ]
    return render(request, "consultations/guardian/list.html", {
        "rows": rows, "state_labels": COMMENT_STATE_LABELS, "state_badges": COMMENT_STATE_BADGES,
    })


@router.get("/guardian/consultations/{consultation_id}")
def consultation(request: Request, consultation_id: Id, session: SessionDep, guardian: SignedInGuardian) -> Response:
    found, _children_ = _visible(session, guardian, consultation_id)
    return _detail(request, session, guardian, found)


@router.post("/guardian/consultations/{consultation_id}/comment")
def comment(
    request: Request, consultation_id: Id, session: SessionDep, guardian: SignedInGuardian,
    text: Annotated[str, FormText(N_("Your view"))] = "",
) -> Response:
    """One view per guardian per consultation: a second send replaces the first and waits for a moderator
    again (PAR-05, MOD-01). Audited by the service in the same transaction."""
    found, children = _visible(session, guardian, consultation_id)
    try:
        actions.send_guardian_view(session=session, guardian=guardian, consultation=found, children=children, text=text)
    except service.NotOpen:
        raise
    except InvalidInput as exc:
        return _detail(request, session, guardian, found, text=text, **refusal(exc))
    return redirect(f"/guardian/consultations/{consultation_id}?done=guardian_comment_sent")


@router.post("/guardian/comments/{comment_id}/report")
def report(
    request: Request, comment_id: Id, session: SessionDep, guardian: SignedInGuardian,
    consultation_id: Annotated[Id, Form(title=N_("Consultation"))] = 0, reason: Annotated[str, FormText(N_("Why should a grown-up look at it?"))] = "",
) -> Response:
    """MOD-12: a guardian reports a comment shown on the consultation's page; it is hidden at once."""
    found, _children_ = _visible(session, guardian, consultation_id)
    outcome = actions.report_comment(
        session=session, consultation=found, comment_id=comment_id, reporter_kind=ReporterKind.GUARDIAN,
        reporter_id=guardian.id, reason=moderation.report_reason(reason),  # type: ignore[arg-type]
    )
    return redirect(f"/guardian/consultations/{consultation_id}?done={outcome}#shown-title")
