"""The outbox: every e-mail and SMS Yimi sends is first a row here, written in the transaction of the change
that caused it, then delivered by `yimi worker` (or at once by `actions.deliver_now`)."""

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy import CheckConstraint, Column, Index, String
from sqlmodel import Field, SQLModel

from app.core.crypto import EncryptedText
from app.core.db import UTCDateTime, utcnow
from app.core.i18n import N_


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class OutboxStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


CHANNEL_LABELS = {Channel.EMAIL: N_("E-mail"), Channel.SMS: N_("SMS")}
STATUS_LABELS = {
    OutboxStatus.QUEUED: N_("Queued"),
    OutboxStatus.SENDING: N_("Sending"),
    OutboxStatus.SENT: N_("Sent"),
    OutboxStatus.FAILED: N_("Failed"),
}

_CHANNELS = ", ".join(f"'{c.value}'" for c in Channel)
_STATUSES = ", ".join(f"'{s.value}'" for s in OutboxStatus)


class OutboxMessage(SQLModel, table=True):
    """One message to one recipient. The recipient and the body (one-time codes are secrets) are encrypted
    at rest; `recipient_hash` counts messages per recipient without decrypting."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint(f"channel IN ({_CHANNELS})", name="channel_known"),
        CheckConstraint(f"status IN ({_STATUSES})", name="status_known"),
        Index("ix_outbox_message_due", "status", "next_attempt_at"),
        Index("ix_outbox_message_recipient", "recipient_hash", "kind", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=10)
    recipient: str = Field(sa_column=Column(EncryptedText, nullable=False))
    recipient_hash: str = Field(max_length=64)
    kind: str = Field(max_length=40, index=True)  # guardian_otp, consent_changed, ...
    locale: str = Field(max_length=10)
    subject: str | None = Field(default=None, max_length=200)
    body: str = Field(sa_column=Column(EncryptedText, nullable=False))
    status: str = Field(default=OutboxStatus.QUEUED.value, max_length=10)
    attempts: int = Field(default=0)
    # While queued: not before this time. While sending: the claim's lease, after which another worker
    # takes the message over (its worker stopped before recording the outcome).
    next_attempt_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    sent_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # What went wrong, in a few words: never the body, never the recipient.
    last_error: str | None = Field(default=None, max_length=200)
    # The same key twice never queues twice (a retried request, a double click).
    idempotency_key: str | None = Field(default=None, sa_column=Column(String(100), unique=True, nullable=True))

    @property
    def masked_recipient(self) -> str:
        return mask_recipient(self.channel, self.recipient)


def mask_recipient(channel: str, recipient: str) -> str:
    """Enough to recognise a recipient, never the whole of it: 138****8000, g***@example.org."""
    value = recipient.strip()
    if channel == Channel.EMAIL and "@" in value:
        local, _, domain = value.rpartition("@")
        return f"{local[:1]}***@{domain}"
    if len(value) >= 8:
        return f"{value[:-8]}****{value[-4:]}"
    return "*" * (len(value) - 2) + value[-2:] if len(value) >= 6 else "****"


class OutboxMessagePublic(BaseModel):
    """What staff see of a message: the recipient masked; subject and body only outside production."""

    id: int
    channel: Channel
    kind: str
    locale: str
    recipient: str
    status: OutboxStatus
    attempts: int
    next_attempt_at: dt.datetime
    created_at: dt.datetime
    sent_at: dt.datetime | None
    last_error: str | None
    subject: str | None = None
    body: str | None = None
