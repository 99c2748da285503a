"""Staff sign-in and sign-out through the real form, with and without JavaScript."""

import re

import pytest
from playwright.sync_api import Page, expect

from app.accounts.models import Role
from app.accounts.service import SignInFailed
from app.core.templating import NOTICES
from tests.browser.conftest import msg, sign_in
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser


def test_staff_signs_in_and_out_through_the_form(page: Page, live_server: str, session) -> None:
    make_user(session, "admin1", [Role.ADMIN])

    page.goto(f"{live_server}/signin")
    page.get_by_label(msg("Username")).fill("admin1")
    page.get_by_label(msg("Password")).fill(PASSWORD)
    page.get_by_role("button", name=msg("Sign in"), exact=True).click()

    expect(page).to_have_url(f"{live_server}/staff")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Admin1")
    expect(page.locator(".staff-nav .who")).to_have_text("Admin1")

    page.locator(".staff-nav").get_by_role("button", name=msg("Sign out")).click()

    expect(page).to_have_url(f"{live_server}/signin?done=signed_out")
    expect(page.get_by_role("status")).to_have_text(msg(NOTICES["signed_out"]))
    expect(page.locator(".staff-nav")).to_have_count(0)

    page.goto(f"{live_server}/staff")
    expect(page).to_have_url(re.compile(r"/signin\?next=(/|%2F)staff$"))
    expect(page.locator("#username")).to_be_visible()


def test_wrong_password_shows_the_error_and_keeps_the_username(page: Page, live_server: str, session) -> None:
    make_user(session, "admin1", [Role.ADMIN])

    page.goto(f"{live_server}/signin")
    page.locator("#username").fill("admin1")
    page.locator("#password").fill("not the password")
    page.locator("form[action='/signin'] button[type=submit]").click()

    error = page.get_by_role("alert")
    expect(error).to_be_visible()
    expect(error).to_contain_text(msg(SignInFailed.detail))
    expect(page.locator("#username")).to_have_value("admin1")
    expect(page.locator("#password")).to_have_value("")
    expect(page.locator(".staff-nav")).to_have_count(0)


def test_sign_in_and_out_work_without_javascript(new_context, live_server: str, session) -> None:
    make_user(session, "admin1", [Role.ADMIN])
    context = new_context(java_script_enabled=False)
    page = context.new_page()

    sign_in(page, live_server, "admin1")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Admin1")
    # No page script ran: htmx was never loaded.
    assert page.evaluate("typeof window.htmx") == "undefined"

    page.locator(".staff-nav form[action='/signout'] button").click()
    expect(page).to_have_url(f"{live_server}/signin?done=signed_out")
    expect(page.get_by_role("status")).to_have_text(msg(NOTICES["signed_out"]))
