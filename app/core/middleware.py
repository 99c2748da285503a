"""Pure ASGI middleware: locale, security headers, and a guard on request bodies."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.config import get_settings
from app.core.i18n import LOCALE_COOKIE, N_, get_locale, gettext, negotiate, set_locale

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class LocaleMiddleware:
    """Chooses the locale (cookie, then Accept-Language, then zh_Hans) before anything else runs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header must not break the page
            cookie = SimpleCookie()
        chosen = cookie[LOCALE_COOKIE].value if LOCALE_COOKIE in cookie else None
        set_locale(negotiate(chosen, headers.get("accept-language")))
        scope.setdefault("state", {})["locale"] = get_locale()
        await self.app(scope, receive, send)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        production = get_settings().is_production
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CSP)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
                headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
                headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
                if not path.startswith("/static/"):
                    # Shared tablets: pages about people must not stay in the browser's cache (SEC-08).
                    headers.setdefault("Cache-Control", "no-store")
                if production:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
            await send(message)

        await self.app(scope, receive, send_with_headers)


@dataclass(frozen=True)
class LargerUpload:
    """An upload form whose own limit is above the body limit (a decision's PDF, issue 17): its path, its limit,
    its words when even that is exceeded (a message id with %(mb)s) and the anchor of the page the form is on."""

    path: re.Pattern[str]
    limit: int
    title: str
    detail: str
    anchor: str


_larger: list[LargerUpload] = []


def allow_larger_upload(path: str, limit: int, *, title: str, detail: str, anchor: str) -> None:
    """Let the uploads at `path` (a regular expression, matched in full) be up to `limit` bytes; the domain that
    takes them registers this, and its service checks the file's own limit again."""
    found = LargerUpload(re.compile(path), limit, title, detail, anchor)
    if found not in _larger:
        _larger.append(found)


def _upload_at(path: str) -> LargerUpload | None:
    return next((u for u in _larger if u.path.fullmatch(path)), None)


class BodyGuardMiddleware:
    """Refuses bodies over the size limit (413) and forms whose text is not UTF-8 (400), before any route
    reads them, so nothing is half-written."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        upload = _upload_at(scope["path"])
        limit = max(get_settings().max_body_bytes, upload.limit) if upload else get_settings().max_body_bytes
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if declared is not None:
            try:
                too_large = int(declared) > limit
            except ValueError:
                await _refuse(scope, send, 400)
                return
            if too_large:
                await _refuse(scope, send, 413)
                return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _refuse(scope, send, 413)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded") and not _utf8_form(body):
            await _refuse(scope, send, 400)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _utf8_form(body: bytes) -> bool:
    try:
        body.decode("utf-8")
        for pair in body.split(b"&"):
            unquote_to_bytes(pair.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


MESSAGES = {
    400: (N_("We could not read this form"), N_("This form contained characters or data we cannot read. Please try again.")),
    413: (N_("What you sent is too large"), N_("Please send something smaller.")),
}


# A picture upload's form (…/picture) that is too large says so, with the limit, and leads back to the page
# the form is on (PAR-13 bad input: "a picture that is huge gets a clear, kind message"); the rest of that
# page was saved before, as the upload is a form of its own.
PICTURE_TOO_LARGE = (
    N_("This picture is too large"),
    N_("A picture can be up to %(mb)s MB. Please choose a smaller picture, or make this one smaller, then upload it again."),
)


async def _refuse(scope: Scope, send: Send, status: int) -> None:
    """A clear answer in the user's language: problem details on /api, a short page elsewhere."""
    title, detail = (gettext(m) for m in MESSAGES[status])
    back = None
    if status == 413 and scope["path"].endswith("/picture"):
        limit_mb = get_settings().max_body_bytes // (1024 * 1024)
        title, detail = gettext(PICTURE_TOO_LARGE[0]), gettext(PICTURE_TOO_LARGE[1], mb=limit_mb)
        back = scope["path"].removesuffix("/picture") + "#picture"
    elif status == 413 and (upload := _upload_at(scope["path"])) is not None:
        title, detail = gettext(upload.title), gettext(upload.detail, mb=upload.limit // (1024 * 1024))
        back = scope["path"].rsplit("/", 1)[0] + upload.anchor
    if scope["path"].startswith("/api/"):
        body = json.dumps(
            {"type": "/problems/bad-body", "title": title, "status": status, "detail": detail, "instance": scope["path"]},
            ensure_ascii=False,
        ).encode()
        content_type = b"application/problem+json"
    else:
        from app.core.templating import environment

        body = environment().get_template("errors/plain.html").render(title=title, detail=detail, html_lang=_lang(), back=back).encode()
        content_type = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _lang() -> str:
    from app.core.i18n import HTML_LANG

    return HTML_LANG[get_locale()]


class StaticGZipMiddleware:
    """Compress the static files (htmx, CSS, JS, SVG) for browsers that accept gzip: the child's page stays
    within its weight budget on a classroom's shared Wi-Fi. Pages themselves are not compressed: they carry
    the CSRF token next to what a user typed, and compressing the two together leaks the token (BREACH)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=500)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/static/"):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)


class InFlightLimit:
    """At most `db_connections` requests of this worker are inside the application at once; the others wait
    here, holding nothing, and go in as soon as one finishes (first come, first served).

    A request's session keeps one pooled connection from its first query to its end, and a request moves
    between threads (each sync dependency and the route is a hop). With more requests inside than
    connections, every thread could wait for a connection while the requests holding the connections wait
    for a thread: the classroom burst found that deadlock (bench/README.md). Inside this limit a request
    always finds a free connection. Static files do not touch the database and pass by.

    A picture upload (POST or PUT …/picture) first waits in a line of its own, YIMI_PICTURE_DECODES at a
    time: its decode takes about a second, and eight of them at once would otherwise fill the line every
    other request needs (the probe saw /healthz wait 8 s)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._gates: tuple[asyncio.Semaphore, asyncio.Semaphore] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _gates_of_this_loop(self) -> tuple[asyncio.Semaphore, asyncio.Semaphore]:
        loop = asyncio.get_running_loop()
        if self._gates is None or self._loop is not loop:  # a semaphore belongs to one event loop (tests run several)
            settings = get_settings()
            self._gates, self._loop = (asyncio.Semaphore(settings.db_connections), asyncio.Semaphore(settings.picture_decodes)), loop
        return self._gates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        gate, pictures = self._gates_of_this_loop()
        if scope.get("method") in ("POST", "PUT") and scope["path"].endswith("/picture"):
            async with pictures, gate:
                await self.app(scope, receive, send)
            return
        async with gate:
            await self.app(scope, receive, send)


def middleware_stack() -> list[Any]:
    """Outermost first. The body is read before a request takes its place inside (a slow upload waits outside)."""
    return [StaticGZipMiddleware, SecurityHeadersMiddleware, LocaleMiddleware, BodyGuardMiddleware, InFlightLimit]
