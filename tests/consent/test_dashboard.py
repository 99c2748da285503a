"""The guardian's dashboard (CON-07, DP-*): states and history per purpose, withdrawal in one step, the
child's data as JSON, and rights requests that staff answer with reasons within 15 working days."""

import datetime as dt
import json
import re
import subprocess

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.accounts import actions as accounts
from app.consent import actions as consent_actions
from app.consent import rights
from app.consent import service as consent
from app.consent.files import load_notice_versions
from app.consent.models import (
    ConsentEvent,
    DecidedBy,
    Decision,
    Guardian,
    Purpose,
    RightsRequest,
    RightsStatus,
)
from app.core.audit import AuditEvent
from app.core.config import get_settings
from app.core.db import utcnow
from app.corps.models import ChildIdentity
from tests.conftest import post_form
from tests.consent.test_guardian_path import AGREE_BUT_NO_QUOTE, TOKEN, _decide, _signed_in_guardian
from tests.corps.tablet_helpers import Classroom, classroom

EMAIL = "other.guardian@example.org"


@pytest.fixture
def room(session: Session) -> Classroom:
    consent_actions.sync_notices(session=session, versions=load_notice_versions())
    return classroom(session, size=2)


def _post(client: TestClient, path: str, data: dict | None = None, page: str = "/guardian/home"):  # noqa: ANN202
    token = TOKEN.search(client.get(page).text).group(1)
    return client.post(path, data={**(data or {}), "csrf_token": token}, follow_redirects=False)


def test_the_dashboard_shows_each_child_state_history_and_the_responsible_person(app, session, room, monkeypatch):
    monkeypatch.setattr(get_settings(), "pi_officer_name", "李老师")
    monkeypatch.setattr(get_settings(), "pi_officer_contact", "privacy@yimi.example")
    child = room.children[0][0]
    with _signed_in_guardian(app, session, room) as client:
        assert _decide(client, child, AGREE_BUT_NO_QUOTE).status_code == 303
        page = client.get("/guardian/home")
    assert page.status_code == 200
    text = page.text
    assert child.display_name in text and "Class 4-2" in text
    assert "Agreed" in text and "Not agreed" in text
    assert "History of the decisions" in text and text.count("(a guardian)") == len(Purpose)
    assert "children-privacy" in text  # the notice version agreed to
    assert f"/guardian/children/{child.id}/consent" in text  # change the decisions
    assert f"/guardian/children/{child.id}/export.json" in text and f"/guardian/children/{child.id}/erase" in text
    assert "李老师" in text and "privacy@yimi.example" in text
    assert room.children[1][0].display_name not in text  # not this guardian's child


def test_without_a_session_the_dashboard_sends_you_to_the_start(client):
    response = client.get("/guardian/home", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/guardian?expired=1")


def test_withdrawal_asks_once_and_stops_processing_at_once(app, session, room):
    child = room.children[0][0]
    with _signed_in_guardian(app, session, room) as client:
        assert _decide(client, child, AGREE_BUT_NO_QUOTE).status_code == 303
        session.expire_all()
        consent.record(session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.GRANTED,
                       decided_by=DecidedBy.CHILD_ASSENT, channel="tablet")
        session.commit()
        assert consent.allows(session=session, child=child, purpose=Purpose.PARTICIPATE)
        # Issue 18: asked once, saying what happens, with two equal buttons; nothing changes before "yes".
        ask = _post(client, f"/guardian/children/{child.id}/withdraw", {"purpose": "participate"})
        assert ask.status_code == 200 and "What happens" in ask.text and "You can agree again at any time" in ask.text
        assert 'class="button">Yes, withdraw<' in ask.text and 'class="button" href="/guardian/home">No, keep it<' in ask.text
        session.expire_all()
        assert consent.allows(session=session, child=child, purpose=Purpose.PARTICIPATE)
        response = _post(client, f"/guardian/children/{child.id}/withdraw", {"purpose": "participate", "confirm": "yes"})
        assert response.status_code == 303 and response.headers["location"] == "/guardian/home?done=consent_withdrawn"
        page = client.get(response.headers["location"])
        assert "Withdrawn" in page.text
        # A purpose that is not agreed has nothing to withdraw, and nothing is recorded.
        refused = _post(client, f"/guardian/children/{child.id}/withdraw", {"purpose": "quote"})
        assert refused.status_code == 409 and "nothing to withdraw" in refused.text
    session.expire_all()
    assert not consent.allows(session=session, child=child, purpose=Purpose.PARTICIPATE)
    with pytest.raises(consent.ConsentRequired):
        consent.require(session=session, child=child, purpose=Purpose.PARTICIPATE)
    last = consent.history(session=session, child=child, purpose=Purpose.PARTICIPATE)[-1]
    assert (last.decision, last.decided_by) == (Decision.WITHDRAWN.value, DecidedBy.GUARDIAN.value)
    assert len(consent.history(session=session, child=child, purpose=Purpose.QUOTE)) == 1
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "consent.withdrawn")).one()


