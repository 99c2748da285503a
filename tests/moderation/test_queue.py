"""The moderation queue (MOD-01, MOD-04, MOD-06, MOD-09, MOD-10): every comment is screened on store, waits
in a queue ordered by risk then age, and is decided by a person — approve, hide parts and approve, not shown
with a reason, or pass to safeguarding. A second moderator is told and nothing is overwritten; bulk approval
takes only finding-free comments; every decision is audited; the API does the same."""

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.accounts import actions as accounts
from app.accounts.models import Role, StaffUser
from app.consultations import answering
from app.consultations import service as consultations
from app.consultations.models import (
    AnswerIn,
    Channel,
    Comment,
    CommentStatus,
    Consultation,
    QuestionIn,
    QuestionKind,
)
from app.core.audit import AuditEvent
from app.core.db import utcnow
from app.corps.models import Child
from app.moderation import service
from app.moderation.models import Decision, ItemState, ModeratedItem, ModerationDecision, Reason
from app.moderation.screening import MASK
from tests.conftest import english_client, make_user, post_form, sign_in
from tests.consultations.helpers import load_notices, open_consultation, take_part
from tests.corps.tablet_helpers import Classroom, classroom

PHONE = "我的电话是13800138000，欢迎打给我"
CLEAN = "公园里要多种大树，夏天很热"
UNKIND = "你真是个笨蛋"


class Scene:
    """A class of four children taking part, a consultation with one short-text question, two moderators."""

    def __init__(self, session: Session) -> None:
        self.session = session
        load_notices(session)
        self.room: Classroom = classroom(session, size=4)
        self.children: list[Child] = [c for c, _ in self.room.children]
        self.guardians = [take_part(session, c) for c in self.children]
        self.consultation: Consultation = open_consultation(
            session, questions=[
                QuestionIn(kind=QuestionKind.SCALE, prompt={"zh_Hans": "你觉得现在的公园怎么样？", "en": "How do you like the park now?"}),
                QuestionIn(kind=QuestionKind.TEXT, prompt={"zh_Hans": "你还有什么想法？", "en": "Any other ideas?"}),
            ]
        )
        self.scale, self.question = consultations.questions_of(session=session, consultation=self.consultation)
        self.moderator: StaffUser = make_user(session, "moderator1", [Role.MODERATOR])
        self.second: StaffUser = make_user(session, "moderator2", [Role.MODERATOR])

    def comment(self, child: Child, text: str) -> Comment:
        answering.submit(
            session=self.session, child=child, consultation=self.consultation,
            answers=[AnswerIn(question_id=self.scale.id, scale=4), AnswerIn(question_id=self.question.id, text=text)],
            key=answering.new_key(child=child, consultation=self.consultation), channel=Channel.TABLET,
        )
        self.session.commit()
        return self.session.exec(select(Comment).where(Comment.child_id == child.id, Comment.question_id == self.question.id)).one()

    def review(self, comment: Comment) -> ModeratedItem:
        self.session.expire_all()
        return self.session.exec(select(ModeratedItem).where(ModeratedItem.subject_id == comment.id)).one()

    def fresh(self, comment: Comment) -> Comment:
        self.session.expire_all()
        return self.session.get(Comment, comment.id)


@pytest.fixture
def scene(session: Session) -> Scene:
    return Scene(session)


def moderator_client(app, user: StaffUser) -> TestClient:  # noqa: ANN001
    client = english_client(app)
    sign_in(client, user.username)
    return client


# ---- screening on store ----------------------------------------------------------------------------


def test_a_childs_comment_is_screened_when_stored_and_rescreened_when_changed(scene):
    """MOD-06: findings (spans and categories, never the words), the action and the risk are stored."""
    comment = scene.comment(scene.children[0], PHONE)
    review = scene.review(comment)
    assert [f["category"] for f in review.findings] == ["phone"]
    assert review.action == "personal_details" and review.risk > 0
    assert set(review.findings[0]) == {"category", "subkind", "start", "end", "confidence", "level", "source"}
    scene.comment(scene.children[0], CLEAN)  # changed words: screened again, back in the queue
    review = scene.review(comment)
    assert review.findings == [] and review.action == "clean" and review.risk == 0


