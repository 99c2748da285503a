"""Children check the themes in a real browser (issue 16, PAR-06): on an iPad in landscape (1024x768), zh-CN, a
child who took part finds the card on their home, reads the themes in a child's words, says "yes" to one and
"not quite" to the other, and writes what is missing; once with JavaScript (htmx swaps one theme) and once
without (plain form posts, no control that needs JavaScript). Then the analyst's page at laptop size.
axe-core finds nothing; screenshots go to test-results/screenshots/ and docs/screenshots/issue-16-check/."""


import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session

from app.accounts.models import Role
from app.consultations.models import Consultation, Participation
from app.core.db import utcnow
from app.insights import actions
from app.insights.models import Audience, Theme
from tests.browser.conftest import (
    SCREENSHOTS,
    answer_held,
    assert_accessible,
    dead_controls,
    horizontal_overflow,
    keep_for_docs,
    msg,
    sign_in,
    small_targets,
)
from tests.browser.test_consultations_child import _sign_in_on_tablet
from tests.conftest import make_user
from tests.consultations.helpers import load_notices, official, open_consultation, take_part
from tests.corps.tablet_helpers import classroom

pytestmark = pytest.mark.browser

IPAD = {"width": 1024, "height": 768}
LAPTOP = {"width": 1366, "height": 768}
DOCS = "issue-16-check"
THEMES = [
    ({"zh_Hans": "更多的树荫", "en": "More shade"},
     {"zh_Hans": "很多小朋友说：夏天公园太晒了，想要更多大树。", "en": "Many children said the park is too sunny in summer and want more big trees."}),
    ({"zh_Hans": "干净的厕所", "en": "Clean toilets"},
     {"zh_Hans": "小朋友们希望厕所更干净，离游乐区近一点。", "en": "Children want cleaner toilets, closer to the play area."}),
]


def _seed(session: Session):  # noqa: ANN202
    load_notices(session)
    room = classroom(session, size=1)
    child = room.children[0][0]
    take_part(session, child)
    consultation = open_consultation(session)
    consultation.closed_at = utcnow()
    session.add(consultation)
    for position, (name, words) in enumerate(THEMES):
        session.add(Theme(consultation_id=consultation.id, audience=Audience.CHILD.value, position=position, name=name,  # type: ignore[arg-type]
                          description=name, child_words=words, accepted=True))
    session.add(Participation(consultation_id=consultation.id, child_id=child.id, receipt_code="CHECK234", channel="tablet"))  # type: ignore[arg-type]
    session.commit()
    actions.start_check(session=session, actor=official(session, "official-check"), consultation=consultation, version=None)
    return room, consultation


