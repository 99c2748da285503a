"""Issue 17's whole loop in one browser test (Chromium, zh-CN; PAR-07, PAR-08, PAR-09, DP-12): an official at laptop
size records a decision, answers every theme (one "not adopted", with its reason), adds two commitments, previews
the answer as a child of 6–9 and publishes; the guardian's message is in the development outbox (an administrator
reads it at /admin/outbox); the guardian, on a phone, sees the answer on their dashboard and follows the link; on
an iPad-sized tablet a child who took part sees the "news" badge, opens the page, taps "not sure" and writes why;
the public page shows the consultation and another one whose response date has passed as overdue; the official
marks a commitment done and the child's home shows it as an update. axe-core finds nothing on any page;
screenshots go to test-results/screenshots/journey-done-*.png (the readers' pages also in
docs/screenshots/issue-17-journey/)."""

import datetime as dt

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session, col, select

from app.accounts.models import Role
from app.consent import service as consent
from app.consent.models import DecidedBy, Decision, Guardian, GuardianSession, Guardianship, Purpose
from app.core.db import city_today, utcnow
from app.core.security import new_token, token_hash
from app.insights.models import Theme
from app.notifications.models import OutboxMessage
from app.responses import hearing
from app.responses.models import Commitment, Reaction
from tests.browser.conftest import SCREENSHOTS, assert_accessible, keep_for_docs, msg, sign_in, small_targets
from tests.browser.test_consultations_child import _sign_in_on_tablet
from tests.conftest import make_user
from tests.consultations.helpers import load_notices, official, open_consultation, take_part
from tests.corps.tablet_helpers import classroom
from tests.responses.hearing_helpers import answer, close
from tests.responses.helpers import THEMES

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
IPAD = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}
DOCS = "issue-17-journey"  # the pages people look at with the issue
SHOT = "journey-done"
NOT_ADOPTED = "游乐区场地太小，放不下更多秋千。"
FOR_YOUNG = "秋千放不下了，对不起。"
COMMITMENTS = (("增加四个新秋千", "五华区住建局"), ("在游乐区种二十棵树", "五华区园林局"))


def _seed(session: Session):  # noqa: ANN202
    """Six children of one class took part (answered; the first wrote an idea) in a consultation now closed, with two
    accepted children's themes; the first child's guardian asked to be told (notify_guardian). Another consultation
    closed with its response date four days ago."""
    load_notices(session)
    actor = official(session, "official-journey")
    room = classroom(session, size=6, code="class-done", facilitator="teacher-done")
    guardians = [take_part(session, child) for child, _code in room.children]
    consultation = open_consultation(session, actor)
    for n, (child, _code) in enumerate(room.children):
        answer(session, child, consultation, text="多装秋千，夏天要有树荫" if n == 0 else None)
    close(session, consultation, respond_by=city_today() + dt.timedelta(days=30))
    for i, (name, description) in enumerate(THEMES):
        session.add(Theme(consultation_id=consultation.id, audience="child", position=i, name=dict(name), description=dict(description),
                          child_words={"zh_Hans": description["zh_Hans"]}, accepted=True))
    session.commit()
    consent.record(session=session, child=room.children[0][0], purpose=Purpose.NOTIFY_GUARDIAN, decision=Decision.GRANTED,
                   decided_by=DecidedBy.GUARDIAN, channel="web", guardian=guardians[0])
    session.commit()
    late = open_consultation(session, actor, title={"zh_Hans": "学校门口的安全", "en": "Safe school gates"}, topic="spaces.school_routes")
    close(session, late, respond_by=city_today() - dt.timedelta(days=4))
    make_user(session, "admin-journey", [Role.ADMIN])
    return actor, room, consultation, late


def _check(page: Page, name: str, *, child: bool = False, keep: bool = False) -> None:
    page.wait_for_load_state("load")
    assert_accessible(page, f"{SHOT}-{name}")
    if keep:
        keep_for_docs(SCREENSHOTS / f"{SHOT}-{name}.png", DOCS, name)
    if child:
        assert small_targets(page, child=True) == [], (name, "a control on a child's screen is smaller than a finger")


