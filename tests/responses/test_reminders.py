"""Issue 17 (PAR-09): the promised date kept. The worker reminds the responsible official 7 days and 1 day
before the response date, and the day after it escalates to the administrators, each once, however many
workers run; a published response stops them. Driven by a clock (`today=`, `now=`), never by sleeping."""

import datetime as dt

from sqlmodel import select

from app.accounts.models import Role
from app.core import jobs
from app.core.audit import AuditEvent
from app.core.config import get_settings
from app.core.db import utcnow
from app.notifications.models import OutboxMessage
from app.responses import actions, reminding
from app.responses.jobs import REMIND
from app.responses.models import Reminder
from tests.conftest import make_user
from tests.responses.helpers import closed_consultation, ready_to_publish


def test_par09_reminders_then_escalation_each_once(session, monkeypatch) -> None:
    monkeypatch.setenv("YIMI_STAFF_EMAIL_DOMAIN", "city.example")
    get_settings.cache_clear()
    actor = make_user(session, "li.wei", [Role.OFFICIAL])
    make_user(session, "admin", [Role.ADMIN])
    consultation = closed_consultation(session, actor, respond_in_days=10)
    due = consultation.respond_by

    def round_on(days_before: int) -> list:  # noqa: ANN001
        today = due - dt.timedelta(days=days_before)
        return actions.send_reminders(session=session, today=today)

    assert round_on(8) == []
    assert round_on(7) == [(consultation.id, "7_days")]
    assert round_on(7) == [] and round_on(6) == []  # once
    assert round_on(1) == [(consultation.id, "1_day")]
    assert round_on(0) == []
    assert round_on(-1) == [(consultation.id, "escalated")]
    assert round_on(-2) == []
    messages = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [m.recipient for m in messages] == ["li.wei@city.example", "li.wei@city.example", "admin@city.example"]
    assert all(f"/consultations/{consultation.id}/responses" in m.body for m in messages)
    assert [r.kind for r in session.exec(select(Reminder).order_by(Reminder.id))] == ["7_days", "1_day", "escalated"]
    actions_audited = [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.action.like("response.%")))]  # type: ignore[attr-defined]
    assert actions_audited == ["response.reminded", "response.reminded", "response.escalated"]


def test_a_missed_day_still_reminds_and_a_late_start_skips_to_the_right_one(session) -> None:
    actor = make_user(session, "official2", [Role.OFFICIAL])
    consultation = closed_consultation(session, actor, respond_in_days=10)
    assert reminding.kind_due(consultation, consultation.respond_by - dt.timedelta(days=5)) == "7_days"
    assert reminding.kind_due(consultation, consultation.respond_by) == "1_day"
    assert reminding.kind_due(consultation, consultation.respond_by + dt.timedelta(days=1)) == "escalated"
    # without a staff mail domain: recorded and audited, no message
    assert actions.send_reminders(session=session, today=consultation.respond_by - dt.timedelta(days=1)) == [(consultation.id, "1_day")]
    assert session.exec(select(OutboxMessage)).all() == []


def test_published_or_open_consultations_are_not_reminded(session) -> None:
    actor = make_user(session, "official3", [Role.OFFICIAL])
    consultation = closed_consultation(session, actor, respond_in_days=3)
    ready_to_publish(session, actor, consultation)
    actions.publish(session=session, actor=actor, consultation=consultation)
    assert actions.send_reminders(session=session, today=consultation.respond_by + dt.timedelta(days=1)) == []


def test_the_worker_runs_the_job_on_its_clock(session) -> None:
    actor = make_user(session, "official4", [Role.OFFICIAL])
    consultation = closed_consultation(session, actor, respond_in_days=30)
    now = dt.datetime.combine(consultation.respond_by - dt.timedelta(days=7), dt.time(9), tzinfo=dt.UTC)
    for _ in range(2):  # two workers, the same slot: one job
        jobs.enqueue_periodic(session, now=now, kinds=[REMIND])
    job = jobs.claim(session, worker="w1", kinds=[REMIND], now=now)
    assert job is not None
    jobs.run(session, job, now=now)
    assert jobs.claim(session, worker="w2", kinds=[REMIND], now=now) is None
    assert [r.kind for r in session.exec(select(Reminder))] == ["7_days"]
    later = now + dt.timedelta(hours=1)
    jobs.enqueue_periodic(session, now=later, kinds=[REMIND])
    jobs.run(session, jobs.claim(session, worker="w1", kinds=[REMIND], now=later), now=later)
    assert len(session.exec(select(Reminder)).all()) == 1  # once
    assert utcnow()  # the real clock was never needed
