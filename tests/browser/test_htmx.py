"""htmx with JavaScript on: fragments swap in place, and app.js sends the CSRF token as a header."""

import re

import pytest
from playwright.sync_api import Page, expect

from app.accounts.models import Role
from tests.browser.conftest import msg, msg_n, sign_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser

# Set on `window` before an action: if it survives, the page was not reloaded.
MARK = "window.__yimiNoReload = true"
STILL_SAME_PAGE = "window.__yimiNoReload === true"


def test_searching_staff_accounts_filters_the_table_in_place(page: Page, live_server: str, session) -> None:
    make_user(session, "admin1", [Role.ADMIN])
    make_user(session, "zhang.mod", [Role.MODERATOR])
    make_user(session, "li.teacher", [Role.FACILITATOR])
    sign_in(page, live_server, "admin1")

    page.goto(f"{live_server}/admin/users")
    rows = page.locator("#results tbody tr")
    status = page.locator("#results-status")
    expect(rows).to_have_count(3)
    expect(status).to_have_text(msg_n("%(num)d staff account", "%(num)d staff accounts", 3))
    page.evaluate(MARK)
    # Screen readers announce a change inside a live region that stays in the page, not a new one.
    page.evaluate("document.getElementById('results-status').dataset.original = 'yes'")

    page.locator("#q").press_sequentially("zhang", delay=20)

    expect(page).to_have_url(re.compile(r"/admin/users\?.*q=zhang"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("zhang.mod")
    assert page.evaluate(STILL_SAME_PAGE), "the search reloaded the whole page"
    expect(status).to_have_text(msg_n("%(num)d staff account", "%(num)d staff accounts", 1))
    expect(status).to_have_attribute("data-original", "yes")
    expect(status).to_have_count(1)

    # The role filter too.
    page.locator("#q").fill("")
    page.locator("#role").select_option("facilitator")
    expect(page).to_have_url(re.compile(r"role=facilitator"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("li.teacher")
    assert page.evaluate(STILL_SAME_PAGE)


def test_recording_training_posts_with_the_csrf_header_and_updates_the_roles(
    page: Page, live_server: str, session
) -> None:
    make_user(session, "admin1", [Role.ADMIN])
    moderator = make_user(session, "mod1", [Role.MODERATOR], trained=False)
    sign_in(page, live_server, "admin1")
    page.goto(f"{live_server}/admin/users/{moderator.id}")
    page.wait_for_load_state("load")
    roles = page.locator("#roles")
    expect(roles.locator(".badge.wait")).to_have_text(msg("training not recorded"))

    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    # Only the header can carry the token now: the form's hidden field is gone.
    page.evaluate(
        "document.querySelectorAll('#roles form[hx-post] input[name=csrf_token]').forEach(e => e.remove())"
    )
    page.evaluate(MARK)
    roles.locator("input[name=note]").fill("Child safeguarding course, May")
    with page.expect_request(lambda r: r.method == "POST" and "/training/moderator" in r.url) as posted:
        roles.locator("input[name=note]").press("Enter")

    request = posted.value
    assert request.headers.get("x-csrf-token") == token
    assert request.headers.get("hx-request") == "true"
    assert request.response().status == 200
    notice = roles.get_by_role("status")
    expect(notice).to_have_text(msg("Training recorded. The role can act now."))
    # The form that had focus is gone; focus lands on the notice, not back at the top of the page.
    expect(notice).to_be_focused()
    expect(roles.locator(".badge.ok")).to_be_visible()
    expect(roles.locator(".badge.wait")).to_have_count(0)
    expect(roles.locator("form[hx-post]")).to_have_count(0)
    assert page.evaluate(STILL_SAME_PAGE), "recording training reloaded the whole page"
    expect(page.locator("#roles")).to_have_count(1)
