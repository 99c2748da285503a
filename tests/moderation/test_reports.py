"""Where approved comments are shown and how anyone signed in reports one (MOD-12).

* the one query `comments.shown_comments` behind the child's results, the guardian's page and the staff
  results: approved or redacted words only; on children's and guardians' pages a child's words only with
  their QUOTE consent (CON-03), labelled with the age band, never a nickname;
* a report hides the comment at once (a conditional UPDATE back to `pending`), puts it first in the queue
  with its reasons, is audited with the reporter's kind and id only, and is never counted twice."""

import pytest
from sqlmodel import select

from app.accounts.models import Role
from app.consent import actions as consent_actions
from app.consent import service as consent
from app.consent.models import DecidedBy, Decision, Purpose
from app.consultations import answering, authoring, comments
from app.consultations import service as consultations
from app.consultations.models import AnswerIn, Channel, Comment, CommentStatus
from app.core.audit import AuditEvent
from app.moderation import service
from app.moderation.models import Decision as ModDecision
from app.moderation.models import ModeratedItem, ModerationReport, ReporterKind, ReportReason
from tests.conftest import make_user, post_form
from tests.consultations.helpers import guardian_for
from tests.consultations.test_guardian_input import post as guardian_post
from tests.consultations.test_guardian_input import signed_in_guardian
from tests.moderation.test_visibility import PENDING, REDACTED, World

OTHER = "秋千要多一点ZQXOTHER"
GUARDIAN_SHOWN = "家长觉得很好ZQXGUARDIANSHOWN"


class Scene(World):
    """The visibility world, plus the other child's approved comment on the first text question and an
    approved view of a second guardian."""

    def __init__(self, app, session) -> None:  # noqa: ANN001
        super().__init__(app, session)
        _scale, self.q1, self.q2, self.q3 = consultations.questions_of(session=session, consultation=self.consultation)
        answering.submit(
            session=session, child=self.other, consultation=self.consultation,
            answers=[AnswerIn(question_id=self.q1.id, text=OTHER)],
            key=answering.new_key(child=self.other, consultation=self.consultation), channel=Channel.TABLET,
        )
        session.commit()
        self.other_guardian = guardian_for(session, self.other, contact="13700000001")
        self.shown = session.exec(select(Comment).where(Comment.child_id == self.other.id)).one()
        service.decide(session=session, moderator=self.moderator, kind="comment", subject_id=self.shown.id, decision=ModDecision.APPROVED)
        answering.guardian_comment(session=session, guardian=self.other_guardian, consultation=self.consultation,
                                       children=[self.other], text=GUARDIAN_SHOWN)
        session.commit()
        self.guardian_view = session.exec(select(Comment).where(Comment.guardian_id == self.other_guardian.id)).one()
        service.decide(session=session, moderator=self.moderator, kind="comment", subject_id=self.guardian_view.id, decision=ModDecision.APPROVED)
        session.commit()
        self.pending = session.exec(select(Comment).where(Comment.child_id == self.author.id, Comment.question_id == self.q1.id)).one()
        self.redacted = session.exec(select(Comment).where(Comment.child_id == self.author.id, Comment.question_id == self.q3.id)).one()
        self.rejected = session.exec(select(Comment).where(Comment.child_id == self.author.id, Comment.question_id == self.q2.id)).one()

    def quote(self, child, guardian, decision: Decision = Decision.GRANTED) -> None:  # noqa: ANN001
        consent.record(session=self.session, child=child, purpose=Purpose.QUOTE, decision=decision,
                       decided_by=DecidedBy.GUARDIAN, channel="web", guardian=guardian)
        self.session.commit()

    def close(self) -> None:
        authoring.close_early(session=self.session, actor=self.official, consultation=self.consultation, reason="测试")
        self.session.commit()

    def fresh(self, comment: Comment) -> Comment:
        return self.session.exec(select(Comment).where(Comment.id == comment.id).execution_options(populate_existing=True)).one()

    def reports(self) -> list[ModerationReport]:
        return list(self.session.exec(select(ModerationReport).execution_options(populate_existing=True)).all())


@pytest.fixture
def scene(app, session) -> Scene:  # noqa: ANN001
    return Scene(app, session)


def _texts(found: list[comments.ShownComment]) -> set[str]:
    return {c.text for c in found}


