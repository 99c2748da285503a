"""A child answers a consultation on the shared tablet in a real browser (iPad-sized): signs in by tapping
pictures, finds the questions on the home screen, reads the intro (PAR-02), answers one question of every
kind (single, multiple with a maximum, five faces, ranking by taps — A11Y-03, short text), reviews
(A11Y-13), sends, and sees the receipt code; later sees what children said as bar charts. Once with
JavaScript in zh-CN (htmx swaps each screen) and once with JavaScript switched off in English (plain form
posts); with JavaScript in English too. axe-core finds nothing on any of the child's pages (axe runs in
the page, so it checks the runs with JavaScript); screenshots go to test-results/screenshots/."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session

from app.consultations import answering, service
from app.consultations.models import SCALE_FACES, AnswerIn, Channel, Consultation
from app.core.db import utcnow
from tests.browser.conftest import (
    SCREENSHOTS,
    TABLET,
    answer_held,
    assert_accessible,
    dead_controls,
    horizontal_overflow,
    msg,
    sign_in,
    small_targets,
)
from tests.consultations.helpers import load_notices, open_consultation, take_part
from tests.corps.tablet_helpers import classroom

pytestmark = pytest.mark.browser


def _seed(session: Session):  # noqa: ANN202
    """A class of six taking part and an open consultation with one question of every kind; five of the
    children have already answered the choice questions, so the results can be shown after the close."""
    load_notices(session)
    room = classroom(session, size=6)
    for child, _code in room.children:
        take_part(session, child)
    consultation = open_consultation(session)
    questions = service.questions_of(session=session, consultation=consultation)
    options = service.options_by_question(session=session, questions=questions)
    for n, (child, _code) in enumerate(room.children[1:]):
        answers = []
        for question in questions:
            ids = [o.id for o in options[question.id]]
            kind = question.kind
            if kind == "single":
                answers.append(AnswerIn(question_id=question.id, option=ids[n % 2]))
            elif kind == "multiple":
                answers.append(AnswerIn(question_id=question.id, options=ids[:2]))
            elif kind == "scale":
                answers.append(AnswerIn(question_id=question.id, scale=4 + n % 2))
            elif kind == "ranking":
                answers.append(AnswerIn(question_id=question.id, order=ids))
            else:
                answers.append(AnswerIn(question_id=question.id, text="多种树"))
        answering.submit(session=session, child=child, consultation=consultation, answers=answers, channel=Channel.TABLET,
                       key=answering.new_key(child=child, consultation=consultation))
        session.commit()
    return room, consultation


def _sign_in_on_tablet(page: Page, base: str, room, locale: str) -> None:  # noqa: ANN001
    sign_in(page, base, room.facilitator.username)
    page.goto(f"{base}/corps/groups/{room.group.id}")
    page.locator("form[action$='/tablet'] button[type=submit]").click()
    page.wait_for_url(f"{base}/tablet")
    if locale == "en":
        page.goto(f"{base}/language?locale=en&next=/tablet")
    child, code = room.children[0]
    page.get_by_role("link", name=child.display_name).click()
    for picture in code:
        page.locator(f"button.picture-button[value={picture}]").click()
    page.wait_for_url(f"{base}/me")


def _check(page: Page, name: str, js: bool) -> None:
    """axe-core and a screenshot; axe runs in the page, so without JavaScript only the screenshot is taken
    (the same HTML is checked by axe in the runs with JavaScript)."""
    if js:
        assert_accessible(page, name)
        assert small_targets(page, child=True) == [], (name, "a link on a child's screen is smaller than a finger")
        # A11Y-06: no sideways scrolling on a 320 px wide screen, nor in landscape.
        for size in ({"width": 320, "height": 640}, {"width": 1180, "height": 820}):
            page.set_viewport_size(size)
            wide = page.evaluate(
                "Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right >"
                " document.documentElement.clientWidth + 1).map(e => e.tagName + '.' + e.className).slice(0, 5)"
            )
            assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), (name, size, wide)
        page.set_viewport_size(TABLET)
        # A11Y-06 (WCAG 1.4.4): at 200 % text, in portrait and landscape, nothing needs sideways scrolling and
        # every control stays big enough to tap.
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        for size in (TABLET, {"width": TABLET["height"], "height": TABLET["width"]}):
            page.set_viewport_size(size)
            assert horizontal_overflow(page) <= 0, (name, size, "sideways scrolling at 200 % text")
            assert small_targets(page) == [], (name, size, "small targets at 200 % text")
        page.evaluate("document.documentElement.style.fontSize = ''")
        page.set_viewport_size(TABLET)
    else:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        assert dead_controls(page) == [], (name, "controls that need JavaScript are shown without it")


def _answer_everything(page: Page, base: str, consultation: Consultation, locale: str, js: bool) -> None:
    def m(text: str) -> str:
        return msg(text, locale)

    def assert_accessible(page: Page, name: str) -> None:
        _check(page, name, js)

    def title(text: str) -> None:
        expect(page.locator("#flow-title")).to_have_text(text)

    prefix = f"{locale}-{'js' if js else 'nojs'}-consultation"
    en = locale == "en"
    card = page.locator(f"a.question-card[href='/me/consultations/{consultation.id}']")
    expect(card).to_be_visible()
    assert_accessible(page, f"{prefix}-home")
    card.click()
    expect(page.locator("#intro-facts")).to_contain_text("Head of the park project" if en else "公园项目负责人")
    assert_accessible(page, f"{prefix}-intro")
    page.get_by_role("button", name=m("Start")).click()

    # 1. single choice: big option cards with a pictogram and words
    title("What do you want most in the park?" if en else "你最想要公园里有什么？")
    expect(page.locator("#flow-progress-text")).to_have_text(m("Question %(number)s of %(total)s") % {"number": 1, "total": 5})
    assert_accessible(page, f"{prefix}-single")
    page.get_by_role("radio", name="Big trees" if en else "大树").check()
    page.get_by_role("button", name=m("Next")).click()

    # 2. multiple choice, up to two
    title("How do you get to the park?" if en else "你会怎么去公园？")
    page.get_by_role("checkbox", name="Walking" if en else "走路").check()
    page.get_by_role("checkbox", name="By bus" if en else "坐公交").check()
    if js:  # a third tap gets a kind message and is not taken
        page.locator("label.choice-card", has_text="Cycling" if en else "骑车").click()
        expect(page.locator("[data-max-message]")).to_be_visible()
        expect(page.get_by_role("checkbox", name="Cycling" if en else "骑车")).not_to_be_checked()
    assert_accessible(page, f"{prefix}-multiple")
    page.get_by_role("button", name=m("Next")).click()

    # 3. five faces with words
    title("How do you like the park now?" if en else "你觉得现在的公园怎么样？")
    assert_accessible(page, f"{prefix}-scale")
    page.get_by_role("radio", name=m(SCALE_FACES[3][2]), exact=True).check()  # 好 / Good
    page.get_by_role("button", name=m("Next")).click()

    # 4. ranking by tapping in order (A11Y-03), with "start again"
    title("Put these in order of importance" if en else "请按重要程度排一排")
    page.get_by_role("button", name="Fun" if en else "好玩").click()
    expect(page.locator(".rank-number")).to_have_count(1)
    page.get_by_role("button", name=m("Start again")).click()
    expect(page.locator(".rank-number")).to_have_count(0)
    for word in (("Clean", "Safety", "Fun") if en else ("干净", "安全", "好玩")):
        page.get_by_role("button", name=word).click()
    expect(page.locator(".rank-number")).to_have_count(3)
    assert_accessible(page, f"{prefix}-ranking")
    page.get_by_role("button", name=m("Next")).click()

    # 5. a short text, with the character count and the sentence that a grown-up reads it first
    title("Any other ideas?" if en else "你还有什么想法？")
    page.locator("textarea").fill("More shade" if en else "多一些树荫")
    if js:
        expect(page.locator(".char-count")).to_contain_text("10" if en else "5")
    assert_accessible(page, f"{prefix}-text")
    page.get_by_role("button", name=m("Check my answers")).click()

    # Review (A11Y-13), then Send
    title(m("Check your answers"))
    expect(page.locator("#review-list")).to_contain_text("Big trees" if en else "大树")
    expect(page.locator("#review-list")).to_contain_text("1. Clean" if en else "1. 干净")
    assert_accessible(page, f"{prefix}-review")
    page.get_by_role("button", name=m("Send my answers")).click()
    page.wait_for_url(f"{base}/me/consultations/{consultation.id}/thanks")
    expect(page.locator(".receipt-code")).to_be_visible()
    expect(page.locator("main")).to_contain_text(m("This code is on your page too. When the grown-ups decide, you will see it there."))
    assert_accessible(page, f"{prefix}-thanks")
    # The promise holds: the child's page shows the same code on this consultation's card.
    code = "".join(page.locator(".receipt-code").inner_text().split())
    page.get_by_role("link", name=m("Back to my page")).click()
    expect(page.locator("main")).to_contain_text(m("My code: %(code)s") % {"code": code})


def _results(page: Page, base: str, session: Session, consultation: Consultation, prefix: str, js: bool = True) -> None:
    consultation.closed_at = utcnow()
    session.add(consultation)
    session.commit()
    page.goto(f"{base}/me")
    page.locator(f"a[href='/me/consultations/{consultation.id}/results']").click()
    expect(page.locator("svg.bar-chart").first).to_be_visible()
    _check(page, f"{prefix}-results", js)


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
def test_a_child_answers_every_kind_with_javascript(page: Page, live_server: str, session: Session, locale: str) -> None:
    room, consultation = _seed(session)
    _sign_in_on_tablet(page, live_server, room, locale)
    _answer_everything(page, live_server, consultation, locale, js=True)
    _results(page, live_server, session, consultation, f"{locale}-js-consultation")


def test_a_child_answers_every_kind_without_javascript_in_english(browser: Browser, live_server: str, session: Session) -> None:
    room, consultation = _seed(session)
    context = browser.new_context(java_script_enabled=False, viewport=TABLET, locale="en-GB", has_touch=True)
    page = context.new_page()
    try:
        _sign_in_on_tablet(page, live_server, room, "en")
        _answer_everything(page, live_server, consultation, "en", js=False)
        _results(page, live_server, session, consultation, "en-nojs-consultation", js=False)
    finally:
        context.close()


def _skip_to_question(page: Page, base: str, session: Session, number: int) -> Consultation:
    """A child signs in on the tablet, starts the consultation and skips to question `number` (zh-CN)."""
    room, consultation = _seed(session)
    _sign_in_on_tablet(page, base, room, "zh_Hans")
    page.goto(f"{base}/me/consultations/{consultation.id}")
    page.get_by_role("button", name=msg("Start", "zh_Hans")).click()
    for step in range(1, number):
        # Each skip swaps in the next question: wait for it, so that each tap is on its own question.
        expect(page.locator("input[name='at']")).to_have_value(str(step))
        page.get_by_role("button", name=msg("Skip this question", "zh_Hans")).click()
    expect(page.locator("input[name='at']")).to_have_value(str(number))
    return consultation


def test_a_child_sees_the_personal_details_prompt_while_writing_and_takes_it_out(page: Page, live_server: str, session: Session) -> None:
    """MOD-08, MOD-22 (issue 6): a phone number in the text brings, while the child writes, a friendly prompt
    naming the kind of detail (never the number); the child takes it out, the prompt goes, and the answer moves on."""
    _skip_to_question(page, live_server, session, 5)
    box = page.locator("textarea")
    box.click()
    box.press_sequentially("有事打我电话 138 0013 8000")  # typed key by key, as a child does
    prompt = page.locator(".personal-prompt")
    expect(prompt).to_be_visible()  # the live check (htmx, debounced) while writing
    expect(prompt).to_contain_text(msg("phone numbers", "zh_Hans"))
    expect(prompt).not_to_contain_text("138")
    assert_accessible(page, "zh_Hans-consultation-personal-prompt")
    box.fill("")
    box.press_sequentially("希望公园里多一些秋千")
    expect(prompt).to_have_count(0)
    page.get_by_role("button", name=msg("Check my answers", "zh_Hans")).click()
    expect(page.locator("#review-list")).to_contain_text("希望公园里多一些秋千")


def test_a_tap_while_the_last_one_is_on_its_way_is_never_silently_lost(page: Page, live_server: str, session: Session) -> None:
    """A11Y-03, PAR-03: a child taps fast. While one tap is on its way to the server, every button of the step
    waits (a tap on another card used to be queued on the old form, which the answer then replaced, and was
    dropped without a word: CI saw a ranking of three taps end with two). Once the answer is back, the taps go
    in, in the order tapped."""
    consultation = _skip_to_question(page, live_server, session, 4)
    expect(page.locator("#flow-title")).to_have_text("请按重要程度排一排")

    with answer_held(page, f"**/me/consultations/{consultation.id}/answer"):  # the first tap's answer waits
        page.get_by_role("button", name="干净").click()
        for name in ("安全", "好玩", msg("Next", "zh_Hans"), msg("Skip this question", "zh_Hans")):
            expect(page.get_by_role("button", name=name)).to_be_disabled()
    expect(page.locator(".rank-number")).to_have_count(1)
    for name in ("安全", "好玩"):
        page.get_by_role("button", name=name).click()
    expect(page.locator(".rank-number")).to_have_count(3)
    # the cards keep their places; each shows the number of its tap
    expect(page.locator(".rank-card.ranked")).to_have_text([re.compile(r"2\s*安全"), re.compile(r"3\s*好玩"), re.compile(r"1\s*干净")])
