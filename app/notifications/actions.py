"""Delivering the outbox: a claim, the network, an outcome, each step its own unit of work (docs/architecture.md,
"Who commits"). A claim is committed before anything is sent, so that no other worker takes the message while
it is in flight, and nothing is sent while a transaction is open; each outcome is committed as soon as it is
known. Queueing a message is no use case of its own: `service.enqueue` joins the unit of work of its cause."""

from collections.abc import Callable

from sqlmodel import Session

from app.core.db import transaction
from app.notifications import service
from app.notifications.models import OutboxMessage, OutboxStatus
from app.notifications.service import DeliveryRound


def _deliver(session: Session, message: OutboxMessage) -> OutboxStatus:
    error = service.send(message)  # no transaction open while the network is slow
    with transaction(session):
        return service.record_outcome(session=session, message=message, error=error)


def deliver_round(*, session: Session, limit: int = 50, should_stop: Callable[[], bool] | None = None) -> DeliveryRound:
    """Claim what is due and send it, each message through the adapter of its channel (`yimi worker`). When
    `should_stop` says so (SIGTERM), the messages not tried yet go back to the queue."""
    with transaction(session):
        messages = service.claim_due(session=session, limit=limit)
    result = DeliveryRound(claimed=len(messages))
    for position, message in enumerate(messages):
        if should_stop is not None and should_stop():
            with transaction(session):
                service.release(session=session, messages=messages[position:])
            break
        status = _deliver(session, message)
        if status == OutboxStatus.SENT:
            result.sent += 1
        elif status == OutboxStatus.FAILED:
            result.failed += 1
        else:
            result.retrying += 1
    return result


def deliver_due(*, session: Session, limit: int = 50) -> int:
    """One worker round; how many messages were sent."""
    return deliver_round(session=session, limit=limit).sent


def deliver_now(*, session: Session, message_id: int) -> bool:
    """Send one queued message at once (a guardian waiting for a one-time code should not wait for the
    worker's next round). Call it once the unit of work that queued the message has committed. False if it
    was not sent: the worker tries again later."""
    with transaction(session):
        message = service.claim_one(session=session, message_id=message_id)
    if message is None:
        return False  # already taken by a worker, sent, or waiting out a back-off
    return _deliver(session, message) == OutboxStatus.SENT
