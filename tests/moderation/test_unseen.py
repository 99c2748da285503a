"""The unseen set (issue 14) is frozen: written by someone who saw neither the lexicons nor the exemplars,
never used for tuning. Its figures are printed by `make bench-moderation`; this test only keeps it unchanged."""

import hashlib
from pathlib import Path

from app.moderation.screening.evaluate import load_corpus

HERE = Path(__file__).resolve().parent
UNSEEN_SHA256 = "6b3a65a49342ec02d4f5f2c9c4f4deb0480960289f41bb048ebc80a5c8d32b55"


def test_the_unseen_set_is_frozen() -> None:
    path = HERE / "unseen.tsv"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == UNSEEN_SHA256, "unseen.tsv changed: it must stay frozen"
    header = path.read_text(encoding="utf-8").splitlines()[:6]
    assert any("Written on" in line for line in header) and any("FROZEN" in line for line in header)
    assert len(load_corpus(path)) >= 200


def test_the_precision_set_has_only_ordinary_comments() -> None:
    samples = load_corpus(HERE / "precision.tsv")
    assert len(samples) >= 2000 and not any(s.categories for s in samples)