def test_a_guardians_comment_is_screened_too(scene):
    guardian = scene.guardians[0]
    comment = answering.guardian_comment(session=scene.session, guardian=guardian, consultation=scene.consultation,
                                             children=[scene.children[0]], text=PHONE)
    scene.session.commit()
    assert [f["category"] for f in scene.review(comment).findings] == ["phone"]


# ---- the queue: order and page ------------------------------------------------------------------------


def test_the_queue_is_ordered_by_risk_then_oldest_first(scene):
    clean_old = scene.comment(scene.children[0], CLEAN)
    phone = scene.comment(scene.children[1], PHONE)
    unkind = scene.comment(scene.children[2], UNKIND)
    clean_new = scene.comment(scene.children[3], "我想要更多的秋千")
    # Make the ages unambiguous.
    for i, comment in enumerate([clean_old, phone, unkind, clean_new]):
        review = scene.review(comment)
        review.queued_at = utcnow() - dt.timedelta(hours=10 - i)
        scene.session.add(review)
        scene.session.commit()
    order = [i.subject.id for i in service.queue(session=scene.session)]
    assert order == [phone.id, unkind.id, clean_old.id, clean_new.id]
    assert [i.subject.id for i in service.queue(session=scene.session, consultation_id=scene.consultation.id)] == order
    other = open_consultation(scene.session, title={"zh_Hans": "别的", "en": "Other"})
    assert service.queue(session=scene.session, consultation_id=other.id) == []


def test_the_queue_page_shows_pseudonym_band_group_and_marks_findings(app, scene):
    scene.comment(scene.children[0], PHONE)
    with moderator_client(app, scene.moderator) as client:
        page = client.get("/moderation")
        assert page.status_code == 200
        assert re.search(r"<mark[^>]*>13800138000<span", page.text)
        assert scene.children[0].display_name in page.text and "Class 4-2" in page.text
        assert f"age {scene.children[0].age_band().value}" in page.text
        assert client.get(f"/moderation/consultations/{scene.consultation.id}").status_code == 200
        assert client.get("/moderation/consultations/999999").status_code == 404


def test_html_in_a_comment_is_always_shown_escaped(app, scene):
    text = '<script>alert(1)</script><b>大树</b> 13800138000'
    scene.comment(scene.children[0], text)
    with moderator_client(app, scene.moderator) as client:
        page = client.get("/moderation").text
        assert "<script>alert(1)</script>" not in page and "<b>大树</b>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        response = client.get("/api/v1/moderation/queue")  # the API is JSON: text as text
        assert response.status_code in (401, 403)  # cookies never work on the API


def test_an_official_cannot_reach_the_queue(app, session, scene):
    official = make_user(session, "official9", [Role.OFFICIAL])
    with moderator_client(app, official) as client:
        assert client.get("/moderation").status_code == 403


# ---- decisions ------------------------------------------------------------------------------------


def _decide(client: TestClient, comment: Comment, **data):  # noqa: ANN003, ANN202
    return post_form(client, f"/moderation/comments/{comment.id}/decide", data, page="/moderation")


def test_approve(app, scene):
    comment = scene.comment(scene.children[0], CLEAN)
    with moderator_client(app, scene.moderator) as client:
        response = _decide(client, comment, decision="approved", seen=CLEAN)
        assert response.status_code == 303 and response.headers["location"] == "/moderation?done=decided"
    assert scene.fresh(comment).status == CommentStatus.APPROVED.value
    review = scene.review(comment)
    assert review.decision == "approved" and review.decided_by_id == scene.moderator.id and review.decided_at
    events = scene.session.exec(select(AuditEvent).where(AuditEvent.action == "moderation.approved")).all()
    assert len(events) == 1 and events[0].actor_id == str(scene.moderator.id) and events[0].subject_id == str(comment.id)


