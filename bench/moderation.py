"""Text screening benchmark: quality per category and sub-kind on every labelled set, false alarms at scale,
and throughput on one core with both detectors (words and meaning).

    .venv/bin/python bench/moderation.py                 # or: make bench-moderation
    .venv/bin/python bench/moderation.py --sets corpus holdout dev precision --cold /path/to/cold.tsv

Sets (tests/moderation/): corpus.tsv and dev.tsv were used for tuning; holdout.tsv was not; unseen.tsv is
frozen and was never used for tuning (its header says how it was written); precision.tsv holds ordinary
comments only: its first half may tune, its second half is held back, and both are reported.
COLD (`--cold`, a file of `<label>\\t<text>` lines, 0 non-offensive, 1 offensive): adult comments on region,
gender and race, a figure for the notes (not shipped, not a test dependency), screened twice: as if a child
had written them, and as Yimi screens an adult's (a guardian's) comment.

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

from app.moderation.screening import Category, Level, Subkind, screen, screen_many  # noqa: E402
from app.moderation.screening.evaluate import Sample, load_corpus  # noqa: E402
from app.moderation.screening.types import PERSONAL_DETAILS, Result  # noqa: E402

HERE = ROOT / "tests/moderation"
LABELLED = {"corpus": "tuned on", "holdout": "never tuned on", "dev": "tuned on", "unseen": "frozen, never tuned on"}


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


def _pr(want: list[bool], got: list[bool]) -> tuple[float, float, int, int]:
    tp = sum(w and g for w, g in zip(want, got, strict=True))
    fp = sum(g and not w for w, g in zip(want, got, strict=True))
    fn = sum(w and not g for w, g in zip(want, got, strict=True))
    return tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0, tp + fn, fp


def _row(name: str, want: list[bool], got: list[bool]) -> str:
    p, r, n, fp = _pr(want, got)
    return f"  {name:<26}{p:>10.3f}{r:>8.3f}{n:>9}{fp:>9}"


def _certain(r: Result, subkind: Subkind | None = None) -> bool:
    return any(f.category == Category.SAFEGUARDING and f.level == Level.CERTAIN and (subkind is None or f.subkind == subkind)
               for f in r.findings)


def print_quality(name: str, samples: list[Sample], results: list[Result], show_errors: bool) -> None:
    clean = sum(1 for s in samples if not s.categories)
    print(f"\n{name} ({LABELLED.get(name, '')}): {len(samples)} texts ({clean} with nothing to find)")
    print(f"  {'category':<26}{'precision':>10}{'recall':>8}{'support':>9}{'false +':>9}")
    for category in Category:
        want = [category in s.categories for s in samples]
        if any(want) or any(category in r.categories for r in results):
            print(_row(str(category), want, [category in r.categories for r in results]))
    print(_row("personal details (pooled)", [bool(s.categories & PERSONAL_DETAILS) for s in samples],
               [bool(r.categories & PERSONAL_DETAILS) for r in results]))
    sg_want = [Category.SAFEGUARDING in s.categories for s in samples]
    print(_row("safeguarding certain", sg_want, [_certain(r) for r in results]))
    print(_row("safeguarding certain+poss.", sg_want, [Category.SAFEGUARDING in r.categories for r in results]))
    print("  safeguarding sub-kinds     recall (certain+possible)  recall (certain)  support  (the sub-kind itself found)")
    for sub in Subkind:
        want = [sub in s.subkinds for s in samples]
        if not any(want):
            continue
        _, any_r, n, _ = _pr(want, [sub in r.subkinds for r in results])
        _, cert_r, _, _ = _pr(want, [_certain(r, sub) for r in results])
        _, text_r, _, _ = _pr(want, [Category.SAFEGUARDING in r.categories for r in results])
        print(f"    {sub.value:<24}{any_r:>10.3f}{cert_r:>22.3f}{n:>9}   (as safeguarding at all: {text_r:.3f})")
    if show_errors:
        for s, r in zip(samples, results, strict=True):
            if s.categories != r.categories:
                want = ",".join(sorted(s.categories)) or "-"
                print(f"    line {s.line}: want {want} got {','.join(sorted(r.categories)) or '-'}: {s.text}")


def print_false_alarms(name: str, texts: list[str]) -> None:
    results = screen_many(texts)
    n = len(texts)
    sg = sum(Category.SAFEGUARDING in r.categories for r in results)
    certain = sum(_certain(r) for r in results)
    print(f"  {name:<34}{n:>6}   to safeguarding {sg / n:>6.2%} (certain {certain / n:.2%}, possible {(sg - certain) / n:.2%})"
          f"   unkind {sum(Category.UNKIND in r.categories for r in results) / n:>6.2%}"
          f"   personal details {sum(bool(r.categories & PERSONAL_DETAILS) for r in results) / n:>6.2%}")


def print_cold(path: Path) -> None:
    """COLD's adults' comments, screened twice: as if a child wrote them (the issue's measure) and as Yimi
    screens an adult's comment (a guardian's, ``writer="guardian"``)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        label, sep, text = line.partition("\t")
        if sep and label in ("0", "1"):
            rows.append((label, text))
    print(f"\nCOLD ({path.name}): {sum(lb == '0' for lb, _ in rows)} non-offensive, "
          f"{sum(lb == '1' for lb, _ in rows)} offensive comments")
    for writer in ("child", "guardian"):
        results = screen_many([t for _, t in rows], writer=writer)
        clean = [r for (label, _), r in zip(rows, results, strict=True) if label == "0"]
        offensive = [r for (label, _), r in zip(rows, results, strict=True) if label == "1"]
        sg = sum(Category.SAFEGUARDING in r.categories for r in clean)
        print(f"  screened as a {writer}'s:")
        print(f"    non-offensive sent to safeguarding: {sg / len(clean):.2%} ({sg}; certain {sum(_certain(r) for r in clean)})")
        print(f"    non-offensive flagged as personal details: {sum(bool(r.categories & PERSONAL_DETAILS) for r in clean) / len(clean):.2%}")
        print(f"    non-offensive flagged unkind: {sum(Category.UNKIND in r.categories for r in clean) / len(clean):.2%}")
        print(f"    offensive caught as unkind: {sum(Category.UNKIND in r.categories for r in offensive) / len(offensive):.2%}")


