"""Every rule of the notifier: queue a message in the caller's transaction, count messages per recipient,
claim due messages, deliver them with retries, list them for administrators.

Claiming is one UPDATE over a `SELECT … FOR UPDATE SKIP LOCKED`, so any number of `yimi worker` processes
(and `actions.deliver_now` in the web processes) share the outbox on PostgreSQL without sending a message twice.
SQLite has no row locks: there the same statement takes the database's single write lock, so concurrent
claimers take turns rather than work in parallel — run one worker on SQLite.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import delete, func, update
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from app.core import audit, crypto
from app.core.config import get_settings
from app.core.db import dialect_insert, utcnow
from app.notifications import adapters
from app.notifications.adapters import DeliveryFailed
from app.notifications.models import Channel, OutboxMessage, OutboxStatus

log = logging.getLogger("yimi.notifications")

MAX_ATTEMPTS = 5
# How long a claim holds a message. A worker that stops mid-round leaves its messages "sending"; after the
# lease another worker takes them over (so such a message may arrive twice, never not at all).
SENDING_LEASE = dt.timedelta(minutes=30)


@dataclass
class DeliveryRound:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def __iadd__(self, other: "DeliveryRound") -> "DeliveryRound":
        self.claimed += other.claimed
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed
        return self


def bodies_visible() -> bool:
    """Outside production the outbox shows what was sent, so the demo needs no mail or SMS service."""
    return not get_settings().is_production


def recipient_hash(channel: str, recipient: str) -> str:
    return crypto.lookup_hash(recipient, purpose=Channel(channel).value)


# ---- queueing ------------------------------------------------------------------------------------


def enqueue(
    *,
    session: Session,
    channel: Channel | str,
    recipient: str,
    kind: str,
    locale: str,
    subject: str | None,
    body: str,
    idempotency_key: str | None = None,
) -> OutboxMessage:
    """Queue a message in the caller's transaction: it is sent only if the caller commits. A key already
    queued returns the message it queued, and queues nothing."""
    channel = Channel(channel)
    recipient = recipient.strip()
    if not recipient or not body:
        raise ValueError("a message needs a recipient and a body")
    if channel == Channel.EMAIL and not subject:
        raise ValueError("an e-mail needs a subject")
    # The same limits on SQLite as on PostgreSQL (which alone would enforce the column lengths).
    for name, value, longest in (("kind", kind, 40), ("locale", locale, 10), ("subject", subject, 200), ("idempotency_key", idempotency_key, 100)):
        if value is not None and len(value) > longest:
            raise ValueError(f"{name} is longer than {longest} characters")
    now = utcnow()
    values = {
        "channel": channel.value,
        "recipient": recipient,
        "recipient_hash": recipient_hash(channel, recipient),
        "kind": kind,
        "locale": locale,
        "subject": subject,
        "body": body,
        "status": OutboxStatus.QUEUED.value,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "idempotency_key": idempotency_key,
    }
    # One statement settles a race on the key (the database waits for the other insert to commit or roll
    # back). Not a SAVEPOINT: pysqlite commits a savepoint opened as a transaction's first write.
    insert = dialect_insert(session)
    new_id = session.execute(
        insert(OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(col(OutboxMessage.id))
    ).scalar_one_or_none()
    if new_id is None:
        return session.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == idempotency_key)).one()
    message = session.get_one(OutboxMessage, new_id)
    audit.record(
        session, actor=None, action="notification.queued", subject=message,
        channel=channel.value, kind=kind, recipient_hash=message.recipient_hash,
    )
    return message


def recent_count(*, session: Session, channel: Channel | str, recipient: str, kind: str, since: dt.datetime) -> int:
    """Messages of `kind` queued for this recipient since `since`, whatever became of them (rate limits)."""
    query = (
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.recipient_hash == recipient_hash(channel, recipient),
            OutboxMessage.channel == Channel(channel).value,
            OutboxMessage.kind == kind,
            col(OutboxMessage.created_at) >= since,
        )
    )
    return session.exec(query).one()


def erase_recipient(*, session: Session, channel: Channel | str, recipient: str) -> int:
    """Remove every message to this recipient (a guardian's erasure); the caller commits."""
    result = session.execute(
        delete(OutboxMessage)
        .where(col(OutboxMessage.recipient_hash) == recipient_hash(channel, recipient), col(OutboxMessage.channel) == Channel(channel).value)
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# ---- claiming and delivering ---------------------------------------------------------------------


def _claim(session: Session, *, limit: int, message_id: int | None = None) -> list[OutboxMessage]:
    now = utcnow()
    due = (
        select(OutboxMessage.id)
        .where(
            col(OutboxMessage.status).in_([OutboxStatus.QUEUED.value, OutboxStatus.SENDING.value]),
            col(OutboxMessage.next_attempt_at) <= now,
            col(OutboxMessage.attempts) < MAX_ATTEMPTS,
        )
        .order_by(col(OutboxMessage.id))
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL: rows another worker holds are left to it
    )
    if message_id is not None:
        due = due.where(OutboxMessage.id == message_id)
    due_cte = due.cte("due")
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    rows = session.execute(
        update(table)
        .where(table.c.id == due_cte.c.id)
        .values(status=OutboxStatus.SENDING.value, attempts=table.c.attempts + 1, next_attempt_at=now + SENDING_LEASE)
        .returning(*table.c)
    ).all()
    # Plain copies, outside the session: they stay readable after the commit, and the network calls that
    # follow happen with no transaction open.
    return sorted((OutboxMessage(**row._mapping) for row in rows), key=lambda m: m.id or 0)


def _fail_abandoned(session: Session) -> None:
    """Messages whose last try was interrupted (the worker stopped) and that have no try left."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    rows = session.execute(
        update(table)
        .where(
            table.c.status == OutboxStatus.SENDING.value,
            table.c.next_attempt_at <= utcnow(),
            table.c.attempts >= MAX_ATTEMPTS,
        )
        .values(status=OutboxStatus.FAILED.value, last_error="interrupted while sending")
        .returning(table.c.id, table.c.kind, table.c.recipient_hash)
    ).all()
    for row in rows:
        audit.record(session, actor=None, action="notification.failed", subject=("outbox_message", row.id),
                     kind=row.kind, recipient_hash=row.recipient_hash, reason="interrupted while sending")


def claim_due(*, session: Session, limit: int) -> list[OutboxMessage]:
    """Take up to `limit` due messages for this worker (status "sending"); the caller commits the claim before
    anything is sent."""
    _fail_abandoned(session)
    return _claim(session, limit=limit)


def claim_one(*, session: Session, message_id: int) -> OutboxMessage | None:
    """Take this one message if it is due (`deliver_now`); None if a worker has it, or it was sent, or it waits
    out a back-off. The caller commits the claim before it is sent."""
    claimed = _claim(session, limit=1, message_id=message_id)
    return claimed[0] if claimed else None


def send(message: OutboxMessage) -> DeliveryFailed | None:
    """Hand a claimed message to the adapter of its channel, with no transaction open: what went wrong, if
    anything."""
    error: DeliveryFailed | None = None
    try:
        adapters.adapter_for(message.channel).send(message)
    except DeliveryFailed as exc:
        error = exc
    except Exception as exc:  # noqa: BLE001 - a fault in one adapter must not stop the other messages
        # The exception's text may hold the recipient: only its type is logged and kept.
        log.error("outbox message %s: unexpected %s while sending", message.id, type(exc).__name__)
        error = DeliveryFailed(f"error: {type(exc).__name__}")
    if error is not None:
        log.warning("outbox message %s not delivered (try %s): %s", message.id, message.attempts, error.reason)
    return error


def record_outcome(*, session: Session, message: OutboxMessage, error: DeliveryFailed | None) -> OutboxStatus:
    """Sent, to try again after a back-off, or failed for good. Only the claim that sent it records the outcome
    (not a late worker whose lease was taken over)."""
    now = utcnow()
    if error is None:
        status, values = OutboxStatus.SENT, {"sent_at": now, "last_error": None}
    elif error.permanent or message.attempts >= MAX_ATTEMPTS:
        status, values = OutboxStatus.FAILED, {"last_error": error.reason}
    else:
        # Back off: 2, 4, 8, 16 minutes after the 1st, 2nd, 3rd, 4th failed try.
        backoff = dt.timedelta(minutes=2**message.attempts)
        status, values = OutboxStatus.QUEUED, {"last_error": error.reason, "next_attempt_at": now + backoff}
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    session.execute(
        update(table)
        .where(table.c.id == message.id, table.c.status == OutboxStatus.SENDING.value, table.c.attempts == message.attempts)
        .values(status=status.value, **values)
    )
    if status == OutboxStatus.FAILED:
        audit.record(session, actor=None, action="notification.failed", subject=message,
                     kind=message.kind, recipient_hash=message.recipient_hash, reason=values["last_error"])
    message.status = status.value
    for name, value in values.items():
        setattr(message, name, value)
    _expire_cached(session, message.id)
    return status


def _expire_cached(session: Session, message_id: int | None) -> None:
    """The caller may hold this message from `enqueue`: make it read the outcome, not the queued state."""
    cached = session.identity_map.get(session.identity_key(OutboxMessage, message_id))
    if cached is not None:
        session.expire(cached)


def release(*, session: Session, messages: list[OutboxMessage]) -> None:
    """Give claimed messages back untried (the worker is stopping), without counting a try."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    for message in messages:
        session.execute(
            update(table)
            .where(table.c.id == message.id, table.c.status == OutboxStatus.SENDING.value, table.c.attempts == message.attempts)
            .values(status=OutboxStatus.QUEUED.value, attempts=message.attempts - 1, next_attempt_at=utcnow())
        )


# ---- reading -------------------------------------------------------------------------------------


def recent(
    *,
    session: Session,
    limit: int = 50,
    before_id: int | None = None,
    kind: str | None = None,
    status: OutboxStatus | None = None,
    with_body: bool = False,
) -> list[OutboxMessage]:
    """Newest first. Without `with_body` the body is not even decrypted (touching it raises)."""
    query = select(OutboxMessage).order_by(col(OutboxMessage.id).desc()).limit(limit)
    if not with_body:
        query = query.options(defer(OutboxMessage.body, raiseload=True))  # type: ignore[arg-type]
    if before_id:
        query = query.where(col(OutboxMessage.id) < before_id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    if status:
        query = query.where(OutboxMessage.status == OutboxStatus(status).value)
    return list(session.exec(query).all())


def kinds(*, session: Session) -> list[str]:
    return list(session.exec(select(OutboxMessage.kind).distinct().order_by(col(OutboxMessage.kind))).all())


def status_counts(*, session: Session) -> dict[OutboxStatus, int]:
    rows = session.exec(select(OutboxMessage.status, func.count()).group_by(col(OutboxMessage.status))).all()
    found = {OutboxStatus(status): count for status, count in rows}
    return {status: found.get(status, 0) for status in OutboxStatus}
