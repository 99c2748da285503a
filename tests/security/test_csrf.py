"""CSRF on every unsafe method, two layers: cross-site requests refused by Sec-Fetch-Site/Origin, and a
per-session token from the X-CSRF-Token header (htmx) or the hidden csrf_token field (plain forms)."""

import pytest
from sqlmodel import select

from app.accounts.models import Role, StaffUser
from app.main import routes
from tests.conftest import PASSWORD, csrf_token, make_user, sign_in

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _page_routes(app):
    for route in routes():
        if not route.path.startswith("/api/"):
            for method in route.methods & UNSAFE:
                yield method, route.path


def _concrete(path: str) -> str:
    return path.replace("{user_id}", "1").replace("{session_id}", "1").replace("{token_id}", "1").replace("{role}", "moderator").replace("{concern_id}", "1")


def test_every_unsafe_page_route_refuses_a_request_without_token(app, admin_client):
    routes = list(_page_routes(app))
    assert len(routes) >= 10  # the test would prove nothing if it found no routes
    for method, path in routes:
        response = admin_client.request(method, _concrete(path), data={"x": "1"}, follow_redirects=False)
        assert response.status_code == 403, f"{method} {path} accepted a request without CSRF token"
        assert "This form could not be sent" in response.text


def test_every_unsafe_page_route_refuses_a_cross_site_request_even_with_token(app, admin_client):
    token = csrf_token(admin_client, "/staff")
    for method, path in _page_routes(app):
        response = admin_client.request(
            method, _concrete(path), data={"csrf_token": token}, headers={"Sec-Fetch-Site": "cross-site"}, follow_redirects=False
        )
        assert response.status_code == 403, f"{method} {path} accepted a cross-site request"


def test_a_foreign_origin_is_refused(admin_client):
    token = csrf_token(admin_client, "/account")
    response = admin_client.post(
        "/account/signout-everywhere", data={"csrf_token": token}, headers={"Origin": "https://evil.example"}, follow_redirects=False
    )
    assert response.status_code == 403


def test_same_origin_with_the_form_field_is_accepted(admin_client):
    token = csrf_token(admin_client, "/account")
    response = admin_client.post(
        "/account/signout-everywhere",
        data={"csrf_token": token},
        headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_the_htmx_header_is_accepted(admin_client, session):
    moderator = make_user(session, "hdrmod", [Role.MODERATOR], trained=False)
    token = csrf_token(admin_client, f"/admin/users/{moderator.id}")
    response = admin_client.post(
        f"/admin/users/{moderator.id}/training/moderator", headers={"X-CSRF-Token": token, "HX-Request": "true"}
    )
    assert response.status_code == 200


def test_a_token_from_another_session_is_refused(app, session):
    from tests.conftest import english_client

    make_user(session, "alice1", [Role.ADMIN])
    make_user(session, "bob111", [Role.ADMIN])
    with english_client(app) as alice, english_client(app) as bob:
        sign_in(alice, "alice1")
        sign_in(bob, "bob111")
        alice_token = csrf_token(alice, "/account")
        response = bob.post("/account/signout-everywhere", data={"csrf_token": alice_token}, follow_redirects=False)
        assert response.status_code == 403


def test_sign_in_form_needs_its_token_and_nothing_is_written_without_it(client, session):
    make_user(session, "teacher", [Role.FACILITATOR])
    response = client.post("/signin", data={"username": "teacher", "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 403
    assert "yimi_session" not in client.cookies


def test_the_pre_sign_in_token_does_not_survive_sign_in(client, session):
    make_user(session, "teacher", [Role.FACILITATOR])
    anonymous_token = csrf_token(client, "/signin")
    sign_in(client, "teacher")
    response = client.post("/signout", data={"csrf_token": anonymous_token}, follow_redirects=False)
    assert response.status_code == 403


@pytest.mark.parametrize("header", ["same-site", "cross-site"])
def test_sec_fetch_site_other_than_same_origin_is_refused(client, session, header):
    make_user(session, "teacher", [Role.FACILITATOR])
    token = csrf_token(client, "/signin")
    response = client.post(
        "/signin", data={"username": "teacher", "password": PASSWORD, "csrf_token": token}, headers={"Sec-Fetch-Site": header}
    )
    assert response.status_code == 403
    user = session.exec(select(StaffUser).where(StaffUser.username == "teacher")).one()
    assert user.failed_sign_ins == 0  # refused before anything was counted or written


def test_the_json_api_does_not_accept_session_cookies(admin_client):
    """The API uses bearer tokens only, so a cookie can never make it act (and it needs no CSRF token)."""
    response = admin_client.get("/api/v1/accounts/me")
    assert response.status_code == 401
