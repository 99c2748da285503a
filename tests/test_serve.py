"""`yimi serve` — the command the Docker image runs — starts several workers that share the database."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import PASSWORD, make_user


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(settings, session):
    make_user(session, "served1")
    port = _free_port()
    yimi = Path(sys.executable).with_name("yimi")
    process = subprocess.Popen(
        [str(yimi), "serve", "--port", str(port), "--workers", "2", "--proxy-headers", "--no-access-log"],
        env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        else:
            pytest.fail("yimi serve did not become ready")
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def test_serve_with_two_workers_answers_and_keeps_sessions_in_the_database(served):
    with httpx.Client(base_url=served) as client:
        page = client.get("/signin")
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
        response = client.post("/signin", data={"username": "served1", "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 303
        # Whichever worker answers, the server-side session is found.
        assert all(client.get("/staff").status_code == 200 for _ in range(10))
