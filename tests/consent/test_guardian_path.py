"""The guardian's path: a consent letter with a single-use code, a one-time code from the outbox, the
guardian's session, a decision per purpose and a receipt; every wrong, expired or reused code gets a clear
message and records nothing twice."""

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col, func, select

from app.consent import actions as consent_actions
from app.consent import guardians
from app.consent import service as consent
from app.consent.files import load_notice_versions
from app.consent.models import ConsentEvent, ConsentStatus, GuardianCode, GuardianOtp, Guardianship, Purpose
from app.core.db import utcnow
from app.corps.models import Child, ChildCreate, ChildIdentity
from app.notifications import service as notifications
from tests.conftest import english_client, sign_in
from tests.corps.tablet_helpers import Classroom, classroom

PHONE = "138 0013 8000"
TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@pytest.fixture
def room(session: Session) -> Classroom:
    consent_actions.sync_notices(session=session, versions=load_notice_versions())
    return classroom(session, size=2)


def _letter_code(app, room: Classroom, child: Child | None = None) -> tuple[str, str]:  # noqa: ANN001
    """The facilitator prints a letter; returns (code, page)."""
    child = child or room.children[0][0]
    with english_client(app) as staff:
        sign_in(staff, room.facilitator.username)
        page = staff.get(f"/corps/children/{child.id}/letter")
    assert page.status_code == 200, page.text
    code = re.search(r'class="letter-code-text">([A-Z0-9-]+)<', page.text).group(1)
    return code, page.text


def _token(client: TestClient, path: str = "/guardian") -> str:
    return TOKEN.search(client.get(path).text).group(1)


def _submit_code(client: TestClient, code: str):  # noqa: ANN202
    return client.post("/guardian/code", data={"code": code, "csrf_token": _token(client)})


def _ask_otp(client: TestClient, code: str, contact: str = PHONE):  # noqa: ANN202
    return client.post("/guardian/contact", data={"code": code, "contact": contact, "csrf_token": _token(client)})


def _flow_id(page: str) -> str:
    return re.search(r'name="flow" value="([^"]+)"', page).group(1)


def _otp_from_outbox(session: Session) -> str:
    message = notifications.recent(session=session, limit=1, kind=guardians.OTP_KIND, with_body=True)[0]
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def _verify(client: TestClient, flow: str, otp: str):  # noqa: ANN202
    return client.post("/guardian/verify", data={"flow": flow, "otp": otp, "csrf_token": _token(client)}, follow_redirects=False)


def _signed_in_guardian(app, session: Session, room: Classroom, child: Child | None = None, contact: str = PHONE) -> TestClient:  # noqa: ANN001
    code, _ = _letter_code(app, room, child)
    client = english_client(app)
    sent = _ask_otp(client, code, contact)
    assert sent.status_code == 200, sent.text
    response = _verify(client, _flow_id(sent.text), _otp_from_outbox(session))
    assert response.status_code == 303, response.text
    return client


def _decide(client: TestClient, child: Child, choices: dict[str, str], form_token: str | None = None):  # noqa: ANN202
    page = client.get(f"/guardian/children/{child.id}/consent")
    assert page.status_code == 200, page.text
    token = TOKEN.search(page.text).group(1)
    form_token = form_token or re.search(r'name="form_token" value="([^"]+)"', page.text).group(1)
    return client.post(
        f"/guardian/children/{child.id}/consent", data={**choices, "form_token": form_token, "csrf_token": token}, follow_redirects=False
    )


AGREE_BUT_NO_QUOTE = {"participate": "granted", "quote": "refused", "notify_guardian": "granted"}


