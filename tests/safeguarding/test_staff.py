"""Case pages, API and re-identification: officers act, administrators read, every other role is refused
(SG-03, SG-04); every re-identification is logged with its reason."""

import pytest
from sqlmodel import select

from app.accounts import actions as accounts
from app.accounts.models import Role
from app.core.audit import AuditEvent
from app.corps.models import ChildIdentity
from app.safeguarding import actions as sg_actions
from app.safeguarding import service
from app.safeguarding.models import Reidentification, SafeguardingCase
from tests.conftest import english_client, make_user, post_form, sign_in
from tests.corps.tablet_helpers import classroom
from tests.safeguarding.helpers import WORDS, new_case, officer

OTHERS = [Role.ADMIN, Role.OFFICIAL, Role.MODERATOR, Role.FACILITATOR, Role.ANALYST]


@pytest.fixture
def case(session):  # noqa: ANN001, ANN201
    room = classroom(session, size=1, nicknames=["小星星"])
    child = room.children[0][0]
    session.add(ChildIdentity(child_id=child.id, real_name="王小明", notes="住在五华区"))
    session.commit()
    return new_case(session, child)


def test_an_officer_acknowledges_records_a_report_and_closes_on_the_pages(app, session, case):
    me = officer(session)
    with english_client(app) as client:
        sign_in(client, me.username)
        staff_home = client.get("/staff")
        assert "1 safeguarding case waits for you" in staff_home.text
        page = client.get(f"/safeguarding/cases/{case.id}")
        assert page.status_code == 200 and WORDS in page.text and "小星星" in page.text and "王小明" not in page.text
        # Issue 18: the group by its name, and every figure with its label (no "1 / 2").
        from app.corps.models import Group

        group = session.get(Group, case.group_id)
        assert group is not None and f"<dd>{group.name['en']}</dd>" in page.text
        assert " / " not in page.text.split('class="sg-facts"')[1].split("</dl>")[0]
        assert post_form(client, f"/safeguarding/cases/{case.id}/acknowledge", page="/safeguarding").status_code == 303
        assert "safeguarding case waits" not in client.get("/staff").text
        missing = post_form(client, f"/safeguarding/cases/{case.id}/actions", {"kind": "report_police"}, page="/safeguarding")
        assert missing.status_code == 422 and "reference number" in missing.text
        done = post_form(client, f"/safeguarding/cases/{case.id}/actions", {"kind": "report_police", "reference": "PSB-42"}, page="/safeguarding")
        assert done.status_code == 303
        closed = post_form(client, f"/safeguarding/cases/{case.id}/close", {"outcome": "referred", "note": "ok"}, page="/safeguarding")
        assert closed.status_code == 303
        page = client.get(f"/safeguarding/cases/{case.id}")
        assert "PSB-42" in page.text and "Closed" in page.text and 'action="/safeguarding/cases' not in page.text


def test_the_second_officer_is_told_who_acknowledged_first(app, session, case):
    first, second = officer(session, "officer1"), officer(session, "officer2")
    sg_actions.acknowledge(session=session, officer=first, case=case)
    with english_client(app) as client:
        sign_in(client, second.username)
        response = post_form(client, f"/safeguarding/cases/{case.id}/acknowledge", page="/safeguarding")
        assert response.status_code == 409 and "Officer1 acknowledged this case first" in response.text


def test_administrators_read_cases_but_cannot_act(app, session, case):
    admin = make_user(session, "admin1", [Role.ADMIN])
    with english_client(app) as client:
        sign_in(client, admin.username)
        page = client.get(f"/safeguarding/cases/{case.id}")
        assert page.status_code == 200 and WORDS in page.text and "Acknowledge" not in page.text
        assert client.get("/safeguarding/reidentifications").status_code == 200
        assert post_form(client, f"/safeguarding/cases/{case.id}/acknowledge", page="/safeguarding").status_code == 403
        assert client.get(f"/safeguarding/cases/{case.id}/identity").status_code == 403
        assert post_form(client, f"/safeguarding/cases/{case.id}/identity", {"reason": "just curious"}, page="/safeguarding").status_code == 403


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.MODERATOR, Role.FACILITATOR, Role.ANALYST])
def test_every_other_role_is_refused_the_case_pages(app, session, case, role):
    user = make_user(session, f"user-{role.value}", [role])
    with english_client(app) as client:
        sign_in(client, user.username)
        for path in ("/safeguarding", f"/safeguarding/cases/{case.id}", "/safeguarding/reidentifications", "/safeguarding/duty"):
            assert client.get(path).status_code == 403, path
        assert WORDS not in client.get(f"/safeguarding/cases/{case.id}").text


def test_reidentification_needs_a_reason_is_logged_and_ends_with_the_case(app, session, case):
    me = officer(session)
    with english_client(app) as client:
        sign_in(client, me.username)
        refused = post_form(client, f"/safeguarding/cases/{case.id}/identity", {"reason": ""}, page="/safeguarding")
        assert refused.status_code == 422 and "王小明" not in refused.text
        shown = post_form(client, f"/safeguarding/cases/{case.id}/identity", {"reason": "报警需要孩子的真实姓名"}, page="/safeguarding")
        assert shown.status_code == 200 and "王小明" in shown.text and "住在五华区" in shown.text
        log = client.get("/safeguarding/reidentifications")
        assert "报警需要孩子的真实姓名" in log.text and case.number in log.text
    row = session.exec(select(Reidentification)).one()
    assert (row.case_id, row.officer_id, row.reason) == (case.id, me.id, "报警需要孩子的真实姓名")
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "safeguarding.reidentified")).one()
    assert event.actor_id == str(me.id) and event.data["reason"] == "报警需要孩子的真实姓名"
    sg_actions.acknowledge(session=session, officer=me, case=case)
    sg_actions.close(session=session, officer=me, case=case, outcome="supported")
    with pytest.raises(service.ReidentificationRefused):
        sg_actions.reidentify(session=session, officer=me, case=case, reason="after closing")
    with english_client(app) as client:
        sign_in(client, me.username)
        assert client.get(f"/safeguarding/cases/{case.id}/identity").status_code == 403
        closed = post_form(client, f"/safeguarding/cases/{case.id}/identity", {"reason": "after closing"}, page="/safeguarding")
        assert closed.status_code == 403 and "王小明" not in closed.text
    assert len(session.exec(select(Reidentification)).all()) == 1


