"""Two `yimi worker` processes at once (issue 15): they share the jobs, each job runs once, each message is sent
once, and each periodic job is enqueued once per time slot."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import Session, select

from app.core import jobs
from app.core.db import get_engine, transaction
from app.notifications.jobs import DELIVER
from app.notifications.models import OutboxMessage
from tests.conftest import on_postgres
from tests.notifications.conftest import queue_sms

pytestmark = pytest.mark.served  # slow: two processes (left out of make test-fast with the served tests)


def _start_worker() -> subprocess.Popen:
    yimi = Path(sys.executable).with_name("yimi")
    return subprocess.Popen(
        [str(yimi), "worker", "--interval", "0.2", "--batch", "5"], env=os.environ.copy(),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )


def _wait_started(process: subprocess.Popen) -> None:
    assert process.stdout is not None
    line = process.stdout.readline()
    while line and "Worker started" not in line:
        line = process.stdout.readline()
    assert line, f"yimi worker exited with {process.poll()}"


def test_two_worker_processes_run_200_jobs_once_each_and_send_every_message_once(session, real_backends, sms_gateway):
    workers = [_start_worker(), _start_worker()]
    try:
        for process in workers:
            _wait_started(process)
        for i in range(200):
            queue_sms(session, phone=f"1380000{i:04d}", body=f"message {i}")
        with transaction(session):
            ids = {jobs.enqueue(session, DELIVER) for _ in range(200)}
        deadline = time.monotonic() + 120
        with Session(get_engine()) as s:
            while time.monotonic() < deadline:
                left = s.exec(select(jobs.Job.id).where(jobs.Job.state != "done")).all()
                sent = s.exec(select(OutboxMessage.id).where(OutboxMessage.status == "sent")).all()
                if not left and len(sent) == 200:
                    break
                s.rollback()
                time.sleep(0.3)
        for process in workers:
            process.send_signal(signal.SIGTERM)
        outputs = [process.communicate(timeout=30)[0] for process in workers]
    finally:
        for process in workers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
    assert [p.returncode for p in workers] == [0, 0], outputs
    bodies = Counter(m["text"] for m in sms_gateway.received)
    assert len(bodies) == 200 and set(bodies.values()) == {1}, "a message was sent twice, or not at all"
    with Session(get_engine()) as s:
        ours = s.exec(select(jobs.Job).where(jobs.Job.key.is_(None))).all()  # type: ignore[union-attr]
        assert {j.id for j in ours} == ids
        assert Counter((j.state, j.attempts) for j in ours) == {("done", 1): 200}
        ran_by = Counter(j.locked_by for j in ours)
        assert len(ran_by) == 2 or not on_postgres(), ran_by  # SQLite: one writer at a time, in any order
        # The periodic jobs: both workers enqueued them, once per slot.
        keys = s.exec(select(jobs.Job.key).where(jobs.Job.kind == DELIVER, jobs.Job.key.is_not(None))).all()  # type: ignore[union-attr]
        assert keys and len(keys) == len(set(keys))
        kinds = Counter(s.exec(select(jobs.Job.kind).where(jobs.Job.kind != DELIVER)).all())
        # Every 30 s and every minute: one per slot the run spans (a slow run crosses a minute's edge), at least one.
        often = {"safeguarding.escalate", "insights.encode_comments"}
        assert all(kinds[kind] >= 1 for kind in often), kinds
        assert {k: n for k, n in kinds.items() if k not in often} == {
            "consent.expire": 1, "corps.age_transitions": 1, "jobs.prune": 1, "responses.remind": 1}
        periodic = s.exec(select(jobs.Job.key).where(jobs.Job.kind != DELIVER)).all()
        assert len(periodic) == len(set(periodic))  # never twice for one slot, whichever worker enqueued it