def test_a_guardian_cannot_act_on_another_childs_data(app, session, room):
    other = room.children[1][0]
    with _signed_in_guardian(app, session, room) as client:
        assert client.get(f"/guardian/children/{other.id}/export.json").status_code == 404
        assert client.get(f"/guardian/children/{other.id}/rights").status_code == 404
        assert client.get(f"/guardian/children/{other.id}/erase").status_code == 404
        assert _post(client, f"/guardian/children/{other.id}/withdraw", {"purpose": "participate"}).status_code == 404
        assert _post(client, f"/guardian/children/{other.id}/erase").status_code == 404


def test_the_export_holds_the_childs_data_and_never_the_other_guardians_contact(app, session, room):
    child = room.children[0][0]
    session.add(ChildIdentity(child_id=child.id, real_name="王小明", notes="喜欢画画"))
    session.commit()
    with _signed_in_guardian(app, session, room, contact=EMAIL) as other:
        assert _decide(other, child, AGREE_BUT_NO_QUOTE).status_code == 303
    with _signed_in_guardian(app, session, room) as client:
        assert _decide(client, child, AGREE_BUT_NO_QUOTE).status_code == 303
        assert _post(client, f"/guardian/children/{child.id}/rights", {"kind": "explain", "text": "为什么需要出生年月？"},
                     page=f"/guardian/children/{child.id}/rights").status_code == 303
        response = client.get(f"/guardian/children/{child.id}/export.json")
        # The same data on a page a person can read and print (issue 18), each part under a heading.
        readable = client.get(f"/guardian/children/{child.id}/export")
        pdf = client.get(f"/guardian/children/{child.id}/export.pdf")
    assert readable.status_code == 200 and readable.headers["cache-control"] == "no-store"
    for heading in ("The child", "History of the decisions", "Guardians linked to the child", "Your requests", "Messages sent to you"):
        assert f">{heading}</h2>" in readable.text, heading
    assert "王小明" in readable.text and "为什么需要出生年月？" in readable.text and EMAIL not in readable.text
    # …and as a PDF to keep, with the same words (read back by poppler's pdftotext).
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and "attachment" in pdf.headers["content-disposition"]
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True).stdout.decode().replace("\n", "")
    assert "王小明" in text and "为什么需要出生年月？" in text and "History of the decisions" in text and EMAIL not in text
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "attachment" in response.headers["content-disposition"]
    assert EMAIL not in response.text and "other.guardian" not in response.text
    data = json.loads(response.text)
    assert data["child"]["nickname"] == child.display_name and data["child"]["id"] == child.id
    assert data["group"]["name"]["en"] == "Class 4-2"
    assert data["identity"]["real_name"] == "王小明" and data["identity"]["notes"] == "喜欢画画"
    assert len(data["consent_events"]) == 2 * len(Purpose)
    assert {s["purpose"] for s in data["consent_states"]} == {p.value for p in Purpose}
    mine = [g for g in data["guardianships"] if g["you"]]
    theirs = [g for g in data["guardianships"] if not g["you"]]
    assert len(mine) == 1 and mine[0]["contact"] == "13800138000" and len(theirs) == 1 and "contact" not in theirs[0]
    assert {"action", "at"} == set(data["audit_events"][0]) and "corps.child_enrol" in {a["action"] for a in data["audit_events"]}
    assert data["rights_requests"][0]["text"] == "为什么需要出生年月？"
    assert data["messages_to_you"] and {"kind", "status", "created_at", "sent_at"} == set(data["messages_to_you"][0])
    exports = session.exec(select(AuditEvent).where(AuditEvent.action == "consent.data_export")).all()
    assert [e.subject_id for e in exports] == [str(child.id)] * 3  # the JSON, the page and the PDF, each audited