def test_shown_comments_respect_status_and_the_quote_consent(scene):
    """MOD-12, CON-03: public pages quote a child's approved words only with QUOTE consent; staff see every
    shown comment; pending and rejected words never; a redaction only as redacted."""
    public = comments.shown_comments(session=scene.session, consultation=scene.consultation, for_public=True)
    assert _texts(public) == {GUARDIAN_SHOWN}  # no child has QUOTE consent yet
    scene.quote(scene.other, scene.other_guardian)
    public = comments.shown_comments(session=scene.session, consultation=scene.consultation, for_public=True)
    assert _texts(public) == {OTHER, GUARDIAN_SHOWN}
    child = next(c for c in public if c.author_kind == "child")
    assert child.age_band in {"6-9", "10-13", "14-17"} and child.group is None
    staff = comments.shown_comments(session=scene.session, consultation=scene.consultation, for_public=False)
    assert OTHER in _texts(staff) and any(t.startswith("给我打电话") and "ZQXREDACTED" in t for t in _texts(staff))
    assert all("13912345678" not in t and "ZQXPENDING" not in t and "ZQXREJECTED" not in t for t in _texts(staff))
    assert next(c for c in staff if c.text == OTHER).group  # staff analysis: group name, still no nickname
    # The viewing child's own shown words are theirs to see, marked as theirs, without QUOTE consent.
    own = comments.shown_comments(session=scene.session, consultation=scene.consultation, for_public=True, viewer_child_id=scene.author.id)
    assert [c.mine for c in own if "ZQXREDACTED" in c.text] == [True]
    # Withdrawn QUOTE consent: no longer quoted, at once.
    scene.quote(scene.other, scene.other_guardian, Decision.WITHDRAWN)
    assert OTHER not in _texts(comments.shown_comments(session=scene.session, consultation=scene.consultation, for_public=True))


def test_the_three_pages_show_approved_words_labelled_by_age_band_only(scene):
    scene.quote(scene.other, scene.other_guardian)
    cid = scene.consultation.id
    with signed_in_guardian(scene.app, scene.session, scene.guardian) as client:
        page = client.get(f"/guardian/consultations/{cid}").text
        assert "ZQXOTHER" in page and "ZQXGUARDIANSHOWN" in page and "a guardian" in page and "a child aged" in page
        assert scene.other.display_name not in page
    with scene.staff_client(scene.official) as client:
        page = client.get(f"/consultations/{cid}/results").text
        assert "ZQXOTHER" in page and "ZQXREDACTED" in page and "ZQXGUARDIANSHOWN" in page and "views (shown, counted apart)" in page
    scene.close()
    with scene.child_client(scene.author, scene.author_code) as client:
        page = client.get(f"/me/consultations/{cid}/results").text
        assert "What other children wrote" in page and "ZQXOTHER" in page and "you wrote this" in page
        assert scene.other.display_name not in page and "ZQXGUARDIANSHOWN" not in page


def test_a_childs_report_hides_the_comment_at_once_and_puts_it_first_in_the_queue(scene):
    scene.quote(scene.other, scene.other_guardian)
    cid = scene.consultation.id
    with scene.child_client(scene.author, scene.author_code) as client:
        response = post_form(client, f"/me/comments/{scene.shown.id}/report", {"consultation_id": cid, "reason": "unkind"}, page="/me")
        assert response.status_code == 303 and response.headers["location"] == f"/me/consultations/{cid}/results?done=reported"
        assert "A grown-up will look at it." in client.get(response.headers["location"]).text
    assert scene.fresh(scene.shown).status == CommentStatus.PENDING.value
    (report,) = scene.reports()
    assert (report.reporter_kind, report.reporter_id, report.reason) == ("child", scene.author.id, "unkind")
    review = scene.session.exec(select(ModeratedItem).where(ModeratedItem.subject_id == scene.shown.id)).one()
    assert review.reported_at is not None and review.decision is None
    # Gone from every page that shows comments.
    with signed_in_guardian(scene.app, scene.session, scene.guardian) as client:
        assert "ZQXOTHER" not in client.get(f"/guardian/consultations/{cid}").text
    with scene.staff_client(scene.official) as client:
        assert "ZQXOTHER" not in client.get(f"/consultations/{cid}/results").text
    # First in the queue (before the riskier pending words), with the reason.
    queue = service.queue(session=scene.session)
    assert queue[0].subject.id == scene.shown.id and queue[0].reports == [("child", "unkind")]
    with scene.staff_client(scene.moderator) as client:
        page = client.get("/moderation").text
        assert "reported by a child: It is unkind" in page and page.index("ZQXOTHER") < page.index("ZQXPENDING")
    # Audited with the reporter's kind and id only.
    event = scene.session.exec(select(AuditEvent).where(AuditEvent.action == "moderation.reported")).one()
    assert (event.actor_type, event.actor_id, event.subject_id) == ("child", str(scene.author.id), str(scene.shown.id))
    assert event.data["reason"] == "unkind" and scene.author.display_name not in str(event.data)
    # Erasure of the reporter takes their reports along (they refer to the child by id only).

    receipt = consent_actions.erase_child(session=scene.session, child=scene.author, requested_by="guardian", actor=None)
    assert receipt.categories["reports"] == 1 and scene.reports() == []


