"""Typed links between records of different domains: "this consultation feeds that project", kept in one table.

A domain registers the kinds of link it makes, once, at import (a typo then fails loudly, not as a link that
no one ever finds again):

    FEEDS = links.register("feeds", from_kinds={"consultation"}, to_kinds={"project"})

and uses them through these functions (they flush, never commit; docs/architecture.md, "Who commits"):

    links.add(session, ("consultation", 3), FEEDS, ("project", 7), created_by_id=user.id)  # idempotent
    links.remove(session, ("consultation", 3), FEEDS, ("project", 7))
    links.links_from(session, ("consultation", 3))          # what it points to
    links.links_to(session, ("project", 7), FEEDS)          # what points to it
    links.remove_all(session, ("consultation", 3))          # both ways: call it when the record is deleted

A link names records by kind and id, so the database cannot cascade it: whoever deletes a record of a kind that
can be linked calls `remove_all` in the same transaction. Ids are never reused (migration 0012), so a link
left behind names nothing rather than another record. A link that needs the database to keep it right (one
project per consultation, ON DELETE SET NULL) stays a foreign key (docs/decisions.md, "Links between domains").
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from sqlalchemy import Index, UniqueConstraint, delete, or_
from sqlmodel import Field, Session, SQLModel, col, select

from app.core.db import UTCDateTime, dialect_insert, utcnow

Ref = tuple[str, int]  # a record: its kind ("consultation", "project", …) and its id


class UnknownLinkType(LookupError):
    """A link type no domain registered, or a kind the type does not join: a programming error."""


@dataclass(frozen=True)
class LinkType:
    name: str
    from_kinds: frozenset[str]
    to_kinds: frozenset[str]

    def check(self, from_: Ref, to: Ref) -> None:
        if from_[0] not in self.from_kinds:
            raise UnknownLinkType(f"a {self.name!r} link starts at {sorted(self.from_kinds)}, not at {from_[0]!r}")
        if to[0] not in self.to_kinds:
            raise UnknownLinkType(f"a {self.name!r} link points to {sorted(self.to_kinds)}, not to {to[0]!r}")


_types: dict[str, LinkType] = {}
_lock = threading.Lock()


def register(name: str, *, from_kinds: set[str] | frozenset[str], to_kinds: set[str] | frozenset[str]) -> LinkType:
    """Make a link type known. Registering the same type again (a module imported twice) is harmless; the same
    name with other kinds is refused."""
    link_type = LinkType(name, frozenset(from_kinds), frozenset(to_kinds))
    if not name or len(name) > 40 or not link_type.from_kinds or not link_type.to_kinds:
        raise ValueError(f"a link type needs a name (at most 40 characters) and kinds at both ends: {link_type}")
    with _lock:
        known = _types.setdefault(name, link_type)
    if known != link_type:
        raise ValueError(f"link type {name!r} is already registered with other kinds: {known}")
    return link_type


def link_type(name: str | LinkType) -> LinkType:
    """The registered type of this name; UnknownLinkType if none is."""
    key = name.name if isinstance(name, LinkType) else name
    known = _types.get(key)
    if known is None or (isinstance(name, LinkType) and known != name):
        raise UnknownLinkType(f"no link type {key!r} is registered (known: {sorted(_types)})")
    return known


def unregister(name: str) -> None:
    """Forget a type (tests that register their own)."""
    with _lock:
        _types.pop(name, None)


class Link(SQLModel, table=True):
    """One typed link from one record to another. Unique on all five, so adding it twice keeps one row; the
    unique index serves "what does this record link to", the other index "what links to this record"."""

    __tablename__ = "link"
    __table_args__ = (
        UniqueConstraint("from_kind", "from_id", "type", "to_kind", "to_id"),
        Index("ix_link_to", "to_kind", "to_id", "type"),
    )

    id: int | None = Field(default=None, primary_key=True)
    from_kind: str = Field(max_length=40)
    from_id: int
    type: str = Field(max_length=40)
    to_kind: str = Field(max_length=40)
    to_id: int
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # The staff user who made it, if a person did (no foreign key: core knows no domain's table).
    created_by_id: int | None = Field(default=None)

    @property
    def source(self) -> Ref:
        return (self.from_kind, self.from_id)

    @property
    def target(self) -> Ref:
        return (self.to_kind, self.to_id)


_UNIQUE = ["from_kind", "from_id", "type", "to_kind", "to_id"]


def add(session: Session, from_: Ref, type_: str | LinkType, to: Ref, *, created_by_id: int | None = None) -> None:
    """Link two records; nothing happens if they are already linked so (also when two requests add it at once:
    INSERT … ON CONFLICT DO NOTHING, on SQLite and PostgreSQL alike)."""
    kind = link_type(type_)
    kind.check(from_, to)
    values = dict(zip(_UNIQUE, (from_[0], from_[1], kind.name, to[0], to[1]), strict=True))
    statement = dialect_insert(session)(Link).values(**values, created_at=utcnow(), created_by_id=created_by_id)
    session.execute(statement.on_conflict_do_nothing(index_elements=_UNIQUE))


def remove(session: Session, from_: Ref, type_: str | LinkType, to: Ref) -> bool:
    """Unlink two records; True if they were linked."""
    kind = link_type(type_)
    kind.check(from_, to)
    result = session.execute(delete(Link).where(
        col(Link.from_kind) == from_[0], col(Link.from_id) == from_[1], col(Link.type) == kind.name,
        col(Link.to_kind) == to[0], col(Link.to_id) == to[1],
    ))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def links_from(session: Session, record: Ref, type_: str | LinkType | None = None) -> list[Link]:
    """The links that start at `record` (of one type, or all), oldest first."""
    query = select(Link).where(col(Link.from_kind) == record[0], col(Link.from_id) == record[1])
    if type_ is not None:
        query = query.where(col(Link.type) == link_type(type_).name)
    return list(session.exec(query.order_by(col(Link.id))))


def links_to(session: Session, record: Ref, type_: str | LinkType | None = None) -> list[Link]:
    """The links that point to `record` (of one type, or all), oldest first."""
    query = select(Link).where(col(Link.to_kind) == record[0], col(Link.to_id) == record[1])
    if type_ is not None:
        query = query.where(col(Link.type) == link_type(type_).name)
    return list(session.exec(query.order_by(col(Link.id))))


def remove_all(session: Session, record: Ref) -> int:
    """Remove every link from or to `record`, in the transaction that deletes it; how many there were."""
    result = session.execute(delete(Link).where(or_(
        (col(Link.from_kind) == record[0]) & (col(Link.from_id) == record[1]),
        (col(Link.to_kind) == record[0]) & (col(Link.to_id) == record[1]),
    )))
    return int(result.rowcount)  # type: ignore[attr-defined]
