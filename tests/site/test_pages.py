"""Pages anyone may open: the help page without sign-in (A11Y-10, CON-15, SG-06), the language switch,
friendly error pages and the health probes."""

import pytest

from tests.conftest import make_user, sign_in


def test_help_is_reachable_without_sign_in_and_names_the_hotlines(client):
    response = client.get("/help")
    assert response.status_code == 200
    assert 'href="tel:12355"' in response.text and 'href="tel:110"' in response.text


def test_help_numbers_are_configurable(settings, monkeypatch):
    from app.core.config import get_settings
    from app.main import create_app
    from tests.conftest import english_client

    monkeypatch.setenv("YIMI_HELP_HOTLINE", "96111")
    get_settings.cache_clear()
    with english_client(create_app()) as client:
        assert 'href="tel:96111"' in client.get("/help").text
        assert client.get("/api/v1/help").json()["hotline"] == "96111"


@pytest.mark.parametrize("path", ["/", "/signin", "/help", "/does-not-exist"])
def test_the_help_button_is_in_the_header_of_every_page(client, path):
    html = client.get(path).text
    header = html.split('<header class="site-header">')[1].split("</header>")[0]
    assert 'class="help-button" href="/help"' in header


def test_the_help_button_is_on_staff_pages_too(client, session):
    make_user(session, "helper1")
    sign_in(client, "helper1")
    assert 'class="help-button" href="/help"' in client.get("/staff").text


def test_chinese_is_the_default(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as browser_without_preference:
        html = browser_without_preference.get("/").text
    assert '<html lang="zh-Hans">' in html


def test_accept_language_english(client):
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).text


def test_accept_language_chinese_variants(client):
    for header in ("zh-CN", "zh", "zh-Hans-CN,en;q=0.5", "fr,zh;q=0.8"):
        assert '<html lang="zh-Hans">' in client.get("/", headers={"Accept-Language": header}).text