def test_a_duplicate_report_and_a_report_of_a_hidden_comment_count_nothing_twice(scene):
    scene.quote(scene.other, scene.other_guardian)
    def report(kind: ReporterKind, who: int) -> str:
        outcome = comments.report_comment(session=scene.session, consultation=scene.consultation, comment_id=scene.shown.id,
                                               reporter_kind=kind, reporter_id=who, reason=ReportReason.WORRIED)
        scene.session.commit()
        return outcome

    assert report(ReporterKind.CHILD, scene.author.id) == service.ReportOutcome.REPORTED
    assert report(ReporterKind.GUARDIAN, scene.guardian.id) == service.ReportOutcome.ALREADY_HIDDEN  # hidden already
    assert len(scene.reports()) == 1
    # A moderator shows it again: the same child cannot hide it again, another person can.
    service.decide(session=scene.session, moderator=scene.moderator, kind="comment", subject_id=scene.shown.id, decision=ModDecision.APPROVED)
    scene.session.commit()
    assert report(ReporterKind.CHILD, scene.author.id) == service.ReportOutcome.ALREADY_REPORTED
    assert scene.fresh(scene.shown).status == CommentStatus.APPROVED.value and len(scene.reports()) == 1
    assert report(ReporterKind.GUARDIAN, scene.guardian.id) == service.ReportOutcome.REPORTED
    assert scene.fresh(scene.shown).status == CommentStatus.PENDING.value and len(scene.reports()) == 2


def test_pending_rejected_or_unquoted_comments_cannot_be_reported(scene):
    """Not found: nobody learns that unapproved words exist (MOD-01)."""
    cid = scene.consultation.id
    with scene.child_client(scene.other, scene.other_code) as client:
        for comment in (scene.pending, scene.rejected, scene.redacted):  # the author has no QUOTE consent
            response = post_form(client, f"/me/comments/{comment.id}/report", {"consultation_id": cid, "reason": "other"}, page="/me")
            assert response.status_code == 404, comment.text
        response = post_form(client, f"/me/comments/{scene.shown.id}/report", {"consultation_id": cid, "reason": "nonsense"}, page="/me")
        assert response.status_code == 422  # a reason from the short list
    assert scene.reports() == [] and scene.fresh(scene.redacted).status == CommentStatus.REDACTED.value


def test_guardians_and_staff_report_too(scene):
    scene.quote(scene.other, scene.other_guardian)
    cid = scene.consultation.id
    with signed_in_guardian(scene.app, scene.session, scene.guardian) as client:
        response = guardian_post(client, f"/guardian/comments/{scene.guardian_view.id}/report",
                                 {"consultation_id": cid, "reason": "personal_information"}, f"/guardian/consultations/{cid}")
        assert response.status_code == 303 and "done=reported" in response.headers["location"]
        assert "ZQXGUARDIANSHOWN" not in client.get(f"/guardian/consultations/{cid}").text
    with scene.staff_client(make_user(scene.session, "analyst-report", [Role.ANALYST])) as client:
        response = post_form(client, f"/moderation/comments/{scene.redacted.id}/report", {"consultation_id": cid, "reason": "other"},
                             page=f"/consultations/{cid}/results")
        assert response.status_code == 303 and response.headers["location"] == f"/consultations/{cid}/results?done=reported"
        assert "ZQXREDACTED" not in client.get(f"/consultations/{cid}/results").text
    assert {(r.reporter_kind, scene.session.get(ModeratedItem, r.item_id).subject_id) for r in scene.reports()} == {("guardian", scene.guardian_view.id), ("staff", scene.redacted.id)}
    queue = service.queue(session=scene.session)
    assert {queue[0].subject.id, queue[1].subject.id} == {scene.guardian_view.id, scene.redacted.id}
    assert PENDING + "<" not in str([i.subject.text for i in queue[:2]]) and REDACTED not in str([i.subject.text for i in queue])
