"""A child's real identity: kept apart and encrypted, readable only by administrators and safeguarding
officers, every read and change logged with who, when and why (SEC-02, SEC-03)."""

import pytest
from sqlmodel import select

from app.accounts.models import Role
from app.core.audit import AuditEvent
from tests.conftest import csrf_token, make_user, post_form, sign_in
from tests.corps.staff_helpers import make_child, make_group


def _identity_events(session):
    return session.exec(select(AuditEvent).where(AuditEvent.action.startswith("corps.identity"))).all()


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.MODERATOR, Role.ANALYST, Role.FACILITATOR])
def test_officials_never_see_a_childs_real_identity(client, session, role):
    user = make_user(session, "someone", [role])
    group = make_group(session, facilitators=[user] if role == Role.FACILITATOR else [])
    child, _ = make_child(session, group, real_name="王小明")
    sign_in(client, "someone")
    assert client.get(f"/corps/children/{child.id}/identity").status_code == 403
    token = csrf_token(client, "/staff")
    read = client.post(f"/corps/children/{child.id}/identity", data={"csrf_token": token, "reason": "I would like to know"})
    assert read.status_code == 403 and "王小明" not in read.text
    edit = client.post(f"/corps/children/{child.id}/identity/edit", data={"csrf_token": token, "real_name": "x", "reason": "overwrite it"})
    assert edit.status_code == 403
    if role == Role.FACILITATOR:
        assert "王小明" not in client.get(f"/corps/children/{child.id}").text
    assert _identity_events(session) == []


def test_identity_read_requires_a_reason_and_is_logged(admin_client, session, admin):
    group = make_group(session)
    child, _ = make_child(session, group, real_name="王小明")
    page = admin_client.get(f"/corps/children/{child.id}/identity")
    assert page.status_code == 200 and "Why do you need to see it?" in page.text and "王小明" not in page.text
    refused = post_form(admin_client, f"/corps/children/{child.id}/identity", {"reason": "  "}, page=f"/corps/children/{child.id}/identity")
    assert refused.status_code == 422 and "Please say why you need to see this" in refused.text and "王小明" not in refused.text
    assert _identity_events(session) == []
    shown = post_form(admin_client, f"/corps/children/{child.id}/identity", {"reason": "Guardian phoned about a safeguarding report"}, page=f"/corps/children/{child.id}/identity")
    assert shown.status_code == 200 and "王小明" in shown.text
    (event,) = _identity_events(session)
    assert event.action == "corps.identity_read" and event.actor_id == str(admin.id) and event.subject_id == str(child.id)
    assert event.data["reason"] == "Guardian phoned about a safeguarding report" and event.at is not None


def test_safeguarding_officer_reads_the_identity_of_a_child_in_any_group(client, session):
    officer = make_user(session, "guardian-angel", [Role.SAFEGUARDING_OFFICER])
    group = make_group(session)
    child, _ = make_child(session, group, real_name="王小明")
    sign_in(client, "guardian-angel")
    assert client.get(f"/corps/children/{child.id}").status_code == 404  # the pseudonymous page is for the group's staff
    page = client.get(f"/corps/children/{child.id}/identity")
    assert page.status_code == 200 and "小星星" in page.text
    shown = post_form(client, f"/corps/children/{child.id}/identity", {"reason": "Safeguarding case 12"}, page=f"/corps/children/{child.id}/identity")
    assert "王小明" in shown.text
    assert _identity_events(session)[0].actor_id == str(officer.id)
    assert client.get("/corps/children/999999/identity").status_code == 404


def test_a_child_without_a_recorded_identity_says_so(admin_client, session):
    child, _ = make_child(session, make_group(session))
    shown = post_form(admin_client, f"/corps/children/{child.id}/identity", {"reason": "checking the record"}, page=f"/corps/children/{child.id}/identity")
    assert "No real name is recorded." in shown.text


def test_changing_the_identity_needs_a_reason_and_is_logged(admin_client, session, admin):
    child, _ = make_child(session, make_group(session), real_name="王小明")
    path = f"/corps/children/{child.id}/identity/edit"
    refused = post_form(admin_client, path, {"real_name": "王晓明", "notes": "spelling", "reason": ""}, page=f"/corps/children/{child.id}/identity")
    assert refused.status_code == 422 and 'value="王晓明"' in refused.text and "Please say why" in refused.text
    saved = post_form(admin_client, path, {"real_name": "王晓明", "notes": "Name spelt as on the school register", "reason": "Guardian corrected the spelling"}, page=f"/corps/children/{child.id}/identity")
    assert saved.status_code == 303 and saved.headers["location"] == f"/corps/children/{child.id}/identity?done=identity_saved"
    after = admin_client.get(saved.headers["location"])
    assert "The identity record is saved." in after.text and "王晓明" not in after.text  # reading it again needs a new reason
    (event,) = _identity_events(session)
    assert event.action == "corps.identity_update" and event.data["reason"] == "Guardian corrected the spelling"
    shown = post_form(admin_client, f"/corps/children/{child.id}/identity", {"reason": "check the correction"}, page=f"/corps/children/{child.id}/identity")
    assert "王晓明" in shown.text and "Name spelt as on the school register" in shown.text
