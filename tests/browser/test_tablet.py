"""The shared tablet in a real browser, iPad-sized, in zh-CN: a facilitator opens a group session from the
group's page; two children sign in one after the other by tapping pictures; each sees their own home and
taps "I'm done". axe-core finds nothing on the avatar grid, the picture code and the home screen. The same
sign-in works with JavaScript switched off."""

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import assert_accessible, dead_controls, msg, sign_in, small_targets
from tests.corps.tablet_helpers import classroom

pytestmark = pytest.mark.browser


def _open_tablet(page: Page, base: str, room) -> None:  # noqa: ANN001
    sign_in(page, base, room.facilitator.username)
    page.goto(f"{base}/corps/groups/{room.group.id}")
    page.get_by_role("button", name=msg("Open a tablet for this group")).click()
    expect(page).to_have_url(f"{base}/tablet")


def _tap(page: Page, code: list[str]) -> None:
    for picture in code:
        page.locator(f"button.picture-button[value={picture}]").click()


def test_two_children_sign_in_one_after_the_other(page: Page, live_server: str, session) -> None:
    room = classroom(session, size=2)
    (first, first_code), (second, second_code) = room.children
    _open_tablet(page, live_server, room)
    expect(page.locator(".staff-nav")).to_have_count(0)  # the facilitator is signed out on the tablet
    assert_accessible(page, "zh_Hans-tablet-grid")
    assert small_targets(page, child=True) == []  # "for grown-ups: end the group session" too (issue 18)

    for child, code, shot in ((first, first_code, True), (second, second_code, False)):
        page.get_by_role("link", name=child.display_name).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(child.display_name)
        if shot:
            assert_accessible(page, "zh_Hans-tablet-code")
        _tap(page, code[:2])
        expect(page.locator(".dot.filled")).to_have_count(2)
        page.locator(f"button.picture-button[value={code[2]}]").click()
        expect(page).to_have_url(f"{live_server}/me")
        expect(page.get_by_role("heading", level=1)).to_contain_text(child.display_name)
        other = second if child is first else first
        expect(page.locator("main")).not_to_contain_text(other.display_name)
        if shot:
            assert_accessible(page, "zh_Hans-tablet-home")
            assert small_targets(page, child=True) == []
        page.get_by_role("button", name=msg("I'm done")).click()
        expect(page).to_have_url(f"{live_server}/tablet?done=see_you")
        assert not [c for c in page.context.cookies() if c["name"] == "yimi_child"]

    # Staff pages stay out of reach from the tablet.
    page.goto(f"{live_server}/staff")
    expect(page).to_have_url(f"{live_server}/tablet")


def test_a_wrong_code_is_kind_and_the_grid_is_accessible_in_english(page: Page, live_server: str, session) -> None:
    room = classroom(session, size=1)
    child, code = room.children[0]
    _open_tablet(page, live_server, room)
    page.goto(f"{live_server}/language?locale=en&next=/tablet")
    page.get_by_role("link", name=child.display_name).click()
    _tap(page, [code[0], code[1], "boat" if code[2] != "boat" else "sun"])
    expect(page.get_by_role("alert")).to_contain_text("Those pictures are not right")
    assert_accessible(page, "en-tablet-code-wrong")


def test_the_idle_warning_appears_at_eight_minutes_and_one_tap_keeps_the_child(page: Page, live_server: str, session) -> None:
    room = classroom(session, size=1)
    child, code = room.children[0]
    _open_tablet(page, live_server, room)
    page.get_by_role("link", name=child.display_name).click()
    page.clock.install()
    _tap(page, code)
    expect(page).to_have_url(f"{live_server}/me")
    # The URL changes when the answer arrives; the idle timers start on DOMContentLoaded. Moving the
    # clock before they exist would move it past nothing (a PostgreSQL CI run did exactly that).
    page.wait_for_load_state("load")
    warning = page.locator("#idle-warning")
    page.clock.fast_forward("07:50")
    expect(warning).to_be_hidden()
    page.clock.fast_forward("00:15")  # 8 minutes and 5 seconds without a tap
    expect(warning).to_be_visible()
    expect(page.get_by_role("button", name=msg("I'm still here"))).to_be_focused()
    assert_accessible(page, "zh_Hans-tablet-idle-warning")
    with page.expect_response(lambda r: r.url.endswith("/me/still-here")) as answer:
        page.get_by_role("button", name=msg("I'm still here")).click()
    assert answer.value.status == 204
    expect(warning).to_be_hidden()
    expect(page).to_have_url(f"{live_server}/me")


