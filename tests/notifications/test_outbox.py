"""The outbox: a message is queued in the transaction of the change that caused it, never twice for one
idempotency key (even under concurrent requests), and its recipient and text are encrypted at rest."""

import datetime as dt
import threading

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, func, select

from app.core import crypto
from app.core.audit import AuditEvent
from app.core.db import get_engine, utcnow
from app.notifications import service
from app.notifications.models import OutboxMessage, mask_recipient
from tests.conftest import make_user
from tests.notifications.conftest import queue_email, queue_sms


def _count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(OutboxMessage)).one()


def test_a_message_is_queued_with_the_change_and_rolled_back_with_it(session):
    make_user(session, "before")  # something already committed
    user = make_user(session, "renamer")
    user.display_name = "Changed"
    session.add(user)
    service.enqueue(session=session, channel="sms", recipient="13812348000", kind="consent_changed", locale="zh_Hans",
                    subject=None, body="您孩子的同意已更改")
    session.rollback()
    assert _count(session) == 0
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "notification.queued")).first() is None


def test_a_message_that_is_the_first_write_of_a_transaction_is_rolled_back_too(session):
    """No other change before it: the message must still belong to the caller's transaction."""
    session.exec(select(OutboxMessage)).all()  # a read first, as a real caller would
    service.enqueue(session=session, channel="sms", recipient="13812348000", kind="guardian_otp", locale="zh_Hans",
                    subject=None, body="482913", idempotency_key="first-write")
    session.rollback()
    assert _count(session) == 0


def test_a_committed_message_is_queued_and_recorded_without_its_text(session):
    message = queue_email(session, to="Guardian@Example.org", body="您的验证码是 482913")
    assert message.status == "queued" and message.attempts == 0 and message.next_attempt_at <= utcnow()
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "notification.queued")).one()
    assert event.subject_id == str(message.id)
    assert event.data == {"channel": "email", "kind": "guardian_otp", "recipient_hash": message.recipient_hash}
    assert "482913" not in str(event.data) and "xample" not in str(event.data)


def test_the_same_idempotency_key_never_queues_twice(session):
    first = queue_sms(session, idempotency_key="otp:guardian:7:1")
    again = service.enqueue(session=session, channel="sms", recipient="13812348000", kind="guardian_otp", locale="zh_Hans",
                            subject=None, body="another code 111111", idempotency_key="otp:guardian:7:1")
    session.commit()
    assert again.id == first.id and again.body == first.body
    assert _count(session) == 1
    assert session.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "notification.queued")).one() == 1


def test_concurrent_requests_with_one_key_queue_one_message(settings):
    results: list[int] = []
    errors: list[Exception] = []
    start = threading.Barrier(8)

    def request() -> None:
        try:
            with Session(get_engine()) as s:
                start.wait()
                message = service.enqueue(session=s, channel="email", recipient="g@example.org", kind="consent_changed",
                                          locale="en", subject="Consent", body="Changed.", idempotency_key="double-click")
                s.commit()
                results.append(message.id)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=request) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(results) == 8 and len(set(results)) == 1
    with Session(get_engine()) as s:
        assert _count(s) == 1


def test_recipient_and_body_are_encrypted_at_rest(session):
    message = queue_sms(session, phone="13812348000", body="一米验证码 482913")
    raw = session.execute(text("SELECT recipient, body, recipient_hash FROM outbox_message WHERE id = :id"), {"id": message.id}).one()
    assert "13812348000" not in raw.recipient and "482913" not in raw.body
    assert crypto.decrypt(raw.recipient) == "13812348000" and crypto.decrypt(raw.body) == "一米验证码 482913"
    assert raw.recipient_hash == crypto.lookup_hash("13812348000", purpose="sms")
    assert "13812348000" not in raw.recipient_hash


def test_recent_count_counts_one_recipient_and_kind_since_a_time(session):
    for _ in range(3):
        queue_sms(session, phone="13812348000")
    queue_sms(session, phone=" 13812348000 ", kind="consent_changed")
    queue_sms(session, phone="13900001111")
    queue_email(session, to="13812348000@example.org")
    an_hour_ago = utcnow() - dt.timedelta(hours=1)
    assert service.recent_count(session=session, channel="sms", recipient="13812348000", kind="guardian_otp", since=an_hour_ago) == 3
    assert service.recent_count(session=session, channel="sms", recipient="13812348000", kind="consent_changed", since=an_hour_ago) == 1
    assert service.recent_count(session=session, channel="sms", recipient="13812348000", kind="guardian_otp", since=utcnow()) == 0


def test_e_mail_addresses_are_counted_whatever_their_case(session):
    queue_email(session, to="Guardian@Example.org")
    assert service.recent_count(session=session, channel="email", recipient="guardian@example.org", kind="guardian_otp",
                                since=utcnow() - dt.timedelta(minutes=1)) == 1


def test_an_e_mail_needs_a_subject_and_a_channel_must_be_known(session):
    with pytest.raises(ValueError):
        service.enqueue(session=session, channel="email", recipient="g@example.org", kind="x", locale="en", subject=None, body="b")
    with pytest.raises(ValueError):
        service.enqueue(session=session, channel="pigeon", recipient="g@example.org", kind="x", locale="en", subject="s", body="b")


def test_erasing_a_recipient_removes_their_messages_only(session):
    queue_sms(session, phone="13812348000")
    queue_sms(session, phone="13812348000", kind="consent_changed")
    kept = queue_sms(session, phone="13900001111")
    assert service.erase_recipient(session=session, channel="sms", recipient="13812348000") == 2
    session.commit()
    assert [m.id for m in session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()] == [kept.id]


@pytest.mark.parametrize(
    ("channel", "recipient", "masked"),
    [
        ("sms", "13812348000", "138****8000"),
        ("sms", "+8613812348000", "+86138****8000"),
        ("email", "guardian@example.org", "g***@example.org"),
        ("sms", "12345", "****"),
    ],
)
def test_recipients_are_masked(channel, recipient, masked):
    assert mask_recipient(channel, recipient) == masked
