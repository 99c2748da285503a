"""Who is asking: the staff user behind a session cookie (pages) or a bearer token (JSON API)."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.accounts import actions
from app.accounts.models import StaffUser
from app.accounts.permissions import Permission, check
from app.core.config import get_settings
from app.core.db import SessionDep
from app.core.errors import NotSignedIn, ServiceUnavailable, YimiError
from app.core.i18n import N_
from app.core.ratelimit import hit

SESSION_COOKIE = "yimi_session"
bearer = HTTPBearer(auto_error=False, description="An API token issued by an administrator.")


class TabletMode(YimiError):
    """This browser is a tablet open for a group: staff pages are out of reach until a facilitator ends it."""

    status_code = 303
    title = N_("This tablet is open for a group")
    slug = "tablet-mode"
    redirect_to = "/tablet"


class PasswordChangeRequired(YimiError):
    status_code = 303
    title = N_("Please choose a new password")
    slug = "password-change-required"
    redirect_to = "/account/password?required=1"


async def load_principal(request: Request, session: SessionDep) -> None:
    """App-wide: find the signed-in staff user from the session cookie (never on the JSON API). Async, so
    that a request without the cookie costs no thread hop; the database is read in the thread pool."""
    request.state.user = None
    request.state.staff_session = None
    request.state.session_csrf = None
    request.state.session_expired = False
    if request.url.path.startswith("/api/"):
        return
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await run_in_threadpool(_load_staff, request, session, token)


def _load_staff(request: Request, session: Session, token: str) -> None:
    try:
        found = actions.resolve_session(session=session, token=token)
    except OperationalError:
        # Help and public pages must keep working while the database is down (CON-15); staff pages say 503.
        request.state.database_down = True
        return
    if found.user is None:
        request.state.session_expired = found.expired
        return
    request.state.user = found.user
    request.state.staff_session = found.staff_session
    request.state.session_csrf = found.staff_session.csrf_token if found.staff_session else None


class staff:  # noqa: N801 - used like a function: Depends(staff(Permission.X))
    """Pages: the signed-in staff user, who must hold `permission` (from the matrix)."""

    def __init__(self, permission: Permission, *, allow_pending_password: bool = False) -> None:
        self.permission = permission
        self.allow_pending_password = allow_pending_password

    async def __call__(self, request: Request) -> StaffUser:
        """Async: it reads only what `load_principal` put on request.state, so no thread hop."""
        user: StaffUser | None = getattr(request.state, "user", None)
        if getattr(request.state, "database_down", False):
            raise ServiceUnavailable()
        if getattr(request.state, "group_session", None) is not None:
            raise TabletMode()
        if user is None:
            raise NotSignedIn()
        if user.must_change_password and not self.allow_pending_password:
            raise PasswordChangeRequired()
        check(user, self.permission)
        return user


def api_user(request: Request, session: Session, credentials: HTTPAuthorizationCredentials | None) -> StaffUser | None:
    """The staff user behind a bearer token, looked up (and counted against the rate limit) once per request:
    `api_staff` and a router's own check (app.consultations.deps.worked_on_api) may both ask."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        return None
    if getattr(request.state, "api_token_checked", None) != credentials.credentials:
        hit(get_settings().rate_limit_api, "api", credentials.credentials[:16])
        request.state.api_user = actions.user_for_api_token(session=session, raw=credentials.credentials)
        request.state.api_token_checked = credentials.credentials
    return request.state.api_user


class api_staff:  # noqa: N801
    """JSON API: the staff user behind the bearer token, who must hold `permission`."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    def __call__(
        self,
        request: Request,
        session: SessionDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> StaffUser:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise NotSignedIn(N_("Send an API token in the Authorization header: Bearer <token>."))
        user = api_user(request, session, credentials)
        if user is None:
            raise NotSignedIn(N_("This API token is not valid: it may be wrong, expired or revoked."))
        request.state.user = user
        check(user, self.permission)
        return user


# ---- who may: one name per permission, for pages (`…Page`) and for the API (`…Api`) -----------------------
# Each route module imports the ones it needs under a short name (`from app.accounts.deps import ManagerPage as
# Manager`), so the same permission is never spelled twice (issue 15).

AuditorPage = Annotated[StaffUser, Depends(staff(Permission.AUDIT_READ))]
ManagerPage = Annotated[StaffUser, Depends(staff(Permission.CONSULTATIONS_MANAGE))]
CorpsAdminPage = Annotated[StaffUser, Depends(staff(Permission.CORPS_ADMIN))]
FacilitatorPage = Annotated[StaffUser, Depends(staff(Permission.CORPS_FACILITATE))]
IdentityReaderPage = Annotated[StaffUser, Depends(staff(Permission.IDENTITY_READ))]
ReaderPage = Annotated[StaffUser, Depends(staff(Permission.INSIGHTS_READ))]
ModeratorPage = Annotated[StaffUser, Depends(staff(Permission.MODERATE))]
OutboxReaderPage = Annotated[StaffUser, Depends(staff(Permission.OUTBOX_READ))]
RightsHandlerPage = Annotated[StaffUser, Depends(staff(Permission.RIGHTS_HANDLE))]
ResponsesFollowerPage = Annotated[StaffUser, Depends(staff(Permission.RESPONSES_FOLLOW))]
OfficerPage = Annotated[StaffUser, Depends(staff(Permission.SAFEGUARD))]
OverseerPage = Annotated[StaffUser, Depends(staff(Permission.SAFEGUARDING_OVERSEE))]
StaffPage = Annotated[StaffUser, Depends(staff(Permission.STAFF_AREA))]
UsersManagerPage = Annotated[StaffUser, Depends(staff(Permission.USERS_MANAGE))]
AuditorApi = Annotated[StaffUser, Depends(api_staff(Permission.AUDIT_READ))]
ManagerApi = Annotated[StaffUser, Depends(api_staff(Permission.CONSULTATIONS_MANAGE))]
CorpsAdminApi = Annotated[StaffUser, Depends(api_staff(Permission.CORPS_ADMIN))]
FacilitatorApi = Annotated[StaffUser, Depends(api_staff(Permission.CORPS_FACILITATE))]
IdentityReaderApi = Annotated[StaffUser, Depends(api_staff(Permission.IDENTITY_READ))]
ReaderApi = Annotated[StaffUser, Depends(api_staff(Permission.INSIGHTS_READ))]
ModeratorApi = Annotated[StaffUser, Depends(api_staff(Permission.MODERATE))]
OutboxReaderApi = Annotated[StaffUser, Depends(api_staff(Permission.OUTBOX_READ))]
RightsHandlerApi = Annotated[StaffUser, Depends(api_staff(Permission.RIGHTS_HANDLE))]
ResponsesFollowerApi = Annotated[StaffUser, Depends(api_staff(Permission.RESPONSES_FOLLOW))]
OfficerApi = Annotated[StaffUser, Depends(api_staff(Permission.SAFEGUARD))]
OverseerApi = Annotated[StaffUser, Depends(api_staff(Permission.SAFEGUARDING_OVERSEE))]
StaffApi = Annotated[StaffUser, Depends(api_staff(Permission.STAFF_AREA))]
UsersManagerApi = Annotated[StaffUser, Depends(api_staff(Permission.USERS_MANAGE))]
