"""Consultations, their questions and options, children's answers (one per child per question), the
comments that short-text answers and guardians' views become (held for moderation), participations with
their receipt codes, and submissions keyed for idempotency.

Texts written by staff are stored per locale ({"zh_Hans": …, "en": …}); the child brief per age band
({"6-9": {…}, "10-13": {…}, "14-17": {…}}). The state of a consultation (draft, scheduled, open, closed) is
computed from its dates, so no timer process is needed."""

import datetime as dt
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, NotRequired

from pydantic import BaseModel, ConfigDict, StringConstraints
from pydantic import Field as PydanticField
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel
from typing_extensions import TypedDict

from app.core.db import Id, UTCDateTime, enum_values, utcnow
from app.core.i18n import LOCALES, N_, NC_, localised
from app.core.validation import ApiDate, ApiIn, ApiInstant, TextField, locales
from app.corps.models import AgeBand

TEXT_LIMIT = 280  # characters of a short-text answer or a guardian's comment

# The longest text each field takes, in any language: the form's `maxlength` (MAX_LENGTHS), checked again
# here for the API and for browsers that ignore it. The labels are the form's own.
TEXT_LIMITS = {
    "title": TextField("title", N_("Title"), 200),
    "description": TextField("description", N_("Description for staff and guardians"), 5000),
    "picture_alt": TextField("picture_alt", N_("The picture in words"), 300),
    "decision": TextField("decision", N_("The decision it feeds"), 2000),
    "decider_body": TextField("decider_body", N_("Who decides: the body"), 300),
    "decider_role": TextField("decider_role", N_("Who decides: the role of the person"), 300),
    "can_change": TextField("can_change", N_("What children's views can change"), 2000),
    "cannot_change": TextField("cannot_change", N_("What cannot change, and why"), 2000),
}
BRIEF = TextField("briefs", N_("Brief for children aged %(band)s"), 2000)
CLOSE_REASON = TextField("reason", N_("Close early: the reason (children and colleagues will see it)"), 1000, min=1,
                         too_short=N_("Please say why the consultation closes early; children and colleagues will see it."))


PROMPT = TextField("prompt", N_("The question, in the words children read"), 500)
OPTION = TextField("options", N_("Options (for “Choose one”, “Choose several” and “Put in order”: 2 to 12)"), 100)
# A written answer, in the child's words when it is too long (the paper form shows it beside its question).
ANSWER_TEXT = TextField("text", N_("Your answer"), TEXT_LIMIT, too_long=N_("That is a bit long. Please use up to %(max)s characters."))
GUARDIAN_VIEW = TextField("text", N_("Your view"), TEXT_LIMIT, min=1, too_short=N_("Please write your view before sending."))



# ---- topics --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    code: str
    names: dict[str, str]
    area: str  # the code of the action area (itself for an area)

    @property
    def is_area(self) -> bool:
        return self.code == self.area

    def label(self) -> str:
        return localised(self.names)


@cache
def topics() -> dict[str, Topic]:
    """The taxonomy of the city plan's six action areas and their tasks (data/topics.toml), in file order."""
    found: dict[str, Topic] = {}
    with (Path(__file__).parent / "data" / "topics.toml").open("rb") as handle:
        data = tomllib.load(handle)
    for area in data["area"]:
        found[area["code"]] = Topic(area["code"], {loc: area[loc] for loc in LOCALES}, area["code"])
        for task in area.get("task", []):
            found[task["code"]] = Topic(task["code"], {loc: task[loc] for loc in LOCALES}, area["code"])
    return found






