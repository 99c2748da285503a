"""Districts and groups of the observer corps. (Children, facilitators and tablets arrive with the corps issue.)"""

import datetime as dt
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow
from app.core.i18n import get_locale


class GroupKind(StrEnum):
    SCHOOL_CLASS = "school_class"
    COMMUNITY = "community"
    SQUAD = "squad"


def localised(text: dict[str, str]) -> str:
    """Staff-written text per locale, falling back to zh_Hans."""
    return text.get(get_locale()) or text.get("zh_Hans") or next(iter(text.values()), "")


class District(SQLModel, table=True):
    __tablename__ = "district"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

    @property
    def label(self) -> str:
        return localised(self.name)


_KINDS = ", ".join(f"'{k.value}'" for k in GroupKind)


class Group(SQLModel, table=True):
    __tablename__ = "corps_group"
    __table_args__ = (CheckConstraint(f"kind IN ({_KINDS})", name="kind_known"),)

    id: int | None = Field(default=None, primary_key=True)
    district_id: int = Field(sa_column=Column(Integer, ForeignKey("district.id", ondelete="RESTRICT"), nullable=False, index=True))
    code: str = Field(max_length=40, unique=True)
    name: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    kind: str = Field(max_length=20)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

    @property
    def label(self) -> str:
        return localised(self.name)