def _token(session, admin, user) -> dict[str, str]:  # noqa: ANN001
    _, raw = accounts.issue_token(session=session, actor=admin, user=user, name="t")
    return {"Authorization": f"Bearer {raw}"}


def test_the_api_for_officers_read_only_for_administrators_refused_to_others(app, session, case):
    admin = make_user(session, "admin1", [Role.ADMIN])
    me = officer(session)
    with english_client(app) as client:
        headers = _token(session, admin, me)
        listed = client.get("/api/v1/safeguarding/cases", headers=headers).json()
        assert [c["number"] for c in listed] == [case.number]
        full = client.get(f"/api/v1/safeguarding/cases/{case.id}", headers=headers).json()
        assert full["words"] == WORDS and full["pseudonym"] == "小星星" and "real_name" not in full
        ack = client.post(f"/api/v1/safeguarding/cases/{case.id}/acknowledge", headers=headers).json()
        assert ack["first"] is True and ack["acknowledged_by"] == me.display_name
        again = client.post(f"/api/v1/safeguarding/cases/{case.id}/acknowledge", headers=headers).json()
        assert again["first"] is False
        bad = client.post(f"/api/v1/safeguarding/cases/{case.id}/actions", headers=headers, json={"kind": "report_education"})
        assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
        action = client.post(f"/api/v1/safeguarding/cases/{case.id}/actions", headers=headers,
                             json={"kind": "report_education", "reference": "EDU-7"})
        assert action.status_code == 201 and action.json()["reference"] == "EDU-7"
        assert client.post(f"/api/v1/safeguarding/cases/{case.id}/reidentify", headers=headers, json={"reason": ""}).status_code == 422
        who = client.post(f"/api/v1/safeguarding/cases/{case.id}/reidentify", headers=headers, json={"reason": "mandatory report"})
        assert who.json()["real_name"] == "王小明"
        log = client.get("/api/v1/safeguarding/reidentifications", headers=headers).json()
        assert log[0]["reason"] == "mandatory report" and log[0]["case_number"] == case.number
        closed = client.post(f"/api/v1/safeguarding/cases/{case.id}/close", headers=headers, json={"outcome": "referred"})
        assert closed.json()["state"] == "closed"
        assert client.post(f"/api/v1/safeguarding/cases/{case.id}/reidentify", headers=headers,
                           json={"reason": "after closing"}).status_code == 403

        admin_headers = _token(session, admin, admin)
        assert client.get(f"/api/v1/safeguarding/cases/{case.id}", headers=admin_headers).status_code == 200
        assert client.get("/api/v1/safeguarding/reidentifications", headers=admin_headers).status_code == 200
        assert client.post(f"/api/v1/safeguarding/cases/{case.id}/reidentify", headers=admin_headers,
                           json={"reason": "admin wants to know"}).status_code == 403
        for role in OTHERS[1:]:
            other = make_user(session, f"api-{role.value}", [role])
            other_headers = _token(session, admin, other)
            assert client.get(f"/api/v1/safeguarding/cases/{case.id}", headers=other_headers).status_code == 403
            assert client.post(f"/api/v1/safeguarding/cases/{case.id}/reidentify", headers=other_headers,
                               json={"reason": "mandatory report"}).status_code == 403
    schema = app.openapi()
    assert "/api/v1/safeguarding/cases/{case_id}/reidentify" in schema["paths"]


def test_an_officer_sets_duty_and_contact(app, session):
    me = officer(session, contact=None)
    with english_client(app) as client:
        sign_in(client, me.username)
        missing = post_form(client, "/safeguarding/duty", {"on_duty": "1", "alert_channel": "sms", "alert_contact": ""}, page="/safeguarding")
        assert missing.status_code == 422
        saved = post_form(client, "/safeguarding/duty", {"on_duty": "1", "alert_channel": "sms", "alert_contact": "13800000009"}, page="/safeguarding")
        assert saved.status_code == 303
    duty = service.duty_of(session=session, user=me)
    assert duty.on_duty and duty.alert_contact == "13800000009"


def test_a_guardians_erasure_keeps_the_case(app, session, case):
    """Kept by law (ROMO 38(2), MPL 80; PIPL 47): the case and its child reference survive, the child row is
    pseudonymised, and the guardian's receipt does not mention the case (the guardian may be the harm)."""
    from app.consent import actions as consent_actions
    from app.consent import rights

    child_id = case.child_id
    child = session.get(rights.Child, child_id)
    receipt = consent_actions.erase_child(session=session, child=child, requested_by="guardian", actor=("guardian", "1"))
    session.expire_all()
    kept = session.get(SafeguardingCase, case.id)
    assert kept.child_id == child_id and kept.words == WORDS
    assert not any("safeguard" in key for key in receipt.categories)
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "safeguarding.kept_through_erasure")).one().subject_id == str(case.id)
