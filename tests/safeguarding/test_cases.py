"""Cases, alerts, escalation and the officer's workflow (SG-01, SG-02, SG-03, SG-04, MP-06, MP-07)."""

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlmodel import select

from app.accounts.models import Role
from app.core import audit
from app.core.audit import AuditEvent
from app.core.errors import InvalidInput
from app.notifications.models import OutboxMessage
from app.safeguarding import actions as sg_actions
from app.safeguarding import service
from app.safeguarding.models import (
    ActionKind,
    CaseSource,
    CaseState,
    SafeguardingAction,
    SafeguardingCase,
)
from tests.conftest import make_user
from tests.corps.tablet_helpers import classroom
from tests.safeguarding.helpers import WORDS, new_case, officer


def _alerts(session, kind: str = "safeguarding_alert") -> list[OutboxMessage]:
    return list(session.exec(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)).all())


@pytest.mark.parametrize("source", list(CaseSource))
def test_a_case_from_each_source_keeps_the_exact_words_encrypted(session, source):
    """SG-03: the exact words, time, child and where they came from; the words encrypted at rest."""
    room = classroom(session, size=1)
    child = room.children[0][0]
    actor = make_user(session, "mod1", [Role.MODERATOR]) if source == CaseSource.MODERATOR else None
    case = new_case(session, child, source=source, consultation_id=7, comment_id=9, actor=actor)
    assert case.number == f"SG-{case.id:05d}" and case.state == CaseState.NEW
    assert (case.child_id, case.group_id, case.consultation_id, case.comment_id) == (child.id, room.group.id, 7, 9)
    assert case.subkinds == ["abuse", "running_away"]
    raw = session.execute(text("SELECT words FROM safeguarding_case WHERE id = :id"), {"id": case.id}).scalar_one()
    assert WORDS not in raw and session.get(SafeguardingCase, case.id).words == WORDS
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "safeguarding.case_opened")).one()
    assert event.data["source"] == source.value and WORDS not in str(event.data)


def test_alerts_go_to_officers_on_duty_without_the_childs_words(session):
    room = classroom(session, size=1, nicknames=["小星星"])
    on_duty = officer(session, "officer1", contact="13800000001", on_duty=True)
    officer(session, "officer2", contact="o2@example.org", channel="email", on_duty=False)
    case = new_case(session, room.children[0][0])
    alerts = _alerts(session)
    assert [m.recipient for m in alerts] == ["13800000001"]
    assert case.number in alerts[0].body
    for message in alerts:
        assert WORDS not in message.body and "小星星" not in message.body and "小星星" not in (message.subject or "")
    assert on_duty.id is not None


def test_with_nobody_on_duty_every_officer_with_a_contact_is_alerted(session):
    officer(session, "officer1", contact="13800000001")
    officer(session, "officer2", contact="o2@example.org", channel="email")
    officer(session, "officer3", contact=None)  # no contact: only the in-app banner
    make_user(session, "admin1", [Role.ADMIN])
    new_case(session)
    assert sorted(m.recipient for m in _alerts(session)) == ["13800000001", "o2@example.org"]
    assert all(m.subject for m in _alerts(session) if m.channel == "email")


def test_escalation_after_the_set_time_once_and_only_once(session):
    """SG-01: not acknowledged within YIMI_SAFEGUARDING_ACK_MINUTES (15) → administrators, exactly once."""
    officer(session)
    admin = make_user(session, "admin1", [Role.ADMIN])
    sg_actions.set_duty(session=session, user=admin, on_duty=True, alert_channel="email", alert_contact="admin@example.org")
    make_user(session, "admin2", [Role.ADMIN])  # no contact: the in-app banner only
    case = new_case(session)
    acknowledged = new_case(session)
    sg_actions.acknowledge(session=session, officer=officer(session, "officer2", contact=None), case=acknowledged)
    start = case.created_at
    assert sg_actions.escalate_due(session=session, now=start + dt.timedelta(minutes=14)) == 0
    assert sg_actions.escalate_due(session=session, now=start + dt.timedelta(minutes=15, seconds=1)) == 1
    assert sg_actions.escalate_due(session=session, now=start + dt.timedelta(minutes=30)) == 0
    session.expire_all()
    assert session.get(SafeguardingCase, case.id).escalated_at is not None
    assert session.get(SafeguardingCase, acknowledged.id).escalated_at is None
    escalations = _alerts(session, "safeguarding_escalation")
    assert [m.recipient for m in escalations] == ["admin@example.org"] and case.number in escalations[0].body
    assert WORDS not in escalations[0].body
    assert len(session.exec(select(AuditEvent).where(AuditEvent.action == "safeguarding.escalated")).all()) == 1
    banner = service.banner(session=session, user=admin)
    assert banner is not None and banner.escalated and banner.count == 1


