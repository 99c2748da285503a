"""The floor under the classroom burst: what FastAPI, uvicorn and the load generator can do on this machine
when a send does no work at all.

    .venv/bin/python bench/floor.py
    .venv/bin/python bench/floor.py --duration 5

The classroom burst (bench/burst.py) measures Yimi's sends against two targets: at least 250 submissions/s,
and a submission's p95 under 150 ms at 50 concurrent children. This script runs the same load generator
(httpx in one uvloop event loop, one client per child, on the same CPUs as the server) against a FastAPI app
of a few lines, served like Yimi (`uvicorn --workers 2`, uvloop, httptools), with two routes:

  nothing  GET, an `async def` that returns a constant: the least a request can cost;
  send     POST of a submission's body (five answers and a short text, validated by a pydantic model of the
           same shape), a plain `def` with one plain `def` dependency that checks a cookie and a CSRF header,
           and a response model: the shape of Yimi's send, with no database and no work.

For each: 50 requests kept in flight for a while (requests/s, p50/p95/p99, CPU per request of the server
and of the load generator), then classes of 50 pressing Send together, one class after another (p50/p95 of
each child's wait), as the burst's "classes sending at once". Last, the budget this leaves a send of Yimi's
on this machine, from the load generator's measured cost per send. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from load import CLIENT_TLS, run_load
from pydantic import BaseModel, Field

HERE = Path(__file__).resolve().parent
COOKIE, TOKEN = "floor_child", "floor-csrf-token"
WORKERS, CONCURRENCY, WAVES = 2, 50, 20
TARGET_RATE, TARGET_P95 = 250, 0.150  # the targets: submissions/s, and seconds at 50 concurrent

# ---- the app: `uvicorn --app-dir bench floor:app` -------------------------------------------------------

app = FastAPI(openapi_url=None)


class Answer(BaseModel):  # the shape of Yimi's AnswerIn
    question_id: int
    skip: bool = False
    option: int | None = None
    options: list[int] = Field(default_factory=list)
    scale: int | None = None
    order: list[int] = Field(default_factory=list)
    text: str | None = Field(default=None, max_length=2000)


class Answers(BaseModel):
    key: str = Field(max_length=100)
    answers: list[Answer] = Field(max_length=50)


class Receipt(BaseModel):
    consultation_id: int
    receipt_code: str
    answers: int
    repeated: bool


def signed_in(request: Request) -> str:
    """A plain dependency, as Yimi's child session and consent guard are (run in the thread pool)."""
    if request.cookies.get(COOKIE) is None or not hmac.compare_digest(request.headers.get("x-csrf-token", ""), TOKEN):
        raise PermissionError
    return "child"


@app.get("/readyz")
async def readyz() -> JSONResponse:
    return JSONResponse({"ready": True})


@app.get("/nothing")
async def nothing() -> JSONResponse:
    return JSONResponse({})


@app.post("/send/{consultation_id}", response_model=Receipt)
def send(consultation_id: int, data: Answers, child: str = Depends(signed_in)) -> Receipt:
    return Receipt(consultation_id=consultation_id, receipt_code="ABCD2345", answers=len(data.answers), repeated=False)


# ---- the measurement ----------------------------------------------------------------------------------


def body() -> bytes:
    """A submission's body, as the burst sends it (bench/burst.py: answers_for)."""
    from burst import answers_for

    questions = [{"id": n, "options": [3 * n + 1, 3 * n + 2, 3 * n + 3]} for n in range(1, 6)]
    return json.dumps({"key": "x" * 22 + "." + "y" * 32, "answers": answers_for({"questions": questions}, 7)}).encode()


async def waves(url: str, payload: bytes) -> tuple[list[float], float]:
    """Classes of 50 press Send together, one class after another; each child's wait, and the sends per second."""
    headers = {"content-type": "application/json", "x-csrf-token": TOKEN, "cookie": f"{COOKIE}=1"}
    clients = [httpx.AsyncClient(timeout=30.0, verify=CLIENT_TLS) for _ in range(CONCURRENCY)]
    waits: list[float] = []

    async def one(client: httpx.AsyncClient) -> None:
        started = time.perf_counter()
        response = await client.post(url, content=payload, headers=headers)
        if response.status_code == 200:
            waits.append(time.perf_counter() - started)

    try:
        await asyncio.gather(*(one(c) for c in clients))  # connections opened, not measured
        waits.clear()
        started = time.perf_counter()
        for _ in range(WAVES):
            await asyncio.gather(*(one(c) for c in clients))
        elapsed = time.perf_counter() - started
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    return waits, len(waits) / elapsed


