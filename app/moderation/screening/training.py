"""Build the meaning detector's classifier (``yimi moderation build-meaning``); never run at start-up.

Training data, all in the repository:
* the exemplar banks (``data/exemplars/``): ``safeguarding_<sub-kind>`` and ``unkind_*`` are positives of their
  label, ``clean_*`` are negatives of every label, ``adult_*`` (adults' ordinary talk) are negatives of the
  safeguarding labels only: the unkind classifier does not see them (adults' remarks about men and women, places
  or families sit close to offensive comments; taught as not unkind they cut unkind recall on COLD's offensive
  comments from 44 % to 34 %, issue 14);
* the tuning corpora ``tests/moderation/corpus.tsv`` and ``dev.tsv`` (labels per text);
* the first half of ``tests/moderation/precision.tsv`` (ordinary comments: negatives). Its second half, the
  holdout, the unseen set and COLD are never used here, so that they measure honestly.

One logistic regression per label (scikit-learn, balanced class weights, fixed seed) over the sentence
embeddings of the texts that speak to that label (a 1 or a 0 in its column; -1 leaves a text out); the
coefficients are written to ``data/meaning.npz`` with a digest of the inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.moderation.screening.meaning import EXEMPLARS, LABELS, MODEL_PATH, UNKIND, sources_digest

ROOT = Path(__file__).resolve().parents[3]
CORPORA = ("tests/moderation/corpus.tsv", "tests/moderation/dev.tsv")
PRECISION = "tests/moderation/precision.tsv"
C = 2.0  # inverse regularisation, chosen by 5-fold cross-validation on dev.tsv (docs/decisions.md)


def precision_halves(path: Path) -> tuple[list[str], list[str]]:
    """The precision set's texts split in two: the first half may tune, the second half only measures."""
    from app.moderation.screening.evaluate import load_corpus

    texts = [s.text for s in load_corpus(path)]
    half = len(texts) // 2
    return texts[:half], texts[half:]


def training_paths(root: Path = ROOT) -> list[Path]:
    paths = sorted(EXEMPLARS.glob("*.txt")) + [root / p for p in CORPORA]
    if (root / PRECISION).exists():
        paths.append(root / PRECISION)
    return paths


@dataclass
class Built:
    texts: int
    positives: dict[str, int]
    path: Path


def training_set(root: Path = ROOT) -> tuple[list[str], np.ndarray]:
    from app.moderation.screening.evaluate import load_corpus
    from app.moderation.screening.meaning import exemplar_banks

    texts: list[str] = []
    rows: list[list[int]] = []

    def add(text: str, labels: set[str], unknown: frozenset[str] = frozenset()) -> None:
        texts.append(text)
        rows.append([-1 if label in unknown else int(label in labels) for label in LABELS])

    for bank, sentences in exemplar_banks().items():
        kind, _, name = bank.partition("_")
        labels = {name} if kind == "safeguarding" else {UNKIND} if kind == "unkind" else set()
        unknown = frozenset({UNKIND}) if kind == "adult" else frozenset()
        for sentence in sentences:
            add(sentence, labels, unknown)
    for corpus in CORPORA:
        for sample in load_corpus(root / corpus):
            labels = {str(s) for s in sample.subkinds}
            if any(str(c) == UNKIND for c in sample.categories):
                labels.add(UNKIND)
            add(sample.text, labels)
    if (root / PRECISION).exists():
        for text in precision_halves(root / PRECISION)[0]:
            add(text, set())
    return texts, np.array(rows, dtype=np.int8)


def fit(vectors: np.ndarray, y: np.ndarray, c: float = C) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    coef = np.zeros((len(LABELS), vectors.shape[1]), dtype=np.float32)
    intercept = np.zeros(len(LABELS), dtype=np.float32)
    for j in range(len(LABELS)):
        if (y[:, j] == 1).sum() == 0:
            intercept[j] = -20.0  # no example of this label: never fires
            continue
        known = y[:, j] >= 0  # -1: a text this label's classifier does not see
        m = LogisticRegression(C=c, class_weight="balanced", max_iter=5000, random_state=0)
        m.fit(vectors[known], y[known, j])
        coef[j], intercept[j] = m.coef_[0], m.intercept_[0]
    return coef, intercept


def build(root: Path = ROOT, output: Path = MODEL_PATH) -> Built:
    from app.core import embeddings

    texts, y = training_set(root)
    coef, intercept = fit(embeddings.encode(texts), y)
    np.savez_compressed(
        output, labels=np.array(LABELS), coef=coef, intercept=intercept,
        sources=np.array(sources_digest(training_paths(root))),
    )
    return Built(len(texts), {label: int((y[:, j] == 1).sum()) for j, label in enumerate(LABELS)}, output)
