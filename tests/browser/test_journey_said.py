"""Issue 16's journey in one browser test (Chromium, zh-CN; PAR-05, PAR-06, PAR-07, DP-12): an analyst at laptop
size opens a closed consultation with 62 approved children's comments in Chinese and English (every author really
took part: a Participation row), asks the machine for suggestions, merges two themes, moves a comment, writes the
themes' names, descriptions and a child's words, picks a quote, accepts the themes and asks the children; a child
who took part checks the themes on an iPad-sized tablet (1024x768): "yes" to one, "not quite" to the other; the
analyst reads the tally (one child: "< 5"), generates the report and downloads its PDF, whose text (pdftotext)
holds the themes' names and "< 5". axe-core finds nothing on any page; screenshots go to
test-results/screenshots/journey-said-*.png (the child's and the tally's also in
docs/screenshots/issue-16-journey/)."""

import subprocess

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session

from app.consultations import service as consultations
from app.consultations.models import Comment, Participation, QuestionKind
from tests.browser.conftest import SCREENSHOTS, assert_accessible, keep_for_docs, msg, sign_in, small_targets
from tests.browser.test_consultations_child import _sign_in_on_tablet
from tests.consultations.helpers import take_part
from tests.corps.tablet_helpers import classroom
from tests.insights.theme_helpers import GROUP_NAME, NICKNAME, world

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
IPAD = {"width": 1024, "height": 768}
DOCS = "issue-16-journey"  # the pages people look at with the issue
SHOT = "journey-said"
# The two themes the analyst makes of the machine's suggestions: (name zh, name en, description zh, child's words zh).
FIRST = ("想要更多能玩的设施", "More things to play on", "孩子们希望有更多秋千、滑梯和给大孩子玩的地方。", "你们说想要更多好玩的东西。")
SECOND = ("树荫、座位和干净", "Shade, seats and clean places", "孩子们希望夏天有树荫，有地方坐，厕所干净。", "你们说想要树荫和干净的厕所。")


def _seed(session: Session):  # noqa: ANN202
    """60 approved comments (Chinese and English) by children of `world`, two more by a class whose first child
    signs in on the tablet; every author took part (Participation), so every one of them may check."""
    w = world(session, count=60, seed=1616)
    question = next(q for q in consultations.questions_of(session=session, consultation=w.consultation) if q.kind == QuestionKind.TEXT)
    room = classroom(session, size=2, code="class-journey", facilitator="teacher-journey")
    for n, (child, _code) in enumerate(room.children):
        take_part(session, child)
        session.add(Comment(consultation_id=w.consultation.id, question_id=question.id, author_kind="child", child_id=child.id,
                            channel="tablet", text=("公园里要有更多的秋千和滑梯" if n == 0 else "I want big trees for shade"), status="approved"))
    for n, child in enumerate([c for c, _code in room.children] + w.children[:60]):
        session.add(Participation(consultation_id=w.consultation.id, child_id=child.id, receipt_code=f"JRNY{n:04d}", channel="tablet"))  # type: ignore[arg-type]
    session.commit()
    return w, room


def _check(page: Page, name: str, *, child: bool = False, keep: bool = False) -> None:
    """axe-core finds nothing (and the screenshot is kept); on a child's screen every control is finger-sized."""
    page.wait_for_load_state("load")
    assert_accessible(page, f"{SHOT}-{name}")
    if keep:
        keep_for_docs(SCREENSHOTS / f"{SHOT}-{name}.png", DOCS, name)
    if child:
        assert small_targets(page, child=True) == [], (name, "a control on a child's screen is smaller than a finger")


def _write_theme(page: Page, theme_id: str, words: tuple[str, str, str, str]) -> None:
    name_zh, name_en, description_zh, child_words_zh = words
    theme = page.locator(f"#theme-{theme_id}")
    theme.locator("details").first.evaluate("d => d.open = true")
    theme.locator(f"#name-zh-{theme_id}").fill(name_zh)
    theme.locator(f"#name-en-{theme_id}").fill(name_en)
    theme.locator(f"#description-zh-{theme_id}").fill(description_zh)
    theme.locator(f"#child_words-zh-{theme_id}").fill(child_words_zh)
    theme.locator(f"form[action$='/themes/{theme_id}'] button").click()
    expect(page.locator(f"#theme-title-{theme_id}")).to_contain_text(name_zh)


