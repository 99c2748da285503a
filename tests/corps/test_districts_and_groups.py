"""Administrators manage districts, groups and facilitators; a facilitator sees only their own groups;
other staff see none. Participation rates never show answers."""

import pytest
from sqlmodel import select

from app.accounts.models import Role
from app.core.audit import AuditEvent
from app.corps import actions
from app.corps.models import District, Group, GroupFacilitator
from tests.conftest import make_user, post_form, sign_in
from tests.corps.staff_helpers import make_child, make_group


def test_admin_adds_a_district_and_sees_it_listed(admin_client, session):
    response = post_form(admin_client, "/corps/districts", {"code": "Panlong", "name_zh": "盘龙区", "name_en": "Panlong District"}, page="/corps/districts")
    assert response.status_code == 303 and response.headers["location"] == "/corps/districts?done=district_created"
    page = admin_client.get(response.headers["location"])
    assert "盘龙区" in page.text and "Panlong District" in page.text and "The district is added." in page.text
    assert session.exec(select(District.code)).all() == ["panlong"]


def test_a_district_without_a_chinese_name_is_refused_and_the_form_keeps_what_was_typed(admin_client, session):
    response = post_form(admin_client, "/corps/districts", {"code": "panlong", "name_zh": "", "name_en": "Panlong"}, page="/corps/districts")
    assert response.status_code == 422
    assert "Please give the Chinese name." in response.text and 'value="panlong"' in response.text and 'value="Panlong"' in response.text
    assert session.exec(select(District)).all() == []


def test_a_taken_district_code_is_refused(admin_client, session):
    make_group(session)
    response = post_form(admin_client, "/corps/districts", {"code": "wuhua", "name_zh": "五华"}, page="/corps/districts")
    assert response.status_code == 409 and "The code wuhua is already used." in response.text


def test_admin_creates_a_group_in_a_district(admin_client, session):
    district = actions.ensure_district(session=session, actor=None, code="wuhua", name={"zh_Hans": "五华区", "en": "Wuhua District"})
    page = admin_client.get("/corps/groups")
    assert "New group" in page.text and "Observer corps squad" in page.text
    response = post_form(
        admin_client, "/corps/groups",
        {"district_id": str(district.id), "code": "green-leaf", "name_zh": "绿叶观察小队", "name_en": "Green Leaf squad", "kind": "squad"},
        page="/corps/groups",
    )
    group = session.exec(select(Group)).one()
    assert response.status_code == 303 and response.headers["location"] == f"/corps/groups/{group.id}?done=group_created"
    page = admin_client.get(response.headers["location"])
    assert "Green Leaf squad" in page.text and "Wuhua District" in page.text and "Observer corps squad" in page.text
    listed = admin_client.get("/corps/groups")
    assert "Green Leaf squad" in listed.text and "Wuhua District" in listed.text


def test_a_group_without_a_district_or_kind_is_refused_with_a_clear_message(admin_client, session):
    actions.ensure_district(session=session, actor=None, code="wuhua", name={"zh_Hans": "五华区"})
    response = post_form(admin_client, "/corps/groups", {"district_id": "", "code": "abc", "name_zh": "一班", "kind": "squad"}, page="/corps/groups")
    assert response.status_code == 422 and "Please choose a district." in response.text and 'value="abc"' in response.text
    response = post_form(admin_client, "/corps/groups", {"district_id": "999999", "code": "abc", "name_zh": "一班", "kind": "squad"}, page="/corps/groups")
    assert response.status_code == 422 and "Please choose a district." in response.text
    district = session.exec(select(District)).one()
    response = post_form(admin_client, "/corps/groups", {"district_id": str(district.id), "code": "abc", "name_zh": "一班", "kind": "club"}, page="/corps/groups")
    assert response.status_code == 422 and "Please choose what kind of group this is." in response.text
    assert session.exec(select(Group)).all() == []


def test_the_group_list_shows_district_kind_and_number_of_children(admin_client, session):
    group = make_group(session)
    make_child(session, group, "小星星")
    make_child(session, group, "Sunny")
    page = admin_client.get("/corps/groups")
    row = page.text.split(f'href="/corps/groups/{group.id}"')[1].split("</tr>")[0]
    assert "Wuhua District" in row and "School class" in row and "<td>2</td>" in row


