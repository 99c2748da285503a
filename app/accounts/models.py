"""Staff users, their roles (with training records, PAR-10), server-side sessions and API tokens."""

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints
from pydantic import Field as PydanticField
from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Integer, String, UniqueConstraint
from sqlmodel import Field, Relationship, SQLModel

from app.core.db import Id, UTCDateTime, utcnow
from app.core.i18n import N_
from app.core.security import MIN_PASSWORD_LENGTH
from app.core.validation import ApiIn, TextField

# What staff type into the account forms, with the limits the forms' `maxlength` shows (core.validation).
USERNAME = TextField("username", N_("Username"), 64, min=3)
# The API takes a username exactly in this form; the pages lower-case and trim what was typed first.
USERNAME_RE = re.compile(rf"^[a-z0-9][a-z0-9._-]{{{USERNAME.min - 1},{USERNAME.max - 1}}}$")
DISPLAY_NAME = TextField("display_name", N_("Name shown to colleagues"), 100, min=1, too_short=N_("Please give a name of 1 to 100 characters."))
PASSWORD = TextField("password", N_("New password"), 1000)
TRAINING_NOTE = TextField("note", N_("Training note"), 500)
TOKEN_NAME = TextField("name", N_("What is the token for?"), 100, min=1, too_short=N_("Please name the token (1 to 100 characters), e.g. what it is for."))
LIMITS = {field.name: field for field in (USERNAME, DISPLAY_NAME, PASSWORD, TRAINING_NOTE, TOKEN_NAME)}


class Role(StrEnum):
    ADMIN = "admin"
    OFFICIAL = "official"
    MODERATOR = "moderator"
    SAFEGUARDING_OFFICER = "safeguarding_officer"
    FACILITATOR = "facilitator"
    ANALYST = "analyst"


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: N_("Administrator"),
    Role.OFFICIAL: N_("Official"),
    Role.MODERATOR: N_("Moderator"),
    Role.SAFEGUARDING_OFFICER: N_("Safeguarding officer"),
    Role.FACILITATOR: N_("Facilitator"),
    Role.ANALYST: N_("Analyst"),
}

# PAR-10: these roles cannot act until an administrator has recorded the person's training.
TRAINING_REQUIRED: frozenset[Role] = frozenset({Role.MODERATOR, Role.SAFEGUARDING_OFFICER, Role.OFFICIAL})

_ROLE_VALUES = ", ".join(f"'{r.value}'" for r in Role)


class Department(SQLModel, table=True):
    """A department of the city (issue 16): its analysts and officials work on its own consultations."""

    __tablename__ = "department"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))  # {"zh_Hans": …, "en": …}


class StaffUser(SQLModel, table=True):
    __tablename__ = "staff_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=100)
    password_hash: str = Field(max_length=255)
    is_active: bool = Field(default=True)
    must_change_password: bool = Field(default=False)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    password_changed_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # Sign-in lock-out, kept in the database so that it holds across workers and restarts.
    failed_sign_ins: int = Field(default=0)
    first_failed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    locked_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Issue 16: None = city-wide staff (the city's own analysts), who work on every consultation.
    department_id: int | None = Field(default=None, foreign_key="department.id", ondelete="SET NULL", index=True)

    roles: list["StaffRole"] = Relationship(
        back_populates="user",
        sa_relationship_kwargs={
            "lazy": "selectin",
            "cascade": "all, delete-orphan",
            "foreign_keys": "[StaffRole.user_id]",
            "order_by": "StaffRole.role",
        },
    )

    @property
    def audit_actor(self) -> tuple[str, str | None]:
        return ("staff", str(self.id))

    def role(self, role: Role) -> "StaffRole | None":
        return next((r for r in self.roles if r.role == role), None)

    def is_locked(self, now: dt.datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


class StaffRole(SQLModel, table=True):
    __tablename__ = "staff_role"
    __table_args__ = (
        UniqueConstraint("user_id", "role"),
        CheckConstraint(f"role IN ({_ROLE_VALUES})", name="role_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("staff_user.id", ondelete="CASCADE"), nullable=False, index=True))
    role: str = Field(sa_column=Column(String(32), nullable=False))
    assigned_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    assigned_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    trained_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    training_recorded_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    training_note: str | None = Field(default=None, max_length=500)

    user: "StaffUser" = Relationship(back_populates="roles", sa_relationship_kwargs={"foreign_keys": "[StaffRole.user_id]"})

    @property
    def needs_training(self) -> bool:
        return Role(self.role) in TRAINING_REQUIRED and self.trained_at is None


class StaffSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored here."""

    __tablename__ = "staff_session"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("staff_user.id", ondelete="CASCADE"), nullable=False, index=True))
    token_hash: str = Field(max_length=64, unique=True)
    csrf_token: str = Field(max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_seen_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    revoked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_reason: str | None = Field(default=None, max_length=40)
    user_agent: str | None = Field(default=None, max_length=200)
    ip_address: str | None = Field(default=None, max_length=64)


class ApiToken(SQLModel, table=True):
    """A bearer token an administrator issued to a staff user for the JSON API (stored hashed)."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("staff_user.id", ondelete="CASCADE"), nullable=False, index=True))
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=16)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    created_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    last_used_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)

    def is_usable(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


# ---- API schemas ---------------------------------------------------------------------------------


class RolePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    role: Role
    trained_at: dt.datetime | None
    needs_training: bool


class DepartmentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: dict[str, str]


class StaffUserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    is_active: bool
    must_change_password: bool
    created_at: dt.datetime
    locked_until: dt.datetime | None
    department_id: int | None
    roles: list[RolePublic]


class StaffUserCreate(BaseModel):
    """A new staff account as the services take it (the pages fill it from what was typed)."""

    username: str
    display_name: str
    roles: list[Role] = []
    # Left out: Yimi generates a temporary password and returns it once.
    password: str | None = None


RoleIn = Annotated[Role, PydanticField(strict=False)]


class StaffUserCreateBody(StaffUserCreate, ApiIn):
    """A new staff account through the API: every rule of the fields in the schema (issue 13)."""

    username: Annotated[str, StringConstraints(pattern=USERNAME_RE.pattern)]
    display_name: DISPLAY_NAME.api()
    roles: list[RoleIn] = []
    password: Annotated[str, StringConstraints(min_length=MIN_PASSWORD_LENGTH, max_length=PASSWORD.max)] | None = PydanticField(
        default=None, description="left out: Yimi makes a temporary one and returns it once; it must not be easy to guess "
        "or contain the username (`/problems/weak-password`)",
    )


class StaffUserUpdate(ApiIn):
    display_name: DISPLAY_NAME.api() | None = None
    is_active: bool | None = None
    department_id: Id | None = PydanticField(
        default=None, description="the user's department (issue 16); null: none, city-wide staff who work on every consultation; "
        "left out: unchanged",
    )


class RolesUpdate(ApiIn):
    roles: list[RoleIn]


class TrainingRecord(ApiIn):
    note: TRAINING_NOTE.api(multiline=True) | None = None


class TemporaryPassword(BaseModel):
    user: StaffUserPublic
    temporary_password: str


class ApiTokenCreate(ApiIn):
    name: TOKEN_NAME.api() = PydanticField(description="what the token is for")
    expires_in_days: int = PydanticField(default=90, ge=1, le=366, description="every token expires: 1 to 366 days")


class ApiTokenPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: Id
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


class ApiTokenIssued(ApiTokenPublic):
    token: str
