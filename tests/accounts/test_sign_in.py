"""Staff sign-in and sign-out: server-side sessions, hashed tokens, idle time-out, revocation, lock-out."""

import datetime as dt

from sqlmodel import select

from app.accounts import service
from app.accounts.models import Role, StaffSession, StaffUser
from app.core.audit import AuditEvent
from app.core.security import token_hash
from tests.conftest import PASSWORD, csrf_token, make_user, post_form
from tests.conftest import sign_in_by_form as sign_in  # this file is about signing in: through the page


def _sign_in_attempt(client, username, password):
    token = csrf_token(client, "/signin")
    return client.post("/signin", data={"username": username, "password": password, "csrf_token": token}, follow_redirects=False)


def test_sign_in_sets_an_httponly_samesite_cookie_and_stores_only_its_hash(client, session):
    make_user(session, "teacher", [Role.FACILITATOR])
    response = _sign_in_attempt(client, "teacher", PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/staff"
    cookie = response.headers["set-cookie"]
    assert "yimi_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # only in production
    raw = client.cookies["yimi_session"]
    stored = session.exec(select(StaffSession)).one()
    assert stored.token_hash == token_hash(raw) and raw not in stored.token_hash
    assert "Teacher" in client.get("/staff").text


def test_username_is_case_insensitive(client, session):
    make_user(session, "teacher", [Role.FACILITATOR])
    assert _sign_in_attempt(client, "  TEACHER ", PASSWORD).status_code == 303


def test_wrong_password_says_so_politely_and_keeps_the_username(client, session):
    make_user(session, "teacher", [Role.FACILITATOR])
    response = _sign_in_attempt(client, "teacher", "wrong password")
    assert response.status_code == 400
    assert "That username and password do not match" in response.text
    assert 'value="teacher"' in response.text
    assert "yimi_session" not in client.cookies


def test_unknown_user_gets_the_same_message(client, session):
    response = _sign_in_attempt(client, "nobody", "whatever it is")
    assert response.status_code == 400 and "That username and password do not match" in response.text


def test_empty_form_asks_for_both_fields(client):
    response = _sign_in_attempt(client, "", "")
    assert response.status_code == 400 and "Please enter your username and your password" in response.text


def test_deactivated_user_cannot_sign_in(client, session):
    user = make_user(session, "gone", [Role.ANALYST])
    user.is_active = False
    session.add(user)
    session.commit()
    assert _sign_in_attempt(client, "gone", PASSWORD).status_code == 400


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(client, session):
    make_user(session, "target", [Role.ANALYST])
    for _ in range(4):
        assert _sign_in_attempt(client, "target", "nope nope nope").status_code == 400
    fifth = _sign_in_attempt(client, "target", "nope nope nope")
    assert "locked for 15 minutes" in fifth.text
    # Even the right password is refused while the lock holds.
    right = _sign_in_attempt(client, "target", PASSWORD)
    assert right.status_code == 400 and "locked" in right.text
    session.expire_all()
    user = service.get_by_username(session=session, username="target")
    assert user.locked_until is not None
    assert dt.timedelta(minutes=14) < user.locked_until - dt.datetime.now(dt.UTC) <= dt.timedelta(minutes=15)
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.subject_id == str(user.id))).all()
    assert actions.count("staff.sign_in_failed") == 5 and "staff.locked" in actions


def test_the_lock_is_counted_in_the_database_across_workers(app, session):
    """Two separate app instances (two workers) share the count: 3 failures on one and 2 on the other lock."""
    from app.main import create_app
    from tests.conftest import english_client

    make_user(session, "shared", [Role.ANALYST])
    with english_client(app) as worker_a, english_client(create_app()) as worker_b:
        for _ in range(3):
            _sign_in_attempt(worker_a, "shared", "bad password!")
        for _ in range(2):
            _sign_in_attempt(worker_b, "shared", "bad password!")
        assert "locked" in _sign_in_attempt(worker_a, "shared", PASSWORD).text


def test_failures_older_than_the_window_do_not_count(client, session):
    user = make_user(session, "slow", [Role.ANALYST])
    for _ in range(4):
        _sign_in_attempt(client, "slow", "bad password!")
    session.expire_all()
    user = session.get(StaffUser, user.id)
    user.first_failed_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16)
    session.add(user)
    session.commit()
    assert _sign_in_attempt(client, "slow", "bad password!").status_code == 400
    assert _sign_in_attempt(client, "slow", PASSWORD).status_code == 303


