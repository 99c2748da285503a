"""Administrators create staff, assign roles, record training (PAR-10), reset passwords, deactivate."""

from sqlmodel import select

from app.accounts import actions, service
from app.accounts.models import Role, StaffUser
from app.accounts.permissions import Permission, can
from app.core.audit import AuditEvent
from tests.conftest import PASSWORD, csrf_token, make_user, post_form, sign_in


def _actions(session, user):
    return session.exec(select(AuditEvent.action).where(AuditEvent.subject_id == str(user.id))).all()


def test_admin_creates_a_user_who_must_choose_a_password(admin_client, session, app):
    from tests.conftest import english_client

    response = post_form(admin_client, "/admin/users", {"username": "Chen.Li", "display_name": "陈老师", "roles": ["facilitator"]}, page="/admin/users/new")
    assert response.status_code == 200
    assert "shown only once" in response.text
    user = service.get_by_username(session=session, username="chen.li")
    assert user is not None and [r.role for r in user.roles] == ["facilitator"]
    temporary = response.text.split("<code>")[1].split("</code>")[0]
    with english_client(app) as newcomer:
        token = csrf_token(newcomer)
        first = newcomer.post("/signin", data={"username": "chen.li", "password": temporary, "csrf_token": token}, follow_redirects=False)
        assert first.headers["location"] == "/account/password?required=1"
        # Every staff page sends them back to choose a password first.
        assert newcomer.get("/staff", follow_redirects=False).headers["location"] == "/account/password?required=1"
        changed = post_form(
            newcomer, "/account/password",
            {"current_password": temporary, "new_password": "a new long password", "confirm_password": "a new long password"},
            page="/account/password",
        )
        assert changed.headers["location"] == "/account?done=password_changed"
        assert newcomer.get("/staff").status_code == 200
    assert "staff.create" in _actions(session, user) and "staff.password_changed" in _actions(session, user)


def test_a_taken_username_is_refused_and_the_form_keeps_what_was_typed(admin_client, session):
    make_user(session, "taken", [Role.ANALYST])
    response = post_form(admin_client, "/admin/users", {"username": "taken", "display_name": "Second Person", "roles": ["analyst"]}, page="/admin/users/new")
    assert response.status_code == 409
    assert "already taken" in response.text and 'value="Second Person"' in response.text


def test_a_bad_username_gets_a_clear_message(admin_client):
    response = post_form(admin_client, "/admin/users", {"username": "a b", "display_name": "X Y"}, page="/admin/users/new")
    assert response.status_code == 422 and "A username has 3 to 64 characters" in response.text


def test_untrained_moderator_cannot_act_until_training_is_recorded(admin_client, session, admin):
    """PAR-10: moderator, safeguarding officer and official roles wait for a training record."""
    moderator = make_user(session, "newmod", [Role.MODERATOR], trained=False)
    assert not can(moderator, Permission.MODERATE)
    page = admin_client.get(f"/admin/users/{moderator.id}")
    assert "training not recorded" in page.text
    response = post_form(admin_client, f"/admin/users/{moderator.id}/training/moderator", {"note": "Course 2026-11"}, page=f"/admin/users/{moderator.id}")
    assert response.status_code == 303
    session.expire_all()
    moderator = session.get(StaffUser, moderator.id)
    assert can(moderator, Permission.MODERATE)
    assert "staff.training_recorded" in _actions(session, moderator)


def test_untrained_roles_are_shown_as_waiting_on_the_staff_home(client, session):
    make_user(session, "official1", [Role.OFFICIAL], trained=False)
    sign_in(client, "official1")
    page = client.get("/staff")
    assert "waiting for training record" in page.text


def test_facilitator_and_analyst_need_no_training(session):
    for role, permission in ((Role.FACILITATOR, Permission.CORPS_FACILITATE), (Role.ANALYST, Permission.INSIGHTS_READ)):
        user = make_user(session, f"no-training-{role.value}", [role], trained=False)
        assert can(user, permission)


