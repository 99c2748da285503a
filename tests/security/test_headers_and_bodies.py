"""Security headers on every response; bad bodies get a clear answer and leave nothing half-written."""

import pytest
from sqlmodel import select

from app.accounts.models import Role, StaffUser
from tests.conftest import csrf_token, make_user


@pytest.mark.parametrize("path", ["/", "/help", "/signin", "/nope", "/healthz", "/static/css/app.css", "/api/v1/help"])
def test_security_headers(client, path):
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"


def test_pages_are_not_cached_on_shared_devices(client):
    assert client.get("/signin").headers["cache-control"] == "no-store"


def test_no_page_refers_to_another_host(client):
    """No CDN, no web fonts, no external request of any kind (SEC-06)."""
    import re

    for path in ("/", "/help", "/signin"):
        html = client.get(path).text
        for url in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert not re.match(r"^(https?:)?//", url), f"{path} refers to {url}"


def test_production_cookies_are_secure_and_hsts_is_sent(settings, monkeypatch, session):
    from app.core.config import get_settings
    from app.main import create_app
    from tests.conftest import english_client

    make_user(session, "produsr", [Role.ANALYST])
    monkeypatch.setenv("YIMI_ENV", "production")
    monkeypatch.setenv("YIMI_PASSWORD_MEMORY_KIB", "19456")
    monkeypatch.setenv("YIMI_PASSWORD_ROUNDS", "2")
    monkeypatch.setenv("YIMI_CODE_MEMORY_KIB", "19456")
    monkeypatch.setenv("YIMI_CODE_ROUNDS", "2")
    get_settings.cache_clear()
    with english_client(create_app(), base_url="https://testserver") as client:
        page = client.get("/signin")
        assert "Secure" in page.headers["set-cookie"]
        assert "max-age" in page.headers["strict-transport-security"]
        token = csrf_token(client)
        response = client.post("/signin", data={"username": "produsr", "password": "correct horse battery", "csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303
        assert "Secure" in response.headers["set-cookie"] and "HttpOnly" in response.headers["set-cookie"]


def test_an_oversized_body_is_refused_with_413(client, session):
    make_user(session, "teacher", [Role.FACILITATOR])
    token = csrf_token(client)
    response = client.post("/signin", data={"username": "teacher", "password": "x" * (3 * 1024 * 1024), "csrf_token": token})
    assert response.status_code == 413
    assert "too large" in response.text
    user = session.exec(select(StaffUser).where(StaffUser.username == "teacher")).one()
    assert user.failed_sign_ins == 0


def test_an_oversized_chunked_body_is_refused(client):
    def chunks():
        for _ in range(40):
            yield b"a" * 100_000

    response = client.post("/signin", content=chunks(), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413


def test_a_form_that_is_not_utf8_gets_a_clear_400(client, session):
    make_user(session, "teacher", [Role.FACILITATOR])
    token = csrf_token(client)
    body = f"username=%FF%FEteacher&password=abc&csrf_token={token}".encode()
    response = client.post("/signin", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400
    assert "We could not read this form" in response.text


def test_raw_non_utf8_bytes_are_refused_too(client):
    response = client.post("/signin", content=b"username=\xff\xfe", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400


def test_a_malformed_multipart_body_is_a_clear_400(admin_client):
    token = csrf_token(admin_client, "/account")
    response = admin_client.post(
        "/account/signout-everywhere",
        content=b"--xx\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" + token.encode(),
        headers={"Content-Type": "multipart/form-data; boundary=yy"},
        follow_redirects=False,
    )
    assert response.status_code in (400, 403)
    assert "Traceback" not in response.text


def test_malformed_json_on_the_api_is_a_problem_document(client):
    response = client.post("/api/v1/accounts/users", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.status_code in (401, 422)


def test_a_bad_content_length_is_refused(client):
    response = client.post("/signin", content=b"a=b", headers={"Content-Length": "abc", "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400


def test_a_method_the_address_does_not_take_names_every_one_it_does(client):
    """Issue 13: two routes share /api/v1/accounts/users (GET and POST); the 405 names both, as the schema does."""
    response = client.request("OPTIONS", "/api/v1/accounts/users")
    assert response.status_code == 405 and response.headers["allow"] == "GET, POST"
    assert response.headers["content-type"].startswith("application/problem+json")
