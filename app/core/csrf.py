"""CSRF protection on every unsafe method, in two layers.

1. Fetch metadata: a browser that says the request is cross-site (``Sec-Fetch-Site``), or whose ``Origin``
   is not ours, is refused before anything else happens.
2. A token: signed-in staff have a random token stored with their server-side session; visitors who are
   not signed in (the sign-in form) get a token bound to a random cookie by an HMAC under the secret key.
   It is accepted from the ``X-CSRF-Token`` header (htmx, see static/js/app.js) or the hidden
   ``csrf_token`` form field (plain forms without JavaScript).

The JSON API under /api/ authenticates with bearer tokens only, never cookies, so it needs no CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response

from app.core.config import get_settings
from app.core.errors import CsrfFailed

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
COOKIE = "yimi_csrf"
HEADER = "X-CSRF-Token"
FIELD = "csrf_token"


def _anonymous_token(cookie_value: str) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, b"csrf:" + cookie_value.encode(), hashlib.sha256).hexdigest()


def token_for(request: Request) -> str:
    """The token forms on this page must carry."""
    session_token = getattr(request.state, "session_csrf", None)
    if session_token:
        return session_token
    value = request.cookies.get(COOKIE) or getattr(request.state, "new_csrf_cookie", None)
    if not value:
        value = secrets.token_urlsafe(32)
        request.state.new_csrf_cookie = value
    return _anonymous_token(value)


def set_cookie_if_new(request: Request, response: Response) -> None:
    value = getattr(request.state, "new_csrf_cookie", None)
    if value:
        response.set_cookie(
            COOKIE, value, httponly=True, samesite="lax", secure=get_settings().is_production, path="/"
        )


def _own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def check_fetch_metadata(request: Request) -> None:
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        raise CsrfFailed()
    origin = request.headers.get("Origin")
    if origin is not None:
        allowed = {_own_origin(request), *get_settings().trusted_origins}
        if origin not in allowed:
            raise CsrfFailed()


async def csrf_protect(request: Request) -> None:
    """App-wide dependency: refuses an unsafe request without a valid origin and token."""
    if request.method in SAFE_METHODS or request.url.path.startswith("/api/"):
        return
    check_fetch_metadata(request)
    expected = token_for(request) if (getattr(request.state, "session_csrf", None) or request.cookies.get(COOKIE)) else None
    given = request.headers.get(HEADER)
    if not given:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            field = form.get(FIELD)
            given = field if isinstance(field, str) else None
    if not expected or not given or not hmac.compare_digest(given, expected):
        raise CsrfFailed()
