"""Jobs (issue 15): a job exists only if its cause was committed; any number of workers run each job once;
a failing job is tried again after a growing pause, then fails; a worker that dies leaves its job to another
when the lease runs out; a periodic job is enqueued once per time slot; its page and the API show how far it is."""

import datetime as dt
import re
import threading
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from app.accounts import actions as accounts
from app.accounts.models import Role
from app.core import audit, db, jobs
from app.core.db import transaction
from tests.conftest import english_client, make_user, on_postgres, sign_in

COUNT, FAIL, SLOW, TICK = "test.count", "test.fail", "test.slow", "test.tick"


class Runs:
    """What the test handlers did, across threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_job: Counter[int] = Counter()
        self.by_worker: Counter[str] = Counter()

    def ran(self, ctx: jobs.JobContext) -> None:
        with self.lock:
            self.by_job[ctx.job.id] += 1  # type: ignore[index]
            self.by_worker[ctx.worker] += 1


@pytest.fixture
def runs() -> Iterator[Runs]:
    """Test kinds, registered for the test and forgotten after it."""
    seen = Runs()

    def count(ctx: jobs.JobContext) -> int:
        seen.ran(ctx)
        # Work in the job's unit of work: it is kept only if the job is marked done by the worker holding it.
        audit.record(ctx.session, actor=None, action="test.job_ran", subject=("job", ctx.job.id))
        return ctx.payload.get("n", 0)

    def fail(ctx: jobs.JobContext) -> None:
        seen.ran(ctx)
        audit.record(ctx.session, actor=None, action="test.job_ran", subject=("job", ctx.job.id))
        raise RuntimeError("the printer is on fire")

    def slow(ctx: jobs.JobContext) -> None:
        ctx.progress(40, "forty of a hundred")

    jobs.register(COUNT, count)
    jobs.register(FAIL, fail, max_attempts=3, backoff=dt.timedelta(seconds=10))
    jobs.register(SLOW, slow, lease=dt.timedelta(minutes=2), label="A slow one")
    jobs.register(TICK, count, periodic=dt.timedelta(minutes=1))
    yield seen
    for kind in (COUNT, FAIL, SLOW, TICK):
        jobs.unregister(kind)


def _job(session: Session, job_id: int) -> jobs.Job:
    found = jobs.get(session, job_id)
    assert found is not None
    return found


def _ran_events(session: Session) -> int:
    return session.exec(select(func.count()).select_from(audit.AuditEvent).where(audit.AuditEvent.action == "test.job_ran")).one()


def test_a_job_enqueued_in_a_transaction_that_rolls_back_does_not_exist(session, runs):
    with pytest.raises(RuntimeError), transaction(session):
        jobs.enqueue(session, COUNT, {"n": 1})
        raise RuntimeError("the cause fails")
    assert session.exec(select(func.count()).select_from(jobs.Job)).one() == 0
    with transaction(session):
        job_id = jobs.enqueue(session, COUNT, {"n": 2})
    assert _job(session, job_id).state == "queued" and _job(session, job_id).payload == {"n": 2}


def test_enqueue_never_commits(session, runs):
    jobs.enqueue(session, COUNT)
    assert session.in_transaction()
    session.rollback()
    assert session.exec(select(func.count()).select_from(jobs.Job)).one() == 0


def test_a_key_enqueues_once(session, runs):
    with transaction(session):
        first = jobs.enqueue(session, COUNT, key="once")
    with transaction(session):
        second = jobs.enqueue(session, COUNT, key="once")
    assert first == second
    assert session.exec(select(func.count()).select_from(jobs.Job)).one() == 1


def test_a_job_runs_in_its_own_unit_of_work_and_is_marked_done(session, runs):
    with transaction(session):
        job_id = jobs.enqueue(session, COUNT, {"n": 7})
    outcome = jobs.Worker(kinds=[COUNT]).run_next(session)
    assert outcome is not None and outcome.state == "done" and outcome.result == 7
    job = _job(session, job_id)
    assert (job.state, job.attempts, job.progress, job.locked_until) == ("done", 1, 100, None)
    assert job.finished_at is not None and _ran_events(session) == 1
    assert jobs.Worker(kinds=[COUNT]).run_next(session) is None


def _work(worker: jobs.Worker, barrier: threading.Barrier, errors: list[BaseException]) -> None:
    try:
        with db.new_session() as session:
            barrier.wait()
            while worker.run_next(session) is not None:
                pass
    except BaseException as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)


def test_two_workers_run_each_of_200_jobs_exactly_once(session, runs):
    with transaction(session):
        ids = [jobs.enqueue(session, COUNT, {"n": i}) for i in range(200)]
    workers = [jobs.Worker(name=f"worker-{i}", kinds=[COUNT]) for i in range(2)]
    barrier, errors = threading.Barrier(2), []
    threads = [threading.Thread(target=_work, args=(w, barrier, errors)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert not errors, errors
    assert set(runs.by_job) == set(ids) and set(runs.by_job.values()) == {1}
    assert sum(runs.by_worker.values()) == 200
    if on_postgres():  # SKIP LOCKED: both work at once (on SQLite they take turns, in whatever order)
        assert len(runs.by_worker) == 2, runs.by_worker
    states = session.exec(select(jobs.Job.state, jobs.Job.attempts)).all()
    assert Counter(states) == {("done", 1): 200}
    assert _ran_events(session) == 200


def test_a_failing_job_is_tried_again_after_a_growing_pause_then_fails(session, runs):
    with transaction(session):
        job_id = jobs.enqueue(session, FAIL)
    worker = jobs.Worker(kinds=[FAIL])
    pauses = []
    for attempt in (1, 2):
        outcome = worker.run_next(session, now=_job(session, job_id).run_after)
        assert outcome is not None and outcome.state == "queued"
        job = _job(session, job_id)
        assert job.state == "queued" and job.attempts == attempt and job.last_error == "RuntimeError: the printer is on fire"
        pauses.append(job.run_after - db.utcnow())
        assert worker.run_next(session) is None  # not before its pause is over
    assert dt.timedelta(seconds=8) < pauses[0] <= dt.timedelta(seconds=10)
    assert dt.timedelta(seconds=18) < pauses[1] <= dt.timedelta(seconds=20)
    outcome = worker.run_next(session, now=_job(session, job_id).run_after)
    assert outcome is not None and outcome.state == "failed"
    job = _job(session, job_id)
    assert (job.state, job.attempts, job.locked_until) == ("failed", 3, None) and job.finished_at is not None
    assert "printer is on fire" in (job.last_error or "")
    assert _ran_events(session) == 0  # every try rolled back
    failed = session.exec(select(audit.AuditEvent).where(audit.AuditEvent.action == "job.failed")).one()
    assert failed.subject_id == str(job_id) and failed.data["kind"] == FAIL and failed.data["error"] == "RuntimeError"
    assert worker.run_next(session, now=db.utcnow() + dt.timedelta(days=1)) is None


def test_a_job_whose_lease_ran_out_is_taken_over_and_the_first_worker_s_try_is_rolled_back(session, runs):
    with transaction(session):
        job_id = jobs.enqueue(session, COUNT)
    stale = jobs.claim(session, worker="killed", kinds=[COUNT])
    assert stale is not None and stale.locked_until is not None
    assert jobs.claim(session, worker="other", kinds=[COUNT]) is None  # held while the lease lasts
    taken = jobs.claim(session, worker="other", kinds=[COUNT], now=stale.locked_until + dt.timedelta(seconds=1))
    assert taken is not None and taken.id == job_id and taken.attempts == 2
    late = jobs.run(session, stale)  # the first worker was only slow, not dead: its try is not kept
    assert late.state == "lost"
    assert _job(session, job_id).state == "running" and _ran_events(session) == 0
    assert jobs.run(session, taken).state == "done"
    assert _job(session, job_id).state == "done" and _ran_events(session) == 1


def test_a_job_cut_short_on_its_last_try_fails_when_its_lease_runs_out(session, runs):
    with transaction(session):
        job_id = jobs.enqueue(session, FAIL)
    later = db.utcnow()
    for _ in range(3):
        claimed = jobs.claim(session, worker="dies", kinds=[FAIL], now=later)
        assert claimed is not None
        later = claimed.locked_until + dt.timedelta(seconds=1)  # type: ignore[operator]
    outcome = jobs.Worker(kinds=[FAIL]).run_next(session, now=later)
    assert outcome is not None and outcome.state == "failed" and "interrupted" in (outcome.error or "")
    assert _job(session, job_id).state == "failed" and runs.by_job == Counter()


def test_each_kind_holds_its_own_lease_and_progress_renews_it(session, runs):
    with transaction(session):
        job_id = jobs.enqueue(session, SLOW)
    before = db.utcnow()
    claimed = jobs.claim(session, worker="w", kinds=[SLOW])
    assert claimed is not None
    assert dt.timedelta(minutes=2) <= claimed.locked_until - before <= dt.timedelta(minutes=2, seconds=5)  # type: ignore[operator]
    assert jobs.run(session, claimed).state == "done"
    assert _job(session, job_id).progress == 100


def test_two_workers_in_the_same_slot_enqueue_a_periodic_job_once(session, runs):
    now = dt.datetime(2026, 12, 6, 14, 30, 25, tzinfo=dt.UTC)
    barrier = threading.Barrier(2)

    def enqueue() -> None:
        with db.new_session() as own:
            barrier.wait()
            jobs.enqueue_periodic(own, now=now, kinds=[TICK])

    threads = [threading.Thread(target=enqueue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    jobs.enqueue_periodic(session, now=now + dt.timedelta(seconds=30), kinds=[TICK])  # the same minute
    keys = session.exec(select(jobs.Job.key).where(jobs.Job.kind == TICK)).all()
    assert keys == ["test.tick:2026-12-06T14:30:00+00:00"]
    jobs.enqueue_periodic(session, now=now + dt.timedelta(minutes=1), kinds=[TICK])  # the next one
    assert session.exec(select(func.count()).select_from(jobs.Job).where(jobs.Job.kind == TICK)).one() == 2


def test_a_worker_round_enqueues_the_periodic_jobs_of_every_domain_once(session):
    import app.handlers  # noqa: F401

    first, second = jobs.Worker(), jobs.Worker()
    now = db.utcnow()
    first.round(session, now=now)
    second.round(session, now=now)
    kinds = Counter(session.exec(select(jobs.Job.kind)).all())
    assert kinds == {"notifications.deliver": 1, "safeguarding.escalate": 1, "consent.expire": 1,
                     "corps.age_transitions": 1, "jobs.prune": 1, "responses.remind": 1, "insights.encode_comments": 1}
    assert set(session.exec(select(jobs.Job.state)).all()) == {"done"}


def test_prune_forgets_old_finished_jobs(session, runs):
    with transaction(session):
        old, recent, waiting = (jobs.enqueue(session, COUNT) for _ in range(3))
    for job_id in (old, recent):
        claimed = jobs.claim(session, worker="w", kinds=[COUNT])
        assert claimed is not None and claimed.id == job_id and jobs.run(session, claimed).state == "done"
    with transaction(session):
        _job(session, old).finished_at = db.utcnow() - dt.timedelta(days=8)
    with transaction(session):
        job_id = jobs.enqueue(session, "jobs.prune")
    claimed = jobs.claim(session, worker="w", kinds=["jobs.prune"])
    assert claimed is not None and claimed.id == job_id
    assert jobs.run(session, claimed).result == 1
    assert jobs.get(session, old) is None and jobs.get(session, recent) is not None and jobs.get(session, waiting) is not None


# ---- following a job -------------------------------------------------------------------------------


def test_the_api_shows_a_job_to_who_asked_for_it_and_to_administrators(app, session, runs, admin):
    official = make_user(session, "official1", [Role.OFFICIAL])
    other = make_user(session, "official2", [Role.OFFICIAL])
    with transaction(session):
        job_id = jobs.enqueue(session, SLOW, created_by=official.id)
    tokens = {u.username: accounts.issue_token(session=session, actor=admin, user=u, name="jobs")[1] for u in (official, other, admin)}
    with english_client(app) as client:
        def get(username: str, path: str = f"/api/v1/jobs/{job_id}"):  # noqa: ANN202
            return client.get(path, headers={"Authorization": f"Bearer {tokens[username]}"})

        queued = get("official1")
        assert queued.status_code == 200, queued.text
        body = queued.json()
        assert (body["id"], body["kind"], body["state"], body["finished"], body["progress"], body["attempts"]) == (
            job_id, SLOW, "queued", False, 0, 0)
        assert get("admin1").status_code == 200
        refused = get("official2")
        assert refused.status_code == 404 and refused.headers["content-type"].startswith("application/problem+json")
        assert get("official1", "/api/v1/jobs/999999").status_code == 404
        assert client.get(f"/api/v1/jobs/{job_id}").status_code == 401

        claimed = jobs.claim(session, worker="w", kinds=[SLOW])
        assert claimed is not None
        jobs.JobContext(session=session, job=claimed, worker="w", lease=dt.timedelta(minutes=2)).progress(40, "forty of a hundred")
        session.commit()
        running = get("official1").json()
        assert (running["state"], running["progress"], running["message"]) == ("running", 40, "forty of a hundred")
        assert jobs.run(session, claimed).state == "done"
        done = get("official1").json()
        assert (done["state"], done["finished"], done["progress"]) == ("done", True, 100) and done["finished_at"]


def test_the_api_schema_documents_the_job(client):
    schema = client.get("/openapi.json").json()
    operation = schema["paths"]["/api/v1/jobs/{job_id}"]["get"]
    assert operation["responses"]["404"] == {"$ref": "#/components/responses/Problem404"}
    assert {"state", "progress", "message", "finished"} <= set(schema["components"]["schemas"]["JobPublic"]["properties"])


def test_the_job_page_polls_while_the_job_runs_and_stops_when_it_is_done(app, session, runs):
    official = make_user(session, "official1", [Role.OFFICIAL])
    with transaction(session):
        job_id = jobs.enqueue(session, SLOW, created_by=official.id)
    with english_client(app) as client:
        sign_in(client, official.username)
        page = client.get(f"/jobs/{job_id}")
        assert page.status_code == 200
        assert "A slow one" in page.text and "Waiting to start" in page.text
        assert re.search(rf'hx-get="/jobs/{job_id}"\s+hx-trigger="every 2s"', page.text)
        assert f'<a href="/jobs/{job_id}">Refresh to see how far it is</a>' in page.text  # without JavaScript

        claimed = jobs.claim(session, worker="w", kinds=[SLOW])
        assert claimed is not None
        jobs.JobContext(session=session, job=claimed, worker="w", lease=dt.timedelta(minutes=2)).progress(40, "forty of a hundred")
        session.commit()
        fragment = client.get(f"/jobs/{job_id}", headers={"HX-Request": "true"})
        assert fragment.text.lstrip().startswith('<section id="job"')  # only the card, which replaces itself
        assert "Running" in fragment.text and 'value="40"' in fragment.text and "forty of a hundred" in fragment.text
        assert 'hx-trigger="every 2s"' in fragment.text

        assert jobs.run(session, claimed).state == "done"
        finished = client.get(f"/jobs/{job_id}", headers={"HX-Request": "true"}).text
        assert "Done" in finished and 'value="100"' in finished
        assert "hx-trigger" not in finished and "Refresh" not in finished  # polling stops

    with english_client(app) as stranger:
        sign_in(stranger, make_user(session, "official2", [Role.OFFICIAL]).username)
        assert stranger.get(f"/jobs/{job_id}").status_code == 404


def test_the_job_page_is_in_chinese_by_default(app, session, runs, admin):
    from fastapi.testclient import TestClient

    with transaction(session):
        job_id = jobs.enqueue(session, SLOW)
    with TestClient(app) as client:
        sign_in(client, admin.username)
        page = client.get(f"/jobs/{job_id}").text
        assert "等待" in page or "排队" in page