def _official_answers_and_publishes(page: Page, base: str, cid: int) -> None:
    workspace = f"{base}/consultations/{cid}/responses"
    page.goto(f"{base}/responses")
    expect(page.locator(f"a[href='/consultations/{cid}/responses']").first).to_be_visible()
    _check(page, "awaiting")
    page.goto(workspace)
    _check(page, "workspace-empty")

    page.locator(f"a[href='/consultations/{cid}/responses/decisions/new']").click()
    page.locator("#text_zh").fill("区住建局决定在游乐区种树遮阳，秋千不再增加。")
    page.locator("#reference").fill("五住建〔2026〕12号")
    _check(page, "decision-form")
    page.locator("form[action$='/responses/decisions'] button[type=submit]").click()
    expect(page.locator(".notice")).to_be_visible()

    page.goto(workspace)
    expect(page.locator("#themes tbody tr")).to_have_count(len(THEMES))
    for index, (outcome, reason) in enumerate((("not_adopted", NOT_ADOPTED), ("adopted", ""))):
        page.goto(workspace)
        page.locator("#themes tbody tr a").nth(index).click()
        page.locator(f"input[name=outcome][value={outcome}]").check()
        if reason:
            page.locator("#reason_zh").fill(reason)
        page.locator("#explanation_zh").fill("经研究，区住建局作出以上决定。")
        page.locator("#child_6-9_zh").fill(FOR_YOUNG if index == 0 else "我们会在游乐区种树。")
        page.locator("#child_10-13_zh").fill("秋千放不下了，但是我们会种树。" if index == 0 else "我们会在游乐区种二十棵树。")
        page.locator("#child_14-17_zh").fill("我们认真考虑了你们的意见。")
        page.locator("#decision_id").select_option(index=1)
        if index == 0:
            _check(page, "response-form")
        page.locator("form.stack button[type=submit]").first.click()
        expect(page.locator(".notice")).to_be_visible()

    for action, department in COMMITMENTS:
        page.locator("#action_zh").fill(action)
        page.locator("#department_zh").fill(department)
        page.locator("#due_on").fill("2027-06-01")
        page.locator("form[action$='/responses/commitments'] button[type=submit]").click()
        expect(page.locator(".notice")).to_be_visible()
    expect(page.locator("#commitments li")).to_have_count(2)
    expect(page.locator("#check .missing")).to_have_count(0)
    _check(page, "workspace-ready")

    page.goto(f"{workspace}/preview?reader=6-9")
    expect(page.get_by_text(FOR_YOUNG)).to_be_visible()
    expect(page.get_by_text("经研究，区住建局作出以上决定。")).to_have_count(0)  # a child never reads the adults' words
    _check(page, "preview-6-9", keep=True)

    page.goto(workspace)
    page.locator("form[action$='/responses/publish'] button[type=submit]").click()
    expect(page.locator(".notice")).to_have_text(msg("Published. Children, guardians and the public can now read the response."))
    _check(page, "published")


def _guardian_sees_it(browser: Browser, base: str, session: Session, room, cid: int) -> None:  # noqa: ANN001
    child = room.children[0][0]
    guardian = session.exec(select(Guardian).join(Guardianship, col(Guardianship.guardian_id) == Guardian.id)
                            .where(Guardianship.child_id == child.id)).one()
    raw = new_token()
    session.add(GuardianSession(guardian_id=guardian.id, token_hash=token_hash(raw), csrf_token=new_token(),
                                expires_at=utcnow() + dt.timedelta(hours=12)))
    session.commit()
    context = browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True)
    context.add_cookies([{"name": "yimi_guardian", "value": raw, "url": base}])
    try:
        phone = context.new_page()
        phone.goto(f"{base}/guardian/home")
        expect(phone.locator("#heard-responses-title")).to_have_text(msg("The city has answered the children"))
        _check(phone, "guardian-phone-home", keep=True)
        phone.locator(f"a[href='/said-and-done/{cid}']").first.click()
        expect(phone.locator("h1")).to_contain_text("翠湖公园")
        expect(phone.get_by_text(NOT_ADOPTED)).to_be_visible()
        assert phone.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        _check(phone, "guardian-phone-said-and-done")
    finally:
        context.close()


