"""Errors as types, mapped once: a calm HTML page with a way back, or RFC 9457 problem details on /api."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.i18n import N_, gettext

log = logging.getLogger("yimi.errors")


class YimiError(Exception):
    """A problem the user can understand. `title` and `detail` are message ids, translated when shown."""

    status_code = 400
    title = N_("Something is not right")
    detail = N_("Please check what you entered and try again.")
    slug = "bad-request"

    def __init__(self, detail: str | None = None, **variables: Any) -> None:
        super().__init__(detail or self.detail)
        if detail:
            self.detail = detail
        self.variables = variables
        self.headers: dict[str, str] = {}


class BadRequest(YimiError):
    pass


class NotSignedIn(YimiError):
    status_code = 401
    title = N_("Please sign in")
    detail = N_("You need to sign in to see this page.")
    slug = "not-signed-in"


class Forbidden(YimiError):
    status_code = 403
    title = N_("This page is not for your role")
    detail = N_("Your account does not have permission to do this. Ask an administrator if you need it.")
    slug = "forbidden"


class CsrfFailed(YimiError):
    status_code = 403
    title = N_("This form could not be sent")
    detail = N_(
        "The form was too old or came from another site. Go back, reload the page and try again. "
        "Nothing was changed."
    )
    slug = "csrf-failed"


class NotFound(YimiError):
    status_code = 404
    title = N_("We could not find this page")
    detail = N_("The address may be wrong, or the page has moved.")
    slug = "not-found"


class Conflict(YimiError):
    status_code = 409
    title = N_("This clashes with something already saved")
    slug = "conflict"


class InvalidInput(YimiError):
    status_code = 422
    title = N_("Some answers need another look")
    detail = N_("Please check the highlighted fields and try again. Nothing was saved yet.")
    slug = "invalid-input"

    def __init__(self, detail: str | None = None, errors: list[dict[str, Any]] | None = None, **kw: Any):
        super().__init__(detail, **kw)
        self.errors = errors or []
        self.problems: list[str] = []  # on the generic page: one sentence per field, naming it (core.validation)


def refusal(exc: YimiError) -> dict[str, Any]:
    """What a form page needs to show a refusal beside what the person typed: the status, the sentence and its
    variables. Views re-render with it: `return _form_page(request, session, form, **refusal(exc))`."""
    return {"status_code": exc.status_code, "error": exc.detail, "error_vars": exc.variables}


class MethodNotAllowed(YimiError):
    status_code = 405
    title = N_("This address does not do that")
    detail = N_("This address does not take this kind of request. The Allow header lists the ones it takes.")
    slug = "method-not-allowed"


class UnknownReference(InvalidInput):
    """A record chosen by its id (a district, a group, a project) that does not exist: beyond a schema."""

    slug = "unknown-reference"


class PayloadTooLarge(YimiError):
    status_code = 413
    title = N_("What you sent is too large")
    detail = N_("Please send something smaller.")
    slug = "too-large"


class TooManyRequests(YimiError):
    status_code = 429
    title = N_("Too many tries")
    detail = N_("Please wait a minute and try again.")
    slug = "too-many-requests"

    def __init__(self, retry_after: int = 60, **kw: Any) -> None:
        super().__init__(**kw)
        self.headers["Retry-After"] = str(retry_after)


class ServiceUnavailable(YimiError):
    status_code = 503
    title = N_("Yimi is resting for a moment")
    detail = N_("We cannot reach our database just now. Please try again in a minute.")
    slug = "unavailable"


STATUS_ERRORS: dict[int, type[YimiError]] = {
    400: BadRequest, 401: NotSignedIn, 403: Forbidden, 404: NotFound, 405: MethodNotAllowed, 409: Conflict,
    413: PayloadTooLarge, 422: InvalidInput, 429: TooManyRequests, 503: ServiceUnavailable,
}


class ServerError(YimiError):
    status_code = 500
    title = N_("Something went wrong on our side")
    detail = N_("It is not your fault. Please try again, or ask a grown-up or the help desk.")
    slug = "server-error"


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
    from app.core.db import new_session

    with new_session() as session:
        return session.get(type(obj), state.identity[0]) or obj


def page(request: Request, error: YimiError) -> Response:
    from app.core.templating import render

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
        from app.core.validation import problems_in_words

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
