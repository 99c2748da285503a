"""The language switch on every page: Chinese by default, English on request, and the choice sticks."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_language_switch_changes_the_page_and_sticks(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("nav.lang a")).to_have_text(["中文", "English"])
    expect(page.locator("nav.lang a[aria-current=true]")).to_have_text("中文")

    page.locator("nav.lang").get_by_role("link", name="English").click()
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Yimi: see the city from one metre high")
    expect(page.locator("nav.lang a[aria-current=true]")).to_have_text("English")

    # The next page stays English.
    page.locator("header").get_by_role("link", name="Help").click()
    expect(page).to_have_url(f"{live_server}/help")
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Do you need help?")

    # And back to Chinese, on the same page.
    page.locator("nav.lang").get_by_role("link", name="中文").click()
    expect(page).to_have_url(f"{live_server}/help")
    expect(html).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("nav.lang a[aria-current=true]")).to_have_text("中文")