def test_the_workflow_every_step_timestamped_and_audited(session):
    """SG-04, MP-07: acknowledge → assess → act (emergency, mandatory report with reference, guardian decision) → close."""
    me = officer(session)
    case = new_case(session)
    with pytest.raises(service.NotAcknowledged):
        sg_actions.add_action(session=session, officer=me, case=case, kind=ActionKind.NOTE, note="x")
    assert sg_actions.acknowledge(session=session, officer=me, case=case).first
    sg_actions.add_action(session=session, officer=me, case=case, kind="assessed", assessment="immediate_danger", note="在家有危险")
    sg_actions.add_action(session=session, officer=me, case=case, kind="emergency_110")
    with pytest.raises(service.ReferenceNeeded):
        sg_actions.add_action(session=session, officer=me, case=case, kind="report_police")
    sg_actions.add_action(session=session, officer=me, case=case, kind="report_police", reference="PSB-2026-0042")
    sg_actions.add_action(session=session, officer=me, case=case, kind="guardian_not_contacted", note="监护人可能是伤害来源")
    with pytest.raises(InvalidInput):
        sg_actions.close(session=session, officer=me, case=case, outcome="")
    sg_actions.close(session=session, officer=me, case=case, outcome="referred", note="交给派出所")
    with pytest.raises(service.CaseClosed):
        sg_actions.add_action(session=session, officer=me, case=case, kind="note", note="late")
    kinds = [a.kind for a in service.actions_of(session=session, case=case)]
    assert kinds == ["acknowledged", "assessed", "emergency_110", "report_police", "guardian_not_contacted", "closed"]
    assert case.state == CaseState.CLOSED and case.outcome == "referred" and case.assessment == "immediate_danger"
    audited = [e.action for e in service.audit_trail(session=session, case=case)]
    for step in ("safeguarding.case_opened", "safeguarding.acknowledged", "safeguarding.assessed", "safeguarding.emergency_110",
                 "safeguarding.report_police", "safeguarding.guardian_not_contacted", "safeguarding.closed"):
        assert step in audited, step
    assert audit.verify(session).ok


def test_actions_are_append_only_in_the_database(session):
    me = officer(session)
    case = new_case(session)
    sg_actions.acknowledge(session=session, officer=me, case=case)
    for statement in ("UPDATE safeguarding_action SET kind = 'note'", "DELETE FROM safeguarding_action"):
        with pytest.raises(DatabaseError):
            session.execute(text(statement))
        session.rollback()
    assert len(session.exec(select(SafeguardingAction)).all()) == 1


def test_double_acknowledgement_tells_the_second_officer_who_was_first(session):
    first, second = officer(session, "officer1"), officer(session, "officer2")
    case = new_case(session)
    done = sg_actions.acknowledge(session=session, officer=first, case=case)
    again = sg_actions.acknowledge(session=session, officer=second, case=case)
    assert done.first and not again.first and again.by == first.display_name
    assert session.get(SafeguardingCase, case.id).acknowledged_by_id == first.id
    assert len([a for a in service.actions_of(session=session, case=case) if a.kind == "acknowledged"]) == 1


def test_the_banner_counts_unacknowledged_cases_for_officers_only(session):
    me = officer(session)
    moderator = make_user(session, "mod1", [Role.MODERATOR])
    new_case(session)
    assert service.banner(session=session, user=me).count == 1
    assert service.banner(session=session, user=moderator) is None
    assert service.banner_for(moderator) is None


def test_officers_and_administrators_are_warned_when_an_alert_would_reach_nobody_on_duty(session, client):
    """Issue 18: in the demo no officer was on duty and none had a contact, so a case alerted nobody."""
    from tests.conftest import sign_in

    admin = make_user(session, "admin9", [Role.ADMIN])
    quiet = officer(session, "officer9", contact=None)
    assert service.duty_gap(session=session) == "nobody"
    assert service.banner(session=session, user=admin).duty_gap == "nobody"
    sign_in(client, quiet.username)
    page = client.get("/staff").text
    assert "duty-gap" in page and "a new case would alert nobody" in page
    sg_actions.set_duty(session=session, user=quiet, on_duty=False, alert_channel="sms", alert_contact="13800000009")
    assert service.duty_gap(session=session) == "all"
    sg_actions.set_duty(session=session, user=quiet, on_duty=True, alert_channel="sms", alert_contact="13800000009")
    assert service.duty_gap(session=session) is None
    assert "duty-gap" not in client.get("/staff").text


def test_in_the_demo_a_new_case_alerts_the_officer_on_duty(session):
    from app.demo import DEMO_OFFICER_PHONE, load_demo

    load_demo(session=session)
    assert service.duty_gap(session=session) is None
    recipients = service.alert_recipients(session=session)
    assert [d.alert_contact for _u, d in recipients] == [DEMO_OFFICER_PHONE]
