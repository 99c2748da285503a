"""Delivery: the worker sends e-mail through a real SMTP server and SMS through a real HTTP gateway, backs
off after a failure and gives up after five tries, and two workers never send one message twice."""

import threading
from collections import Counter

from sqlalchemy import text
from sqlmodel import Session, select

from app.core.audit import AuditEvent
from app.core.db import get_engine, utcnow
from app.notifications import actions, service
from app.notifications.models import OutboxMessage
from tests.conftest import on_postgres
from tests.notifications.conftest import GATEWAY_KEY, SMTP_USER, queue_email, queue_sms


def _reload(session: Session, message: OutboxMessage) -> OutboxMessage:
    session.expire_all()
    return session.get_one(OutboxMessage, message.id)


def _make_due(session: Session) -> None:
    """Time passes: every back-off is over."""
    session.execute(text("UPDATE outbox_message SET next_attempt_at = :now WHERE status = 'queued'"), {"now": utcnow().replace(tzinfo=None)})
    session.commit()


def test_an_e_mail_reaches_the_smtp_server_in_utf_8(session, real_backends, smtp_server):
    message = queue_email(session, to="guardian@example.org", body="您好！\n您的验证码是 482913，十分钟内有效。")
    assert actions.deliver_due(session=session) == 1
    (sender, recipients, email), = smtp_server.received
    assert sender == "noreply@yimi.example" and recipients == ["guardian@example.org"]
    assert email["Subject"] == "一米：您的验证码" and email["To"] == "guardian@example.org"
    assert "您的验证码是 482913" in email.get_content()
    assert smtp_server.logins == [SMTP_USER]
    sent = _reload(session, message)
    assert sent.status == "sent" and sent.attempts == 1 and sent.sent_at is not None and sent.last_error is None


def test_an_sms_reaches_the_gateway_with_its_key(session, real_backends, sms_gateway):
    queue_sms(session, phone="13812348000", body="一米验证码 482913")
    assert actions.deliver_due(session=session) == 1
    assert sms_gateway.received == [{"to": "13812348000", "text": "一米验证码 482913"}]
    assert sms_gateway.refused == 0


def test_a_wrong_gateway_key_is_a_failure_that_keeps_the_message(session, real_backends, sms_gateway, monkeypatch):
    from app.core.config import get_settings

    monkeypatch.setenv("YIMI_SMS_GATEWAY_KEY", "not-" + GATEWAY_KEY)
    get_settings.cache_clear()
    message = queue_sms(session)
    assert actions.deliver_due(session=session) == 0
    assert sms_gateway.refused == 1 and not sms_gateway.received
    failed = _reload(session, message)
    assert failed.status == "failed" and failed.last_error == "sms gateway: HTTP 401"  # the gateway will never take it


def test_failures_back_off_and_end_as_failed_after_five_tries(session, real_backends, sms_gateway):
    sms_gateway.answer = 503
    message = queue_sms(session, phone="13812348000", body="一米验证码 482913")
    waits = []
    for attempt in range(1, 6):
        before = utcnow()
        result = actions.deliver_round(session=session)
        assert result.claimed == 1 and result.sent == 0
        current = _reload(session, message)
        assert current.attempts == attempt
        if attempt < 5:
            assert current.status == "queued"
            waits.append(round((current.next_attempt_at - before).total_seconds() / 60))
            assert actions.deliver_due(session=session) == 0  # not due again before the back-off ends
            _make_due(session)
    assert waits == [2, 4, 8, 16]
    assert current.status == "failed" and current.last_error == "sms gateway: HTTP 503"
    assert "13812348000" not in current.last_error and "482913" not in current.last_error
    _make_due(session)
    assert actions.deliver_round(session=session).claimed == 0  # nothing tries a failed message again
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "notification.failed")).one()
    assert event.data["reason"] == "sms gateway: HTTP 503" and "13812348000" not in str(event.data)


