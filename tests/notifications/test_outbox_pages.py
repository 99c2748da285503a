"""The outbox page and API: administrators only; recipients always masked; outside production the subject
and text of each message are shown (the demo's one-time codes are read there), in production never."""

import pytest

from app.accounts import actions as accounts
from app.accounts.models import Role
from app.core.config import get_settings
from app.notifications import service
from tests.conftest import english_client, make_user, sign_in
from tests.notifications.conftest import queue_email, queue_sms


def _go_to_production(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same database and keys, run as production (the browser signed in before)."""
    monkeypatch.setenv("YIMI_ENV", "production")
    monkeypatch.setenv("YIMI_PASSWORD_MEMORY_KIB", "65536")
    monkeypatch.setenv("YIMI_PASSWORD_ROUNDS", "3")
    monkeypatch.setenv("YIMI_CODE_MEMORY_KIB", "19456")
    monkeypatch.setenv("YIMI_CODE_ROUNDS", "2")
    get_settings.cache_clear()
    assert get_settings().is_production


def test_an_administrator_reads_the_one_time_code_outside_production(admin_client, session):
    queue_sms(session, phone="13812348000", body="一米验证码 482913，十分钟内有效。")
    queue_email(session, to="guardian@example.org", subject="一米：您的验证码", body="您的验证码是 771204")
    page = admin_client.get("/admin/outbox")
    assert page.status_code == 200
    assert "482913" in page.text and "771204" in page.text and "一米：您的验证码" in page.text
    assert "138****8000" in page.text and "g***@example.org" in page.text
    assert "13812348000" not in page.text and "guardian@example.org" not in page.text
    assert "One-time codes can be read here" in page.text


def test_in_production_the_page_never_shows_a_message_text(admin_client, session, monkeypatch):
    queue_sms(session, phone="13812348000", body="一米验证码 482913")
    queue_email(session, to="guardian@example.org", subject="一米：您的验证码", body="您的验证码是 771204")
    _go_to_production(monkeypatch)
    page = admin_client.get("/admin/outbox")
    assert page.status_code == 200
    assert "138****8000" in page.text and "g***@example.org" in page.text and "guardian_otp" in page.text
    assert "482913" not in page.text and "771204" not in page.text and "一米：您的验证码" not in page.text
    assert "never shown in production" in page.text


def test_the_filters_answer_htmx_with_the_table_only(admin_client, session):
    queue_sms(session, body="code 111111", kind="guardian_otp")
    queue_sms(session, body="consent changed 222222", kind="consent_changed")
    page = admin_client.get("/admin/outbox?kind=consent_changed", headers={"HX-Request": "true"})
    assert page.status_code == 200
    assert page.text.lstrip().startswith('<div id="messages">') and "<html" not in page.text
    assert "222222" in page.text and "111111" not in page.text
    queued = admin_client.get("/admin/outbox?status=sent")
    assert "No messages." in queued.text
    nonsense = admin_client.get("/admin/outbox?status=nonsense")  # an unknown status filters nothing out
    assert "111111" in nonsense.text and "222222" in nonsense.text


def test_older_messages_are_on_the_next_page(admin_client, session):
    for i in range(51):
        service.enqueue(session=session, channel="sms", recipient="13812348000", kind="guardian_otp", locale="en",
                        subject=None, body=f"code-{i:03d}")
    session.commit()
    first = admin_client.get("/admin/outbox")
    assert "code-050" in first.text and "code-000" not in first.text and "Older messages" in first.text
    older = admin_client.get("/admin/outbox?before=2")
    assert "code-000" in older.text and "code-001" not in older.text


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_only_administrators_see_the_outbox(app, session, role):
    queue_sms(session, body="一米验证码 482913")
    user = make_user(session, f"not-admin-{role.value}".replace("_", "-"), [role])
    with english_client(app) as client:
        sign_in(client, user.username)
        response = client.get("/admin/outbox")
        assert response.status_code == 403 and "482913" not in response.text
        assert "/admin/outbox" not in client.get("/staff").text


def test_the_staff_home_offers_the_outbox_to_administrators(admin_client):
    assert 'href="/admin/outbox"' in admin_client.get("/staff").text


def _api(app, session, admin, roles: list[Role]):  # noqa: ANN001, ANN202
    user = make_user(session, "api-" + "-".join(r.value for r in roles).replace("_", "-"), roles)
    _, raw = accounts.issue_token(session=session, actor=admin, user=user, name="test")
    client = english_client(app)
    client.headers["Authorization"] = f"Bearer {raw}"
    return client


def test_the_api_lists_the_outbox_with_the_same_masking(app, session, admin, monkeypatch):
    queue_sms(session, phone="13812348000", body="一米验证码 482913")
    client = _api(app, session, admin, [Role.ADMIN])
    listed = client.get("/api/v1/notifications/outbox").json()
    assert [(m["recipient"], m["body"], m["status"], m["attempts"]) for m in listed] == [("138****8000", "一米验证码 482913", "queued", 0)]
    _go_to_production(monkeypatch)
    hidden = client.get("/api/v1/notifications/outbox").json()
    assert hidden[0]["recipient"] == "138****8000" and hidden[0]["body"] is None and hidden[0]["subject"] is None
    assert "13812348000" not in str(hidden) and "482913" not in str(hidden)


def test_the_api_filters_by_status(app, session, admin):
    queue_sms(session, body="a")
    client = _api(app, session, admin, [Role.ADMIN])
    assert client.get("/api/v1/notifications/outbox?status=failed").json() == []
    assert len(client.get("/api/v1/notifications/outbox?status=queued").json()) == 1
    assert client.get("/api/v1/notifications/outbox?status=nonsense").status_code == 422


def test_the_api_refuses_everyone_but_administrators(app, session, admin):
    client = _api(app, session, admin, [Role.SAFEGUARDING_OFFICER])
    response = client.get("/api/v1/notifications/outbox")
    assert response.status_code == 403 and response.headers["content-type"].startswith("application/problem+json")
