"""Staff pages: sign-in and sign-out, the staff home, one's own account, and user administration."""

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import Response

from app.accounts import actions, service
from app.accounts.deps import SESSION_COOKIE, staff
from app.accounts.deps import StaffPage as Staff
from app.accounts.deps import UsersManagerPage as Admin
from app.accounts.models import LIMITS, ROLE_LABELS, TRAINING_REQUIRED, Role, StaffUser, StaffUserCreate
from app.accounts.permissions import MATRIX, PERMISSION_LABELS, Permission, effective_roles, permissions_of
from app.core.config import get_settings
from app.core.db import Id, SessionDep, utcnow
from app.core.errors import Conflict, InvalidInput, NotFound, refusal
from app.core.i18n import N_
from app.core.ratelimit import client_address, hit
from app.core.routing import Router
from app.core.templating import NOTICES, is_htmx, redirect, render, safe_next
from app.core.validation import FormText

router = Router(include_in_schema=False)

NOTICES.update(
    {
        "signed_out": N_("You are signed out. On a shared device, close the browser too."),
        "signed_out_everywhere": N_("You are signed out on every device."),
        "password_changed": N_("Your password is changed. Other devices were signed out."),
        "session_revoked": N_("That device is signed out."),
        "saved": N_("Saved."),
        "roles_saved": N_("Roles saved."),
        "training_recorded": N_("Training recorded. The role can act now."),
        "deactivated": N_("The account is deactivated and all its sessions and tokens ended."),
        "activated": N_("The account is active again."),
        "unlocked": N_("The account is unlocked."),
        "token_revoked": N_("The API token is revoked."),
        "user_signed_out": N_("This person is signed out on every device."),
    }
)

StaffPendingPassword = Annotated[StaffUser, Depends(staff(Permission.STAFF_AREA, allow_pending_password=True))]


def _cookie_secure() -> bool:
    return get_settings().is_production


# ---- sign-in and sign-out ------------------------------------------------------------------------


@router.get("/signin")
def signin_page(request: Request, next: str = "/staff", expired: int = 0) -> Response:
    if getattr(request.state, "group_session", None) is not None:
        return redirect("/tablet")  # a tablet open for a group shows only its avatar grid
    if request.state.user is not None:
        return redirect(safe_next(next))
    return render(request, "accounts/signin.html", {"next": safe_next(next), "expired": bool(expired) or request.state.session_expired, "fields": LIMITS})


@router.post("/signin")
def signin(
    request: Request,
    session: SessionDep,
    username: Annotated[str, FormText(N_("Username"))] = "",
    password: Annotated[str, FormText(N_("Password"))] = "",
    next: Annotated[str, FormText(N_("The page you wanted"))] = "/staff",
) -> Response:
    hit(get_settings().rate_limit_sign_in, "sign-in", client_address(request))
    context = {"next": safe_next(next), "username": username, "fields": LIMITS}
    if not username.strip() or not password:
        context["error"] = N_("Please enter your username and your password.")
        return render(request, "accounts/signin.html", context, status_code=400)
    try:
        result = actions.sign_in(
            session=session,
            username=username,
            password=password,
            ip_address=client_address(request),
            user_agent=request.headers.get("user-agent"),
        )
    except (service.SignInFailed, service.AccountLocked) as exc:
        return render(request, "accounts/signin.html", context | refusal(exc), status_code=exc.status_code)
    target = "/account/password?required=1" if result.user.must_change_password else safe_next(next)
    response = redirect(target)
    response.set_cookie(SESSION_COOKIE, result.token, httponly=True, samesite="lax", secure=_cookie_secure(), path="/")
    return response


@router.post("/signout")
def signout(request: Request, session: SessionDep) -> Response:
    staff_session = request.state.staff_session
    if staff_session is not None:
        actions.sign_out(session=session, staff_session=staff_session, user=request.state.user)
    response = redirect("/signin?done=signed_out")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# ---- the staff home and one's own account --------------------------------------------------------


