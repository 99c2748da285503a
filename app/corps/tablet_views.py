"""The shared tablet (SEC-08, A11Y-07, A11Y-08): a facilitator opens it for one group; children tap their
avatar and three pictures; the child's home screen; 'I'm done'; ending the group session with a password.
A 14-17-year-old may also sign in on their own phone with a personal code."""

from typing import Annotated

from fastapi import Request
from fastapi.responses import Response

from app.accounts import service as accounts
from app.accounts.deps import SESSION_COOKIE
from app.accounts.deps import FacilitatorPage as Facilitator
from app.accounts.models import LIMITS as STAFF_LIMITS
from app.core.config import get_settings
from app.core.db import Id, SessionDep
from app.core.errors import InvalidInput, refusal
from app.core.i18n import N_, gettext
from app.core.ratelimit import client_address, hit
from app.core.routing import Router
from app.core.templating import NOTICES, redirect, render
from app.core.validation import FormText
from app.corps import actions, service
from app.corps.deps import CHILD_COOKIE, TABLET_COOKIE, OpenTablet, SignedInChild
from app.corps.models import AVATARS, CODE_LENGTH, PICTURES, Group

router = Router(include_in_schema=False)

NOTICES.update(
    {
        "tablet_ended": N_("The group session on this tablet has ended."),
        "see_you": N_("See you next time!"),
    }
)



def _cookie(response: Response, name: str, value: str) -> None:
    # A session cookie (no Max-Age): it dies with the browser, and nothing about the child stays (SEC-08).
    response.set_cookie(name, value, httponly=True, samesite="lax", secure=get_settings().is_production, path="/")


# ---- opening and ending a tablet's group session -------------------------------------------------


@router.post("/corps/groups/{group_id}/tablet")
def open_tablet(
    request: Request, group_id: Id, session: SessionDep, user: Facilitator, hours: Annotated[str, FormText(N_("For how long"))] = "2"
) -> Response:
    group = service.get_group(session=session, group_id=group_id, user=user)
    try:
        duration = float(hours)
    except ValueError as exc:
        raise InvalidInput(N_("A group session lasts between 15 minutes and 8 hours.")) from exc
    # The facilitator's own session ends on this device: staff pages are out of reach from the tablet.
    _group_session, raw = actions.open_tablet(
        session=session, actor=user, group=group, hours=duration, staff_session=request.state.staff_session
    )
    response = redirect("/tablet")
    response.delete_cookie(SESSION_COOKIE, path="/")
    _cookie(response, TABLET_COOKIE, raw)
    return response


@router.get("/tablet/end")
def end_tablet_page(request: Request, session: SessionDep, group_session: OpenTablet) -> Response:
    return render(request, "tablet/end.html", {"group": session.get(Group, group_session.group_id), "fields": STAFF_LIMITS})


@router.post("/tablet/end")
def end_tablet(
    request: Request,
    session: SessionDep,
    group_session: OpenTablet,
    username: Annotated[str, FormText(N_("Username"))] = "",
    password: Annotated[str, FormText(N_("Password"))] = "",
) -> Response:
    hit(get_settings().rate_limit_sign_in, "tablet-end", client_address(request))
    try:
        actions.end_group_session(
            session=session, group_session=group_session, username=username, password=password, ip_address=client_address(request)
        )
    except (accounts.SignInFailed, accounts.AccountLocked) as exc:
        return render(
            request, "tablet/end.html",
            {"group": session.get(Group, group_session.group_id), "username": username, "fields": STAFF_LIMITS} | refusal(exc),
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
def code_page(request: Request, child_id: Id, session: SessionDep, group_session: OpenTablet) -> Response:
    child = service.tablet_child(session=session, group_session=group_session, child_id=child_id)
    if child.is_locked:
        return render(request, "tablet/locked.html", {"child": child, "avatars": AVATARS}, status_code=423)
    return _code_page(request, child, [])


@router.post("/tablet/child/{child_id}")
def code_tap(
    request: Request,
    child_id: Id,
    session: SessionDep,
    group_session: OpenTablet,
    entered: Annotated[str, FormText(N_("The pictures tapped so far"))] = "",
    pick: Annotated[str, FormText(N_("The picture tapped"))] = "",
    clear: Annotated[str, FormText(N_("Start again"))] = "",
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
        result = actions.sign_in_child(session=session, group_session=group_session, child_id=child.id, code=picked)  # type: ignore[arg-type]
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
def young_sign_in(request: Request, session: SessionDep, code: Annotated[str, FormText(N_("Your personal code"))] = "") -> Response:
    hit(get_settings().rate_limit_personal_code, "young", client_address(request))
    try:
        result = actions.sign_in_with_personal_code(session=session, code=code)
    except (service.WrongCode, service.ChildLocked) as exc:
        return render(request, "tablet/young.html", {"error": exc.detail}, status_code=exc.status_code)
    response = redirect("/me")
    _cookie(response, CHILD_COOKIE, result.token)
    return response


# ---- the child's home screen ---------------------------------------------------------------------


@router.post("/me/still-here")
def still_here(request: Request, session: SessionDep, child: SignedInChild) -> Response:
    actions.still_here(session=session, child_session=request.state.child_session)
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=204)
    return redirect("/me")


@router.post("/me/done")
def done(request: Request, session: SessionDep, child: SignedInChild) -> Response:
    """'I'm done': the child's session ends and nothing about them stays on the tablet (SEC-08)."""
    on_tablet = request.state.child_session.group_session_id is not None
    actions.sign_out_child(session=session, child_session=request.state.child_session, child=child)
    response = redirect("/tablet?done=see_you" if on_tablet else "/young?done=see_you")
    response.delete_cookie(CHILD_COOKIE, path="/")
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response
