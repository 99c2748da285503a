"""Text screening benchmark: quality per category over the labelled corpora, and throughput on one core.

    .venv/bin/python bench/moderation.py            # or: make bench-moderation
    .venv/bin/python bench/moderation.py --runs 7 --errors

Prints figures; asserts nothing (the quality floors are tests in tests/moderation/test_corpus.py).
Precision and recall are per text: a category is found if any finding of it is in the text.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.moderation.screening import Category, screen  # noqa: E402
from app.moderation.screening.evaluate import PERSONAL, Report, Sample, load_corpus, score  # noqa: E402

CORPORA = {"corpus": ROOT / "tests/moderation/corpus.tsv", "holdout": ROOT / "tests/moderation/holdout.tsv"}


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def pin_to_one_core() -> str:
    """Measure on one core, as the requirement states it (a web worker screens on one)."""
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to CPU {core}"
    return "not pinned (no sched_setaffinity here)"


def print_quality(name: str, report: Report, samples: list[Sample], show_errors: bool) -> None:
    clean = sum(1 for s in samples if not s.categories)
    print(f"\n{name}: {len(samples)} texts ({clean} with nothing to find)")
    print(f"  {'category':<18}{'precision':>10}{'recall':>8}{'support':>9}{'false +':>9}")
    keys = [str(c) for c in Category] + [PERSONAL]
    for key in keys:
        c = report.counts(key)
        print(f"  {key:<18}{c.precision:>10.3f}{c.recall:>8.3f}{c.support:>9}{c.fp:>9}")
    tp = sum(report.counts(str(c)).tp for c in Category)
    fp = sum(report.counts(str(c)).fp for c in Category)
    fn = sum(report.counts(str(c)).fn for c in Category)
    print(
        f"  {'overall (micro)':<18}{tp / max(tp + fp, 1):>10.3f}{tp / max(tp + fn, 1):>8.3f}"
        f"{tp + fn:>9}{fp:>9}"
    )
    print(f"  safeguarding sub-kind found: {report.subkind_hits}/{report.subkind_total}")
    print(f"  texts whose category set differs from the label: {len(report.errors)}")
    if show_errors:
        for sample, got, _ in report.errors:
            want = ",".join(sorted(sample.categories)) or "-"
            print(f"    line {sample.line}: want {want} got {','.join(sorted(got)) or '-'}: {sample.text}")


def throughput(texts: list[str], runs: int, target: int) -> list[float]:
    batch = (texts * (target // len(texts) + 1))[:target]
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        for text in batch:
            screen(text)
        rates.append(len(batch) / (time.perf_counter() - start))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="throughput runs (median printed)")
    parser.add_argument("--texts", type=int, default=5000, help="texts screened per run")
    parser.add_argument("--errors", action="store_true", help="list the texts the engine gets wrong")
    args = parser.parse_args()

    pinned = pin_to_one_core()
    start = time.perf_counter()
    screen("warm up: 我叫王小明 13800138000")
    cold = time.perf_counter() - start

    load = ", load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()) if hasattr(os, "getloadavg") else ""
    print(
        f"Machine: {cpu_model()}, {os.cpu_count()} CPUs ({pinned}); Python {platform.python_version()}{load}"
    )
    samples = {name: load_corpus(path) for name, path in CORPORA.items()}
    for name, corpus in samples.items():
        print_quality(name, score(corpus, screen), corpus, args.errors)

    texts = [s.text for corpus in samples.values() for s in corpus]
    mean_len = statistics.mean(len(t) for t in texts)
    rates = throughput(texts, args.runs, args.texts)
    print(
        f"\nThroughput: {statistics.median(rates):,.0f} comments/s on one core "
        f"(median of {args.runs} runs of "
        f"{args.texts} texts; min {min(rates):,.0f}, max {max(rates):,.0f}; mean length {mean_len:.0f} chars)"
    )
    long_texts = ["。".join(texts[i : i + 6]) for i in range(0, len(texts) - 6, 6)]
    long_rates = throughput(long_texts, args.runs, args.texts // 5)
    mean_long = statistics.mean(len(t) for t in long_texts)
    print(
        f"Long comments: {statistics.median(long_rates):,.0f} comments/s "
        f"(six texts joined, mean {mean_long:.0f} chars)"
    )
    print(f"First call (compiling lexicons, loading OpenCC): {cold * 1000:.0f} ms")


if __name__ == "__main__":
    main()