def test_facilitator_sees_only_their_own_groups(client, session):
    teacher = make_user(session, "teacher1", [Role.FACILITATOR])
    mine = make_group(session, "class-a", facilitators=[teacher], name="我的班")
    theirs = make_group(session, "class-b", name="别人的班")
    child, _ = make_child(session, theirs, "Sunny")
    sign_in(client, "teacher1")
    listed = client.get("/corps/groups")
    assert "Group class-a" in listed.text and "Group class-b" not in listed.text
    assert "New group" not in listed.text  # creating groups is for administrators
    assert client.get(f"/corps/groups/{mine.id}").status_code == 200
    # Another facilitator's group and children are not found, not merely forbidden.
    assert client.get(f"/corps/groups/{theirs.id}").status_code == 404
    assert client.get(f"/corps/children/{child.id}").status_code == 404
    assert client.get(f"/corps/groups/{theirs.id}/children/new").status_code == 404
    assert post_form(client, f"/corps/children/{child.id}/unlock").status_code == 404


@pytest.mark.parametrize("role", [Role.ANALYST, Role.MODERATOR, Role.OFFICIAL, Role.SAFEGUARDING_OFFICER])
def test_staff_who_are_not_admins_or_facilitators_see_no_groups_and_no_children(client, session, role):
    group = make_group(session)
    child, _ = make_child(session, group)
    make_user(session, "someone", [role])
    sign_in(client, "someone")
    listed = client.get("/corps/groups")
    assert listed.status_code == 200 and "You do not look after any group yet." in listed.text and "Group class-a" not in listed.text
    assert client.get(f"/corps/groups/{group.id}").status_code == 404
    assert client.get(f"/corps/children/{child.id}").status_code == 404
    assert client.get(f"/corps/groups/{group.id}/import").status_code == 404
    assert client.get("/corps/districts").status_code == 403


def test_admin_assigns_facilitators_who_then_see_the_group(admin_client, session, app):
    from tests.conftest import english_client

    group = make_group(session)
    teacher = make_user(session, "teacher1", [Role.FACILITATOR])
    make_user(session, "analyst1", [Role.ANALYST])
    page = admin_client.get(f"/corps/groups/{group.id}")
    assert "Teacher1" in page.text and "Analyst1" not in page.text  # only staff with the facilitator role are offered
    response = post_form(admin_client, f"/corps/groups/{group.id}/facilitators", {"user_ids": [str(teacher.id)]}, page=f"/corps/groups/{group.id}")
    assert response.status_code == 303 and response.headers["location"] == f"/corps/groups/{group.id}?done=facilitators_saved"
    assert session.exec(select(GroupFacilitator.user_id)).all() == [teacher.id]
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "corps.facilitators")).first() is not None
    with english_client(app) as teacher_client:
        sign_in(teacher_client, "teacher1")
        assert "Group class-a" in teacher_client.get("/corps/groups").text


