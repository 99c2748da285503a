"""The child's own screens about taking part (CON-08, CON-09): the home screen, which says in a child's words
whether they take part, the child's own yes or no on the tablet, stopping, and a young person's own decisions.
They live in consent, above the corps, so that the corps imports nothing of consent (issue 15); signing in,
"I'm done" and the tablet stay in app/corps/tablet_views.py."""

import re
import secrets
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from markupsafe import Markup
from starlette.datastructures import FormData

from app.consent import actions as consent_actions
from app.consent import service as consent
from app.consent.files import load_purposes
from app.consent.models import (
    CONSENT_STATUS_LABELS,
    Audience,
    ConsentStatus,
    NoticeVersion,
    Purpose,
)
from app.core import home
from app.core.db import SessionDep
from app.core.errors import InvalidInput
from app.core.i18n import DEFAULT_LOCALE, N_, get_locale
from app.core.routing import Router
from app.core.templating import NOTICES, redirect, render
from app.core.validation import FormText
from app.corps import service
from app.corps.deps import SignedInChild
from app.corps.models import AVATARS, AgeBand

router = Router(include_in_schema=False)

NOTICES.update(
    {
        "taking_part": N_("Thank you! You are taking part."),
        "not_now": N_("That is OK. You can change your mind any time."),
        "stopped": N_("You stopped. That is OK."),
        "choices_saved": N_("Your choices are saved."),
        # The consent guard sends an htmx request here when the child's input was not kept (app.consent.deps).
        "not_taking_part": N_("You are not taking part now, so this was not kept. That is OK."),
    }
)


def _home_state(session, child) -> str:  # noqa: ANN001
    """In child words on the home screen (CON-08, CON-09): "waiting" for a grown-up's yes, "taking_part",
    "not_now" (the child said no, or stopped), or "paused" (a grown-up's yes was withdrawn, expired or needs
    a new decision: the child is told kindly at once that they are not taking part now)."""
    if consent.allows(session=session, child=child, purpose=Purpose.PARTICIPATE):
        return "taking_part"
    state = consent.state_of(session=session, child=child, purpose=Purpose.PARTICIPATE)
    paused = (ConsentStatus.WITHDRAWN.value, ConsentStatus.EXPIRED.value, ConsentStatus.NEEDS_RECONSENT.value)
    if not consent.decides_for_themselves(child) and state is not None and state.status in paused:
        return "paused"
    if consent.decides_for_themselves(child) or consent.guardian_agreed(session=session, child=child):
        return "not_now"
    return "waiting"


@router.get("/me")
def child_home(request: Request, session: SessionDep, child: SignedInChild) -> Response:
    if consent.self_consent_needed(session=session, child=child):
        return redirect("/me/consent")
    if consent.assent_needed(session=session, child=child):
        return redirect("/me/assent")
    state = _home_state(session, child)
    # The sections domains above corps add (consultations' "My questions", app.core.home) show the child's
    # own input only while the child takes part.
    sections = home.sections()
    provided: dict[str, object] = {}
    if state == "taking_part":
        for section in sections:
            provided.update(section.provide(session, child))
    return render(
        request,
        "tablet/home.html",
        {
            "child": child,
            "avatars": AVATARS,
            "state": state,
            "home_sections": [section.template for section in sections],
            **provided,
            "teen": consent.decides_for_themselves(child),
            "idle_seconds": service.IDLE_SECONDS,
            "warn_seconds": service.WARN_SECONDS,
        },
    )



# ---- the child's own yes or no (CON-08) and a young person's own decisions (CON-09) --------------

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,43}$")


def _form_token(value: str) -> str:
    """The hidden per-render token that makes a double-submitted decision count once."""
    if not _TOKEN.fullmatch(value):
        raise InvalidInput(N_("Something went wrong with this page. Please go back and try again."))
    return value


def _channel(request: Request) -> str:
    return "tablet" if request.state.child_session.group_session_id is not None else "phone"


def _notice_audience(child) -> Audience:  # noqa: ANN001
    band = child.age_band()
    if band == AgeBand.TEEN:
        return Audience.TEEN_14_17
    return Audience.CHILD_6_9 if band in (AgeBand.YOUNG, None) else Audience.CHILD_10_13


def _notice(session, child) -> tuple[NoticeVersion | None, str | None, Markup | None]:  # noqa: ANN001
    """The current notice version, and the title and body (as HTML) for the child's age band, in the
    page's language (Chinese when the page's language has no text)."""
    version = consent.current_version(session=session)
    if version is None:
        return None, None, None
    audience = _notice_audience(child)
    text = consent.notice_text(session=session, version=version, audience=audience, locale=get_locale()) or consent.notice_text(
        session=session, version=version, audience=audience, locale=DEFAULT_LOCALE
    )
    if text is None:
        return version, None, None
    return version, text.title, _markdown(text.body)


def _markdown(body: str) -> Markup:
    """The notice's Markdown as HTML; raw HTML in the text is shown as text, never as markup."""
    try:
        from markdown_it import MarkdownIt
    except ImportError:  # pragma: no cover - markdown-it-py is a dependency; plain paragraphs otherwise
        paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
        return Markup("".join(Markup("<p>{}</p>").format(p) for p in paragraphs))
    return Markup(MarkdownIt("commonmark", {"html": False}).disable("image").render(body))  # noqa: S704


