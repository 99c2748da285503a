"""The API's description and documentation (issue 13, point 9; issue 18): in production only signed-in staff
read /openapi.json and /api/docs (a setting opens them), in development they are open; the page is served from
this server (no CDN), with a language and a heading."""

import re

import pytest

from app.accounts import actions as accounts
from app.accounts.models import Role
from app.core.config import get_settings
from tests.conftest import PASSWORD, csrf_token, english_client, make_user


@pytest.fixture
def production(settings, monkeypatch):  # noqa: ANN201
    monkeypatch.setenv("YIMI_ENV", "production")
    monkeypatch.setenv("YIMI_PASSWORD_MEMORY_KIB", "19456")
    monkeypatch.setenv("YIMI_PASSWORD_ROUNDS", "2")
    monkeypatch.setenv("YIMI_CODE_MEMORY_KIB", "19456")
    monkeypatch.setenv("YIMI_CODE_ROUNDS", "2")
    get_settings.cache_clear()
    from app.main import create_app

    return create_app()


def test_in_production_nobody_signed_out_reads_the_api_description(production):
    with english_client(production, base_url="https://testserver") as client:
        described = client.get("/openapi.json")
        assert described.status_code == 401
        assert described.headers["content-type"].startswith("application/problem+json")
        page = client.get("/api/docs", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == "/signin?next=/api/docs"


def test_in_production_signed_in_staff_and_api_tokens_read_it(production, session):
    user = make_user(session, "docs-reader", [Role.ANALYST])
    _, raw = accounts.issue_token(session=session, actor=user, user=user, name="docs")
    with english_client(production, base_url="https://testserver") as client:
        assert client.get("/openapi.json", headers={"Authorization": f"Bearer {raw}"}).json()["info"]["title"] == "Yimi API"
        token = csrf_token(client)
        signed_in = client.post("/signin", data={"username": "docs-reader", "password": PASSWORD, "csrf_token": token, "next": "/api/docs"},
                                follow_redirects=False)
        assert signed_in.headers["location"] == "/api/docs"
        assert client.get("/openapi.json").status_code == 200
        assert client.get("/api/docs").status_code == 200


def test_a_setting_opens_them_in_production(production, monkeypatch):
    monkeypatch.setenv("YIMI_API_DOCS_PUBLIC", "true")
    get_settings.cache_clear()
    with english_client(production, base_url="https://testserver") as client:
        assert client.get("/openapi.json").status_code == 200


def test_in_development_the_documentation_is_open_and_served_from_this_server(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert re.search(r'<html lang="[^"]+"', page.text) and "<h1>" in page.text
    for url in re.findall(r'(?:src|href)="([^"]+)"', page.text):
        assert not re.match(r"^(https?:)?//", url), url
        if url.startswith("/static/"):
            assert client.get(url).status_code == 200, url
    assert client.get("/openapi.json").json()["openapi"].startswith("3.")
