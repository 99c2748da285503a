"""The child's side of moderation (MOD-03, MOD-20, MOD-21, DP-16): "My comments" shows each of the child's
comments with its state in child words, the one kind sentence of the reason when it is not shown, and a
button to ask a person to look again — which puts it back in the queue for a *different* moderator."""

import pytest
from sqlmodel import Session, select

from app.accounts.models import Role
from app.consent import service as consent
from app.consent.models import DecidedBy, Purpose
from app.consent.models import Decision as ConsentDecision
from app.consultations import answering
from app.consultations import service as consultations
from app.consultations.models import AnswerIn, Channel, Comment, CommentStatus, QuestionIn, QuestionKind
from app.core.audit import AuditEvent
from app.moderation import service
from app.moderation.models import REASON_FOR_CHILDREN, Decision, ModeratedItem, Reason
from tests.conftest import make_user, post_form
from tests.consultations.helpers import open_consultation, signed_in_taking_part

QUESTIONS = [
    QuestionIn(kind=QuestionKind.SCALE, prompt={"zh_Hans": "你觉得现在的公园怎么样？", "en": "How do you like the park now?"}),
    QuestionIn(kind=QuestionKind.TEXT, prompt={"zh_Hans": "你还有什么想法？", "en": "Any other ideas?"}),
]


class Mine:
    def __init__(self, client, session: Session) -> None:  # noqa: ANN001
        self.client, self.session = client, session
        self.room, self.child = signed_in_taking_part(client, session, size=2)
        self.moderator = make_user(session, "moderator1", [Role.MODERATOR])
        self.second = make_user(session, "moderator2", [Role.MODERATOR])

    def comment(self, text: str, title: str = "公园") -> Comment:
        consultation = open_consultation(self.session, questions=QUESTIONS, title={"zh_Hans": title, "en": title})
        scale, question = consultations.questions_of(session=self.session, consultation=consultation)
        answering.submit(
            session=self.session, child=self.child, consultation=consultation,
            answers=[AnswerIn(question_id=scale.id, scale=3), AnswerIn(question_id=question.id, text=text)],
            key=answering.new_key(child=self.child, consultation=consultation), channel=Channel.TABLET,
        )
        self.session.commit()
        return self.session.exec(select(Comment).where(Comment.question_id == question.id, Comment.child_id == self.child.id)).one()

    def decide(self, comment: Comment, decision: Decision, moderator=None, **kw) -> None:  # noqa: ANN001, ANN003
        service.decide(session=self.session, moderator=moderator or self.moderator, kind="comment", subject_id=comment.id, decision=decision, **kw)
        self.session.commit()


@pytest.fixture
def mine(client, session) -> Mine:  # noqa: ANN001
    return Mine(client, session)


def test_my_comments_tells_the_state_of_each_comment_in_child_words(mine):
    waiting = mine.comment("我想要秋千", "等待")
    shown = mine.comment("我想要大树", "显示")
    changed = mine.comment("我的电话是13800138000", "改动")
    kept_back = mine.comment("你真是个笨蛋", "不显示")
    mine.decide(shown, Decision.APPROVED)
    mine.decide(changed, Decision.REDACTED)
    mine.decide(kept_back, Decision.REJECTED, reason=Reason.UNKIND)
    page = mine.client.get("/me/comments")
    assert page.status_code == 200
    text = page.text
    # MOD-03: in simple words, an adult reads comments first, and why.
    assert "A grown-up reads every comment before anyone else sees it. This keeps you and other children safe." in text
    assert "Waiting for a grown-up to read it." in text
    assert "Shown. Thank you for your idea!" in text
    assert "Shown, with a small change." in text and "13800138000" not in text
    assert "Not shown." in text and REASON_FOR_CHILDREN[Reason.UNKIND] in text
    assert "Ask a person to look again" in text and f"/me/comments/{kept_back.id}/look-again" in text
    assert f"/me/comments/{shown.id}/look-again" not in text and f"/me/comments/{waiting.id}/look-again" not in text
    assert 'class="read-aloud"' in text
    assert "笨蛋" in text  # the author sees their own words; MOD-22: the page never names the matched word as the reason


def test_the_childs_home_links_to_my_comments(mine):
    assert 'href="/me/comments"' in mine.client.get("/me").text


