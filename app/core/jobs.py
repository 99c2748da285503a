"""Jobs: work that happens after the change that caused it, in `yimi worker` processes (issue 15).

A job is a row of the `job` table, added by `enqueue` inside the caller's unit of work: it exists only if its
cause was committed. Domains register what each kind of job does (`register`, `@handler`) from their own
`jobs.py`; `app/handlers.py` imports them all, as `app/models.py` does the tables. Core imports no domain.

A worker claims one job at a time and holds it for a lease (`locked_by`, `locked_until`):
- PostgreSQL: `UPDATE job … WHERE id = (SELECT id … FOR UPDATE SKIP LOCKED LIMIT 1)`, so any number of
  workers take different jobs at once;
- SQLite: the same conditional UPDATE takes the database's single write lock, so claims take turns and the
  `state` condition settles which one wins.
A job whose lease runs out (its worker was killed) is claimable again. Each job runs in its own unit of work
(`transaction`), which also marks it done, only if this worker still holds it; a handler that raises is tried
again after an exponential back-off, up to the kind's `max_attempts`, then is `failed` with its last error
(logged and audited as `job.failed`).

Periodic kinds (`periodic=timedelta`) are enqueued by every worker round with the key `kind:<slot start>`:
however many workers run, each time slot gets one job.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, and_, case, delete, literal, or_, update
from sqlmodel import Field, Session, SQLModel, col, select

from app.core import audit
from app.core.db import UTCDateTime, dialect_insert, enum_values, transaction, utcnow
from app.core.i18n import N_

log = logging.getLogger("yimi.jobs")

KIND_LENGTH = 80
KEY_LENGTH = 200
ERROR_LENGTH = 500
MESSAGE_LENGTH = 200
LONGEST_BACKOFF = dt.timedelta(hours=6)
DEFAULT_LEASE = dt.timedelta(minutes=10)


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


STATE_LABELS = {
    JobState.QUEUED: N_("Waiting to start"),
    JobState.RUNNING: N_("Running"),
    JobState.DONE: N_("Done"),
    JobState.FAILED: N_("Failed"),
}


class Job(SQLModel, table=True):
    """One piece of work for a worker. `key`, when given, is unique: a second enqueue with it adds nothing."""

    __tablename__ = "job"
    __table_args__ = (
        CheckConstraint(f"state IN ({enum_values(JobState)})", name="state_known"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_percent"),
        Index("ix_job_claimable", "state", "run_after"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=KIND_LENGTH)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(default=JobState.QUEUED.value, max_length=10)
    attempts: int = 0
    run_after: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    locked_by: str | None = Field(default=None, max_length=100)  # the worker holding it (done or failed: that ran it last)
    locked_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=ERROR_LENGTH)
    progress: int = 0
    progress_message: str | None = Field(default=None, max_length=MESSAGE_LENGTH)
    key: str | None = Field(default=None, max_length=KEY_LENGTH, unique=True)
    # Who asked for it (a staff user), so that they may follow it; None for the system's own jobs.
    created_by_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    started_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE.value, JobState.FAILED.value)


# ---- enqueueing ----------------------------------------------------------------------------------


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    key: str | None = None,
    run_after: dt.datetime | None = None,
    created_by: int | None = None,
) -> int:
    """Add a job in the caller's transaction (never commits): it runs only if the caller commits. With a `key`
    already enqueued, nothing is added and the existing job's id is returned."""
    if len(kind) > KIND_LENGTH or (key is not None and len(key) > KEY_LENGTH):
        raise ValueError(f"a job's kind is at most {KIND_LENGTH} characters, its key at most {KEY_LENGTH}")
    now = utcnow()
    values = {
        "kind": kind, "payload": payload or {}, "state": JobState.QUEUED.value, "attempts": 0, "progress": 0,
        "run_after": run_after or now, "key": key, "created_by_id": created_by, "created_at": now,
    }
    if key is None:
        job = Job(**values)
        session.add(job)
        session.flush()
        return job.id  # type: ignore[return-value]
    # One statement settles a race on the key (the database waits for the other insert to commit or roll back).
    new_id = session.execute(
        dialect_insert(session)(Job).values(**values).on_conflict_do_nothing(index_elements=["key"]).returning(col(Job.id))
    ).scalar_one_or_none()
    if new_id is None:
        return session.exec(select(Job.id).where(Job.key == key)).one()  # type: ignore[return-value]
    return new_id