def test_the_lock_ends_after_fifteen_minutes(client, session):
    user = make_user(session, "later", [Role.ANALYST])
    user.locked_until = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    user.failed_sign_ins = 5
    session.add(user)
    session.commit()
    assert _sign_in_attempt(client, "later", PASSWORD).status_code == 303


def test_sign_out_revokes_the_session_server_side(client, session):
    make_user(session, "teacher", [Role.FACILITATOR])
    sign_in(client, "teacher")
    raw = client.cookies["yimi_session"]
    response = post_form(client, "/signout")
    assert response.status_code == 303 and response.headers["location"] == "/signin?done=signed_out"
    stored = session.exec(select(StaffSession).where(StaffSession.token_hash == token_hash(raw))).one()
    assert stored.revoked_at is not None
    # The old cookie, replayed, no longer works.
    client.cookies.set("yimi_session", raw)
    assert client.get("/staff", follow_redirects=False).status_code == 303


def test_idle_session_expires_with_a_message(client, session):
    make_user(session, "idle", [Role.FACILITATOR])
    sign_in(client, "idle")
    stored = session.exec(select(StaffSession)).one()
    stored.last_seen_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31)
    session.add(stored)
    session.commit()
    response = client.get("/staff", follow_redirects=False)
    assert response.status_code == 303 and "expired=1" in response.headers["location"]
    page = client.get(response.headers["location"])
    assert "You were signed out because the page was not used for a while" in page.text
    session.expire_all()
    assert session.get(StaffSession, stored.id).revoked_reason == "idle"


def test_activity_keeps_the_session_alive(client, session):
    make_user(session, "busy", [Role.FACILITATOR])
    sign_in(client, "busy")
    stored = session.exec(select(StaffSession)).one()
    stored.last_seen_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)
    session.add(stored)
    session.commit()
    assert client.get("/staff").status_code == 200
    session.expire_all()
    assert dt.datetime.now(dt.UTC) - session.get(StaffSession, stored.id).last_seen_at < dt.timedelta(minutes=1)


def test_sign_out_everywhere_ends_every_session(app, session):
    from tests.conftest import english_client

    make_user(session, "many", [Role.FACILITATOR])
    with english_client(app) as laptop, english_client(app) as tablet:
        sign_in(laptop, "many")
        sign_in(tablet, "many")
        response = post_form(laptop, "/account/signout-everywhere", page="/account")
        assert response.status_code == 303
        assert tablet.get("/staff", follow_redirects=False).status_code == 303
        assert laptop.get("/staff", follow_redirects=False).status_code == 303


def test_a_user_can_sign_out_one_other_device(app, session):
    from tests.conftest import english_client

    make_user(session, "two", [Role.FACILITATOR])
    with english_client(app) as laptop, english_client(app) as tablet:
        sign_in(laptop, "two")
        sign_in(tablet, "two")
        sessions = session.exec(select(StaffSession).order_by(StaffSession.id)).all()
        tablet_session = sessions[1]
        page = laptop.get("/account")
        assert f"/account/sessions/{tablet_session.id}/revoke" in page.text
        post_form(laptop, f"/account/sessions/{tablet_session.id}/revoke", page="/account")
        assert tablet.get("/staff", follow_redirects=False).status_code == 303
        assert laptop.get("/staff").status_code == 200


def test_next_parameter_only_goes_to_our_own_pages(client, session):
    make_user(session, "teacher", [Role.FACILITATOR])
    token = csrf_token(client, "/signin")
    response = client.post(
        "/signin",
        data={"username": "teacher", "password": PASSWORD, "csrf_token": token, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/staff"


def test_signed_out_visitor_is_sent_to_sign_in_and_back(client, session):
    make_user(session, "teacher", [Role.FACILITATOR])
    response = client.get("/account", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/signin?next=/account"
    token = csrf_token(client, "/signin?next=/account")
    back = client.post("/signin", data={"username": "teacher", "password": PASSWORD, "csrf_token": token, "next": "/account"}, follow_redirects=False)
    assert back.headers["location"] == "/account"


def test_sign_in_events_are_audited(client, session):
    user = make_user(session, "teacher", [Role.FACILITATOR])
    sign_in(client, "teacher")
    post_form(client, "/signout")
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.subject_id == str(user.id))).all()
    assert "staff.sign_in" in actions and "staff.sign_out" in actions
