"""Moderation pages: the queue (per consultation and overall) with in-place decisions and bulk approval, and
the moderators' backlog alert in the staff header. The pages about one kind's items for their authors and
readers (a child's "My comments", reports, a consultation's transparency) belong to the kind's owner
(app/consultations/comment_views.py); moderation knows the owner only through the registry (app.core.moderated).

Every page works without JavaScript (one form per comment, post → 303 → get); with htmx the decided row is
replaced by the next one. Comment texts are only ever put into templates as text (autoescaped), the
findings as <mark> around escaped segments."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from app.accounts.deps import ModeratorPage as Moderator
from app.accounts.models import StaffUser
from app.core import moderated
from app.core.db import Id, SessionDep, form_id
from app.core.errors import InvalidInput, NotFound, YimiError
from app.core.i18n import N_
from app.core.routing import Router
from app.core.templating import NOTICES, environment, is_htmx, redirect, render
from app.moderation import actions, service
from app.moderation.models import (
    LIMITS,
    REASON_LABELS,
    REPORT_REASON_LABELS,
    REPORTER_LABELS,
    Decision,
    Reason,
)
from app.moderation.screening import Category

router = Router(include_in_schema=False)

QUEUE = "moderation/queue.html"
COMMENT = "comment"  # the kind whose scope is a consultation (registered by its owner, app.core.moderated)

NOTICES.update({
    "decided": N_("Decision saved."),
    "bulk_approved": N_("The selected comments without findings are approved."),
})

CATEGORY_LABELS: dict[str, str] = {
    Category.PHONE.value: N_("Phone number"),
    Category.EMAIL.value: N_("E-mail address"),
    Category.URL.value: N_("Web address"),
    Category.QQ.value: N_("QQ number"),
    Category.SOCIAL_ID.value: N_("Social media account"),
    Category.ID_NUMBER.value: N_("ID number"),
    Category.ADDRESS.value: N_("Address"),
    Category.SCHOOL.value: N_("School or class"),
    Category.NAME.value: N_("Name"),
    Category.UNKIND.value: N_("Unkind words"),
    Category.SAFEGUARDING.value: N_("Safeguarding concern"),
}

# The moderators' backlog alert in the staff header (templates/moderation/_backlog.html): one query, and
# only for staff who hold MODERATE.
environment().globals["moderation_backlog"] = service.backlog_for


async def _form(request: Request) -> FormData:
    return await request.form()


def _labels() -> dict:
    return {"category_labels": CATEGORY_LABELS, "reason_labels": REASON_LABELS, "reasons": list(Reason),
            "reporter_labels": REPORTER_LABELS, "report_reason_labels": REPORT_REASON_LABELS, "fields": LIMITS}


def _queue_url(consultation_id: Id | None) -> str:
    return f"/moderation/consultations/{consultation_id}" if consultation_id else "/moderation"


def _scope_title(session, scope_id: Id) -> str:  # noqa: ANN001
    """The consultation's title, asked of the kind that registered it (404 when there is no such consultation)."""
    scope_title = moderated.kind(COMMENT).scope_title
    if scope_title is None:
        raise NotFound()
    return scope_title(session, scope_id)


def _queue_page(request: Request, session, consultation_id: Id | None, status_code: int = 200, **extra: object) -> Response:  # noqa: ANN001
    scope_title = _scope_title(session, consultation_id) if consultation_id else None
    items = actions.queue(session=session, consultation_id=consultation_id)  # items kept from before screening: screened now
    return render(request, QUEUE, {
        "items": items, "scope_title": scope_title, "consultation_id": consultation_id,
        "shown": ",".join(str(i.subject.id) for i in items), "backlog": service.backlog(session=session),
        **_labels(), **extra,
    }, status_code=status_code)


@router.get("/moderation")
def queue_page(request: Request, session: SessionDep, user: Moderator) -> Response:
    """Every consultation's comments waiting, highest risk first, then oldest (MOD-01)."""
    return _queue_page(request, session, None)


@router.get("/moderation/consultations/{consultation_id}")
def consultation_queue_page(request: Request, consultation_id: Id, session: SessionDep, user: Moderator) -> Response:
    """One consultation's comments waiting (its title from the comments' owner, through the registry)."""
    return _queue_page(request, session, consultation_id)