def _analyst_makes_the_themes(page: Page, base: str, cid: int, total: int) -> tuple[str, str]:
    page.goto(f"{base}/consultations/{cid}/insights")
    expect(page.locator("#child .coverage")).to_contain_text(str(total))
    _check(page, "themes-empty")

    page.locator("#child form[action$='/insights/suggest'] button").click()
    expect(page.locator("#child article.theme").first).to_be_visible(timeout=60_000)
    themes = page.locator("#child article.theme")
    before = themes.count()
    assert before >= 3, "the machine should find more than two groups in 62 comments"
    expect(page.locator("#child .coverage")).to_contain_text(
        msg("%(sorted)s of %(total)s comments are in a theme") % {"sorted": total, "total": total})
    _check(page, "themes-suggested")

    # Accept the first suggestion as it is, then merge the second into it.
    first_id = themes.nth(0).get_attribute("id").removeprefix("theme-")
    page.locator(f"#theme-{first_id} form[action$='/accept'] button").click()
    expect(page.locator(f"#theme-title-{first_id} .badge.ok")).to_be_visible()
    second = themes.nth(1)
    second.locator("select[name=into]").select_option(first_id)
    second.locator("form[action$='/merge'] button").click()
    expect(page.locator("#child article.theme")).to_have_count(before - 1)

    # Move one of the first theme's comments to the (new) second theme.
    second_id = page.locator("#child article.theme").nth(1).get_attribute("id").removeprefix("theme-")
    first = page.locator(f"#theme-{first_id}")
    first.locator("details").nth(1).evaluate("d => d.open = true")
    row = first.locator(".theme-comments li").first
    comment_id = row.get_attribute("id")
    row.locator("select[name=to]").select_option(second_id)
    row.locator("form[action$='/move'] button").click()
    expect(page.locator(f"#theme-{second_id} #{comment_id}")).to_have_count(1)
    expect(page.locator(f"#theme-{first_id} #{comment_id}")).to_have_count(0)

    # Names, descriptions and the words a child reads; a quote (age band only). A person's edit accepts a theme.
    _write_theme(page, first_id, FIRST)
    _write_theme(page, second_id, SECOND)
    first = page.locator(f"#theme-{first_id}")
    first.locator("details").nth(1).evaluate("d => d.open = true")
    first.locator("form[action$='/quotes'] button").first.click()
    expect(page.locator(f"#theme-{first_id} .quotes li")).to_have_count(1)
    for theme_id in (first_id, second_id):
        expect(page.locator(f"#theme-title-{theme_id} .badge.ok")).to_be_visible()
    content = page.content()
    assert NICKNAME not in content and GROUP_NAME not in content  # authors by age band only
    _check(page, "themes-ready")

    # Ask the children.
    page.goto(f"{base}/consultations/{cid}/insights/check")
    expect(page.locator("table.check-counts tbody tr")).to_have_count(2)
    _check(page, "check-ready")
    page.get_by_role("button", name=msg("Ask the children")).click()
    expect(page.get_by_role("button", name=msg("End the check"))).to_be_visible()
    _check(page, "check-asked")
    return first_id, second_id


def _child_checks(page: Page, base: str, room, cid: int) -> None:  # noqa: ANN001
    _sign_in_on_tablet(page, base, room, "zh_Hans")
    card = page.locator(f"a.question-card[href='/me/consultations/{cid}/check']")
    expect(card).to_be_visible()
    _check(page, "child-home", child=True)
    card.click()
    page.wait_for_url(f"{base}/me/consultations/{cid}/check")
    expect(page.locator(".check-words")).to_have_text([FIRST[3], SECOND[3]])
    _check(page, "child-check", child=True, keep=True)
    yes = msg("Yes, that's what we said")
    page.locator(".check-theme").first.get_by_role("button", name=yes).click()
    expect(page.locator(".check-theme").first.get_by_role("button", name=yes)).to_have_attribute("aria-pressed", "true")
    page.locator(".check-theme").nth(1).get_by_role("button", name="不太对").click()
    expect(page.locator(".check-theme").nth(1).get_by_role("button", name="不太对")).to_have_attribute("aria-pressed", "true")
    _check(page, "child-checked", child=True, keep=True)


def test_an_analyst_makes_themes_a_child_checks_them_and_the_report_says_so(browser: Browser, live_server: str,
                                                                             session: Session, tmp_path) -> None:  # noqa: ANN001
    w, room = _seed(session)
    cid = w.consultation.id
    total = 62

    analyst = browser.new_context(viewport=LAPTOP, locale="zh-CN")
    tablet = browser.new_context(viewport=IPAD, locale="zh-CN", has_touch=True)
    try:
        page = analyst.new_page()
        sign_in(page, live_server, w.analyst.username)
        _analyst_makes_the_themes(page, live_server, cid, total)

        _child_checks(tablet.new_page(), live_server, room, cid)

        # The analyst reads the tally: one child answered, so every cell is "< 5" (DP-12).
        page.goto(f"{live_server}/consultations/{cid}/insights/check")
        rows = page.locator("table.check-counts tbody tr")
        expect(rows).to_have_count(2)
        for row in (rows.nth(0), rows.nth(1)):
            expect(row.locator("td").nth(1)).to_have_text("< 5")
        _check(page, "check-tally", keep=True)

        page.goto(f"{live_server}/consultations/{cid}/insights/results")
        _check(page, "results")
        page.goto(f"{live_server}/consultations/{cid}/insights/report")
        expect(page.locator("article.theme").first).to_contain_text(FIRST[0])
        _check(page, "report")
        page.locator("form[action$='/report/versions'] button[type=submit]").click()
        expect(page.locator("a[href*='/insights/reports/']")).to_have_count(1)
        _check(page, "report-version")
        with page.expect_download() as download:
            page.locator("a[href*='/insights/reports/']").first.click()
        path = tmp_path / "report.pdf"
        download.value.save_as(path)
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout
        for name in (FIRST[0], SECOND[0]):
            assert name in text, f"the theme {name} is not in the PDF"
        assert "< 5" in text
        assert NICKNAME not in text and GROUP_NAME not in text
    finally:
        tablet.close()
        analyst.close()