@router.get("/staff")
def staff_home(request: Request, user: Staff) -> Response:
    active = effective_roles(user)
    granted = permissions_of(user)
    roles = [
        {"role": Role(r.role), "label": ROLE_LABELS[Role(r.role)], "active": Role(r.role) in active, "trained_at": r.trained_at}
        for r in user.roles
    ]
    tools = [
        {"href": "/corps/groups", "label": N_("Groups and children"), "permission": Permission.CORPS_FACILITATE},
        {"href": "/corps/groups", "label": N_("Groups and children"), "permission": Permission.CORPS_ADMIN},
        {"href": "/corps/districts", "label": N_("Districts"), "permission": Permission.CORPS_ADMIN},
        {"href": "/admin/users", "label": N_("Staff accounts"), "permission": Permission.USERS_MANAGE},
        {"href": "/admin/audit", "label": N_("Audit log"), "permission": Permission.AUDIT_READ},
        {"href": "/admin/outbox", "label": N_("Outbox"), "permission": Permission.OUTBOX_READ},
        {"href": "/admin/rights", "label": N_("Guardians' rights requests"), "permission": Permission.RIGHTS_HANDLE},
        {"href": "/consultations", "label": N_("Consultations"), "permission": Permission.INSIGHTS_READ},
        {"href": "/projects", "label": N_("Project library"), "permission": Permission.INSIGHTS_READ},
        {"href": "/responses", "label": N_("Responses to children"), "permission": Permission.CONSULTATIONS_MANAGE},
        # Issue 18: a moderator's and an officer's home leads to their work.
        {"href": "/moderation", "label": N_("Moderation queue"), "permission": Permission.MODERATE},
        {"href": "/safeguarding", "label": N_("Safeguarding cases"), "permission": Permission.SAFEGUARD},
        {"href": "/safeguarding/to-read", "label": N_("Words to read"), "permission": Permission.SAFEGUARD},
    ]
    return render(
        request,
        "accounts/staff_home.html",
        {
            "roles": roles,
            "tools": list({t["href"]: t for t in tools if t["permission"] in granted}.values()),
            "permissions": [PERMISSION_LABELS[p] for p in Permission if p in granted],
        },
    )


@router.get("/account")
def account(request: Request, session: SessionDep, user: Staff) -> Response:
    sessions = service.live_sessions(session=session, user=user)
    return render(request, "accounts/account.html", {"sessions": sessions, "current_id": request.state.staff_session.id})


@router.get("/account/password")
def password_page(request: Request, user: StaffPendingPassword, required: int = 0) -> Response:
    return render(request, "accounts/password.html", {"required": bool(required) or user.must_change_password, "fields": LIMITS})


@router.post("/account/password")
def password_change(
    request: Request,
    session: SessionDep,
    user: StaffPendingPassword,
    current_password: Annotated[str, FormText(N_("Current password"))] = "",
    new_password: Annotated[str, FormText(N_("New password"))] = "",
    confirm_password: Annotated[str, FormText(N_("New password again"))] = "",
) -> Response:
    # Passwords are never shown again: a refused form comes back empty, saying what to change.
    context: dict[str, object] = {"required": user.must_change_password, "fields": LIMITS}
    if new_password != confirm_password:
        context["error"] = N_("The two new passwords are not the same.")
        return render(request, "accounts/password.html", context, status_code=422)
    try:
        actions.change_password(
            session=session, user=user, current=current_password, new=new_password, keep_session_id=request.state.staff_session.id
        )
    except InvalidInput as exc:
        return render(request, "accounts/password.html", context | refusal(exc), status_code=exc.status_code)
    return redirect("/account?done=password_changed")


@router.post("/account/sessions/{session_id}/revoke")
def account_session_revoke(session_id: Id, session: SessionDep, user: Staff) -> Response:
    actions.revoke_session(session=session, actor=user, user=user, session_id=session_id)
    return redirect("/account?done=session_revoked")


@router.post("/account/signout-everywhere")
def signout_everywhere(session: SessionDep, user: Staff) -> Response:
    actions.sign_out_everywhere(session=session, actor=user, user=user)
    response = redirect("/signin?done=signed_out_everywhere")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# ---- administration of staff accounts ------------------------------------------------------------


def _role_filter(role: str | None) -> Role | None:
    return Role(role) if role in Role._value2member_map_ else None


