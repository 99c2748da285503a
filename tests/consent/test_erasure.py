"""Erasure (CON-07, DP-*): after a guardian erases a child's data, no table holds a row referring to the
child (checked by scanning every table of the metadata) except the deletion receipt and the audit log,
and no row anywhere holds the old pseudonym; the receipt lists what was deleted."""

import json
import re

import pytest
from sqlalchemy import JSON
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, func, select

import app.models  # noqa: F401 - every table on SQLModel.metadata
from app.consent import actions as consent_actions
from app.consent import guardians, rights
from app.consent import service as consent
from app.consent.files import load_notice_versions
from app.consent.models import DeletionReceipt, Guardian, GuardianSession, Guardianship, RightsRequest
from app.consultations import answering
from app.consultations import service as consultations
from app.consultations.models import AnswerIn
from app.consultations.models import Channel as ConsultationChannel
from app.core import audit, child_data
from app.core.audit import AuditEvent
from app.corps.models import Child, ChildIdentity, ChildSession, ChildStatus
from app.notifications import service as notifications
from app.notifications.models import Channel, OutboxMessage
from tests.consent.test_guardian_path import AGREE_BUT_NO_QUOTE, TOKEN, _decide, _signed_in_guardian
from tests.consultations.helpers import open_consultation
from tests.corps.tablet_helpers import Classroom, classroom

PSEUDONYM = "小星星"
SECOND_PHONE = "139 0013 9000"


@pytest.fixture
def room(session: Session) -> Classroom:
    consent_actions.sync_notices(session=session, versions=load_notice_versions())
    return classroom(session, size=2, nicknames=[PSEUDONYM, "Sunny"])


def _post(client, path: str, page: str, data: dict | None = None):  # noqa: ANN001, ANN202
    token = TOKEN.search(client.get(page).text).group(1)
    return client.post(path, data={**(data or {}), "csrf_token": token}, follow_redirects=False)


def _holds_a_child(column) -> bool:  # noqa: ANN001
    """A column that names a child: `child_id`, or any foreign key to child.id."""
    return column.name == "child_id" or any(fk.column.table.name == "child" and fk.column.name == "id" for fk in column.foreign_keys)


def test_every_table_holding_a_child_belongs_to_a_registered_domain():
    """A domain that adds a table with a child's data registers it (app/<domain>/child_data.py, imported by
    app/models.py) with what erasure does to it: erased (`tables`) or deliberately kept, with the reason
    (`kept`, e.g. safeguarding records kept by law). Until it does, erasure would leave the child behind."""
    holding = {table.name for table in SQLModel.metadata.sorted_tables if any(_holds_a_child(c) for c in table.columns)}
    erased, kept = child_data.tables(), child_data.kept_tables()
    assert not holding - set(erased) - set(kept), f"tables holding a child's data that no domain registered: {sorted(holding - set(erased) - set(kept))}"
    assert set(erased) | set(kept) <= set(SQLModel.metadata.tables), "registered tables that do not exist"
    assert not set(erased) & set(kept), "a table is both erased and kept"
    assert all(reason.strip() for reason in kept.values()), "every kept table says why"
    # Every domain that erases something counts it on the receipt, and the receipt's lines are each one's.
    for owner in child_data.owners():
        if owner.tables:
            assert owner.erase is not None and owner.count is not None and owner.categories, owner.name
    assert set(child_data.categories()) == set(rights.erasure_categories())


def _references_to(session: Session, child_id: int) -> dict[str, int]:
    """Rows of every table whose `child_id` (or foreign key to child.id) holds the child's id, except in the
    tables a domain registered as deliberately kept (safeguarding records, kept by law)."""
    found = {}
    kept = child_data.kept_tables()
    for table in SQLModel.metadata.sorted_tables:
        if table.name in kept:
            continue
        for column in table.columns:
            if _holds_a_child(column):
                count = session.execute(sa_select(func.count()).select_from(table).where(column == child_id)).scalar_one()
                if count:
                    found[f"{table.name}.{column.name}"] = count
    return found


def _rows_mentioning(session: Session, text: str) -> list[str]:
    """Every row of every table (values decrypted by their column types) that contains `text`."""
    found = []
    for table in SQLModel.metadata.sorted_tables:
        for row in session.execute(sa_select(table)).mappings():
            for name, value in row.items():
                if isinstance(table.c[name].type, JSON) or isinstance(value, dict | list):
                    value = json.dumps(value, ensure_ascii=False, default=str)
                if isinstance(value, str) and text in value:
                    found.append(f"{table.name}.{name}")
    return found