def get(session: Session, job_id: int) -> Job | None:
    return session.get(Job, job_id, populate_existing=True)


# ---- the registry --------------------------------------------------------------------------------


@dataclass
class JobContext:
    """What a handler gets: the session of its unit of work, the job (a plain copy) and ways to report."""

    session: Session
    job: Job
    worker: str
    lease: dt.timedelta
    batch: int = 20
    should_stop: Callable[[], bool] = field(default=lambda: False)

    @property
    def payload(self) -> dict[str, Any]:
        return self.job.payload

    def progress(self, percent: int, message: str | None = None) -> None:
        """Say how far the job is (0..100, and a short message), and renew the lease. On PostgreSQL it is
        written at once on a connection of its own, so the job's page shows it while the job runs; on SQLite
        (one writer) it joins the job's unit of work and shows when the handler commits."""
        statement = (
            update(Job)
            .where(col(Job.id) == self.job.id, col(Job.locked_by) == self.worker, col(Job.state) == JobState.RUNNING.value)
            .values(progress=max(0, min(100, int(percent))), progress_message=(message or None) and message[:MESSAGE_LENGTH],
                    locked_until=utcnow() + self.lease)
        )
        bind = self.session.get_bind()
        if bind.dialect.name == "postgresql":
            with bind.engine.begin() as connection:
                connection.execute(statement)
        else:
            self.session.execute(statement.execution_options(synchronize_session=False))


@dataclass(frozen=True)
class Handler:
    kind: str
    fn: Callable[[JobContext], Any]
    label: str
    periodic: dt.timedelta | None = None
    max_attempts: int = 5
    backoff: dt.timedelta = dt.timedelta(seconds=30)
    lease: dt.timedelta = DEFAULT_LEASE


_handlers: dict[str, Handler] = {}


def register(
    kind: str,
    fn: Callable[[JobContext], Any],
    *,
    periodic: dt.timedelta | None = None,
    label: str | None = None,
    max_attempts: int = 5,
    backoff: dt.timedelta = dt.timedelta(seconds=30),
    lease: dt.timedelta = DEFAULT_LEASE,
) -> Handler:
    """Say what a kind of job does. `periodic`: enqueued once per time slot of that length by the workers
    (slots start at the Unix epoch: a day starts at midnight UTC). `label`: what the job's page calls it
    (an N_() message). A try that takes longer than `lease` without reporting progress may be taken over."""
    if len(kind) > KIND_LENGTH:
        raise ValueError(f"a job's kind is at most {KIND_LENGTH} characters")
    if periodic is not None and periodic < dt.timedelta(seconds=1):
        raise ValueError("a periodic job's slot is at least one second")
    existing = _handlers.get(kind)
    if existing is not None and existing.fn is not fn:
        raise ValueError(f"job kind {kind!r} already has a handler")
    found = _handlers[kind] = Handler(
        kind=kind, fn=fn, label=label or kind, periodic=periodic, max_attempts=max_attempts, backoff=backoff, lease=lease
    )
    return found


def handler(kind: str, **options: Any) -> Callable[[Callable[[JobContext], Any]], Callable[[JobContext], Any]]:
    """`@jobs.handler("notifications.deliver", periodic=timedelta(seconds=5))` over `def deliver(ctx): …`."""

    def decorate(fn: Callable[[JobContext], Any]) -> Callable[[JobContext], Any]:
        register(kind, fn, **options)
        return fn

    return decorate


def unregister(kind: str) -> None:
    """Forget a kind's handler (a test's own kinds; a kind a domain retires)."""
    _handlers.pop(kind, None)


def handlers() -> dict[str, Handler]:
    return dict(_handlers)


def label_of(kind: str) -> str:
    found = _handlers.get(kind)
    return found.label if found else kind


def slot_start(period: dt.timedelta, now: dt.datetime) -> dt.datetime:
    """The start of the time slot of length `period` that holds `now`, counted from the Unix epoch (UTC)."""
    seconds = period.total_seconds()
    return dt.datetime.fromtimestamp(math.floor(now.timestamp() / seconds) * seconds, dt.UTC)


def periodic_key(kind: str, slot: dt.datetime) -> str:
    return f"{kind}:{slot.isoformat()}"


