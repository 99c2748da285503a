"""The tables of "you said, we did" (issue 17; PAR-06…PAR-11).

- `decision`: what was decided for a consultation, by whom (the decider named on the Lundy checklist, or another
  with a reason), on which day, in adult words (zh + en), its reference number (文号) and an optional PDF
  (media storage). A consultation may have several over time.
- `response`: the answer to one theme (or one closed question the official chose): an outcome, the reason
  ("not adopted"), the date by which it will be decided ("still being decided"), an explanation in adult words
  and a child's version per age band, and the decision it comes from. `version` guards concurrent edits.
- `commitment`: an action the city takes: the responsible department, a due date, a status (a reason when
  dropped), optionally a project of the library; `commitment_event`: its history (every change and every
  progress update with its date and words).
- `publication`: each time the response is published (1, 2, …): who, when, and the whole text as published
  (`snapshot`), so a correction keeps the earlier text and readers see "updated on …".
- `reminder`: each reminder or escalation about the promised date, sent once (its kind is unique per
  consultation).
- `reaction`: one child's face for one consultation's response (one per child; a second tap changes it), with
  their optional "why" (moderated like any comment before anyone sees it).
- `heard_back`: when a child last opened a consultation's response (their "news" badge: anything newer is news).
"""

import datetime as dt
from enum import StrEnum
from typing import Any, NotRequired

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel
from typing_extensions import TypedDict

from app.core.db import Id, UTCDateTime, enum_values, utcnow
from app.core.i18n import N_
from app.core.validation import ApiDate, ApiIn, TextField, locales


class Outcome(StrEnum):
    ADOPTED = "adopted"
    ADOPTED_IN_PART = "adopted_in_part"
    NOT_ADOPTED = "not_adopted"  # a reason is required
    PENDING = "pending"  # still being decided: with the date by which it will be


OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.ADOPTED: N_("Adopted"),
    Outcome.ADOPTED_IN_PART: N_("Adopted in part"),
    Outcome.NOT_ADOPTED: N_("Not adopted"),
    Outcome.PENDING: N_("Still being decided"),
}


class CommitmentStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"  # with a reason


COMMITMENT_STATUS_LABELS: dict[CommitmentStatus, str] = {
    CommitmentStatus.PLANNED: N_("Planned"),
    CommitmentStatus.IN_PROGRESS: N_("In progress"),
    CommitmentStatus.DONE: N_("Done"),
    CommitmentStatus.DROPPED: N_("Dropped"),
}


class Face(StrEnum):
    HAPPY = "happy"
    UNSURE = "unsure"
    UNHAPPY = "unhappy"


class WhyStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REDACTED = "redacted"
    REJECTED = "rejected"


class Decision(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    decided_on: dt.date = Field(sa_column=Column(Date, nullable=False))
    # Who decided: the body and role named on the Lundy checklist, or another, with the reason it was another.
    decider: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    named_decider: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, default=True))
    other_decider_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    text: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    reference: str = Field(default="", max_length=100)  # 文号
    document_file_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("stored_file.id"), nullable=True, unique=True)
    )
    version: int = Field(default=1)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    created_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Response(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint(f"outcome IN ({enum_values(Outcome)})", name="outcome_known"),
        CheckConstraint("(theme_id IS NULL) <> (question_id IS NULL)", name="theme_or_question"),
        UniqueConstraint("theme_id", name="uq_response_theme"),
        UniqueConstraint("question_id", name="uq_response_question"),
    )

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    theme_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("theme.id", ondelete="CASCADE"), nullable=True))
    question_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("question.id", ondelete="CASCADE"), nullable=True)
    )
    outcome: str = Field(default=Outcome.PENDING.value, max_length=20)
    reason: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # not adopted
    decide_by: dt.date | None = Field(default=None, sa_column=Column(Date, nullable=True))  # still being decided
    explanation: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Per age band, in a child's words: {"6-9": {"zh_Hans": …, "en": …}, …} (falls back to the next older band)
    child_versions: dict[str, dict[str, str]] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    decision_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("decision.id", ondelete="SET NULL"), nullable=True, index=True)
    )
    version: int = Field(default=1)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")