def test_assigning_facilitators_with_htmx_updates_the_facilitators_block_in_place(admin_client, session):
    group = make_group(session)
    teacher = make_user(session, "teacher1", [Role.FACILITATOR])
    response = post_form(
        admin_client, f"/corps/groups/{group.id}/facilitators", {"user_ids": [str(teacher.id)]},
        page=f"/corps/groups/{group.id}", headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section class="card" id="facilitators"')
    assert "Facilitators saved." in response.text and "<html" not in response.text
    assert f'value="{teacher.id}" checked' in response.text


def test_only_facilitators_can_be_assigned_to_a_group(admin_client, session):
    group = make_group(session)
    analyst = make_user(session, "analyst1", [Role.ANALYST])
    response = post_form(admin_client, f"/corps/groups/{group.id}/facilitators", {"user_ids": [str(analyst.id)]}, page=f"/corps/groups/{group.id}")
    assert response.status_code == 422 and "These people are not facilitators: analyst1." in response.text
    assert session.exec(select(GroupFacilitator)).all() == []


def test_facilitators_cannot_assign_facilitators_or_create_groups(client, session):
    teacher = make_user(session, "teacher1", [Role.FACILITATOR])
    group = make_group(session, facilitators=[teacher])
    sign_in(client, "teacher1")
    page = client.get(f"/corps/groups/{group.id}")
    assert "Save facilitators" not in page.text
    assert post_form(client, f"/corps/groups/{group.id}/facilitators", {"user_ids": [str(teacher.id)]}).status_code == 403
    district = session.exec(select(District)).one()
    assert post_form(client, "/corps/groups", {"district_id": str(district.id), "code": "new-one", "name_zh": "新", "kind": "squad"}).status_code == 403


def test_only_the_groups_own_facilitator_is_offered_a_tablet(client, session, app):
    from tests.conftest import english_client

    teacher = make_user(session, "teacher1", [Role.FACILITATOR])
    make_user(session, "boss", [Role.ADMIN])
    group = make_group(session, facilitators=[teacher])
    sign_in(client, "teacher1")
    page = client.get(f"/corps/groups/{group.id}")
    assert f'action="/corps/groups/{group.id}/tablet"' in page.text
    assert '<option value="2" selected>2 hours</option>' in page.text
    with english_client(app) as admin_client:
        sign_in(admin_client, "boss")
        assert "/tablet" not in admin_client.get(f"/corps/groups/{group.id}").text


def test_participation_rates_never_show_answers(client, session):
    teacher = make_user(session, "teacher1", [Role.FACILITATOR])
    group = make_group(session, facilitators=[teacher])
    first, _ = make_child(session, group, "小星星")
    make_child(session, group, "Sunny")
    actions.set_status(session=session, actor=teacher, child=first, status="active")
    sign_in(client, "teacher1")
    page = client.get(f"/corps/groups/{group.id}")
    taking_part = page.text.split('id="participation-title"')[1].split("</section>")[0]
    assert '<span class="figure">2</span> children in the group' in taking_part
    assert '<span class="figure">1</span> Active' in taking_part and '<span class="figure">1</span> Awaiting consent' in taking_part
    assert '<span class="figure">0</span> signed in during the last 30 days' in taking_part
    assert "never shows anyone what a child answered" in taking_part
    assert "小星星" not in taking_part and "Sunny" not in taking_part  # counts only, nobody by name


def _scoped_routes(methods: set[str]):
    """Corps pages for administrators and facilitators alike (STAFF_AREA): the service scopes them."""
    from app.accounts.deps import staff
    from app.accounts.permissions import Permission
    from app.main import routes

    for route in routes():
        declared = [d.call.permission for d in route.dependant.dependencies if isinstance(d.call, staff)]
        if route.path.startswith("/corps/") and declared == [Permission.STAFF_AREA] and ("{group_id}" in route.path or "{child_id}" in route.path):
            for method in route.methods & methods:
                yield method, route.path


def test_every_group_and_child_page_is_not_found_for_staff_outside_the_group(app, session):
    from tests.conftest import csrf_token, english_client

    teacher = make_user(session, "teacher1", [Role.FACILITATOR])
    outsider = make_user(session, "teacher2", [Role.FACILITATOR])
    make_user(session, "analyst1", [Role.ANALYST])
    make_user(session, "boss", [Role.ADMIN])
    group = make_group(session, facilitators=[teacher])
    make_group(session, "class-b", facilitators=[outsider])
    child, _ = make_child(session, group)
    pages, actions = list(_scoped_routes({"GET"})), list(_scoped_routes({"POST"}))
    assert len(pages) >= 4 and len(actions) >= 6  # the test would prove nothing if it found no routes

    def concrete(path: str) -> str:
        return path.replace("{group_id}", str(group.id)).replace("{child_id}", str(child.id))

    for username, expected in (("teacher1", 200), ("boss", 200), ("teacher2", 404), ("analyst1", 404)):
        with english_client(app) as browser:
            sign_in(browser, username)
            for _, page in pages:
                assert browser.get(concrete(page)).status_code == expected, f"{username} GET {page}"
            if expected == 404:
                token = csrf_token(browser, "/staff")
                for method, action in actions:
                    response = browser.request(method, concrete(action), data={"csrf_token": token, "status": "left"})
                    assert response.status_code == 404, f"{username} {method} {action}"
    session.refresh(child)
    assert child.status == "awaiting_consent"  # nothing an outsider sent changed anything
