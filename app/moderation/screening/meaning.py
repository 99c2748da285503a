"""The meaning detector (issue 14): how close a text's meaning is to harm, whatever words it uses.

Each text is embedded by the sentence encoder (``app.core.embeddings``) and scored by a small classifier — one
logistic regression per label (the safeguarding sub-kinds and "unkind"), trained by ``yimi moderation
build-meaning`` on the exemplar banks (``data/exemplars/*.txt``), the tuning corpora and ordinary comments, and
committed as ``data/meaning.npz``. Nothing is trained at start-up; loading the file takes milliseconds.
Thresholds are in ``data/meaning.toml``; the rule that combines them with the lexicons is in ``engine``.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from app.moderation.screening.lexicon import DATA_DIR
from app.moderation.screening.types import Subkind

MODEL_PATH = DATA_DIR / "meaning.npz"
EXEMPLARS = DATA_DIR / "exemplars"
UNKIND = "unkind"
LABELS: tuple[str, ...] = (*(s.value for s in Subkind), UNKIND)


def cache_clear() -> None:
    model.cache_clear()
    thresholds.cache_clear()


@dataclass(frozen=True, slots=True)
class Model:
    labels: tuple[str, ...]
    coef: np.ndarray  # (labels, 512)
    intercept: np.ndarray  # (labels,)
    sources: str  # SHA-256 of the training inputs it was built from

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """(n, labels) probabilities, one logistic regression per label."""
        logits = vectors @ self.coef.T + self.intercept
        return 1.0 / (1.0 + np.exp(-logits))


@cache
def model() -> Model:
    with np.load(MODEL_PATH, allow_pickle=False) as z:
        return Model(tuple(str(x) for x in z["labels"]), z["coef"].astype(np.float32),
                     z["intercept"].astype(np.float32), str(z["sources"]))


@dataclass(frozen=True, slots=True)
class Thresholds:
    possible: float
    certain: float
    unkind: float
    topic: float
    short: float
    long: float  # SG-02 (issue 14): a long text read by meaning alone needs this much
    long_letters: int  # how long is long: Chinese characters, or English letters / 3


@cache
def thresholds() -> Thresholds:
    with (DATA_DIR / "meaning.toml").open("rb") as fh:
        data = tomllib.load(fh)
    return Thresholds(
        possible=float(data["safeguarding"]["possible"]), certain=float(data["safeguarding"]["certain"]),
        unkind=float(data["unkind"]["possible"]), topic=float(data["topic"]["possible"]),
        short=float(data["short"]["possible"]),
        long=float(data["long"]["possible"]), long_letters=int(data["long"]["letters"]),
    )


def scores(texts: Sequence[str]) -> list[dict[str, float]]:
    """For each text, its probability per label (one batch through the encoder)."""
    from app.core import embeddings

    if not texts:
        return []
    m = model()
    probs = m.probabilities(embeddings.encode(texts))
    return [dict(zip(m.labels, map(float, row), strict=True)) for row in probs]


def exemplar_banks() -> dict[str, list[str]]:
    """Each exemplar file's sentences, by bank name (the file's stem)."""
    banks: dict[str, list[str]] = {}
    for path in sorted(EXEMPLARS.glob("*.txt")):
        lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
        banks[path.stem] = [line for line in lines if line]
    return banks


def sources_digest(paths: Sequence[Path]) -> str:
    """SHA-256 over the training inputs (names and bytes), stored in the model to tell when it is stale."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
