"""Two levels of safeguarding outcome (issue 14, SG-01, SG-02): *certain* words open a case at once;
*possible* words are held, shown to nobody, open no case, and wait on the officers' "please read" list with
their own SLA (YIMI_SAFEGUARDING_REVIEW_MINUTES); not read in time, they escalate to administrators; one tap
opens a case or returns them to normal moderation, audited. The child sees what they see for any held
comment; the transparency page and its API count both levels.

The meaning detector's probabilities are fixed here (``fixed_meaning``) so that these tests follow the
workflow, not the model; tests/moderation/test_meaning.py tests the detector itself."""

import datetime as dt

import pytest
from sqlmodel import select

from app.accounts.models import Role, StaffUser
from app.core.audit import AuditEvent
from app.core.config import get_settings
from app.moderation import service as moderation
from app.moderation.models import Decision, ModeratedItem
from app.moderation.screening import Action, meaning
from app.notifications.models import OutboxMessage
from app.safeguarding import actions as sg_actions
from app.safeguarding import service
from app.safeguarding.models import CaseSource, PossibleConcern, SafeguardingCase
from tests.conftest import make_user, post_form
from tests.moderation.test_queue import Scene, moderator_client
from tests.safeguarding.helpers import officer

POSSIBLE = "最近晚上家里经常没有人，我自己在家"  # fixed at 0.70 for neglect: between possible and certain
CERTAIN = "我爸爸每天打我"  # the lexicon: certain


@pytest.fixture
def fixed_meaning(monkeypatch):
    """The meaning detector answers 0.70 (neglect) for POSSIBLE and nothing for other texts."""

    def scores(texts):
        return [{label: (0.70 if text == POSSIBLE and label == "neglect" else 0.0) for label in meaning.LABELS} for text in texts]

    monkeypatch.setattr(meaning, "scores", scores)


@pytest.fixture
def scene(session, fixed_meaning) -> Scene:
    return Scene(session)


def _raw_token(session, user) -> str:
    from app.accounts import actions as accounts

    issuer = session.exec(select(StaffUser).where(StaffUser.username == "admin-tokens")).first() or make_user(session, "admin-tokens", [Role.ADMIN])
    return accounts.issue_token(session=session, actor=issuer, user=user, name="possible")[1]


def _concern(session, comment) -> PossibleConcern:
    session.expire_all()
    return session.exec(select(PossibleConcern).where(PossibleConcern.comment_id == comment.id)).one()


def _events(session, action: str) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def test_possible_words_are_held_listed_for_officers_and_open_no_case(scene, session, app):
    sent = scene.comment(scene.children[0], POSSIBLE)
    assert sent.status == "pending"  # held: shown to nobody
    review = scene.review(sent)
    assert review.action == Action.SAFEGUARDING_POSSIBLE.value
    assert [f["level"] for f in review.findings if f["category"] == "safeguarding"] == ["possible"]
    assert session.exec(select(SafeguardingCase)).all() == []  # no case opened
    assert not session.exec(select(OutboxMessage).where(OutboxMessage.kind == "safeguarding_alert")).all()
    concern = _concern(session, sent)
    assert concern.words == POSSIBLE and concern.subkinds == ["neglect"] and concern.read_at is None
    assert len(_events(session, "safeguarding.possible_listed")) == 1
    # Out of the normal queue (and its backlog), and no moderator may decide it.
    assert sent.id not in [i.subject.id for i in moderation.queue(session=session)]
    assert moderation.backlog(session=session).waiting == 0
    with pytest.raises(moderation.NotFound):
        moderation.decide(session=session, moderator=scene.moderator, kind="comment", subject_id=sent.id, decision=Decision.APPROVED)
    session.rollback()
    # The officer's list shows the words and when they are due.
    client = moderator_client(app, officer(session))
    page = client.get("/safeguarding/to-read")
    assert page.status_code == 200 and POSSIBLE in page.text and concern.number in page.text
    item = service.to_read(session=session)[0]
    assert item.due_at == concern.listed_at + dt.timedelta(minutes=get_settings().safeguarding_review_minutes)
    page = client.get("/safeguarding").text
    assert "1 text waits to be read" in page, page[page.find("safeguarding-banner") - 200:page.find("safeguarding-banner") + 600]  # the banner


