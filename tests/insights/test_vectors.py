"""Comments' vectors kept for the suggestions (issue 16): asking again encodes nothing new and gives the same
themes; a changed text is encoded again; a vector goes with its comment (ON DELETE CASCADE, erasure included)."""

from __future__ import annotations

import numpy as np
from sqlalchemy import delete
from sqlmodel import select

from app.consultations.models import Comment
from app.core import embeddings
from app.insights import actions, vectors
from app.insights.models import CommentVector, Theme, ThemeComment
from tests.insights.theme_helpers import world


def _shape(session, consultation_id: int) -> list[list[int]]:  # noqa: ANN001
    themes = session.exec(select(Theme).where(Theme.consultation_id == consultation_id)).all()
    return sorted(sorted(session.exec(select(ThemeComment.comment_id).where(ThemeComment.theme_id == t.id)).all()) for t in themes)


def test_asking_again_uses_the_kept_vectors_and_gives_the_same_themes(session, monkeypatch) -> None:  # noqa: ANN001
    w = world(session, count=16, seed=21)
    c = w.consultation
    actions.ask_for_suggestions(session=session, consultation=c, audience="child", actor=w.analyst)
    first = _shape(session, c.id)
    kept = session.exec(select(CommentVector)).all()
    assert {v.comment_id for v in kept} == {x.id for x in w.comments}  # approved children's comments only
    text = {x.id: x.text for x in w.comments}
    for row in kept:
        assert row.text_sha256 == vectors.text_hash(text[row.comment_id])
        assert np.allclose(np.frombuffer(row.vector, dtype="<f4"), embeddings.encode([text[row.comment_id]])[0], atol=1e-5)

    encoded: list[str] = []
    real = embeddings.encode
    monkeypatch.setattr(embeddings, "encode", lambda texts: encoded.extend(texts) or real(texts))
    actions.ask_for_suggestions(session=session, consultation=c, audience="child", actor=w.analyst)
    assert encoded == []  # nothing encoded again
    assert _shape(session, c.id) == first

    # A comment whose text changed (a moderator's redaction) is encoded again, and only it.
    changed = w.comments[0]
    changed.text = "希望公园里有更多的树荫"
    session.add(changed)
    session.commit()
    actions.ask_for_suggestions(session=session, consultation=c, audience="child", actor=w.analyst)
    assert encoded == ["希望公园里有更多的树荫"]
    assert session.get(CommentVector, changed.id).text_sha256 == vectors.text_hash("希望公园里有更多的树荫")


def test_a_vector_goes_with_its_comment(session) -> None:  # noqa: ANN001
    w = world(session, count=8, seed=22)
    actions.ask_for_suggestions(session=session, consultation=w.consultation, audience="child", actor=w.analyst)
    gone = w.comments[0].id
    assert session.get(CommentVector, gone) is not None
    session.execute(delete(Comment).where(Comment.id == gone))  # what erasure does (consultations.answering.erase_child)
    session.commit()
    session.expire_all()
    assert session.get(CommentVector, gone) is None
    assert len(session.exec(select(CommentVector)).all()) == len(w.comments) - 1


def test_the_worker_encodes_approved_comments_ahead_of_anyone_asking(session) -> None:  # noqa: ANN001
    """Issue 16: approved comments are encoded in the background (a periodic job), so the first suggestion only
    clusters; words waiting for moderation or not shown are never encoded."""
    from app.core import jobs
    from app.insights.jobs import ENCODE_JOB

    w = world(session, count=8, seed=31)
    assert session.exec(select(CommentVector)).all() == []
    outcome = jobs.Worker(kinds=[ENCODE_JOB]).round(session)
    assert [o.state for o in outcome] == ["done"]
    kept = {v.comment_id for v in session.exec(select(CommentVector)).all()}
    shown = {x.id for x in w.comments} | {x.id for x in w.guardian_comments}
    assert kept == shown and not kept & {x.id for x in w.hidden}
    encoded: list[int] = []
    assert actions.encode_waiting(session=session) == 0 and encoded == []  # nothing left to do


def test_a_child_who_stops_taking_part_is_no_longer_encoded_and_their_vectors_go(session) -> None:  # noqa: ANN001
    """CON-07: withdrawing stops processing: the worker does not encode the child's comments, and the vectors
    already made of them are deleted with the withdrawal."""
    from app.consent import service as consent
    from app.consent.models import DecidedBy, Decision, Purpose
    from app.core import jobs
    from app.insights.jobs import ENCODE_JOB

    w = world(session, count=8, seed=33)
    leaving, later = w.comments[0], w.comments[1]
    for comment in (leaving, later):
        child = next(c for c in w.children if c.id == comment.child_id)
        if comment is later:
            jobs.Worker(kinds=[ENCODE_JOB]).round(session)
            assert session.get(CommentVector, later.id) is not None
        consent.record(session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.WITHDRAWN,
                       decided_by=DecidedBy.CHILD_ASSENT, channel="tablet")
        session.commit()
    jobs.Worker(kinds=[ENCODE_JOB]).round(session)
    session.expire_all()
    kept = {v.comment_id for v in session.exec(select(CommentVector)).all()}
    assert leaving.id not in kept and later.id not in kept
    assert {x.id for x in w.comments[2:]} <= kept
