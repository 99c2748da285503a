"""Typed links between records of different domains (issue 15, point 4), on SQLite and PostgreSQL: adding a
link twice keeps one, also when two sessions add it at the same moment; links are listed both ways; a type
or a kind no one registered fails loudly instead of making a link that nothing ever finds."""

import threading
from collections.abc import Iterator

import pytest
from sqlmodel import Session, func, select

from app.core import db, links
from app.core.links import Link, UnknownLinkType

CONSULTATION, PROJECT, REPORT = ("consultation", 3), ("project", 7), ("report", 11)


@pytest.fixture
def feeds() -> Iterator[links.LinkType]:
    link_type = links.register("test_feeds", from_kinds={"consultation", "report"}, to_kinds={"project"})
    yield link_type
    links.unregister("test_feeds")


def count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Link)).one()


def test_adding_a_link_twice_keeps_one_and_it_is_listed_both_ways(session, feeds):
    links.add(session, CONSULTATION, feeds, PROJECT, created_by_id=5)
    links.add(session, CONSULTATION, "test_feeds", PROJECT)  # by name too; already there: nothing happens
    links.add(session, REPORT, feeds, PROJECT)
    session.commit()
    assert count(session) == 2

    [out] = links.links_from(session, CONSULTATION)
    assert (out.source, out.type, out.target, out.created_by_id) == (CONSULTATION, "test_feeds", PROJECT, 5)
    assert out.created_at.tzinfo is not None
    assert [link.source for link in links.links_to(session, PROJECT, feeds)] == [CONSULTATION, REPORT]
    assert links.links_to(session, CONSULTATION) == [] and links.links_from(session, PROJECT) == []

    assert links.remove(session, CONSULTATION, feeds, PROJECT) is True
    assert links.remove(session, CONSULTATION, feeds, PROJECT) is False
    session.commit()
    assert [link.source for link in links.links_to(session, PROJECT)] == [REPORT]


def test_removing_a_record_removes_its_links_both_ways(session, feeds):
    cites = links.register("test_cites", from_kinds={"project"}, to_kinds={"report"})
    try:
        links.add(session, CONSULTATION, feeds, PROJECT)
        links.add(session, REPORT, feeds, PROJECT)
        links.add(session, PROJECT, cites, REPORT)
        links.add(session, PROJECT, cites, ("report", 12))
        assert links.remove_all(session, PROJECT) == 4  # two to it, two from it
        session.commit()
        assert count(session) == 0
    finally:
        links.unregister("test_cites")


def test_an_unknown_type_or_kind_is_refused_loudly(session, feeds):
    with pytest.raises(UnknownLinkType, match="test_feed"):
        links.add(session, CONSULTATION, "test_feed", PROJECT)  # a typo
    with pytest.raises(UnknownLinkType, match="not to 'consultation'"):
        links.add(session, REPORT, feeds, CONSULTATION)  # a kind the type does not join
    with pytest.raises(UnknownLinkType):
        links.links_to(session, PROJECT, "no_such_type")
    with pytest.raises(ValueError, match="already registered"):
        links.register("test_feeds", from_kinds={"consultation"}, to_kinds={"project"})
    assert links.register("test_feeds", from_kinds={"report", "consultation"}, to_kinds={"project"}) == feeds
    session.commit()
    assert count(session) == 0


def test_two_sessions_adding_the_same_link_at_once_keep_one(settings, feeds):
    """Both transactions insert the same link and commit; the second waits for the first (the unique index)
    and then does nothing: no error, one row."""
    ready = threading.Barrier(2)
    errors: list[BaseException] = []

    def add(project: tuple[str, int]) -> None:
        try:
            with db.new_session() as session, db.transaction(session):
                ready.wait(timeout=10)
                links.add(session, CONSULTATION, feeds, project)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    for round_ in range(5):  # a new link each round: each is a race
        threads = [threading.Thread(target=add, args=(("project", 100 + round_),)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        ready.reset()
    assert errors == []
    with db.new_session() as session:
        assert count(session) == 5
        assert [link.target for link in links.links_from(session, CONSULTATION)] == [("project", 100 + n) for n in range(5)]
