"""Moderation data (MOD-01, MOD-04, MOD-09, MOD-21, issue 15): one moderated item per thing written (a
comment today; any kind registered with `app.core.moderated`) and an append-only log of decisions.

* `moderated_item` — one row per item, by kind and id (unique): where it stands (`state`, the one the
  compare-and-swap of a decision settles), the screening findings (spans and categories only, never the
  matched words, MOD-22), the action and the risk for ordering the queue, the latest decision with its reason,
  and the look-again request (MOD-21) with the moderator whose decision is being looked at again. The owner
  keeps the words and mirrors the state on its own row, told through the registry's `on_outcome`.
* `moderation_decision` — every decision, one row each, never updated (MOD-04); cascades with the item, so
  nothing of an erased child stays behind (the audit log keeps who decided what, without text).
* `moderation_report` — reports of shown items (MOD-12), cascading with the item.

The words are kept by their owner only (the item keeps their SHA-256): the decision of a redaction tells the
owner the redacted version, which overwrites the original (MOD-09), so no copy needs erasing later."""

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Integer,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from app.core.db import Id, UTCDateTime, enum_values, utcnow
from app.core.i18n import N_
from app.core.validation import ApiIn, TextField

# What a moderator types beside a decision, with the limits the queue's `maxlength` shows (core.validation).
NOTE = TextField("note", N_("Note for the record (optional)"), 1000)
WORDS_TO_HIDE = TextField("words", N_("Other words to hide (separate them with commas)"), 1000)
LIMITS = {field.name: field for field in (NOTE, WORDS_TO_HIDE)}


class Decision(StrEnum):
    APPROVED = "approved"
    REDACTED = "redacted"  # parts hidden, then approved: the redacted words are all anyone else will see
    REJECTED = "rejected"  # not shown, with a reason from the taxonomy
    ESCALATED = "escalated"  # passed to safeguarding (SG-01): never published, out of the normal queue


class Reason(StrEnum):
    """The fixed taxonomy of reasons a comment is not shown (MOD-04, MOD-20)."""

    PERSONAL_INFORMATION = "personal_information"
    UNKIND = "unkind"
    OFF_TOPIC = "off_topic"
    UNCLEAR = "unclear"


# For moderators: the name of each reason.
REASON_LABELS: dict[Reason, str] = {
    Reason.PERSONAL_INFORMATION: N_("Personal information"),
    Reason.UNKIND: N_("Unkind words"),
    Reason.OFF_TOPIC: N_("Not about the question"),
    Reason.UNCLEAR: N_("Hard to understand"),
}

# For children: one short, kind sentence per reason (MOD-20); never the matched word (MOD-22).
REASON_FOR_CHILDREN: dict[Reason, str] = {
    Reason.PERSONAL_INFORMATION: N_("To keep you safe, we do not show names, phone numbers, schools or addresses."),
    Reason.UNKIND: N_("We only show words that are kind to everyone."),
    Reason.OFF_TOPIC: N_("We only show ideas about this question, so we kept this one back."),
    Reason.UNCLEAR: N_("We could not understand it well. You are welcome to write it again."),
}


class ItemState(StrEnum):
    """Where a moderated item stands (its owner's row mirrors it through the registry's outcome)."""

    PENDING = "pending"
    APPROVED = "approved"
    REDACTED = "redacted"
    REJECTED = "rejected"  # not shown: rejected or escalated (the decision says which)


SHOWN_STATES = (ItemState.APPROVED.value, ItemState.REDACTED.value)


