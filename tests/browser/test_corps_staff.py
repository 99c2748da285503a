"""The staff side of the corps in a real browser: axe-core finds nothing on the group, enrolment, card,
child, identity and import pages (tablet viewport, Chinese and English); enrolment works without JavaScript."""

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from app.accounts.models import Role
from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import LOCALES, Tour, choose_locale
from tests.conftest import make_user
from tests.corps.staff_helpers import born, make_child, make_group

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", LOCALES)
def test_corps_staff_pages_have_no_accessibility_violations(
    page: Page, context: BrowserContext, live_server: str, locale: str, session, tmp_path
) -> None:
    teacher = make_user(session, "teacher1", [Role.FACILITATOR])
    make_user(session, "admin1", [Role.ADMIN])
    group = make_group(session, facilitators=[teacher])
    child, _ = make_child(session, group, "Rocket", age=15, real_name="王小明")
    choose_locale(context, live_server, locale)
    sign_in(page, live_server, "admin1")
    tour = Tour(page, locale)

    tour.visit(f"{live_server}/corps/districts", "corps-districts")
    tour.visit(f"{live_server}/corps/groups", "corps-groups")
    tour.visit(f"{live_server}/corps/groups/{group.id}", "corps-group")
    tour.visit(f"{live_server}/corps/groups/{group.id}/children/new", "corps-enrol")
    page.locator("#display_name").fill("张伟")
    page.locator("input[name=avatar][value=owl]").check()
    page.locator("#birth_year").select_option(str(born(9)))
    page.locator("#birth_month").select_option("3")
    page.locator("form[action$='/children'] button[type=submit]").click()
    expect(page.get_by_role("alert")).to_be_visible()
    tour.check("corps-enrol-real-name")
    page.locator("input[name=confirmed_nickname]").check()
    page.locator("form[action$='/children'] button[type=submit]").click()
    expect(page.locator(".picture-card")).to_have_count(1)
    tour.check("corps-card")

    tour.visit(f"{live_server}/corps/children/{child.id}", "corps-child")
    tour.visit(f"{live_server}/corps/children/{child.id}/identity", "corps-identity")
    page.locator("#reason").fill("Checking the record for the report")
    page.locator("form[action$='/identity'] button[type=submit]").click()
    expect(page.get_by_text("王小明").first).to_be_visible()
    tour.check("corps-identity-shown")

    tour.visit(f"{live_server}/corps/groups/{group.id}/import", "corps-import")
    bad = tmp_path / "class.csv"
    bad.write_text(f"display_name,birth_year,birth_month\nSunny,{born(10)},3\nMoon,{born(10)},13\n", encoding="utf-8")
    page.locator("#file").set_input_files(str(bad))
    page.locator("form[action$='/import'] button[type=submit]").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    tour.check("corps-import-bad")
    good = tmp_path / "good.csv"
    good.write_text(f"display_name,birth_year,birth_month\nSunny,{born(10)},3\nMoon,{born(10)},12\n", encoding="utf-8")
    page.locator("#file").set_input_files(str(good))
    page.locator("form[action$='/import'] button[type=submit]").click()
    page.locator("form[action$='/import/confirm'] button[type=submit]").click()
    expect(page.locator(".picture-card")).to_have_count(2)
    tour.check("corps-import-cards")
    tour.assert_clean()


def test_a_facilitator_enrols_a_child_without_javascript(browser, live_server: str, session) -> None:
    teacher = make_user(session, "teacher1", [Role.FACILITATOR])
    group = make_group(session, facilitators=[teacher])
    context = browser.new_context(java_script_enabled=False, viewport={"width": 820, "height": 1180}, locale="en-GB")
    page = context.new_page()
    try:
        sign_in(page, live_server, "teacher1")
        page.goto(f"{live_server}/corps/groups/{group.id}/children/new")
        page.locator("#display_name").fill("小星星")
        page.locator("label:has(input[value=fox])").click()  # the whole label is the target
        page.locator("#birth_year").select_option(str(born(8)))
        page.locator("#birth_month").select_option("5")
        page.locator("form[action$='/children'] button[type=submit]").click()
        expect(page.locator(".picture-card .pseudonym")).to_have_text("小星星")
        expect(page.locator(".picture-code li")).to_have_count(3)
    finally:
        context.close()
