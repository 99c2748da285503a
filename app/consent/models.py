"""Consent (CON-01 … CON-15, CP-01 … CP-16): versioned notices loaded from the repository's consent/
folder, guardians and their links to children, and consent decisions as append-only events with the
current state derived from them in the same transaction."""

import datetime as dt
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.crypto import EncryptedText
from app.core.db import Id, UTCDateTime, enum_values, utcnow
from app.core.i18n import N_


class Purpose(StrEnum):
    """The purposes of consent/purposes.toml; each is decided separately (CON-03)."""

    PARTICIPATE = "participate"
    QUOTE = "quote"
    NOTIFY_GUARDIAN = "notify_guardian"


class Audience(StrEnum):
    GUARDIAN = "guardian"
    CHILD_6_9 = "child-6-9"
    CHILD_10_13 = "child-10-13"
    TEEN_14_17 = "teen-14-17"


class Decision(StrEnum):
    GRANTED = "granted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"  # a material change to the notice: processing pauses until renewed


class DecidedBy(StrEnum):
    GUARDIAN = "guardian"  # a verified guardian, for a child under 14
    SELF = "self"  # a young person of 14-17 (CON-09)
    CHILD_ASSENT = "child_assent"  # the child's own yes or no in child language (CON-08)
    SYSTEM = "system"  # expiry at the end of the programme year; a material change to the notice


class ConsentStatus(StrEnum):
    """The derived state of one purpose for one child."""

    NONE = "none"
    GRANTED = "granted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    NEEDS_RECONSENT = "needs_reconsent"


CONSENT_STATUS_LABELS = {
    ConsentStatus.NONE: N_("Not asked yet"),
    ConsentStatus.GRANTED: N_("Agreed"),
    ConsentStatus.REFUSED: N_("Not agreed"),
    ConsentStatus.WITHDRAWN: N_("Withdrawn"),
    ConsentStatus.EXPIRED: N_("Expired"),
    ConsentStatus.NEEDS_RECONSENT: N_("Needs a new decision"),
}




# ---- notices (loaded by `yimi consent sync`, immutable once loaded) --------------------------------


