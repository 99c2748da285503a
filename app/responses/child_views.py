"""The child's pages of "you said, we did" (issue 17, PAR-08, PAR-09): what the city answered about one consultation
they took part in, in their words, with read-aloud; their face and "why"; the "news" on their home.

Every route stands behind the consent guard (CON-04), here one that answers "not found": a child who stopped taking
part, or whose data was erased, gets nothing of this. Everything works without JavaScript (plain forms)."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from app.consent import service as consent
from app.consent.deps import ConsentGuard
from app.consent.models import Purpose
from app.consultations.models import State
from app.core import home
from app.core.config import get_settings
from app.core.db import Id, SessionDep
from app.core.errors import InvalidInput, NotFound
from app.core.i18n import get_locale, gettext
from app.core.routing import Router
from app.core.templating import redirect, render
from app.corps import service as corps
from app.corps.deps import SignedInChild
from app.corps.models import AVATARS, Child
from app.responses import actions, hearing
from app.responses.models import Face

router = Router(include_in_schema=False)


class HearingGuard(ConsentGuard):
    """The consent guard (PARTICIPATE) that says "not found" instead of "not yet": a child who withdrew gets
    nothing of what the city answered, not even that there is an answer (issue 17)."""

    def __call__(self, request: Request, session: SessionDep, child: SignedInChild) -> Child:
        try:
            return super().__call__(request, session, child)
        except consent.ConsentRequired:
            raise NotFound() from None


HearingChild = Annotated[Child, Depends(HearingGuard(Purpose.PARTICIPATE))]


def _day(value) -> str:  # noqa: ANN001
    from babel.dates import format_date

    if value is None:
        return ""
    if hasattr(value, "date") and callable(value.date):
        from zoneinfo import ZoneInfo

        value = value.astimezone(ZoneInfo(get_settings().display_timezone)).date()
    return format_date(value, "M月d日" if get_locale() == "zh_Hans" else "d MMMM", locale=get_locale())


def _home(session, child: Child) -> dict:  # noqa: ANN001
    """The "what happened to my ideas" section of the child's home: the consultations they took part in whose
    answer is out, with "news" while something is newer than their last look."""
    heard = hearing.heard_for(session=session, child=child)
    return {"heard": heard, "heard_news": [h for h in heard if h.news is not None]}


# Corps owns the home page: "What happened to my ideas" joins it through the registry (app.core.home).
home.register_section("responses/child/_home_section.html", provide=_home)


@router.get("/me/consultations/{consultation_id}/heard-back")
def heard_back(request: Request, consultation_id: Id, session: SessionDep, child: HearingChild) -> Response:
    """PAR-08: what the city answered, in the child's words for their age band; opening it clears the badge."""
    page = actions.open_heard_back(session=session, child=child, consultation_id=consultation_id)
    return _page(request, page, saved=request.query_params.get("saved"))


def _page(request: Request, page: hearing.HeardPage, *, saved: str | None = None, error: str | None = None,
          why: str | None = None, status_code: int = 200) -> Response:
    return render(request, "responses/child/heard_back.html", {
        "page": page, "closed": page.consultation.state() == State.CLOSED, "respond_by": _day(page.consultation.respond_by),
        "published_on": _day(page.first_published_at), "updated_on": _day(page.updated_at), "day": _day,
        "faces": [(f, hearing.FACE_WORDS[f], hearing.FACE_PICTURES[f]) for f in Face], "why_limit": hearing.WHY_LIMIT,
        "saved": saved, "error": error, "why": why,
        "idle_seconds": corps.IDLE_SECONDS, "warn_seconds": corps.WARN_SECONDS, "avatars": AVATARS,
    }, status_code=status_code)


async def _form(request: Request) -> FormData:
    return await request.form()


@router.post("/me/consultations/{consultation_id}/heard-back/reaction")
def reaction(
    request: Request, consultation_id: Id, session: SessionDep, child: HearingChild, form: Annotated[FormData, Depends(_form)]
) -> Response:
    """Three faces, equal buttons, and an optional "tell the city why" (PAR-09). A second tap changes the face;
    a retry counts once. The why is held for moderation and shown to nobody before a grown-up approves it."""
    try:
        face = Face(str(form.get("face", "")))
    except ValueError:
        raise NotFound() from None
    keep_why = "why" not in form
    why = None if keep_why else str(form.get("why", ""))
    try:
        reacted = actions.react(session=session, child=child, consultation_id=consultation_id, face=face, why=why,
                                keep_why=keep_why, on_tablet=request.state.child_session.group_session_id is not None)
    except InvalidInput as exc:
        page = hearing.page_for_child(session=session, child=child, consultation_id=consultation_id)
        return _page(request, page, error=gettext(exc.detail, **exc.variables), why=why, status_code=exc.status_code)
    if reacted.told_a_grown_up:  # SG-05: the words went to a safeguarding officer; the calm screen at once
        return redirect("/me/help/thanks")
    return redirect(f"/me/consultations/{consultation_id}/heard-back?saved={'why' if why else 'face'}#react")