class ModeratedItem(SQLModel, table=True):
    """One item of any registered kind (`app.core.moderated`), by kind and id: its screening findings, where
    it stands, the latest decision and the look-again request. No foreign key to the owner's table: the owner
    calls `moderation.service.forget` when it deletes an item (withdrawal, erasure), which takes the
    decisions and reports along (they cascade with the item)."""

    __tablename__ = "moderated_item"
    __table_args__ = (
        UniqueConstraint("subject_kind", "subject_id"),
        CheckConstraint(f"state IN ({enum_values(ItemState)})", name="state_known"),
        CheckConstraint(f"decision IS NULL OR decision IN ({enum_values(Decision)})", name="decision_known"),
        CheckConstraint(f"reason IS NULL OR reason IN ({enum_values(Reason)})", name="reason_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    subject_kind: str = Field(max_length=30)
    subject_id: int
    # Where it was written (a consultation), who wrote it (child/guardian) and the child: for the queue's
    # filter, the transparency counts and "My comments", without asking the owner.
    scope_id: int | None = Field(default=None, index=True)
    author_kind: str = Field(default="child", max_length=10)
    child_id: int | None = Field(default=None, index=True)
    state: str = Field(default=ItemState.PENDING.value, max_length=10)
    # The SHA-256 of the words screened (never the words, MOD-09): a decision settles only the words the
    # moderator read (compare-and-swap on this row).
    digest: str = Field(default="", max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # Screening on store (MOD-06, MOD-10, SG-02): Finding.to_dict() each — category, sub-kind, span, confidence.
    findings: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    action: str = Field(default="clean", max_length=30)
    risk: float = Field(default=0.0, sa_column=Column(Float, nullable=False, default=0.0))
    # When the words entered the queue (stored, changed, or asked to be looked at again): the queue's age.
    queued_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # MOD-21: the child asked for a person to look again; a different moderator must decide.
    look_again: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    first_moderator_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    decision: str | None = Field(default=None, max_length=20)
    reason: str | None = Field(default=None, max_length=30)
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    decided_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    decided_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # MOD-12: when a published item was last reported (and so hidden again); a report newer than the
    # queue entry puts it first in the queue.
    reported_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Issue 14: screening found the words possibly worrying and put them on the officers' "please read" list
    # (counted as "read first" in the transparency report).
    read_first: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))


class ReporterKind(StrEnum):
    CHILD = "child"
    GUARDIAN = "guardian"
    STAFF = "staff"


class ReportReason(StrEnum):
    """The short list a reporter chooses from (MOD-12)."""

    UNKIND = "unkind"
    PERSONAL_INFORMATION = "personal_information"
    WORRIED = "worried"
    OTHER = "other"


# For the reporter (child words) and for the queue.
REPORT_REASON_LABELS: dict[ReportReason, str] = {
    ReportReason.UNKIND: N_("It is unkind"),
    ReportReason.PERSONAL_INFORMATION: N_("It tells personal information"),
    ReportReason.WORRIED: N_("It makes me worried"),
    ReportReason.OTHER: N_("Something else"),
}
REPORTER_LABELS: dict[ReporterKind, str] = {
    ReporterKind.CHILD: N_("reported by a child"),
    ReporterKind.GUARDIAN: N_("reported by a guardian"),
    ReporterKind.STAFF: N_("reported by a staff member"),
}


class ModerationReport(SQLModel, table=True):
    """MOD-12: one report of a published item by one person (a child, a guardian or a staff member),
    with a reason from the short list. The reporter is kept as kind and id only. Cascades with the item,
    so a withdrawn or erased comment takes its reports along. One report per person per item."""

    __tablename__ = "moderation_report"
    __table_args__ = (
        UniqueConstraint("item_id", "reporter_kind", "reporter_id"),
        CheckConstraint(f"reporter_kind IN ({enum_values(ReporterKind)})", name="reporter_kind_known"),
        CheckConstraint(f"reason IN ({enum_values(ReportReason)})", name="reason_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(
        sa_column=Column(Integer, ForeignKey("moderated_item.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    reporter_kind: str = Field(max_length=10)
    reporter_id: int
    reason: str = Field(max_length=30)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ModerationDecision(SQLModel, table=True):
    """Append-only: one row per decision (the application never updates or deletes one; the item's
    erasure cascades)."""

    __tablename__ = "moderation_decision"
    __table_args__ = (
        CheckConstraint(f"decision IN ({enum_values(Decision)})", name="decision_known"),
        CheckConstraint(f"reason IS NULL OR reason IN ({enum_values(Reason)})", name="reason_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(
        sa_column=Column(Integer, ForeignKey("moderated_item.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    moderator_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    decision: str = Field(max_length=20)
    reason: str | None = Field(default=None, max_length=30)
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    spans: list[list[int]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # redacted [start, end]
    look_again: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


# ---- API schemas ---------------------------------------------------------------------------------


class FindingOut(BaseModel):
    category: str
    subkind: str | None = None
    start: int
    end: int
    confidence: float
    level: str | None = PydanticField(default=None, description="safeguarding only: `certain` or `possible`")
    source: str = PydanticField(default="words", description="`words` (lexicons and rules) or `meaning` (the sentence encoder)")


class QueueItemOut(BaseModel):
    """A comment waiting for a moderator: the pseudonym, age band and group only, never identity."""

    model_config = ConfigDict(from_attributes=True)

    comment_id: Id
    consultation_id: Id
    question_id: Id | None
    author_kind: str
    pseudonym: str | None
    age_band: str | None
    group: str | None
    text: str
    findings: list[FindingOut]
    action: str
    risk: float
    look_again: bool
    queued_at: dt.datetime


class Span(ApiIn):
    start: int = PydanticField(ge=0)
    end: int = PydanticField(ge=0)


class DecisionIn(ApiIn):
    decision: Decision = PydanticField(strict=False)
    reason: Reason | None = PydanticField(default=None, strict=False, description="required when the decision is `rejected` (`/problems/reason-needed`)")
    note: NOTE.api(multiline=True) | None = None
    spans: list[Span] = PydanticField(default=[], max_length=200, description=(
        "`redacted` only: the parts to hide (default: the personal details found; with neither, `/problems/nothing-to-hide`)"))


class DecisionOut(BaseModel):
    comment_id: Id
    decision: Decision
    status: str
    text: str = PydanticField(description="the words as anyone else will see them (redacted where parts were hidden)")


class BulkApproveIn(ApiIn):
    comment_ids: list[Id] = PydanticField(max_length=500)


class BulkApproveOut(BaseModel):
    approved: list[int]
    skipped: list[int] = PydanticField(description="not pending, with findings, or asked to be looked at again: decide these one by one")


class TransparencyCounts(BaseModel):
    """Counts only, never words (MOD-03): one audience's comments on one consultation."""

    received: int
    waiting: int
    approved: int
    changed: int
    not_shown: int
    not_shown_by_reason: dict[str, int]
    median_minutes: float | None
    safeguarding_cases: int = PydanticField(description="passed to the safeguarding officers as a case")
    safeguarding_read_first: int = PydanticField(description="read first by a safeguarding officer: screening found them possibly worrying")


class TransparencyOut(BaseModel):
    consultation_id: int
    children: TransparencyCounts
    guardians: TransparencyCounts