def test_look_again_goes_back_to_the_queue_for_a_different_moderator(mine):
    """MOD-21 / DP-16: flagged "look again"; the first moderator may not decide it again, another may."""
    comment = mine.comment("我觉得这个不好", "再看")
    mine.decide(comment, Decision.REJECTED, reason=Reason.UNCLEAR)
    response = post_form(mine.client, f"/me/comments/{comment.id}/look-again", page="/me/comments")
    assert response.status_code == 303 and response.headers["location"] == "/me/comments?done=look_again"
    mine.session.expire_all()
    assert mine.session.get(Comment, comment.id).status == CommentStatus.PENDING.value
    review = mine.session.exec(select(ModeratedItem).where(ModeratedItem.subject_id == comment.id)).one()
    assert review.look_again and review.first_moderator_id == mine.moderator.id
    [item] = service.queue(session=mine.session)
    assert item.subject.id == comment.id and item.review.look_again
    assert "A different grown-up is reading it again." in mine.client.get("/me/comments").text
    assert mine.session.exec(select(AuditEvent).where(AuditEvent.action == "moderation.look_again_asked")).one()
    # The first moderator is refused, in the service and on the page; bulk approval skips it too.
    with pytest.raises(service.AnotherModeratorNeeded):
        service.decide(session=mine.session, moderator=mine.moderator, kind="comment", subject_id=comment.id, decision=Decision.APPROVED)
    mine.session.rollback()
    assert service.bulk_approve(session=mine.session, moderator=mine.second, kind="comment", subject_ids=[comment.id]) == ([], [comment.id])
    mine.decide(comment, Decision.APPROVED, moderator=mine.second)
    mine.session.expire_all()
    assert mine.session.get(Comment, comment.id).status == CommentStatus.APPROVED.value


def test_look_again_only_once_and_only_for_ones_own_not_shown_comment(mine, session):
    comment = mine.comment("我觉得这个不好", "一次")
    approved = mine.comment("我想要大树", "二次")
    mine.decide(approved, Decision.APPROVED)
    assert post_form(mine.client, f"/me/comments/{approved.id}/look-again", page="/me/comments").status_code == 409
    mine.decide(comment, Decision.REJECTED, reason=Reason.OFF_TOPIC)
    assert post_form(mine.client, f"/me/comments/{comment.id}/look-again", page="/me/comments").status_code == 303
    mine.decide(comment, Decision.REJECTED, moderator=mine.second, reason=Reason.OFF_TOPIC)
    page = mine.client.get("/me/comments").text
    assert f"/me/comments/{comment.id}/look-again" not in page  # a second person has looked: no more asking
    assert post_form(mine.client, f"/me/comments/{comment.id}/look-again", page="/me/comments").status_code == 409
    other_child = mine.room.children[1][0]
    other = open_consultation(session, questions=QUESTIONS, title={"zh_Hans": "别人", "en": "Other"})
    scale, question = consultations.questions_of(session=session, consultation=other)
    answering.submit(session=session, child=other_child, consultation=other,
                         answers=[AnswerIn(question_id=scale.id, scale=3), AnswerIn(question_id=question.id, text="不好")],
                         key=answering.new_key(child=other_child, consultation=other), channel=Channel.TABLET)
    session.commit()
    theirs = session.exec(select(Comment).where(Comment.child_id == other_child.id)).one()
    assert post_form(mine.client, f"/me/comments/{theirs.id}/look-again", page="/me/comments").status_code == 404


def test_an_escalated_comment_says_a_helper_reads_it_and_offers_no_look_again(mine):
    """SG-01: a moderator's one-tap escalation (words the screening did not catch)."""
    comment = mine.comment("公园的秋千坏了很久了", "帮助")  # the moderator reads more than the words say
    mine.decide(comment, Decision.ESCALATED)
    page = mine.client.get("/me/comments").text
    assert "A grown-up whose job is to help children will read it." in page
    assert f"/me/comments/{comment.id}/look-again" not in page


def test_a_safeguarding_signal_never_reaches_the_queue(mine, session):
    """SG-01, SG-02: words the screening flags go to safeguarding at once, never to the normal queue."""
    comment = mine.comment("我不想活了", "帮助")
    session.refresh(comment)
    assert comment.status == "rejected"  # never published
    page = mine.client.get("/me/comments").text
    assert "A grown-up whose job is to help children will read it." in page
    assert f"/me/comments/{comment.id}/look-again" not in page


def test_my_comments_stand_behind_the_consent_guard(mine, session):
    """CON-04: once the child stops taking part, the page of their comments is refused kindly."""
    mine.comment("我想要秋千", "同意")
    consent.record(session=session, child=mine.child, purpose=Purpose.PARTICIPATE, decision=ConsentDecision.WITHDRAWN,
                   decided_by=DecidedBy.CHILD_ASSENT, channel="tablet")
    session.commit()
    assert mine.client.get("/me/comments").status_code == 403