def test_sign_in_works_without_javascript_and_shows_no_button_that_needs_it(browser: Browser, live_server: str, session, browser_context_args) -> None:
    room = classroom(session, size=1)
    child, code = room.children[0]
    context = browser.new_context(**{**browser_context_args, "java_script_enabled": False})
    page = context.new_page()
    try:
        _open_tablet(page, live_server, room)
        assert dead_controls(page) == []  # "read aloud" needs JavaScript: without it, it is not shown
        page.get_by_role("link", name=child.display_name).click()
        assert dead_controls(page) == []
        _tap(page, code[:1])
        assert dead_controls(page) == []  # "start again" is a real submit once a picture is tapped
        _tap(page, code[1:])
        expect(page).to_have_url(f"{live_server}/me")
        expect(page.get_by_role("heading", level=1)).to_contain_text(child.display_name)
        assert dead_controls(page) == []
    finally:
        context.close()


def test_a_child_assents_on_the_tablet_and_can_stop(page: Page, live_server: str, session) -> None:
    """CON-08 in zh-CN on an iPad: after the guardian's yes, the child notice with two equal buttons; yes
    leads home; stopping asks once more with two equal buttons. axe finds nothing on each screen."""
    from app.consent import actions as consent_actions
    from app.consent import service as consent
    from app.consent.files import load_notice_versions
    from app.consent.models import DecidedBy, Decision, Guardian, Purpose
    from app.core import crypto

    consent_actions.sync_notices(session=session, versions=load_notice_versions())
    room = classroom(session, size=1)
    child, code = room.children[0]
    guardian = Guardian(contact_kind="phone", contact="13800138000", contact_hash=crypto.lookup_hash("13800138000", purpose="phone"))
    session.add(guardian)
    session.commit()
    consent.record(
        session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.GRANTED,
        decided_by=DecidedBy.GUARDIAN, channel="web", guardian=guardian,
    )
    session.commit()
    _open_tablet(page, live_server, room)
    page.get_by_role("link", name=child.display_name).click()
    _tap(page, code)
    expect(page).to_have_url(f"{live_server}/me/assent")
    yes = page.get_by_role("button", name=msg("Yes, I want to take part"))
    no = page.get_by_role("button", name=msg("Not now"))
    expect(page.locator("#notice-body")).not_to_be_empty()
    yes_box, no_box = yes.bounding_box(), no.bounding_box()
    assert (round(yes_box["width"]), round(yes_box["height"])) == (round(no_box["width"]), round(no_box["height"]))
    assert_accessible(page, "zh_Hans-tablet-assent")
    yes.click()
    expect(page).to_have_url(f"{live_server}/me?done=taking_part")
    assert_accessible(page, "zh_Hans-tablet-home-taking-part")
    page.get_by_role("link", name=msg("I don't want to take part any more")).click()
    expect(page).to_have_url(f"{live_server}/me/stop")
    assert_accessible(page, "zh_Hans-tablet-stop")
    page.get_by_role("button", name=msg("Yes, I want to stop")).click()
    expect(page).to_have_url(f"{live_server}/me?done=stopped")
    expect(page.get_by_role("link", name=msg("I want to take part after all"))).to_be_visible()
    assert_accessible(page, "zh_Hans-tablet-home-not-now")
    session.expire_all()
    assert not consent.allows(session=session, child=child, purpose=Purpose.PARTICIPATE)


def test_a_young_person_decides_for_themselves_on_their_phone(page: Page, live_server: str, session) -> None:
    """CON-09: the teen notice and one agree / don't agree per purpose; axe finds nothing."""
    from app.consent import actions as consent_actions
    from app.consent import service as consent
    from app.consent.files import load_notice_versions
    from app.consent.models import Purpose
    from app.corps import actions as corps
    from app.corps.models import ChildCreate

    consent_actions.sync_notices(session=session, versions=load_notice_versions())
    room = classroom(session, size=0)
    teen, _ = corps.enrol(session=session, actor=room.facilitator, group=room.group, data=ChildCreate(display_name="Rocket", birth_year=2010, birth_month=1))
    personal = corps.issue_personal_code(session=session, actor=room.facilitator, child=teen)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/young")
    page.locator("#code").fill(personal)
    page.locator("form[action='/young'] button[type=submit]").click()
    expect(page).to_have_url(f"{live_server}/me/consent")
    assert_accessible(page, "zh_Hans-phone-teen-consent")
    for purpose, choice in (("participate", "agree"), ("quote", "disagree"), ("notify_guardian", "disagree")):
        page.locator(f"input[name='decision-{purpose}'][value={choice}]").check()
    page.get_by_role("button", name=msg("Save my choices")).click()
    expect(page).to_have_url(f"{live_server}/me?done=choices_saved")
    session.expire_all()
    assert consent.allows(session=session, child=teen, purpose=Purpose.PARTICIPATE)
    assert not consent.allows(session=session, child=teen, purpose=Purpose.QUOTE)
