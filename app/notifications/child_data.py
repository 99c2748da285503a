"""What notifications hold of a child, for consent's export and erasure (app/core/child_data.py): the outbox
messages to the child's guardians. Outbox rows name no child; the guardians come from consent as contacts
(`Subject.guardians`), so notifications never import consent."""

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.core import child_data
from app.core.child_data import ChildData, Contact, Counts, Subject
from app.core.i18n import N_
from app.notifications import service as notifications
from app.notifications.models import Channel, OutboxMessage


def _iso(value) -> str | None:  # noqa: ANN001
    return value.isoformat() if value is not None else None


def _to(session: Session, contact: Contact) -> list[OutboxMessage]:
    hashed = notifications.recipient_hash(contact.channel, contact.recipient)
    return list(session.exec(
        select(OutboxMessage).where(OutboxMessage.recipient_hash == hashed, OutboxMessage.channel == Channel(contact.channel).value)
        .order_by(col(OutboxMessage.id))
    ).all())


def _about(session: Session, contact: Contact, name: str) -> list[int]:
    """Ids of the messages to this guardian that concern the child: all of them when the child is the guardian's
    only one, otherwise those whose subject or text names the child."""
    messages = _to(session, contact)
    if contact.only_this_child:
        return [m.id for m in messages if m.id is not None]
    return [m.id for m in messages if m.id is not None and (name in (m.body or "") or name in (m.subject or ""))]


def count(session: Session, subject: Subject) -> Counts:
    return {"outbox_messages": sum(len(_about(session, g, subject.child.display_name)) for g in subject.guardians)}


def erase(session: Session, subject: Subject) -> Counts:
    erased = 0
    for guardian in subject.guardians:
        if guardian.only_this_child:
            erased += notifications.erase_recipient(session=session, channel=guardian.channel, recipient=guardian.recipient)
        elif ids := _about(session, guardian, subject.child.display_name):
            result = session.execute(delete(OutboxMessage).where(col(OutboxMessage.id).in_(ids)).execution_options(synchronize_session=False))
            erased += int(result.rowcount)  # type: ignore[attr-defined]
    return {"outbox_messages": erased}


def export(session: Session, subject: Subject) -> dict[str, object]:
    """The messages to the guardian who downloads (never those to another guardian)."""
    messages = _to(session, subject.requester) if subject.requester is not None else []
    return {"messages_to_you": [
        {"kind": m.kind, "status": m.status, "created_at": _iso(m.created_at), "sent_at": _iso(m.sent_at)} for m in messages
    ]}


child_data.register(ChildData(
    name="notifications",
    tables=("outbox_message",),
    categories={"outbox_messages": N_("Messages sent to guardians")},
    erase=erase, count=count, export=export,
    order=40,
))
