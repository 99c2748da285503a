"""Who is asking on the child's JSON API (/api/v1/me/…): the child behind the child-session cookie, never a
staff token. The app-wide child loader skips /api/ (staff use bearer tokens there, and /api/ is exempt from
the global CSRF check), so these routes load the child session themselves and check the `X-CSRF-Token`
header against the child session's own token on every request, reading ones included."""

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlmodel import Session

from app.accounts.deps import api_user, bearer
from app.accounts.models import StaffUser
from app.accounts.permissions import works_on
from app.consultations.models import Consultation
from app.core import csrf
from app.core.db import MAX_ID, SessionDep
from app.core.errors import CsrfFailed, NotFound
from app.corps import actions as corps
from app.corps.deps import CHILD_COOKIE, ChildSignInNeeded


class ChildApiSignInNeeded(ChildSignInNeeded):
    redirect_to = None  # the API answers a problem, never a redirect


def child_api_session(request: Request, session: SessionDep) -> None:
    """Load the signed-in child from the cookie into request.state (as app.corps.deps.load_child does for
    pages), then require the child session's CSRF token in the header. The consent guard that follows
    (`ConsentingChild`) reads the child from request.state."""
    raw = request.cookies.get(CHILD_COOKIE)
    found = corps.resolve_child_session(session=session, raw=raw) if raw else None
    if found is None or found.child is None or found.child_session is None:
        raise ChildApiSignInNeeded()
    if request.method not in csrf.SAFE_METHODS:
        csrf.check_fetch_metadata(request)
    given = request.headers.get(csrf.HEADER) or ""
    if not given or not hmac.compare_digest(given, found.child_session.csrf_token):
        raise CsrfFailed()
    request.state.child = found.child
    request.state.child_session = found.child_session
    request.state.child_group = found.group  # kept for the request: see ChildLookup.group
    request.state.user = None  # a child's request never acts as staff


ChildApiSession = Annotated[None, Depends(child_api_session)]


# ---- issue 16: the consultation's department ---------------------------------------------------------------


def _check_department(request: Request, session: Session, user: StaffUser | None) -> None:
    """A route naming a consultation (`consultation_id`) answers 404, as if it did not exist, to staff of
    another department (`app.accounts.permissions.works_on`). Without a user it leaves the refusal to the
    route's own permission."""
    consultation_id = request.path_params.get("consultation_id")
    if user is None or consultation_id is None:
        return
    try:
        wanted = int(consultation_id)
    except ValueError:
        return  # the route's own validation answers
    if not 1 <= wanted <= MAX_ID:
        return  # out of any id's range (app.core.db.Id): the route's own validation answers 404
    found = session.get(Consultation, wanted)
    if found is not None and not works_on(user, found):
        raise NotFound()


def worked_on_page(request: Request, session: SessionDep) -> None:
    """Pages (a router's or route's `dependencies=`): the signed-in staff user put on request.state."""
    _check_department(request, session, getattr(request.state, "user", None))


def worked_on_api(
    request: Request, session: SessionDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> None:
    """JSON API: the user behind the bearer token (looked up once with the route's own `api_staff`)."""
    _check_department(request, session, api_user(request, session, credentials))


WorkedOnPage = Depends(worked_on_page)
WorkedOnApi = Depends(worked_on_api)