def _spans(form: FormData) -> list[tuple[int, int]]:
    spans = []
    for raw in form.getlist("span"):
        start, _, end = str(raw).partition("-")
        if start.isdigit() and end.isdigit():
            spans.append((int(start), int(end)))
    return spans


@router.post("/moderation/comments/{comment_id}/decide")
def decide(
    request: Request, comment_id: Id, session: SessionDep, user: Moderator, form: Annotated[FormData, Depends(_form)]
) -> Response:
    """One decision on a comment. htmx: the row is replaced by the next comment (or by why nothing changed)."""
    return _decide(request, session, user, form, COMMENT, comment_id)


@router.post("/moderation/items/{kind}/{subject_id}/decide")
def decide_item(
    request: Request, kind: str, subject_id: Id, session: SessionDep, user: Moderator, form: Annotated[FormData, Depends(_form)]
) -> Response:
    """One decision on an item of any registered kind (issue 15): the same as a comment's."""
    try:
        moderated.kind(kind)
    except moderated.UnknownKind:
        raise NotFound() from None
    return _decide(request, session, user, form, kind, subject_id)


def _decide(request: Request, session, user: StaffUser, form: FormData, kind: str, comment_id: int) -> Response:  # noqa: ANN001
    consultation_id = form_id(form.get("consultation_id"))
    seen = form.get("seen")
    try:
        decision = Decision(str(form.get("decision", "")))
    except ValueError:
        decision = None
    reason_raw = str(form.get("reason", ""))
    reason = Reason(reason_raw) if reason_raw in {r.value for r in Reason} else None
    # What the moderator typed or chose, shown again in this comment's form when something is to fix.
    typed = {"note": str(form.get("note", "")), "words": str(form.get("words", "")), "reason": reason_raw}
    error: YimiError | None = None
    try:
        if decision is None:
            raise service.ReasonNeeded(N_("Please choose a decision."))
        actions.decide(
            session=session, moderator=user, kind=kind, subject_id=comment_id, decision=decision, reason=reason,
            note=typed["note"], spans=_spans(form), words=typed["words"],
            seen_text=str(seen) if seen is not None else None,
        )
    except YimiError as exc:  # nothing was written: the compare-and-swap matched no row, or a check refused first
        if not is_htmx(request):
            if not isinstance(exc, InvalidInput):
                raise
            return _queue_page(request, session, consultation_id, status_code=exc.status_code, error=exc, error_for=comment_id, typed=typed)
        error = exc
    if not is_htmx(request):
        return redirect(f"{_queue_url(consultation_id)}?done=decided")
    shown = [i for i in (form_id(x) for x in str(form.get("shown", "")).split(",")) if i]
    context = {"consultation_id": consultation_id, **_labels()}
    if error is not None and not isinstance(error, service.AlreadyDecided | service.WordsChanged):
        # Something to fix on this comment (a reason, the parts to hide, another moderator): the same row, with why.
        context.update(items=[service.queue_item(session=session, kind=kind, subject_id=comment_id)], error=error, shown=",".join(map(str, shown)),
                       error_for=comment_id, typed=typed)
        return render(request, QUEUE, context, block="swap")
    if isinstance(error, service.WordsChanged):
        nexts = [service.queue_item(session=session, kind=kind, subject_id=comment_id)]
    else:
        nexts = actions.queue(session=session, consultation_id=consultation_id, limit=1, exclude=[*shown, comment_id])
    shown = [i for i in shown if i != comment_id] + [i.subject.id for i in nexts if i.subject.id not in shown]
    context.update(items=nexts, error=error, decided=decision if error is None else None, shown=",".join(map(str, shown)),
                   backlog=service.backlog(session=session), swapped=True)
    return render(request, QUEUE, context, block="swap")


@router.post("/moderation/bulk-approve")
def bulk_approve(request: Request, session: SessionDep, user: Moderator, form: Annotated[FormData, Depends(_form)]) -> Response:
    """Approve every selected comment that has no finding; the others stay in the queue."""
    ids = [i for i in (form_id(x) for x in form.getlist("comment_id")) if i]
    actions.bulk_approve(session=session, moderator=user, kind=COMMENT, subject_ids=ids)
    return redirect(f"{_queue_url(form_id(form.get('consultation_id')))}?done=bulk_approved")
