"""The audit log is append-only, hash-chained, written in the same transaction as the change, and
`yimi audit verify` finds any row altered or removed."""

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from app.accounts import actions as accounts
from app.accounts.models import Role, StaffUserCreate
from app.cli import app as cli
from app.core import audit
from app.core.audit import AuditEvent
from app.core.db import get_engine
from app.core.errors import Conflict
from tests.conftest import make_user, on_postgres


def _events(session: Session) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all())


def _bypass_append_only(session: Session) -> None:
    """What someone with direct database access could do: switch off the guard triggers."""
    if on_postgres():
        session.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
    else:
        session.execute(text("DROP TRIGGER audit_event_no_update"))
        session.execute(text("DROP TRIGGER audit_event_no_delete"))


def _write_events(session: Session, n: int) -> list[AuditEvent]:
    for i in range(n):
        audit.record(session, actor=("staff", "1"), action="test.event", subject=("thing", i), n=i)
    session.commit()
    return _events(session)


def test_each_row_holds_the_hash_of_the_previous_one(session):
    events = _write_events(session, 4)
    assert events[0].prev_hash == audit.GENESIS
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    assert audit.verify(session).ok


def test_the_database_refuses_update_and_delete(session):
    event = _write_events(session, 1)[0]
    with pytest.raises(DBAPIError):
        session.execute(text("UPDATE audit_event SET action = 'x' WHERE id = :id"), {"id": event.id})
    session.rollback()
    with pytest.raises(DBAPIError):
        session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": event.id})
    session.rollback()
    assert audit.verify(session).ok


def test_verify_names_the_first_altered_row(session):
    events = _write_events(session, 5)
    _bypass_append_only(session)
    session.execute(text("UPDATE audit_event SET action = 'staff.innocent' WHERE id = :id"), {"id": events[2].id})
    session.commit()
    result = audit.verify(session)
    assert not result.ok and result.bad_id == events[2].id


def test_verify_names_the_row_after_a_removed_one(session):
    events = _write_events(session, 5)
    _bypass_append_only(session)
    session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": events[1].id})
    session.commit()
    result = audit.verify(session)
    assert not result.ok and result.bad_id == events[2].id


def test_verify_notices_the_newest_rows_removed(session):
    events = _write_events(session, 3)
    _bypass_append_only(session)
    session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": events[-1].id})
    session.commit()
    result = audit.verify(session)
    assert not result.ok and "removed" in (result.reason or "")


def test_cli_verify_exits_non_zero_and_names_the_bad_row(session, settings):
    events = _write_events(session, 3)
    runner = CliRunner()
    ok = runner.invoke(cli, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "3 events verified" in ok.output
    _bypass_append_only(session)
    session.execute(text("UPDATE audit_event SET data = '{}' WHERE id = :id"), {"id": events[1].id})
    session.commit()
    broken = runner.invoke(cli, ["audit", "verify"])
    assert broken.exit_code == 1
    assert f"at event {events[1].id}" in broken.output


def test_audit_event_rolls_back_with_the_change(session):
    make_user(session, "same")
    before = len(_events(session))
    with pytest.raises(Conflict):
        accounts.create(session=session, actor=None, data=StaffUserCreate(username="same", display_name="Again", password="long enough pw 1"))
    assert len(_events(session)) == before


def test_a_failed_transaction_leaves_neither_change_nor_event(session):
    user = make_user(session, "renamer", [Role.ADMIN])
    before = len(_events(session))
    user.display_name = "Changed"
    session.add(user)
    audit.record(session, actor=user, action="staff.update", subject=user)
    session.rollback()
    session.expire_all()
    assert len(_events(session)) == before
    assert session.get(type(user), user.id).display_name == "Renamer"


def test_concurrent_writers_never_fork_the_chain(settings):
    """Several threads (like several workers) append at once; the database makes them take turns."""
    errors: list[Exception] = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                with Session(get_engine()) as s:
                    audit.record(s, actor=("system", None), action="test.concurrent", subject=("writer", n), i=i)
                    s.commit()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with Session(get_engine()) as s:
        result = audit.verify(s)
        assert result.ok and result.checked == 40


def test_unique_previous_hash_is_enforced_by_the_database(session):
    first = _write_events(session, 1)[0]
    session.add(AuditEvent(at=first.at, actor_type="x", action="fork", data={}, prev_hash=first.prev_hash, hash="f" * 64))
    with pytest.raises(IntegrityError):
        session.commit()