def test_the_choice_wins_over_accept_language_and_persists(client):
    response = client.get("/language?locale=en&next=/help", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/help"
    assert "yimi_locale=en" in response.headers["set-cookie"]
    assert '<html lang="en">' in client.get("/help", headers={"Accept-Language": "zh-CN"}).text
    client.get("/language?locale=zh_Hans&next=/")
    assert '<html lang="zh-Hans">' in client.get("/help", headers={"Accept-Language": "en"}).text


def test_an_unknown_locale_gets_a_polite_400(client):
    response = client.get("/language?locale=fr")
    assert response.status_code == 400
    assert "中文" in response.text and "English" in response.text
    assert "yimi_locale" not in response.headers.get("set-cookie", "")


def test_a_bad_locale_cookie_is_ignored(client):
    client.cookies.set("yimi_locale", "xx")
    assert client.get("/").status_code == 200


def test_language_switch_never_redirects_off_site(client):
    response = client.get("/language?locale=en&next=https://evil.example", follow_redirects=False)
    assert response.headers["location"] == "/"


def test_every_page_offers_both_languages(client):
    html = client.get("/signin").text
    assert "/language?locale=zh_Hans" in html and "/language?locale=en" in html


def test_404_is_a_friendly_page(client):
    response = client.get("/no/such/page", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert "We could not find this page" in response.text and 'href="/help"' in response.text


def test_404_on_the_api_is_a_problem_document(client):
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_403_is_a_friendly_page(client, session):
    make_user(session, "plain1")
    sign_in(client, "plain1")
    response = client.get("/admin/users", headers={"Accept-Language": "en"})
    assert response.status_code == 403 and "This page is not for your role" in response.text


def test_422_is_a_friendly_page(client, session):
    make_user(session, "plain2")
    sign_in(client, "plain2")
    response = client.get("/admin/audit?before=notanumber")
    assert response.status_code in (403, 422)
    response = client.get("/language?locale=" + "x" * 50, headers={"Accept-Language": "en"})
    assert response.status_code == 422 and "Some answers need another look" in response.text


def test_429_after_too_many_sign_in_attempts(settings, monkeypatch):
    from app.core import ratelimit
    from app.core.config import get_settings
    from app.main import create_app
    from tests.conftest import csrf_token, english_client

    monkeypatch.setenv("YIMI_RATE_LIMIT_SIGN_IN", "3/minute")
    get_settings.cache_clear()
    ratelimit._limiter.cache_clear()
    with english_client(create_app()) as client:
        token = csrf_token(client)
        codes = [client.post("/signin", data={"username": "x", "password": "y", "csrf_token": token}).status_code for _ in range(4)]
        assert codes[:3] == [400, 400, 400] and codes[3] == 429
        last = client.post("/signin", data={"username": "x", "password": "y", "csrf_token": token}, headers={"Accept-Language": "en"})
        assert "Too many tries" in last.text and int(last.headers["retry-after"]) > 0


def test_500_is_a_calm_page_without_a_stack_trace(app):
    from tests.conftest import english_client

    @app.get("/boom-test")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with english_client(app) as client:
        page = client.get("/boom-test", headers={"Accept-Language": "en"})
        assert page.status_code == 500
        assert "Something went wrong on our side" in page.text
        assert "secret internals" not in page.text and "Traceback" not in page.text


def test_500_on_the_api_is_a_problem_document(app):
    from tests.conftest import english_client

    @app.get("/api/v1/boom-test")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with english_client(app) as client:
        response = client.get("/api/v1/boom-test")
        assert response.status_code == 500 and response.json()["status"] == 500
        assert "secret internals" not in response.text


def test_healthz_and_readyz(client):
    assert client.get("/healthz").json() == {"status": "ok", "detail": None}
    assert client.get("/readyz").json() == {"status": "ok"}


def test_readyz_says_when_migrations_are_behind(client, session):
    from sqlalchemy import text

    session.execute(text("UPDATE alembic_version SET version_num = 'old'"))
    session.commit()
    try:
        response = client.get("/readyz")
        assert response.status_code == 503 and "migrations" in response.json()["detail"]
    finally:
        from app.core.migrate import head_revisions

        session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": next(iter(head_revisions()))})
        session.commit()


def test_a_database_that_is_down_gets_a_calm_503(settings, monkeypatch, tmp_path):
    from app.core import db
    from app.core.config import get_settings
    from app.main import create_app
    from tests.conftest import english_client

    monkeypatch.setenv("YIMI_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    get_settings.cache_clear()
    db.dispose_engines()
    with english_client(create_app()) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 503
        client.cookies.set("yimi_session", "whatever")
        page = client.get("/staff", headers={"Accept-Language": "en"})
        assert page.status_code == 503 and "cannot reach our database" in page.text
        assert client.get("/help").status_code == 200  # help never depends on the database


def test_cli_reports_a_database_that_is_down(settings, monkeypatch):
    from typer.testing import CliRunner

    from app.cli import app as cli
    from app.core import db
    from app.core.config import get_settings

    monkeypatch.setenv("YIMI_DATABASE_URL", "postgresql+psycopg://nobody:secretpw@127.0.0.1:1/none")
    get_settings.cache_clear()
    db.dispose_engines()
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 3
    assert "Cannot reach the database" in result.output and "secretpw" not in result.output


def test_static_files_are_compressed_and_pages_are_not(client):
    """The child's page weight budget (issue 5): htmx and CSS travel gzipped; pages, which carry the CSRF
    token next to what a user typed, are never compressed (BREACH)."""
    htmx = client.get("/static/vendor/htmx-2.0.11.min.js", headers={"Accept-Encoding": "gzip"})
    assert htmx.status_code == 200 and htmx.headers["content-encoding"] == "gzip"
    assert int(htmx.headers["content-length"]) < 20_000
    page = client.get("/help", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and "content-encoding" not in page.headers
