"""One permission matrix decides every staff route: each role is checked against each route, for pages
and for the JSON API (SEC-02, PAR-10)."""

import re

import pytest

from app.accounts import actions
from app.accounts.deps import api_staff, staff
from app.accounts.models import Role
from app.accounts.permissions import MATRIX, Permission
from app.main import routes
from tests.conftest import english_client, make_user, sign_in

# Routes anyone may use, signed in or not. Everything else must declare exactly one permission.
PUBLIC = {"/", "/help", "/language", "/signin", "/signout", "/healthz", "/readyz", "/api/v1/help"}
# The shared tablet and the child's own pages: guarded by the tablet's group session and the child's
# session instead of a staff permission (tests/corps/test_tablet.py checks them for staff and children).
TABLET = {"/tablet", "/tablet/child/{child_id}", "/tablet/end", "/young"}
CHILD = {"/me", "/me/done", "/me/still-here", "/me/assent", "/me/stop", "/me/consent"}
# The child's consultations (tests/consultations/test_child.py, test_child_api.py check them): the child's
# session and the consent guard instead of a staff permission; the JSON API by the child's cookie and CSRF header.
CHILD |= {
    "/me/consultations/{consultation_id}", "/me/consultations/{consultation_id}/answer",
    "/me/consultations/{consultation_id}/send", "/me/consultations/{consultation_id}/check", "/me/consultations/{consultation_id}/thanks",
    "/me/consultations/{consultation_id}/results", "/me/consultations/{consultation_id}/picture",
    "/api/v1/me/consultations", "/api/v1/me/consultations/{consultation_id}",
    "/api/v1/me/consultations/{consultation_id}/answers", "/api/v1/me/consultations/{consultation_id}/results",
}
# The guardian's path: guarded by the letter code, the one-time code and the guardian's own session
# (tests/consent/test_guardian_path.py checks them).
GUARDIAN = {
    "/guardian", "/guardian/code", "/guardian/contact", "/guardian/verify", "/guardian/signout",
    "/guardian/children/{child_id}/consent", "/guardian/children/{child_id}/receipt/{number}", "/guardian/children/{child_id}/notice",
    # The dashboard and the guardian's rights (tests/consent/test_dashboard.py, test_erasure.py); the deletion
    # receipt is found by its random reference only and shows counts, never who the child was.
    "/guardian/home", "/guardian/children/{child_id}/withdraw", "/guardian/children/{child_id}/export.json", "/guardian/children/{child_id}/export", "/guardian/children/{child_id}/export.pdf",
    "/guardian/children/{child_id}/rights", "/guardian/children/{child_id}/erase", "/guardian/erased/{ref}",
    # Guardians' own views on consultations (tests/consultations/test_guardian_input.py checks them).
    "/guardian/consultations", "/guardian/consultations/{consultation_id}", "/guardian/consultations/{consultation_id}/comment",
}
# Moderation (tests/moderation/): the child's "My comments" and "look again" (child's session and the consent
# guard); a consultation's transparency page (counts only) for a signed-in child or guardian.
# The children's check of the themes (issue 16; tests/insights/test_check.py checks them): the child's session and
# the consent guard (a 404 for a child not taking part); the JSON API by the child's cookie and CSRF header.
CHILD |= {
    "/me/consultations/{consultation_id}/check/themes/{theme_id}", "/me/consultations/{consultation_id}/check/missing",
    "/api/v1/me/consultations/{consultation_id}/check", "/api/v1/me/consultations/{consultation_id}/check/themes/{theme_id}",
    "/api/v1/me/consultations/{consultation_id}/check/missing",
}
CHILD |= {"/me/comments", "/me/comments/{comment_id}/look-again", "/me/consultations/{consultation_id}/transparency"}
GUARDIAN |= {"/guardian/consultations/{consultation_id}/transparency"}
# A consultation's picture: anyone once the consultation is scheduled, staff only before (tests/consultations/test_official.py).
PICTURES = {"/consultations/pictures/{picture_id}"}
# Safeguarding for children and visitors (tests/safeguarding/test_help.py): "I need help" and the calm screen,
# without sign-in or consent (SG-05, SG-06, CON-15).
PUBLIC |= {"/help/request", "/help/thanks"}
CHILD |= {"/me/help", "/me/help/thanks"}
# Reports of shown comments (MOD-12, tests/moderation/test_reports.py): the child's session and the consent
# guard; the guardian's own session.
CHILD |= {"/me/comments/{comment_id}/report"}
GUARDIAN |= {"/guardian/comments/{comment_id}/report"}
# The API's description and its documentation page: open in development, signed-in staff only in production
# (a session or a token, checked by the routes themselves: tests/security/test_api_docs.py).
PUBLIC |= {"/openapi.json", "/api/docs"}
# "You said, we did" (issue 17, tests/responses/): the child's page about the city's answer and their face (the
# child's session and the consent guard); the public page, its feed and its JSON, for anyone.
CHILD |= {"/me/consultations/{consultation_id}/heard-back", "/me/consultations/{consultation_id}/heard-back/reaction"}
PUBLIC |= {"/said-and-done", "/said-and-done/feed.atom", "/said-and-done/{consultation_id}", "/api/v1/said-and-done",
           "/api/v1/said-and-done/{consultation_id}"}