def test_fifteen_working_days_skip_weekends(settings):
    shanghai = dt.timezone(dt.timedelta(hours=8))
    monday = dt.datetime(2026, 11, 30, 9, 0, tzinfo=shanghai)
    assert rights.add_working_days(monday) == dt.datetime(2026, 12, 21, 9, 0, tzinfo=shanghai)
    friday = dt.datetime(2026, 12, 4, 17, 0, tzinfo=shanghai)
    assert rights.add_working_days(friday) == dt.datetime(2026, 12, 25, 17, 0, tzinfo=shanghai)
    saturday = dt.datetime(2026, 12, 5, 10, 0, tzinfo=shanghai)
    assert rights.add_working_days(saturday) == dt.datetime(2026, 12, 25, 10, 0, tzinfo=shanghai)
    assert rights.add_working_days(saturday, 1) == dt.datetime(2026, 12, 7, 10, 0, tzinfo=shanghai)


def _file(client: TestClient, child_id: int, kind: str, text: str):  # noqa: ANN202
    return _post(client, f"/guardian/children/{child_id}/rights", {"kind": kind, "text": text}, page=f"/guardian/children/{child_id}/rights")


def test_a_rights_request_is_due_in_fifteen_working_days_and_answered_with_reasons(app, session, room, admin):
    child = room.children[0][0]
    with _signed_in_guardian(app, session, room) as client:
        form = client.get(f"/guardian/children/{child.id}/rights?kind=correct")
        assert re.search(r'value="correct" required checked', form.text)
        empty = _file(client, child.id, "correct", "  ")
        assert empty.status_code == 422 and "Nothing was saved" in empty.text
        sent = _file(client, child.id, "correct", "出生月份应该是6月，不是5月。")
        assert sent.status_code == 303
        assert "We will answer within 15 working days" in client.get(sent.headers["location"]).text
    session.expire_all()
    request = session.exec(select(RightsRequest)).one()
    assert request.kind == "correct" and request.status == RightsStatus.OPEN.value
    assert request.due_at == rights.add_working_days(request.created_at)
    raw = session.connection().exec_driver_sql("SELECT text FROM rights_request").scalar_one()
    assert "出生月份" not in raw  # encrypted at rest
    audit_row = session.exec(select(AuditEvent).where(AuditEvent.action == "consent.rights_request")).one()
    assert "出生月份" not in json.dumps(audit_row.data, ensure_ascii=False)

    # An older request, already overdue, comes first and is highlighted.
    guardian = session.exec(select(Guardian)).one()
    old = RightsRequest(child_id=child.id, guardian_id=guardian.id, kind="access", text="请给我看全部数据",
                        created_at=utcnow() - dt.timedelta(days=30), due_at=utcnow() - dt.timedelta(days=9))
    session.add(old)
    session.commit()
    from tests.conftest import english_client, sign_in

    with english_client(app) as staff:
        sign_in(staff, admin.username)
        page = staff.get("/admin/rights")
        assert page.status_code == 200
        assert page.text.index("请给我看全部数据") < page.text.index("出生月份应该是6月")
        overdue_card = page.text[page.text.index(f'id="request-{old.id}"'):page.text.index(f'id="request-{request.id}"')]
        assert f'class="card overdue" id="request-{old.id}"' in page.text and "Overdue" in overdue_card
        assert "Overdue" not in page.text[page.text.index(f'id="request-{request.id}"'):]
        missing = post_form(staff, f"/admin/rights/{request.id}/answer", {"answer": ""}, page="/admin/rights")
        assert missing.status_code == 422
        answered = post_form(staff, f"/admin/rights/{request.id}/answer", {"answer": "已更正为6月：登记时抄错了。"}, page="/admin/rights")
        assert answered.status_code == 303
        again = post_form(staff, f"/admin/rights/{request.id}/answer", {"answer": "再答一次"}, page="/admin/rights")
        assert again.status_code == 409
        assert "/admin/rights" in staff.get("/staff").text
    session.expire_all()
    request = session.get(RightsRequest, request.id)
    assert request.status == RightsStatus.ANSWERED.value and request.answer == "已更正为6月：登记时抄错了。"
    assert request.answered_by_id == admin.id and request.answered_at is not None
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "consent.rights_answered")).one().subject_id == str(request.id)

    with _signed_in_guardian(app, session, room, child=room.children[0][0], contact="13900139000") as other:
        # Another guardian of the same child does not see this guardian's requests.
        assert "出生月份" not in other.get(f"/guardian/children/{child.id}/rights").text