def measure(base_url: str, server: object, duration: float) -> list[tuple[str, dict[str, float]]]:
    from burst import percentile, run_loop
    from server import RssSampler

    payload = body()
    found = []
    for name, path, data in (("nothing", "/nothing", None), ("send", "/send/1", payload)):
        url = base_url + path
        run_loop(run_load(url, duration=1.0, concurrency=CONCURRENCY, client_per_connection=True, body=data,
                          cookies={COOKIE: "1"}, headers={"x-csrf-token": TOKEN}))  # warm-up
        with RssSampler(server) as sampler:  # type: ignore[arg-type]
            result = run_loop(run_load(url, duration=duration, concurrency=CONCURRENCY, client_per_connection=True, body=data,
                                       cookies={COOKIE: "1"}, headers={"x-csrf-token": TOKEN}))
        figures = {"rps": result.rps, "errors": result.errors, "server_ms": sampler.cpu_seconds() / max(result.ok, 1) * 1000,
                   "load_ms": result.cpu / max(result.ok, 1) * 1000,
                   **{f"p{p}": result.percentile_ms(p) or 0.0 for p in (50, 95, 99)}}
        if data is not None:
            waits, rate = run_loop(waves(url, data))
            figures.update({"wave_p50": (percentile(waits, 50) or 0) * 1000, "wave_p95": (percentile(waits, 95) or 0) * 1000,
                            "wave_rate": rate})
        found.append((name, figures))
    return found


def report(found: list[tuple[str, dict[str, float]]]) -> list[str]:
    lines = []
    for name, f in found:
        lines.append(f"  {name:<8} {CONCURRENCY} in flight: {f['rps']:5.0f} requests/s, p50 {f['p50']:5.1f} ms, p95 {f['p95']:5.1f} ms, "
                     f"p99 {f['p99']:5.1f} ms, errors {f['errors']:.0f}; CPU per request: server {f['server_ms']:.2f} ms, "
                     f"load generator {f['load_ms']:.2f} ms")
        if "wave_p95" in f:
            lines.append(f"  {name:<8} {WAVES} classes of {CONCURRENCY} pressing Send together: each child's wait p50 {f['wave_p50']:.0f} ms, "
                         f"p95 {f['wave_p95']:.0f} ms; {f['wave_rate']:.0f} sends/s")
    send = dict(found)["send"]
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    load = send["load_ms"] / 1000
    rate_budget = (cpus - TARGET_RATE * load) / TARGET_RATE * 1000
    # A class of 50 on `cpus` CPUs: the last of the class is answered after 50 × (server + generator) / cpus;
    # the 95th percentile child after 95 % of that.
    wave_budget = TARGET_P95 * cpus / (0.95 * CONCURRENCY) * 1000 - send["load_ms"]
    lines += [
        f"  The budget this leaves one of Yimi's sends on these {cpus} CPUs, with the load generator's {send['load_ms']:.2f} ms per send:",
        f"    {TARGET_RATE} submissions/s: at most {rate_budget:.1f} ms of server CPU per send, everything included "
        f"(the empty send above: {send['server_ms']:.2f} ms);",
        f"    p95 under {TARGET_P95 * 1000:.0f} ms for a class of {CONCURRENCY} sending together: at most {wave_budget:.1f} ms of server CPU per send.",
        "  bench/request_cost.py gives what a send of Yimi's costs (in process, without HTTP); bench/burst.py what it costs under load.",
    ]
    return lines


def main() -> int:
    from burst import WORKERS as BURST_WORKERS
    from run import machine, terminate_as_exit
    from server import Server, ServerError

    assert BURST_WORKERS == WORKERS
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=8.0, help="seconds of each run with 50 in flight (default 8)")
    args = parser.parse_args()
    lines = machine()
    command = [sys.executable, "-m", "uvicorn", "--app-dir", str(HERE), "floor:app", "--workers", str(WORKERS),
               "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning", "--host", "127.0.0.1"]
    with terminate_as_exit(), tempfile.TemporaryDirectory(prefix="yimi-floor-") as tmp:
        try:
            with Server(dict(os.environ), Path(tmp) / "server.log", workers=WORKERS, command=command) as server:
                server.wait_ready()
                found = measure(server.base_url, server, args.duration)
        except ServerError as exc:
            print(f"\nFloor stopped: {exc}", file=sys.stderr)
            return 1
    print()
    print("The floor: FastAPI and uvicorn (2 workers) with no work, under the classroom burst's load generator (bench/floor.py)")
    for line in [*lines, *report(found)]:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