def test_redact_hides_the_parts_and_keeps_no_trace_of_the_original(app, scene):
    """MOD-09: after the decision the comment's text is the redacted version; no copy of the original is kept."""
    comment = scene.comment(scene.children[0], PHONE)
    start, end = PHONE.index("138"), PHONE.index("138") + 11
    with moderator_client(app, scene.moderator) as client:
        response = _decide(client, comment, decision="redacted", span=f"{start}-{end}", seen=PHONE)
        assert response.status_code == 303
    after = scene.fresh(comment)
    assert after.status == CommentStatus.REDACTED.value and after.text == f"我的电话是{MASK}，欢迎打给我"
    for row in scene.session.exec(select(ModerationDecision)).all():
        assert "13800138000" not in str(row.model_dump())
    assert "13800138000" not in str(scene.review(comment).model_dump())
    for event in scene.session.exec(select(AuditEvent)).all():
        assert "13800138000" not in str(event.data)


def test_a_plain_approval_never_publishes_personal_details_the_screening_found(scene):
    """MOD-08: the child sent a phone number anyway; approving shows the words with the number hidden."""
    comment = scene.comment(scene.children[0], PHONE)
    decided = service.decide(session=scene.session, moderator=scene.moderator, kind="comment", subject_id=comment.id, decision=Decision.APPROVED)
    scene.session.commit()
    after = scene.fresh(comment)
    assert decided.decision == Decision.REDACTED and after.status == CommentStatus.REDACTED.value
    assert "13800138000" not in after.text and MASK in after.text


def test_redact_with_words_typed_by_the_moderator(scene):
    comment = scene.comment(scene.children[0], "我和小明一起去公园，小明喜欢秋千")
    service.decide(session=scene.session, moderator=scene.moderator, kind="comment", subject_id=comment.id, decision=Decision.REDACTED, words="小明")
    scene.session.commit()
    assert scene.fresh(comment).text == f"我和{MASK}一起去公园，{MASK}喜欢秋千"


def test_redact_without_anything_to_hide_is_refused(scene):
    comment = scene.comment(scene.children[0], CLEAN)
    with pytest.raises(service.NothingToHide):
        service.decide(session=scene.session, moderator=scene.moderator, kind="comment", subject_id=comment.id, decision=Decision.REDACTED)
    scene.session.rollback()
    assert scene.fresh(comment).status == CommentStatus.PENDING.value


def test_reject_needs_a_reason_from_the_taxonomy(app, scene):
    comment = scene.comment(scene.children[0], UNKIND)
    with moderator_client(app, scene.moderator) as client:
        response = _decide(client, comment, decision="rejected", seen=UNKIND)
        assert response.status_code == 422
        assert scene.fresh(comment).status == CommentStatus.PENDING.value
        response = _decide(client, comment, decision="rejected", reason="unkind", note="insult", seen=UNKIND)
        assert response.status_code == 303
    review = scene.review(comment)
    assert scene.fresh(comment).status == CommentStatus.REJECTED.value
    assert review.decision == "rejected" and review.reason == "unkind" and review.note == "insult"
    event = scene.session.exec(select(AuditEvent).where(AuditEvent.action == "moderation.rejected")).one()
    assert event.data["reason"] == "unkind"


def test_escalate_records_the_decision_and_the_comment_is_never_shown(app, scene):
    """SG-01: never published, out of the queue, decision `escalated`, audited, and a safeguarding case opened
    with the exact words (SG-03) — words the screening did not catch, escalated by a moderator's one tap."""
    from app.safeguarding.models import SafeguardingCase

    comment = scene.comment(scene.children[0], "公园的秋千坏了很久了")
    with moderator_client(app, scene.moderator) as client:
        assert _decide(client, comment, decision="escalated", seen=comment.text).status_code == 303
    assert scene.fresh(comment).status == CommentStatus.REJECTED.value  # a status that is never shown
    assert scene.fresh(comment).text == "公园的秋千坏了很久了"  # the child's exact words kept for safeguarding (SG-03)
    assert scene.review(comment).decision == "escalated"
    assert service.queue(session=scene.session) == []
    assert scene.session.exec(select(AuditEvent).where(AuditEvent.action == "moderation.escalated")).one()
    case = scene.session.exec(select(SafeguardingCase)).one()
    assert (case.source, case.words, case.comment_id, case.child_id) == ("moderator", comment.text, comment.id, scene.children[0].id)


