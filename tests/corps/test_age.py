"""Age bands are computed for any date, never stored; age transitions are idempotent (a daily job)."""

import datetime as dt

from sqlmodel import select

from app.core.audit import AuditEvent
from app.corps import actions
from app.corps.models import AgeBand, Child, ChildStatus, age_band_for, age_on
from tests.corps.tablet_helpers import classroom


def test_age_bands_follow_the_birthday_month():
    assert age_on(2016, 5, dt.date(2026, 4, 30)) == 9
    assert age_on(2016, 5, dt.date(2026, 5, 1)) == 10
    assert age_band_for(9) == AgeBand.YOUNG and age_band_for(10) == AgeBand.MIDDLE
    assert age_band_for(14) == AgeBand.TEEN and age_band_for(18) is None and age_band_for(5) is None


def test_a_childs_band_changes_with_time_without_any_update(session):
    room = classroom(session, size=1)
    child = room.children[0][0]  # born 2016-05
    assert child.age_band(dt.date(2026, 4, 1)) == AgeBand.YOUNG
    assert child.age_band(dt.date(2026, 6, 1)) == AgeBand.MIDDLE


def test_age_transitions_flag_14_and_mark_18_as_leaving_idempotently(session):
    room = classroom(session, size=3)
    (younger, _), (teen, _), (adult, _) = room.children
    teen.birth_year, teen.birth_month = 2012, 11
    adult.birth_year, adult.birth_month = 2008, 11
    session.add_all([teen, adult])
    session.commit()
    today = dt.date(2026, 11, 29)
    first = actions.run_age_transitions(session=session, today=today)
    assert first.turned_14 == [teen.id] and first.turned_18 == [adult.id]
    again = actions.run_age_transitions(session=session, today=today)
    assert again.turned_14 == [] and again.turned_18 == []
    session.expire_all()
    assert session.get(Child, teen.id).turned_14_at is not None
    assert session.get(Child, adult.id).status == ChildStatus.LEFT.value
    assert session.get(Child, younger.id).turned_14_at is None
    events = session.exec(select(AuditEvent.action).where(AuditEvent.action.startswith("corps.child_turned"))).all()
    assert sorted(events) == ["corps.child_turned_14", "corps.child_turned_18"]


def test_enrolment_refuses_impossible_birth_dates(session):
    import pytest

    from app.core.errors import InvalidInput
    from app.corps.models import ChildCreate

    room = classroom(session, size=0)
    for year, month in ((2016, 13), (2030, 1), (2000, 1), (2024, 1)):
        with pytest.raises(InvalidInput):
            actions.enrol(session=session, actor=room.facilitator, group=room.group, data=ChildCreate(display_name="Kite", birth_year=year, birth_month=month))
    assert session.exec(select(Child)).all() == []


def test_the_age_transitions_command_is_idempotent(session, settings):
    from typer.testing import CliRunner

    from app.cli import app as cli

    room = classroom(session, size=1)
    child = room.children[0][0]
    child.birth_year, child.birth_month = 2008, 1
    session.add(child)
    session.commit()
    first = CliRunner().invoke(cli, ["corps", "age-transitions"])
    assert first.exit_code == 0 and "Turned 18, leaving: 1" in first.output
    again = CliRunner().invoke(cli, ["corps", "age-transitions"])
    assert again.exit_code == 0 and "Turned 18, leaving: 0" in again.output