# A decision's PDF: anyone once its response is published, staff only before (tests/responses/test_documents.py).
PUBLIC |= {"/responses/decisions/{decision_id}/document"}
PUBLIC |= TABLET | CHILD | GUARDIAN | PICTURES


def _permission_of(route) -> Permission | None:
    found = [d.call.permission for d in route.dependant.dependencies if isinstance(d.call, staff | api_staff)]
    assert len(found) <= 1, f"{route.path} declares several permissions"
    return found[0] if found else None


def _concrete(path: str, user_id: int, group_id: int = 999999, child_id: int = 999999) -> str:
    return re.sub(r"\{user_id\}", str(user_id), path).replace("{session_id}", "999999").replace(
        "{token_id}", "999999"
    ).replace("{role}", "moderator").replace("{group_id}", str(group_id)).replace("{child_id}", str(child_id)).replace("{consultation_id}", "999999").replace(
        "{question_id}", "999999"
    ).replace("{project_id}", "999999").replace("{case_id}", "999999").replace("{concern_id}", "999999")


def _group_with_a_child(session, user) -> tuple[int, int]:
    """A real group (looked after by `user` if they are a facilitator) with a child, for the corps pages:
    the service then decides between the page (administrators, the group's facilitator) and 'not found'."""
    from tests.corps.staff_helpers import make_child, make_group

    group = make_group(session, "matrix-group", facilitators=[user] if user.role(Role.FACILITATOR) else [])
    child, _ = make_child(session, group)
    return group.id, child.id


def test_every_route_is_public_or_declares_one_permission():
    for route in routes():
        if route.path in PUBLIC:
            assert _permission_of(route) is None, f"{route.path} is public but declares a permission"
        else:
            assert _permission_of(route) is not None, f"{route.path} declares no permission"


@pytest.mark.parametrize("role", list(Role))
def test_each_role_reaches_exactly_the_pages_the_matrix_allows(app, session, role):
    user = make_user(session, f"matrix-{role.value}".replace("_", "-"), [role])
    target = make_user(session, "matrix-target", [Role.ANALYST])
    group_id, child_id = _group_with_a_child(session, user)
    allowed = MATRIX[role] | {Permission.STAFF_AREA}
    with english_client(app) as client:
        sign_in(client, user.username)
        for route in routes():
            permission = _permission_of(route)
            if permission is None or route.path.startswith("/api/") or "GET" not in route.methods:
                continue
            response = client.get(_concrete(route.path, target.id, group_id, child_id), follow_redirects=False)
            if permission in allowed:
                assert response.status_code in (200, 404), f"{role} refused {route.path}"
            else:
                assert response.status_code == 403, f"{role} reached {route.path}"


@pytest.mark.parametrize("role", list(Role))
def test_each_role_reaches_exactly_the_api_the_matrix_allows(app, session, role, admin):
    user = make_user(session, f"api-{role.value}".replace("_", "-"), [role])
    _, raw = actions.issue_token(session=session, actor=admin, user=user, name="matrix")
    # Routes about a user act on another one: resetting one's own password would (rightly) end one's own token.
    target = make_user(session, "api-target", [Role.ANALYST])
    allowed = MATRIX[role] | {Permission.STAFF_AREA}
    with english_client(app) as client:
        headers = {"Authorization": f"Bearer {raw}"}
        for route in routes():
            permission = _permission_of(route)
            if permission is None or not route.path.startswith("/api/"):
                continue
            method = sorted(route.methods)[0]
            response = client.request(method, _concrete(route.path, target.id), headers=headers, json={})
            if permission in allowed:
                assert response.status_code != 403, f"{role} refused {method} {route.path}"
            else:
                assert response.status_code == 403, f"{role} reached {method} {route.path}"
                assert response.headers["content-type"].startswith("application/problem+json")


def test_untrained_role_is_refused_with_a_reason(app, session):
    """A moderator without a training record is refused, and told why (PAR-10)."""
    from app.accounts.permissions import check
    from app.core.errors import Forbidden

    moderator = make_user(session, "untrained", [Role.MODERATOR], trained=False)
    with pytest.raises(Forbidden) as refused:
        check(moderator, Permission.MODERATE)
    assert "training" in refused.value.detail


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for route in routes():
        if _permission_of(route) is None or route.path.startswith("/api/") or "GET" not in route.methods:
            continue
        response = client.get(_concrete(route.path, 1), follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/signin?next=")