class State(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"


STATE_LABELS: dict[State, str] = {
    State.DRAFT: N_("Draft"),
    State.SCHEDULED: N_("Scheduled"),
    State.OPEN: N_("Open"),
    State.CLOSED: N_("Closed"),
}


class CycleStage(StrEnum):
    """The child-friendly-city cycle (PAR-12)."""

    SITUATION_ANALYSIS = "situation_analysis"
    ACTION_PLAN = "action_plan"
    BUDGET = "budget"
    IMPLEMENTATION = "implementation"
    EVALUATION = "evaluation"


CYCLE_STAGE_LABELS: dict[CycleStage, str] = {
    CycleStage.SITUATION_ANALYSIS: N_("Situation analysis"),
    CycleStage.ACTION_PLAN: N_("Action plan"),
    CycleStage.BUDGET: N_("Budget"),
    CycleStage.IMPLEMENTATION: N_("Implementation"),
    CycleStage.EVALUATION: N_("Evaluation"),
}


class QuestionKind(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    SCALE = "scale"  # five faces, with words under each face
    RANKING = "ranking"  # tap the options in order (A11Y-03: no dragging)
    TEXT = "text"  # up to TEXT_LIMIT characters; becomes a comment held for moderation


QUESTION_KIND_LABELS: dict[QuestionKind, str] = {
    QuestionKind.SINGLE: N_("Choose one"),
    QuestionKind.MULTIPLE: N_("Choose several"),
    QuestionKind.SCALE: N_("Five faces"),
    QuestionKind.RANKING: N_("Put in order"),
    QuestionKind.TEXT: N_("Short text"),
}

# The five faces of the scale question, the same in every consultation (A11Y-31), with words under each, in a
# context of their own ("OK" on a face is 一般, not the 无误 of an imported row; issue 18).
SCALE_FACES: list[tuple[int, str, str]] = [
    (1, "face-1", NC_("five faces", "Very bad")),
    (2, "face-2", NC_("five faces", "Bad")),
    (3, "face-3", NC_("five faces", "OK")),
    (4, "face-4", NC_("five faces", "Good")),
    (5, "face-5", NC_("five faces", "Very good")),
]

# The pictograms for options (static/img/pictograms/<key>.svg, from Tabler Icons), always shown with the option's
# words; officials search them by their words and keywords in both languages (data/pictograms.toml, issue 18).
@dataclass(frozen=True)
class Pictogram:
    key: str
    group: str
    names: dict[str, str]
    keywords: str

    def label(self) -> str:
        return localised(self.names)


def _load_pictograms() -> tuple[dict[str, Pictogram], dict[str, dict[str, str]]]:
    with (Path(__file__).parent / "data" / "pictograms.toml").open("rb") as handle:
        data = tomllib.load(handle)
    groups = {g["code"]: {loc: g[loc] for loc in LOCALES} for g in data["group"]}
    found = {p["key"]: Pictogram(p["key"], p["group"], {loc: p[loc] for loc in LOCALES}, p["keywords"]) for p in data["pictogram"]}
    return found, groups


PICTOGRAMS, PICTOGRAM_GROUPS = _load_pictograms()


class Channel(StrEnum):
    TABLET = "tablet"
    PHONE = "phone"
    PAPER = "paper"  # entered by a facilitator from a paper form (PAR-14)


CHANNEL_LABELS: dict[Channel, str] = {
    Channel.TABLET: N_("Tablet"),
    Channel.PHONE: N_("Phone"),
    Channel.PAPER: N_("Paper"),
}


class CommentStatus(StrEnum):
    PENDING = "pending"  # waiting for a moderator; seen by no one but staff
    APPROVED = "approved"
    REDACTED = "redacted"  # approved with a change
    REJECTED = "rejected"  # not shown


class AuthorKind(StrEnum):
    CHILD = "child"
    GUARDIAN = "guardian"


class Picture(SQLModel, table=True):
    """An uploaded picture, checked by content and re-encoded (metadata such as EXIF/GPS stripped); its bytes are
    a file in the media room's storage (`file_id`, app.media.service), deleted with the picture."""

    id: int | None = Field(default=None, primary_key=True)
    file_id: int = Field(sa_column=Column(Integer, ForeignKey("stored_file.id"), nullable=False, unique=True))
    width: int
    height: int
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    created_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")


class Consultation(SQLModel, table=True):
    __table_args__ = (CheckConstraint(f"cycle_stage IN ({enum_values(CycleStage)})", name="cycle_stage_known"),)

    id: int | None = Field(default=None, primary_key=True)
    title: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    description: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    briefs: dict[str, dict[str, str]] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    picture_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("picture.id", ondelete="SET NULL"), nullable=True)
    )
    # The picture in words, per locale: its alt text for children who cannot see it (A11Y-04, WCAG 1.1.1).
    picture_alt: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    topic: str = Field(default="", max_length=60)
    cycle_stage: str = Field(default=CycleStage.SITUATION_ANALYSIS.value, max_length=30)
    # Targeting: age bands ("6-9", "10-13", "14-17"); districts and groups (empty: all of them).
    age_bands: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    district_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    group_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    project_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("project.id", ondelete="SET NULL"), nullable=True, index=True)
    )
    # The Lundy gate (PAR-01): what decision this feeds, who decides, the scope, the dates.
    decision: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    decider_body: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    decider_role: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    can_change: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    cannot_change: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    opens_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    closes_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    respond_by: dt.date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    scheduled_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    scheduled_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    closed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)  # closed early by an official
    close_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    closed_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    created_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # Issue 16: the department whose analysts and officials work on it (None: every department's); set to the
    # creating official's department, changed by an administrator only.
    department_id: int | None = Field(default=None, foreign_key="department.id", ondelete="SET NULL", index=True)

    def state(self, now: dt.datetime | None = None) -> State:
        """Computed from the dates: opening and closing need no timer process."""
        now = now or utcnow()
        if self.scheduled_at is None:
            return State.DRAFT
        if self.closed_at is not None or (self.closes_at is not None and now >= self.closes_at):
            return State.CLOSED
        if self.opens_at is not None and now < self.opens_at:
            return State.SCHEDULED
        return State.OPEN


