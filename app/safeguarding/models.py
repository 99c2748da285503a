"""Safeguarding data (SG-01, SG-03, SG-04, MP-06, MP-07).

* `safeguarding_case` — one row per disclosure: the child's exact words (encrypted at rest), when, the group
  and child session, the pseudonymous child, the consultation/comment if any. The workflow timestamps
  (acknowledged, assessed, escalated, closed) are each set once by a conditional UPDATE; the child's
  reference is ON DELETE RESTRICT and kept through a guardian's erasure (a legal duty to keep records:
  ROMO Art. 38(2), MPL Art. 80; PIPL Art. 47 allows keeping what a law requires).
* `safeguarding_action` — every step of the workflow, one row each, never updated or deleted (the database
  refuses it: triggers made by the migration). Every step is audited too.
* `safeguarding_duty` — who is on duty and how an alert reaches them (SMS or e-mail, contact encrypted).
  Administrators keep their escalation contact in the same table.
* `reidentification` — every time an officer looked at the identity of the child behind a case, and why.

Session, consultation and comment ids are plain numbers, not foreign keys: the case is evidence and must
keep saying where the words came from after the session ended or the comment was erased."""

import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import JSON, Boolean, CheckConstraint, Column, Float, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from app.core.crypto import EncryptedText
from app.core.db import Id, UTCDateTime, enum_values, utcnow
from app.core.i18n import N_
from app.core.validation import ApiIn, TextField


class CaseSource(StrEnum):
    SCREENING = "screening"  # the automated screening flagged the words (SG-02)
    MODERATOR = "moderator"  # a moderator's one-tap escalation (SG-01, SG-02)
    HELP_REQUEST = "help_request"  # the "I need help" button (SG-06, CON-15)
    FACILITATOR = "facilitator"  # an on-site facilitator's concern (SG-07)


class Subkind(StrEnum):
    ABUSE = "abuse"
    NEGLECT = "neglect"
    SELF_HARM = "self_harm"
    SEXUAL = "sexual"
    GROOMING = "grooming"
    RUNNING_AWAY = "running_away"
    BULLYING = "bullying"


class CaseState(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


class Assessment(StrEnum):
    IMMEDIATE_DANGER = "immediate_danger"
    AT_RISK = "at_risk"
    CONCERN = "concern"
    NO_CONCERN = "no_concern"


class ActionKind(StrEnum):
    """Every step of a case (SG-04, MP-07). The workflow steps are recorded by the service; officers add the rest."""

    ACKNOWLEDGED = "acknowledged"
    ASSESSED = "assessed"
    ESCALATED = "escalated"
    FACILITATOR_CONTACTED = "facilitator_contacted"
    EMERGENCY_110 = "emergency_110"
    EMERGENCY_120 = "emergency_120"
    REPORT_POLICE = "report_police"
    REPORT_CIVIL_AFFAIRS = "report_civil_affairs"
    REPORT_EDUCATION = "report_education"
    GUARDIAN_CONTACTED = "guardian_contacted"
    GUARDIAN_NOT_CONTACTED = "guardian_not_contacted"  # the officer decided not to: the guardian may be the harm
    NOTE = "note"
    CLOSED = "closed"


# What an officer may record by hand; mandatory reports need their reference number.
RECORDABLE: tuple[ActionKind, ...] = (
    ActionKind.FACILITATOR_CONTACTED, ActionKind.EMERGENCY_110, ActionKind.EMERGENCY_120,
    ActionKind.REPORT_POLICE, ActionKind.REPORT_CIVIL_AFFAIRS, ActionKind.REPORT_EDUCATION,
    ActionKind.GUARDIAN_CONTACTED, ActionKind.GUARDIAN_NOT_CONTACTED, ActionKind.NOTE,
)
REPORTS: frozenset[ActionKind] = frozenset({ActionKind.REPORT_POLICE, ActionKind.REPORT_CIVIL_AFFAIRS, ActionKind.REPORT_EDUCATION})


class Outcome(StrEnum):
    REFERRED = "referred"  # handed to police, civil affairs, education or health
    SUPPORTED = "supported"  # support arranged on site or with the family
    NO_FURTHER_ACTION = "no_further_action"
    DUPLICATE = "duplicate"


class AlertChannel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


SOURCE_LABELS: dict[CaseSource, str] = {
    CaseSource.SCREENING: N_("Automatic screening"),
    CaseSource.MODERATOR: N_("A moderator"),
    CaseSource.HELP_REQUEST: N_("The \"I need help\" button"),
    CaseSource.FACILITATOR: N_("A facilitator on site"),
}
SUBKIND_LABELS: dict[Subkind, str] = {
    Subkind.ABUSE: N_("Abuse or violence"),
    Subkind.NEGLECT: N_("Neglect"),
    Subkind.SELF_HARM: N_("Self-harm or suicide"),
    Subkind.SEXUAL: N_("Sexual content involving the child"),
    Subkind.GROOMING: N_("Contact request by an adult"),
    Subkind.RUNNING_AWAY: N_("Running away"),
    Subkind.BULLYING: N_("Severe bullying"),
}
STATE_LABELS: dict[CaseState, str] = {
    CaseState.NEW: N_("New: not acknowledged"),
    CaseState.ACKNOWLEDGED: N_("Acknowledged"),
    CaseState.CLOSED: N_("Closed"),
}
ASSESSMENT_LABELS: dict[Assessment, str] = {
    Assessment.IMMEDIATE_DANGER: N_("Immediate danger"),
    Assessment.AT_RISK: N_("At risk of harm"),
    Assessment.CONCERN: N_("A concern to follow"),
    Assessment.NO_CONCERN: N_("No concern after assessment"),
}
ACTION_LABELS: dict[ActionKind, str] = {
    ActionKind.ACKNOWLEDGED: N_("Acknowledged"),
    ActionKind.ASSESSED: N_("Assessed"),
    ActionKind.ESCALATED: N_("Escalated to administrators (not acknowledged in time)"),
    ActionKind.FACILITATOR_CONTACTED: N_("On-site facilitator contacted"),
    ActionKind.EMERGENCY_110: N_("Emergency services called: police 110"),
    ActionKind.EMERGENCY_120: N_("Emergency services called: ambulance 120"),
    ActionKind.REPORT_POLICE: N_("Mandatory report to the police"),
    ActionKind.REPORT_CIVIL_AFFAIRS: N_("Mandatory report to civil affairs"),
    ActionKind.REPORT_EDUCATION: N_("Mandatory report to the education bureau"),
    ActionKind.GUARDIAN_CONTACTED: N_("Guardian contacted"),
    ActionKind.GUARDIAN_NOT_CONTACTED: N_("Decided not to contact the guardian"),
    ActionKind.NOTE: N_("Note"),
    ActionKind.CLOSED: N_("Closed"),
}
OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.REFERRED: N_("Referred to the authorities"),
    Outcome.SUPPORTED: N_("Support arranged"),
    Outcome.NO_FURTHER_ACTION: N_("No further action needed"),
    Outcome.DUPLICATE: N_("Duplicate of another case"),
}
CHANNEL_LABELS: dict[AlertChannel, str] = {AlertChannel.SMS: N_("SMS"), AlertChannel.EMAIL: N_("E-mail")}


