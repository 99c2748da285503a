"""The machine's suggestions of themes (issue 16): pure, no database. People decide what becomes a theme.

`suggest(comments)` takes `(id, text)` pairs (Chinese and English together: the encoder puts both in one space,
app.core.embeddings) and returns groups of comments that say similar things, each with a few keywords and the
three comments nearest its middle. The same input always gives the same output (seeded clustering, comments
taken in id order, ties broken by id).

How many groups: k-means (seeded, n_init 2) for every k from 2 up to `MAX_THEMES` (and at most one group per
`MIN_SIZE` comments) on a seeded sample of at most `SILHOUETTE_SAMPLE` comments; the k with the best (cosine)
silhouette wins. With more comments than the sample, MiniBatchKMeans sorts them all starting from the sample's
centres, so the cost of choosing k does not grow with n. Each distinct text is encoded once
(bench/themes.py: encoding dominates).

Keywords: Chinese through `jieba.analyse.extract_tags` (TF-IDF with jieba's own corpus frequencies), English by
how many comments of the group use a word (a small stop-word list), both favouring words the other groups do not
use; jieba's dictionary cache goes under the app's var dir, its log is quiet.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from app.core import embeddings
from app.core.config import get_settings

MAX_THEMES = 10  # an analyst reads ten themes; more are merged by people, not by the machine
MIN_SIZE = 4  # a suggested group has on average at least this many comments
FEW = 6  # fewer comments than this: one group, nothing to cluster
SILHOUETTE_SAMPLE = 2000
BATCH = 256  # texts encoded at once (progress is reported per batch)
KEYWORDS = 5
CENTRAL = 3

Progress = Callable[[int, str], None]


@dataclass(frozen=True)
class Suggested:
    keywords: list[str]
    comment_ids: list[int]
    central_ids: list[int] = field(default_factory=list)


# ---- keywords ------------------------------------------------------------------------------------------------

_HAN = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]{1,}")
STOP_WORDS = frozenset(
    """a about after all also am an and any are as at be because been but by can could did do does don't dont for
    from get go got had has have he her here him his how i i'm im if in into is it it's its just like make many me
    more most my no not now of on one only or our out please really so some than that the their them then there
    these they thing things this to too up us very want wants was we were what when where which who why will with
    would you your yes lot lots much should need needs maybe every there's let let's gonna also""".split()
)
ZH_STOP_WORDS = frozenset("希望 想要 我们 你们 他们 可以 能不能 还有 一些 一个 这样 那样 因为 所以 如果 就是 但是 非常 特别 觉得 喜欢 没有 现在 时候 什么 怎么".split())
_jieba_lock = threading.Lock()
_jieba_ready = False


def _cache_dir() -> Path:
    try:

        path = Path(get_settings().var_dir) / "cache"
    except Exception:  # noqa: BLE001 - outside the app (bench, a notebook): the system's temporary folder
        import tempfile

        path = Path(tempfile.gettempdir())
    path.mkdir(parents=True, exist_ok=True)
    return path


def _jieba():  # noqa: ANN202
    """jieba's keyword extractor, made once per process: quiet, its cache in our var dir (never the working dir)."""
    global _jieba_ready
    import jieba
    import jieba.analyse

    if not _jieba_ready:
        with _jieba_lock:
            if not _jieba_ready:
                jieba.setLogLevel(logging.WARNING)
                logging.getLogger("jieba").setLevel(logging.WARNING)
                jieba.dt.tmp_dir = str(_cache_dir())
                jieba.initialize()
                _jieba_ready = True
    return jieba.analyse


@functools.lru_cache(maxsize=65_536)
def _english_words(text: str) -> frozenset[str]:
    return frozenset({w.lower().replace("’", "'").strip("'-") for w in _WORD.findall(text)} - STOP_WORDS - {""})


@functools.lru_cache(maxsize=65_536)
def _chinese_words(text: str) -> tuple[tuple[str, int], ...]:
    """The words of `text` jieba's TF-IDF counts (its cut, its own stop words and length rule), each with how many
    times, in order of first use. Cut once per distinct text (and kept: the same comments are asked again)."""
    analyse = _jieba()
    stop = analyse.default_tfidf.stop_words
    counted: dict[str, int] = {}
    for word in analyse.default_tfidf.tokenizer.cut(text):
        if len(word.strip()) < 2 or word.lower() in stop:
            continue
        counted[word] = counted.get(word, 0) + 1
    return tuple(counted.items())


