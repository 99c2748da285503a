"""The shared tablet: a facilitator opens it for a group; children sign in with their picture code; the
lock-out is counted in the database; staff pages are out of reach; nothing about a child stays (SEC-08)."""

import datetime as dt

from sqlmodel import select

from app.core.audit import AuditEvent
from app.corps.models import Child, ChildSession, ChildStatus, GroupSession
from tests.conftest import csrf_token, english_client, make_user, post_form
from tests.corps.tablet_helpers import classroom, open_tablet, tap_code, wrong_code


def test_facilitator_opens_a_tablet_that_shows_only_their_groups_avatars(client, session):
    room = classroom(session, size=2)
    other = classroom(session, size=1, code="class-b", facilitator="teacher2", nicknames=["Moonbeam"])
    open_tablet(client, room)
    grid = client.get("/tablet")
    assert grid.status_code == 200
    for child, _ in room.children:
        assert child.display_name in grid.text
    assert other.children[0][0].display_name not in grid.text


def test_staff_pages_are_unreachable_from_the_tablet(client, session):
    room = classroom(session)
    open_tablet(client, room)
    for path in ("/staff", "/account", "/admin/users", f"/corps/groups/{room.group.id}"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/tablet", path
    # The staff sign-in page leads back to the tablet too.
    assert client.get("/signin", follow_redirects=False).headers["location"] == "/tablet"


def test_a_facilitator_cannot_open_a_tablet_for_another_group(client, session):
    room = classroom(session)
    other = classroom(session, size=1, code="class-b", facilitator="teacher2", nicknames=["Moonbeam"])
    from tests.conftest import sign_in

    sign_in(client, room.facilitator.username)
    response = post_form(client, f"/corps/groups/{other.group.id}/tablet", {"hours": "2"})
    assert response.status_code == 404
    assert "yimi_tablet" not in client.cookies


def test_a_child_signs_in_with_three_pictures_and_sees_their_home(client, session):
    room = classroom(session)
    open_tablet(client, room)
    child, code = room.children[0]
    response = tap_code(client, child, code)
    assert response.status_code == 303 and response.headers["location"] == "/me"
    cookie = response.headers["set-cookie"]
    assert "yimi_child=" in cookie and "HttpOnly" in cookie and "Max-Age" not in cookie and "expires" not in cookie.lower()
    home = client.get("/me")
    assert home.status_code == 200 and child.display_name in home.text and "I'm done" in home.text
    assert f"/static/img/avatars/{child.avatar}.svg" in home.text


def test_the_progress_shows_dots_not_the_pictures_tapped(client, session):
    room = classroom(session)
    open_tablet(client, room)
    child, code = room.children[0]
    token = csrf_token(client, f"/tablet/child/{child.id}")
    response = client.post(f"/tablet/child/{child.id}", data={"csrf_token": token, "entered": "", "pick": code[0]})
    assert response.status_code == 200
    assert "1 of 3 pictures tapped" in response.text
    assert response.text.count('class="dot filled"') == 1


def test_a_wrong_code_gets_a_kind_message_that_never_says_which_picture(client, session):
    room = classroom(session)
    open_tablet(client, room)
    child, code = room.children[0]
    response = tap_code(client, child, wrong_code(code))
    assert response.status_code == 400
    assert "Those pictures are not right" in response.text
    for word in ("Boat", "Sun", "third", "3rd"):
        assert f"{word} was wrong" not in response.text
    session.expire_all()
    assert session.get(Child, child.id).failed_codes == 1
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.subject_id == str(child.id))).all()
    assert "corps.child_code_wrong" in actions