@router.get("/admin/users")
def users(request: Request, session: SessionDep, admin: Admin, q: str = "", role: str = "") -> Response:
    found = service.get_all(session=session, search=q[:100] or None, role=_role_filter(role))
    return render(
        request,
        "admin/users.html",
        {"users": found, "q": q[:100], "role": role, "roles": list(Role), "role_labels": ROLE_LABELS, "now": utcnow()},
        block="results",
    )


@router.get("/admin/users/new")
def user_new(request: Request, admin: Admin) -> Response:
    return render(request, "admin/user_new.html", {"roles": list(Role), "role_labels": ROLE_LABELS, "form": {}, "fields": LIMITS})


@router.post("/admin/users")
def user_create(
    request: Request,
    session: SessionDep,
    admin: Admin,
    username: Annotated[str, FormText(N_("Username"))] = "",
    display_name: Annotated[str, FormText(N_("Name shown to colleagues"))] = "",
    roles: Annotated[list[str], Form(title=N_("Roles"))] = [],  # noqa: B006 - FastAPI reads the default, never mutates it
) -> Response:
    chosen = [Role(r) for r in roles if r in Role._value2member_map_]
    form = {"username": username, "display_name": display_name, "roles": chosen}
    try:
        user, temporary = actions.create(
            session=session, actor=admin, data=StaffUserCreate(username=username, display_name=display_name, roles=chosen)
        )
    except (InvalidInput, Conflict) as exc:
        return render(
            request, "admin/user_new.html", {"roles": list(Role), "role_labels": ROLE_LABELS, "form": form, "fields": LIMITS} | refusal(exc),
            status_code=exc.status_code,
        )
    return render(request, "admin/temporary_password.html", {"subject": user, "temporary": temporary, "created": True})


def _user_page(request: Request, session: SessionDep, user: StaffUser, **extra: object) -> Response:
    return render(
        request,
        "admin/user.html",
        {
            "subject": user,
            "roles": list(Role),
            "role_labels": ROLE_LABELS,
            "training_required": TRAINING_REQUIRED,
            "matrix": MATRIX,
            "sessions": service.live_sessions(session=session, user=user),
            "tokens": service.tokens_of(session=session, user=user),
            "departments": service.departments(session=session),
            "now": utcnow(),
            "fields": LIMITS,
            **extra,
        },
        block="roles" if extra.get("block_roles") else None,
        status_code=int(extra.get("status_code", 200)),  # type: ignore[call-overload]
    )


@router.get("/admin/users/{user_id}")
def user_detail(request: Request, user_id: Id, session: SessionDep, admin: Admin) -> Response:
    return _user_page(request, session, service.get(session=session, user_id=user_id))


@router.post("/admin/users/{user_id}/profile")
def user_profile(
    request: Request, user_id: Id, session: SessionDep, admin: Admin,
    display_name: Annotated[str, FormText(N_("Name shown to colleagues"))] = "",
) -> Response:
    user = service.get(session=session, user_id=user_id)
    try:
        actions.update_profile(session=session, actor=admin, user=user, display_name=display_name)
    except InvalidInput as exc:
        return _user_page(request, session, user, typed_name=display_name, **refusal(exc))
    return redirect(f"/admin/users/{user_id}?done=saved")


@router.post("/admin/users/{user_id}/department")
def user_department(
    request: Request, user_id: Id, session: SessionDep, admin: Admin,
    department_id: Annotated[str, FormText(N_("Department"))] = "",
) -> Response:
    """Issue 16: the department whose consultations this person works on (empty: city-wide)."""
    user = service.get(session=session, user_id=user_id)
    chosen = department_id.strip()
    try:
        if chosen and not chosen.isdigit():
            raise InvalidInput(N_("There is no such department."))
        actions.set_department(session=session, actor=admin, user=user, department_id=int(chosen) if chosen else None)
    except InvalidInput as exc:
        return _user_page(request, session, user, **refusal(exc))
    return redirect(f"/admin/users/{user_id}?done=saved")


@router.post("/admin/users/{user_id}/roles")
def user_roles(
    request: Request,
    user_id: Id,
    session: SessionDep,
    admin: Admin,
    roles: Annotated[list[str], Form(title=N_("Roles"))] = [],  # noqa: B006
) -> Response:
    user = service.get(session=session, user_id=user_id)
    try:
        actions.set_roles(session=session, actor=admin, user=user, roles=[Role(r) for r in roles if r in Role._value2member_map_])
    except Conflict as exc:
        return _user_page(request, session, user, **refusal(exc))
    return redirect(f"/admin/users/{user_id}?done=roles_saved")


