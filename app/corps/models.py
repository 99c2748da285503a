"""The observer corps: districts, groups and their facilitators, pseudonymous children, their identity kept
apart (SEC-03, MP-09), tablet group sessions and child sessions (SEC-08)."""

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints
from pydantic import Field as PydanticField
from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.crypto import EncryptedText
from app.core.db import Id, UTCDateTime, utcnow
from app.core.i18n import N_, localised
from app.core.validation import ApiIn, TextField, locales

# What staff type into the corps forms, with the limits the forms' `maxlength` shows (core.validation).
CODE = TextField("code", N_("Code"), 40, min=3)
CODE_RE = re.compile(rf"^[a-z0-9][a-z0-9-]{{{CODE.min - 2},{CODE.max - 2}}}[a-z0-9]$")
NAME = {
    "zh_Hans": TextField("name_zh", N_("Chinese name"), 100, min=1, too_short=N_("Please give the Chinese name."), loc=("name", "zh_Hans")),
    "en": TextField("name_en", N_("English name"), 100, loc=("name", "en")),
}
NICKNAME_RULE = N_("A nickname has %(min)s to %(max)s characters.")
NICKNAME = TextField("display_name", N_("Nickname"), 20, min=1, too_long=NICKNAME_RULE, too_short=NICKNAME_RULE)
REAL_NAME = TextField("real_name", N_("Real name"), 100)
NOTES = TextField("notes", N_("Notes"), 2000)
REASON = TextField("reason", N_("Reason"), 500, min=5, too_short=N_("Please say why you need to see this (at least %(min)s characters)."))
LIMITS = {field.name: field for field in (CODE, *NAME.values(), NICKNAME, REAL_NAME, NOTES, REASON)}


CodeIn = Annotated[str, StringConstraints(pattern=CODE_RE.pattern)]
NameIn = locales("CorpsName", NAME["zh_Hans"], NAME["en"], required=True)


class GroupKind(StrEnum):
    SCHOOL_CLASS = "school_class"
    COMMUNITY = "community"
    SQUAD = "squad"


GROUP_KIND_LABELS = {
    GroupKind.SCHOOL_CLASS: N_("School class"),
    GroupKind.COMMUNITY: N_("Community group"),
    GroupKind.SQUAD: N_("Observer corps squad"),
}


class ChildStatus(StrEnum):
    AWAITING_CONSENT = "awaiting_consent"
    ACTIVE = "active"
    PAUSED = "paused"
    LEFT = "left"


CHILD_STATUS_LABELS = {
    ChildStatus.AWAITING_CONSENT: N_("Awaiting consent"),
    ChildStatus.ACTIVE: N_("Active"),
    ChildStatus.PAUSED: N_("Paused"),
    ChildStatus.LEFT: N_("Left the programme"),
}


class AgeBand(StrEnum):
    YOUNG = "6-9"
    MIDDLE = "10-13"
    TEEN = "14-17"


# The avatars children choose from (static/img/avatars/<key>.svg), with the word shown under each.
AVATARS: dict[str, str] = {
    "panda": N_("Panda"), "cat": N_("Cat"), "dog": N_("Dog"), "rabbit": N_("Rabbit"), "fox": N_("Fox"),
    "owl": N_("Owl"), "tiger": N_("Tiger"), "elephant": N_("Elephant"), "giraffe": N_("Giraffe"),
    "penguin": N_("Penguin"), "koala": N_("Koala"), "frog": N_("Frog"), "turtle": N_("Turtle"),
    "whale": N_("Whale"), "butterfly": N_("Butterfly"), "bee": N_("Bee"), "lion": N_("Lion"),
    "monkey": N_("Monkey"), "deer": N_("Deer"), "duck": N_("Duck"), "dolphin": N_("Dolphin"),
    "hedgehog": N_("Hedgehog"), "squirrel": N_("Squirrel"), "bear": N_("Bear"),
}
# The nine pictures of the picture code (static/img/pictures/<key>.svg), in the order of the grid.
PICTURES: dict[str, str] = {
    "sun": N_("Sun"), "moon": N_("Moon"), "star": N_("Star"), "tree": N_("Tree"), "flower": N_("Flower"),
    "fish": N_("Fish"), "apple": N_("Apple"), "car": N_("Car"), "boat": N_("Boat"),
}
CODE_LENGTH = 3