def test_a_guardian_goes_from_the_letter_to_a_receipt(app, session, room):
    child = room.children[0][0]
    code, _ = _letter_code(app, room)
    with english_client(app) as client:
        # The letter's link goes straight to the next step (issue 18: no "continue" tap on a filled-in form)…
        page = client.get(f"/guardian?code={code}")
        assert "Mobile number or e-mail address" in page.text and 'name="code"' in page.text
        # …and a wrong code in a link says what is wrong, on the code form.
        wrong = client.get("/guardian?code=WRONG-CODE")
        assert 'action="/guardian/code"' in wrong.text and "WRONG-CODE" in wrong.text
        contact_page = _submit_code(client, code)
        assert contact_page.status_code == 200 and "Mobile number or e-mail address" in contact_page.text
        sent = _ask_otp(client, code)
        assert sent.status_code == 200 and "6-digit code" in sent.text
        response = _verify(client, _flow_id(sent.text), _otp_from_outbox(session))
        assert response.status_code == 303 and response.headers["location"] == f"/guardian/children/{child.id}/consent"
        cookie = response.headers["set-cookie"]
        assert "yimi_guardian=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()

        page = client.get(f"/guardian/children/{child.id}/consent")
        assert page.status_code == 200
        # The full notice is on the page behind one tap, and on a page of its own to print (issue 18).
        assert '<details class="full-notice">' in page.text and f'href="/guardian/children/{child.id}/notice"' in page.text
        full = client.get(f"/guardian/children/{child.id}/notice")
        assert full.status_code == 200 and 'class="notice-text"' in full.text and 'name="participate"' not in full.text
        assert page.text.count('value="granted"') == page.text.count('value="refused"') == len(Purpose)
        assert "checked" not in page.text  # nothing chosen for the guardian (ICO standard 13)
        assert "<h2" in page.text and "{#" not in page.text  # the notice, rendered from Markdown
        from markupsafe import escape

        from app.consent.files import load_purposes

        for purpose in load_purposes().values():  # each purpose is named and explained to the guardian
            copy = purpose.copy["guardian"]["en"]
            assert f"<legend>{escape(copy.heading)}</legend>" in page.text and str(escape(copy.text)) in page.text
        response = _decide(client, child, AGREE_BUT_NO_QUOTE)
        assert response.status_code == 303, response.text
        receipt = client.get(response.headers["location"])
        assert receipt.status_code == 200
        number = response.headers["location"].rsplit("/", 1)[1]
        assert number in receipt.text and "Not agreed" in receipt.text and "2026-11" in receipt.text
        # Issue 18: a short code a person can read out, the long number behind it.
        short = re.search(r'class="receipt-short-code">([^<]+)<', receipt.text).group(1)
        assert re.fullmatch(r"[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}", short) and len(number) > 20
        main = receipt.text.split("<main")[1]
        assert main.index(short) < main.index(number) and "<details>" in main

    session.expire_all()
    assert not consent.allows(session=session, child=child, purpose=Purpose.QUOTE)
    state = consent.state_of(session=session, child=child, purpose=Purpose.PARTICIPATE)
    assert state.status == ConsentStatus.GRANTED.value
    assert state.expires_at == consent.programme_year_end()
    assert session.exec(select(func.count()).select_from(Guardianship).where(Guardianship.child_id == child.id)).one() == 1
    assert session.exec(select(GuardianCode)).one().used_at is not None


def test_the_letter_shows_the_nickname_and_a_qr_code_never_the_real_name(app, session, room):
    child = room.children[0][0]
    session.add(ChildIdentity(child_id=child.id, real_name="王小明"))
    session.commit()
    code, page = _letter_code(app, room)
    assert child.display_name in page and "王小明" not in page
    assert "<svg" in page and f"http://testserver/guardian?code={code}" in page
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}", code)
    stored = session.exec(select(GuardianCode)).one()
    assert code.replace("-", "") not in stored.code_hash and len(stored.code_hash) == 64


def test_the_letter_is_only_for_the_childs_own_facilitator(app, session, room):
    other = classroom(session, size=1, code="class-b", facilitator="teacher2")
    with english_client(app) as staff:
        sign_in(staff, other.facilitator.username)
        assert staff.get(f"/corps/children/{room.children[0][0].id}/letter").status_code == 404
    assert session.exec(select(func.count()).select_from(GuardianCode)).one() == 0


def test_a_wrong_letter_code_gets_a_clear_message(app, room):
    with english_client(app) as client:
        response = _submit_code(client, "AAAA-BBBB-CC")
        assert response.status_code == 400 and "We could not find this code" in response.text


def test_an_expired_letter_code_gets_a_clear_message(app, session, room):
    code, _ = _letter_code(app, room)
    session.execute(update(GuardianCode).values(expires_at=utcnow() - dt.timedelta(minutes=1)))
    session.commit()
    with english_client(app) as client:
        response = _submit_code(client, code)
        assert response.status_code == 410 and "has expired" in response.text