def fifty_character_comments(texts: list[str], count: int) -> list[str]:
    """Ordinary comments joined and cut to exactly 50 characters (the size the throughput target names)."""
    out, buffer, i = [], "", 0
    while len(out) < count:
        buffer += texts[i % len(texts)] + " "
        i += 1
        if len(buffer) >= 50:
            out.append(buffer[:50])
            buffer = ""
    return out


def rate(fn, batch: list[str], runs: int) -> float:  # noqa: ANN001
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        fn(batch)
        rates.append(len(batch) / (time.perf_counter() - start))
    return statistics.median(rates)


def print_speed(texts: list[str], runs: int, count: int, batch_size: int) -> None:
    from app.core import embeddings
    from app.moderation.screening import meaning

    comments = fifty_character_comments(texts, count)

    def batched(fn):  # noqa: ANN001, ANN202
        return lambda items: [fn(items[i : i + batch_size]) for i in range(0, len(items), batch_size)]

    both = rate(batched(screen_many), comments, runs)
    words = rate(batched(lambda items: screen_many(items, meaning=False)), comments, runs)
    encoder = rate(batched(embeddings.encode), comments, runs)
    scored = rate(batched(meaning.scores), comments, runs)
    print(f"\nThroughput, one core, {count} comments of 50 characters in batches of {batch_size} (median of {runs} runs):")
    print(f"  both detectors (words + meaning): {both:,.0f} comments/s")
    print(f"  words only: {words:,.0f} comments/s;  sentence encoder alone: {encoder:,.0f}/s;  encoder + classifier: {scored:,.0f}/s")
    print(f"  meaning detector's cost per comment, batched: {1000 / scored:.2f} ms "
          f"(both detectors {1000 / both:.2f} ms, words {1000 / words:.2f} ms)")
    single = comments[:200]
    one_on = statistics.median(_timed(lambda t: screen(t), single) for _ in range(runs))
    one_off = statistics.median(_timed(lambda t: screen(t, meaning=False), single) for _ in range(runs))
    print(f"  a child's send with one 50-character text (one at a time): {one_on:.2f} ms with meaning, {one_off:.2f} ms without:"
          f" the meaning detector adds {one_on - one_off:.2f} ms; a send with no text adds nothing")


def _timed(fn, items: list[str]) -> float:  # noqa: ANN001
    start = time.perf_counter()
    for item in items:
        fn(item)
    return (time.perf_counter() - start) * 1000 / len(items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="*", default=["corpus", "holdout", "dev", "unseen", "precision"],
                        help="which sets to report (corpus holdout dev unseen precision)")
    parser.add_argument("--cold", type=Path, help="COLD's test split as <label>\\t<text> lines")
    parser.add_argument("--runs", type=int, default=3, help="throughput runs (median printed)")
    parser.add_argument("--texts", type=int, default=2000, help="comments per throughput run")
    parser.add_argument("--batch", type=int, default=64, help="comments per batch")
    parser.add_argument("--no-speed", action="store_true", help="skip the throughput figures")
    parser.add_argument("--errors", action="store_true", help="list the texts the engine gets wrong (never for unseen)")
    args = parser.parse_args()

    pinned = pin_to_one_core()
    start = time.perf_counter()
    screen("warm up: 我叫王小明 13800138000")
    cold_start = time.perf_counter() - start
    load = ", load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()) if hasattr(os, "getloadavg") else ""
    print(f"Machine: {cpu_model()}, {os.cpu_count()} CPUs ({pinned}); Python {platform.python_version()}{load}")
    print(f"First call (lexicons, OpenCC, the sentence encoder and the classifier): {cold_start * 1000:.0f} ms")
    for name in [s for s in args.sets if s in LABELLED]:
        samples = load_corpus(HERE / f"{name}.tsv")
        print_quality(name, samples, screen_many([s.text for s in samples]), args.errors and name != "unseen")
    precision = load_corpus(HERE / "precision.tsv")
    if "precision" in args.sets:
        half = len(precision) // 2
        print("\nFalse alarms on ordinary comments (precision.tsv, no findings expected):")
        print_false_alarms("first half (may tune)", [s.text for s in precision[:half]])
        print_false_alarms("second half (held back)", [s.text for s in precision[half:]])
        print_false_alarms("whole set", [s.text for s in precision])
    if args.cold:
        print_cold(args.cold)
    if not args.no_speed:
        print_speed([s.text for s in precision], args.runs, args.texts, args.batch)


if __name__ == "__main__":
    main()
