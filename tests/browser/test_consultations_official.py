"""An official in a real browser (iPad, Chinese and English): creates a consultation, adds questions, is
refused scheduling with the Lundy checklist (PAR-01), fills it in, schedules it. axe-core finds nothing on
the list, the form, the detail, the results and the project library pages; screenshots are kept."""

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import LOCALES, Tour, choose_locale
from tests.consultations.helpers import official
from tests.corps.staff_helpers import make_group

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", LOCALES)
def test_an_official_prepares_and_schedules_a_consultation(page: Page, context: BrowserContext, live_server: str, locale: str, session) -> None:
    official(session, "official1")
    group = make_group(session, "class-a")
    choose_locale(context, live_server, locale)
    sign_in(page, live_server, "official1")
    tour = Tour(page, locale)

    # A project for the library first.
    tour.visit(f"{live_server}/projects/new", "project-form")
    page.locator("#name_zh").fill("翠湖公园儿童游乐区改造")
    page.locator("#department_zh").fill("五华区住房和城乡建设局")
    page.locator("#budget_yuan").fill("1200000")
    page.locator("#impact_assessment_zh").fill("每周约有三千名儿童使用这个游乐区。")
    page.locator("form[action='/projects'] button[type=submit]").click()
    expect(page.locator(".notice")).to_be_visible()
    tour.check("project-detail")

    tour.visit(f"{live_server}/consultations", "consultations-list")
    tour.visit(f"{live_server}/consultations/new", "consultation-form")
    page.locator("#title_zh").fill("翠湖公园儿童游乐区改造")
    page.locator("#title_en").fill("New play area at Green Lake Park")
    page.locator("form.consultation-form button[type=submit]").click()
    expect(page.locator("#lundy .missing").first).to_be_visible()
    consultation_url = page.url.split("?")[0]
    tour.check("consultation-draft")

    # Two questions: a choice with pictures, and a short text (two ways to answer, PAR-04).
    page.locator("#kind").select_option("single")
    page.locator("#prompt_zh").fill("你最想要游乐区里有什么？")
    page.locator("#option_0_zh").fill("秋千")
    page.locator("#option_0_pictogram").select_option("playground")
    page.locator("#option_1_zh").fill("攀爬架")
    # The pictures are searched by their words and keywords (issue 18): "攀爬" leaves the climbing frame.
    page.locator("#pictogram-search").fill("攀爬")
    visible = page.locator("#option_1_pictogram option[value]:not([value=''])").evaluate_all(
        "options => options.filter(o => !o.hidden).map(o => o.value)")
    assert visible == ["climbing"], visible
    page.locator("#option_1_pictogram").select_option("climbing")
    expect(page.locator("#option_1_pictogram + img, .option-row:nth-of-type(2) [data-pictogram-preview]").first).to_be_visible()
    tour.check("consultation-pictogram-search")
    page.locator("#pictogram-search").fill("")
    page.locator("form.question-form button[type=submit]").click()
    expect(page.locator(".question-item")).to_have_count(1)
    page.locator("#kind").select_option("text")
    page.locator("#prompt_zh").fill("你还有什么想法？")
    page.locator("form.question-form button[type=submit]").click()
    expect(page.locator(".question-item")).to_have_count(2)

    # Scheduling is refused while the checklist has gaps: the list comes back, in words.
    page.locator("form[action$='/schedule'] button").click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#error-summary li").first).to_be_visible()
    tour.check("consultation-refused")

    # Fill in the rest.
    page.goto(f"{consultation_url}/edit")
    page.locator("#topic").select_option("spaces.parks")
    page.locator("#project_id").select_option(index=1)
    page.locator("#brief_6-9_zh").fill("公园要建新的游乐区。你想要什么？")
    page.locator("input[name=age_bands][value='6-9']").check()
    page.locator("input[name=age_bands][value='10-13']").check()
    page.locator(f"input[name=group_ids][value='{group.id}']").check()
    page.locator("#decision_zh").fill("游乐区的设计方案")
    page.locator("#decider_body_zh").fill("五华区住房和城乡建设局")
    page.locator("#decider_role_zh").fill("公园项目负责人")
    page.locator("#can_change_zh").fill("设施的种类和位置")
    page.locator("#cannot_change_zh").fill("预算和公园的大小")
    page.locator("#opens_at").fill("2030-09-01T09:00")
    page.locator("#closes_at").fill("2030-09-15T18:00")
    page.locator("#respond_by").fill("2030-10-15")
    tour.check("consultation-form-filled")
    page.locator("form.consultation-form button[type=submit]").click()
    expect(page.locator("#lundy .missing")).to_have_count(0)
    tour.check("consultation-ready")

    # Preview as a child of 6-9, exactly as the tablet shows it; nothing is stored.
    page.locator("a[href$='/preview?band=6-9']").click()
    expect(page.locator("#flow-title")).to_be_visible()
    tour.check("consultation-preview-intro")
    page.goto(f"{consultation_url}/preview?band=6-9&step=1")
    expect(page.locator("#flow-progress-text")).to_be_visible()
    tour.check("consultation-preview-question")
    page.goto(consultation_url)

    page.locator("form[action$='/schedule'] button").click()
    expect(page.locator(".badge.state-scheduled")).to_be_visible()
    expect(page.locator("form[action$='/unschedule']")).to_be_visible()
    tour.check("consultation-scheduled")

    tour.visit(f"{consultation_url}/results", "consultation-results")
    tour.visit(f"{live_server}/projects", "projects-list")
    tour.visit(f"{live_server}/consultations", "consultations-list-scheduled")
    tour.assert_clean()


def test_questions_move_in_place_with_htmx(page: Page, context: BrowserContext, live_server: str, session) -> None:
    from app.consultations import authoring
    from tests.consultations.helpers import every_kind, ready

    user = official(session, "official1")
    consultation = authoring.create(session=session, actor=user, data=ready())
    session.flush()
    for question in every_kind()[:3]:
        authoring.add_question(session=session, actor=user, consultation=consultation, data=question)
    session.commit()
    choose_locale(context, live_server, "en")
    sign_in(page, live_server, "official1")
    page.goto(f"{live_server}/consultations/{consultation.id}")
    first = page.locator(".question-prompt").first
    expect(first).to_have_text("你最想要公园里有什么？")
    page.locator(".question-item").nth(1).locator("form[action$='/move'] button").first.click()
    expect(page.locator("#questions .notice")).to_be_visible()
    expect(page.locator(".question-prompt").first).to_have_text("你会怎么去公园？")
    assert "/consultations/" in page.url and "done=" not in page.url  # swapped in place, no reload


def test_the_officials_pages_never_scroll_sideways_at_320_px(page: Page, context: BrowserContext, live_server: str, session) -> None:
    """WCAG 1.4.10 reflow: the form, the detail with its questions editor, the list and the results fit 320 px."""
    from app.consultations import authoring
    from tests.consultations.helpers import every_kind, ready

    user = official(session, "official1")
    consultation = authoring.create(session=session, actor=user, data=ready())
    session.flush()
    for question in every_kind():
        authoring.add_question(session=session, actor=user, consultation=consultation, data=question)
    session.commit()
    choose_locale(context, live_server, "zh_Hans")
    sign_in(page, live_server, "official1")
    page.set_viewport_size({"width": 320, "height": 800})
    for path in ("/consultations", "/consultations/new", f"/consultations/{consultation.id}", f"/consultations/{consultation.id}/edit",
                 f"/consultations/{consultation.id}/results", "/projects", "/projects/new"):
        page.goto(f"{live_server}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{path} is {width} px wide at 320 px"
