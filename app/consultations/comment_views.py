"""Consultations' pages about their comments, for the people who write and read them: the child's "My
comments" with "look again" (MOD-20, MOD-21), reports of a shown comment by a child or staff (MOD-12), and a
consultation's transparency counts (staff, child, guardian). Consultations own the comment and reach
moderation through its service and actions (issue 15); the moderators' own queue stays in app/moderation.
The templates stay under templates/moderation/."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from app.accounts.deps import StaffPage as Staff
from app.consent.deps import ConsentingChild, SignedInGuardian
from app.consultations import actions as consultation_actions
from app.consultations import answering, comments
from app.consultations import service as consultations
from app.consultations.models import AuthorKind
from app.core.db import Id, SessionDep, form_id
from app.core.errors import NotFound
from app.core.i18n import N_, localised
from app.core.routing import Router
from app.core.templating import NOTICES, redirect, render
from app.corps.deps import SignedInChild
from app.moderation import actions as moderation_actions
from app.moderation import service as moderation
from app.moderation.models import REASON_FOR_CHILDREN, REASON_LABELS, Reason, ReporterKind

router = Router(include_in_schema=False)

NOTICES.update({
    "look_again": N_("Thank you. A different grown-up will read it again."),
    # MOD-12: after a report (the same words for children, guardians and staff).
    moderation.ReportOutcome.REPORTED: N_("Thank you. A grown-up will look at it."),
    moderation.ReportOutcome.ALREADY_HIDDEN: N_("Thank you. Someone told us already, so it is hidden while a grown-up looks at it."),
    moderation.ReportOutcome.ALREADY_REPORTED: N_("Thank you. You told us about this one already, and a grown-up has looked at it."),
})


async def _form(request: Request) -> FormData:
    return await request.form()


# ---- the child's side --------------------------------------------------------------------------------


@router.get("/me/comments")
def my_comments(request: Request, session: SessionDep, child: ConsentingChild) -> Response:
    """MOD-03, MOD-20, MOD-21: the child's own comments and what became of each, in child words."""
    return render(request, "moderation/my_comments.html", {
        "comments": moderation.my_comments(session=session, child=child, kind=comments.COMMENT), "states": moderation.ChildState,
    })


@router.post("/me/comments/{comment_id}/report")
def child_report(
    request: Request, comment_id: Id, session: SessionDep, child: ConsentingChild, form: Annotated[FormData, Depends(_form)]
) -> Response:
    """MOD-12: a child reports a comment shown on their results page; it is hidden at once."""
    consultation = answering.for_child_to_answer(session=session, child=child, consultation_id=form_id(form.get("consultation_id")) or 0)
    outcome = consultation_actions.report_comment(
        session=session, consultation=consultation, comment_id=comment_id, reporter_kind=ReporterKind.CHILD,
        reporter_id=child.id, reason=moderation.report_reason(form.get("reason")), viewer_child_id=child.id,  # type: ignore[arg-type]
    )
    return redirect(f"/me/consultations/{consultation.id}/results?done={outcome}")


@router.post("/moderation/comments/{comment_id}/report")
def staff_report(
    request: Request, comment_id: Id, session: SessionDep, user: Staff, form: Annotated[FormData, Depends(_form)]
) -> Response:
    """MOD-12: a staff member reports a shown comment (staff results page); it is hidden at once."""
    consultation = consultations.get(session=session, consultation_id=form_id(form.get("consultation_id")) or 0)
    outcome = consultation_actions.report_comment(
        session=session, consultation=consultation, comment_id=comment_id, reporter_kind=ReporterKind.STAFF,
        reporter_id=user.id, reason=moderation.report_reason(form.get("reason")), for_public=False,  # type: ignore[arg-type]
    )
    return redirect(f"/consultations/{consultation.id}/results?done={outcome}")


@router.post("/me/comments/{comment_id}/look-again")
def look_again(request: Request, comment_id: Id, session: SessionDep, child: ConsentingChild) -> Response:
    """MOD-21 / DP-16: ask for a person to look again; a different moderator decides."""
    moderation_actions.ask_look_again(session=session, child=child, kind=comments.COMMENT, subject_id=comment_id)
    return redirect("/me/comments?done=look_again")


# ---- transparency: counts only, for anyone signed in (staff, child, guardian) -------------------------


def _transparency(request: Request, session, consultation_id: Id, *, staff_view: bool, back: str, for_child: bool = False) -> Response:  # noqa: ANN001
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    if not staff_view and consultation.scheduled_at is None:
        raise NotFound()  # a draft is nobody's business but staff's
    report = moderation.transparency(session=session, kind=comments.COMMENT, scope_id=consultation.id)  # type: ignore[arg-type]
    # A child reads the same counts in words for 6–9 (issue 18), with the family's comments in one line.
    return render(request, "moderation/transparency_child.html" if for_child else "moderation/transparency.html", {
        "consultation": consultation, "title": localised(consultation.title), "back": back,
        "children": report[AuthorKind.CHILD.value], "guardians": report[AuthorKind.GUARDIAN.value],
        "reason_labels": REASON_LABELS, "reason_sentences": REASON_FOR_CHILDREN, "reasons": list(Reason),
    })


@router.get("/consultations/{consultation_id}/transparency")
def staff_transparency(request: Request, consultation_id: Id, session: SessionDep, user: Staff) -> Response:
    return _transparency(request, session, consultation_id, staff_view=True, back=f"/consultations/{consultation_id}")


@router.get("/me/consultations/{consultation_id}/transparency")
def child_transparency(request: Request, consultation_id: Id, session: SessionDep, child: SignedInChild) -> Response:
    """Counts only — nobody's words — so any signed-in child may see them (no consent guard needed)."""
    return _transparency(request, session, consultation_id, staff_view=False, back="/me/comments", for_child=True)


@router.get("/guardian/consultations/{consultation_id}/transparency")
def guardian_transparency(request: Request, consultation_id: Id, session: SessionDep, guardian: SignedInGuardian) -> Response:
    return _transparency(request, session, consultation_id, staff_view=False, back=f"/guardian/consultations/{consultation_id}")