def age_on(birth_year: int, birth_month: int, day: dt.date) -> int:
    """Age in whole years on `day`, counting a birthday from the first of the birth month."""
    return day.year - birth_year - (1 if day.month < birth_month else 0)


def age_band_for(age: int) -> AgeBand | None:
    if 6 <= age <= 9:
        return AgeBand.YOUNG
    if 10 <= age <= 13:
        return AgeBand.MIDDLE
    if 14 <= age <= 17:
        return AgeBand.TEEN
    return None


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


class GroupFacilitator(SQLModel, table=True):
    __tablename__ = "group_facilitator"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(sa_column=Column(Integer, ForeignKey("corps_group.id", ondelete="CASCADE"), nullable=False, index=True))
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("staff_user.id", ondelete="CASCADE"), nullable=False, index=True))
    assigned_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


_STATUSES = ", ".join(f"'{s.value}'" for s in ChildStatus)


class Child(SQLModel, table=True):
    """A pseudonymous child. No real name, photo, school or address here: identity lives in ChildIdentity."""

    __tablename__ = "child"
    __table_args__ = (
        UniqueConstraint("group_id", "name_key"),
        CheckConstraint(f"status IN ({_STATUSES})", name="status_known"),
        CheckConstraint("birth_month BETWEEN 1 AND 12", name="birth_month_valid"),
    )

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(sa_column=Column(Integer, ForeignKey("corps_group.id", ondelete="RESTRICT"), nullable=False, index=True))
    display_name: str = Field(max_length=20)
    # The pseudonym folded for duplicate detection within a group (enforced by the unique constraint).
    name_key: str = Field(max_length=40)
    avatar: str = Field(max_length=20)
    birth_year: int
    birth_month: int
    status: str = Field(default=ChildStatus.AWAITING_CONSENT.value, max_length=20)
    # The picture code (three of the nine pictures), kept only as a slow hash (A11Y-08).
    picture_code_hash: str = Field(max_length=255)
    # A 14-17-year-old's personal code for their own phone, also only as a slow hash.
    personal_code_hash: str | None = Field(default=None, max_length=255)
    # Lock-out: wrong codes counted in the database; locked until a facilitator unlocks.
    failed_codes: int = Field(default=0)
    locked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    turned_14_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    left_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    created_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")

    @property
    def audit_actor(self) -> tuple[str, str | None]:
        return ("child", str(self.id))

    def age(self, day: dt.date | None = None) -> int:
        return age_on(self.birth_year, self.birth_month, day or utcnow().date())

    def age_band(self, day: dt.date | None = None) -> AgeBand | None:
        """Computed for the day asked about, never stored (so it is never stale)."""
        return age_band_for(self.age(day))

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class ChildIdentity(SQLModel, table=True):
    """Real identity, where the city records it: apart from participation data and encrypted at rest.
    Readable by administrators and safeguarding officers only, every read logged with a reason (SEC-02)."""

    __tablename__ = "child_identity"

    id: int | None = Field(default=None, primary_key=True)
    child_id: int = Field(sa_column=Column(Integer, ForeignKey("child.id", ondelete="CASCADE"), nullable=False, unique=True))
    real_name: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
    notes: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")


class GroupSession(SQLModel, table=True):
    """A tablet opened by a facilitator for one group, for a set time."""

    __tablename__ = "group_session"

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(sa_column=Column(Integer, ForeignKey("corps_group.id", ondelete="CASCADE"), nullable=False, index=True))
    opened_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    token_hash: str = Field(max_length=64, unique=True)
    opened_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    ended_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")

    def is_open(self, now: dt.datetime) -> bool:
        return self.ended_at is None and self.expires_at > now


