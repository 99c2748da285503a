"""The load generator: N concurrent workers in one asyncio loop, each sending GET requests until a deadline.

Importable (``run_load``) and runnable on its own against a server that is already up::

    .venv/bin/python bench/load.py http://127.0.0.1:8000/healthz --duration 10 --concurrency 50

Only loopback addresses are accepted, and every run is bounded in time and in the number of requests.
"""

from __future__ import annotations

import argparse
import asyncio
import ssl
import statistics
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
REQUEST_TIMEOUT = 10.0
MAX_REQUESTS = 2_000_000
# One TLS context for every client the load generator makes. Left to itself, httpx builds a verifying
# context for each client (the CA bundle read and parsed): about 32 ms of CPU per client on this machine,
# inside the measured window when a benchmark makes a client per child (1,000 clients: 32 s of the load
# generator's CPU, taken from the server on a 2-CPU machine). Only plain HTTP to loopback is sent.
CLIENT_TLS = ssl.create_default_context()


@dataclass
class LoadResult:
    duration: float  # seconds from the first request to the last answer
    latencies: list[float] = field(default_factory=list)  # seconds, 200 OK answers only
    errors: int = 0  # answers other than 200, and exceptions (timeouts, refused connections, ...)
    cpu: float = 0.0  # CPU seconds this process used meanwhile (the load generator's own cost)
    error_kinds: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def rps(self) -> float:
        return self.ok / self.duration if self.duration > 0 else 0.0

    def percentile_ms(self, p: int) -> float | None:
        """The p-th percentile latency in milliseconds (None without at least two answers)."""
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000 if self.latencies else None
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1] * 1000


def check_loopback(url: str) -> None:
    host = urlsplit(url).hostname
    if host not in LOOPBACK:
        raise ValueError(f"the benchmark only loads loopback addresses, not {host!r}")


async def run_load(
    url: str,
    *,
    duration: float = 10.0,
    concurrency: int = 50,
    cookies: dict[str, str] | None = None,
    max_requests: int = MAX_REQUESTS,
    client_per_connection: bool = False,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> LoadResult:
    """GET `url` (or POST `body` as JSON) from `concurrency` workers until `duration` seconds pass (or
    `max_requests` were sent).

    By default the workers share one client whose pool holds `concurrency` connections. httpcore's pool
    costs much more CPU per request as it grows (encode/httpx#3215); with `client_per_connection` every
    worker has a client of its own with one connection instead: the same number of connections, less
    overhead in the load generator.
    """
    check_loopback(url)
    result = LoadResult(duration=0.0)
    sent = 0
    headers = {**(headers or {}), **({"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {})}
    if body is not None:
        headers["Content-Type"] = "application/json"
    method = "GET" if body is None else "POST"

    def client(connections: int) -> httpx.AsyncClient:
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        return httpx.AsyncClient(limits=limits, timeout=REQUEST_TIMEOUT, follow_redirects=False, verify=CLIENT_TLS)

    async def worker(client: httpx.AsyncClient, deadline: float) -> None:
        nonlocal sent
        while time.perf_counter() < deadline and sent < max_requests:
            sent += 1
            started = time.perf_counter()
            try:
                response = await client.request(method, url, headers=headers, content=body)
            except httpx.HTTPError as exc:
                result.errors += 1
                kind = type(exc).__name__
                result.error_kinds[kind] = result.error_kinds.get(kind, 0) + 1
                continue
            elapsed = time.perf_counter() - started
            if response.status_code == 200:
                result.latencies.append(elapsed)
            else:
                result.errors += 1
                kind = f"HTTP {response.status_code}"
                result.error_kinds[kind] = result.error_kinds.get(kind, 0) + 1

    async with AsyncExitStack() as stack:
        if client_per_connection:
            clients = [await stack.enter_async_context(client(1)) for _ in range(concurrency)]
        else:
            clients = [await stack.enter_async_context(client(concurrency))] * concurrency
        cpu_start = time.process_time()
        start = time.perf_counter()
        deadline = start + duration
        tasks = [asyncio.create_task(worker(c, deadline)) for c in clients]
        try:
            # A hard bound on top of the deadline: a worker overruns it by at most one request.
            await asyncio.wait(tasks, timeout=duration + REQUEST_TIMEOUT + 5)
        finally:
            for task in tasks:
                task.cancel()
            outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        for outcome in outcomes:  # a bug in the load generator itself, not an error of the server
            if isinstance(outcome, Exception):
                raise outcome
        result.duration = time.perf_counter() - start
        result.cpu = time.process_time() - cpu_start
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description="GET one loopback URL at a fixed concurrency for a while.")
    parser.add_argument("url")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds (default 10)")
    parser.add_argument("--concurrency", type=int, default=50, help="concurrent connections (default 50)")
    parser.add_argument("--cookie", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--client-per-connection", action="store_true", help="one client per connection")
    args = parser.parse_args()
    cookies = dict(c.split("=", 1) for c in args.cookie)
    result = asyncio.run(
        run_load(
            args.url,
            duration=args.duration,
            concurrency=args.concurrency,
            cookies=cookies,
            client_per_connection=args.client_per_connection,
        )
    )
    p50, p95, p99 = (result.percentile_ms(p) for p in (50, 95, 99))
    print(
        f"{result.rps:.0f} req/s  ok={result.ok}  errors={result.errors} {result.error_kinds or ''}  "
        f"p50={p50 or 0:.1f} ms  p95={p95 or 0:.1f} ms  p99={p99 or 0:.1f} ms"
    )


if __name__ == "__main__":
    main()
