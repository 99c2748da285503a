"""The shared tablet (SEC-08, A11Y-07, A11Y-08): a facilitator opens it for one group; children tap their
avatar and three pictures; the child's home screen; 'I'm done'; ending the group session with a password.
A 14-17-year-old may also sign in on their own phone with a personal code."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from app.accounts import service as accounts
from app.accounts.deps import SESSION_COOKIE, staff
from app.accounts.models import StaffUser
from app.accounts.permissions import Permission
from app.core.config import get_settings
from app.core.db import SessionDep
from app.core.errors import InvalidInput
from app.core.i18n import N_, gettext
from app.core.ratelimit import client_address, hit
from app.core.templating import NOTICES, redirect, render
from app.corps import service
from app.corps.deps import CHILD_COOKIE, TABLET_COOKIE, OpenTablet, SignedInChild
from app.corps.models import AVATARS, CODE_LENGTH, PICTURES, ChildStatus, Group

router = APIRouter(include_in_schema=False)

NOTICES.update(
    {
        "tablet_ended": N_("The group session on this tablet has ended."),
        "see_you": N_("See you next time!"),
    }
)

Facilitator = Annotated[StaffUser, Depends(staff(Permission.CORPS_FACILITATE))]
IDLE_SECONDS = int(service.CHILD_IDLE.total_seconds())
WARN_SECONDS = IDLE_SECONDS - 120  # the warning shows at 8 minutes of a 10-minute idle time (A11Y-07)


def _cookie(response: Response, name: str, value: str) -> None:
    # A session cookie (no Max-Age): it dies with the browser, and nothing about the child stays (SEC-08).
    response.set_cookie(name, value, httponly=True, samesite="lax", secure=get_settings().is_production, path="/")


# ---- opening and ending a tablet's group session -------------------------------------------------


@router.post("/corps/groups/{group_id}/tablet")
def open_tablet(
    request: Request, group_id: int, session: SessionDep, user: Facilitator, hours: Annotated[str, Form(max_length=5)] = "2"
) -> Response:
    group = service.get_group(session=session, group_id=group_id, user=user)
    try:
        duration = float(hours)
    except ValueError as exc:
        raise InvalidInput(N_("A group session lasts between 15 minutes and 8 hours.")) from exc
    _group_session, raw = service.open_group_session(session=session, actor=user, group=group, hours=duration)
    # The facilitator's own session ends on this device: staff pages are out of reach from the tablet.
    if request.state.staff_session is not None:
        accounts.end_session(session=session, staff_session=request.state.staff_session, user=user)
    response = redirect("/tablet")
    response.delete_cookie(SESSION_COOKIE, path="/")
    _cookie(response, TABLET_COOKIE, raw)
    return response


@router.get("/tablet/end")
def end_tablet_page(request: Request, session: SessionDep, group_session: OpenTablet) -> Response:
    return render(request, "tablet/end.html", {"group": session.get(Group, group_session.group_id)})


@router.post("/tablet/end")
def end_tablet(
    request: Request,
    session: SessionDep,
    group_session: OpenTablet,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    hit(get_settings().rate_limit_sign_in, "tablet-end", client_address(request))
    try:
        service.end_group_session(
            session=session, group_session=group_session, username=username, password=password, ip_address=client_address(request)
        )
    except (accounts.SignInFailed, accounts.AccountLocked) as exc:
        return render(
            request, "tablet/end.html",
            {"group": session.get(Group, group_session.group_id), "error": exc.detail, "error_vars": exc.variables, "username": username},
            status_code=exc.status_code,
        )
    response = redirect("/signin?done=tablet_ended")
    response.delete_cookie(TABLET_COOKIE, path="/")
    response.delete_cookie(CHILD_COOKIE, path="/")
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


# ---- the avatar grid and the picture code --------------------------------------------------------


@router.get("/tablet")
def tablet(request: Request, session: SessionDep, away: int = 0) -> Response:
    group_session = request.state.group_session
    if request.state.child is not None and group_session is not None:
        return redirect("/me")
    if group_session is None:
        return render(request, "tablet/closed.html", {"expired": request.state.tablet_expired}, status_code=200)
    children = service.tablet_children(session=session, group_session=group_session)
    return render(
        request,
        "tablet/grid.html",
        {"group": session.get(Group, group_session.group_id), "children": children, "avatars": AVATARS, "away": bool(away)},
    )


def _code_page(request: Request, child, entered: list[str], *, error: str | None = None, status_code: int = 200) -> Response:  # noqa: ANN001
    return render(
        request,
        "tablet/code.html",
        {
            "child": child,
            "avatars": AVATARS,
            "pictures": PICTURES,
            "entered": entered,
            "slots": range(CODE_LENGTH),
            "progress_texts": [
                gettext("%(done)s of %(total)s pictures tapped", done=n, total=CODE_LENGTH) for n in range(CODE_LENGTH + 1)
            ],
            "error": error,
        },
        block="code",
        status_code=status_code,
    )


@router.get("/tablet/child/{child_id}")
def code_page(request: Request, child_id: int, session: SessionDep, group_session: OpenTablet) -> Response:
    child = service.tablet_child(session=session, group_session=group_session, child_id=child_id)
    if child.is_locked:
        return render(request, "tablet/locked.html", {"child": child, "avatars": AVATARS}, status_code=423)
    return _code_page(request, child, [])


@router.post("/tablet/child/{child_id}")
def code_tap(
    request: Request,
    child_id: int,
    session: SessionDep,
    group_session: OpenTablet,
    entered: Annotated[str, Form(max_length=100)] = "",
    pick: Annotated[str, Form(max_length=20)] = "",
    clear: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """One tap. The pictures tapped so far travel in the form (the child's own input, nothing stored), and
    after the third tap the code is checked. The child is never told which picture was wrong."""
    hit("600/minute", "tablet", str(group_session.id))
    child = service.tablet_child(session=session, group_session=group_session, child_id=child_id)
    picked = [p for p in entered.split(",") if p in PICTURES][: CODE_LENGTH - 1]
    if clear:
        return _code_page(request, child, [])
    if pick in PICTURES:
        picked.append(pick)
    if len(picked) < CODE_LENGTH:
        return _code_page(request, child, picked)
    htmx = request.headers.get("HX-Request") == "true"
    try:
        result = service.sign_in_child(session=session, group_session=group_session, child_id=child.id, code=picked)  # type: ignore[arg-type]
    except service.ChildLocked:
        if htmx:  # the whole screen changes: let the browser load the locked page
            return Response(status_code=204, headers={"HX-Redirect": f"/tablet/child/{child.id}"})
        return render(request, "tablet/locked.html", {"child": child, "avatars": AVATARS}, status_code=423)
    except service.WrongCode as exc:
        # htmx swaps only 2xx answers; without it the status says what happened.
        return _code_page(request, child, [], error=exc.detail, status_code=200 if htmx else 400)
    if htmx:
        # htmx would follow a 303 inside the page; it is told to load the child's home instead.
        response: Response = Response(status_code=204, headers={"HX-Redirect": "/me"})
    else:
        response = redirect("/me")
    _cookie(response, CHILD_COOKIE, result.token)
    return response


# ---- a young person's own phone (14-17) ----------------------------------------------------------


@router.get("/young")
def young_page(request: Request) -> Response:
    if request.state.child is not None:
        return redirect("/me")
    return render(request, "tablet/young.html", {})


@router.post("/young")
def young_sign_in(request: Request, session: SessionDep, code: Annotated[str, Form(max_length=100)] = "") -> Response:
    hit("10/minute", "young", client_address(request))
    try:
        result = service.sign_in_with_personal_code(session=session, code=code)
    except (service.WrongCode, service.ChildLocked) as exc:
        return render(request, "tablet/young.html", {"error": exc.detail}, status_code=exc.status_code)
    response = redirect("/me")
    _cookie(response, CHILD_COOKIE, result.token)
    return response


# ---- the child's home screen ---------------------------------------------------------------------


@router.get("/me")
def child_home(request: Request, child: SignedInChild) -> Response:
    return render(
        request,
        "tablet/home.html",
        {
            "child": child,
            "avatars": AVATARS,
            "awaiting_consent": child.status == ChildStatus.AWAITING_CONSENT.value,
            "idle_seconds": IDLE_SECONDS,
            "warn_seconds": WARN_SECONDS,
        },
    )


@router.post("/me/still-here")
def still_here(request: Request, session: SessionDep, child: SignedInChild) -> Response:
    service.still_here(session=session, child_session=request.state.child_session)
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=204)
    return redirect("/me")


@router.post("/me/done")
def done(request: Request, session: SessionDep, child: SignedInChild) -> Response:
    """'I'm done': the child's session ends and nothing about them stays on the tablet (SEC-08)."""
    on_tablet = request.state.child_session.group_session_id is not None
    service.end_child_session(session=session, child_session=request.state.child_session, child=child)
    response = redirect("/tablet?done=see_you" if on_tablet else "/young?done=see_you")
    response.delete_cookie(CHILD_COOKIE, path="/")
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response
