"""What one request costs the server itself: the application called in process (ASGI, no network, no load
generator), one request at a time, on SQLite and on PostgreSQL.

    .venv/bin/python bench/request_cost.py
    .venv/bin/python bench/request_cost.py --only sqlite --children 100 --rounds 5

It seeds like the classroom burst (bench/burst.py), then, through the public services, opens each group's
tablet (`corps.open_group_session`) and signs every child in with their picture code
(`corps.sign_in_child`). Each round, every child fetches the form with a fresh key
(`GET /api/v1/me/consultations/{id}`) and sends five answers and a short text
(`POST …/answers`), and `GET /healthz` is called as often. It prints, per kind of request, the median and
p95 of wall time and the process's CPU time (all threads), and what one core could serve at the median.
The first round warms the caches and is not counted. Figures are printed, never asserted.

The classroom burst measures the whole machine under load, with the load generator on the same CPUs; this
measures the floor: the work in our code, FastAPI and the database driver, per request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from burst import DEFAULT_PG_URL, LIGHT_ARGON2, answers_for, percentile, run_seed
from run import machine, postgres_database, sqlite_database
from server import run_cli, server_env


class App:
    """The application in this process, called as an ASGI server would call it."""

    def __init__(self) -> None:
        from app.main import create_app

        self.app = create_app()

    async def call(self, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes = b"") -> tuple[int, bytes]:
        if body:
            headers = [*headers, (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
                 "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
                 "headers": [(b"host", b"bench"), *headers], "client": ("127.0.0.1", 1), "server": ("bench", 80)}
        sent: list[dict] = []
        delivered = False

        async def receive() -> dict:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}  # asked only once the response is sent

        async def send(message: dict) -> None:
            sent.append(message)

        await self.app(scope, receive, send)
        return sent[0]["status"], b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def sign_in(seeded: dict) -> list[tuple[int, int, str, str]]:
    """(n, child id, session cookie, CSRF token) for every child, through the tablet's own services."""
    from sqlmodel import select

    from app.accounts.models import StaffUser
    from app.core.db import new_session
    from app.corps import service as corps
    from app.corps.models import Group

    signed: list[tuple[int, int, str, str]] = []
    with new_session() as session:
        facilitator = session.exec(select(StaffUser).where(StaffUser.username == seeded["facilitator"])).one()
        n = 0
        for group in seeded["groups"]:
            group_session, _token = corps.open_group_session(session=session, actor=facilitator, group=session.get(Group, group["id"]))
            session.commit()
            for child in group["children"]:
                done = corps.sign_in_child(session=session, group_session=group_session, child_id=child["id"], code=child["code"])
                signed.append((n, child["id"], done.token, done.child_session.csrf_token))
                n += 1
    return signed


async def rounds(app: App, seeded: dict, signed: list[tuple[int, int, str, str]], count: int) -> dict[str, dict[str, list[float]]]:
    consultation_id = seeded["consultation_id"]
    found: dict[str, dict[str, list[float]]] = {name: {"wall": [], "cpu": []} for name in ("healthz", "key", "submit")}

    async def timed(name: str, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes = b"", keep: bool = True) -> bytes:
        wall, cpu = time.perf_counter(), time.process_time()
        status, answer = await app.call(method, path, headers, body)
        if status != 200:
            raise SystemExit(f"{method} {path}: HTTP {status}: {answer[:300]!r}")
        if keep:
            found[name]["wall"].append(time.perf_counter() - wall)
            found[name]["cpu"].append(time.process_time() - cpu)
        return answer

    for round_ in range(count + 1):
        keep = round_ > 0  # the first round warms the caches
        for n, _child_id, cookie, csrf in signed:
            headers = [(b"cookie", f"yimi_child={cookie}".encode()), (b"x-csrf-token", csrf.encode()), (b"accept-language", b"zh-CN")]
            await timed("healthz", "GET", "/healthz", [], keep=keep)
            key = json.loads(await timed("key", "GET", f"/api/v1/me/consultations/{consultation_id}", headers, keep=keep))["key"]
            body = json.dumps({"key": key, "answers": answers_for(seeded, n, round_=round_)}).encode()
            await timed("submit", "POST", f"/api/v1/me/consultations/{consultation_id}/answers", headers, body, keep=keep)
    return found


def measure_here(children: int, groups: int, rounds_: int) -> list[str]:
    """Run inside a process whose environment names the database (see `measure`)."""
    seeded = json.loads(os.environ["YIMI_BENCH_SEEDED"])
    signed = sign_in(seeded)[:children]
    app = App()
    profile_to = os.environ.get("YIMI_BENCH_PROFILE")
    if profile_to:  # --profile: the measured rounds under cProfile (slower; the figures are then not comparable)
        import cProfile

        with cProfile.Profile() as profiler:
            found = asyncio.run(rounds(app, seeded, signed, rounds_))
        profiler.dump_stats(profile_to)
    else:
        found = asyncio.run(rounds(app, seeded, signed, rounds_))
    lines = []
    for name, values in found.items():
        wall, cpu = values["wall"], values["cpu"]
        median_cpu = statistics.median(cpu)
        lines.append(f"  {name:<7} n={len(wall):>5}  wall p50 {statistics.median(wall) * 1000:6.2f} ms  p95 {percentile(wall, 95) * 1000:6.2f} ms  "
                     f"CPU p50 {median_cpu * 1000:6.2f} ms  p95 {percentile(cpu, 95) * 1000:6.2f} ms  "
                     f"= {1 / median_cpu if median_cpu else 0:5.0f} per second on one core")
    return lines


def measure(name: str, workdir: Path, args: argparse.Namespace) -> list[str]:
    database = sqlite_database(workdir) if name == "sqlite" else postgres_database()
    if database.skipped:
        return [f"{name}: skipped, {database.skipped}"]
    env = {**server_env(database.url, workdir / "var"), **LIGHT_ARGON2}
    run_cli(["db", "upgrade"], env)
    run_cli(["consent", "sync"], env)
    seeded = run_seed(env, args.children, args.groups)
    done = subprocess.run([sys.executable, __file__, "--here", str(args.children), str(args.groups), str(args.rounds)],
                          env={**env, "YIMI_BENCH_SEEDED": json.dumps(seeded), **({"YIMI_BENCH_PROFILE": args.profile} if args.profile else {})}, capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{name}: the measurement failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")
    return [f"{database.name} ({database.version}): {args.children} children, {args.rounds} rounds, one request at a time, in process",
            *json.loads(done.stdout.strip().splitlines()[-1])]


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] == "--here":
        print(json.dumps(measure_here(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--children", type=int, default=200, help="children (default 200)")
    parser.add_argument("--groups", type=int, default=5, help="groups (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="counted rounds (default 3, after one warm-up round)")
    parser.add_argument("--only", choices=["sqlite", "postgres"], help="measure one database only")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the rounds to FILE (use with --only)")
    args = parser.parse_args()
    lines = machine()
    with tempfile.TemporaryDirectory(prefix="yimi-cost-") as tmp:
        for name in ("sqlite", "postgres"):
            if args.only and args.only != name:
                continue
            if name == "postgres":
                os.environ["YIMI_BENCH_PG_URL"] = os.environ.get("YIMI_BURST_PG_URL", DEFAULT_PG_URL)
            workdir = Path(tmp) / name
            workdir.mkdir()
            lines.extend(measure(name, workdir, args))
    print()
    print("Yimi: what one request costs the server (bench/request_cost.py)")
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
