"""Projects of the city's child-friendly project library, with a child impact assessment (儿童影响评价)."""

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from app.core.db import Id, UTCDateTime, enum_values, utcnow
from app.core.i18n import N_
from app.core.validation import ApiIn, TextField, locales

BUDGET_MAX_YUAN = 10**13  # far above any city budget: a typo of many digits is refused
# The longest text each field takes, in any language: the form's `maxlength`, checked again by the service
# for browsers that ignore it, and stated in the API's schema (core.validation). The labels are the form's own.
TEXTS = {
    "name": TextField("name", N_("Name of the project"), 200),
    "department": TextField("department", N_("Responsible department"), 200),
    "impact_assessment": TextField("impact_assessment", N_("Child impact assessment"), 10_000),
    "views_changed": TextField("views_changed", N_("How children's views changed this project"), 10_000),
}


class ProjectStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    PAUSED = "paused"


PROJECT_STATUS_LABELS: dict[ProjectStatus, str] = {
    ProjectStatus.PLANNED: N_("Planned"),
    ProjectStatus.IN_PROGRESS: N_("In progress"),
    ProjectStatus.COMPLETED: N_("Completed"),
    ProjectStatus.PAUSED: N_("Paused"),
}




class Project(SQLModel, table=True):
    """Texts written by staff are stored per locale ({"zh_Hans": …, "en": …}) and fall back to zh_Hans."""

    __table_args__ = (CheckConstraint(f"status IN ({enum_values(ProjectStatus)})", name="status_known"),)

    id: int | None = Field(default=None, primary_key=True)
    name: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    department: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    district_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("district.id", ondelete="SET NULL"), nullable=True, index=True)
    )
    status: str = Field(default=ProjectStatus.PLANNED.value, max_length=20)
    # In yuan; None when not yet known.
    budget_yuan: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    impact_assessment: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The child impact assessment's section "how children's views changed this project" (issue 17), per locale.
    views_changed: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    created_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ProjectIn(BaseModel):
    """Create or replace a project (API)."""

    name: dict[str, str]
    department: dict[str, str]
    district_id: Id | None = None
    status: ProjectStatus = ProjectStatus.PLANNED
    budget_yuan: int | None = None
    impact_assessment: dict[str, str] = {}
    views_changed: dict[str, str] = {}  # the assessment's section "how children's views changed this project" (issue 17)


class ProjectBody(ProjectIn, ApiIn):
    """A project through the API: every rule of a field in the schema (issue 13)."""

    name: locales("ProjectName", TEXTS["name"], required=True)
    department: locales("ProjectDepartment", TEXTS["department"], required=True)
    status: ProjectStatus = PydanticField(default=ProjectStatus.PLANNED, strict=False)
    budget_yuan: int | None = PydanticField(default=None, ge=0, le=BUDGET_MAX_YUAN)
    impact_assessment: locales("ProjectImpactAssessment", TEXTS["impact_assessment"], multiline=True) = {}
    views_changed: locales("ProjectViewsChanged", TEXTS["views_changed"], multiline=True) = {}


class ProjectPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: dict[str, str]
    department: dict[str, str]
    district_id: Id | None
    status: ProjectStatus
    budget_yuan: int | None
    impact_assessment: dict[str, str]
    views_changed: dict[str, str] = {}
    created_at: dt.datetime
    updated_at: dt.datetime
