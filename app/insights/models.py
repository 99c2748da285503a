"""The tables of the analysis of a consultation (issue 16; PAR-05…PAR-09, DP-12).

- `analysis`: one per consultation: its state (working → checking by children → checked), the summary in adult
  words (zh + en) and per age band in a child's words, the reason the children's check was skipped, and a
  `version` every edit checks and raises (two analysts never overwrite each other silently).
- `theme`: a theme of the comments of one audience (children's, or guardians' apart): a name and a one-sentence
  description (zh + en), the words a child reads when checking it, its keywords and its most central comments
  (from the machine's suggestion), whether a person has accepted it, and its own `version`.
- `theme_comment`: where one approved comment is sorted: into a theme, or "other" (theme_id null). A comment is
  in at most one place (its id is the key).
- `quote`: a comment an analyst picked to stand for a theme. Whether it is shown is decided each time it is read
  (QUOTE consent today, the comment still approved), never stored.
- `theme_check`: one child's "yes, that's what we said" / "not quite" for one theme; one per child per theme.
- `comment_vector`: the encoder's vector of an approved comment (app.core.embeddings), kept so that asking for
  suggestions again only clusters; with the SHA-256 of the text it was made from (a changed text is encoded
  again). Derived from the comment alone, never a child's identity: deleted with the comment (ON DELETE CASCADE,
  erasure included).
- `report`: a generated report, kept: its number, language, the file (media storage) with its SHA-256, who made
  it when, and the counts it showed (so what the decision-maker read can be shown later, even after an erasure).
"""

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, enum_values, utcnow
from app.core.i18n import N_


class AnalysisState(StrEnum):
    WORKING = "working"  # analysts sort comments into themes
    CHECKING = "checking"  # children who took part check the themes ("did we understand you?")
    CHECKED = "checked"  # the check is over (or was skipped, with a reason): the report can be final


ANALYSIS_STATE_LABELS: dict[AnalysisState, str] = {
    AnalysisState.WORKING: N_("Sorting comments into themes"),
    AnalysisState.CHECKING: N_("Children are checking the themes"),
    AnalysisState.CHECKED: N_("Themes checked"),
}


class Audience(StrEnum):
    CHILD = "child"
    GUARDIAN = "guardian"  # guardians' comments are themed apart, never mixed with children's (PAR-05)


class Analysis(SQLModel, table=True):
    __table_args__ = (CheckConstraint(f"state IN ({enum_values(AnalysisState)})", name="state_known"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False, unique=True)
    )
    state: str = Field(default=AnalysisState.WORKING.value, max_length=10)
    summary: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Per targeted age band, in a child's words: {"6-9": {"zh_Hans": …, "en": …}, …}
    child_summary: dict[str, dict[str, str]] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    check_skipped_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    check_started_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    check_ended_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    suggestion_job_id: int | None = Field(default=None, foreign_key="job.id", ondelete="SET NULL")
    version: int = Field(default=1)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")


class Theme(SQLModel, table=True):
    __table_args__ = (CheckConstraint(f"audience IN ({enum_values(Audience)})", name="audience_known"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    audience: str = Field(default=Audience.CHILD.value, max_length=10)
    position: int = Field(default=0)
    name: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    description: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    child_words: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    central_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # comment ids
    accepted: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    version: int = Field(default=1)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")


class ThemeComment(SQLModel, table=True):
    __tablename__ = "theme_comment"

    comment_id: int = Field(sa_column=Column(Integer, ForeignKey("comment.id", ondelete="CASCADE"), primary_key=True))
    consultation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    theme_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("theme.id", ondelete="CASCADE"), nullable=True, index=True)
    )  # None: "other"
    placed_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    placed_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")


class Quote(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("theme_id", "comment_id", name="uq_quote_theme_comment"),)

    id: int | None = Field(default=None, primary_key=True)
    theme_id: int = Field(sa_column=Column(Integer, ForeignKey("theme.id", ondelete="CASCADE"), nullable=False, index=True))
    comment_id: int = Field(sa_column=Column(Integer, ForeignKey("comment.id", ondelete="CASCADE"), nullable=False, index=True))
    position: int = Field(default=0)
    picked_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    picked_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")


class ThemeCheck(SQLModel, table=True):
    __tablename__ = "theme_check"
    __table_args__ = (UniqueConstraint("theme_id", "child_id", name="uq_theme_check_child"),)

    id: int | None = Field(default=None, primary_key=True)
    theme_id: int = Field(sa_column=Column(Integer, ForeignKey("theme.id", ondelete="CASCADE"), nullable=False, index=True))
    consultation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    child_id: int = Field(sa_column=Column(Integer, ForeignKey("child.id", ondelete="CASCADE"), nullable=False, index=True))
    agrees: bool = Field(sa_column=Column(Boolean, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Report(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("consultation_id", "number", "locale", name="uq_report_number"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    number: int  # 1, 2, … per consultation: a regenerated report is a new version
    locale: str = Field(max_length=10)
    # None once the version is withdrawn: its file held words whose author withdrew QUOTE consent or was erased.
    file_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("stored_file.id"), nullable=True, unique=True))
    sha256: str = Field(sa_column=Column(String(64), nullable=False))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # the counts it showed
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    created_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    withdrawn_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class CommentVector(SQLModel, table=True):
    """A comment's vector for the themes' suggestions (512 float32, little-endian), made from the text whose
    SHA-256 is `text_sha256`. Goes with the comment (CASCADE)."""

    __tablename__ = "comment_vector"
    comment_id: int = Field(sa_column=Column(Integer, ForeignKey("comment.id", ondelete="CASCADE"), primary_key=True))
    text_sha256: str = Field(max_length=64)
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