class ChildSession(SQLModel, table=True):
    """A child signed in on a tablet (bound to its group session) or, for 14-17, on their own phone."""

    __tablename__ = "child_session"

    id: int | None = Field(default=None, primary_key=True)
    child_id: int = Field(sa_column=Column(Integer, ForeignKey("child.id", ondelete="CASCADE"), nullable=False, index=True))
    group_session_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("group_session.id", ondelete="CASCADE"), nullable=True, index=True)
    )
    token_hash: str = Field(max_length=64, unique=True)
    csrf_token: str = Field(max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_seen_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    ended_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    end_reason: str | None = Field(default=None, max_length=20)


# ---- API schemas ---------------------------------------------------------------------------------


class DistrictPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: dict[str, str]


class DistrictCreate(ApiIn):
    code: CodeIn
    name: NameIn


class GroupPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    district_id: Id
    code: str
    name: dict[str, str]
    kind: GroupKind


class GroupCreate(ApiIn):
    district_id: Id
    code: CodeIn
    name: NameIn
    kind: GroupKind = PydanticField(strict=False)


class FacilitatorsUpdate(ApiIn):
    user_ids: list[Id] = PydanticField(max_length=200, description="each must hold the facilitator role (`/problems/not-a-facilitator`)")


class ChildPublic(BaseModel):
    """What staff may see of a child: pseudonymous fields only (SEC-03)."""

    id: int
    group_id: Id
    display_name: str
    avatar: str
    birth_year: int
    birth_month: int
    age_band: AgeBand | None
    status: ChildStatus
    locked: bool


class ChildCreate(BaseModel):
    display_name: str
    avatar: str | None = None
    birth_year: int
    birth_month: int
    real_name: str | None = None
    # The facilitator confirms that a nickname which looks like a full name (白云, 金鱼) is not the child's name.
    confirmed_nickname: bool = False


# A nickname never holds a phone number or an e-mail address (5 digits in a row, or an @), SEC-03. Full-width
# digits count: the service reads the nickname in NFKC form, as Python's \d does.
NICKNAME_PATTERN = r"^(?!.*\d{5})(?!.*[@＠])" + NICKNAME.pattern()[1:]
_YEAR = dt.date.today().year


class ChildCreateBody(ChildCreate, ApiIn):
    """A child enrolled through the API. The age (6 to 17 on the day, year and month together) is checked by the
    service (`/problems/birth-out-of-range`), and so is a nickname that looks like a real name
    (`/problems/looks-like-a-real-name`, unless `confirmed_nickname`)."""

    model_config = ConfigDict(regex_engine="python-re")

    display_name: Annotated[str, StringConstraints(min_length=NICKNAME.min, max_length=NICKNAME.max, pattern=NICKNAME_PATTERN)]
    avatar: Literal[tuple(AVATARS)] | None = None  # type: ignore[valid-type]
    birth_year: int = PydanticField(ge=_YEAR - 18, le=_YEAR - 5)
    birth_month: int = PydanticField(ge=1, le=12)
    real_name: REAL_NAME.api() | None = None


class ChildEnrolled(BaseModel):
    child: ChildPublic
    picture_code: list[str]


class ChildStatusUpdate(ApiIn):
    status: ChildStatus = PydanticField(strict=False)


class IdentityRead(ApiIn):
    reason: REASON.api()


class IdentityPublic(BaseModel):
    child_id: Id
    real_name: str | None
    notes: str | None


class IdentityUpdate(ApiIn):
    real_name: REAL_NAME.api() | None = None
    notes: NOTES.api(multiline=True) | None = None
    reason: REASON.api()


class ParticipationPublic(BaseModel):
    group_id: Id
    children: int
    by_status: dict[str, int]
    signed_in_last_30_days: int
    consultations: list[dict[str, object]]