def test_a_used_letter_code_cannot_be_used_again(app, session, room):
    code, _ = _letter_code(app, room)
    with english_client(app) as first, english_client(app) as second:
        # Both start with the same letter before either finishes: only the first one links.
        sent_first = _ask_otp(first, code)
        otp_first = _otp_from_outbox(session)
        sent_second = _ask_otp(second, code, "someone@example.com")
        otp_second = _otp_from_outbox(session)
        assert _verify(first, _flow_id(sent_first.text), otp_first).status_code == 303
        response = _verify(second, _flow_id(sent_second.text), otp_second)
        assert response.status_code == 409 and "already used" in response.text
        assert _submit_code(second, code).status_code == 409
    assert session.exec(select(func.count()).select_from(Guardianship)).one() == 1


def test_five_wrong_one_time_codes_and_even_the_right_one_is_refused(app, session, room):
    code, _ = _letter_code(app, room)
    with english_client(app) as client:
        flow = _flow_id(_ask_otp(client, code).text)
        right = _otp_from_outbox(session)
        wrong = "000000" if right != "000000" else "111111"
        for tries_left in (4, 3, 2, 1):
            response = _verify(client, flow, wrong)
            assert response.status_code == 400 and f"You have {tries_left} tries left" in response.text
        assert _verify(client, flow, wrong).status_code == 429
        response = _verify(client, flow, right)
        assert response.status_code == 429 and "entered wrongly 5 times" in response.text
        assert "yimi_guardian" not in client.cookies
    assert session.exec(select(GuardianOtp)).one().attempts == 5
    assert session.exec(select(func.count()).select_from(Guardianship)).one() == 0


