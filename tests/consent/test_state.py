"""Consent decisions are append-only events; the state is derived in the same transaction; `require` is
the one check (CON-04, CON-08, CON-09); a decision sent twice is recorded once."""

import datetime as dt
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, func, select

from app.consent import service as consent
from app.consent.models import ConsentEvent, ConsentStatus, DecidedBy, Decision, Guardian, Purpose
from app.core import crypto
from app.core.db import get_engine
from app.corps.models import Child, ChildCreate
from tests.corps.tablet_helpers import classroom


def _guardian(session: Session, contact: str = "13800138000") -> Guardian:
    guardian = Guardian(contact_kind="phone", contact=contact, contact_hash=crypto.lookup_hash(contact, purpose="phone"))
    session.add(guardian)
    session.commit()
    return guardian


def _grant(session, child, guardian, purpose=Purpose.PARTICIPATE, decision=Decision.GRANTED, **kw):  # noqa: ANN001, ANN202
    event = consent.record(
        session=session, child=child, purpose=purpose, decision=decision, decided_by=DecidedBy.GUARDIAN,
        channel="web", guardian=guardian, **kw,
    )
    session.commit()
    return event


def _assent(session, child, decision=Decision.GRANTED):  # noqa: ANN001, ANN202
    consent.record(session=session, child=child, purpose=Purpose.PARTICIPATE, decision=decision, decided_by=DecidedBy.CHILD_ASSENT, channel="tablet")
    session.commit()


def test_a_child_without_consent_cannot_take_part(session):
    child = classroom(session, size=1).children[0][0]
    with pytest.raises(consent.ConsentRequired):
        consent.require(session=session, child=child, purpose=Purpose.PARTICIPATE)


def test_under_14_needs_the_guardians_consent_and_the_childs_assent(session):
    child = classroom(session, size=1).children[0][0]
    guardian = _guardian(session)
    _grant(session, child, guardian)
    assert not consent.allows(session=session, child=child, purpose=Purpose.PARTICIPATE)
    _assent(session, child)
    consent.require(session=session, child=child, purpose=Purpose.PARTICIPATE)
    _assent(session, child, Decision.WITHDRAWN)  # "I don't want to take part any more"
    assert not consent.allows(session=session, child=child, purpose=Purpose.PARTICIPATE)


def test_withdrawal_by_a_guardian_stops_processing_at_once(session):
    child = classroom(session, size=1).children[0][0]
    guardian = _guardian(session)
    _grant(session, child, guardian)
    _assent(session, child)
    _grant(session, child, guardian, decision=Decision.WITHDRAWN)
    with pytest.raises(consent.ConsentRequired):
        consent.require(session=session, child=child, purpose=Purpose.PARTICIPATE)
    history = consent.history(session=session, child=child, purpose=Purpose.PARTICIPATE)
    assert [e.decision for e in history] == ["granted", "granted", "withdrawn"]


def test_refusing_quote_never_blocks_participation(session):
    child = classroom(session, size=1).children[0][0]
    guardian = _guardian(session)
    _grant(session, child, guardian, purpose=Purpose.QUOTE, decision=Decision.REFUSED)
    _grant(session, child, guardian)
    _assent(session, child)
    consent.require(session=session, child=child, purpose=Purpose.PARTICIPATE)
    assert not consent.allows(session=session, child=child, purpose=Purpose.QUOTE)


def test_consent_expires(session):
    child = classroom(session, size=1).children[0][0]
    guardian = _guardian(session)
    _grant(session, child, guardian, expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    _assent(session, child)
    assert consent.allows(session=session, child=child, purpose=Purpose.PARTICIPATE)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    assert not consent.allows(session=session, child=child, purpose=Purpose.PARTICIPATE, now=later)


def test_14_to_17_decide_for_themselves_and_guardians_are_not_asked(session):
    room = classroom(session, size=0)
    from app.corps import actions as corps

    teen, _ = corps.enrol(session=session, actor=room.facilitator, group=room.group, data=ChildCreate(display_name="Rocket", birth_year=2010, birth_month=1))
    guardian = _guardian(session)
    with pytest.raises(consent.DecisionNotAllowed):
        consent.record(session=session, child=teen, purpose=Purpose.PARTICIPATE, decision=Decision.GRANTED, decided_by=DecidedBy.GUARDIAN, channel="web", guardian=guardian)
    session.rollback()
    consent.record(session=session, child=teen, purpose=Purpose.PARTICIPATE, decision=Decision.GRANTED, decided_by=DecidedBy.SELF, channel="phone")
    session.commit()
    consent.require(session=session, child=teen, purpose=Purpose.PARTICIPATE)  # no separate assent at 14+


def test_a_decision_sent_twice_is_recorded_once(session):
    child = classroom(session, size=1).children[0][0]
    guardian = _guardian(session)
    first = _grant(session, child, guardian, idempotency_key="receipt-1")
    again = _grant(session, child, guardian, idempotency_key="receipt-1")
    assert first.id == again.id
    assert session.exec(select(func.count()).select_from(ConsentEvent)).one() == 1


def test_concurrent_double_submission_is_recorded_once(settings, session):
    child_id = classroom(session, size=1).children[0][0].id
    guardian_id = _guardian(session).id
    errors: list[Exception] = []

    def submit() -> None:
        try:
            with Session(get_engine(), expire_on_commit=False) as s:
                consent.record(
                    session=s, child=s.get(Child, child_id), purpose=Purpose.PARTICIPATE, decision=Decision.GRANTED,
                    decided_by=DecidedBy.GUARDIAN, channel="web", guardian=s.get(Guardian, guardian_id), idempotency_key="tap-twice",
                )
                s.commit()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert session.exec(select(func.count()).select_from(ConsentEvent)).one() == 1
    assert all(isinstance(e, Exception) for e in errors)  # a loser may fail cleanly, never write twice


def test_the_state_follows_the_events_in_the_same_transaction(session):
    child = classroom(session, size=1).children[0][0]
    guardian = _guardian(session)
    consent.record(session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.GRANTED, decided_by=DecidedBy.GUARDIAN, channel="web", guardian=guardian)
    session.rollback()  # the event and the state go together
    assert consent.state_of(session=session, child=child, purpose=Purpose.PARTICIPATE) is None
    assert session.exec(select(func.count()).select_from(ConsentEvent)).one() == 0
    _grant(session, child, guardian)
    assert consent.state_of(session=session, child=child, purpose=Purpose.PARTICIPATE).status == ConsentStatus.GRANTED.value


def test_consent_events_cannot_be_changed(session):
    child = classroom(session, size=1).children[0][0]
    event = _grant(session, child, _guardian(session))
    with pytest.raises(DBAPIError):
        session.execute(text("UPDATE consent_event SET decision = 'refused' WHERE id = :id"), {"id": event.id})
    session.rollback()


def test_either_guardians_withdrawal_stops_processing_until_that_guardian_agrees_again(session):
    child = classroom(session, size=1).children[0][0]
    mother, father = _guardian(session, "13800138001"), _guardian(session, "13800138002")
    _grant(session, child, mother)
    _assent(session, child)
    _grant(session, child, father, decision=Decision.WITHDRAWN)
    assert not consent.allows(session=session, child=child, purpose=Purpose.PARTICIPATE)
    _grant(session, child, mother)  # the other guardian's yes does not lift the withdrawal
    assert not consent.allows(session=session, child=child, purpose=Purpose.PARTICIPATE)
    _grant(session, child, father)  # the guardian who withdrew agrees again
    assert consent.allows(session=session, child=child, purpose=Purpose.PARTICIPATE)