def test_a_safeguarding_signal_opens_a_case_without_a_moderator(app, scene):
    """SG-02: the screening's safeguarding signal opens the case at once; the comment never waits in the queue."""
    from app.safeguarding.models import SafeguardingCase

    comment = scene.comment(scene.children[0], "爸爸总是打我，我好害怕")
    assert scene.fresh(comment).status == CommentStatus.REJECTED.value
    assert service.queue(session=scene.session) == []
    case = scene.session.exec(select(SafeguardingCase)).one()
    assert (case.source, case.words, case.comment_id) == ("screening", "爸爸总是打我，我好害怕", comment.id)
    assert "abuse" in case.subkinds


def test_a_second_moderator_is_told_and_nothing_is_overwritten(app, scene):
    comment = scene.comment(scene.children[0], CLEAN)
    service.decide(session=scene.session, moderator=scene.moderator, kind="comment", subject_id=comment.id, decision=Decision.APPROVED)
    scene.session.commit()
    with moderator_client(app, scene.second) as client:
        response = _decide(client, comment, decision="rejected", reason="unclear", seen=CLEAN)
        assert response.status_code == 409 and "Another moderator has already decided" in response.text
        htmx = post_form(client, f"/moderation/comments/{comment.id}/decide", {"decision": "rejected", "reason": "unclear", "seen": CLEAN},
                         page="/moderation", headers={"HX-Request": "true"})
        assert htmx.status_code == 200 and "Another moderator has already decided" in htmx.text
    assert scene.fresh(comment).status == CommentStatus.APPROVED.value
    assert scene.review(comment).decided_by_id == scene.moderator.id
    assert len(scene.session.exec(select(ModerationDecision)).all()) == 1


def test_the_compare_and_swap_settles_a_race_in_the_database(scene):
    """Two moderators read the same pending comment; the second UPDATE matches no row and is told."""
    comment = scene.comment(scene.children[0], CLEAN)
    other = Session(scene.session.get_bind(), expire_on_commit=False)
    try:
        service.decide(session=other, moderator=scene.second, kind="comment", subject_id=comment.id, decision=Decision.APPROVED)
        other.commit()
    finally:
        other.close()
    item = service.item_of(session=scene.session, kind="comment", subject_id=comment.id)
    # The first moderator's UPDATE … WHERE state = 'pending' now matches no row: told, nothing overwritten.
    with pytest.raises(service.AlreadyDecided):
        service._settle(scene.session, item, seen_text=CLEAN, state=ItemState.REJECTED)


def test_words_changed_by_the_author_while_the_moderator_reads_are_not_decided(scene):
    comment = scene.comment(scene.children[0], CLEAN)
    scene.comment(scene.children[0], "我改主意了，想要滑梯")
    with pytest.raises(service.WordsChanged):
        service.decide(session=scene.session, moderator=scene.moderator, kind="comment", subject_id=comment.id, decision=Decision.APPROVED, seen_text=CLEAN)
    assert scene.fresh(comment).status == CommentStatus.PENDING.value


