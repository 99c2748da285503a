"""Quality floors over the labelled corpus (MOD-06, MOD-10, SG-02): recall and precision, not timing.

``corpus.tsv`` was written for Yimi and tuned against; ``holdout.tsv`` was not used for tuning. Both must
meet the floors. ``make bench-moderation`` prints the figures per category and the throughput.
"""

from pathlib import Path

import pytest

from app.moderation.screening import Category, screen
from app.moderation.screening.evaluate import PERSONAL, load_corpus, score

HERE = Path(__file__).resolve().parent
CORPUS = load_corpus(HERE / "corpus.tsv")
HOLDOUT = load_corpus(HERE / "holdout.tsv")


def test_corpus_size_and_mix() -> None:
    """At least 400 texts, 150 of them ordinary comments with nothing to find."""
    assert len(CORPUS) >= 400
    assert sum(1 for s in CORPUS if not s.categories) >= 150
    assert len({s.text for s in CORPUS + HOLDOUT}) == len(CORPUS) + len(HOLDOUT), "duplicate texts"


@pytest.mark.parametrize("samples", [CORPUS, HOLDOUT], ids=["corpus", "holdout"])
def test_personal_details_recall_and_precision(samples) -> None:
    """MOD-06: personal-detail recall ≥ 0.95 at precision ≥ 0.90 (the nine categories pooled, per text)."""
    counts = score(samples, screen).counts(PERSONAL)
    assert counts.recall >= 0.95, f"recall {counts.recall:.3f}"
    assert counts.precision >= 0.90, f"precision {counts.precision:.3f}"


@pytest.mark.parametrize("samples", [CORPUS, HOLDOUT], ids=["corpus", "holdout"])
def test_safeguarding_recall(samples) -> None:
    """SG-02: safeguarding recall ≥ 0.95 — a missed disclosure is the costliest error."""
    counts = score(samples, screen).counts(str(Category.SAFEGUARDING))
    assert counts.recall >= 0.95, f"recall {counts.recall:.3f}"


def test_ordinary_comments_stay_clean() -> None:
    """Children's ordinary comments (parks, buses, libraries, 笑死了, 打篮球 …) are rarely flagged."""
    ordinary = [s for s in CORPUS + HOLDOUT if not s.categories]
    flagged = [s.text for s in ordinary if screen(s.text).findings]
    assert len(flagged) <= 0.03 * len(ordinary), flagged