def _extract_tags(texts: Counter[str], top: int) -> list[str]:
    """`jieba.analyse.extract_tags("\\n".join(texts), topK=top)`, word for word (the same counts, weights and order of
    ties), but each distinct text is cut once: `texts` counts how often each text is said, in order of first use."""
    tfidf = _jieba().default_tfidf
    freq: dict[str, float] = {}
    for text, times in texts.items():
        for word, n in _chinese_words(text):
            freq[word] = freq.get(word, 0.0) + n * times
    total = sum(freq.values())
    for word in freq:
        freq[word] *= tfidf.idf_freq.get(word, tfidf.median_idf) / total
    return sorted(freq, key=freq.__getitem__, reverse=True)[:top]


def english_counts(texts: Sequence[str]) -> tuple[Counter[str], int]:
    """In how many of the English `texts` each word appears, and how many English texts there are."""
    english = [t for t in texts if not _HAN.search(t)]
    return Counter(w for t in english for w in _english_words(t)), len(english)


def _said(texts: Sequence[str] | Counter[str]) -> Counter[str]:
    return texts if isinstance(texts, Counter) else Counter(texts)


def keywords(
    texts: Sequence[str], everyone: tuple[Counter[str], int] | None = None, *, all_chinese: Sequence[str] | Counter[str] = (),
    top: int = KEYWORDS,
) -> list[str]:
    """Up to `top` words that say what `texts` are about, Chinese first where most of them are Chinese.
    `everyone`: `english_counts` of all the comments (a word the other groups use as much says less).
    `all_chinese`: every Chinese comment (or a Counter of them: how often each text is said)."""
    chinese = Counter(t for t in texts if _HAN.search(t))
    english = [t for t in texts if not _HAN.search(t)]
    zh: list[str] = []
    if chinese:
        n_chinese = chinese.total()
        zh = [t for t in _extract_tags(chinese, top * 4) if len(t.strip()) > 1 and not t.isdigit() and t not in ZH_STOP_WORDS]
        all_said = _said(all_chinese)
        n_all = all_said.total()
        if n_all > n_chinese:  # a word every group uses says nothing about this one

            def share(word: str, among: Counter[str], n: int) -> float:
                return sum(times for t, times in among.items() if word in t) / n

            zh = [t for t in zh if share(t, chinese, n_chinese) >= 1.5 * share(t, all_said, n_all)]
    en: list[str] = []
    if english:
        inside = Counter(w for t in english for w in _english_words(t))
        total, total_n = everyone or (inside, len(english))
        outside = total - inside
        share_out = max(1, total_n - len(english))

        def weight(word: str) -> float:
            return inside[word] / len(english) - outside[word] / share_out

        en = sorted((w for w, n in inside.items() if n >= 2 or len(english) < 3), key=lambda w: (-weight(w), w))
    first, second = (zh, en) if chinese.total() >= len(english) else (en, zh)
    found: list[str] = []
    for pair in zip(first, second, strict=False):
        found.extend(pair)
    longer = first if len(first) > len(second) else second
    found.extend(longer[min(len(first), len(second)):])
    unique = list(dict.fromkeys(found))
    return unique[:top]


def warm_up() -> None:
    """Load what the suggestions need besides the encoder (scikit-learn, jieba's dictionary and TF-IDF table) now,
    not in the middle of the first suggestion: a few seconds once per process."""
    import sklearn.cluster
    import sklearn.metrics  # noqa: F401

    _jieba()


# ---- clustering ----------------------------------------------------------------------------------------------


def _embed(texts: list[str], progress: Progress | None) -> np.ndarray:
    if len(texts) <= BATCH:
        if progress:
            progress(10, "encoding")
        return embeddings.encode(texts)
    parts = []
    for start in range(0, len(texts), BATCH):
        parts.append(embeddings.encode(texts[start:start + BATCH]))
        if progress:
            progress(5 + int(75 * min(len(texts), start + BATCH) / len(texts)), "encoding")
    return np.vstack(parts)