class Commitment(SQLModel, table=True):
    __table_args__ = (CheckConstraint(f"status IN ({enum_values(CommitmentStatus)})", name="status_known"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    response_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("response.id", ondelete="SET NULL"), nullable=True, index=True)
    )
    project_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("project.id", ondelete="SET NULL"), nullable=True, index=True)
    )
    action: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    department: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    due_on: dt.date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    status: str = Field(default=CommitmentStatus.PLANNED.value, max_length=20)
    dropped_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    version: int = Field(default=1)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    created_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class CommitmentEvent(SQLModel, table=True):
    __tablename__ = "commitment_event"

    id: int | None = Field(default=None, primary_key=True)
    commitment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("commitment.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    kind: str = Field(max_length=20)  # "created", "edited", "status", "progress"
    status: str | None = Field(default=None, max_length=20)  # the status after this event
    text: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # a progress update
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # field → [before, after]
    on: dt.date = Field(sa_column=Column(Date, nullable=False))  # the day the update is about
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")


class Publication(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("consultation_id", "number", name="uq_publication_number"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    number: int  # 1 for the first publication, then one more for each correction
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # what a correction changed
    published_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    published_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")


class Reminder(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("consultation_id", "kind", name="uq_reminder_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    kind: str = Field(max_length=30)  # "7_days", "1_day", "escalated", "guardians:<publication number>"
    sent_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Reaction(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("consultation_id", "child_id", name="uq_reaction_child"),
        CheckConstraint(f"face IN ({enum_values(Face)})", name="face_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    child_id: int = Field(sa_column=Column(Integer, ForeignKey("child.id", ondelete="CASCADE"), nullable=False, index=True))
    face: str = Field(max_length=10)
    why: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    why_status: str | None = Field(default=None, max_length=10)  # WhyStatus, None when no why was written
    channel: str = Field(default="tablet", max_length=10)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class HeardBack(SQLModel, table=True):
    __tablename__ = "heard_back"
    __table_args__ = (UniqueConstraint("consultation_id", "child_id", name="uq_heard_back_child"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    child_id: int = Field(sa_column=Column(Integer, ForeignKey("child.id", ondelete="CASCADE"), nullable=False, index=True))
    seen_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


# ---- what officials type (issue 17): one field each, read by the forms' maxlength, the service and the API ----

BANDS = ("6-9", "10-13", "14-17")
DECIDER = TextField("decider", N_("Who decided"), 200)
OTHER_DECIDER_REASON = TextField("other_decider_reason", N_("Why someone else decided"), 1000)
DECISION_TEXT = TextField("text", N_("What was decided"), 5000)
REFERENCE = TextField("reference", N_("Reference number (文号)"), 100)
REASON = TextField("reason", N_("Why it was not adopted"), 2000)
EXPLANATION = TextField("explanation", N_("The explanation in adult words"), 5000)
CHILD_VERSION = TextField("child_version", N_("In the words of children aged %(band)s"), 1000)
ACTION = TextField("action", N_("What the city will do"), 1000)
DEPARTMENT = TextField("department", N_("Responsible department"), 200)
DROPPED_REASON = TextField("dropped_reason", N_("Why it was dropped"), 1000)
PROGRESS = TextField("progress", N_("Progress update"), 1000)
NOTE = TextField("note", N_("What the correction changes"), 1000)


class DecisionIn(BaseModel):
    """A decision: `decider` empty means the decider named on the Lundy checklist; another needs its reason."""

    decided_on: dt.date
    decider: dict[str, str] = {}
    other_decider_reason: str = ""
    text: dict[str, str]
    reference: str = ""
    version: int | None = None


class ResponseIn(BaseModel):
    outcome: Outcome
    reason: dict[str, str] = {}
    decide_by: dt.date | None = None
    explanation: dict[str, str] = {}
    child_versions: dict[str, dict[str, str]] = {}
    decision_id: int | None = None
    version: int | None = None


class CommitmentIn(BaseModel):
    action: dict[str, str]
    department: dict[str, str]
    due_on: dt.date | None = None
    status: CommitmentStatus = CommitmentStatus.PLANNED
    dropped_reason: str = ""
    project_id: int | None = None
    response_id: int | None = None
    version: int | None = None


class ProgressIn(BaseModel):
    on: dt.date
    text: dict[str, str]


# ---- bodies of the JSON API ------------------------------------------------------------------------------

ChildVersions = TypedDict(  # type: ignore[misc]
    "ChildVersions", {band: NotRequired[locales("ChildVersion" + band.replace("-", "to"), CHILD_VERSION, multiline=True)] for band in BANDS}
)
ChildVersions.__pydantic_config__ = ConfigDict(extra="forbid", strict=True)  # type: ignore[attr-defined]


class DecisionBody(DecisionIn, ApiIn):
    """Leave `decider` out for the decider named on the Lundy checklist; another needs `other_decider_reason`.
    `version`: the version the edit started from (a newer one answers 409)."""

    decided_on: ApiDate
    decider: locales("DecisionDecider", DECIDER) = {}  # type: ignore[valid-type]
    other_decider_reason: OTHER_DECIDER_REASON.api(multiline=True) = ""  # type: ignore[valid-type]
    text: locales("DecisionText", DECISION_TEXT, required=True, multiline=True)  # type: ignore[valid-type]
    reference: REFERENCE.api() = ""  # type: ignore[valid-type]
    version: int | None = None


class ResponseBody(ResponseIn, ApiIn):
    """`reason` is required for "not_adopted", `decide_by` for "pending" (PAR-07)."""

    outcome: Outcome = PydanticField(strict=False)
    reason: locales("ResponseReason", REASON, multiline=True) = {}  # type: ignore[valid-type]
    decide_by: ApiDate | None = None
    explanation: locales("ResponseExplanation", EXPLANATION, multiline=True) = {}  # type: ignore[valid-type]
    child_versions: ChildVersions = {}  # type: ignore[assignment]
    decision_id: Id | None = None
    version: int | None = None


class CommitmentBody(CommitmentIn, ApiIn):
    action: locales("CommitmentAction", ACTION, required=True, multiline=True)  # type: ignore[valid-type]
    department: locales("CommitmentDepartment", DEPARTMENT, required=True)  # type: ignore[valid-type]
    due_on: ApiDate | None = None
    status: CommitmentStatus = PydanticField(default=CommitmentStatus.PLANNED, strict=False)
    dropped_reason: DROPPED_REASON.api(multiline=True) = ""  # type: ignore[valid-type]
    project_id: Id | None = None
    response_id: Id | None = None
    version: int | None = None


class ProgressBody(ProgressIn, ApiIn):
    on: ApiDate
    text: locales("ProgressText", PROGRESS, required=True, multiline=True)  # type: ignore[valid-type]


class PublishBody(ApiIn):
    note: NOTE.api(multiline=True) = ""  # type: ignore[valid-type]
