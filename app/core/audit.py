"""The audit log: append-only rows, each holding the SHA-256 of the one before it.

`record()` adds a row in the caller's transaction, so the audit event and the change it describes are
committed (or rolled back) together. The database refuses UPDATE and DELETE on the table (triggers made by
the migration), and `verify()` recomputes the chain to find rows altered or removed by anyone who got
around that.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import JSON, Column, String, update
from sqlmodel import Field, Session, SQLModel, col, select

from app.core.db import UTCDateTime, utcnow

GENESIS = "0" * 64


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    actor_type: str = Field(max_length=20)  # staff, child, guardian, system, anonymous
    actor_id: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=80, index=True)
    subject_type: str | None = Field(default=None, max_length=40)
    subject_id: str | None = Field(default=None, max_length=64)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The chain: unique prev_hash means two writers can never both extend the same row.
    prev_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))


class AuditHead(SQLModel, table=True):
    """One row: the hash of the newest event. Appends move it by compare-and-swap, so concurrent writers
    (workers, SQLite or PostgreSQL) take turns instead of forking the chain, and `verify()` notices rows
    removed from the end."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    hash: str = Field(sa_column=Column(String(64), nullable=False))
    count: int = Field(default=0)


class Actor(Protocol):
    """Anything that can act: staff users, children, guardians. Each says what it is and its id."""

    @property
    def audit_actor(self) -> tuple[str, str | None]: ...


SYSTEM: tuple[str, str | None] = ("system", None)
ANONYMOUS: tuple[str, str | None] = ("anonymous", None)


def _canonical(event: Any) -> bytes:
    body = {
        "at": event.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_type": event.actor_type,
        "actor_id": event.actor_id,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "data": event.data,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def compute_hash(event: Any) -> str:
    return hashlib.sha256(_canonical(event)).hexdigest()


def _actor_tuple(actor: Actor | tuple[str, str | None] | None) -> tuple[str, str | None]:
    if actor is None:
        return SYSTEM
    if isinstance(actor, tuple):
        return actor
    return actor.audit_actor


def _subject_tuple(subject: Any) -> tuple[str | None, str | None]:
    if subject is None:
        return None, None
    if isinstance(subject, tuple):
        return subject[0], (None if subject[1] is None else str(subject[1]))
    name = getattr(subject, "__tablename__", type(subject).__name__.lower())
    return str(name), (None if getattr(subject, "id", None) is None else str(subject.id))


def record(
    session: Session,
    *,
    actor: Actor | tuple[str, str | None] | None,
    action: str,
    subject: Any = None,
    **data: Any,
) -> AuditEvent:
    """Append an audit event in the session's current transaction (the caller commits)."""
    session.flush()  # give the subject its id
    actor_type, actor_id = _actor_tuple(actor)
    subject_type, subject_id = _subject_tuple(subject)
    event = AuditEvent(
        at=utcnow(),
        actor_type=actor_type,
        actor_id=actor_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        data=json.loads(json.dumps(data, default=str)),
        prev_hash=GENESIS,
        hash="",
    )
    for _attempt in range(50):
        head = session.exec(select(AuditHead.hash).where(AuditHead.id == 1)).one()
        event.prev_hash = head
        event.hash = compute_hash(event)
        # Compare-and-swap: the row lock (PostgreSQL) or write lock (SQLite) makes concurrent appends take turns.
        moved = session.execute(
            update(AuditHead)
            .where(col(AuditHead.id) == 1, col(AuditHead.hash) == head)
            .values(hash=event.hash, count=col(AuditHead.count) + 1)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount == 1:  # type: ignore[attr-defined]
            break
    else:
        raise RuntimeError("audit log head kept moving; giving up")
    session.add(event)
    session.flush()
    return event


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    bad_id: int | None = None
    reason: str | None = None


def verify(session: Session, batch: int = 1000) -> VerifyResult:
    """Recompute the chain from the first row; report the first row that does not fit."""
    expected_prev = GENESIS
    checked = 0
    last_id: int | None = None
    for event in _iter_events(session, batch):
        if event.prev_hash != expected_prev:
            return VerifyResult(False, checked, event.id, "previous row missing or altered (chain broken)")
        if compute_hash(event) != event.hash:
            return VerifyResult(False, checked, event.id, "row content altered (hash mismatch)")
        expected_prev = event.hash
        last_id = event.id
        checked += 1
    head = session.exec(select(AuditHead)).one_or_none()
    if head is not None and (head.hash != expected_prev or head.count != checked):
        return VerifyResult(False, checked, None, f"the newest rows after event {last_id} were removed (the head no longer matches)")
    return VerifyResult(True, checked)


def _iter_events(session: Session, batch: int) -> Iterator[Any]:
    # Plain rows, not ORM objects: a long log must not fill the caller's identity map.
    table = AuditEvent.__table__  # type: ignore[attr-defined]
    last_id = 0
    while True:
        rows = session.connection().execute(
            table.select().where(table.c.id > last_id).order_by(table.c.id).limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            yield _Row(**row._mapping)
        last_id = rows[-1].id


class _Row:
    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)
        if self.at.tzinfo is None:  # SQLite returns naive UTC through the raw table
            self.at = self.at.replace(tzinfo=dt.UTC)


def recent(*, session: Session, limit: int = 50, before_id: int | None = None, action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)
    if before_id:
        query = query.where(col(AuditEvent.id) < before_id)
    if action:
        query = query.where(col(AuditEvent.action).startswith(action))
    return list(session.exec(query).all())