def test_an_unreachable_smtp_server_is_tried_again_later(session, real_backends, monkeypatch):
    from app.core.config import get_settings
    from tests.notifications.conftest import _free_port

    monkeypatch.setenv("YIMI_SMTP_PORT", str(_free_port()))  # nothing listens there
    get_settings.cache_clear()
    message = queue_email(session)
    result = actions.deliver_round(session=session)
    assert (result.sent, result.retrying) == (0, 1)
    current = _reload(session, message)
    assert current.status == "queued" and current.last_error == "smtp: ConnectionRefusedError"


def test_deliver_now_sends_at_once_and_the_callers_copy_shows_it(session, real_backends, sms_gateway):
    message = queue_sms(session)
    assert actions.deliver_now(session=session, message_id=message.id) is True
    assert len(sms_gateway.received) == 1
    assert message.status == "sent"  # the caller's object from enqueue reads the outcome
    assert actions.deliver_now(session=session, message_id=message.id) is False  # never twice
    assert actions.deliver_due(session=session) == 0
    assert len(sms_gateway.received) == 1


def test_deliver_now_leaves_a_failed_try_to_the_worker(session, real_backends, sms_gateway):
    sms_gateway.answer = 503
    message = queue_sms(session)
    assert actions.deliver_now(session=session, message_id=message.id) is False
    assert _reload(session, message).status == "queued"
    sms_gateway.answer = 200
    _make_due(session)
    assert actions.deliver_due(session=session) == 1


def test_the_console_backend_logs_a_masked_recipient_and_never_the_text(session, caplog):
    caplog.set_level("INFO", logger="yimi.notifications")
    queue_email(session, to="guardian@example.org", body="您的验证码是 482913")
    queue_sms(session, phone="13812348000", body="一米验证码 482913")
    assert actions.deliver_due(session=session) == 2
    logged = caplog.text
    assert "g***@example.org" in logged and "138****8000" in logged
    assert "guardian@example.org" not in logged and "13812348000" not in logged and "482913" not in logged


def test_a_message_abandoned_by_a_stopped_worker_is_taken_over_after_its_lease(session, real_backends, sms_gateway):
    message = queue_sms(session)
    claimed = service.claim_due(session=session, limit=10)  # a worker claims it, then dies
    session.commit()
    assert [m.id for m in claimed] == [message.id]
    assert actions.deliver_due(session=session) == 0  # still leased
    session.execute(text("UPDATE outbox_message SET next_attempt_at = :now"), {"now": utcnow().replace(tzinfo=None)})
    session.commit()
    assert actions.deliver_due(session=session) == 1
    assert _reload(session, message).attempts == 2


def test_a_stopping_worker_gives_back_what_it_did_not_try(session, real_backends, sms_gateway):
    first, second = queue_sms(session), queue_sms(session, phone="13900001111")
    asked = []
    result = actions.deliver_round(session=session, should_stop=lambda: asked.append(1) or len(asked) > 1)
    assert (result.claimed, result.sent) == (2, 1)
    assert _reload(session, first).status == "sent"
    returned = _reload(session, second)
    assert returned.status == "queued" and returned.attempts == 0
    assert actions.deliver_due(session=session) == 1


def test_workers_never_deliver_the_same_message_twice(settings, real_backends, sms_gateway):
    """Four workers (threads, each with its own connection) drain one outbox through a slow gateway."""
    sms_gateway.delay = 0.02
    with Session(get_engine()) as s:
        for i in range(60):
            queue_sms(s, phone=f"1380000{i:04d}", body=f"message {i}")
    sent_by: dict[str, int] = {}
    errors: list[Exception] = []
    start = threading.Barrier(4)

    def worker(name: str) -> None:
        try:
            start.wait()
            total = 0
            with Session(get_engine()) as s:
                while (result := actions.deliver_round(session=s, limit=2)).claimed:
                    total += result.sent
            sent_by[name] = total
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"worker-{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    deliveries = Counter(item["text"] for item in sms_gateway.received)
    assert len(deliveries) == 60 and set(deliveries.values()) == {1}, deliveries.most_common(3)
    assert sum(sent_by.values()) == 60
    if on_postgres():
        assert sum(1 for n in sent_by.values() if n) > 1, sent_by  # SKIP LOCKED: they worked side by side
    with Session(get_engine()) as s:
        assert {m.status for m in s.exec(select(OutboxMessage)).all()} == {"sent"}
