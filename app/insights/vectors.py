"""Comments' vectors kept for the themes' suggestions (issue 16): made once per comment text, read back the next
time someone asks, so that asking again only clusters (bench/themes.py, "warm"). A vector is derived from an
approved comment alone; its row goes with the comment (ON DELETE CASCADE: erasure deletes the comments, and so
their vectors). Reads and writes, never commits (the actions do)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import numpy as np
from sqlalchemy import delete, insert
from sqlmodel import Session, col, select

from app.consent import service as consent
from app.consent.models import Purpose
from app.consultations.comments import SHOWN
from app.consultations.models import Comment
from app.core.embeddings import DIM
from app.corps.models import Child
from app.insights.models import CommentVector

READ_BATCH = 900  # ids per IN (...): SQLite's limit on bound parameters is far above, PostgreSQL's too


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def known(*, session: Session, comments: Sequence[tuple[int, str]]) -> dict[int, np.ndarray]:
    """The kept vectors of these `(id, text)` comments, by id, where the text is still the one encoded."""
    wanted = {cid: text_hash(text) for cid, text in comments}
    ids = list(wanted)
    found: dict[int, np.ndarray] = {}
    for start in range(0, len(ids), READ_BATCH):
        part = ids[start:start + READ_BATCH]
        rows = session.exec(select(CommentVector.comment_id, CommentVector.text_sha256, CommentVector.vector)
                            .where(col(CommentVector.comment_id).in_(part))).all()
        for cid, sha256, vector in rows:
            if sha256 == wanted[cid] and len(vector) == DIM * 4:
                found[cid] = np.frombuffer(vector, dtype="<f4")
    return found


def keep(*, session: Session, comments: Sequence[tuple[int, str]], vectors: Mapping[int, np.ndarray]) -> None:
    """Keep (or replace) the vectors of these comments, made from these texts."""
    texts = dict(comments)
    ids = [cid for cid in vectors if cid in texts]
    for start in range(0, len(ids), READ_BATCH):
        session.execute(delete(CommentVector).where(col(CommentVector.comment_id).in_(ids[start:start + READ_BATCH])))
    if ids:  # one executemany, not 20,000 ORM objects (bench: 1.5 s of CPU for 20,000 comments)
        session.execute(insert(CommentVector), [
            {"comment_id": cid, "text_sha256": text_hash(texts[cid]), "vector": np.asarray(vectors[cid], dtype="<f4").tobytes()}
            for cid in ids
        ])
    session.flush()


def waiting(*, session: Session, limit: int) -> list[tuple[int, str]]:
    """Approved comments with no kept vector yet (the worker encodes them ahead of anyone asking, so that the
    first suggestion is "warm" too), oldest first. A child's comment only while their taking part is allowed
    (CON-07: withdrawing stops processing, this included); guardians' comments always."""
    found: list[tuple[int, str]] = []
    after = 0
    while len(found) < limit:
        rows = session.exec(
            select(Comment.id, Comment.text, Child).outerjoin(CommentVector, col(CommentVector.comment_id) == Comment.id)
            .outerjoin(Child, col(Child.id) == Comment.child_id)
            .where(col(CommentVector.comment_id).is_(None), col(Comment.status).in_(SHOWN), col(Comment.id) > after)
            .order_by(col(Comment.id)).limit(limit)
        ).all()
        if not rows:
            break
        taking_part = consent.allowed_among(session=session, children=[c for _i, _t, c in rows if c is not None],
                                            purpose=Purpose.PARTICIPATE)
        found.extend((cid, text) for cid, text, child in rows if child is None or child.id in taking_part)
        after = rows[-1][0]
    return found[:limit]


def forget_child(*, session: Session, child_id: int) -> int:
    """The kept vectors of a child's comments, deleted when their taking part stops (CON-07)."""
    ids = list(session.exec(select(Comment.id).where(Comment.child_id == child_id)).all())
    if not ids:
        return 0
    return session.execute(delete(CommentVector).where(col(CommentVector.comment_id).in_(ids))).rowcount or 0  # type: ignore[attr-defined]

