"""Scoring the screener against a labelled corpus: shared by the corpus test and ``bench/moderation.py``.

The corpus format (``tests/moderation/corpus.tsv``): ``<labels>\\t<text>`` a line, labels comma-separated
(``-`` for none), safeguarding with its sub-kind (``safeguarding:abuse``); ``#`` starts a comment line.
Scores are per text: a category counts as found if any finding of that category is in the text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from app.moderation.screening.types import PERSONAL_DETAILS, Category, Result, Subkind

PERSONAL = "personal_details"  # the nine personal-detail categories pooled


@dataclass(frozen=True, slots=True)
class Sample:
    text: str
    categories: frozenset[Category]
    subkinds: frozenset[Subkind]
    line: int


def load_corpus(path: Path) -> list[Sample]:
    samples: list[Sample] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        labels, sep, text = raw.partition("\t")
        if not sep or not text:
            raise ValueError(f"{path.name}:{number}: expected '<labels>\\t<text>'")
        categories: set[Category] = set()
        subkinds: set[Subkind] = set()
        for label in labels.split(","):
            label = label.strip()
            if label in ("", "-"):
                continue
            name, _, sub = label.partition(":")
            categories.add(Category(name))
            if sub:
                subkinds.add(Subkind(sub))
        samples.append(Sample(text, frozenset(categories), frozenset(subkinds), number))
    return samples


@dataclass(slots=True)
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def support(self) -> int:
        return self.tp + self.fn


@dataclass(slots=True)
class Report:
    per_category: dict[str, Counts] = field(default_factory=dict)
    errors: list[tuple[Sample, frozenset[Category], frozenset[Subkind]]] = field(default_factory=list)
    subkind_hits: int = 0
    subkind_total: int = 0

    def counts(self, key: str) -> Counts:
        return self.per_category.setdefault(key, Counts())


def score(samples: Iterable[Sample], screen: Callable[[str], Result]) -> Report:
    """Per-category and pooled counts at text level; texts whose category set differs are kept as errors."""
    report = Report()
    for sample in samples:
        result = screen(sample.text)
        got = result.categories
        for category in Category:
            _count(report.counts(str(category)), category in sample.categories, category in got)
        _count(
            report.counts(PERSONAL), bool(sample.categories & PERSONAL_DETAILS), bool(got & PERSONAL_DETAILS)
        )
        for sub in sample.subkinds:
            report.subkind_total += 1
            report.subkind_hits += sub in result.subkinds
        if got != sample.categories:
            report.errors.append((sample, got, result.subkinds))
    return report


def _count(counts: Counts, expected: bool, got: bool) -> None:
    if expected and got:
        counts.tp += 1
    elif got:
        counts.fp += 1
    elif expected:
        counts.fn += 1