class Question(SQLModel, table=True):
    __table_args__ = (CheckConstraint(f"kind IN ({enum_values(QuestionKind)})", name="kind_known"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    position: int = Field(default=0)
    kind: str = Field(max_length=20)
    prompt: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    max_choices: int | None = Field(default=None)  # multiple choice only


class Option(SQLModel, table=True):
    __tablename__ = "question_option"

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(sa_column=Column(Integer, ForeignKey("question.id", ondelete="CASCADE"), nullable=False, index=True))
    position: int = Field(default=0)
    label: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    pictogram: str | None = Field(default=None, max_length=30)


class Participation(SQLModel, table=True):
    """A child's part in one consultation, with the receipt code they keep to follow the outcome."""

    __table_args__ = (UniqueConstraint("consultation_id", "child_id"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    child_id: int = Field(sa_column=Column(Integer, ForeignKey("child.id", ondelete="CASCADE"), nullable=False, index=True))
    receipt_code: str = Field(sa_column=Column(String(12), nullable=False, unique=True))
    channel: str = Field(max_length=10)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Submission(SQLModel, table=True):
    """One sending of a child's answers, keyed for idempotency: a retried send is recognised by its key."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_column=Column(String(100), nullable=False, unique=True))
    consultation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    child_id: int = Field(sa_column=Column(Integer, ForeignKey("child.id", ondelete="CASCADE"), nullable=False, index=True))
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Answer(SQLModel, table=True):
    """One per child per question (unique constraint, written by an upsert)."""

    __table_args__ = (
        UniqueConstraint("question_id", "child_id"),
        CheckConstraint(f"channel IN ({enum_values(Channel)})", name="channel_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    question_id: int = Field(sa_column=Column(Integer, ForeignKey("question.id", ondelete="CASCADE"), nullable=False, index=True))
    child_id: int = Field(sa_column=Column(Integer, ForeignKey("child.id", ondelete="CASCADE"), nullable=False, index=True))
    channel: str = Field(max_length=10)
    skipped: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    # single {"option": id} · multiple {"options": [ids]} · scale {"scale": 1-5} · ranking {"order": [ids]} · text {}
    value: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    entered_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")  # paper
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Comment(SQLModel, table=True):
    """A child's short-text answer or a guardian's view: held for moderation; seen by no one but staff until
    approved (MOD-01). Guardians' comments are labelled and kept apart from children's in every count."""

    __table_args__ = (
        UniqueConstraint("question_id", "child_id"),
        UniqueConstraint("consultation_id", "guardian_id"),
        CheckConstraint(f"author_kind IN ({enum_values(AuthorKind)})", name="author_kind_known"),
        CheckConstraint(f"status IN ({enum_values(CommentStatus)})", name="status_known"),
        CheckConstraint(
            "(author_kind = 'child' AND child_id IS NOT NULL AND guardian_id IS NULL)"
            " OR (author_kind = 'guardian' AND guardian_id IS NOT NULL AND child_id IS NULL)",
            name="one_author",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    question_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("question.id", ondelete="CASCADE"), nullable=True, index=True)
    )
    author_kind: str = Field(max_length=10)
    child_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("child.id", ondelete="CASCADE"), nullable=True, index=True)
    )
    guardian_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("guardian.id", ondelete="CASCADE"), nullable=True, index=True)
    )
    channel: str = Field(max_length=10)
    text: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=CommentStatus.PENDING.value, max_length=20, index=True)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


# ---- API schemas ---------------------------------------------------------------------------------


class OptionIn(BaseModel):
    label: dict[str, str]
    pictogram: str | None = None


class QuestionIn(BaseModel):
    kind: QuestionKind
    prompt: dict[str, str]
    max_choices: int | None = None
    options: list[OptionIn] = []


class OptionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    position: int
    label: dict[str, str]
    pictogram: str | None


class QuestionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    position: int
    kind: QuestionKind
    prompt: dict[str, str]
    max_choices: int | None
    options: list[OptionPublic] = []


class ConsultationIn(BaseModel):
    """Create or edit a consultation. Every field may be left empty in a draft; the Lundy gate (PAR-01)
    refuses to schedule until the decision, the decider, the scope and the dates are given."""

    title: dict[str, str]
    description: dict[str, str] = {}
    briefs: dict[str, dict[str, str]] = {}
    picture_alt: dict[str, str] = PydanticField(
        default={}, description="the picture in words, for children who cannot see it (its alt text, A11Y-04)"
    )
    topic: str = ""
    cycle_stage: CycleStage = CycleStage.SITUATION_ANALYSIS
    age_bands: list[str] = []
    district_ids: list[Id] = []
    group_ids: list[Id] = []
    project_id: Id | None = None
    decision: dict[str, str] = {}
    decider_body: dict[str, str] = {}
    decider_role: dict[str, str] = {}
    can_change: dict[str, str] = {}
    cannot_change: dict[str, str] = {}
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    respond_by: dt.date | None = None


class ConsultationPublic(ConsultationIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    state: State
    picture_id: Id | None
    scheduled_at: dt.datetime | None
    closed_at: dt.datetime | None
    close_reason: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    questions: list[QuestionPublic] = []


class CloseEarly(ApiIn):
    reason: CLOSE_REASON.api(multiline=True)


# ---- bodies of the JSON API: every rule of a field in the schema (issue 13) --------------------------------
# Rules across fields or records stay with the service and have problem types of their own: the Lundy gate
# (`/problems/lundy-gate`), dates in order (`dates-out-of-order`), districts, groups and projects that exist
# (`unknown-reference`), options that fit the question (`options-do-not-fit`), answers that fit their question
# (`answer-does-not-fit`) and the send's key (`idempotency-key`).

BandIn = Literal[tuple(band.value for band in AgeBand)]  # type: ignore[valid-type]
PictogramIn = Literal[tuple(PICTOGRAMS)]  # type: ignore[valid-type]
TopicIn = Literal[("", *topics())]  # type: ignore[valid-type]
Briefs = TypedDict("Briefs", {band.value: NotRequired[locales(f"Brief{band.name.title()}", BRIEF, multiline=True)] for band in AgeBand})  # type: ignore[misc]
Briefs.__pydantic_config__ = ConfigDict(extra="forbid", strict=True)  # type: ignore[attr-defined]
_MULTILINE = {"description", "decision", "can_change", "cannot_change"}


def _texts(name: str, required: bool = False) -> Any:
    return locales("Consultation" + name.title().replace("_", ""), TEXT_LIMITS[name], required=required, multiline=name in _MULTILINE)


class ConsultationBody(ConsultationIn, ApiIn):
    """A consultation through the API. A draft may leave everything but its Chinese title empty; scheduling
    needs the Lundy items (PAR-01)."""

    title: _texts("title", required=True)
    description: _texts("description") = {}
    briefs: Briefs = {}
    picture_alt: _texts("picture_alt") = PydanticField(
        default={}, description="the picture in words, for children who cannot see it (its alt text, A11Y-04)"
    )
    topic: TopicIn = PydanticField(default="", description="a topic code of the city plan (GET /api/v1/consultations/topics)")
    cycle_stage: CycleStage = PydanticField(default=CycleStage.SITUATION_ANALYSIS, strict=False)
    age_bands: list[BandIn] = PydanticField(default=[], max_length=3)
    district_ids: list[Id] = PydanticField(default=[], max_length=100)
    group_ids: list[Id] = PydanticField(default=[], max_length=500)
    decision: _texts("decision") = {}
    decider_body: _texts("decider_body") = {}
    decider_role: _texts("decider_role") = {}
    can_change: _texts("can_change") = {}
    cannot_change: _texts("cannot_change") = {}
    opens_at: ApiInstant | None = None
    closes_at: ApiInstant | None = None
    respond_by: ApiDate | None = None


class OptionBody(OptionIn, ApiIn):
    label: locales("OptionLabel", OPTION, required=True)
    pictogram: PictogramIn | None = None


class QuestionBody(QuestionIn, ApiIn):
    """A question through the API: "choose one", "choose several" and "put in order" take 2 to 12 options, the
    faces and a short text none; `max_choices` (several) is at most the number of options."""

    kind: QuestionKind = PydanticField(strict=False)
    prompt: locales("QuestionPrompt", PROMPT, required=True, multiline=True)
    max_choices: int | None = PydanticField(default=None, ge=1, le=12)
    options: list[OptionBody] = PydanticField(default=[], max_length=12)


class AnswerIn(BaseModel):
    """A child's answer to one question. `skip` is always allowed (PAR-03)."""

    question_id: Id
    skip: bool = False
    option: int | None = None
    options: list[int] = []
    scale: int | None = None
    order: list[int] = []
    text: str | None = None


class AnswerBody(AnswerIn, ApiIn):
    """One answer through the child's API. Whether it fits its question (one of its options, a face from 1 to 5,
    every option once in order) is the service's rule (`/problems/answer-does-not-fit`)."""

    question_id: Id
    skip: bool = False
    option: Id | None = None
    options: list[Id] = PydanticField(default=[], max_length=12)
    scale: int | None = PydanticField(default=None, ge=1, le=5)
    order: list[Id] = PydanticField(default=[], max_length=12)
    text: ANSWER_TEXT.api(multiline=True) | None = None


class AnswersIn(ApiIn):
    key: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{16,40}\.[0-9a-f]{32}$")] = PydanticField(
        description="the idempotency key from GET …/form; a retried send with the same key counts once; a key not given "
        "to this child for this consultation is refused (`/problems/idempotency-key`)")
    answers: list[AnswerBody] = PydanticField(max_length=100)


class Receipt(BaseModel):
    consultation_id: Id
    receipt_code: str
    answers: int
    repeated: bool = PydanticField(description="true when this key was already sent: nothing was stored twice")
    told_a_grown_up: bool = PydanticField(
        default=False, description="true when a written answer was passed to a safeguarding officer: show the calm screen (SG-05)"
    )


class GuardianCommentIn(BaseModel):
    text: str = PydanticField(max_length=TEXT_LIMIT)