def _child_page(request: Request, template: str, child, extra: dict, status_code: int = 200) -> Response:  # noqa: ANN001
    return render(
        request, template,
        {"child": child, "avatars": AVATARS, "idle_seconds": service.IDLE_SECONDS, "warn_seconds": service.WARN_SECONDS, "form_token": secrets.token_urlsafe(16), **extra},
        status_code=status_code,
    )


@router.get("/me/assent")
def assent_page(request: Request, session: SessionDep, child: SignedInChild) -> Response:
    """The child notice of the child's age band, read aloud, and two equal buttons (no pre-selection)."""
    if consent.decides_for_themselves(child):
        return redirect("/me/consent")
    if not consent.guardian_agreed(session=session, child=child):
        return redirect("/me")  # the home screen says they are waiting for their grown-up
    _version, title, body = _notice(session, child)
    return _child_page(request, "tablet/assent.html", child, {"notice_title": title, "notice_body": body})


@router.post("/me/assent")
def assent(
    request: Request,
    session: SessionDep,
    child: SignedInChild,
    answer: Annotated[str, FormText(N_("Your answer"))] = "",
    token: Annotated[str, FormText(N_("This page"))] = "",
) -> Response:
    if consent.decides_for_themselves(child):
        return redirect("/me/consent")
    if not consent.guardian_agreed(session=session, child=child):
        return redirect("/me")
    if answer not in ("yes", "no"):
        raise InvalidInput(N_("Please tap one of the two buttons."))
    consent_actions.child_assents(session=session, child=child, yes=answer == "yes", channel=_channel(request), form_token=_form_token(token))
    return redirect("/me?done=" + ("taking_part" if answer == "yes" else "not_now"))


@router.get("/me/stop")
def stop_page(request: Request, session: SessionDep, child: SignedInChild) -> Response:
    """'I don't want to take part any more': one more screen to be sure, with two equal buttons."""
    if not consent.allows(session=session, child=child, purpose=Purpose.PARTICIPATE):
        return redirect("/me")
    return _child_page(request, "tablet/stop.html", child, {})


@router.post("/me/stop")
def stop(
    request: Request,
    session: SessionDep,
    child: SignedInChild,
    answer: Annotated[str, FormText(N_("Your answer"))] = "",
    token: Annotated[str, FormText(N_("This page"))] = "",
) -> Response:
    if answer == "keep":
        return redirect("/me")
    if answer != "stop":
        raise InvalidInput(N_("Please tap one of the two buttons."))
    consent_actions.child_stops(session=session, child=child, channel=_channel(request), form_token=_form_token(token))
    return redirect("/me?done=stopped")




def _teen_purposes(session, child) -> list[dict]:  # noqa: ANN001
    locale = get_locale()
    states = consent.states_of(session=session, child=child)
    rows = []
    for code, purpose in load_purposes().items():
        copy = purpose.copy.get(Audience.TEEN_14_17.value, {})
        words = copy.get(locale) or copy.get(DEFAULT_LOCALE)
        state = states.get(Purpose(code))
        rows.append(
            {
                "code": code,
                "heading": words.heading if words else code,
                "text": words.text if words else "",
                "status": ConsentStatus(state.status) if state else ConsentStatus.NONE,
            }
        )
    return rows


def _consent_page(request: Request, session, child, *, chosen: dict | None = None, error: str | None = None, status_code: int = 200) -> Response:  # noqa: ANN001
    _version, title, body = _notice(session, child)
    turned_14 = child.turned_14_at is not None and not consent.has_decided_for_themselves(session=session, child=child)
    return _child_page(
        request, "tablet/consent.html", child,
        {
            "notice_title": title, "notice_body": body, "purposes": _teen_purposes(session, child), "turned_14": turned_14,
            "chosen": chosen or {}, "error": error, "status_labels": CONSENT_STATUS_LABELS,
        },
        status_code=status_code,
    )


@router.get("/me/consent")
def consent_page(request: Request, session: SessionDep, child: SignedInChild) -> Response:
    """CON-09: a young person of 14-17 reads the teen notice and decides each purpose for themselves."""
    if not consent.decides_for_themselves(child):
        return redirect("/me")
    return _consent_page(request, session, child)


async def _posted_form(request: Request) -> FormData:
    """The whole posted form: one field per purpose of purposes.toml."""
    return await request.form()


@router.post("/me/consent")
def consent_save(request: Request, session: SessionDep, child: SignedInChild, form: Annotated[FormData, Depends(_posted_form)]) -> Response:
    if not consent.decides_for_themselves(child):
        return redirect("/me")
    token = _form_token(str(form.get("token", "")))
    purposes = load_purposes()
    chosen = {code: str(form.get(f"decision-{code}", "")) for code in purposes}
    if any(value not in ("agree", "disagree") for value in chosen.values()):
        return _consent_page(
            request, session, child, chosen={k: v for k, v in chosen.items() if v in ("agree", "disagree")},
            error=N_("Please choose \"Agree\" or \"Don't agree\" for each one."), status_code=400,
        )
    consent_actions.young_person_decides(
        session=session, child=child, agree={code: value == "agree" for code, value in chosen.items()}, channel=_channel(request), form_token=token,
    )
    return redirect("/me?done=choices_saved")
