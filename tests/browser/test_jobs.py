"""A job's page follows the job (issue 15): htmx asks again every two seconds while it waits or runs, shows
its progress in place, and stops asking once it is done; the page has no accessibility violations."""

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from app.accounts.models import Role
from app.core import jobs
from app.core.db import transaction
from tests.browser.conftest import assert_accessible, msg, sign_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser

KIND = "test.browser_job"


@pytest.fixture
def kind() -> Iterator[str]:
    jobs.register(KIND, lambda ctx: None, label="Delivering e-mails and text messages", lease=dt.timedelta(minutes=2))
    yield KIND
    jobs.unregister(KIND)


def test_the_job_page_shows_progress_in_place_and_stops_asking_when_done(page: Page, live_server: str, session, kind) -> None:
    official = make_user(session, "official1", [Role.OFFICIAL])
    with transaction(session):
        job_id = jobs.enqueue(session, kind, created_by=official.id)
    sign_in(page, live_server, "official1")
    page.goto(f"{live_server}/jobs/{job_id}")
    card = page.locator("#job")
    expect(card).to_contain_text(msg("Waiting to start"))
    expect(page.get_by_role("heading", level=1)).to_have_text(msg("Delivering e-mails and text messages"))
    assert_accessible(page, "job-queued")
    page.evaluate("window.__yimiNoReload = true")

    claimed = jobs.claim(session, worker="browser-test", kinds=[kind])
    assert claimed is not None
    jobs.JobContext(session=session, job=claimed, worker="browser-test", lease=dt.timedelta(minutes=2)).progress(40, "40 of 100")
    session.commit()
    expect(card).to_contain_text("40 of 100", timeout=10_000)
    expect(card).to_contain_text(msg("Running"))
    expect(page.locator("#job-progress")).to_have_attribute("value", "40")

    assert jobs.run(session, claimed).state == "done"
    expect(card).to_contain_text(msg("Done"), timeout=10_000)
    expect(page.locator("#job-progress")).to_have_attribute("value", "100")
    expect(card.get_by_role("link")).to_have_count(0)  # no "refresh" link once it is finished
    assert page.evaluate("window.__yimiNoReload === true"), "the page reloaded instead of swapping the card"
    assert_accessible(page, "job-done")
    asked = []
    page.on("request", lambda request: asked.append(request.url) if "/jobs/" in request.url else None)
    page.wait_for_timeout(4500)
    assert asked == [], "the page kept asking after the job was done"