def test_an_answer_goes_from_the_official_to_the_child_the_guardian_and_the_public(browser: Browser, live_server: str,
                                                                                    session: Session) -> None:
    _actor, room, consultation, late = _seed(session)
    cid = consultation.id
    staff = browser.new_context(viewport=LAPTOP, locale="zh-CN")
    tablet = browser.new_context(viewport=IPAD, locale="zh-CN", has_touch=True)
    try:
        page = staff.new_page()
        sign_in(page, live_server, "official-journey")
        _official_answers_and_publishes(page, live_server, cid)

        # PAR-08: exactly one message to the one guardian who asked, with the public link and no child's name.
        session.expire_all()
        messages = session.exec(select(OutboxMessage).where(OutboxMessage.kind == hearing.GUARDIANS_KIND)).all()
        assert len(messages) == 1
        assert f"/said-and-done/{cid}" in messages[0].body and room.children[0][0].display_name not in messages[0].body
        admin = browser.new_context(viewport=LAPTOP, locale="zh-CN")
        try:
            outbox = admin.new_page()
            sign_in(outbox, live_server, "admin-journey")
            outbox.goto(f"{live_server}/admin/outbox?kind={hearing.GUARDIANS_KIND}")
            expect(outbox.get_by_text(f"/said-and-done/{cid}").first).to_be_visible()
            _check(outbox, "outbox")
        finally:
            admin.close()

        _guardian_sees_it(browser, live_server, session, room, cid)

        # The child on the tablet: the news badge, the page, "not sure" and why.
        child_page = tablet.new_page()
        _sign_in_on_tablet(child_page, live_server, room, "zh_Hans")
        card = child_page.locator(f"a.has-news[href='/me/consultations/{cid}/heard-back']")
        expect(card).to_be_visible()
        expect(child_page.locator("#ideas-title .news-badge")).to_have_text(msg("News"))
        _check(child_page, "child-home-news", child=True, keep=True)
        card.click()
        expect(child_page.locator("#heard-title")).to_have_text(msg("What the city answered"))
        expect(child_page.locator("#decided-list")).to_contain_text("秋千放不下了，但是我们会种树。")  # born 2016: the 10-13 words
        expect(child_page.locator("#decided-list")).not_to_contain_text("经研究")
        _check(child_page, "child-heard-back", child=True)
        unsure = child_page.locator("button[name=face][value=unsure]")
        expect(unsure).to_contain_text(msg("Not sure"))
        unsure.click()
        expect(child_page.locator("button[name=face][value=unsure]")).to_have_attribute("aria-pressed", "true")
        child_page.locator("#why").fill("我更想要秋千，树要很久才长大")
        child_page.locator("form.why-form button[type=submit]").click()
        expect(child_page.locator("#react .notice")).to_have_text(msg("Thank you! A grown-up reads your words first, then the city can read them."))
        _check(child_page, "child-reacted", child=True, keep=True)
        child_page.goto(f"{live_server}/me")
        expect(child_page.locator("#ideas-title .news-badge")).to_have_count(0)  # read: the news is gone
        session.expire_all()
        reaction = session.exec(select(Reaction).where(Reaction.child_id == room.children[0][0].id)).one()
        assert (reaction.face, reaction.why, reaction.why_status) == ("unsure", "我更想要秋千，树要很久才长大", "pending")

        # The public page: this consultation, and the late one as overdue.
        public = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        try:
            reader = public.new_page()
            reader.goto(f"{live_server}/said-and-done")
            expect(reader.locator("h1")).to_have_text(msg("You said, we did"))
            expect(reader.locator(f"#consultation-{cid}")).to_contain_text("翠湖公园")
            expect(reader.locator(f"#consultation-{late.id} .overdue")).to_be_visible()
            expect(reader.locator(f"#consultation-{cid} .overdue")).to_have_count(0)
            _check(reader, "public", keep=True)
        finally:
            public.close()

        # The official marks the first commitment done; the child's home shows it as an update.
        first = session.exec(select(Commitment).where(Commitment.consultation_id == cid).order_by(col(Commitment.id))).first()
        page.goto(f"{live_server}/consultations/{cid}/responses")
        page.locator(f"#commitments a[href='/responses/commitments/{first.id}']").click()
        _check(page, "commitment")
        page.locator("#status").select_option("done")
        page.locator(f"form[action='/responses/commitments/{first.id}'] button[type=submit]").click()
        expect(page.locator("h1 + p .badge")).to_have_text(msg("Done"))
        _check(page, "commitment-done")

        child_page.goto(f"{live_server}/me")
        update = child_page.locator(f"a.has-news[href='/me/consultations/{cid}/heard-back'] .news-badge")
        expect(update).to_have_text(msg("An update on %(what)s") % {"what": COMMITMENTS[0][0]})
        _check(child_page, "child-home-update", child=True, keep=True)
        child_page.locator(f"a.has-news[href='/me/consultations/{cid}/heard-back']").click()
        expect(child_page.locator("main")).to_contain_text(COMMITMENTS[0][0])
        _check(child_page, "child-heard-back-update", child=True)
    finally:
        tablet.close()
        staff.close()