# ---- claiming and running ------------------------------------------------------------------------


@dataclass
class Outcome:
    """What became of one try: done (with what the handler returned), queued again, failed, or lost (the
    lease was taken over by another worker, so this try's work was rolled back)."""

    job_id: int
    kind: str
    state: str
    result: Any = None
    error: str | None = None


class LeaseLost(Exception):
    """This worker no longer holds the job (its lease ran out and another worker took it)."""


def worker_name() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _claimable(now: dt.datetime) -> Any:
    return or_(
        and_(col(Job.state) == JobState.QUEUED.value, col(Job.run_after) <= now),
        and_(col(Job.state) == JobState.RUNNING.value, col(Job.locked_until) < now),  # a lease that ran out
    )


def claim(session: Session, *, worker: str, kinds: list[str] | None = None, now: dt.datetime | None = None) -> Job | None:
    """Take the next due job (oldest first) for `worker` and commit the claim: state running, a lease, one more
    try. Only kinds this process has handlers for (or `kinds`)."""
    now = now or utcnow()
    kinds = list(_handlers) if kinds is None else kinds
    if not kinds:
        return None
    due = (
        select(Job.id)
        .where(_claimable(now), col(Job.kind).in_(kinds))
        .order_by(col(Job.run_after), col(Job.id))
        .limit(1)
        .with_for_update(skip_locked=True)  # PostgreSQL: a job another worker is claiming is left to it
        .scalar_subquery()
    )
    # Each kind's own lease, in the same statement.
    lease = case(
        {k: literal(now + _handlers[k].lease, UTCDateTime()) for k in kinds if k in _handlers},
        value=col(Job.kind), else_=literal(now + DEFAULT_LEASE, UTCDateTime()),
    )
    with transaction(session):
        row = session.execute(
            update(Job)
            .where(col(Job.id) == due, _claimable(now))  # SQLite: the condition settles a race between claimers
            .values(state=JobState.RUNNING.value, locked_by=worker, locked_until=lease, attempts=col(Job.attempts) + 1,
                    started_at=now)
            .returning(*Job.__table__.c)  # type: ignore[attr-defined]
            .execution_options(synchronize_session=False)
        ).first()
    if row is None:
        return None
    return Job(**row._mapping)


def _mine(job: Job) -> Any:
    return and_(col(Job.id) == job.id, col(Job.locked_by) == job.locked_by, col(Job.attempts) == job.attempts,
                col(Job.state) == JobState.RUNNING.value)


def _fail(session: Session, job: Job, error: str, now: dt.datetime) -> bool:
    moved = session.execute(
        update(Job).where(_mine(job)).values(state=JobState.FAILED.value, last_error=error[:ERROR_LENGTH], finished_at=now,
                                              locked_until=None)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        return False
    # The log and the audit log keep the error's type only: its text may name a person (it stays on the job).
    kind_of_error = error.split(":", 1)[0][:80]
    log.error("job %s (%s) failed after %s tries: %s", job.id, job.kind, job.attempts, kind_of_error)
    audit.record(session, actor=None, action="job.failed", subject=("job", job.id), kind=job.kind, attempts=job.attempts,
                 error=kind_of_error)
    return True


def run(
    session: Session,
    job: Job,
    *,
    batch: int = 20,
    should_stop: Callable[[], bool] | None = None,
    now: dt.datetime | None = None,
) -> Outcome:
    """Run a claimed job in its own unit of work, and record what became of it."""
    found = _handlers.get(job.kind)
    now = now or utcnow()
    assert job.id is not None and job.locked_by is not None
    if found is None or job.attempts > found.max_attempts:
        # No handler (a kind no longer known), or the last try was cut short (its worker stopped mid-job).
        reason = "no handler for this kind" if found is None else "interrupted: the worker stopped while running it"
        with transaction(session):
            _fail(session, job, reason, now)
        return Outcome(job.id, job.kind, JobState.FAILED.value, error=reason)
    context = JobContext(session=session, job=job, worker=job.locked_by, lease=found.lease, batch=batch,
                         should_stop=should_stop or (lambda: False))
    try:
        with transaction(session):
            result = found.fn(context)
            finished = session.execute(
                update(Job).where(_mine(job)).values(state=JobState.DONE.value, progress=100, finished_at=utcnow(),
                                                      locked_until=None, last_error=None)
                .execution_options(synchronize_session=False)
            )
            if finished.rowcount != 1:  # type: ignore[attr-defined]
                raise LeaseLost()
    except LeaseLost:
        log.warning("job %s (%s): its lease was taken over by another worker; this try is rolled back", job.id, job.kind)
        return Outcome(job.id, job.kind, "lost")
    except Exception as exc:  # noqa: BLE001 - a failing job must not stop the worker
        error = f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH]
        log.warning("job %s (%s) try %s of %s failed: %s", job.id, job.kind, job.attempts, found.max_attempts, type(exc).__name__)
        with transaction(session):
            if job.attempts >= found.max_attempts:
                _fail(session, job, error, utcnow())
                return Outcome(job.id, job.kind, JobState.FAILED.value, error=error)
            delay = min(found.backoff * 2 ** (job.attempts - 1), LONGEST_BACKOFF)
            session.execute(
                update(Job).where(_mine(job)).values(state=JobState.QUEUED.value, run_after=utcnow() + delay, last_error=error,
                                                      locked_by=None, locked_until=None)
                .execution_options(synchronize_session=False)
            )
        return Outcome(job.id, job.kind, JobState.QUEUED.value, error=error)
    return Outcome(job.id, job.kind, JobState.DONE.value, result=result)


