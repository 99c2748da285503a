"""The whole consent path in a real browser (issue 4, "Tests and figures"): a guardian on a phone in zh-CN
opens the consent letter's link, proves their phone number with the code from the development outbox,
refuses quote and agrees to participate; the child then signs in on the tablet, assents and sees the home
screen; the guardian withdraws, and the child's next page load says kindly that they are not taking part.
axe-core finds nothing on every page of the guardian's path and on the assent page."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import col, select

from tests.browser.conftest import assert_accessible, msg
from tests.browser.test_tablet import _open_tablet, _tap
from tests.corps.tablet_helpers import classroom

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "has_touch": True}


def _latest_code(session) -> str:  # noqa: ANN001
    """The 6-digit code as the development outbox holds it (decrypted by the column type)."""
    from app.consent.guardians import OTP_KIND
    from app.notifications.models import OutboxMessage

    session.expire_all()
    message = session.exec(select(OutboxMessage).where(OutboxMessage.kind == OTP_KIND).order_by(col(OutboxMessage.id).desc())).first()
    assert message is not None, "no one-time code in the outbox"
    match = re.search(r"\b(\d{6})\b", message.body)
    assert match, message.body
    return match.group(1)


def test_guardian_consents_child_assents_guardian_withdraws(browser: Browser, page: Page, live_server: str, session) -> None:
    from app.consent import actions as consent_actions
    from app.consent import service as consent
    from app.consent.files import load_notice_versions
    from app.consent.models import DecidedBy, Decision, Guardianship, Purpose

    consent_actions.sync_notices(session=session, versions=load_notice_versions())
    room = classroom(session, size=1)
    child, picture_code = room.children[0]
    letter_code = consent_actions.issue_letter_code(session=session, actor=room.facilitator, child=child)

    # ---- the guardian, on a phone -----------------------------------------------------------------
    phone_context = browser.new_context(**PHONE)
    phone = phone_context.new_page()
    try:
        phone.goto(f"{live_server}/guardian")
        assert_accessible(phone, "zh_Hans-phone-guardian-code")
        phone.goto(f"{live_server}/guardian?code={letter_code}")  # the letter's link: straight to the next step
        expect(phone.locator("#contact")).to_be_visible()
        assert_accessible(phone, "zh_Hans-phone-guardian-contact")
        phone.locator("#contact").fill("138 0013 8000")
        phone.locator("form[action='/guardian/contact'] button[type=submit]").click()

        expect(phone.locator("#otp")).to_be_visible()
        assert_accessible(phone, "zh_Hans-phone-guardian-otp")
        phone.locator("#otp").fill(_latest_code(session))
        phone.locator("form[action='/guardian/verify'] button[type=submit]").click()

        expect(phone).to_have_url(f"{live_server}/guardian/children/{child.id}/consent")
        expect(phone.get_by_role("heading", level=1)).to_contain_text(child.display_name)
        assert_accessible(phone, "zh_Hans-phone-guardian-decide")
        # Issue 18: a layered notice: the first choice is within the first two screens of a phone, and the full
        # notice is one tap away on the same page.
        first_choice = phone.locator("input[name=participate][value=granted]").bounding_box()
        assert first_choice is not None and first_choice["y"] < 2 * 844, first_choice
        expect(phone.locator("details.full-notice .notice-text")).to_be_hidden()
        phone.locator("details.full-notice summary").click()
        expect(phone.locator("details.full-notice .notice-text")).to_be_visible()
        phone.locator("input[name=participate][value=granted]").check()
        phone.locator("input[name=quote][value=refused]").check()
        phone.locator("input[name=notify_guardian][value=refused]").check()
        phone.locator(f"form[action='/guardian/children/{child.id}/consent'] button[type=submit]").click()

        expect(phone).to_have_url(re.compile(rf"{re.escape(live_server)}/guardian/children/{child.id}/receipt/.+"))
        expect(phone.get_by_role("heading", level=1)).to_have_text(msg("Your choices are saved"))
        assert_accessible(phone, "zh_Hans-phone-guardian-receipt")

        # Issue 18: the dashboard fits a phone (the withdraw button on one line), and withdrawing asks once.
        phone.goto(f"{live_server}/guardian/home")
        withdraw = phone.get_by_role("button", name=msg("Withdraw…")).first
        for width in (390, 320):
            phone.set_viewport_size({"width": width, "height": 844})
            assert phone.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), width
            box = withdraw.bounding_box()
            assert box is not None and box["height"] < 60 and box["width"] > 60, (width, box)
        phone.set_viewport_size({"width": 390, "height": 844})
        assert_accessible(phone, "zh_Hans-phone-guardian-home")
        withdraw.click()
        expect(phone.get_by_role("heading", level=1)).to_contain_text(child.display_name)
        yes, keep = phone.get_by_role("button", name=msg("Yes, withdraw")), phone.get_by_role("link", name=msg("No, keep it"))
        assert abs(yes.bounding_box()["width"] - keep.bounding_box()["width"]) < 2  # equal buttons
        assert_accessible(phone, "zh_Hans-phone-guardian-withdraw")
        keep.click()
        expect(phone).to_have_url(f"{live_server}/guardian/home")
        # Every guardian page fits a 320 px and a 390 px phone without sideways scrolling (issue 18).
        pages = ["/guardian/home", f"/guardian/children/{child.id}/consent", f"/guardian/children/{child.id}/notice",
                 f"/guardian/children/{child.id}/export", f"/guardian/children/{child.id}/rights",
                 f"/guardian/children/{child.id}/erase", "/guardian/consultations"]
        for width in (320, 390):
            phone.set_viewport_size({"width": width, "height": 844})
            for path in pages:
                phone.goto(f"{live_server}{path}")
                wide = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
                assert wide <= 0, (path, width, wide)
        phone.set_viewport_size({"width": 390, "height": 844})
        phone.goto(f"{live_server}/guardian/children/{child.id}/export")
        assert_accessible(phone, "zh_Hans-phone-guardian-export")
        phone.goto(f"{live_server}/guardian/children/{child.id}/notice")
        assert_accessible(phone, "zh_Hans-phone-guardian-notice")
    finally:
        phone_context.close()

    session.expire_all()
    assert consent.guardian_agreed(session=session, child=child)
    assert not consent.allows(session=session, child=child, purpose=Purpose.QUOTE)  # refusing quote never blocks taking part

    # ---- the child, on the tablet ------------------------------------------------------------------
    _open_tablet(page, live_server, room)
    page.get_by_role("link", name=child.display_name).click()
    _tap(page, picture_code)
    expect(page).to_have_url(f"{live_server}/me/assent")
    assert_accessible(page, "zh_Hans-tablet-assent-after-guardian")
    page.get_by_role("button", name=msg("Yes, I want to take part")).click()
    expect(page).to_have_url(f"{live_server}/me?done=taking_part")
    expect(page.locator("#part-title")).to_have_text(msg("You are taking part"))
    session.expire_all()
    assert consent.allows(session=session, child=child, purpose=Purpose.PARTICIPATE)

    # ---- the guardian withdraws (the dashboard's one step, recorded as it records it) -----------------
    link = session.exec(select(Guardianship).where(Guardianship.child_id == child.id)).one()
    from app.consent.models import Guardian

    guardian = session.get(Guardian, link.guardian_id)
    consent.record(
        session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.WITHDRAWN, decided_by=DecidedBy.GUARDIAN,
        channel="web", guardian=guardian, notice_version=consent.current_version(session=session),
    )
    session.commit()

    # The child's next page load says it kindly, at once.
    page.goto(f"{live_server}/me")
    expect(page.locator("#paused-title")).to_have_text(msg("You are not taking part now"))
    expect(page.locator("#part-title")).to_have_count(0)
    expect(page.get_by_role("link", name=msg("I don't want to take part any more"))).to_have_count(0)
    assert_accessible(page, "zh_Hans-tablet-home-withdrawn")