def test_the_child_sees_what_they_see_for_any_held_comment(scene, session):
    from app.consultations import answering
    from app.consultations.models import AnswerIn, Channel

    child = scene.children[0]
    sent = answering.submit(
        session=session, child=child, consultation=scene.consultation,
        answers=[AnswerIn(question_id=scene.question.id, text=POSSIBLE)],
        key=answering.new_key(child=child, consultation=scene.consultation), channel=Channel.TABLET,
    )
    session.commit()
    assert sent.told_a_grown_up is False  # the usual thanks, not the calm screen
    [mine] = moderation.my_comments(session=session, child=child, kind="comment")
    assert mine.state == moderation.ChildState.WAITING
    certain = scene.comment(scene.children[1], CERTAIN)
    assert certain.status == "rejected" and len(session.exec(select(SafeguardingCase)).all()) == 1


def test_unread_words_escalate_to_administrators_once_after_their_sla(scene, session):
    admin = make_user(session, "admin-esc", [Role.ADMIN])
    sg_actions.set_duty(session=session, user=admin, on_duty=False, alert_channel="email", alert_contact="admin@example.org")
    sent = scene.comment(scene.children[0], POSSIBLE)
    concern = _concern(session, sent)
    minutes = get_settings().safeguarding_review_minutes
    assert sg_actions.escalate_unread_due(session=session, now=concern.listed_at + dt.timedelta(minutes=minutes - 1)) == 0
    assert sg_actions.escalate_unread_due(session=session, now=concern.listed_at + dt.timedelta(minutes=minutes, seconds=1)) == 1
    assert sg_actions.escalate_unread_due(session=session, now=concern.listed_at + dt.timedelta(minutes=minutes * 3)) == 0
    assert _concern(session, sent).escalated_at is not None
    [message] = session.exec(select(OutboxMessage).where(OutboxMessage.kind == service.POSSIBLE_ESCALATION_KIND)).all()
    assert message.recipient == "admin@example.org" and concern.number in message.body and POSSIBLE not in message.body
    assert len(_events(session, "safeguarding.possible_escalated")) == 1
    banner = service.banner(session=session, user=admin)
    assert banner is not None and banner.escalated and banner.to_read == 1


def test_the_worker_command_escalates_unread_words(scene, session, monkeypatch):
    from typer.testing import CliRunner

    from app.cli import app as cli

    sent = scene.comment(scene.children[0], POSSIBLE)
    session.execute(PossibleConcern.__table__.update().values(listed_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)))
    session.commit()
    result = CliRunner().invoke(cli, ["safeguarding", "escalate"])
    assert result.exit_code == 0, result.output
    assert _concern(session, sent).escalated_at is not None


def test_one_tap_opens_a_case_and_the_comment_leaves_moderation_unpublished(scene, session, app):
    sent = scene.comment(scene.children[0], POSSIBLE)
    concern = _concern(session, sent)
    officer_user = officer(session)
    client = moderator_client(app, officer_user)
    response = post_form(client, f"/safeguarding/to-read/{concern.id}/open-case", page="/safeguarding/to-read")
    assert response.status_code == 303
    case = session.exec(select(SafeguardingCase)).one()
    assert response.headers["location"] == f"/safeguarding/cases/{case.id}?done=case_opened_from_reading"
    assert (case.source, case.words, case.subkinds, case.opened_by_id) == (CaseSource.SCREENING.value, POSSIBLE, ["neglect"], officer_user.id)
    assert case.comment_id == sent.id and case.child_id == scene.children[0].id
    concern = _concern(session, sent)
    assert (concern.outcome, concern.read_by_id, concern.case_id) == ("case_opened", officer_user.id, case.id)
    assert scene.fresh(sent).status == "rejected" and scene.review(sent).decision == Decision.ESCALATED.value
    assert len(_events(session, "safeguarding.possible_case_opened")) == 1
    assert len(_events(session, "safeguarding.case_opened")) == 1
    [mine] = moderation.my_comments(session=session, child=scene.children[0], kind="comment")
    assert mine.state == moderation.ChildState.WITH_HELPER
    # A second tap (another officer, or twice) changes nothing and says why.
    again = post_form(client, f"/safeguarding/to-read/{concern.id}/return", page="/safeguarding/to-read")
    assert again.status_code == 409 and "Another officer has already read these words" in again.text
    assert len(session.exec(select(SafeguardingCase)).all()) == 1


