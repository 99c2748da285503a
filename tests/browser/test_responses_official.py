"""Issue 17 in a real browser (laptop size, zh-CN; the pages again in English): an official records a decision, answers every theme (one
"not adopted", with its reason), adds two commitments, previews as a child of 6–9, and publishes. axe-core
finds nothing on any of these pages; no control is dead without JavaScript; screenshots are kept."""

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import dead_controls, msg, sign_in
from tests.browser.test_accessibility import LOCALES, Tour, choose_locale
from tests.responses.helpers import closed_consultation, official

pytestmark = pytest.mark.browser
LAPTOP = {"width": 1366, "height": 768}


@pytest.mark.parametrize("locale", LOCALES)
def test_an_official_answers_children_and_publishes(page: Page, context: BrowserContext, live_server: str, session, locale: str) -> None:
    actor = official(session, "official1")
    consultation = closed_consultation(session, actor)
    page.set_viewport_size(LAPTOP)
    choose_locale(context, live_server, locale)
    sign_in(page, live_server, "official1")
    tour = Tour(page, locale)
    base = f"{live_server}/consultations/{consultation.id}/responses"

    tour.visit(f"{live_server}/responses", "responses-awaiting")
    tour.visit(base, "responses-workspace-empty")
    expect(page.locator("#check .missing").first).to_be_visible()

    page.locator(f"a[href='/consultations/{consultation.id}/responses/decisions/new']").click()
    expect(page.locator("#decider_zh")).to_have_value("五华区住房和城乡建设局 公园项目负责人")
    expect(page.locator("#decider_en")).to_have_value("Wuhua District Housing and Construction Bureau, Head of the park project")
    page.locator("#text_zh").fill("区住建局决定增加秋千，并在游乐区种树遮阳。")
    page.locator("#reference").fill("五住建〔2026〕12号")
    tour.check("responses-decision-form")
    page.locator("form[action$='/responses/decisions'] button[type=submit]").click()
    expect(page.locator(".notice")).to_be_visible()
    tour.check("responses-decision-saved")

    for index, (outcome, reason) in enumerate((("not_adopted", "游乐区场地太小，放不下更多秋千。"), ("adopted", ""))):
        page.goto(base)
        page.locator("#themes tbody tr a").nth(index).click()
        page.locator(f"input[name=outcome][value={outcome}]").check()
        if reason:
            page.locator("#reason_zh").fill(reason)
        page.locator("#explanation_zh").fill("经研究，区住建局作出以上决定。")
        page.locator("#child_6-9_zh").fill("你们的想法我们都看了。" if index else "秋千放不下了，对不起。")
        page.locator("#child_14-17_zh").fill("我们认真考虑了你们的意见。")
        page.locator("#decision_id").select_option(index=1)
        if index == 0:
            tour.check("responses-theme-form")
        page.locator("form.stack button[type=submit]").first.click()
        expect(page.locator(".notice")).to_be_visible()

    for action, department in (("增加四个新秋千", "五华区住建局"), ("在游乐区种二十棵树", "五华区园林局")):
        page.locator("#action_zh").fill(action)
        page.locator("#department_zh").fill(department)
        page.locator("#due_on").fill("2027-06-01")
        page.locator("form[action$='/responses/commitments'] button[type=submit]").click()
        expect(page.locator(".notice")).to_be_visible()
    expect(page.locator("#commitments li")).to_have_count(2)
    expect(page.locator("#check .missing")).to_have_count(0)
    tour.check("responses-workspace-ready")
    assert dead_controls(page) == []

    tour.visit(f"{base}/preview?reader=6-9", "responses-preview-child-6-9")
    if locale == "zh_Hans":  # the English page shows the Chinese words where no English was written
        expect(page.get_by_text("秋千放不下了，对不起。")).to_be_visible()
    expect(page.get_by_text("经研究，区住建局作出以上决定。")).to_have_count(0)  # a child never reads the adult words
    tour.visit(f"{base}/preview?reader=public", "responses-preview-public")
    tour.visit(f"{base}/preview?reader=guardian", "responses-preview-guardian")

    page.goto(base)
    page.locator("form[action$='/responses/publish'] button[type=submit]").click()
    expect(page.locator(".notice")).to_have_text(msg("Published. Children, guardians and the public can now read the response.", locale))
    tour.check("responses-published")
    tour.visit(f"{base}/publications/1", "responses-version-1")
    tour.assert_clean()