def test_erasure_leaves_nothing_that_refers_to_the_child(app, session, room):
    child, sibling = room.children[0][0], room.children[1][0]
    child_id = child.id
    session.add(ChildIdentity(child_id=child.id, real_name="王小明", notes=f"{PSEUDONYM} 喜欢画画"))
    session.add(ChildSession(child_id=child.id, token_hash="t" * 64, csrf_token="c" * 20))
    session.commit()
    # The second guardian also looks after the sibling, so their account and the sibling's stay.
    with _signed_in_guardian(app, session, room, child=sibling, contact=SECOND_PHONE) as second:
        assert _decide(second, sibling, AGREE_BUT_NO_QUOTE).status_code == 303
    with _signed_in_guardian(app, session, room, child=child, contact=SECOND_PHONE) as second:
        assert _decide(second, child, AGREE_BUT_NO_QUOTE).status_code == 303
    second_guardian = session.exec(select(Guardian).where(Guardian.contact_hash == guardians.contact_hash("phone", "13900139000"))).one()
    notifications.enqueue(session=session, channel=Channel.SMS, recipient="13900139000", kind="consent_changed", locale="zh_Hans",
                          subject=None, body=f"{PSEUDONYM} 的同意已更新。")
    notifications.enqueue(session=session, channel=Channel.SMS, recipient="13900139000", kind="consent_changed", locale="zh_Hans",
                          subject=None, body="Sunny 的同意已更新。")
    session.commit()

    client = _signed_in_guardian(app, session, room, child=child)
    with client:
        assert _decide(client, child, AGREE_BUT_NO_QUOTE).status_code == 303
        home = f"/guardian/children/{child.id}/rights"
        assert _post(client, home, home, {"kind": "delete", "text": f"请删除{PSEUDONYM}的数据"}).status_code == 303
        # The child takes part: answers to a consultation, and a short text that names their pseudonym.
        _answers(session, child, f"我是{PSEUDONYM}，我想要秋千")
        # The scans see the child before the erasure (so their emptiness afterwards means something).
        assert set(_references_to(session, child_id)) == {
            "child_identity.child_id", "child_session.child_id", "guardianship.child_id", "guardian_code.child_id",
            "consent_event.child_id", "consent_state.child_id", "rights_request.child_id",
            "answer.child_id", "comment.child_id", "participation.child_id", "submission.child_id", "moderated_item.child_id",
        }
        assert {"child.display_name", "child_identity.notes", "outbox_message.body", "rights_request.text", "comment.text"} <= set(
            _rows_mentioning(session, PSEUDONYM)
        )
        confirm = client.get(f"/guardian/children/{child.id}/erase")
        assert confirm.status_code == 200
        for label in ("Identity record (real name and notes)", "Consent decisions (history)", "Links between guardians and the child",
                      "Answers to consultations", "Comments and short-text answers", "Sign-ins of the child", "Messages sent to guardians", "This cannot be undone"):
            assert label in confirm.text
        response = _post(client, f"/guardian/children/{child.id}/erase", f"/guardian/children/{child.id}/erase")
        assert response.status_code == 303 and response.headers["location"].startswith("/guardian/erased/")
        assert 'yimi_guardian=""' in response.headers["set-cookie"]  # the first guardian had no other child
        receipt_page = client.get(response.headers["location"])
        assert receipt_page.status_code == 200 and "The data is erased" in receipt_page.text
        assert PSEUDONYM not in receipt_page.text
        assert client.get("/guardian/home", follow_redirects=False).status_code == 303  # signed out

    session.expire_all()
    assert _references_to(session, child_id) == {}
    assert _rows_mentioning(session, PSEUDONYM) == []
    assert _rows_mentioning(session, "王小明") == []

    receipt = session.exec(select(DeletionReceipt)).one()
    assert receipt.child_ref in response.headers["location"] and str(child_id) != receipt.child_ref
    counts = receipt.categories
    assert counts["identity_record"] == 1 and counts["child_sessions"] == 1 and counts["rights_requests"] == 1
    assert counts["answers"] == 5 and counts["comments"] == 1 and counts["participations"] == 1 and counts["submissions"] == 1
    assert counts["consent_events"] == 7 and counts["consent_states"] == 3 and counts["guardianships"] == 2
    assert counts["guardian_codes"] == 2 and counts["one_time_codes"] == 2 and counts["guardian_accounts"] == 1
    # The first guardian's own messages (their one-time code) and the second guardian's message naming the child.
    assert counts["outbox_messages"] == 2 and counts["pseudonym"] == 1
    for key, value in counts.items():
        assert str(value) in receipt_page.text, key

    # The child row stays, pseudonymised, for the audit log and for counts already published.
    erased = session.get(Child, child_id)
    assert erased.display_name == "已删除" and erased.name_key == f"deleted-{child_id}"
    assert erased.status == ChildStatus.LEFT.value and erased.picture_code_hash == "" and erased.personal_code_hash is None
    # The second guardian stays with the sibling; their message about the sibling stays too.
    assert session.get(Guardian, second_guardian.id) is not None
    assert session.exec(select(Guardianship).where(Guardianship.guardian_id == second_guardian.id)).one().child_id == sibling.id
    assert [m.body for m in session.exec(select(OutboxMessage).where(OutboxMessage.kind == "consent_changed"))] == ["Sunny 的同意已更新。"]
    assert consent.allows(session=session, child=sibling, purpose=consent.Purpose.QUOTE) is False
    assert len(consent.history(session=session, child=sibling)) == 3
    assert session.exec(select(func.count()).select_from(Guardian)).one() == 1
    assert session.exec(select(func.count()).select_from(GuardianSession).where(GuardianSession.guardian_id != second_guardian.id)).one() == 0
    assert session.exec(select(RightsRequest)).all() == []

    # The audit log says an erasure happened, with counts only, about the receipt (not the child).
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "consent.erased")).one()
    assert (event.subject_type, event.subject_id) == ("deletion_receipt", str(receipt.id))
    assert event.data["counts"] == counts
    assert audit.verify(session).ok