def _kmeans(vectors: np.ndarray, k: int, seed: int, init: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.cluster import KMeans, MiniBatchKMeans

    if init is not None:  # all the comments, starting from the centres found on the sample
        model = MiniBatchKMeans(n_clusters=k, init=init, n_init=1, random_state=seed, batch_size=2048, max_iter=20)
    else:
        model = KMeans(n_clusters=k, n_init=2, random_state=seed)
    labels = model.fit_predict(vectors)
    return labels, model.cluster_centers_


def cluster(vectors: np.ndarray, *, seed: int = 0, progress: Progress | None = None) -> np.ndarray:
    """A label per row: the k (2..MAX_THEMES) with the best silhouette. Rows are unit vectors. k is chosen on a
    seeded sample of at most SILHOUETTE_SAMPLE rows (k-means and the score on it); with more rows than that,
    MiniBatchKMeans then sorts them all, starting from the sample's centres.

    One thread for BLAS and OpenMP: the matrices are small, and on a busy machine (the worker shares its cores)
    spinning threads cost several times the work itself (bench/themes.py). The sample's cosine distances are
    computed once (a dot product of unit vectors) and scored for every k."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _cluster(vectors, seed=seed, progress=progress)


def _cluster(vectors: np.ndarray, *, seed: int, progress: Progress | None) -> np.ndarray:
    from sklearn.metrics import silhouette_score

    n = len(vectors)
    if n < FEW:
        return np.zeros(n, dtype=int)
    highest = max(2, min(MAX_THEMES, n // MIN_SIZE))
    rows = np.arange(n) if n <= SILHOUETTE_SAMPLE else np.sort(np.random.default_rng(seed).choice(n, SILHOUETTE_SAMPLE, replace=False))
    sample = vectors[rows]
    distances = _cosine_distances(sample)
    best: tuple[float, int, np.ndarray, np.ndarray] | None = None
    for k in range(2, highest + 1):
        labels, centres = _kmeans(sample, k, seed)
        if len(set(labels.tolist())) < 2:
            continue
        score = float(silhouette_score(distances, labels, metric="precomputed"))
        if best is None or score > best[0] + 1e-9:
            best = (score, k, labels, centres)
        if progress:
            progress(80 + int(15 * (k - 1) / max(1, highest - 1)), "grouping")
    if best is None:
        return np.zeros(n, dtype=int)
    if n <= SILHOUETTE_SAMPLE:
        return best[2]
    labels, _centres = _kmeans(vectors, best[1], seed, init=best[3])
    return labels


def _cosine_distances(unit: np.ndarray) -> np.ndarray:
    """1 - cosine similarity between rows of unit length (what sklearn's "cosine" metric gives them), 0 on the diagonal."""
    distances = unit @ unit.T
    np.subtract(1, distances, out=distances)
    np.clip(distances, 0, 2, out=distances)
    np.fill_diagonal(distances, 0)
    return distances


def encode(comments: Sequence[tuple[int, str]], progress: Progress | None = None) -> dict[int, np.ndarray]:
    """The vector of each `(id, text)` comment, by id; each distinct text is encoded once."""
    texts = [text for _, text in comments]
    distinct = list(dict.fromkeys(texts))  # "more swings" said twice is encoded once
    if not distinct:
        return {}
    made = _embed(distinct, progress)
    where = {text: i for i, text in enumerate(distinct)}
    return {cid: made[where[text]] for cid, text in comments}


def suggest(comments: Sequence[tuple[int, str]], *, seed: int = 0, progress: Progress | None = None,
            vectors: Mapping[int, np.ndarray] | None = None) -> list[Suggested]:
    """Groups of similar comments, largest first, each with keywords and its CENTRAL most typical comments.
    `vectors`: those already made (`encode`, kept in `comment_vector`), by comment id; the others are encoded."""
    pairs = sorted({cid: text for cid, text in comments}.items())
    if not pairs:
        return []
    ids = [cid for cid, _ in pairs]
    texts = [text for _, text in pairs]
    ready = dict(vectors or {})
    missing = [(cid, text) for cid, text in pairs if cid not in ready]
    if missing:
        ready.update(encode(missing, progress))
    matrix = np.vstack([ready[cid] for cid in ids]).astype(np.float32, copy=False)
    labels = cluster(matrix, seed=seed, progress=progress)
    groups: dict[int, list[int]] = {}
    for row, label in enumerate(labels.tolist()):
        groups.setdefault(int(label), []).append(row)
    if progress:
        progress(96, "keywords")
    everyone = english_counts(texts)
    all_chinese = Counter(t for t in texts if _HAN.search(t))
    found = []
    for rows in groups.values():
        centre = matrix[rows].mean(axis=0)
        closeness = matrix[rows] @ centre
        order = sorted(range(len(rows)), key=lambda i: (-round(float(closeness[i]), 6), ids[rows[i]]))
        found.append(Suggested(
            keywords=keywords([texts[r] for r in rows], everyone, all_chinese=all_chinese),
            comment_ids=[ids[r] for r in rows],
            central_ids=[ids[rows[i]] for i in order[:CENTRAL]],
        ))
    found.sort(key=lambda s: (-len(s.comment_ids), s.comment_ids[0]))
    if progress:
        progress(100, "done")
    return found
