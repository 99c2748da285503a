"""Errors answered once (app/core/errors.py says what they are): a calm HTML page with a way back, or RFC 9457
problem details on /api. Installed on the application by `install`."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.db import new_session
from app.core.errors import (
    STATUS_ERRORS,
    BadRequest,
    InvalidInput,
    NotFound,
    NotSignedIn,
    ServerError,
    ServiceUnavailable,
    YimiError,
)
from app.core.i18n import gettext
from app.core.templating import render
from app.core.validation import problems_in_words

log = logging.getLogger("yimi.errors")


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def problem(request: Request, error: YimiError, extra: dict[str, Any] | None = None) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{error.slug}",
        "title": gettext(error.title),
        "status": error.status_code,
        "detail": gettext(error.detail, **error.variables),
        "instance": request.url.path,
    }
    body.update(extra or {})
    headers = dict(error.headers)
    if error.status_code == 401:
        headers.setdefault("WWW-Authenticate", "Bearer")
    return JSONResponse(body, status_code=error.status_code, headers=headers, media_type="application/problem+json")


def _readable(obj: Any) -> Any:
    """A refusal raised out of an action rolled its unit of work back, which expired every row the request had
    loaded, and the request's session is closed by now: the signed-in person the page names is read again."""
    from sqlalchemy import inspect as sa_inspect
    from sqlalchemy.exc import NoInspectionAvailable

    try:
        state = sa_inspect(obj)
    except NoInspectionAvailable:
        return obj
    if not (state.detached and state.expired_attributes and state.identity):
        return obj
    with new_session() as session:
        return session.get(type(obj), state.identity[0]) or obj


def page(request: Request, error: YimiError) -> Response:
    for name in ("user", "child", "guardian"):
        if getattr(request.state, name, None) is not None:
            setattr(request.state, name, _readable(getattr(request.state, name)))
    response = render(request, "errors/error.html", {"error": error}, status_code=error.status_code)
    response.headers.update(error.headers)
    return response


def respond(request: Request, error: YimiError, extra: dict[str, Any] | None = None) -> Response:
    if is_api(request):
        return problem(request, error, extra)
    if isinstance(error, NotSignedIn):
        from urllib.parse import quote

        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        expired = "&expired=1" if getattr(request.state, "session_expired", False) else ""
        return RedirectResponse(f"/signin?next={quote(target)}{expired}", status_code=303)
    redirect_to = getattr(error, "redirect_to", None)
    if redirect_to:
        return RedirectResponse(redirect_to, status_code=303)
    return page(request, error)


def allowed_methods(request: Request) -> set[str]:
    """Every method some route of the app takes at the request's path (`app.state.route_methods`: each route's
    path pattern and methods, kept by create_app)."""
    methods: set[str] = set()
    for pattern, route_methods in getattr(request.app.state, "route_methods", ()):
        if pattern.match(request.url.path):
            methods |= route_methods
    return methods


def install(app: FastAPI) -> None:
    @app.exception_handler(YimiError)
    async def _yimi(request: Request, exc: YimiError) -> Response:
        extra = {"errors": exc.errors} if isinstance(exc, InvalidInput) and exc.errors else None
        return respond(request, exc, extra)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        error = STATUS_ERRORS.get(exc.status_code, BadRequest)()
        error.status_code = exc.status_code
        if exc.headers:
            error.headers.update(exc.headers)
        if exc.status_code == 405:
            # Starlette names only the first route's methods when several routes share a path (GET and POST
            # of /users are two routes): every method of the path is allowed, and the header says so.
            error.headers["Allow"] = ", ".join(sorted(allowed_methods(request)))
        return respond(request, error)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        if any(tuple(e.get("loc", ()))[:1] == ("path",) for e in exc.errors()):
            # A path that names no record that can exist (an id out of range, a word where an id goes) is a
            # page that is not there, not a form to correct (issue 13).
            return respond(request, NotFound())
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        error = InvalidInput(errors=errors)
        problems = problems_in_words(request, exc.errors())
        if not is_api(request):  # a value over the forms' hard cap, or a malformed post: say which field
            error.problems = problems
        elif problems:  # the API says it in words too, beside `errors`
            error.detail = " ".join(problems)
        return respond(request, error, {"errors": errors})

    @app.exception_handler(OperationalError)
    async def _database_down(request: Request, exc: OperationalError) -> Response:
        log.error("database unavailable: %s", exc.orig)
        error = ServiceUnavailable()
        error.headers["Retry-After"] = "30"
        return respond(request, error)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return respond(request, ServerError())