def test_one_tap_returns_the_words_to_normal_moderation(scene, session, app):
    sent = scene.comment(scene.children[0], POSSIBLE)
    concern = _concern(session, sent)
    client = moderator_client(app, officer(session))
    response = post_form(client, f"/safeguarding/to-read/{concern.id}/return", page="/safeguarding/to-read")
    assert response.status_code == 303 and response.headers["location"] == "/safeguarding/to-read?done=reading_returned"
    assert _concern(session, sent).outcome == "returned"
    review: ModeratedItem = scene.review(sent)
    assert review.action == Action.CLEAN.value and scene.fresh(sent).status == "pending"
    assert sent.id in [i.subject.id for i in moderation.queue(session=session)]
    assert session.exec(select(SafeguardingCase)).all() == []
    assert len(_events(session, "safeguarding.possible_returned")) == 1
    moderation.decide(session=session, moderator=scene.moderator, kind="comment", subject_id=sent.id, decision=Decision.APPROVED)
    session.commit()
    assert scene.fresh(sent).status == "approved"


def test_the_list_is_for_safeguarding_staff_and_only_officers_act(scene, session, app):
    sent = scene.comment(scene.children[0], POSSIBLE)
    concern = _concern(session, sent)
    admin = make_user(session, "admin-read", [Role.ADMIN])
    admin_client = moderator_client(app, admin)
    page = admin_client.get("/safeguarding/to-read")
    assert page.status_code == 200 and POSSIBLE in page.text and "/open-case" not in page.text
    assert post_form(admin_client, f"/safeguarding/to-read/{concern.id}/open-case", page="/staff").status_code == 403
    assert moderator_client(app, scene.moderator).get("/safeguarding/to-read").status_code == 403


def test_the_api_lists_opens_and_returns(scene, session, client):
    first = scene.comment(scene.children[0], POSSIBLE)
    second = scene.comment(scene.children[1], POSSIBLE)
    headers = {"Authorization": f"Bearer {_raw_token(session, officer(session))}"}
    listed = client.get("/api/v1/safeguarding/to-read", headers=headers)
    assert listed.status_code == 200
    assert [(i["comment_id"], i["words"], i["subkinds"]) for i in listed.json()] == [(first.id, POSSIBLE, ["neglect"]), (second.id, POSSIBLE, ["neglect"])]
    ids = [i["id"] for i in listed.json()]
    opened = client.post(f"/api/v1/safeguarding/to-read/{ids[0]}/open-case", headers=headers)
    assert opened.status_code == 201 and opened.json()["number"].startswith("SG-")
    returned = client.post(f"/api/v1/safeguarding/to-read/{ids[1]}/return", headers=headers)
    assert returned.status_code == 200 and returned.json()["outcome"] == "returned"
    assert client.post(f"/api/v1/safeguarding/to-read/{ids[1]}/open-case", headers=headers).status_code == 409
    assert client.get("/api/v1/safeguarding/to-read", headers=headers).json() == []
    assert len(client.get("/api/v1/safeguarding/to-read?unread=false", headers=headers).json()) == 2
    moderator_headers = {"Authorization": f"Bearer {_raw_token(session, scene.moderator)}"}
    assert client.get("/api/v1/safeguarding/to-read", headers=moderator_headers).status_code == 403


def test_transparency_counts_both_levels(scene, session, client, app):
    returned = scene.comment(scene.children[0], POSSIBLE)
    scene.comment(scene.children[1], POSSIBLE)
    scene.comment(scene.children[2], CERTAIN)
    sg_actions.return_possible(session=session, officer=officer(session), concern=_concern(session, returned))
    report = moderation.transparency(session=session, kind="comment", scope_id=scene.consultation.id)["child"]
    assert (report.safeguarding_cases, report.safeguarding_read_first, report.received) == (1, 2, 3)
    body = client.get(f"/api/v1/moderation/consultations/{scene.consultation.id}/transparency",
                      headers={"Authorization": f"Bearer {_raw_token(session, scene.moderator)}"}).json()
    assert body["children"]["safeguarding_cases"] == 1 and body["children"]["safeguarding_read_first"] == 2
    assert POSSIBLE not in str(body)
    page = moderator_client(app, scene.moderator).get(f"/consultations/{scene.consultation.id}/transparency").text
    assert "read first by a grown-up who keeps children safe" in page


def test_withdrawn_words_leave_the_list_with_the_comment(scene, session):
    from app.consultations.models import Comment

    sent = scene.comment(scene.children[0], POSSIBLE)
    session.delete(session.get(Comment, sent.id))
    session.commit()
    assert session.exec(select(PossibleConcern)).all() == []
