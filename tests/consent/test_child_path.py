"""The child's path (CON-08, CON-09): after a guardian's yes, a child under 14 is asked in child words
and may say yes, "not now", or stop later; a young person of 14-17 decides each purpose for themselves,
and at 14 is asked to confirm what their guardian chose. Help never depends on consent (CON-15)."""

import datetime as dt
import re

import pytest
from sqlmodel import Session, func, select

from app.consent import actions as consent_actions
from app.consent import service as consent
from app.consent.files import load_notice_versions
from app.consent.models import ConsentEvent, ConsentStatus, DecidedBy, Decision, Guardian, Purpose
from app.core import crypto
from app.corps import actions as corps
from app.corps.models import Child, ChildCreate
from tests.conftest import csrf_token
from tests.corps.tablet_helpers import classroom, open_tablet, tap_code


@pytest.fixture(autouse=True)
def notices(session: Session) -> None:
    consent_actions.sync_notices(session=session, versions=load_notice_versions())


def _guardian(session: Session, contact: str = "13800138000") -> Guardian:
    guardian = Guardian(contact_kind="phone", contact=contact, contact_hash=crypto.lookup_hash(contact, purpose="phone"))
    session.add(guardian)
    session.commit()
    return guardian


def _guardian_decides(session: Session, child: Child, purpose: Purpose = Purpose.PARTICIPATE, decision: Decision = Decision.GRANTED) -> None:
    consent.record(
        session=session, child=child, purpose=purpose, decision=decision, decided_by=DecidedBy.GUARDIAN,
        channel="web", guardian=_guardian(session, f"1380013{child.id:04d}{purpose.value[:1]}"),
    )
    session.commit()


def _form(page_text: str) -> dict[str, str]:
    return {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page_text).group(1),
        "token": re.search(r'name="token" value="([^"]+)"', page_text).group(1),
    }


def _allows(session: Session, child: Child, purpose: Purpose = Purpose.PARTICIPATE) -> bool:
    session.expire_all()
    return consent.allows(session=session, child=child, purpose=purpose)


def _signed_in_child(client, session, *, birth_year: int = 2016):  # noqa: ANN001, ANN202
    room = classroom(session, size=0)
    child, code = corps.enrol(
        session=session, actor=room.facilitator, group=room.group,
        data=ChildCreate(display_name="小星星", avatar="panda", birth_year=birth_year, birth_month=5),
    )
    open_tablet(client, room)
    assert tap_code(client, child, code).headers["location"] == "/me"
    return child


def _signed_in_teen(client, session, *, birth_year: int = 2010, birth_month: int = 1):  # noqa: ANN001, ANN202
    room = classroom(session, size=0)
    teen, _ = corps.enrol(
        session=session, actor=room.facilitator, group=room.group,
        data=ChildCreate(display_name="Rocket", birth_year=birth_year, birth_month=birth_month),
    )
    code = corps.issue_personal_code(session=session, actor=room.facilitator, child=teen)
    signed = client.post("/young", data={"csrf_token": csrf_token(client, "/young"), "code": code}, follow_redirects=False)
    assert signed.headers["location"] == "/me"
    return teen


# ---- under 14: assent (CON-08) -------------------------------------------------------------------


def test_without_a_guardians_yes_the_child_is_told_to_wait(client, session):
    _signed_in_child(client, session)
    home = client.get("/me")
    assert home.status_code == 200 and "Waiting for your grown-up" in home.text
    assert client.get("/me/assent", follow_redirects=False).headers["location"] == "/me"