def test_an_expired_one_time_code_is_refused(app, session, room):
    code, _ = _letter_code(app, room)
    with english_client(app) as client:
        flow = _flow_id(_ask_otp(client, code).text)
        session.execute(update(GuardianOtp).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
        session.commit()
        response = _verify(client, flow, _otp_from_outbox(session))
        assert response.status_code == 410 and "has expired" in response.text


def test_a_one_time_code_works_once(app, session, room):
    code, _ = _letter_code(app, room)
    with english_client(app) as client:
        flow = _flow_id(_ask_otp(client, code).text)
        otp = _otp_from_outbox(session)
        assert _verify(client, flow, otp).status_code == 303
        response = _verify(client, flow, otp)
        assert response.status_code == 409 and "already used" in response.text


def test_a_tampered_flow_is_refused(app, room):
    with english_client(app) as client:
        response = _verify(client, "not-a-real-flow", "123456")
        assert response.status_code == 400 and "We could not follow this form" in response.text


def test_a_sixth_code_to_one_contact_in_an_hour_is_refused(app, session, room):
    code, _ = _letter_code(app, room)
    with english_client(app) as client:
        for _ in range(5):
            assert _ask_otp(client, code, "13800138000").status_code == 200
        response = _ask_otp(client, code, "138-0013-8000")  # the same number, written differently
        assert response.status_code == 429 and "5 codes" in response.text
    assert session.exec(select(func.count()).select_from(GuardianOtp)).one() == 5


def test_a_bad_contact_gets_a_clear_message(app, room):
    code, _ = _letter_code(app, room)
    with english_client(app) as client:
        response = _ask_otp(client, code, "12345")
        assert response.status_code == 422 and "11 digits" in response.text


def test_a_double_submitted_decision_is_recorded_once(app, session, room):
    child = room.children[0][0]
    with _signed_in_guardian(app, session, room) as client:
        page = client.get(f"/guardian/children/{child.id}/consent")
        form_token = re.search(r'name="form_token" value="([^"]+)"', page.text).group(1)
        first = _decide(client, child, AGREE_BUT_NO_QUOTE, form_token)
        second = _decide(client, child, AGREE_BUT_NO_QUOTE, form_token)
        assert first.status_code == second.status_code == 303
        assert first.headers["location"] == second.headers["location"]
    assert session.exec(select(func.count()).select_from(ConsentEvent)).one() == len(Purpose)


def test_every_purpose_needs_a_choice(app, session, room):
    child = room.children[0][0]
    with _signed_in_guardian(app, session, room) as client:
        response = _decide(client, child, {"participate": "granted"})
        assert response.status_code == 422 and "for each purpose" in response.text
    assert session.exec(select(func.count()).select_from(ConsentEvent)).one() == 0


def test_a_guardian_cannot_open_another_childs_consent_page(app, session, room):
    mine, other = room.children[0][0], room.children[1][0]
    with _signed_in_guardian(app, session, room, mine) as client:
        assert client.get(f"/guardian/children/{other.id}/consent").status_code == 404
        token = _token(client, f"/guardian/children/{mine.id}/consent")
        response = client.post(f"/guardian/children/{other.id}/consent", data={**AGREE_BUT_NO_QUOTE, "form_token": "x" * 22, "csrf_token": token})
        assert response.status_code == 404
    assert session.exec(select(func.count()).select_from(ConsentEvent).where(ConsentEvent.child_id == other.id)).one() == 0


def test_without_a_guardian_session_the_decision_page_sends_you_to_the_start(app, room):
    with english_client(app) as client:
        response = client.get(f"/guardian/children/{room.children[0][0].id}/consent", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/guardian")


def test_the_guardian_of_a_teen_is_told_the_young_person_decides(app, session, room):
    from app.corps import actions as corps

    today = utcnow().date()
    teen, _ = corps.enrol(session=session, actor=room.facilitator, group=room.group,
                          data=ChildCreate(display_name="Comet", avatar="fox", birth_year=today.year - 15, birth_month=1))
    with _signed_in_guardian(app, session, room, teen) as client:
        page = client.get(f"/guardian/children/{teen.id}/consent")
        assert page.status_code == 200 and "decide for themselves" in page.text
        assert 'value="granted"' not in page.text
        token = TOKEN.search(page.text).group(1)
        response = client.post(f"/guardian/children/{teen.id}/consent", data={**AGREE_BUT_NO_QUOTE, "form_token": "y" * 22, "csrf_token": token})
        assert response.status_code == 409
    assert session.exec(select(func.count()).select_from(ConsentEvent)).one() == 0


def test_a_guardian_with_two_children_and_a_child_with_two_guardians(app, session, room):
    first, second = room.children[0][0], room.children[1][0]
    _signed_in_guardian(app, session, room, first).close()
    _signed_in_guardian(app, session, room, second).close()
    _signed_in_guardian(app, session, room, first, contact="other@example.com").close()
    links = session.exec(select(Guardianship.child_id, Guardianship.guardian_id).order_by(col(Guardianship.id))).all()
    assert len(links) == 3 and links[0][1] == links[1][1] != links[2][1]


def test_guardian_pages_refuse_a_form_without_the_csrf_token(app, session, room):
    child = room.children[0][0]
    code, _ = _letter_code(app, room)
    with _signed_in_guardian(app, session, room) as client:
        for path, data in (
            ("/guardian/code", {"code": code}),
            ("/guardian/contact", {"code": code, "contact": PHONE}),
            ("/guardian/verify", {"flow": "x", "otp": "123456"}),
            (f"/guardian/children/{child.id}/consent", AGREE_BUT_NO_QUOTE),
            ("/guardian/signout", {}),
        ):
            response = client.post(path, data=data, follow_redirects=False)
            assert response.status_code == 403, path
    assert session.exec(select(func.count()).select_from(ConsentEvent)).one() == 0


def test_signing_out_ends_the_guardian_session(app, session, room):
    child = room.children[0][0]
    with _signed_in_guardian(app, session, room) as client:
        token = _token(client, f"/guardian/children/{child.id}/consent")
        assert client.post("/guardian/signout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
        assert client.get(f"/guardian/children/{child.id}/consent", follow_redirects=False).status_code == 303


def test_the_programme_year_ends_on_the_configured_day(settings):
    zone_day = dt.datetime(2026, 11, 29, 4, 0, tzinfo=dt.UTC)
    assert consent.programme_year_end(zone_day) == dt.datetime(2027, 8, 31, 16, 0, tzinfo=dt.UTC)  # 1 Sept, Beijing time
    assert consent.programme_year_end(dt.datetime(2026, 8, 31, 4, 0, tzinfo=dt.UTC)).year == 2026
