"""An analyst in a real browser (laptop, Chinese and English) reads the results by group and the report of a
small consultation, generates a version and downloads the PDF; the test reads the PDF's text and finds the theme
and the hidden cells as "< 5" (issue 16; PAR-05…PAR-09, DP-12). axe-core finds nothing; screenshots are kept."""

import subprocess

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from app.accounts.models import Role
from tests.browser.conftest import dead_controls, msg, sign_in
from tests.browser.test_accessibility import LOCALES, Tour, choose_locale
from tests.conftest import make_user
from tests.insights.helpers import THEME, small_consultation

pytestmark = pytest.mark.browser
LAPTOP = {"width": 1366, "height": 900}


@pytest.mark.parametrize("locale", LOCALES)
def test_an_analyst_reads_the_report_and_downloads_the_pdf(page: Page, context: BrowserContext, live_server: str,
                                                            locale: str, session, tmp_path) -> None:
    small = small_consultation(session)
    make_user(session, "analyst1", [Role.ANALYST])
    page.set_viewport_size(LAPTOP)
    choose_locale(context, live_server, locale)
    sign_in(page, live_server, "analyst1")
    tour = Tour(page, locale)
    base = f"{live_server}/consultations/{small.consultation.id}/insights"

    tour.visit(f"{base}/results", "insights-results")
    expect(page.locator("table.bars").first).to_contain_text("< 5")
    assert dead_controls(page) == []

    tour.visit(f"{base}/report", "insights-report")
    expect(page.locator("article.theme").first).to_contain_text(THEME[locale])
    expect(page.locator(".how-to-read")).to_be_visible()
    page.locator("form[action$='/report/versions'] button[type=submit]").click()
    expect(page.locator("a[href*='/insights/reports/']")).to_have_count(1)
    tour.check("insights-report-version")

    with page.expect_download() as download:
        page.locator("a[href*='/insights/reports/']").first.click()
    path = tmp_path / "report.pdf"
    download.value.save_as(path)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout
    assert THEME[locale] in text and "< 5" in text and msg("How to read this", locale) in text
    tour.assert_clean()