def test_after_the_guardians_yes_the_childs_next_sign_in_shows_the_notice_of_their_age_band(client, session):
    child = _signed_in_child(client, session, birth_year=2019)  # 7: the 6-9 notice
    _guardian_decides(session, child)
    assert not _allows(session, child)  # the guardian's yes alone is not enough
    response = client.get("/me", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/me/assent"
    page = client.get("/me/assent")
    assert page.status_code == 200
    assert "What is Yimi?" in page.text and "<p>Yimi is a place to say what you think.</p>" in page.text
    assert 'class="read-aloud"' in page.text and 'data-read="#notice-title, #notice-body' in page.text
    # Two equal buttons, neither chosen in advance.
    yes = re.search(r'<button type="submit" name="answer" value="yes" class="([^"]+)">Yes, I want to take part</button>', page.text)
    no = re.search(r'<button type="submit" name="answer" value="no" class="([^"]+)">Not now</button>', page.text)
    assert yes and no and yes.group(1) == no.group(1)
    assert "autofocus" not in page.text and "checked" not in page.text


def test_the_10_to_13_notice_is_shown_in_chinese_by_default(app, session):
    from fastapi.testclient import TestClient

    with TestClient(app) as chinese:
        child = _signed_in_child(chinese, session)
        _guardian_decides(session, child)
        page = chinese.get("/me/assent")
    version = consent.current_version(session=session)
    text = consent.notice_text(session=session, version=version, audience=consent.Audience.CHILD_10_13, locale="zh_Hans")
    assert text.title in page.text


def test_yes_lets_the_child_take_part_and_shows_the_home(client, session):
    child = _signed_in_child(client, session)
    _guardian_decides(session, child)
    response = client.post("/me/assent", data={**_form(client.get("/me/assent").text), "answer": "yes"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/me")
    assert _allows(session, child)
    event = consent.history(session=session, child=child, purpose=Purpose.PARTICIPATE)[-1]
    assert (event.decided_by, event.decision, event.channel) == ("child_assent", "granted", "tablet")
    assert event.notice_version_id == consent.current_version(session=session).id
    home = client.get("/me")
    assert home.status_code == 200 and "You are taking part" in home.text


def test_not_now_is_respected_and_the_child_can_change_their_mind(client, session):
    child = _signed_in_child(client, session)
    _guardian_decides(session, child)
    client.post("/me/assent", data={**_form(client.get("/me/assent").text), "answer": "no"})
    assert not _allows(session, child)
    assert consent.state_of(session=session, child=child, purpose=Purpose.PARTICIPATE).assent == ConsentStatus.REFUSED.value
    home = client.get("/me", follow_redirects=False)
    assert home.status_code == 200  # not asked again and again
    assert "You are not taking part now" in home.text and "You can change your mind any time" in home.text
    assert 'href="/me/assent"' in home.text and "I want to take part after all" in home.text
    client.post("/me/assent", data={**_form(client.get("/me/assent").text), "answer": "yes"})
    assert _allows(session, child)


def test_the_child_can_stop_from_the_home_screen(client, session):
    child = _signed_in_child(client, session)
    _guardian_decides(session, child)
    client.post("/me/assent", data={**_form(client.get("/me/assent").text), "answer": "yes"})
    home = client.get("/me")
    assert "I don't want to take part any more" in home.text and 'href="/me/stop"' in home.text
    confirm = client.get("/me/stop")
    stop = re.search(r'value="stop" class="([^"]+)"', confirm.text)
    keep = re.search(r'value="keep" class="([^"]+)"', confirm.text)
    assert stop and keep and stop.group(1) == keep.group(1)
    # "No, I want to go on" changes nothing.
    client.post("/me/stop", data={**_form(confirm.text), "answer": "keep"})
    assert _allows(session, child)
    client.post("/me/stop", data={**_form(client.get("/me/stop").text), "answer": "stop"})
    assert not _allows(session, child)
    assert consent.history(session=session, child=child, purpose=Purpose.PARTICIPATE)[-1].decision == Decision.WITHDRAWN.value
    home = client.get("/me")
    assert "You are not taking part now" in home.text and "Nothing bad happens" in home.text


def test_a_double_submitted_yes_is_recorded_once(client, session):
    child = _signed_in_child(client, session)
    _guardian_decides(session, child)
    form = {**_form(client.get("/me/assent").text), "answer": "yes"}
    for _ in range(2):
        assert client.post("/me/assent", data=form, follow_redirects=False).status_code == 303
    assent_events = session.exec(
        select(func.count()).select_from(ConsentEvent).where(ConsentEvent.child_id == child.id, ConsentEvent.decided_by == "child_assent")
    ).one()
    assert assent_events == 1


def test_a_tampered_answer_or_token_records_nothing(client, session):
    child = _signed_in_child(client, session)
    _guardian_decides(session, child)
    form = _form(client.get("/me/assent").text)
    assert client.post("/me/assent", data={**form, "answer": "maybe"}).status_code == 422
    assert client.post("/me/assent", data={**form, "answer": "yes", "token": "x' OR 1=1"}).status_code == 422
    assert len(consent.history(session=session, child=child)) == 1  # only the guardian's


def test_help_never_depends_on_consent(client, session):
    child = _signed_in_child(client, session)
    _guardian_decides(session, child)
    assert client.get("/help", follow_redirects=False).status_code == 200


# ---- 14-17: their own decisions (CON-09) ---------------------------------------------------------


def test_a_teen_sees_the_teen_notice_and_decides_each_purpose(client, session):
    teen = _signed_in_teen(client, session)
    assert client.get("/me", follow_redirects=False).headers["location"] == "/me/consent"
    assert client.get("/me/assent", follow_redirects=False).headers["location"] == "/me/consent"
    page = client.get("/me/consent")
    assert "Yimi privacy notice (ages 14 to 17)" in page.text and "<h2>You decide</h2>" in page.text
    for purpose in Purpose:
        assert f'name="decision-{purpose.value}" value="agree" required>' in page.text
        assert f'name="decision-{purpose.value}" value="disagree" required>' in page.text
    assert "You are 14 now" not in page.text
    response = client.post(
        "/me/consent",
        data={**_form(page.text), "decision-participate": "agree", "decision-quote": "disagree", "decision-notify_guardian": "disagree"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    # Saying no to quoting keeps taking part.
    assert _allows(session, teen) and not _allows(session, teen, Purpose.QUOTE) and not _allows(session, teen, Purpose.NOTIFY_GUARDIAN)
    events = consent.history(session=session, child=teen)
    assert {(e.purpose, e.decision, e.decided_by, e.channel) for e in events} == {
        ("participate", "granted", "self", "phone"), ("quote", "refused", "self", "phone"), ("notify_guardian", "refused", "self", "phone"),
    }
    assert all(e.guardian_id is None for e in events)
    state = consent.state_of(session=session, child=teen, purpose=Purpose.PARTICIPATE)
    assert state.expires_at is not None  # the end of the programme year (CON-14)
    home = client.get("/me", follow_redirects=False)
    assert home.status_code == 200 and "You are taking part" in home.text


def test_a_teen_must_choose_for_every_purpose_and_a_double_save_counts_once(client, session):
    teen = _signed_in_teen(client, session)
    form = _form(client.get("/me/consent").text)
    missing = client.post("/me/consent", data={**form, "decision-participate": "agree"})
    assert missing.status_code == 400 and "for each one" in missing.text
    assert 'value="agree" required checked' in missing.text  # what was chosen stays chosen
    assert consent.history(session=session, child=teen) == []
    full = {**form, "decision-participate": "agree", "decision-quote": "agree", "decision-notify_guardian": "disagree"}
    for _ in range(2):
        client.post("/me/consent", data=full)
    assert len(consent.history(session=session, child=teen)) == 3


def test_a_teen_who_says_no_is_not_asked_again_and_can_change_later(client, session):
    teen = _signed_in_teen(client, session)
    choices = {"decision-participate": "disagree", "decision-quote": "disagree", "decision-notify_guardian": "disagree"}
    client.post("/me/consent", data={**_form(client.get("/me/consent").text), **choices})
    assert not _allows(session, teen)
    home = client.get("/me", follow_redirects=False)
    assert home.status_code == 200 and "You are not taking part now" in home.text and 'href="/me/consent"' in home.text
    client.post("/me/consent", data={**_form(client.get("/me/consent").text), **choices, "decision-participate": "agree"})
    assert _allows(session, teen)
    # Stopping from the home screen is the young person's own withdrawal.
    client.post("/me/stop", data={**_form(client.get("/me/stop").text), "answer": "stop"})
    assert not _allows(session, teen)
    last = consent.history(session=session, child=teen, purpose=Purpose.PARTICIPATE)[-1]
    assert (last.decision, last.decided_by) == ("withdrawn", "self")


def test_a_young_person_who_turned_14_is_asked_to_confirm(client, session):
    room = classroom(session, size=0)
    today = dt.date.today()
    child, _ = corps.enrol(
        session=session, actor=room.facilitator, group=room.group,
        data=ChildCreate(display_name="Rocket", birth_year=today.year - 10, birth_month=1),
    )
    assert not consent.decides_for_themselves(child)  # the guardian decided while the child was younger ...
    _guardian_decides(session, child)
    _guardian_decides(session, child, Purpose.QUOTE, Decision.REFUSED)
    # ... and then they turned 14 (the corps' age transitions set turned_14_at).
    child.birth_year = today.year - 14
    child.birth_month = 1
    child.turned_14_at = dt.datetime.now(dt.UTC)
    session.add(child)
    session.commit()
    assert consent.decides_for_themselves(child)
    assert _allows(session, child)  # existing consents remain until they decide
    code = corps.issue_personal_code(session=session, actor=room.facilitator, child=child)
    client.post("/young", data={"csrf_token": csrf_token(client, "/young"), "code": code})
    assert client.get("/me", follow_redirects=False).headers["location"] == "/me/consent"
    page = client.get("/me/consent")
    assert "You are 14 now: you decide for yourself." in page.text
    assert "Chosen by your parent or guardian: Agreed" in page.text and "Chosen by your parent or guardian: Not agreed" in page.text
    assert " checked" not in page.text  # nothing chosen for them
    client.post(
        "/me/consent",
        data={**_form(page.text), "decision-participate": "agree", "decision-quote": "agree", "decision-notify_guardian": "disagree"},
    )
    assert _allows(session, child) and _allows(session, child, Purpose.QUOTE)
    assert client.get("/me", follow_redirects=False).status_code == 200
    assert "You are 14 now" not in client.get("/me/consent").text