def test_five_wrong_codes_lock_the_child_until_a_facilitator_unlocks(app, client, session):
    room = classroom(session)
    open_tablet(client, room)
    child, code = room.children[0]
    for _ in range(4):
        assert tap_code(client, child, wrong_code(code)).status_code == 400
    fifth = tap_code(client, child, wrong_code(code))
    assert fifth.status_code == 423 and "ask your grown-up" in fifth.text
    # The right code does not help while locked; another tablet sees the lock too (it is in the database).
    with english_client(app) as other_tablet:
        open_tablet(other_tablet, room)
        assert tap_code(other_tablet, child, code).status_code == 423
    session.expire_all()
    locked = session.get(Child, child.id)
    assert locked.failed_codes == 5 and locked.locked_at is not None
    from app.corps import actions as service

    service.unlock(session=session, actor=room.facilitator, child=locked)
    assert tap_code(client, child, code).status_code == 303


def test_im_done_clears_the_child_and_the_next_child_starts_clean(client, session):
    room = classroom(session)
    open_tablet(client, room)
    (first, first_code), (second, second_code) = room.children
    tap_code(client, first, first_code)
    done = post_form(client, "/me/done", page="/me")
    assert done.status_code == 303 and done.headers["location"].startswith("/tablet")
    assert "yimi_child" not in client.cookies
    assert done.headers["clear-site-data"] == '"cache", "storage"'
    assert client.get("/me", follow_redirects=False).status_code == 303
    tap_code(client, second, second_code)
    home = client.get("/me").text
    assert second.display_name in home and first.display_name not in home
    sessions = session.exec(select(ChildSession).order_by(ChildSession.id)).all()
    assert sessions[0].ended_at is not None and sessions[0].end_reason == "done"


def test_a_child_is_signed_out_after_ten_idle_minutes(client, session):
    room = classroom(session)
    open_tablet(client, room)
    child, code = room.children[0]
    tap_code(client, child, code)
    child_session = session.exec(select(ChildSession)).one()
    child_session.last_seen_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10, seconds=1)
    session.add(child_session)
    session.commit()
    response = client.get("/me", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/tablet?away=1"
    assert "we signed you out to keep you safe" in client.get("/tablet?away=1").text


def test_im_still_here_restarts_the_idle_time(client, session):
    room = classroom(session)
    open_tablet(client, room)
    child, code = room.children[0]
    tap_code(client, child, code)
    home = client.get("/me").text
    assert 'data-idle-warn="480"' in home and 'data-idle-end="600"' in home
    child_session = session.exec(select(ChildSession)).one()
    child_session.last_seen_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=9)
    session.add(child_session)
    session.commit()
    token = csrf_token(client, "/me")
    response = client.post("/me/still-here", data={"csrf_token": token}, headers={"HX-Request": "true"})
    assert response.status_code == 204
    session.expire_all()
    assert dt.datetime.now(dt.UTC) - session.get(ChildSession, child_session.id).last_seen_at < dt.timedelta(seconds=5)


def test_the_group_session_ends_on_time(client, session):
    room = classroom(session)
    open_tablet(client, room)
    child, code = room.children[0]
    tap_code(client, child, code)
    group_session = session.exec(select(GroupSession)).one()
    group_session.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    session.add(group_session)
    session.commit()
    assert client.get("/me", follow_redirects=False).status_code == 303
    closed = client.get("/tablet")
    assert "This tablet is not open" in closed.text and child.display_name not in closed.text


def test_ending_the_group_session_needs_a_facilitators_password(client, session):
    room = classroom(session)
    open_tablet(client, room)
    token = csrf_token(client, "/tablet/end")
    wrong = client.post("/tablet/end", data={"csrf_token": token, "username": room.facilitator.username, "password": "not it at all"})
    assert wrong.status_code == 400 and "yimi_tablet" in client.cookies
    stranger = make_user(session, "stranger1")
    other = client.post("/tablet/end", data={"csrf_token": token, "username": stranger.username, "password": "correct horse battery"})
    assert other.status_code == 400
    ended = client.post(
        "/tablet/end", data={"csrf_token": token, "username": room.facilitator.username, "password": "correct horse battery"}, follow_redirects=False
    )
    assert ended.status_code == 303 and "yimi_tablet" not in client.cookies
    assert session.exec(select(GroupSession)).one().ended_at is not None


