"""The shared tablet in a real browser, iPad-sized, in zh-CN: a facilitator opens a group session from the
group's page; two children sign in one after the other by tapping pictures; each sees their own home and
taps "I'm done". axe-core finds nothing on the avatar grid, the picture code and the home screen. The same
sign-in works with JavaScript switched off."""

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import assert_accessible, msg, sign_in
from tests.corps.tablet_helpers import classroom

pytestmark = pytest.mark.browser


def _open_tablet(page: Page, base: str, room) -> None:  # noqa: ANN001
    sign_in(page, base, room.facilitator.username)
    page.goto(f"{base}/corps/groups/{room.group.id}")
    page.get_by_role("button", name=msg("Open a tablet for this group")).click()
    expect(page).to_have_url(f"{base}/tablet")


def _tap(page: Page, code: list[str]) -> None:
    for picture in code:
        page.locator(f"button.picture-button[value={picture}]").click()


def test_two_children_sign_in_one_after_the_other(page: Page, live_server: str, session) -> None:
    room = classroom(session, size=2)
    (first, first_code), (second, second_code) = room.children
    _open_tablet(page, live_server, room)
    expect(page.locator(".staff-nav")).to_have_count(0)  # the facilitator is signed out on the tablet
    assert_accessible(page, "zh_Hans-tablet-grid")

    for child, code, shot in ((first, first_code, True), (second, second_code, False)):
        page.get_by_role("link", name=child.display_name).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(child.display_name)
        if shot:
            assert_accessible(page, "zh_Hans-tablet-code")
        _tap(page, code[:2])
        expect(page.locator(".dot.filled")).to_have_count(2)
        page.locator(f"button.picture-button[value={code[2]}]").click()
        expect(page).to_have_url(f"{live_server}/me")
        expect(page.get_by_role("heading", level=1)).to_contain_text(child.display_name)
        other = second if child is first else first
        expect(page.locator("main")).not_to_contain_text(other.display_name)
        if shot:
            assert_accessible(page, "zh_Hans-tablet-home")
        page.get_by_role("button", name=msg("I'm done")).click()
        expect(page).to_have_url(f"{live_server}/tablet?done=see_you")
        assert not [c for c in page.context.cookies() if c["name"] == "yimi_child"]

    # Staff pages stay out of reach from the tablet.
    page.goto(f"{live_server}/staff")
    expect(page).to_have_url(f"{live_server}/tablet")


def test_a_wrong_code_is_kind_and_the_grid_is_accessible_in_english(page: Page, live_server: str, session) -> None:
    room = classroom(session, size=1)
    child, code = room.children[0]
    _open_tablet(page, live_server, room)
    page.goto(f"{live_server}/language?locale=en&next=/tablet")
    page.get_by_role("link", name=child.display_name).click()
    _tap(page, [code[0], code[1], "boat" if code[2] != "boat" else "sun"])
    expect(page.get_by_role("alert")).to_contain_text("Those pictures are not right")
    assert_accessible(page, "en-tablet-code-wrong")


def test_the_idle_warning_appears_at_eight_minutes_and_one_tap_keeps_the_child(page: Page, live_server: str, session) -> None:
    room = classroom(session, size=1)
    child, code = room.children[0]
    _open_tablet(page, live_server, room)
    page.get_by_role("link", name=child.display_name).click()
    page.clock.install()
    _tap(page, code)
    expect(page).to_have_url(f"{live_server}/me")
    warning = page.locator("#idle-warning")
    page.clock.fast_forward("07:50")
    expect(warning).to_be_hidden()
    page.clock.fast_forward("00:15")  # 8 minutes and 5 seconds without a tap
    expect(warning).to_be_visible()
    expect(page.get_by_role("button", name=msg("I'm still here"))).to_be_focused()
    assert_accessible(page, "zh_Hans-tablet-idle-warning")
    with page.expect_response(lambda r: r.url.endswith("/me/still-here")) as answer:
        page.get_by_role("button", name=msg("I'm still here")).click()
    assert answer.value.status == 204
    expect(warning).to_be_hidden()
    expect(page).to_have_url(f"{live_server}/me")


def test_sign_in_works_without_javascript(browser: Browser, live_server: str, session, browser_context_args) -> None:
    room = classroom(session, size=1)
    child, code = room.children[0]
    context = browser.new_context(**{**browser_context_args, "java_script_enabled": False})
    page = context.new_page()
    try:
        _open_tablet(page, live_server, room)
        page.get_by_role("link", name=child.display_name).click()
        _tap(page, code)
        expect(page).to_have_url(f"{live_server}/me")
        expect(page.get_by_role("heading", level=1)).to_contain_text(child.display_name)
    finally:
        context.close()