def test_the_guardian_reads_the_answer(app, session, room, admin):
    child = room.children[0][0]
    with _signed_in_guardian(app, session, room) as client:
        assert _file(client, child.id, "explain", "谁能看到评论？").status_code == 303
        session.expire_all()
        request = session.exec(select(RightsRequest)).one()
        consent_actions.answer_rights_request(session=session, actor=admin, request_id=request.id, answer="只有审核员和你。")
        page = client.get(f"/guardian/children/{child.id}/rights")
    assert "谁能看到评论？" in page.text and "只有审核员和你。" in page.text


def test_the_staff_api_lists_and_answers_requests(app, session, room, admin):
    from tests.conftest import english_client, make_user

    child = room.children[0][0]
    with _signed_in_guardian(app, session, room) as client:
        assert _file(client, child.id, "delete", "请删除旧照片的记录").status_code == 303
    _, raw = accounts.issue_token(session=session, actor=admin, user=admin, name="rights")
    moderator = make_user(session, "api-mod", [])
    _, other_raw = accounts.issue_token(session=session, actor=admin, user=moderator, name="rights")
    with english_client(app) as api:
        headers = {"Authorization": f"Bearer {raw}"}
        listed = api.get("/api/v1/consent/rights-requests", headers=headers)
        assert listed.status_code == 200
        [row] = listed.json()
        assert row["kind"] == "delete" and row["text"] == "请删除旧照片的记录" and row["overdue"] is False
        assert api.get("/api/v1/consent/rights-requests", headers={"Authorization": f"Bearer {other_raw}"}).status_code == 403
        answered = api.post(f"/api/v1/consent/rights-requests/{row['id']}/answer", headers=headers, json={"answer": "没有照片记录：Yimi 不收集照片。"})
        assert answered.status_code == 200 and answered.json()["status"] == "answered"
        again = api.post(f"/api/v1/consent/rights-requests/{row['id']}/answer", headers=headers, json={"answer": "again"})
        assert again.status_code == 409
        assert api.get("/api/v1/consent/rights-requests", headers=headers).json() == []
        done = api.get("/api/v1/consent/rights-requests?status=answered", headers=headers).json()
        assert [r["id"] for r in done] == [row["id"]]
    assert session.exec(select(ConsentEvent).where(col(ConsentEvent.child_id) == child.id)).all() == []


def test_after_a_material_change_the_dashboard_says_what_changed_and_asks_again(app, session, room, tmp_path):
    import shutil

    from app.consent.files import NOTICES_DIR

    child = room.children[0][0]
    with _signed_in_guardian(app, session, room) as client:
        assert _decide(client, child, AGREE_BUT_NO_QUOTE).status_code == 303
        assert "please decide again" not in client.get("/guardian/home").text
        root = tmp_path / "notices"
        shutil.copytree(NOTICES_DIR, root)
        new = root / "children-privacy" / "2027-01"
        shutil.copytree(root / "children-privacy" / "2026-11", new)
        for path in new.glob("*.md"):
            text = path.read_text().replace("material_change: false", "material_change: true")
            path.write_text(text.replace("effective_date: 2026-11-29", "effective_date: 2026-11-29").replace(
                "change_summary:\n", "change_summary: Answers are now kept for two years.\n", 1))
        consent_actions.sync_notices(session=session, versions=load_notice_versions(root))
        page = client.get("/guardian/home").text
    assert "please decide again" in page and "Answers are now kept for two years." in page
    assert f"/guardian/children/{child.id}/consent" in page
    assert not consent.allows(session=session, child=child, purpose=Purpose.PARTICIPATE)
