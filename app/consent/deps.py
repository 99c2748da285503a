"""The one consent guard for routes (CON-04): a dependency built on `consent.require`.

A route that stores, shows or uses a child's input takes the signed-in child through this guard instead of
`SignedInChild`:

    @router.post("/me/answers")
    def answer(request: Request, session: SessionDep, child: ConsentingChild) -> Response: ...

The guard returns the child only if the purpose is allowed now; otherwise the child gets a kind page
("Not yet", with the way back to their page and the help button), never a stored input.
tests/consent/test_enforcement.py enumerates the application's routes and fails when a route that takes a
child's input lacks this guard, so routes added later are caught too.
"""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.consent import actions
from app.consent import service as consent
from app.consent.models import ConsentStatus, Guardian, Purpose
from app.core.db import SessionDep, utcnow
from app.core.errors import YimiError
from app.core.i18n import N_
from app.corps.deps import SignedInChild
from app.corps.models import Child

NOT_TAKING_PART = N_("You are not taking part now, so this was not kept. That is OK. Nothing bad happens, and you can go back to your page.")
# Where an htmx request is sent instead (htmx swaps no 403): the child's home, with the same kind words.
HTMX_TARGET = "/me?done=not_taking_part"


class ConsentGuard:
    """A FastAPI dependency: the signed-in child, if `consent.require` passes for `purpose`.

    The instance carries `.purpose`, so the route-enumeration test can find it among a route's
    dependencies."""

    def __init__(self, purpose: Purpose) -> None:
        self.purpose = purpose

    def __repr__(self) -> str:
        return f"ConsentGuard({self.purpose.value!r})"

    def __call__(self, request: Request, session: SessionDep, child: SignedInChild) -> Child:
        try:
            consent.require(session=session, child=child, purpose=self.purpose)
        except consent.ConsentRequired as exc:
            refusal = consent.ConsentRequired(self.purpose, detail=_refusal_detail(session, child, self.purpose))
            if request.headers.get("HX-Request") == "true":
                refusal.headers["HX-Redirect"] = HTMX_TARGET
            raise refusal from exc
        return child


def _refusal_detail(session, child: Child, purpose: Purpose) -> str | None:  # noqa: ANN001
    """Kind words for the child: "not taking part now" once there was a yes that has ended (withdrawn,
    expired, a new decision needed, or the child's own stop); the default "we need a yes" otherwise."""
    state = consent.state_of(session=session, child=child, purpose=purpose)
    if state is None:
        return None
    ended = {ConsentStatus.WITHDRAWN.value, ConsentStatus.EXPIRED.value, ConsentStatus.NEEDS_RECONSENT.value, ConsentStatus.REFUSED.value}
    lapsed = state.status == ConsentStatus.GRANTED.value and state.expires_at is not None and state.expires_at <= utcnow()
    if state.status in ended or state.assent in ended or lapsed:
        return NOT_TAKING_PART
    return None  # e.g. the grown-up said yes and the child has not answered yet: "we need a yes from you"


def consenting_child(purpose: Purpose) -> ConsentGuard:
    return ConsentGuard(purpose)


# The guard for a child's answers and comments in consultations (the purpose "participate").
ConsentingChild = Annotated[Child, Depends(consenting_child(Purpose.PARTICIPATE))]


# ---- the guardian behind the cookie (guardian pages of every domain use these) ------------------------------

GUARDIAN_COOKIE = "yimi_guardian"


class GuardianSignInNeeded(YimiError):
    status_code = 401
    title = N_("Please sign in again")
    detail = N_("You were away for a while, so we signed you out to keep your child's information safe.")
    slug = "guardian-sign-in-needed"
    redirect_to = "/guardian?expired=1"


async def load_guardian(request: Request, session: SessionDep) -> None:
    """App-wide, after the staff and tablet loaders and before the CSRF check: on guardian pages, the
    guardian behind the cookie; their page never acts as staff and carries the guardian's CSRF token
    (async, like `load_principal`: no thread hop without a cookie)."""
    request.state.guardian = None
    request.state.guardian_session = None
    if not request.url.path.startswith("/guardian") or getattr(request.state, "database_down", False):
        return
    raw = request.cookies.get(GUARDIAN_COOKIE)
    if raw:
        await run_in_threadpool(_load_guardian, request, session, raw)


def _load_guardian(request: Request, session: Session, raw: str) -> None:
    try:
        found = actions.resume_guardian_session(session=session, raw=raw)
    except OperationalError:
        request.state.database_down = True
        return
    if found is None:
        request.state.guardian_expired = True
        return
    request.state.guardian, request.state.guardian_session = found
    request.state.user = None
    request.state.session_csrf = found[1].csrf_token


def current_guardian(request: Request) -> Guardian:
    guardian: Guardian | None = getattr(request.state, "guardian", None)
    if guardian is None:
        raise GuardianSignInNeeded()
    return guardian


SignedInGuardian = Annotated[Guardian, Depends(current_guardian)]