def test_a_tablet_whose_session_was_ended_elsewhere_says_so(app, client, session):
    room = classroom(session)
    open_tablet(client, room)
    group_session = session.exec(select(GroupSession)).one()
    group_session.ended_at = dt.datetime.now(dt.UTC)
    session.add(group_session)
    session.commit()
    page = client.get("/tablet")
    assert "The group time on this tablet has ended" in page.text
    child, _ = room.children[0]
    assert client.get(f"/tablet/child/{child.id}", follow_redirects=False).headers["location"] == "/tablet"


def test_an_unknown_child_gets_a_clear_message(client, session):
    room = classroom(session)
    open_tablet(client, room)
    response = client.get("/tablet/child/999999")
    assert response.status_code == 404 and "We could not find you on this tablet" in response.text


def test_paused_and_left_children_are_not_on_the_grid(client, session):
    room = classroom(session, size=1)
    paused = classroom(session, size=1, code="class-c", facilitator="teacher3", status=ChildStatus.PAUSED, nicknames=["Pebble"])
    open_tablet(client, room)
    assert paused.children[0][0].display_name not in client.get("/tablet").text


def test_a_child_awaiting_consent_signs_in_but_is_told_to_wait(client, session):
    room = classroom(session, size=1, status=ChildStatus.AWAITING_CONSENT)
    open_tablet(client, room)
    child, code = room.children[0]
    tap_code(client, child, code)
    assert "Waiting for your grown-up" in client.get("/me").text


def test_forms_on_the_tablet_switch_autofill_off(client, session):
    room = classroom(session)
    open_tablet(client, room)
    child, _ = room.children[0]
    assert 'autocomplete="off"' in client.get(f"/tablet/child/{child.id}").text
    assert 'autocomplete="off"' in client.get("/tablet/end").text


def test_a_child_cannot_reach_staff_pages(client, session, app):
    room = classroom(session)
    with english_client(app) as phone:
        # A 14-17-year-old on their own phone (no tablet): staff pages still need a staff sign-in.
        from app.corps import actions as service
        from app.corps.models import ChildCreate

        teen, _ = service.enrol(session=session, actor=room.facilitator, group=room.group, data=ChildCreate(display_name="Rocket", birth_year=2010, birth_month=1))
        code = service.issue_personal_code(session=session, actor=room.facilitator, child=teen)
        token = csrf_token(phone, "/young")
        signed = phone.post("/young", data={"csrf_token": token, "code": code}, follow_redirects=False)
        assert signed.status_code == 303 and signed.headers["location"] == "/me"
        assert "Rocket" in phone.get("/me").text
        for path in ("/staff", "/admin/users", f"/corps/groups/{room.group.id}"):
            assert phone.get(path, follow_redirects=False).headers["location"].startswith("/signin")


def test_child_routes_need_a_signed_in_child_and_staff_routes_refuse_children(app, client, session):
    """The permission matrix for a signed-in child: the child's own pages need the child's session;
    every staff page refuses a child (it asks for a staff sign-in)."""
    from app.main import routes
    from tests.accounts.test_permission_matrix import CHILD, _permission_of

    room = classroom(session)
    admin = make_user(session, "matrix-admin", [])
    from tests.conftest import sign_in

    sign_in(client, admin.username)
    for path in CHILD:
        if path == "/me":
            assert client.get(path, follow_redirects=False).headers["location"] == "/tablet?away=1"
    client.cookies.clear()
    open_tablet(client, room)
    child, code = room.children[0]
    tap_code(client, child, code)
    for route in routes():
        if _permission_of(route) is None or route.path.startswith("/api/") or "GET" not in route.methods:
            continue
        path = route.path.replace("{group_id}", str(room.group.id)).replace("{child_id}", str(child.id)).replace(
            "{user_id}", str(room.facilitator.id)
        ).replace("{session_id}", "1").replace("{token_id}", "1").replace("{role}", "moderator")
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, f"a child reached {path}"
        assert response.headers["location"] in ("/tablet",) or response.headers["location"].startswith("/signin"), path