@router.post("/admin/users/{user_id}/training/{role}")
def user_training(
    request: Request,
    user_id: Id,
    role: str,
    session: SessionDep,
    admin: Admin,
    note: Annotated[str, FormText(N_("Training note"))] = "",
) -> Response:
    if role not in Role._value2member_map_:
        raise NotFound()
    user = service.get(session=session, user_id=user_id)
    htmx = is_htmx(request)
    try:
        actions.record_training(session=session, actor=admin, user=user, role=Role(role), note=note)
    except InvalidInput as exc:
        # The note comes back in its role's form, with the message beside it (htmx swaps only a 200).
        return _user_page(request, session, user, block_roles=htmx, training_error=exc.detail, training_error_vars=exc.variables,
                          training_role=role, training_note=note, status_code=200 if htmx else exc.status_code)
    session.refresh(user)
    if htmx:
        return _user_page(request, session, user, block_roles=True, notice=N_("Training recorded. The role can act now."))
    return redirect(f"/admin/users/{user_id}?done=training_recorded")


@router.post("/admin/users/{user_id}/password-reset")
def user_password_reset(request: Request, user_id: Id, session: SessionDep, admin: Admin) -> Response:
    user = service.get(session=session, user_id=user_id)
    temporary = actions.reset_password(session=session, actor=admin, user=user)
    return render(request, "admin/temporary_password.html", {"subject": user, "temporary": temporary, "created": False})


@router.post("/admin/users/{user_id}/active")
def user_active(
    request: Request, user_id: Id, session: SessionDep, admin: Admin, active: Annotated[str, FormText(N_("Active"))] = "0"
) -> Response:
    user = service.get(session=session, user_id=user_id)
    try:
        actions.set_active(session=session, actor=admin, user=user, active=active == "1")
    except Conflict as exc:
        return _user_page(request, session, user, **refusal(exc))
    return redirect(f"/admin/users/{user_id}?done={'activated' if active == '1' else 'deactivated'}")


@router.post("/admin/users/{user_id}/unlock")
def user_unlock(user_id: Id, session: SessionDep, admin: Admin) -> Response:
    actions.unlock(session=session, actor=admin, user=service.get(session=session, user_id=user_id))
    return redirect(f"/admin/users/{user_id}?done=unlocked")


@router.post("/admin/users/{user_id}/signout-everywhere")
def user_signout_everywhere(user_id: Id, session: SessionDep, admin: Admin) -> Response:
    actions.sign_out_everywhere(session=session, actor=admin, user=service.get(session=session, user_id=user_id))
    return redirect(f"/admin/users/{user_id}?done=user_signed_out")


@router.post("/admin/users/{user_id}/tokens")
def user_token_issue(
    request: Request,
    user_id: Id,
    session: SessionDep,
    admin: Admin,
    name: Annotated[str, FormText(N_("What is the token for?"))] = "",
    expires_in_days: Annotated[str, FormText(N_("Valid for (days)"))] = "90",
) -> Response:
    user = service.get(session=session, user_id=user_id)
    typed = expires_in_days.strip()
    days = 90 if not typed else int(typed) if typed.isdigit() and len(typed) <= 4 else 0  # 0: told the range
    try:
        token, raw = actions.issue_token(session=session, actor=admin, user=user, name=name, expires_in_days=days)
    except (InvalidInput, Conflict) as exc:
        return _user_page(request, session, user, token_error=exc.detail, token_error_vars=exc.variables, token_name=name,
                          token_days=expires_in_days, status_code=exc.status_code)
    return render(request, "admin/token_issued.html", {"subject": user, "token": token, "raw": raw})


@router.post("/admin/tokens/{token_id}/revoke")
def token_revoke(token_id: Id, session: SessionDep, admin: Admin) -> Response:
    token = service.get_token(session=session, token_id=token_id)
    actions.revoke_token(session=session, actor=admin, token=token)
    return redirect(f"/admin/users/{token.user_id}?done=token_revoked")