def test_htmx_decision_replaces_the_row_with_the_next_one(app, scene):
    first = scene.comment(scene.children[0], CLEAN)
    second = scene.comment(scene.children[1], "我想要更多的秋千")
    third = scene.comment(scene.children[2], "希望有干净的厕所")
    with moderator_client(app, scene.moderator) as client:
        response = post_form(
            client, f"/moderation/comments/{first.id}/decide",
            {"decision": "approved", "seen": CLEAN, "shown": f"{first.id},{second.id}"}, page="/moderation",
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200
        assert f'id="item-{third.id}"' in response.text and f'id="item-{second.id}"' not in response.text
        assert 'id="queue-shown"' in response.text and "hx-swap-oob" in response.text
        assert "<html" not in response.text
        # A missing reason: the same row comes back with why.
        response = post_form(client, f"/moderation/comments/{second.id}/decide", {"decision": "rejected", "seen": "我想要更多的秋千"},
                             page="/moderation", headers={"HX-Request": "true"})
        assert response.status_code == 200 and f'id="item-{second.id}"' in response.text and "Please choose why" in response.text


# ---- bulk approval ------------------------------------------------------------------------------------


def test_bulk_approve_takes_only_pending_comments_without_findings(app, scene):
    clean = scene.comment(scene.children[0], CLEAN)
    phone = scene.comment(scene.children[1], PHONE)
    decided = scene.comment(scene.children[2], "我想要更多的秋千")
    service.decide(session=scene.session, moderator=scene.second, kind="comment", subject_id=decided.id, decision=Decision.REJECTED, reason=Reason.OFF_TOPIC)
    scene.session.commit()
    with moderator_client(app, scene.moderator) as client:
        page = client.get("/moderation").text
        assert f'name="comment_id" value="{clean.id}"' in page and f'name="comment_id" value="{phone.id}"' not in page
        response = post_form(client, "/moderation/bulk-approve", {"comment_id": [clean.id, phone.id, decided.id]}, page="/moderation")
        assert response.status_code == 303 and response.headers["location"] == "/moderation?done=bulk_approved"
    assert scene.fresh(clean).status == CommentStatus.APPROVED.value
    assert scene.fresh(phone).status == CommentStatus.PENDING.value
    assert scene.fresh(decided).status == CommentStatus.REJECTED.value
    event = scene.session.exec(select(AuditEvent).where(AuditEvent.action == "moderation.bulk_approved")).one()
    assert event.data["comment_ids"] == [clean.id] and event.actor_id == str(scene.moderator.id)


# ---- backlog alert ------------------------------------------------------------------------------------


def test_moderators_see_the_backlog_on_staff_pages_and_others_do_not(app, session, scene):
    scene.comment(scene.children[0], CLEAN)
    scene.comment(scene.children[1], PHONE)
    with moderator_client(app, scene.moderator) as client:
        assert "2 comments waiting" in client.get("/staff").text
    official = make_user(session, "official9", [Role.OFFICIAL])
    with moderator_client(app, official) as client:
        assert "comments waiting" not in client.get("/staff").text


# ---- JSON API -----------------------------------------------------------------------------------------


def _token(session: Session, user: StaffUser) -> dict[str, str]:
    admin = make_user(session, "admin-tokens", [Role.ADMIN])
    _, raw = accounts.issue_token(session=session, actor=admin, user=user, name="moderation")
    return {"Authorization": f"Bearer {raw}"}


def test_the_api_lists_the_queue_with_findings_and_decides(app, session, scene):
    phone = scene.comment(scene.children[0], PHONE)
    clean = scene.comment(scene.children[1], CLEAN)
    rude = scene.comment(scene.children[2], UNKIND)
    headers = _token(session, scene.moderator)
    with english_client(app) as client:
        items = client.get("/api/v1/moderation/queue", headers=headers).json()
        assert [i["comment_id"] for i in items][0] == phone.id
        first = items[0]
        assert first["findings"][0]["category"] == "phone" and first["pseudonym"] == scene.children[0].display_name
        assert "identity" not in first and first["age_band"] == scene.children[0].age_band().value
        response = client.post(f"/api/v1/moderation/comments/{phone.id}/decision", headers=headers, json={"decision": "redacted"})
        assert response.status_code == 200 and response.json()["text"] == f"我的电话是{MASK}，欢迎打给我"
        response = client.post(f"/api/v1/moderation/comments/{phone.id}/decision", headers=headers, json={"decision": "approved"})
        assert response.status_code == 409 and response.headers["content-type"].startswith("application/problem+json")
        response = client.post(f"/api/v1/moderation/comments/{rude.id}/decision", headers=headers, json={"decision": "rejected"})
        assert response.status_code == 422
        response = client.post(f"/api/v1/moderation/comments/{rude.id}/decision", headers=headers, json={"decision": "rejected", "reason": "unkind"})
        assert response.json()["status"] == "rejected"
        response = client.post("/api/v1/moderation/bulk-approve", headers=headers, json={"comment_ids": [clean.id, rude.id]})
        assert response.json() == {"approved": [clean.id], "skipped": [rude.id]}
        schema = client.get("/openapi.json").json()
        assert "/api/v1/moderation/queue" in schema["paths"] and "/api/v1/moderation/bulk-approve" in schema["paths"]


def test_the_api_refuses_staff_without_moderate(app, session, scene):
    official = make_user(session, "official9", [Role.OFFICIAL])
    with english_client(app) as client:
        assert client.get("/api/v1/moderation/queue", headers=_token(session, official)).status_code == 403
