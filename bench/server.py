"""Run Yimi the way production does (`yimi db upgrade`, `yimi demo`, `yimi serve`) and watch its workers."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx

from app.core.ratelimit import local_storage

STOP_GRACE = 5.0  # seconds between SIGTERM and SIGKILL
READY_TIMEOUT = 60.0


class ServerError(RuntimeError):
    """The server could not be prepared or did not become ready."""


def yimi_command() -> str:
    """The `yimi` console script of the running interpreter's environment."""
    candidate = Path(sys.executable).parent / "yimi"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("yimi")
    if not found:
        raise ServerError("the `yimi` command is not installed: run `make install`")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, var_dir: Path) -> dict[str, str]:
    """The environment the server sees: inherited, minus any YIMI_* setting, plus ours. Rate limits are
    counted in this machine's Redis (several workers refuse memory://), under a prefix of this run's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIMI_")}
    env.update(
        YIMI_ENV="development",
        YIMI_DATABASE_URL=database_url,
        YIMI_VAR_DIR=str(var_dir),
        YIMI_RATE_LIMIT_SIGN_IN="1000/minute",
        YIMI_RATE_LIMIT_STORAGE=local_storage(),
        YIMI_RATE_LIMIT_PREFIX=f"yimi-bench-{uuid.uuid4().hex}",
    )
    return env


def run_cli(args: list[str], env: dict[str, str], timeout: float = 300) -> None:
    """Run `yimi <args>`; raise with its output if it fails."""
    done = subprocess.run(
        [yimi_command(), *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise ServerError(f"`yimi {' '.join(args)}` failed ({done.returncode}):\n{done.stdout}{done.stderr}")


class Server:
    """`yimi serve` (or another uvicorn `command`, given without its port) in its own process group; a
    context manager that always stops it."""

    def __init__(self, env: dict[str, str], log_path: Path, workers: int = 2, command: list[str] | None = None) -> None:
        self.env = env
        self.command = command
        self.log_path = log_path
        self.workers = workers
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def start(self) -> None:
        args = [*self.command, "--port", str(self.port)] if self.command else [
            yimi_command(), "serve",
            "--host", "127.0.0.1", "--port", str(self.port),
            "--workers", str(self.workers), "--no-access-log",
        ]  # fmt: skip
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                args, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        """Poll /readyz until it answers 200; fail clearly on timeout or if the server exits."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        last = "no answer"
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise ServerError(
                        f"`yimi serve` exited with {self.process.returncode} before it was ready:\n"
                        + self.log_tail()
                    )
                try:
                    response = client.get(f"{self.base_url}/readyz")
                    if response.status_code == 200:
                        if len(self.worker_pids()) >= self.workers:
                            return
                        last = "ready, waiting for every worker"
                    else:
                        last = f"HTTP {response.status_code}: {response.text[:200]}"
                except httpx.HTTPError as exc:
                    last = type(exc).__name__
                time.sleep(0.2)
        raise ServerError(
            f"{self.base_url}/readyz did not answer 200 within {timeout:.0f} s ({last}):\n{self.log_tail()}"
        )

    def stop(self) -> None:
        """SIGTERM to the whole process group, then SIGKILL after a grace period."""
        if self.process is None:
            return
        pgid = self.process.pid  # start_new_session: the group is led by the server process
        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.process.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            pass
        try:  # workers may outlive the supervisor
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        self.process = None

    def worker_pids(self) -> list[int]:
        """The uvicorn workers: children of `yimi serve`, but not multiprocessing's resource tracker."""
        if self.process is None:
            return []
        return [pid for pid in children(self.process.pid) if b"resource_tracker" not in _cmdline(pid)]


def children(parent: int) -> list[int]:
    """Processes whose parent is `parent`, found by scanning /proc/*/stat."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name (field 2) may contain spaces and parentheses: split after the last ')'.
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 1 and int(fields[1]) == parent:
            found.append(int(entry))
    return sorted(found)


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def rss_kib(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) if match else None


def cpu_ticks(pid: int) -> int | None:
    """User + system CPU time of `pid` in clock ticks."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()  # fields from the 3rd (state) on
    return int(fields[11]) + int(fields[12])  # utime, stime (the 14th and 15th)


class RssSampler:
    """Samples VmRSS of every worker every `interval` seconds in a thread; keeps the peak per worker.

    It also notes the workers' CPU time, to tell whether the server or the load generator was the limit."""

    def __init__(self, server: Server, interval: float = 0.2) -> None:
        self.server = server
        self.interval = interval
        self.peak_kib: dict[int, int] = {}
        self._ticks: dict[int, tuple[int, int]] = {}  # pid: CPU clock ticks when first and last seen
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()  # one last look at the end of the scenario

    def _sample(self) -> None:
        for pid in self.server.worker_pids():
            kib = rss_kib(pid)
            if kib is not None:
                self.peak_kib[pid] = max(kib, self.peak_kib.get(pid, 0))
            ticks = cpu_ticks(pid)
            if ticks is not None:
                self._ticks[pid] = (self._ticks.get(pid, (ticks, ticks))[0], ticks)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) all workers used while sampling."""
        return sum(last - first for first, last in self._ticks.values()) / os.sysconf("SC_CLK_TCK")

    def peaks_mib(self) -> list[float]:
        """Peak RSS in MiB per worker, in worker (pid) order."""
        return [self.peak_kib[pid] / 1024 for pid in sorted(self.peak_kib)]


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def sign_in(base_url: str, username: str, password: str) -> dict[str, str]:
    """Sign in through the form like a browser; return the cookies of the signed-in session."""
    with httpx.Client(base_url=base_url, timeout=10.0, follow_redirects=False) as client:
        page = client.get("/signin")
        match = CSRF_META.search(page.text)
        if page.status_code != 200 or match is None or "yimi_csrf" not in client.cookies:
            raise ServerError(f"GET /signin gave no CSRF cookie and token (HTTP {page.status_code})")
        answer = client.post(
            "/signin", data={"username": username, "password": password, "csrf_token": match.group(1)}
        )
        session = client.cookies.get("yimi_session")
        if answer.status_code != 303 or not session:
            raise ServerError(
                f"signing in as {username} failed: HTTP {answer.status_code}, no session cookie"
            )
        check = client.get("/staff")
        if check.status_code != 200:
            raise ServerError(f"signed in, but GET /staff answered HTTP {check.status_code}")
        return {"yimi_session": session}
