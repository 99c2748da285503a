"""`yimi worker`: --once delivers what is due and exits; without it, it keeps delivering until SIGTERM and
then stops cleanly."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import app as cli
from app.core.db import get_engine
from app.notifications.models import OutboxMessage
from tests.notifications.conftest import queue_email, queue_sms

runner = CliRunner()


def test_worker_once_delivers_what_is_due_and_exits(session, real_backends, smtp_server, sms_gateway):
    queue_email(session, to="guardian@example.org")
    queue_sms(session, phone="13812348000")
    result = runner.invoke(cli, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "sent 2, to retry later 0, failed 0" in result.output
    assert len(smtp_server.received) == 1 and len(sms_gateway.received) == 1
    again = runner.invoke(cli, ["worker", "--once"])
    assert "sent 0" in again.output and len(sms_gateway.received) == 1


def test_worker_once_drains_more_than_one_batch(session, real_backends, sms_gateway):
    for i in range(7):
        queue_sms(session, phone=f"1380000{i:04d}")
    result = runner.invoke(cli, ["worker", "--once", "--batch", "3"])
    assert result.exit_code == 0, result.output
    assert "sent 7" in result.output and len(sms_gateway.received) == 7


def test_worker_warns_when_the_smtp_backend_has_no_host(settings, monkeypatch):
    monkeypatch.setenv("YIMI_EMAIL_BACKEND", "smtp")
    from app.core.config import get_settings

    get_settings.cache_clear()
    result = runner.invoke(cli, ["worker", "--once"])
    assert result.exit_code == 0 and "YIMI_SMTP_HOST" in result.output


def test_worker_keeps_delivering_and_stops_cleanly_on_sigterm(session, real_backends, sms_gateway):
    yimi = Path(sys.executable).with_name("yimi")
    process = subprocess.Popen(
        [str(yimi), "worker", "--interval", "0.2"], env=os.environ.copy(),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    try:
        queue_sms(session, body="arrives while the worker runs")
        deadline = time.monotonic() + 20
        while not sms_gateway.received and time.monotonic() < deadline:
            time.sleep(0.1)
        assert sms_gateway.received == [{"to": "13812348000", "text": "arrives while the worker runs"}]
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 0, output
    assert "Worker stopped: sent 1" in output
    with Session(get_engine()) as s:
        assert s.exec(select(OutboxMessage.status)).all() == ["sent"]
