"""Who is asking on the child's JSON API (/api/v1/me/…): the child behind the child-session cookie, never a
staff token. The app-wide child loader skips /api/ (staff use bearer tokens there, and /api/ is exempt from
the global CSRF check), so these routes load the child session themselves and check the `X-CSRF-Token`
header against the child session's own token on every request, reading ones included."""

import hmac
from typing import Annotated

from fastapi import Depends, Request

from app.core import csrf
from app.core.db import SessionDep
from app.core.errors import CsrfFailed
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
