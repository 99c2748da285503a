"""Help without signing in (A11Y-10, CON-15, SG-06): the same place on every page, big enough to tap,
and readable at 200 % text or on a narrow screen without scrolling sideways (A11Y-01, A11Y-06)."""

import pytest
from playwright.sync_api import Page, expect

from app.accounts.models import Role
from tests.browser.conftest import horizontal_overflow, msg, sign_in, small_targets
from tests.conftest import make_user

pytestmark = pytest.mark.browser



def help_button(page: Page):  # noqa: ANN201
    return page.locator("header.site-header").get_by_role("link", name=msg("Help"), exact=True)


def assert_help_page(page: Page, base_url: str) -> None:
    expect(page).to_have_url(f"{base_url}/help")
    expect(page.locator("a[href='tel:12355']")).to_be_visible()
    expect(page.locator("a[href='tel:12355']")).to_contain_text("12355")
    expect(page.locator("a[href='tel:110']")).to_be_visible()
    expect(page.locator("a[href='tel:110']")).to_contain_text("110")


def test_help_is_in_the_header_of_every_page_and_needs_no_sign_in(
    page: Page, live_server: str, session
) -> None:
    make_user(session, "admin1", [Role.ADMIN])
    places = []

    for start in ("/", "/signin"):
        page.goto(f"{live_server}{start}")
        places.append(help_button(page).bounding_box())
        help_button(page).click()
        assert_help_page(page, live_server)

    sign_in(page, live_server, "admin1")
    places.append(help_button(page).bounding_box())
    help_button(page).click()
    assert_help_page(page, live_server)

    # The same place on every page (WCAG 3.2.6 Consistent Help).
    first = places[0]
    for box in places[1:]:
        assert abs(box["x"] - first["x"]) <= 1 and abs(box["y"] - first["y"]) <= 1, places




@pytest.mark.parametrize("path", ["/help", "/signin"])
def test_touch_targets_are_big_and_the_page_reflows(page: Page, live_server: str, path: str) -> None:
    page.goto(f"{live_server}{path}")
    page.wait_for_load_state("load")
    assert small_targets(page) == []
    assert horizontal_overflow(page) <= 0

    # 200 % text on the tablet (WCAG 1.4.4).
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    assert horizontal_overflow(page) <= 0, "sideways scrolling at 200 % text"
    assert small_targets(page) == []

    # Reflow (WCAG 1.4.10): the tablet at 200 % zoom is 410 CSS px wide; 320 px is the criterion's figure.
    page.evaluate("document.documentElement.style.fontSize = ''")
    for width in (410, 320):
        page.set_viewport_size({"width": width, "height": 900})
        assert horizontal_overflow(page) <= 0, f"sideways scrolling at {width} px"
        assert small_targets(page) == [], f"small targets at {width} px"
