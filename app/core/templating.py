"""One Jinja2 environment; one renderer that returns the full page or the block htmx asked for."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from jinja2_fragments import render_block

from app.core import csrf
from app.core.config import BASE_DIR, get_settings
from app.core.i18n import (
    HTML_LANG,
    LOCALE_NAMES,
    LOCALES,
    SPEECH_LANG,
    format_datetime,
    get_locale,
    gettext,
    localised,
    ngettext,
    pgettext,
)

TEMPLATES_DIR = BASE_DIR / "templates"
# Messages shown after post -> redirect -> get, chosen by `?done=<key>`; each domain adds its own.
NOTICES: dict[str, str] = {}
STATIC_VERSION = "2.0.11"  # htmx version vendored in static/vendor/
SWAGGER_UI_VERSION = "5.36.0"  # swagger-ui-dist vendored in static/vendor/ (the API documentation page)


@lru_cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "xml", "svg"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=True, pgettext=pgettext)  # type: ignore[attr-defined]
    env.filters["datetime"] = lambda value, fmt="medium": format_datetime(
        value, get_settings().display_timezone, fmt
    )
    env.globals.update(
        LOCALES=LOCALES, LOCALE_NAMES=LOCALE_NAMES, HTMX_VERSION=STATIC_VERSION,
        SWAGGER_UI_VERSION=SWAGGER_UI_VERSION, urlencode=urlencode,
        localised=localised,  # staff-written text per locale, in the page's language
    )
    return env


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def context_for(request: Request, extra: dict[str, Any]) -> dict[str, Any]:
    settings = get_settings()
    locale = get_locale()
    user = getattr(request.state, "user", None)
    child = getattr(request.state, "child", None)
    tablet = getattr(request.state, "group_session", None)
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return {
        "request": request,
        "user": user,
        "child": child,
        "tablet": tablet,
        # Where the logo leads: a child's home, the tablet's avatar grid, the staff home, or the front page.
        "home_url": "/me" if child else "/tablet" if tablet else "/staff" if user else "/",
        "locale": locale,
        "html_lang": HTML_LANG[locale],
        "speech_lang": SPEECH_LANG[locale],
        "current_path": path,
        "csrf_token": csrf.token_for(request),
        "notice": NOTICES.get(request.query_params.get("done", "")),
        "settings": settings,
        **extra,
        # A page's own `child` (the child a facilitator or guardian looks at) never makes it a child's screen:
        # the child's help button and words follow who is signed in (issue 18).
        "is_child_screen": child is not None,
    }


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    block: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render `template`; for an htmx request naming a block, only that block."""
    env = environment()
    ctx = context_for(request, context or {})
    if block and is_htmx(request):
        html = render_block(env, template, block, ctx)
    else:
        html = env.get_template(template).render(ctx)
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Vary"] = "HX-Request, Cookie, Accept-Language"
    csrf.set_cookie_if_new(request, response)
    return response


def redirect(url: str) -> RedirectResponse:
    """Post -> redirect -> get."""
    return RedirectResponse(url, status_code=303)


def safe_next(target: str | None, default: str = "/staff") -> str:
    """Only paths on this site: never another host (open-redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")) or "\\" in target:
        return default
    return target
