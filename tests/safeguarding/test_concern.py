"""SG-07: an on-site facilitator raises a concern about a child of their own group; a case opens with the
facilitator's words and the officers are alerted; another group's child is "not found"; other roles are refused."""

from sqlmodel import select

from app.accounts.models import Role
from app.safeguarding.models import SafeguardingCase
from tests.conftest import make_user, post_form, sign_in
from tests.corps.tablet_helpers import classroom


def test_a_facilitator_raises_a_concern_and_a_case_opens(client, session):
    room = classroom(session, size=1)
    child = room.children[0][0]
    make_user(session, "officer1", [Role.SAFEGUARDING_OFFICER])
    sign_in(client, room.facilitator.username)
    page = client.get(f"/corps/children/{child.id}")
    assert "Worried about this child?" in page.text
    assert post_form(client, f"/corps/children/{child.id}/concern", {"text": "  "}, page=f"/corps/children/{child.id}").status_code == 422
    response = post_form(client, f"/corps/children/{child.id}/concern", {"text": "孩子手臂上有淤青，说是家里人打的"}, page=f"/corps/children/{child.id}")
    assert response.status_code == 303 and response.headers["location"].endswith("done=concern_sent")
    case = session.exec(select(SafeguardingCase)).one()
    assert (case.source, case.child_id, case.opened_by_id) == ("facilitator", child.id, room.facilitator.id)
    assert case.words == "孩子手臂上有淤青，说是家里人打的"


def test_only_the_childs_own_facilitator_can_raise_it(client, session):
    room = classroom(session, size=1)
    other = classroom(session, size=0, code="class-b", facilitator="teacher2")
    child = room.children[0][0]
    sign_in(client, other.facilitator.username)
    assert post_form(client, f"/corps/children/{child.id}/concern", {"text": "担心"}, page="/staff").status_code == 404
    client.post("/signout", follow_redirects=False)
    make_user(session, "official9", [Role.OFFICIAL])
    sign_in(client, "official9")
    assert post_form(client, f"/corps/children/{child.id}/concern", {"text": "担心"}, page="/staff").status_code == 403
    assert session.exec(select(SafeguardingCase)).all() == []
