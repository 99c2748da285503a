"""Issue 17: two officials editing at once never overwrite each other silently, and two publishing at once make
one publication: the database settles it (a conditional UPDATE on the version, the unique constraints), on
SQLite and PostgreSQL alike."""

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlmodel import Session, select

from app.core import db
from app.core.errors import YimiError
from app.responses import actions, deciding
from app.responses.models import Outcome, Publication, Response, ResponseIn
from tests.responses.helpers import child_themes, closed_consultation, decide, official, ready_to_publish


def _race(count: int, work) -> list[object]:  # noqa: ANN001
    barrier = threading.Barrier(count)

    def one(i: int) -> object:
        with Session(db.get_engine(), expire_on_commit=False) as own:
            barrier.wait()
            try:
                return work(own, i)
            except YimiError as exc:
                return exc

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def test_two_officials_save_the_same_version_at_once(session) -> None:
    actor = official(session)
    consultation = closed_consultation(session, actor, themes=1)
    ready_to_publish(session, actor, consultation)
    theme = child_themes(session, consultation)[0]
    start = session.exec(select(Response)).one()
    version, versions, decision_id = start.version, dict(start.child_versions), start.decision_id

    def save(own: Session, i: int) -> object:
        mine = own.get(type(consultation), consultation.id)
        their_theme = own.get(type(theme), theme.id)
        return actions.save_response(session=own, actor=actor, consultation=mine, theme=their_theme, data=ResponseIn(
            outcome=Outcome.ADOPTED, explanation={"zh_Hans": f"官员{i}的说明"}, child_versions=versions,
            decision_id=decision_id, version=version))

    results = _race(2, save)
    refused = [r for r in results if isinstance(r, deciding.EditedMeanwhile)]
    assert len(refused) == 1, results
    session.expire_all()
    saved = session.exec(select(Response)).one()
    assert saved.version == version + 1
    winner = next(r for r in results if not isinstance(r, YimiError))
    assert saved.explanation == winner.explanation  # type: ignore[attr-defined]


def test_two_officials_answer_a_new_theme_at_once(session) -> None:
    actor = official(session)
    consultation = closed_consultation(session, actor, themes=1)
    theme = child_themes(session, consultation)[0]

    def save(own: Session, i: int) -> object:
        return actions.save_response(session=own, actor=actor, consultation=own.get(type(consultation), consultation.id),
                                     theme=own.get(type(theme), theme.id), data=ResponseIn(outcome=Outcome.ADOPTED, version=0,
                                                                                          explanation={"zh_Hans": f"说明{i}"}))

    results = _race(2, save)
    assert sum(isinstance(r, deciding.EditedMeanwhile) for r in results) == 1, results
    assert len(session.exec(select(Response)).all()) == 1


def test_two_officials_publish_at_once(session) -> None:
    actor = official(session)
    consultation = closed_consultation(session, actor)
    ready_to_publish(session, actor, consultation)
    decide(session, actor, consultation)

    def publish(own: Session, i: int) -> object:
        return actions.publish(session=own, actor=actor, consultation=own.get(type(consultation), consultation.id))

    results = _race(2, publish)
    assert sum(isinstance(r, YimiError) for r in results) == 1, results
    assert [p.number for p in session.exec(select(Publication)).all()] == [1]