class SafeguardingCase(SQLModel, table=True):
    __tablename__ = "safeguarding_case"
    __table_args__ = (
        CheckConstraint(f"source IN ({enum_values(CaseSource)})", name="source_known"),
        CheckConstraint(f"assessment IS NULL OR assessment IN ({enum_values(Assessment)})", name="assessment_known"),
        CheckConstraint(f"outcome IS NULL OR outcome IN ({enum_values(Outcome)})", name="outcome_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=20)
    subkinds: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # SG-03: the child's exact words, encrypted at rest (may be empty: the help button needs no words).
    words: str = Field(default="", sa_column=Column(EncryptedText, nullable=False))
    # The pseudonymous child (none for an anonymous visitor); RESTRICT: the record outlives an erasure.
    child_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("child.id", ondelete="RESTRICT"), nullable=True, index=True)
    )
    child_session_id: int | None = Field(default=None)
    group_session_id: int | None = Field(default=None)
    group_id: int | None = Field(default=None)  # where the child was (the group of the tablet or the child)
    consultation_id: int | None = Field(default=None)
    comment_id: int | None = Field(default=None)
    opened_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    acknowledged_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    acknowledged_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    escalated_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    assessment: str | None = Field(default=None, max_length=20)
    assessed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    outcome: str | None = Field(default=None, max_length=20)

    @property
    def number(self) -> str:
        return f"SG-{self.id:05d}"

    @property
    def state(self) -> CaseState:
        if self.closed_at is not None:
            return CaseState.CLOSED
        if self.acknowledged_at is not None:
            return CaseState.ACKNOWLEDGED
        return CaseState.NEW