def _keep(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    keep_for_docs(path, DOCS, name)


def _check_page(page: Page, name: str, js: bool) -> None:
    if js:
        assert_accessible(page, name)
        assert small_targets(page, child=True) == [], (name, "a control on a child's screen is smaller than a finger")
        # A11Y-06: no sideways scrolling on a 320 px phone, nor at 200 % text on the iPad.
        page.set_viewport_size({"width": 320, "height": 640})
        assert horizontal_overflow(page) <= 0, (name, "sideways scrolling at 320 px")
        page.set_viewport_size(IPAD)
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        assert horizontal_overflow(page) <= 0, (name, "sideways scrolling at 200 % text")
        assert small_targets(page) == [], (name, "small targets at 200 % text")
        page.evaluate("document.documentElement.style.fontSize = ''")
    else:
        assert dead_controls(page) == [], (name, "controls that need JavaScript are shown without it")
    _keep(page, name)


def _the_child_checks(page: Page, base: str, consultation: Consultation, js: bool) -> None:
    prefix = f"zh-{'js' if js else 'nojs'}-check"
    card = page.locator(f"a.question-card[href='/me/consultations/{consultation.id}/check']")
    expect(card).to_be_visible()
    expect(page.locator("#check-home-title")).to_have_text(msg("Did we understand you?"))
    _check_page(page, f"{prefix}-home", js)
    card.click()
    page.wait_for_url(f"{base}/me/consultations/{consultation.id}/check")
    expect(page.locator(".check-words").first).to_have_text(THEMES[0][1]["zh_Hans"])
    read_aloud = page.locator("button.read-aloud").first
    if js:
        expect(read_aloud).to_be_visible()
    else:
        expect(read_aloud).to_be_hidden()
    # The two buttons are the same size (equal choices).
    yes, no = page.locator(".check-theme").first.locator("button.check-answer").all()
    a, b = yes.bounding_box(), no.bounding_box()
    assert a and b and abs(a["width"] - b["width"]) < 1 and abs(a["height"] - b["height"]) < 1
    _check_page(page, f"{prefix}-themes", js)

    first, second = page.locator(".check-theme").all()
    yes = first.get_by_role("button", name=msg("Yes, that's what we said"))
    if js:  # while a tap is on its way, the theme's other button waits (a tap there used to be dropped)
        with answer_held(page, f"**/me/consultations/{consultation.id}/check/themes/*"):
            yes.click()
            expect(first.get_by_role("button", name="不太对")).to_be_disabled()
    else:
        yes.click()
    first = page.locator(".check-theme").first
    expect(first.get_by_role("button", name=msg("Yes, that's what we said"))).to_have_attribute("aria-pressed", "true")
    second = page.locator(".check-theme").nth(1)
    second.get_by_role("button", name="不太对").click()
    second = page.locator(".check-theme").nth(1)
    expect(second.get_by_role("button", name="不太对")).to_have_attribute("aria-pressed", "true")
    expect(second.locator(".check-mine")).to_contain_text("你说：不太对。")

    page.locator("#missing-text").fill("还想要一个喝水的地方")
    page.get_by_role("button", name=msg("Send")).click()
    page.wait_for_url(f"{base}/me/consultations/{consultation.id}/check?done=missing#missing")
    expect(page.locator("#check-sent")).to_have_text(msg("Thank you! A grown-up reads your words first."))
    expect(page.locator("#missing-mine")).to_contain_text("还想要一个喝水的地方")
    expect(page.locator("[aria-pressed=true]")).to_have_count(2)  # the child's own answers are marked
    _check_page(page, f"{prefix}-answered", js)
    page.get_by_role("link", name=msg("Back to my page")).click()
    expect(card).to_contain_text(msg("Thank you! You answered. You can change your answers."))


def test_a_child_checks_the_themes_with_javascript(browser: Browser, live_server: str, session: Session) -> None:
    room, consultation = _seed(session)
    context = browser.new_context(viewport=IPAD, locale="zh-CN", has_touch=True)
    page = context.new_page()
    try:
        _sign_in_on_tablet(page, live_server, room, "zh_Hans")
        _the_child_checks(page, live_server, consultation, js=True)
    finally:
        context.close()


def test_a_child_checks_the_themes_without_javascript(browser: Browser, live_server: str, session: Session) -> None:
    room, consultation = _seed(session)
    context = browser.new_context(java_script_enabled=False, viewport=IPAD, locale="zh-CN", has_touch=True)
    page = context.new_page()
    try:
        _sign_in_on_tablet(page, live_server, room, "zh_Hans")
        _the_child_checks(page, live_server, consultation, js=False)
    finally:
        context.close()


def test_the_analysts_page_at_laptop_size(browser: Browser, live_server: str, session: Session) -> None:
    room, consultation = _seed(session)
    make_user(session, "analyst1", [Role.ANALYST])
    for locale, name in (("zh-CN", "zh"), ("en-GB", "en")):
        context = browser.new_context(viewport=LAPTOP, locale=locale)
        page = context.new_page()
        try:
            sign_in(page, live_server, "analyst1")
            if name == "en":
                page.goto(f"{live_server}/language?locale=en&next=/staff")
            page.goto(f"{live_server}/consultations/{consultation.id}/insights/check")
            expect(page.locator("table.check-counts tbody tr")).to_have_count(2)
            expect(page.locator("table.check-counts")).to_contain_text("< 5")
            assert_accessible(page, f"{name}-check-staff")
            _keep(page, f"{name}-check-staff")
        finally:
            context.close()
