"""The child's side of the children's check, "did we understand you?" (issue 16, PAR-06).

While a consultation's analysis is `checking`, a child who took part finds a card on their home (a section
registered with app.core.home) that leads to `/me/consultations/{id}/check`: each theme in a child's words,
read aloud where JavaScript runs, with two equal buttons ("yes, that's what we said" / "not quite"), and
"something is missing", a short text moderated like any comment. Plain forms (post → 303 → get) that work
without JavaScript; with htmx, a theme's answer swaps that theme only. Every route stands behind the consent
guard (`CheckingChild`, CON-04): a child who did not take part, withdrew, or whose guardian withdrew, finds
nothing (404)."""

from typing import Annotated, Any

from fastapi import Request
from fastapi.responses import Response

from app.consultations import answering
from app.consultations import service as consultations
from app.consultations.models import TEXT_LIMIT, Consultation
from app.core import home
from app.core.db import Id, SessionDep
from app.core.errors import InvalidInput
from app.core.i18n import gettext, localised
from app.core.routing import Router
from app.core.templating import is_htmx, redirect, render
from app.core.validation import FormText
from app.corps import service as corps
from app.corps.models import AVATARS, Child
from app.insights import actions, checking
from app.insights.deps import CheckingChild
from app.moderation import service as moderation

router = Router(include_in_schema=False)

PAGE = "insights/child/check.html"


def _home_cards(session: Any, child: Child) -> dict[str, Any]:
    return {"check_cards": [
        {"consultation": card.consultation, "title": localised(card.consultation.title), "done": card.done}
        for card in checking.cards_for(session=session, child=child)
    ]}


# Corps owns the home page and imports no insights: the check's card joins it through the registry.
home.register_section("insights/child/_home_section.html", provide=_home_cards)


def _context(session: Any, child: Child, consultation: Consultation, **extra: Any) -> dict[str, Any]:
    themes = checking.checkable_themes(session=session, consultation=consultation)
    answers = checking.answers_of(session=session, child=child, consultation=consultation)

    missing = answering.consultation_comment_of(session=session, child=child, consultation=consultation)
    return {
        "consultation": consultation,
        "title": localised(consultation.title),
        "themes": themes,
        "answers": answers,
        "all_answered": all(t.id in answers for t in themes),
        "missing_comment": missing,
        "text_limit": TEXT_LIMIT,
        "idle_seconds": corps.IDLE_SECONDS,
        "warn_seconds": corps.WARN_SECONDS,
        "avatars": AVATARS,
        **extra,
    }


@router.get("/me/consultations/{consultation_id}/check")
def check_page(request: Request, consultation_id: Id, session: SessionDep, child: CheckingChild, done: str | None = None) -> Response:
    consultation = checking.for_child_to_check(session=session, child=child, consultation_id=consultation_id)
    return render(request, PAGE, _context(session, child, consultation, done=done))


@router.post("/me/consultations/{consultation_id}/check/themes/{theme_id}")
def check_theme(
    request: Request, consultation_id: Id, theme_id: Id, session: SessionDep, child: CheckingChild,
    agrees: Annotated[str, FormText("Your answer")] = "",
) -> Response:
    """One tap: "yes" or "not quite" (a second tap changes it). With htmx, only this theme is swapped."""
    consultation = checking.for_child_to_check(session=session, child=child, consultation_id=consultation_id)
    if agrees not in ("yes", "no"):
        raise InvalidInput()
    actions.check_theme(session=session, child=child, consultation=consultation, theme_id=theme_id, agrees=agrees == "yes")
    if is_htmx(request):
        context = _context(session, child, consultation, just=theme_id)
        context["theme"] = next(t for t in context["themes"] if t.id == theme_id)
        return render(request, "insights/child/_theme.html", context)
    return redirect(f"/me/consultations/{consultation_id}/check?done=theme#theme-{theme_id}")


@router.post("/me/consultations/{consultation_id}/check/missing")
def check_missing(
    request: Request, consultation_id: Id, session: SessionDep, child: CheckingChild,
    text: Annotated[str, FormText("What is missing?")] = "", keep: Annotated[str, FormText("Keep")] = "",
) -> Response:
    """"Something is missing": screened and held for moderation like any comment (MOD-01, MOD-06). Personal
    details bring the same friendly prompt as a written answer (MOD-08); the choice to send stays the child's."""
    consultation = checking.for_child_to_check(session=session, child=child, consultation_id=consultation_id)
    cleaned = consultations.clean_text(text)
    if cleaned and keep != "1":
        found = moderation.personal_details_in(cleaned)
        if found:

            prompt = [gettext(moderation.PERSONAL_DETAIL_WORDS[c]) for c in found]
            return render(request, PAGE, _context(session, child, consultation, typed=text, prompt=prompt))
    try:
        told = actions.send_missing(session=session, child=child, consultation=consultation, text=text,
                                    on_tablet=request.state.child_session.group_session_id is not None)
    except InvalidInput as exc:
        return render(request, PAGE, _context(session, child, consultation, typed=text, error=exc), status_code=exc.status_code)
    if told:  # SG-05: the words went to a safeguarding officer: the calm screen at once
        return redirect("/me/help/thanks")
    return redirect(f"/me/consultations/{consultation_id}/check?done=missing#missing")