class NoticeVersion(SQLModel, table=True):
    """One version of one notice, with every audience's text in every locale (NoticeText)."""

    __tablename__ = "notice_version"
    __table_args__ = (UniqueConstraint("notice", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    notice: str = Field(max_length=60)  # the folder under consent/notices/
    version: str = Field(max_length=40)
    effective_date: dt.date
    material_change: bool = Field(default=False)
    change_summary: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    sha256: str = Field(max_length=64)  # of every text of the version, to refuse changed texts
    loaded_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class NoticeText(SQLModel, table=True):
    __tablename__ = "notice_text"
    __table_args__ = (
        UniqueConstraint("version_id", "audience", "locale"),
        CheckConstraint(f"audience IN ({enum_values(Audience)})", name="audience_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(sa_column=Column(Integer, ForeignKey("notice_version.id", ondelete="RESTRICT"), nullable=False, index=True))
    audience: str = Field(max_length=20)
    locale: str = Field(max_length=10)
    title: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str = Field(max_length=64)


# ---- guardians -----------------------------------------------------------------------------------


class Guardian(SQLModel, table=True):
    """A verified guardian. The contact (phone or e-mail) is kept encrypted, found by its keyed hash."""

    __tablename__ = "guardian"
    __table_args__ = (CheckConstraint("contact_kind IN ('phone', 'email')", name="contact_kind_known"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_kind: str = Field(max_length=10)
    contact: str = Field(sa_column=Column(EncryptedText, nullable=False))
    contact_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    locale: str = Field(default="zh_Hans", max_length=10)
    verified_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

    @property
    def audit_actor(self) -> tuple[str, str | None]:
        return ("guardian", str(self.id))


class Guardianship(SQLModel, table=True):
    """A guardian linked to a child (a child may have two guardians; a guardian several children)."""

    __tablename__ = "guardianship"
    __table_args__ = (UniqueConstraint("guardian_id", "child_id"),)

    id: int | None = Field(default=None, primary_key=True)
    guardian_id: int = Field(sa_column=Column(Integer, ForeignKey("guardian.id", ondelete="CASCADE"), nullable=False, index=True))
    child_id: int = Field(sa_column=Column(Integer, ForeignKey("child.id", ondelete="CASCADE"), nullable=False, index=True))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class GuardianCode(SQLModel, table=True):
    """The single-use code on a child's consent letter, valid 30 days, stored only as a hash."""

    __tablename__ = "guardian_code"

    id: int | None = Field(default=None, primary_key=True)
    child_id: int = Field(sa_column=Column(Integer, ForeignKey("child.id", ondelete="CASCADE"), nullable=False, index=True))
    code_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    used_by_guardian_id: int | None = Field(default=None, foreign_key="guardian.id", ondelete="SET NULL")
    created_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")


# ---- consent decisions ---------------------------------------------------------------------------


class ConsentEvent(SQLModel, table=True):
    """One decision, never changed or removed (append-only; the migration's triggers refuse UPDATE/DELETE,
    except the cascade when a child's data is erased)."""

    __tablename__ = "consent_event"
    __table_args__ = (
        CheckConstraint(f"purpose IN ({enum_values(Purpose)})", name="purpose_known"),
        CheckConstraint(f"decision IN ({enum_values(Decision)})", name="decision_known"),
        CheckConstraint(f"decided_by IN ({enum_values(DecidedBy)})", name="decided_by_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    child_id: int = Field(sa_column=Column(Integer, ForeignKey("child.id", ondelete="CASCADE"), nullable=False, index=True))
    purpose: str = Field(max_length=30)
    decision: str = Field(max_length=20)
    decided_by: str = Field(max_length=20)
    guardian_id: int | None = Field(default=None, foreign_key="guardian.id", ondelete="SET NULL")
    notice_version_id: int | None = Field(default=None, foreign_key="notice_version.id", ondelete="RESTRICT")
    channel: str = Field(max_length=20)  # web, tablet, phone, paper, system
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    evidence: str | None = Field(default=None, max_length=200)  # e.g. the receipt number shown to the guardian
    # A decision sent twice (a double tap, a retried request) is recorded once.
    idempotency_key: str | None = Field(default=None, sa_column=Column(String(80), nullable=True, unique=True))


class ConsentState(SQLModel, table=True):
    """The current state of one purpose for one child, as decided by guardians or the young person, and
    the child's own assent for taking part; derived from the events in the same transaction."""

    __tablename__ = "consent_state"
    __table_args__ = (
        UniqueConstraint("child_id", "purpose"),
        CheckConstraint(f"status IN ({enum_values(ConsentStatus)})", name="status_known"),
        CheckConstraint(f"assent IN ({enum_values(ConsentStatus)})", name="assent_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    child_id: int = Field(sa_column=Column(Integer, ForeignKey("child.id", ondelete="CASCADE"), nullable=False, index=True))
    purpose: str = Field(max_length=30)
    status: str = Field(default=ConsentStatus.NONE.value, max_length=20)
    assent: str = Field(default=ConsentStatus.NONE.value, max_length=20)
    notice_version_id: int | None = Field(default=None, foreign_key="notice_version.id", ondelete="RESTRICT")
    expires_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_event_id: int | None = Field(default=None, foreign_key="consent_event.id", ondelete="SET NULL")
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


# ---- the guardian's path: one-time codes and sessions ---------------------------------------------


class GuardianOtp(SQLModel, table=True):
    """A one-time code sent to a guardian's phone or e-mail while they sign up with a letter code.

    The row also carries the flow's state between the pages (which letter code, which contact), so the
    browser holds only `public_id`, a random value that cannot be tampered into another flow."""

    __tablename__ = "guardian_otp"
    __table_args__ = (CheckConstraint("contact_kind IN ('phone', 'email')", name="contact_kind_known"),)

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(sa_column=Column(String(43), nullable=False, unique=True))
    guardian_code_id: int = Field(sa_column=Column(Integer, ForeignKey("guardian_code.id", ondelete="CASCADE"), nullable=False, index=True))
    contact_kind: str = Field(max_length=10)
    contact: str = Field(sa_column=Column(EncryptedText, nullable=False))
    contact_hash: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    code_hash: str = Field(max_length=64)
    attempts: int = Field(default=0)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class GuardianSession(SQLModel, table=True):
    """A verified guardian's session in the browser: the cookie's token is stored only as a hash."""

    __tablename__ = "guardian_session"

    id: int | None = Field(default=None, primary_key=True)
    guardian_id: int = Field(sa_column=Column(Integer, ForeignKey("guardian.id", ondelete="CASCADE"), nullable=False, index=True))
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    csrf_token: str = Field(max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_seen_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)  # the 12-hour limit
    revoked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


# ---- the guardian's rights: requests to staff and deletion receipts (DP-*, CON-07) -----------------


class RightsKind(StrEnum):
    ACCESS = "access"  # see what is held about the child
    CORRECT = "correct"  # ask for a correction
    DELETE = "delete"  # ask staff to delete something
    EXPLAIN = "explain"  # ask how the rules work for the child


RIGHTS_KIND_LABELS = {
    RightsKind.ACCESS: N_("See the data held about my child"),
    RightsKind.CORRECT: N_("Correct something that is wrong"),
    RightsKind.DELETE: N_("Delete something"),
    RightsKind.EXPLAIN: N_("Explain how my child's data is used"),
}


class RightsStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"


class RightsRequest(SQLModel, table=True):
    """A guardian's request about their child's data, answered by staff with reasons within 15 working days.
    The text and the answer are encrypted at rest; erasing the child deletes the request too."""

    __tablename__ = "rights_request"
    __table_args__ = (
        CheckConstraint(f"kind IN ({enum_values(RightsKind)})", name="kind_known"),
        CheckConstraint(f"status IN ({enum_values(RightsStatus)})", name="status_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    child_id: int = Field(sa_column=Column(Integer, ForeignKey("child.id", ondelete="CASCADE"), nullable=False, index=True))
    guardian_id: int = Field(sa_column=Column(Integer, ForeignKey("guardian.id", ondelete="CASCADE"), nullable=False, index=True))
    kind: str = Field(max_length=20)
    text: str = Field(sa_column=Column(EncryptedText, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    due_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    status: str = Field(default=RightsStatus.OPEN.value, max_length=20)
    answer: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
    answered_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")


class DeletionReceipt(SQLModel, table=True):
    """What an erasure deleted: categories and counts, and when. `child_ref` is a random reference, never
    the child's id, so the receipt cannot be joined back to the (pseudonymised) child row."""

    __tablename__ = "deletion_receipt"
    __table_args__ = (CheckConstraint("requested_by IN ('guardian', 'self', 'staff')", name="requested_by_known"),)

    id: int | None = Field(default=None, primary_key=True)
    child_ref: str = Field(sa_column=Column(String(43), nullable=False, unique=True))
    categories: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    requested_by: str = Field(max_length=20)


class RightsRequestPublic(SQLModel):
    """A rights request as the staff API shows it (the guardian's contact never included)."""

    id: int
    child_id: Id
    kind: RightsKind
    text: str
    created_at: dt.datetime
    due_at: dt.datetime
    overdue: bool
    status: RightsStatus
    answer: str | None
    answered_at: dt.datetime | None
    answered_by_id: Id | None


class RightsAnswer(SQLModel):
    answer: str
