"""Who is on the tablet: its group session (a cookie set when a facilitator opened it) and the child
signed in on it (another cookie, cleared when the child is done: nothing about the child stays, SEC-08)."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.core.db import SessionDep
from app.core.errors import YimiError
from app.core.i18n import N_
from app.corps import actions, service
from app.corps.models import Child, GroupSession

TABLET_COOKIE = "yimi_tablet"
CHILD_COOKIE = "yimi_child"


class ChildSignInNeeded(YimiError):
    status_code = 401
    title = N_("Let's sign in again")
    detail = N_("You were away for a while, so we signed you out to keep you safe. Tap your picture to come back.")
    slug = "child-sign-in-needed"
    redirect_to = "/tablet?away=1"


class TabletNotOpen(YimiError):
    status_code = 409
    title = N_("This tablet is not open")
    detail = N_("The group time on this tablet has ended. Please ask your grown-up.")
    slug = "tablet-not-open"
    redirect_to = "/tablet"


async def load_child(request: Request, session: SessionDep) -> None:
    """App-wide, after the staff loader: the tablet's group session and the signed-in child, if any (async,
    like `load_principal`: no thread hop without a cookie)."""
    request.state.group_session = None
    request.state.child = None
    request.state.child_session = None
    request.state.tablet_expired = False
    if request.url.path.startswith("/api/") or getattr(request.state, "database_down", False):
        return
    if request.cookies.get(TABLET_COOKIE) or request.cookies.get(CHILD_COOKIE):
        await run_in_threadpool(_load_child, request, session)


def _load_child(request: Request, session: Session) -> None:
    try:
        raw_tablet = request.cookies.get(TABLET_COOKIE)
        if raw_tablet:
            request.state.group_session = service.resolve_group_session(session=session, raw=raw_tablet)
            request.state.tablet_expired = request.state.group_session is None
        raw_child = request.cookies.get(CHILD_COOKIE)
        if raw_child:
            found = actions.resolve_child_session(session=session, raw=raw_child)
            if found.child is not None and found.child_session is not None:
                request.state.child = found.child
                request.state.child_session = found.child_session
                request.state.child_group = found.group  # kept for the request: see ChildLookup.group
                # A child's page never acts as staff, and carries the child's own CSRF token.
                request.state.user = None
                request.state.session_csrf = found.child_session.csrf_token
            else:
                request.state.child_expired = True
    except OperationalError:
        request.state.database_down = True


# The two below read only what `load_child` put on request.state: async, so FastAPI runs them without a
# thread hop (it runs a plain `def` dependency in the thread pool).
async def current_child(request: Request) -> Child:
    child: Child | None = getattr(request.state, "child", None)
    if child is None:
        raise ChildSignInNeeded()
    return child


async def current_group_session(request: Request) -> GroupSession:
    group_session: GroupSession | None = getattr(request.state, "group_session", None)
    if group_session is None:
        raise TabletNotOpen()
    return group_session


SignedInChild = Annotated[Child, Depends(current_child)]
OpenTablet = Annotated[GroupSession, Depends(current_group_session)]
