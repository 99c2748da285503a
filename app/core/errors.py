"""Errors as types: what a refusal is (its status, title, words and slug). How each is answered — a calm HTML
page with a way back, or RFC 9457 problem details on /api — is app/core/answers.py, above templating; this
module sits below everything in core, so the database, CSRF and validation can raise them (issue 15: the
two together made a cycle csrf → errors → templating → csrf)."""

from __future__ import annotations

from typing import Any

from app.core.i18n import N_


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
