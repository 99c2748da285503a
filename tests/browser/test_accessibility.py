"""axe-core finds nothing on any page, in Chinese and in English; a screenshot of each is kept.

Each test walks several pages and reports every page's problems at once, so one run shows all there is to fix.
"""

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from app.accounts.models import Role
from app.core.i18n import LOCALE_COOKIE
from tests.browser.conftest import accessibility_problems, sign_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser

LOCALES = ["zh_Hans", "en"]


def choose_locale(context: BrowserContext, base_url: str, locale: str) -> None:
    """The cookie the language switch sets (the switch itself is tested in test_language)."""
    context.add_cookies([{"name": LOCALE_COOKIE, "value": locale, "url": base_url}])


class Tour:
    """Visits pages, collecting axe's findings for all of them."""

    def __init__(self, page: Page, locale: str) -> None:
        self.page, self.locale, self.problems = page, locale, []

    def check(self, name: str) -> None:
        self.page.wait_for_load_state("load")
        found = accessibility_problems(self.page, f"{self.locale}-{name}")
        if found:
            self.problems.append(f"{self.page.url}\n{found}")

    def visit(self, url: str, name: str, status: int = 200) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status == status, f"{url}: {response and response.status}"
        self.check(name)

    def assert_clean(self) -> None:
        assert not self.problems, "axe found violations:\n" + "\n".join(self.problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_public_pages_have_no_accessibility_violations(
    page: Page, context: BrowserContext, live_server: str, locale: str, session
) -> None:
    make_user(session, "admin1", [Role.ADMIN])
    choose_locale(context, live_server, locale)
    tour = Tour(page, locale)

    tour.visit(f"{live_server}/", "home")
    tour.visit(f"{live_server}/help", "help")
    tour.visit(f"{live_server}/signin", "signin")
    page.locator("#username").fill("admin1")
    page.locator("#password").fill("wrong password")
    page.locator("form[action='/signin'] button[type=submit]").click()
    expect(page.get_by_role("alert")).to_be_visible()
    tour.check("signin-error")
    tour.visit(f"{live_server}/no-such-page", "not-found", status=404)
    tour.assert_clean()


@pytest.mark.parametrize("locale", LOCALES)
def test_staff_pages_have_no_accessibility_violations(
    page: Page, context: BrowserContext, live_server: str, locale: str, session
) -> None:
    make_user(session, "admin1", [Role.ADMIN])
    moderator = make_user(session, "mod1", [Role.MODERATOR, Role.FACILITATOR], trained=False)
    choose_locale(context, live_server, locale)
    sign_in(page, live_server, "admin1")
    tour = Tour(page, locale)

    tour.check("staff")
    tour.visit(f"{live_server}/account", "account")
    tour.visit(f"{live_server}/account/password", "account-password")
    page.locator("#current_password").fill("not my password")
    page.locator("#new_password").fill("a brand new sentence")
    page.locator("#confirm_password").fill("a brand new sentence")
    page.locator("form[action='/account/password'] button[type=submit]").click()
    expect(page.get_by_role("alert")).to_be_visible()
    tour.check("account-password-error")

    tour.visit(f"{live_server}/admin/users", "admin-users")
    tour.visit(f"{live_server}/admin/users/{moderator.id}", "admin-user")
    tour.visit(f"{live_server}/admin/users/new", "admin-user-new")
    page.locator("#display_name").fill("Teacher Wang")
    page.locator("#username").fill("wang.teacher")
    page.locator("input[name=roles][value=facilitator]").check()
    page.locator("form[action='/admin/users'] button[type=submit]").click()
    expect(page.locator(".secret code")).to_be_visible()
    tour.check("admin-temporary-password")

    tour.visit(f"{live_server}/admin/audit", "admin-audit")
    tour.visit(f"{live_server}/admin/audit/verify", "admin-audit-verify")
    tour.visit(f"{live_server}/admin/users/9999", "staff-not-found", status=404)
    tour.assert_clean()


def test_the_axe_check_reports_what_it_finds(page: Page) -> None:
    """The check above is not vacuous: a page with known faults is reported, with the offending element."""
    page.set_content("<html><head><title>t</title></head><body><main><img src='x.png'></main></body></html>")
    problems = accessibility_problems(page, None)
    assert "image-alt" in problems and "html-has-lang" in problems
    assert "at img" in problems
