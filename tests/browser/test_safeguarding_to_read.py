"""The safeguarding officers' "please read" list in a real browser (issue 14): at laptop size in zh-CN, the
banner leads to the list, one tap returns words to moderation (htmx swaps the list) and one tap opens a case.
axe-core finds nothing on the list before or after."""

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import assert_accessible, msg, msg_n, sign_in
from tests.safeguarding.helpers import officer
from tests.safeguarding.test_possible import POSSIBLE, Scene, fixed_meaning  # noqa: F401

pytestmark = pytest.mark.browser
LAPTOP = {"width": 1366, "height": 768}


def test_an_officer_reads_the_list_at_laptop_size(browser: Browser, live_server: str, session, fixed_meaning) -> None:  # noqa: F811
    scene = Scene(session)
    scene.comment(scene.children[0], POSSIBLE)
    scene.comment(scene.children[1], POSSIBLE)
    officer(session, "officer1", contact="13800000001", on_duty=True)

    context = browser.new_context(viewport=LAPTOP, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server, "officer1")
    banner = page.locator("a.safeguarding-banner[href='/safeguarding/to-read']")
    expect(banner).to_contain_text(msg_n("%(num)d text waits to be read", "%(num)d texts wait to be read", 2))
    banner.click()
    page.wait_for_url(f"{live_server}/safeguarding/to-read")
    expect(page.locator("h1")).to_have_text(msg("Please read"))
    expect(page.locator("blockquote.sg-words")).to_have_count(2)
    assert_accessible(page, "zh-safeguarding-to-read-laptop")

    # One tap returns the first to moderation: htmx swaps the list in place.
    page.locator("form[action$='/return'] button").first.click()
    expect(page.locator("blockquote.sg-words")).to_have_count(1)
    expect(page.locator("#to-read table")).to_contain_text(msg("Returned to normal moderation"))
    assert_accessible(page, "zh-safeguarding-to-read-returned")

    # One tap opens a case from the second: the case page, with the child's words.
    page.locator("form[action$='/open-case'] button").first.click()
    page.wait_for_url(f"{live_server}/safeguarding/cases/*")
    expect(page.locator("blockquote.sg-words")).to_have_text(POSSIBLE)
    page.goto(f"{live_server}/safeguarding/to-read")
    expect(page.locator("#to-read")).to_contain_text(msg("Nothing to read now."))
    assert_accessible(page, "zh-safeguarding-to-read-empty")
    context.close()


def test_an_officer_sees_that_a_guardian_wrote_the_words(browser: Browser, live_server: str, session, fixed_meaning) -> None:  # noqa: F811
    """Issue 14 (SG-02): a guardian's words about harm to a child wait on the list like a child's, labelled as an
    adult's (no child's nickname to show); axe-core finds nothing."""
    from app.consultations import answering

    scene = Scene(session)
    told = "孩子他爸喝醉了就打孩子"
    answering.guardian_comment(session=session, guardian=scene.guardians[0], consultation=scene.consultation,
                               children=[scene.children[0]], text=told)
    session.commit()
    officer(session, "officer1", contact="13800000001", on_duty=True)

    context = browser.new_context(viewport=LAPTOP, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server, "officer1")
    page.goto(f"{live_server}/safeguarding/to-read")
    item = page.locator("li.to-read-item")
    expect(item).to_have_count(1)
    expect(item.locator("blockquote.sg-words")).to_have_text(told)
    expect(item.locator("dl.sg-facts")).to_contain_text(msg("a guardian (an adult)"))
    assert_accessible(page, "zh-safeguarding-to-read-guardian")
    context.close()