def test_training_via_htmx_updates_the_roles_block_in_place(admin_client, session):
    moderator = make_user(session, "htmxmod", [Role.MODERATOR], trained=False)
    token = csrf_token(admin_client, f"/admin/users/{moderator.id}")
    response = admin_client.post(
        f"/admin/users/{moderator.id}/training/moderator",
        data={"note": ""},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section class="card" id="roles"')
    assert "<html" not in response.text and "training recorded" in response.text


def test_roles_are_changed_and_audited(admin_client, session):
    user = make_user(session, "changing", [Role.ANALYST])
    post_form(admin_client, f"/admin/users/{user.id}/roles", {"roles": ["facilitator", "analyst"]}, page=f"/admin/users/{user.id}")
    session.expire_all()
    assert sorted(r.role for r in session.get(StaffUser, user.id).roles) == ["analyst", "facilitator"]
    post_form(admin_client, f"/admin/users/{user.id}/roles", {"roles": ["facilitator"]}, page=f"/admin/users/{user.id}")
    session.expire_all()
    assert [r.role for r in session.get(StaffUser, user.id).roles] == ["facilitator"]
    assert _actions(session, user).count("staff.roles") == 2


def test_the_last_administrator_cannot_be_removed(admin_client, session, admin):
    response = post_form(admin_client, f"/admin/users/{admin.id}/roles", {"roles": ["analyst"]}, page=f"/admin/users/{admin.id}")
    assert response.status_code == 409 and "at least one active administrator" in response.text
    session.expire_all()
    assert "admin" in [r.role for r in session.get(StaffUser, admin.id).roles]


def test_admin_cannot_deactivate_themselves(admin_client, admin):
    response = post_form(admin_client, f"/admin/users/{admin.id}/active", {"active": "0"}, page=f"/admin/users/{admin.id}")
    assert response.status_code == 409


def test_deactivation_ends_sessions_and_tokens(admin_client, session, app, admin):
    from tests.conftest import english_client

    user = make_user(session, "leaving", [Role.ANALYST])
    _, raw = actions.issue_token(session=session, actor=admin, user=user, name="script")
    with english_client(app) as theirs:
        sign_in(theirs, "leaving")
        post_form(admin_client, f"/admin/users/{user.id}/active", {"active": "0"}, page=f"/admin/users/{user.id}")
        assert theirs.get("/staff", follow_redirects=False).status_code == 303
        assert theirs.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    assert "staff.deactivate" in _actions(session, user)


def test_password_reset_gives_a_temporary_password_and_ends_sessions(admin_client, session, app):
    from tests.conftest import english_client

    user = make_user(session, "forgetful", [Role.ANALYST])
    with english_client(app) as theirs:
        sign_in(theirs, "forgetful")
        response = post_form(admin_client, f"/admin/users/{user.id}/password-reset", page=f"/admin/users/{user.id}")
        assert response.status_code == 200 and "Password reset" in response.text
        assert theirs.get("/staff", follow_redirects=False).status_code == 303
        temporary = response.text.split("<code>")[1].split("</code>")[0]
        token = csrf_token(theirs)
        old = theirs.post("/signin", data={"username": "forgetful", "password": PASSWORD, "csrf_token": token}, follow_redirects=False)
        assert old.status_code == 400
        new = theirs.post("/signin", data={"username": "forgetful", "password": temporary, "csrf_token": token}, follow_redirects=False)
        assert new.headers["location"] == "/account/password?required=1"


def test_admin_unlocks_a_locked_account(admin_client, session):
    import datetime as dt

    user = make_user(session, "locked1", [Role.ANALYST])
    user.locked_until = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    session.add(user)
    session.commit()
    assert "Unlock" in admin_client.get(f"/admin/users/{user.id}").text
    post_form(admin_client, f"/admin/users/{user.id}/unlock", page=f"/admin/users/{user.id}")
    session.expire_all()
    assert session.get(StaffUser, user.id).locked_until is None


def test_user_list_filters_and_serves_an_htmx_fragment(admin_client, session):
    make_user(session, "alice.wang", [Role.ANALYST])
    make_user(session, "bob.zhao", [Role.FACILITATOR])
    full = admin_client.get("/admin/users?q=alice")
    assert "<html" in full.text and "alice.wang" in full.text and "bob.zhao" not in full.text
    fragment = admin_client.get("/admin/users?role=facilitator", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and 'id="results"' in fragment.text
    assert "bob.zhao" in fragment.text and "alice.wang" not in fragment.text


def test_change_password_rejects_a_wrong_current_password_and_mismatch(client, session):
    make_user(session, "careful", [Role.ANALYST])
    sign_in(client, "careful")
    wrong = post_form(client, "/account/password", {"current_password": "nope", "new_password": "abcdefghijk1", "confirm_password": "abcdefghijk1"}, page="/account/password")
    assert wrong.status_code == 422 and "current password is not right" in wrong.text
    mismatch = post_form(client, "/account/password", {"current_password": PASSWORD, "new_password": "abcdefghijk1", "confirm_password": "abcdefghijk2"}, page="/account/password")
    assert mismatch.status_code == 422 and "not the same" in mismatch.text
    short = post_form(client, "/account/password", {"current_password": PASSWORD, "new_password": "short", "confirm_password": "short"}, page="/account/password")
    assert short.status_code == 422 and "at least 10 characters" in short.text


def test_an_administrator_cannot_change_their_own_roles_or_reset_their_own_password(admin_client, session, admin):
    make_user(session, "second-admin", [Role.ADMIN])
    response = post_form(admin_client, f"/admin/users/{admin.id}/roles", {"roles": ["admin", "analyst"]}, page=f"/admin/users/{admin.id}")
    assert response.status_code == 409 and "cannot change your own roles" in response.text
    session.expire_all()
    assert [r.role for r in session.get(StaffUser, admin.id).roles] == ["admin"]
    reset = post_form(admin_client, f"/admin/users/{admin.id}/password-reset", page=f"/admin/users/{admin.id}")
    assert reset.status_code == 409 and "use your account page" in reset.text
