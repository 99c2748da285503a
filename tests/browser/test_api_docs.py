"""The API documentation page works in a real browser (issue 18; issue 13.9): Swagger UI served from this
server renders the operations, the page's strict CSP blocks nothing it needs, and axe-core finds nothing."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_api_documentation_renders_from_this_server(page: Page, live_server: str, locale: str) -> None:
    blocked: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((live_server, "data:")) else None)
    page.set_extra_http_headers({"Accept-Language": locale})
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server}/api/docs")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator(".opblock-tag").first).to_be_visible(timeout=15000)
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/accounts/me").first).to_be_attached()
    assert blocked == [], blocked
    assert outside == [], outside
    assert page.evaluate("document.documentElement.lang")
    assert_accessible(page, f"api-docs-{locale}")
