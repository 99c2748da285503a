"""API tokens end with what ends a person's access (issue 13, point 5): an administrator's password reset,
"sign out everywhere" and deactivation revoke the user's tokens, through the pages and the API alike; a token
never works while a temporary password waits to be changed; and every token expires (1 to 366 days), in the
API as on the page."""

import pytest

from app.accounts import actions, service
from app.accounts.models import Role
from tests.conftest import english_client, make_user, post_form, sign_in


@pytest.fixture
def admin_token(session, admin) -> str:
    return actions.issue_token(session=session, actor=admin, user=admin, name="admin tools")[1]


def _official_token(session, admin) -> tuple[int, str]:  # noqa: ANN001
    user = make_user(session, "official-api", [Role.OFFICIAL])
    return user.id, actions.issue_token(session=session, actor=admin, user=user, name="reports")[1]


def _works(client, raw: str) -> bool:  # noqa: ANN001
    return client.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 200


@pytest.mark.parametrize("action", ["password-reset", "sign-out-everywhere"])
def test_a_reset_or_signing_out_everywhere_through_the_api_revokes_the_users_tokens(app, session, admin, admin_token, action):
    user_id, raw = _official_token(session, admin)
    with english_client(app) as client:
        assert _works(client, raw)
        done = client.post(f"/api/v1/accounts/users/{user_id}/{action}", headers={"Authorization": f"Bearer {admin_token}"})
        assert done.status_code in (200, 204), done.text
        assert not _works(client, raw)
        tokens = client.get(f"/api/v1/accounts/users/{user_id}/tokens", headers={"Authorization": f"Bearer {admin_token}"}).json()
        assert tokens and all(t["revoked_at"] is not None for t in tokens)


@pytest.mark.parametrize(("path", "data"), [("password-reset", {}), ("signout-everywhere", {}), ("active", {"active": "0"})])
def test_the_admin_pages_revoke_the_users_tokens_too(app, session, admin, path, data):
    user_id, raw = _official_token(session, admin)
    with english_client(app) as client:
        sign_in(client, admin.username)
        assert _works(client, raw)
        response = post_form(client, f"/admin/users/{user_id}/{path}", data, page=f"/admin/users/{user_id}")
        assert response.status_code in (200, 303), response.text
        assert not _works(client, raw)


def test_no_token_works_while_a_temporary_password_waits_to_be_changed(app, session, admin):
    user_id, raw = _official_token(session, admin)
    user = service.get(session=session, user_id=user_id)
    user.must_change_password = True
    session.add(user)
    session.commit()
    with english_client(app) as client:
        assert not _works(client, raw)


@pytest.mark.parametrize("days", [None, 0, 367, "forever"])
def test_the_api_refuses_a_token_that_never_expires_or_outlives_a_year(app, session, admin, admin_token, days):
    user_id, _ = _official_token(session, admin)
    with english_client(app) as client:
        response = client.post(f"/api/v1/accounts/users/{user_id}/tokens", json={"name": "x", "expires_in_days": days},
                               headers={"Authorization": f"Bearer {admin_token}"})
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        made = client.post(f"/api/v1/accounts/users/{user_id}/tokens", json={"name": "x"}, headers={"Authorization": f"Bearer {admin_token}"})
        assert made.status_code == 201 and made.json()["expires_at"] is not None


def test_the_page_refuses_a_token_for_zero_days_and_keeps_what_was_typed(app, session, admin):
    user_id, _ = _official_token(session, admin)
    with english_client(app) as client:
        sign_in(client, admin.username)
        response = post_form(client, f"/admin/users/{user_id}/tokens", {"name": "nightly export", "expires_in_days": "0"},
                             page=f"/admin/users/{user_id}")
        assert response.status_code == 422
        assert "A token can be valid for 1 to 366 days." in response.text
        assert 'value="nightly export"' in response.text and 'value="0"' in response.text
