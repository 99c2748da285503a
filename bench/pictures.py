"""Picture uploads at once: each worker's memory while large pictures are decoded (issue 13, point 3).

    make bench-pictures
    .venv/bin/python bench/pictures.py --rounds 3 --at-once 8 --decodes 2

Starts `yimi serve --workers 2` on a fresh SQLite database with the demo data, signs in as the demo official
and uploads large pictures just under YIMI_PICTURE_MAX_PIXELS (25 MP: a PNG and a JPEG of 4,999 × 5,000, half
of each) to the demo consultation, `--at-once` at the same moment (each on its own connection), for
`--rounds` rounds. While it runs it samples, every 20 ms, the RSS of each worker and of every process the
workers start (the picture decoders). It prints per worker its RSS before, its peak (the kernel's VmHWM)
and its RSS settled a few seconds after the last upload; the decoders' peak; the whole server's peak
(supervisor, workers and decoders together); the time of one upload alone and of each upload of the
rounds; and how long `/healthz` took meanwhile (a probe every 0.1 s). Target: every worker under 300 MB. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from PIL import Image, ImageDraw
from server import CSRF_META, Server, ServerError, children, run_cli, server_env, sign_in

from app.demo import DEMO_PASSWORD

WORKERS = 2
SIZE = (4999, 5000)  # just under 25,000,000 pixels
TARGET_MIB = 300


def drawing(size: tuple[int, int]) -> Image.Image:
    """A sky, a lawn and some shapes: decodes like a photo of its size, compresses like a drawing (the body
    limit is 2 MB)."""
    width, height = size
    sky = Image.linear_gradient("L").resize(size)
    image = Image.merge("RGB", (sky, sky.transpose(Image.Transpose.FLIP_TOP_BOTTOM), Image.new("L", size, 160)))
    draw = ImageDraw.Draw(image)
    for i in range(40):
        x, y = (i * 7919) % width, (i * 104729) % height
        draw.ellipse((x, y, x + width // 12, y + height // 12), fill=((i * 50) % 256, (i * 90) % 256, (i * 30) % 256))
    return image


def pictures() -> dict[str, tuple[bytes, str]]:
    image = drawing(SIZE)
    png, jpeg = io.BytesIO(), io.BytesIO()
    image.save(png, format="PNG", compress_level=9)
    image.save(jpeg, format="JPEG", quality=80)
    return {"png": (png.getvalue(), "image/png"), "jpeg": (jpeg.getvalue(), "image/jpeg")}


def status_kib(pid: int, field_name: str) -> int | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(rf"^{field_name}:\s+(\d+) kB", text, re.MULTILINE)
    return int(match.group(1)) if match else None


@dataclass
class Sampler:
    """Every `interval` s: RSS of each worker, of each process a worker started, and of the whole server."""

    server: Server
    interval: float = 0.02
    workers: list[int] = field(default_factory=list)
    worker_peak: dict[int, int] = field(default_factory=dict)
    decoder_peak: dict[int, int] = field(default_factory=dict)  # pid: peak RSS KiB
    total_peak: int = 0
    decoders_at_once: int = 0

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self.workers = self.server.worker_pids()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        assert self.server.process is not None
        supervisor = self.server.process.pid
        while not self._stop.is_set():
            total = status_kib(supervisor, "VmRSS") or 0
            decoders = 0
            for worker in self.workers:
                rss = status_kib(worker, "VmRSS") or 0
                self.worker_peak[worker] = max(rss, self.worker_peak.get(worker, 0))
                total += rss
                for child in children(worker):
                    child_rss = status_kib(child, "VmRSS") or 0
                    self.decoder_peak[child] = max(child_rss, self.decoder_peak.get(child, 0))
                    total += child_rss
                    decoders += 1
            self.total_peak = max(self.total_peak, total)
            self.decoders_at_once = max(self.decoders_at_once, decoders)
            self._stop.wait(self.interval)


@dataclass
class Round:
    seconds: float
    uploads: list[tuple[str, int, float]]  # kind, HTTP status, seconds


def upload(base: str, cookies: dict[str, str], token: str, consultation_id: int, kind: str, data: bytes, content_type: str) -> tuple[str, int, float]:
    started = time.perf_counter()
    with httpx.Client(base_url=base, cookies=cookies, timeout=120) as client:  # a connection of its own
        answer = client.post(
            f"/consultations/{consultation_id}/picture", data={"csrf_token": token},
            files={"picture": (f"big.{kind}", data, content_type)},
        )
    return kind, answer.status_code, time.perf_counter() - started


def probe_healthz(base: str, stop: threading.Event, times: list[float]) -> None:
    with httpx.Client(base_url=base, timeout=60) as client:
        while not stop.is_set():
            started = time.perf_counter()
            client.get("/healthz")
            times.append(time.perf_counter() - started)
            stop.wait(0.1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--at-once", type=int, default=8, help="uploads sent at the same moment (half PNG, half JPEG)")
    parser.add_argument("--decodes", type=int, help="YIMI_PICTURE_DECODES for the server (default: its own, 1)")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds after the last round before the settled RSS")
    args = parser.parse_args()

    files = pictures()
    kinds = [("png", "jpeg")[i % 2] for i in range(args.at_once)]
    with tempfile.TemporaryDirectory(prefix="yimi-bench-pictures-") as tmp:
        workdir = Path(tmp)
        database = workdir / "bench.db"
        env = server_env(f"sqlite:///{database}", workdir / "var")
        if args.decodes:
            env["YIMI_PICTURE_DECODES"] = str(args.decodes)
        print("yimi db upgrade, yimi demo ...", flush=True)
        run_cli(["db", "upgrade"], env)
        run_cli(["demo"], env)
        with sqlite3.connect(database) as connection:
            consultation_id = connection.execute("SELECT min(id) FROM consultation").fetchone()[0]
        try:
            with Server(env, workdir / "server.log", workers=WORKERS) as server:
                server.wait_ready()
                cookies = sign_in(server.base_url, "official", DEMO_PASSWORD)
                page = httpx.get(f"{server.base_url}/consultations/{consultation_id}", cookies=cookies)
                token = CSRF_META.search(page.text).group(1)
                # One upload of each kind first, so that each worker has served one and the figures below
                # are for a warm worker (templates, imports), not its first request.
                for kind in ("png", "jpeg"):
                    warm = upload(server.base_url, cookies, token, consultation_id, kind, *files[kind])
                    if warm[1] != 303:
                        raise ServerError(f"the warm-up upload answered HTTP {warm[1]}:\n{server.log_tail()}")
                alone = {kind: upload(server.base_url, cookies, token, consultation_id, kind, *files[kind])[2] for kind in ("png", "jpeg")}
                time.sleep(1)
                workers = server.worker_pids()
                before = {pid: status_kib(pid, "VmRSS") for pid in workers}
                sampler = Sampler(server)
                sampler.start()
                health: list[float] = []
                stop_probe = threading.Event()
                prober = threading.Thread(target=probe_healthz, args=(server.base_url, stop_probe, health), daemon=True)
                prober.start()
                rounds = []
                try:
                    for number in range(1, args.rounds + 1):
                        started = time.perf_counter()
                        with ThreadPoolExecutor(max_workers=args.at_once) as pool:
                            results = list(pool.map(
                                lambda kind: upload(server.base_url, cookies, token, consultation_id, kind, *files[kind]), kinds,
                            ))
                        rounds.append(Round(time.perf_counter() - started, results))
                        print(f"round {number}: {len(results)} uploads in {rounds[-1].seconds:.1f} s", flush=True)
                finally:
                    stop_probe.set()
                    prober.join()
                    time.sleep(args.settle)
                    sampler.stop()
                settled = {pid: status_kib(pid, "VmRSS") for pid in workers}
                high_water = {pid: status_kib(pid, "VmHWM") for pid in workers}
                decodes = env.get("YIMI_PICTURE_DECODES", "1 (default)")
        except ServerError as exc:
            print(f"\nBenchmark stopped: {exc}", file=sys.stderr)
            return 1
    report(args, files, rounds, workers, before, sampler, high_water, settled, health, decodes, alone)
    return 0


def report(args, files, rounds, workers, before, sampler, high_water, settled, health, decodes, alone) -> None:  # noqa: ANN001
    mib = 1024
    print()
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "?")
    print(f"Machine: {len(os.sched_getaffinity(0))} CPUs ({cpu}); load average {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    sizes = ", ".join(f"{kind.upper()} {SIZE[0]} × {SIZE[1]} ({len(data) / 1024:,.0f} KB)" for kind, (data, _) in files.items())
    print(f"Pictures: {sizes}; {args.at_once} uploads at once, {args.rounds} rounds; "
          f"{WORKERS} workers, YIMI_PICTURE_DECODES={decodes}")
    print(f"One upload alone (after a warm-up): PNG {alone['png']:.2f} s, JPEG {alone['jpeg']:.2f} s")
    statuses = sorted({status for r in rounds for _, status, _ in r.uploads})
    print(f"Answers: {statuses} (303: stored)")
    for kind in ("png", "jpeg"):
        times = [seconds for r in rounds for k, _, seconds in r.uploads if k == kind]
        print(f"Time per upload, {kind.upper()}: median {statistics.median(times):.2f} s, max {max(times):.2f} s "
              f"(waiting for a decode included)")
    print(f"Round (all {args.at_once} stored): median {statistics.median(r.seconds for r in rounds):.1f} s, "
          f"max {max(r.seconds for r in rounds):.1f} s")
    print("Worker RSS (MiB): before / peak sampled during the rounds / peak since start (VmHWM) / settled "
          f"{args.settle:g} s after the last upload")
    for pid in workers:
        flag = "under" if high_water[pid] / mib < TARGET_MIB else "OVER"
        print(f"  worker {pid}: {before[pid] / mib:.0f} / {sampler.worker_peak.get(pid, 0) / mib:.0f} / "
              f"{high_water[pid] / mib:.0f} / {settled[pid] / mib:.0f}   ({flag} {TARGET_MIB} MB)")
    if sampler.decoder_peak:
        peaks = sorted(sampler.decoder_peak.values())
        print(f"Decoder processes: {len(peaks)} seen, at most {sampler.decoders_at_once} at once; "
              f"peak RSS median {statistics.median(peaks) / mib:.0f} MiB, max {peaks[-1] / mib:.0f} MiB (each exits after its picture)")
    print(f"Whole server at its peak (supervisor + workers + decoders): {sampler.total_peak / mib:.0f} MiB")
    if health:
        print(f"/healthz meanwhile: {len(health)} probes, median {statistics.median(health) * 1000:.0f} ms, "
              f"max {max(health) * 1000:.0f} ms")


if __name__ == "__main__":
    sys.exit(main())