class SafeguardingAction(SQLModel, table=True):
    """Append-only (the database refuses UPDATE and DELETE)."""

    __tablename__ = "safeguarding_action"
    __table_args__ = (CheckConstraint(f"kind IN ({enum_values(ActionKind)})", name="kind_known"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(
        sa_column=Column(Integer, ForeignKey("safeguarding_case.id", ondelete="RESTRICT"), nullable=False, index=True)
    )
    kind: str = Field(max_length=30)
    reference: str | None = Field(default=None, max_length=100)  # a mandatory report's reference number
    assessment: str | None = Field(default=None, max_length=20)  # for kind `assessed`
    note: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
    actor_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class SafeguardingDuty(SQLModel, table=True):
    __tablename__ = "safeguarding_duty"
    __table_args__ = (CheckConstraint(f"alert_channel IN ({enum_values(AlertChannel)})", name="alert_channel_known"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("staff_user.id", ondelete="CASCADE"), nullable=False, unique=True)
    )
    on_duty: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    alert_channel: str = Field(default=AlertChannel.SMS.value, max_length=10)
    alert_contact: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ReadingOutcome(StrEnum):
    """What an officer decided about words on the "please read" list (issue 14)."""

    CASE_OPENED = "case_opened"
    RETURNED = "returned"  # back to normal moderation


READING_OUTCOME_LABELS: dict[ReadingOutcome, str] = {
    ReadingOutcome.CASE_OPENED: N_("A case was opened"),
    ReadingOutcome.RETURNED: N_("Returned to normal moderation"),
}


class PossibleConcern(SQLModel, table=True):
    """A comment screening found *possibly* worrying (issue 14): not shown to anyone but the safeguarding
    officers, no case opened, on their "please read" list until one of them opens a case or returns it to
    normal moderation (one tap each, a conditional UPDATE settles who was first). One row per comment; the
    words are the ones flagged, encrypted at rest, and go with the comment when it is withdrawn or erased
    (a case opened from them keeps its own copy)."""

    __tablename__ = "possible_concern"
    __table_args__ = (
        CheckConstraint(f"outcome IS NULL OR outcome IN ({enum_values(ReadingOutcome)})", name="outcome_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("comment.id", ondelete="CASCADE"), nullable=False, unique=True)
    )
    consultation_id: int | None = Field(default=None)
    words: str = Field(default="", sa_column=Column(EncryptedText, nullable=False))
    subkinds: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    score: float = Field(default=0.0, sa_column=Column(Float, nullable=False, default=0.0))
    listed_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    escalated_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    read_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    read_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    outcome: str | None = Field(default=None, max_length=20)
    case_id: int | None = Field(default=None)  # the case opened from it

    @property
    def number(self) -> str:
        return f"PR-{self.id:05d}"


class Reidentification(SQLModel, table=True):
    __tablename__ = "reidentification"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(
        sa_column=Column(Integer, ForeignKey("safeguarding_case.id", ondelete="RESTRICT"), nullable=False, index=True)
    )
    officer_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    reason: str = Field(sa_column=Column(EncryptedText, nullable=False))
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


# ---- API schemas ---------------------------------------------------------------------------------


class ActionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: ActionKind
    reference: str | None
    assessment: str | None
    note: str | None
    actor_id: Id | None
    at: dt.datetime


class CaseSummary(BaseModel):
    number: str
    id: int
    source: CaseSource
    subkinds: list[str]
    state: CaseState
    created_at: dt.datetime
    acknowledged_at: dt.datetime | None
    escalated_at: dt.datetime | None
    closed_at: dt.datetime | None


class CaseOut(CaseSummary):
    words: str
    child_id: Id | None
    pseudonym: str | None
    group_id: Id | None
    child_session_id: Id | None
    group_session_id: Id | None
    consultation_id: Id | None
    comment_id: Id | None
    acknowledged_by_id: Id | None
    assessment: Assessment | None
    outcome: Outcome | None
    actions: list[ActionOut]


class Acknowledged(BaseModel):
    case: CaseSummary
    first: bool
    acknowledged_by: str


# What officers type about a case, with the limits the forms' `maxlength` shows (core.validation).
REFERENCE = TextField("reference", N_("Reference number (required for a mandatory report)"), 100)
NOTE = TextField("note", N_("Note"), 4000)
REASON = TextField("reason", N_("Reason"), 1000, min=5, too_short=N_(
    "Please say why you need to see who this child is (at least 5 characters)."))
RecordableKind = Literal[tuple(k.value for k in (ActionKind.ASSESSED, *RECORDABLE))]  # type: ignore[valid-type]


class ActionIn(ApiIn):
    kind: RecordableKind = PydanticField(description=(
        "a report needs its `reference` (`/problems/reference-needed`); `assessed` its `assessment` and `note` "
        "its `note` (`/problems/detail-needed`)"))
    reference: REFERENCE.api() | None = None
    note: NOTE.api(multiline=True) | None = None
    assessment: Assessment | None = PydanticField(default=None, strict=False)


class CloseIn(ApiIn):
    outcome: Outcome = PydanticField(strict=False)
    note: NOTE.api(multiline=True) | None = None


class ReidentifyIn(ApiIn):
    reason: REASON.api(multiline=True)


class IdentityOut(BaseModel):
    case_id: Id
    child_id: Id
    pseudonym: str
    real_name: str | None
    notes: str | None


class ReidentificationOut(BaseModel):
    id: int
    case_id: Id
    case_number: str
    officer_id: Id | None
    officer: str | None
    reason: str
    at: dt.datetime


class PossibleConcernOut(BaseModel):
    """Words on the officers' "please read" list: the words, the sub-kinds screening suspects, when they
    were listed and when they are due; the child by pseudonym and age band only, or that a guardian wrote them."""

    id: int
    number: str
    comment_id: int
    writer: str  # "child" or "guardian": a guardian's words are an adult's (issue 14)
    consultation_id: int | None
    words: str
    subkinds: list[str]
    score: float
    pseudonym: str | None
    age_band: str | None
    listed_at: dt.datetime
    due_at: dt.datetime
    escalated_at: dt.datetime | None
    read_at: dt.datetime | None
    read_by_id: int | None
    outcome: ReadingOutcome | None
    case_id: int | None
