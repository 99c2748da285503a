"""Pages anyone may open: the front page, help (no sign-in, A11Y-10, CON-15, SG-06) and the language switch."""

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from app.core.config import get_settings
from app.core.errors import BadRequest
from app.core.i18n import LOCALE_COOKIE, LOCALES, N_
from app.core.routing import Router
from app.core.templating import redirect, render, safe_next

router = Router(include_in_schema=False)


class UnknownLanguage(BadRequest):
    title = N_("We do not have that language")
    detail = N_("Yimi speaks 中文 and English. Please choose one of them.")
    slug = "unknown-language"


@router.get("/")
def home(request: Request) -> Response:
    return render(request, "site/home.html")


@router.get("/help")
def help_page(request: Request) -> Response:
    return render(request, "site/help.html")


@router.get("/language")
def choose_language(
    locale: Annotated[str, Query(max_length=20)] = "", next: Annotated[str, Query(max_length=2000)] = "/"
) -> Response:
    """A link, not a form, so that it works from every page without JavaScript; it only sets a cookie."""
    if locale not in LOCALES:
        raise UnknownLanguage()
    response = redirect(safe_next(next, default="/"))
    response.set_cookie(
        LOCALE_COOKIE, locale, max_age=365 * 24 * 3600, httponly=True, samesite="lax",
        secure=get_settings().is_production, path="/",
    )
    return response