def enqueue_periodic(
    session: Session, *, now: dt.datetime | None = None, skip: dict[str, dt.datetime] | None = None, kinds: list[str] | None = None,
) -> list[int]:
    """Enqueue each periodic kind for the slot that holds `now` (once per slot whatever the number of workers:
    the key settles it) and commit. `skip`: the slots this worker already enqueued, updated."""
    now = now or utcnow()
    added, slots = [], {}
    with transaction(session):
        for found in list(_handlers.values()):
            if found.periodic is None or (kinds is not None and found.kind not in kinds):
                continue
            slot = slot_start(found.periodic, now)
            if skip is not None and skip.get(found.kind) == slot:
                continue
            added.append(enqueue(session, found.kind, key=periodic_key(found.kind, slot), run_after=slot))
            slots[found.kind] = slot
    if skip is not None:
        skip.update(slots)  # only once committed
    return added


class Worker:
    """One worker process's loop body: `round()` enqueues the periodic kinds, then runs due jobs until none is
    left (or `should_stop` says so)."""

    def __init__(
        self, *, name: str | None = None, batch: int = 20, should_stop: Callable[[], bool] | None = None,
        kinds: list[str] | None = None,
    ) -> None:
        self.name = name or worker_name()
        self.kinds = kinds  # None: every kind this process has a handler for
        self.batch = batch
        self.should_stop = should_stop or (lambda: False)
        self._slots: dict[str, dt.datetime] = {}

    def run_next(self, session: Session, *, now: dt.datetime | None = None) -> Outcome | None:
        job = claim(session, worker=self.name, kinds=self.kinds, now=now)
        if job is None:
            return None
        return run(session, job, batch=self.batch, should_stop=self.should_stop, now=now)

    def round(self, session: Session, *, now: dt.datetime | None = None, on_outcome: Callable[[Outcome], None] | None = None) -> list[Outcome]:
        enqueue_periodic(session, now=now, skip=self._slots, kinds=self.kinds)
        outcomes = []
        while not self.should_stop():
            outcome = self.run_next(session, now=now)
            if outcome is None:
                break
            outcomes.append(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
        return outcomes


# ---- keeping the table small ---------------------------------------------------------------------

KEEP_DONE = dt.timedelta(days=7)
KEEP_FAILED = dt.timedelta(days=90)


def prune(ctx: JobContext) -> int:
    """Daily: forget jobs done a week ago and failed ones after 90 days (each periodic slot leaves a row)."""
    now = utcnow()
    removed = ctx.session.execute(
        delete(Job).where(or_(
            and_(col(Job.state) == JobState.DONE.value, col(Job.finished_at) < now - KEEP_DONE),
            and_(col(Job.state) == JobState.FAILED.value, col(Job.finished_at) < now - KEEP_FAILED),
        )).execution_options(synchronize_session=False)
    )
    return removed.rowcount  # type: ignore[attr-defined,no-any-return]


register("jobs.prune", prune, periodic=dt.timedelta(days=1), label=N_("Forgetting finished jobs"))
