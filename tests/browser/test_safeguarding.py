"""Safeguarding in a real browser (iPad, zh-CN): a child taps "I need help", sends, and sees the calm screen
(SG-05, SG-06); a safeguarding officer sees the alert banner, acknowledges, records actions (a mandatory
report with its reference) and closes the case (SG-01, SG-04, MP-07). axe-core finds nothing on any page."""

import pytest
from playwright.sync_api import Browser, Page, expect

from app.accounts.models import Role
from tests.browser.conftest import TABLET, assert_accessible, msg, sign_in
from tests.conftest import make_user
from tests.consultations.helpers import load_notices, take_part
from tests.corps.tablet_helpers import classroom
from tests.safeguarding.helpers import officer

pytestmark = pytest.mark.browser


def test_a_child_asks_for_help_and_an_officer_acts(page: Page, browser: Browser, live_server: str, session) -> None:
    load_notices(session)
    room = classroom(session, size=1)
    child, code = room.children[0]
    take_part(session, child)
    officer(session, "officer1", contact="13800000001", on_duty=True)

    # The child on the tablet.
    sign_in(page, live_server, room.facilitator.username)
    page.goto(f"{live_server}/corps/groups/{room.group.id}")
    page.locator("form[action$='/tablet'] button[type=submit]").click()
    page.wait_for_url(f"{live_server}/tablet")
    page.get_by_role("link", name=child.display_name).click()
    for picture in code:
        page.locator(f"button.picture-button[value={picture}]").click()
    page.wait_for_url(f"{live_server}/me")
    button = page.locator("header a.need-help-button")
    expect(button).to_contain_text(msg("I need help"))
    box = button.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    button.click()
    page.wait_for_url(f"{live_server}/help/request")
    assert_accessible(page, "zh-safeguarding-help-request")
    page.locator("#help-text").fill("有人打我")
    page.locator("form.safeguarding-ask-form button[type=submit]").click()
    page.wait_for_url(f"{live_server}/me/help/thanks")
    expect(page.locator("#calm-title")).to_have_text(msg("Thank you for telling us"))
    expect(page.locator("a[href='tel:12355']")).to_be_visible()
    expect(page.locator("a[href='tel:110']")).to_be_visible()
    assert "保密" not in page.content()
    assert_accessible(page, "zh-safeguarding-calm")

    # The officer, on their own device.
    context = browser.new_context(viewport=TABLET, locale="zh-CN", has_touch=True)
    staff = context.new_page()
    sign_in(staff, live_server, "officer1")
    banner = staff.locator("a.safeguarding-banner")
    expect(banner).to_be_visible()
    banner.click()
    assert_accessible(staff, "zh-safeguarding-cases")
    staff.locator("table a").first.click()
    expect(staff.locator("blockquote.sg-words")).to_have_text("有人打我")
    assert_accessible(staff, "zh-safeguarding-case-new")
    staff.locator("form[action$='/acknowledge'] button").click()
    expect(staff.locator("a.safeguarding-banner")).to_have_count(0)
    staff.locator("input[name=assessment][value=at_risk]").check()
    staff.locator("form:has(input[value=assessed]) button[type=submit]").click()
    staff.locator("#kind").select_option("report_police")
    staff.locator("#reference").fill("PSB-2026-0042")
    staff.locator("#action-note").fill("已向派出所报告")
    staff.locator("form:has(#kind) button[type=submit]").click()
    expect(staff.locator("#actions")).to_contain_text("PSB-2026-0042")
    assert_accessible(staff, "zh-safeguarding-case-acting")
    staff.locator("#outcome").select_option("referred")
    staff.locator("form[action$='/close'] button[type=submit]").click()
    expect(staff.locator("h1")).to_contain_text(msg("Closed"))
    assert_accessible(staff, "zh-safeguarding-case-closed")
    staff.goto(f"{live_server}/safeguarding/duty")
    assert_accessible(staff, "zh-safeguarding-duty")
    context.close()


def test_help_request_and_calm_screen_without_sign_in(page: Page, live_server: str, session) -> None:
    make_user(session, "admin1", [Role.ADMIN])
    page.goto(f"{live_server}/help")
    page.locator("a.need-help").click()
    page.wait_for_url(f"{live_server}/help/request")
    page.locator("form.safeguarding-ask-form button[type=submit]").click()
    page.wait_for_url(f"{live_server}/help/thanks")
    assert_accessible(page, "zh-safeguarding-calm-visitor")
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
