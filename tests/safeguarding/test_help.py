"""The child's side (SG-05, SG-06, CON-15): "I need help" without sign-in or consent, and the calm screen."""

import re

from sqlmodel import select

from app.consent import service as consent
from app.consent.models import DecidedBy, Decision, Guardian, Guardianship, Purpose
from app.notifications.models import OutboxMessage
from app.safeguarding.models import CaseSource, SafeguardingCase
from tests.conftest import csrf_token, english_client, sign_in
from tests.consultations.helpers import signed_in_taking_part
from tests.safeguarding.helpers import officer

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _send(client, text: str = "", page: str = "/help/request"):  # noqa: ANN001, ANN202
    form = client.get(page)
    assert form.status_code == 200
    action = re.search(r'<form method="post" action="([^"]+)"', form.text).group(1)
    return client.post(action, data={"text": text, "csrf_token": TOKEN.search(form.text).group(1)}, follow_redirects=False)


def _cases(session) -> list[SafeguardingCase]:  # noqa: ANN001
    session.expire_all()
    return list(session.exec(select(SafeguardingCase).order_by(SafeguardingCase.id)).all())


def test_a_visitor_asks_for_help_without_signing_in(client, session):
    officer(session, contact="13800000001")
    help_page = client.get("/help")
    assert 'href="/help/request"' in help_page.text
    response = _send(client, "有人在网上让我给他发照片")
    assert response.status_code == 303 and response.headers["location"] == "/help/thanks"
    (case,) = _cases(session)
    assert case.source == CaseSource.HELP_REQUEST and case.child_id is None and case.child_session_id is None
    assert case.words == "有人在网上让我给他发照片"
    alert = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "safeguarding_alert")).one()
    assert "照片" not in alert.body and case.number in alert.body


def test_just_pressing_send_is_enough(client, session):
    assert _send(client, "").status_code == 303
    assert _cases(session)[0].words == ""


def test_a_child_whose_guardian_withdrew_still_gets_help(client, session):
    """SG-06: safeguarding never depends on consent; the case names the pseudonymous child and the session."""
    _room, child = signed_in_taking_part(client, session)
    guardian = session.exec(select(Guardian).join(Guardianship, Guardianship.guardian_id == Guardian.id).where(Guardianship.child_id == child.id)).one()
    consent.record(session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.WITHDRAWN,
                   decided_by=DecidedBy.GUARDIAN, channel="web", guardian=guardian,
                   notice_version=consent.current_version(session=session))
    session.commit()
    assert consent.allows(session=session, child=child, purpose=Purpose.PARTICIPATE) is False
    home = client.get("/me")
    assert 'href="/help/request"' in home.text  # the button on every child screen
    response = _send(client, "我不想活了")
    assert response.status_code == 303 and response.headers["location"] == "/me/help/thanks"
    (case,) = _cases(session)
    assert case.child_id == child.id and case.child_session_id is not None and case.group_session_id is not None
    assert case.subkinds == ["self_harm"]
    calm = client.get("/me/help/thanks")
    assert calm.status_code == 200 and "Thank you for telling us" in calm.text


def test_the_calm_screen_says_what_sg05_asks_and_promises_no_secrecy(app, settings):
    for locale in ("en", "zh_Hans"):
        with english_client(app) as client:
            if locale == "zh_Hans":
                client.cookies.set("yimi_locale", "zh_Hans")
            page = client.get("/help/thanks")
            assert page.status_code == 200
            body = page.text.lower()
            assert "secret" not in body and "保密" not in body and "秘密" not in body
            assert f"tel:{settings.help_hotline}" in page.text and f"tel:{settings.help_police}" in page.text
    with english_client(app) as client:
        text = client.get("/help/thanks").text
        for words in ("Thank you for telling us", "It is not your fault", "A grown-up whose job is to help children will follow up",
                      "Tell the grown-up in the room"):
            assert words in text, words


def test_the_help_button_is_rate_limited_without_an_error_page(client, session):
    """Per address for visitors: past the limit no new case, and the calm screen (never a scary error)."""
    for _ in range(5):
        assert _send(client, "help").status_code == 303
    refused = _send(client, "help")
    assert refused.status_code == 429 and "already told a grown-up" in refused.text
    assert len(_cases(session)) == 5


def test_the_help_form_needs_its_csrf_token(client):
    csrf_token(client, "/help")
    assert client.post("/help/request", data={"text": "x"}, follow_redirects=False).status_code == 403


def test_a_child_screen_has_one_help_button_that_reaches_a_grown_up_and_the_hotlines(client, session):
    """Issue 18: 求助 and 我需要帮助 side by side confused children. A child's screen has one help button; where it
    leads, the child can tell a grown-up on Yimi and call the free numbers."""
    signed_in_taking_part(client, session)
    header = client.get("/me").text.split('<header class="site-header">')[1].split("</header>")[0]
    assert header.count('href="/help') == 1 and 'class="need-help-button" href="/help/request"' in header
    ask = client.get("/help/request").text
    assert 'name="text"' in ask and 'href="tel:12355"' in ask and 'href="tel:110"' in ask


def test_the_childs_help_button_is_not_on_pages_about_a_child(client, session):
    """Issue 18: the facilitator's page of a child and the consent letter showed the child's "I need help"."""
    from tests.corps.tablet_helpers import classroom

    room = classroom(session, size=1)
    child, _code = room.children[0]
    sign_in(client, room.facilitator.username)
    for path in (f"/corps/children/{child.id}", f"/corps/groups/{room.group.id}", f"/corps/children/{child.id}/letter"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "need-help-button" not in page.text and 'class="help-button" href="/help"' in page.text, path
