"""Yimi benchmarks: the server with 2 workers on SQLite, then on PostgreSQL, under a fixed concurrent load.

    make bench                                   # everything, 10 s per scenario at 50 connections
    .venv/bin/python bench/run.py --only sqlite --duration 5 --concurrency 20

Figures are printed, never asserted. To add a scenario, append to SCENARIOS below.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import psycopg
from classroom import ClassResult, class_sign_in, seed
from load import LoadResult, run_load
from psycopg import sql
from server import RssSampler, Server, ServerError, run_cli, server_env, sign_in
from sqlalchemy.engine import make_url

from app.demo import DEMO_PASSWORD

WORKERS = 2
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/yimi_bench"
WARMUP_REQUESTS = 200  # per scenario, not measured: first templates, connection pools, ...
CLASS_SIZE = 40  # children signing in at once on one tablet group session (target: all in under 5 s)


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    signed_in: bool = False  # GET as the demo administrator (session cookie from the sign-in form)


SCENARIOS = [
    Scenario("healthz", "/healthz"),
    Scenario("staff page", "/staff", signed_in=True),
]


@dataclass
class Measurement:
    database: str
    scenario: Scenario
    result: LoadResult | None = None
    rss_mib: list[float] = field(default_factory=list)
    server_cpu: float = 0.0  # CPU seconds of all workers during the measured run
    failure: str | None = None


@dataclass
class ClassMeasurement:
    database: str
    result: ClassResult | None = None
    failure: str | None = None


# ---- databases -----------------------------------------------------------------------------------


@dataclass
class Database:
    name: str
    url: str
    version: str = ""
    skipped: str | None = None  # why it was not measured


def sqlite_database(workdir: Path) -> Database:
    return Database("sqlite", f"sqlite:///{workdir / 'bench.db'}", version=f"SQLite {sqlite3.sqlite_version}")


def postgres_database() -> Database:
    """A fresh, empty database (dropped and created again), or a Database marked as skipped."""
    url = make_url(os.environ.get("YIMI_BENCH_PG_URL", DEFAULT_PG_URL))
    name = url.database or "yimi_bench"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    shown = url.render_as_string(hide_password=True)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            version = conn.execute("SHOW server_version").fetchone()
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Database("postgres", str(url), skipped=f"PostgreSQL unreachable at {shown} ({reason})")
    return Database("postgres", url.render_as_string(hide_password=False), version=f"PostgreSQL {version[0]}")


# ---- running -------------------------------------------------------------------------------------


def measure(database: Database, workdir: Path, args: argparse.Namespace, classes: list[ClassMeasurement]) -> list[Measurement]:
    var_dir = workdir / "var"
    env = server_env(database.url, var_dir)
    print(f"[{database.name}] yimi db upgrade, yimi demo ...", flush=True)
    run_cli(["db", "upgrade"], env)
    run_cli(["demo"], env)
    print(f"[{database.name}] enrolling a class of {CLASS_SIZE} children ...", flush=True)
    seeded = seed(env, CLASS_SIZE)
    measurements = []
    with Server(env, workdir / "server.log", workers=WORKERS) as server:
        print(
            f"[{database.name}] yimi serve --workers {WORKERS} on {server.base_url}, waiting for /readyz ...",
            flush=True,
        )
        server.wait_ready()
        cookies: dict[str, str] = {}
        if any(s.signed_in for s in SCENARIOS):
            cookies = sign_in(server.base_url, "admin", DEMO_PASSWORD)
        for scenario in SCENARIOS:
            m = Measurement(database.name, scenario)
            url = server.base_url + scenario.path
            jar = cookies if scenario.signed_in else None
            print(
                f"[{database.name}] {scenario.name}: GET {scenario.path} for {args.duration:g} s "
                f"at {args.concurrency} connections ...",
                flush=True,
            )
            try:
                load = partial(
                    run_load,
                    url,
                    concurrency=args.concurrency,
                    cookies=jar,
                    client_per_connection=args.client_per_connection,
                )
                asyncio.run(load(duration=60, max_requests=WARMUP_REQUESTS))
                with RssSampler(server) as sampler:
                    m.result = asyncio.run(load(duration=args.duration))
                m.rss_mib = sampler.peaks_mib()
                m.server_cpu = sampler.cpu_seconds()
            except Exception as exc:  # one failed scenario must not hide the others
                m.failure = f"{type(exc).__name__}: {exc}"
            if server.process is not None and server.process.poll() is not None:
                raise ServerError(f"`yimi serve` died during {scenario.name}:\n{server.log_tail()}")
            measurements.append(m)
        print(f"[{database.name}] a class of {CLASS_SIZE} children signing in at once ...", flush=True)
        cm = ClassMeasurement(database.name)
        try:
            cm.result = asyncio.run(class_sign_in(server.base_url, seeded))
        except Exception as exc:  # noqa: BLE001
            cm.failure = f"{type(exc).__name__}: {exc}"
        classes.append(cm)
    return measurements


def class_table(classes: list[ClassMeasurement]) -> str:
    lines = [f"A class of {CLASS_SIZE} children signing in at once on one tablet group session (target: all in < 5 s)"]
    for cm in classes:
        if cm.result is None:
            lines.append(f"  {cm.database}: failed: {cm.failure}")
            continue
        r = cm.result
        lines.append(
            f"  {cm.database}: {r.signed_in}/{r.children} signed in, all in {r.total_s:.2f} s; "
            f"per sign-in p50 {_ms(r.percentile_ms(50))} ms, p95 {_ms(r.percentile_ms(95))} ms"
        )
    return "\n".join(lines)


# ---- reporting -----------------------------------------------------------------------------------


def machine() -> list[str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        load = "unknown"
    return [
        f"CPUs (nproc): {usable} ({cpu}); load average before the run: {load}",
        f"Memory: {memory}",
        f"Python: {platform.python_version()} ({platform.python_implementation()}), {platform.platform()}",
    ]


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def table(measurements: list[Measurement]) -> str:
    header = [
        "database",
        "scenario",
        "req/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "ok",
        "errors",
        "CPU% server",
        "CPU% load",
        "peak RSS/worker MiB",
    ]
    rows = []
    notes = []
    for m in measurements:
        if m.result is None:
            rows.append([m.database, m.scenario.name, "failed", *[""] * (len(header) - 3)])
            notes.append(f"{m.database} / {m.scenario.name}: {m.failure}")
            continue
        r = m.result
        rows.append(
            [
                m.database,
                m.scenario.name,
                f"{r.rps:.0f}",
                *(_ms(r.percentile_ms(p)) for p in (50, 95, 99)),
                str(r.ok),
                str(r.errors),
                f"{100 * m.server_cpu / r.duration:.0f}",
                f"{100 * r.cpu / r.duration:.0f}",
                " / ".join(f"{mib:.1f}" for mib in m.rss_mib) or "-",
            ]
        )
        if r.error_kinds:
            kinds = ", ".join(f"{k}: {n}" for k, n in sorted(r.error_kinds.items()))
            notes.append(f"{m.database} / {m.scenario.name} errors: {kinds}")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    right = set(range(2, len(header) - 1))

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    out = [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]
    return "\n".join(out + [""] + notes if notes else out)


# ---- main ----------------------------------------------------------------------------------------


@contextmanager
def terminate_as_exit() -> Iterator[None]:
    """SIGTERM to the benchmark itself unwinds like Ctrl-C, so the server is still stopped."""

    def handler(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per scenario (default 10)")
    parser.add_argument("--concurrency", type=int, default=50, help="concurrent connections (default 50)")
    parser.add_argument("--only", choices=["sqlite", "postgres"], help="measure one database only")
    parser.add_argument(
        "--shared-client",
        dest="client_per_connection",
        action="store_false",
        help="one httpx client for all connections (costs the load generator far more CPU, encode/httpx#3215)",
    )
    args = parser.parse_args()
    if args.duration <= 0 or not 1 <= args.concurrency <= 1000:
        parser.error("--duration must be positive and --concurrency between 1 and 1000")

    makers: list[tuple[str, Callable[[Path], Database]]] = [
        ("sqlite", sqlite_database),
        ("postgres", lambda _workdir: postgres_database()),
    ]
    measurements: list[Measurement] = []
    classes: list[ClassMeasurement] = []
    databases: list[Database] = []
    started = time.monotonic()
    machine_lines = machine()  # before the run, so the load average shows other work on the machine
    with terminate_as_exit(), tempfile.TemporaryDirectory(prefix="yimi-bench-") as tmp:
        try:
            for name, make in makers:
                if args.only and args.only != name:
                    continue
                workdir = Path(tmp) / name
                workdir.mkdir()
                database = make(workdir)
                databases.append(database)
                if database.skipped:
                    print(f"[{name}] SKIPPED: {database.skipped}", flush=True)
                    continue
                measurements.extend(measure(database, workdir, args, classes))
        except ServerError as exc:
            print(f"\nBenchmark stopped: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("\nInterrupted; the server was stopped.", file=sys.stderr)
            return 130

    print()
    clients = "one httpx client per connection" if args.client_per_connection else "one shared httpx client"
    print(
        f"Yimi benchmark: {WORKERS} uvicorn workers, {args.concurrency} connections ({clients}), "
        f"{args.duration:g} s per scenario"
    )
    for line in machine_lines:
        print(line)
    for database in databases:
        print(f"{database.name}: {database.skipped and 'skipped, ' + database.skipped or database.version}")
    print(f"(took {time.monotonic() - started:.0f} s; the load generator shares the CPUs with the server)")
    print()
    print(table(measurements) if measurements else "Nothing was measured.")
    if classes:
        print()
        print(class_table(classes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
