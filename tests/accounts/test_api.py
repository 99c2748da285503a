"""The JSON API: bearer tokens issued by admins (stored hashed, revocable), the same rules as the pages,
problem details for errors, and an OpenAPI schema."""

from sqlmodel import select

from app.accounts import actions
from app.accounts.models import ApiToken, Role
from app.core.security import token_hash
from tests.conftest import make_user, post_form


def _bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def test_admin_issues_a_token_on_the_page_and_it_is_stored_hashed(admin_client, session, admin):
    user = make_user(session, "scripter", [Role.ANALYST])
    response = post_form(admin_client, f"/admin/users/{user.id}/tokens", {"name": "nightly export", "expires_in_days": "30"}, page=f"/admin/users/{user.id}")
    assert response.status_code == 200 and "shown only once" in response.text
    raw = response.text.split('<p class="secret"><code>')[1].split("</code>")[0]
    stored = session.exec(select(ApiToken)).one()
    assert stored.token_hash == token_hash(raw) and raw not in (stored.prefix + stored.token_hash)[12:]
    me = admin_client.get("/api/v1/accounts/me", headers=_bearer(raw))
    assert me.status_code == 200 and me.json()["username"] == "scripter"


def test_a_revoked_token_stops_working(admin_client, session, admin):
    user = make_user(session, "scripter", [Role.ANALYST])
    token, raw = actions.issue_token(session=session, actor=admin, user=user, name="x")
    assert admin_client.get("/api/v1/accounts/me", headers=_bearer(raw)).status_code == 200
    post_form(admin_client, f"/admin/tokens/{token.id}/revoke", page=f"/admin/users/{user.id}")
    response = admin_client.get("/api/v1/accounts/me", headers=_bearer(raw))
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"] == "Bearer"


def test_an_expired_token_stops_working(client, session, admin):
    import datetime as dt

    token, raw = actions.issue_token(session=session, actor=admin, user=admin, name="short")
    token.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    session.add(token)
    session.commit()
    assert client.get("/api/v1/accounts/me", headers=_bearer(raw)).status_code == 401


def test_admin_manages_users_through_the_api(client, session, admin):
    _, raw = actions.issue_token(session=session, actor=admin, user=admin, name="admin api")
    created = client.post("/api/v1/accounts/users", json={"username": "api.user", "display_name": "API User", "roles": ["moderator"]}, headers=_bearer(raw))
    assert created.status_code == 201
    body = created.json()
    assert body["temporary_password"] and body["user"]["roles"][0] == {"role": "moderator", "trained_at": None, "needs_training": True}
    user_id = body["user"]["id"]
    trained = client.post(f"/api/v1/accounts/users/{user_id}/roles/moderator/training", json={"note": "course"}, headers=_bearer(raw))
    assert trained.status_code == 200 and trained.json()["roles"][0]["needs_training"] is False
    roles = client.put(f"/api/v1/accounts/users/{user_id}/roles", json={"roles": ["analyst"]}, headers=_bearer(raw))
    assert [r["role"] for r in roles.json()["roles"]] == ["analyst"]
    listed = client.get("/api/v1/accounts/users?role=analyst", headers=_bearer(raw))
    assert [u["username"] for u in listed.json()] == ["api.user"]
    reset = client.post(f"/api/v1/accounts/users/{user_id}/password-reset", headers=_bearer(raw))
    assert reset.status_code == 200 and reset.json()["temporary_password"]
    off = client.patch(f"/api/v1/accounts/users/{user_id}", json={"is_active": False}, headers=_bearer(raw))
    assert off.json()["is_active"] is False


def test_api_errors_are_problem_details(client, session, admin):
    _, raw = actions.issue_token(session=session, actor=admin, user=admin, name="admin api")
    make_user(session, "dupe.user", [Role.ANALYST])
    conflict = client.post("/api/v1/accounts/users", json={"username": "dupe.user", "display_name": "Again"}, headers=_bearer(raw))
    assert conflict.status_code == 409
    problem = conflict.json()
    assert problem["status"] == 409 and problem["type"] == "/problems/conflict" and "dupe.user" in problem["detail"]
    invalid = client.post("/api/v1/accounts/users", json={"username": 5}, headers=_bearer(raw))
    assert invalid.status_code == 422 and invalid.json()["errors"]
    missing = client.get("/api/v1/accounts/users/99999", headers=_bearer(raw))
    assert missing.status_code == 404 and missing.json()["title"]


def test_api_problem_details_follow_the_language(client, session, admin):
    response = client.get("/api/v1/accounts/me", headers={"Accept-Language": "en"})
    assert response.json()["title"] == "Please sign in"


def test_openapi_lists_the_api_with_bearer_security(client):
    schema = client.get("/openapi.json").json()
    assert "/api/v1/accounts/users" in schema["paths"]
    assert "/api/v1/audit/verify" in schema["paths"]
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
    assert not any(p.startswith("/admin") or p == "/signin" for p in schema["paths"])


def test_audit_api(client, session, admin):
    _, raw = actions.issue_token(session=session, actor=admin, user=admin, name="auditor")
    events = client.get("/api/v1/audit/events?action=api_token", headers=_bearer(raw)).json()
    assert events and events[0]["action"] == "api_token.issue"
    assert client.get("/api/v1/audit/verify", headers=_bearer(raw)).json()["ok"] is True
