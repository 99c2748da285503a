"""An analyst sorts children's comments into themes in a real browser (laptop, zh-CN; issue 16, PAR-05): asks
the machine for suggestions on a closed consultation with 64 approved comments (Chinese and English), merges two
themes, moves a comment, writes a theme's words, picks a quote, writes the summary and previews it as a child.
axe-core finds nothing; screenshots are kept."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import msg, sign_in
from tests.browser.test_accessibility import Tour, choose_locale
from tests.insights.theme_helpers import NICKNAME, world

pytestmark = pytest.mark.browser
LAPTOP = {"width": 1366, "height": 768}


def test_an_analyst_sorts_comments_into_themes(page: Page, context, live_server: str, session) -> None:  # noqa: ANN001
    w = world(session, count=64, seed=2026)
    cid = w.consultation.id
    page.set_viewport_size(LAPTOP)
    choose_locale(context, live_server, "zh_Hans")
    sign_in(page, live_server, w.analyst.username)
    tour = Tour(page, "zh_Hans")
    tour.visit(f"{live_server}/consultations/{cid}/insights", "insights-themes-empty")
    expect(page.locator("#child .coverage")).to_contain_text("64")

    page.locator("#child form[action$='/insights/suggest'] button").click()
    expect(page.locator("#child article.theme").first).to_be_visible(timeout=60_000)
    themes = page.locator("#child article.theme")
    before = themes.count()
    assert before >= 2
    expect(page.locator("#child .coverage")).to_contain_text(msg("%(sorted)s of %(total)s comments are in a theme") % {"sorted": 64, "total": 64})
    tour.check("insights-themes-suggested")

    # Merge the second theme into the first.
    first_id = themes.nth(0).get_attribute("id").removeprefix("theme-")
    second = themes.nth(1)
    second.locator("select[name=into]").select_option(first_id)
    second.locator("form[action$='/merge'] button").click()
    expect(page.locator("#child article.theme")).to_have_count(before - 1)

    # Move one comment of the first theme to the (new) second theme.
    first = page.locator(f"#theme-{first_id}")
    target_id = page.locator("#child article.theme").nth(1).get_attribute("id").removeprefix("theme-")
    row = first.locator(".theme-comments li").first
    comment_id = row.get_attribute("id")
    first.locator("details").nth(1).evaluate("d => d.open = true")
    row.locator("select[name=to]").select_option(target_id)
    row.locator("form[action$='/move'] button").click()
    expect(page.locator(f"#theme-{target_id} #{comment_id}")).to_have_count(1)

    # Name and describe the first theme (zh + en), and the words a child reads.
    first = page.locator(f"#theme-{first_id}")
    first.locator("details summary").first.click()
    first.locator(f"#name-zh-{first_id}").fill("想要更多能玩的设施")
    first.locator(f"#name-en-{first_id}").fill("More things to play on")
    first.locator(f"#description-zh-{first_id}").fill("孩子们希望有更多秋千、滑梯和给大孩子玩的地方。")
    first.locator(f"#description-en-{first_id}").fill("Children want more swings, slides and places for older children.")
    first.locator(f"#child_words-zh-{first_id}").fill("你们说想要更多好玩的东西")
    first.locator(f"form[action$='/themes/{first_id}'] button").click()
    expect(page.locator(f"#theme-title-{first_id}")).to_contain_text("想要更多能玩的设施")

    # Pick a quote: it is shown with the age band only.
    first = page.locator(f"#theme-{first_id}")
    first.locator("details").nth(1).evaluate("d => d.open = true")
    first.locator("form[action$='/quotes'] button").first.click()
    expect(page.locator(f"#theme-{first_id} .quotes li")).to_have_count(1)
    assert NICKNAME not in page.content()
    tour.check("insights-themes-edited")

    # The summary, and a child's preview of it.
    tour.visit(f"{live_server}/consultations/{cid}/insights/summary", "insights-summary")
    page.locator("#summary-zh").fill("孩子们最关心能玩的设施、阴凉和干净。")
    page.locator("#child-10-13-zh").fill("你们说想要更多能玩的东西，还有树荫和干净的厕所。")
    page.locator("form[action$='/insights/summary'] button[type=submit]").click()
    expect(page.locator(".notice")).to_be_visible()
    tour.visit(f"{live_server}/consultations/{cid}/insights/summary/preview?band=6-9", "insights-summary-preview")
    expect(page.locator(".child-preview")).to_contain_text("你们说想要更多能玩的东西")
    tour.assert_clean()
