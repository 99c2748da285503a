"""The child's pages: open consultations, the brief, questions one per screen, review, send, thanks with a
receipt, results; and the official's preview as a child of each age band.

Nothing is stored before Send (PAR-03): the answers so far travel from screen to screen in hidden form
fields, in the one encoding of `answering.answers_from_form` (`q-<id>` / `skip-<id>`). Each step is a form
post that renders the next screen (htmx swaps the `flow` block; without JavaScript the whole page). Every
route that takes or shows the child's input stands behind the consent guard `ConsentingChild` (CON-04)."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from app.accounts.deps import ManagerPage as Manager
from app.consent import service as consent
from app.consent.deps import ConsentingChild
from app.consent.models import Purpose
from app.consultations import actions, answering, comments, service
from app.consultations import results as consultation_results
from app.consultations.charts import BAND_WORDS, CHART_WIDTH, Chart, charts_of
from app.consultations.models import (
    PICTOGRAMS,
    SCALE_FACES,
    TEXT_LIMIT,
    AnswerIn,
    Consultation,
    Option,
    Picture,
    Question,
    QuestionKind,
    State,
)
from app.core import home
from app.core.config import get_settings
from app.core.db import Id, SessionDep
from app.core.errors import NotFound, YimiError
from app.core.i18n import get_locale, gettext, localised
from app.core.routing import Router
from app.core.templating import is_htmx, redirect, render
from app.corps import service as corps
from app.corps.deps import SignedInChild
from app.corps.models import AVATARS, Child
from app.media import service as media
from app.moderation import service as moderation

router = Router(include_in_schema=False)

BANDS = service.BANDS
FLOW = "consultations/child/flow.html"


# ---- words for dates -------------------------------------------------------------------------------


def day_in_words(value: dt.datetime | dt.date | None) -> str:
    """A day as a child reads it: "Thursday, 12 June" / "6月12日 星期四" (in the city's time zone)."""
    if value is None:
        return ""
    from babel.dates import format_date

    if isinstance(value, dt.datetime):
        value = value.astimezone(ZoneInfo(get_settings().display_timezone)).date()
    locale = get_locale()
    pattern = "M月d日 EEEE" if locale == "zh_Hans" else "EEEE, d MMMM"
    return format_date(value, pattern, locale=locale)


# ---- the child's home screen: "My questions" (a section registered with app.core.home) ------------


@dataclass
class Card:
    consultation: Consultation
    title: str
    state: State
    closes: str
    receipt_code: str | None = None


def home_cards(*, session: Any, child: Child) -> dict[str, list[Card]]:
    """The open consultations that ask the child, and those they answered (with the receipt code)."""
    open_, answered = answering.for_child(session=session, child=child)
    now_open = [Card(c, localised(c.title), c.state(), day_in_words(c.closes_at)) for c in open_]
    receipts = answering.receipts_of(session=session, child=child)
    done = [Card(c, localised(c.title), c.state(), day_in_words(c.closes_at), receipts.get(c.id)) for c in answered]  # type: ignore[arg-type]
    return {"open_cards": now_open, "answered_cards": done}


# Corps owns the home page and imports no consultations: "My questions" joins it through the registry.
home.register_section("consultations/child/_home_section.html", provide=lambda session, child: home_cards(session=session, child=child))


# ---- answers carried in the form -----------------------------------------------------------------


def hidden_fields(answers: list[AnswerIn], *, leave_out: int | None = None, kept: set[int] | None = None) -> list[tuple[str, str]]:
    """The hidden inputs that carry the answers so far, in the encoding `answering.answers_from_form` reads,
    and `keep-<id>` for a text the child chose to send with personal details after the prompt."""
    fields: list[tuple[str, str]] = []
    for answer in answers:
        qid = answer.question_id
        if qid == leave_out:
            continue
        if kept and qid in kept and answer.text and not answer.skip:
            fields.append((f"keep-{qid}", "1"))
        if answer.skip:
            fields.append((f"skip-{qid}", "1"))
        elif answer.option is not None:
            fields.append((f"q-{qid}", str(answer.option)))
        elif answer.options:
            fields.extend((f"q-{qid}", str(o)) for o in answer.options)
        elif answer.scale is not None:
            fields.append((f"q-{qid}", str(answer.scale)))
        elif answer.order:
            fields.append((f"q-{qid}", ",".join(str(o) for o in answer.order)))
        elif answer.text:
            fields.append((f"q-{qid}", answer.text))
    return fields


def _is_empty(answer: AnswerIn) -> bool:
    return answer.skip or not (answer.option is not None or answer.options or answer.scale is not None or answer.order or (answer.text or "").strip())


# ---- one screen of the flow ------------------------------------------------------------------------


@dataclass
class Flow:
    """What one screen of the flow needs: shared by the child's pages and the official's preview."""

    consultation: Consultation
    questions: list[Question]
    options: dict[int, list[Option]]
    band: str | None
    answers: list[AnswerIn]
    child: Child | None = None
    preview: bool = False
    answered_before: bool = False
    kept: set[int] = field(default_factory=set)  # text questions whose personal details the child chose to keep
    prompt: list[str] = field(default_factory=list)  # categories of personal details to ask about (MOD-08)

    @property
    def total(self) -> int:
        return len(self.questions)

    def answer_of(self, question: Question) -> AnswerIn:
        return next(a for a in self.answers if a.question_id == question.id)


def _urls(consultation: Consultation, band: str | None, preview: bool) -> dict[str, str]:
    if preview:
        base = f"/consultations/{consultation.id}/preview"
        return {"action": base, "method": "get", "picture": f"{base}/picture", "home": f"/consultations/{consultation.id}"}
    base = f"/me/consultations/{consultation.id}"
    return {"action": f"{base}/answer", "method": "post", "send": f"{base}/send", "check": f"{base}/check", "picture": f"{base}/picture", "home": "/me"}


def _summary(flow: Flow, question: Question, answer: AnswerIn) -> list[str]:
    """The child's answer in words, for the review screen; empty when skipped."""
    if _is_empty(answer):
        return []
    labels = {o.id: localised(o.label) for o in flow.options.get(question.id, [])}  # type: ignore[arg-type]
    kind = QuestionKind(question.kind)
    if kind == QuestionKind.SINGLE:
        return [labels.get(answer.option, "")]  # type: ignore[arg-type]
    if kind == QuestionKind.MULTIPLE:
        return [labels.get(o, "") for o in answer.options]
    if kind == QuestionKind.SCALE:
        from app.core.i18n import gettext

        return [gettext(words) for value, _face, words in SCALE_FACES if value == answer.scale]
    if kind == QuestionKind.RANKING:
        return [f"{place}. {labels.get(o, '')}" for place, o in enumerate(answer.order, start=1)]
    return [answer.text or ""]


def render_step(
    request: Request, flow: Flow, step: int, *, error: YimiError | None = None, from_review: bool = False, status_code: int = 200,
    key: str | None = None,
) -> Response:
    """Render screen `step`: 0 the intro, 1…N a question, N+1 the review with Send."""
    consultation = flow.consultation
    step = max(0, min(step, flow.total + 1))
    question = flow.questions[step - 1] if 1 <= step <= flow.total else None
    brief = service.brief_for(consultation, flow.band)
    screen = "intro" if step == 0 else "review" if question is None else "question"
    if screen == "review" and not flow.preview and key is None and flow.child is not None:
        key = answering.new_key(child=flow.child, consultation=consultation)
    context = {
        "flow": flow,
        "screen": screen,
        "step": step,
        "question": question,
        "kind": QuestionKind(question.kind).value if question else None,
        "current": flow.answer_of(question) if question else None,
        "options": flow.options.get(question.id, []) if question else [],  # type: ignore[arg-type]
        "hidden": hidden_fields(flow.answers, leave_out=question.id if question else None, kept=flow.kept),
        "all_hidden": hidden_fields(flow.answers, kept=flow.kept),
        "prompt": [gettext(moderation.PERSONAL_DETAIL_WORDS[c]) for c in flow.prompt],
        "consultation": consultation,
        "title": localised(consultation.title),
        "brief": localised(brief),
        "decider_role": localised(consultation.decider_role),
        "decider_body": localised(consultation.decider_body),
        "respond_by": day_in_words(consultation.respond_by),
        "closes": day_in_words(consultation.closes_at),
        "urls": _urls(consultation, flow.band, flow.preview),
        "preview": flow.preview,
        "band": flow.band,
        "bands": BANDS,
        "pictograms": PICTOGRAMS,
        "faces": SCALE_FACES,
        "text_limit": TEXT_LIMIT,
        "reviewed": [(q, flow.answer_of(q), _summary(flow, q, flow.answer_of(q))) for q in flow.questions],
        "error": error,
        "from_review": from_review,
        "key": key,
        "avatars": AVATARS,
    }
    if flow.child is not None:
        context |= {"idle_seconds": corps.IDLE_SECONDS, "warn_seconds": corps.WARN_SECONDS}
    if error is not None and is_htmx(request):
        status_code = 200  # htmx swaps only 2xx answers; the screen itself says what to fix
    return render(request, FLOW, context, block="flow", status_code=status_code)


def _move(flow: Flow, values: Any) -> tuple[int, YimiError | None, bool]:
    """Apply one navigation of the flow to `flow.answers`; returns the next step, an error to show on the
    current step (nothing moves then), and whether the child came from the review screen."""
    try:
        at = int(str(values.get("at", "0")))
    except ValueError:
        at = 0
    at = max(0, min(at, flow.total + 1))
    from_review = values.get("from_review") == "1"
    go = str(values.get("go", "next"))
    question = flow.questions[at - 1] if 1 <= at <= flow.total else None
    current = flow.answer_of(question) if question else None
    if go == "start":
        return 1, None, False
    if go.startswith("to-") and go[3:].isdigit():  # "change" on the review screen (A11Y-13)
        return int(go[3:]), None, True
    if go == "review":
        return flow.total + 1, None, False
    if question is None or current is None:
        return (at + 1 if go == "next" else max(at - 1, 0)), None, False
    if go == "back":
        return at - 1, None, from_review
    if go == "skip":  # PAR-03: skipping is always allowed, with no penalty
        flow.answers[flow.answers.index(current)] = AnswerIn(question_id=question.id, skip=True)  # type: ignore[arg-type]
        return (flow.total + 1 if from_review else at + 1), None, from_review
    if go == "again":  # ranking: start the order again
        current.order = []
        return at, None, from_review
    if go == "keep":  # after the prompt, the child sends the words as they are (MOD-08: the choice is theirs)
        flow.kept.add(question.id)  # type: ignore[arg-type]
        go = "next"
    if go.startswith("tap-") and go[4:].isdigit():  # ranking by tapping in order (A11Y-03: no dragging)
        tapped = int(go[4:])
        current.skip = False
        if tapped in {o.id for o in flow.options.get(question.id, [])} and tapped not in current.order:  # type: ignore[arg-type]
            current.order = [*current.order, tapped]
        return at, None, from_review
    try:
        answering.parse_answer(question, flow.options.get(question.id, []), current)  # type: ignore[arg-type]
    except service.BadAnswer as exc:
        return at, exc, from_review
    if _needs_prompt(flow, question, current):
        return at, None, from_review
    return (flow.total + 1 if from_review else at + 1), None, from_review


def _kept(values: Any) -> set[int]:
    return {int(name[5:]) for name in values if isinstance(name, str) and name.startswith("keep-") and name[5:].isdigit()}


def _needs_prompt(flow: Flow, question: Question, answer: AnswerIn) -> bool:
    """MOD-08, MOD-22: personal details in a written answer bring a friendly prompt before it moves on,
    naming what kind of detail, never the words; once the child chooses to keep it, they are not asked again."""
    if QuestionKind(question.kind) != QuestionKind.TEXT or answer.skip or not (answer.text or "").strip() or question.id in flow.kept:
        return False
    flow.prompt = moderation.personal_details_in(answer.text or "")
    return bool(flow.prompt)


def _flow_of(session: Any, consultation: Consultation, *, band: str | None, child: Child | None = None, preview: bool = False) -> Flow:
    form = service.form_of(session=session, consultation=consultation)
    questions, options = form.questions, form.options
    return Flow(consultation, questions, options, band, [AnswerIn(question_id=q.id) for q in questions], child=child, preview=preview)  # type: ignore[arg-type]


def _child_flow(session: Any, child: Child, consultation_id: Id) -> Flow:
    consultation = answering.for_child_to_answer(session=session, child=child, consultation_id=consultation_id)
    band = child.age_band()
    flow = _flow_of(session, consultation, band=band.value if band else None, child=child)
    flow.answered_before = answering.participation_of(session=session, child=child, consultation=consultation) is not None
    return flow


async def _form(request: Request) -> FormData:
    return await request.form()


# ---- the child's pages -------------------------------------------------------------------------------


@router.get("/me/consultations/{consultation_id}")
def intro(request: Request, consultation_id: Id, session: SessionDep, child: ConsentingChild) -> Response:
    """Before answering (PAR-02): the brief of the child's age band, who will read the answers and when the
    child hears back, that a grown-up reads written words first, that every question can be skipped."""
    flow = _child_flow(session, child, consultation_id)
    state = flow.consultation.state()
    if state == State.CLOSED and flow.answered_before:
        return redirect(f"/me/consultations/{consultation_id}/results")
    service.ensure_open(flow.consultation)  # not yet open, or closed without the child: a kind page
    if flow.answered_before:  # nothing is stored before the first send
        flow.answers = answering.stored_answers(session=session, child=child, consultation=flow.consultation, questions=flow.questions)
    return render_step(request, flow, 0)


@router.post("/me/consultations/{consultation_id}/answer")
def answer_step(
    request: Request, consultation_id: Id, session: SessionDep, child: ConsentingChild, form: Annotated[FormData, Depends(_form)]
) -> Response:
    """One step of the questions: nothing is stored here (PAR-03); the answers travel in the form."""
    flow = _child_flow(session, child, consultation_id)
    try:
        service.ensure_open(flow.consultation)
    except service.NotOpen as exc:
        if is_htmx(request):  # htmx swaps no 409: the whole page goes to the intro, which explains kindly
            exc.headers["HX-Redirect"] = f"/me/consultations/{consultation_id}"
        raise
    flow.answers = answering.answers_from_form(flow.questions, form)
    flow.kept = _kept(form)
    step, error, from_review = _move(flow, form)
    return render_step(request, flow, step, error=error, from_review=from_review, status_code=error.status_code if error else 200)


@router.post("/me/consultations/{consultation_id}/check")
def check_text(
    request: Request, consultation_id: Id, session: SessionDep, child: ConsentingChild, form: Annotated[FormData, Depends(_form)]
) -> Response:
    """While the child writes (htmx, debounced): the friendly prompt about personal details, or nothing.
    Stores nothing."""
    flow = _child_flow(session, child, consultation_id)
    flow.answers = answering.answers_from_form(flow.questions, form)
    flow.kept = _kept(form)
    try:
        at = int(str(form.get("at", "0")))
    except ValueError:
        at = 0
    question = flow.questions[at - 1] if 1 <= at <= flow.total else None
    if question is not None:
        _needs_prompt(flow, question, flow.answer_of(question))
    return render(request, "consultations/child/_check.html", {"prompt": [gettext(moderation.PERSONAL_DETAIL_WORDS[c]) for c in flow.prompt]})


@router.post("/me/consultations/{consultation_id}/send")
def send(
    request: Request, consultation_id: Id, session: SessionDep, child: ConsentingChild, form: Annotated[FormData, Depends(_form)]
) -> Response:
    """Send: store every answer at once, commit, and only then say thank you (post → 303 → get). A retried
    send with the same key shows the same thanks and counts once."""
    flow = _child_flow(session, child, consultation_id)
    key = str(form.get("key", ""))[:100]
    try:
        flow.answers = answering.answers_from_form(flow.questions, form)
        flow.kept = _kept(form)
        for step, question in enumerate(flow.questions, start=1):  # and again on sending (MOD-08)
            if _needs_prompt(flow, question, flow.answer_of(question)):
                return render_step(request, flow, step, from_review=True)
        sent = actions.send_answers(session=session, child=child, consultation=flow.consultation, answers=flow.answers, key=key,
                                    on_tablet=request.state.child_session.group_session_id is not None)
    except (service.NotOpen, service.BadAnswer, service.TamperedKey) as exc:
        # The same review screen with the answers kept and a fresh key; nothing partial was saved.
        return render_step(request, flow, flow.total + 1, error=exc, status_code=exc.status_code)
    if sent.told_a_grown_up:  # SG-05: what the child wrote went to a safeguarding officer; the calm screen at once
        return redirect("/me/help/thanks")
    return redirect(f"/me/consultations/{consultation_id}/thanks")


@router.get("/me/consultations/{consultation_id}/thanks")
def thanks(request: Request, consultation_id: Id, session: SessionDep, child: ConsentingChild) -> Response:
    consultation = answering.for_child_to_answer(session=session, child=child, consultation_id=consultation_id)
    participation = answering.participation_of(session=session, child=child, consultation=consultation)
    if participation is None:
        return redirect(f"/me/consultations/{consultation_id}")
    return _child_page(
        request, "consultations/child/thanks.html", child,
        {"consultation": consultation, "title": localised(consultation.title), "receipt_code": participation.receipt_code,
         "is_open": consultation.state() == State.OPEN, "respond_by": day_in_words(consultation.respond_by),
         "closes": day_in_words(consultation.closes_at)},
    )


@router.get("/me/consultations/{consultation_id}/results")
def results(request: Request, consultation_id: Id, session: SessionDep, child: ConsentingChild) -> Response:
    """After the close: what children said, for the questions this child answered, as bar charts drawn on
    the server (readable without JavaScript); small groups are not shown (fewer than 5 answers)."""
    consultation = answering.for_child_to_answer(session=session, child=child, consultation_id=consultation_id)
    closed = consultation.state() == State.CLOSED
    charts: list[Chart] = []
    if closed:
        answered = {qid for qid, a in answering.answers_of(session=session, child=child, consultation=consultation).items() if not a.skipped}
        charts = charts_of(consultation_results.results(session=session, consultation=consultation, question_ids=answered)) if answered else []
    # MOD-12: under each text question, what other children wrote (approved, with their QUOTE consent) and
    # the child's own comment, each with a small "Report" form.
    from app.moderation.models import REPORT_REASON_LABELS, ReportReason

    shown: dict[int | None, list] = {}
    if charts:
        for c in comments.shown_comments(session=session, consultation=consultation, for_public=True, viewer_child_id=child.id):
            if c.author_kind == "child":
                shown.setdefault(c.question_id, []).append(c)
    return _child_page(
        request, "consultations/child/results.html", child,
        {"consultation": consultation, "title": localised(consultation.title), "closed": closed, "charts": charts,
         "closes": day_in_words(consultation.closes_at), "respond_by": day_in_words(consultation.respond_by), "chart_width": CHART_WIDTH,
         "shown": shown, "report_reasons": list(ReportReason), "report_reason_labels": REPORT_REASON_LABELS, "age_bands": BAND_WORDS},
    )


@router.get("/me/consultations/{consultation_id}/picture")
def child_picture(consultation_id: Id, session: SessionDep, child: SignedInChild) -> Response:
    """The consultation's picture, for a child it asks (shows nothing the child gave)."""
    consultation = answering.for_child_to_answer(session=session, child=child, consultation_id=consultation_id)
    return _picture(session, consultation)


def _picture(session: Any, consultation: Consultation) -> Response:
    picture = session.get(Picture, consultation.picture_id) if consultation.picture_id else None
    if picture is None:
        raise NotFound()
    return media.response(session, picture.file_id, headers={"Cache-Control": "private, max-age=3600"})


def _child_page(request: Request, template: str, child: Child, extra: dict) -> Response:
    return render(request, template, {"idle_seconds": corps.IDLE_SECONDS, "warn_seconds": corps.WARN_SECONDS, "avatars": AVATARS, **extra})


# ---- the official's preview as a child (nothing is saved) -------------------------------------------


@router.get("/consultations/{consultation_id}/preview")
def preview(request: Request, consultation_id: Id, session: SessionDep, user: Manager, band: str = "6-9", step: int = 0) -> Response:
    """Exactly the child's screens for an age band, with a "Preview — nothing is saved" banner. The forms
    are GET forms to this route: the answers travel in the address and are never stored. Works for a draft."""
    consultation = service.get(session=session, consultation_id=consultation_id)
    flow = _flow_of(session, consultation, band=band if band in BANDS else BANDS[0], preview=True)
    values = request.query_params
    if "go" in values:
        flow.answers = answering.answers_from_form(flow.questions, values)
        step, error, from_review = _move(flow, values)
        return render_step(request, flow, step, error=error, from_review=from_review)
    return render_step(request, flow, step)


@router.get("/consultations/{consultation_id}/preview/picture")
def preview_picture(consultation_id: Id, session: SessionDep, user: Manager) -> Response:
    return _picture(session, service.get(session=session, consultation_id=consultation_id))


def taking_part(session: Any, child: Child) -> bool:
    return consent.allows(session=session, child=child, purpose=Purpose.PARTICIPATE)