def _answers(session: Session, child: Child, text: str) -> None:
    """The child says yes too (CON-08) and answers every question of an open consultation, with `text`."""
    consent.record(session=session, child=child, purpose=consent.Purpose.PARTICIPATE, decision=consent.Decision.GRANTED,
                   decided_by=consent.DecidedBy.CHILD_ASSENT, channel="tablet")
    consultation = open_consultation(session)
    questions = consultations.questions_of(session=session, consultation=consultation)
    answers = [AnswerIn(question_id=q.id, skip=True) for q in questions[:-1]] + [AnswerIn(question_id=questions[-1].id, text=text)]
    answering.submit(session=session, child=child, consultation=consultation, answers=answers,
                         key=answering.new_key(child=child, consultation=consultation), channel=ConsultationChannel.TABLET)
    session.commit()


def test_the_receipt_is_found_only_by_its_random_reference(client):
    assert client.get("/guardian/erased/not-a-real-reference").status_code == 404


def test_a_guardian_with_another_child_keeps_their_account_and_the_other_child(app, session, room):
    child, sibling = room.children[0][0], room.children[1][0]
    with _signed_in_guardian(app, session, room, child=sibling) as first:
        assert _decide(first, sibling, AGREE_BUT_NO_QUOTE).status_code == 303
    client = _signed_in_guardian(app, session, room, child=child)
    with client:
        assert _decide(client, child, AGREE_BUT_NO_QUOTE).status_code == 303
        response = _post(client, f"/guardian/children/{child.id}/erase", f"/guardian/children/{child.id}/erase")
        assert response.status_code == 303 and "set-cookie" not in response.headers
        home = client.get("/guardian/home")
        assert home.status_code == 200 and sibling.display_name in home.text and PSEUDONYM not in home.text
        assert client.get(f"/guardian/children/{child.id}/export.json").status_code == 404
        assert re.search(r"Back to your page", client.get(response.headers["location"]).text)
    session.expire_all()
    receipt = session.exec(select(DeletionReceipt)).one()
    assert receipt.categories["guardian_accounts"] == 0 and receipt.categories["guardianships"] == 1
    assert _references_to(session, child.id) == {}
    assert session.exec(select(func.count()).select_from(Guardian)).one() == 1
    assert session.exec(select(Guardianship)).one().child_id == sibling.id
    assert len(consent.history(session=session, child=sibling)) == 3
    # Messages to this guardian that do not name the erased child (their one-time codes) stay.
    assert session.exec(select(func.count()).select_from(OutboxMessage).where(col(OutboxMessage.kind) == "guardian_otp")).one() == 2
