"""Guardians' own views (PAR-05): a signed-in guardian sees the open consultations that ask their
children's groups (and no others), reads the Lundy facts (PAR-01), and leaves one comment of their own,
labelled as a guardian's, held for a moderator (MOD-01) and kept apart from children's answers in every
count. Audited; CSRF like every guardian form."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.consent.models import Guardian, GuardianSession
from app.consultations import answering, authoring, results, service
from app.consultations.models import AnswerIn, AuthorKind, Channel, Comment, CommentStatus, Consultation
from app.core.audit import AuditEvent
from app.core.db import utcnow
from app.core.security import new_token, token_hash
from tests.conftest import english_client
from tests.consultations.helpers import guardian_for, load_notices, open_consultation, take_part
from tests.corps.tablet_helpers import Classroom, classroom

TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def signed_in_guardian(app, session: Session, guardian: Guardian) -> TestClient:  # noqa: ANN001
    """A browser with a live guardian session (as after the letter code and the one-time code)."""
    import datetime as dt

    raw = new_token()
    session.add(GuardianSession(guardian_id=guardian.id, token_hash=token_hash(raw), csrf_token=new_token(),
                                expires_at=utcnow() + dt.timedelta(hours=12)))
    session.commit()
    client = english_client(app)
    client.cookies.set("yimi_guardian", raw)
    return client


def post(client: TestClient, path: str, data: dict, page: str):  # noqa: ANN201
    token = TOKEN.search(client.get(page).text).group(1)
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


class World:
    def __init__(self, session: Session) -> None:
        load_notices(session)
        self.room: Classroom = classroom(session, size=2)
        self.other: Classroom = classroom(session, size=1, code="class-b", facilitator="teacher2")
        self.child = self.room.children[0][0]
        self.guardian = guardian_for(session, self.child)
        take_part(session, self.child, self.guardian)
        self.ours = open_consultation(session, group_ids=[self.room.group.id])
        self.everyone = open_consultation(session, title={"zh_Hans": "全市图书馆开放时间", "en": "Library opening hours"})
        self.theirs = open_consultation(session, group_ids=[self.other.group.id], title={"zh_Hans": "别的班", "en": "Another class only"})


@pytest.fixture
def world(session: Session) -> World:
    return World(session)


def _comments(session: Session, consultation: Consultation) -> list[Comment]:
    session.expire_all()
    return list(session.exec(select(Comment).where(Comment.consultation_id == consultation.id)).all())


def test_a_guardian_sees_only_the_consultations_of_their_childrens_groups(app, session, world):
    with signed_in_guardian(app, session, world.guardian) as client:
        page = client.get("/guardian/consultations")
        assert page.status_code == 200
        assert "New play area at Green Lake Park" in page.text and "Library opening hours" in page.text
        assert "Another class only" not in page.text
        assert client.get(f"/guardian/consultations/{world.theirs.id}").status_code == 404
        assert client.get("/guardian/consultations/999999").status_code == 404
        detail = client.get(f"/guardian/consultations/{world.ours.id}")
    assert detail.status_code == 200
    text = detail.text
    # The Lundy facts (PAR-01): decision, who decides, what can and cannot change, the dates.
    for fact in ("The design of the play area", "Wuhua District Housing and Construction Bureau", "Head of the park project",
                 "Which equipment and where", "The budget and the size of the park", "Children will hear back by"):
        assert fact in text, fact
    assert "kept apart from the children" in text and "moderator reads it first" in text
    assert 'maxlength="280"' in text


def test_the_guardian_dashboard_links_to_the_consultations(app, session, world):
    with signed_in_guardian(app, session, world.guardian) as client:
        assert 'href="/guardian/consultations"' in client.get("/guardian/home").text


def test_without_a_session_the_pages_send_the_guardian_to_the_start(client, world):
    for path in ("/guardian/consultations", f"/guardian/consultations/{world.ours.id}"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/guardian?expired=1")


def test_a_guardians_comment_is_labelled_held_for_a_moderator_and_audited(app, session, world):
    page = f"/guardian/consultations/{world.ours.id}"
    with signed_in_guardian(app, session, world.guardian) as client:
        response = post(client, f"{page}/comment", {"text": "  希望游乐区有遮阳的地方。 "}, page)
        assert response.status_code == 303 and response.headers["location"] == f"{page}?done=guardian_comment_sent"
        shown = client.get(response.headers["location"]).text
        assert "Your view is sent" in shown and "Waiting for a moderator" in shown and "希望游乐区有遮阳的地方。" in shown
        assert "Your view: Waiting for a moderator" in client.get("/guardian/consultations").text
    [comment] = _comments(session, world.ours)
    assert comment.author_kind == AuthorKind.GUARDIAN.value and comment.guardian_id == world.guardian.id
    assert comment.child_id is None and comment.question_id is None
    assert comment.status == CommentStatus.PENDING.value and comment.text == "希望游乐区有遮阳的地方。"
    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "consultation.guardian_comment")).all()
    assert len(audit) == 1 and audit[0].actor_type == "guardian" and audit[0].data.get("comment_id") == comment.id


def test_one_comment_per_guardian_a_second_send_replaces_it_and_waits_again(app, session, world):
    page = f"/guardian/consultations/{world.ours.id}"
    with signed_in_guardian(app, session, world.guardian) as client:
        assert post(client, f"{page}/comment", {"text": "第一次的想法"}, page).status_code == 303
        [first] = _comments(session, world.ours)
        first.status = CommentStatus.APPROVED.value  # a moderator approved it
        session.add(first)
        session.commit()
        assert "Shown" in client.get(page).text
        first.status = CommentStatus.REJECTED.value
        session.add(first)
        session.commit()
        assert "Not shown" in client.get(page).text
        assert post(client, f"{page}/comment", {"text": "改过的想法"}, page).status_code == 303
        again = client.get(page).text
    [comment] = _comments(session, world.ours)
    assert comment.id == first.id and comment.text == "改过的想法" and comment.status == CommentStatus.PENDING.value
    assert "Waiting for a moderator" in again and "改过的想法" in again and "Send my new view" in again


@pytest.mark.parametrize(("text", "message"), [
    ("", "Please write your view before sending."),
    ("   ", "Please write your view before sending."),
    ("很" * 281, "“Your view” is too long: at most 280 characters."),
])
def test_an_empty_or_too_long_view_gets_a_kind_error_and_nothing_is_kept(app, session, world, text, message):
    page = f"/guardian/consultations/{world.ours.id}"
    with signed_in_guardian(app, session, world.guardian) as client:
        response = post(client, f"{page}/comment", {"text": text}, page)
    assert response.status_code == 422
    assert message in response.text and 'role="alert"' in response.text
    if text.strip():
        assert text in response.text  # what they wrote comes back to them
    assert _comments(session, world.ours) == []


def test_exactly_280_characters_are_accepted(app, session, world):
    page = f"/guardian/consultations/{world.ours.id}"
    with signed_in_guardian(app, session, world.guardian) as client:
        assert post(client, f"{page}/comment", {"text": "好" * 280}, page).status_code == 303
    assert len(_comments(session, world.ours)[0].text) == 280


def test_a_comment_on_another_groups_consultation_is_not_found_and_not_kept(app, session, world):
    with signed_in_guardian(app, session, world.guardian) as client:
        response = post(client, f"/guardian/consultations/{world.theirs.id}/comment", {"text": "不是我们的"}, "/guardian/consultations")
    assert response.status_code == 404
    assert _comments(session, world.theirs) == []


def test_a_closed_consultation_takes_no_more_views_and_stays_visible_with_its_reason(app, session, world):
    page = f"/guardian/consultations/{world.ours.id}"
    with signed_in_guardian(app, session, world.guardian) as client:
        token = TOKEN.search(client.get(page).text).group(1)
        authoring.close_early(session=session, actor=world.room.facilitator, consultation=world.ours, reason="提前结束")
        session.commit()
        response = client.post(f"{page}/comment", data={"text": "太晚了", "csrf_token": token}, follow_redirects=False)
        assert response.status_code in (404, 409)
        # Issue 18: the closed consultation stays visible, marked as ended, with the reason it ended early and
        # what children said, and without the form.
        listing = client.get("/guardian/consultations").text
        assert "Library opening hours" in listing and "New play area" in listing and "Ended" in listing
        detail = client.get(page)
        assert detail.status_code == 200 and "This consultation has ended" in detail.text
        assert "It was ended early. The reason given: 提前结束" in detail.text and 'name="text"' not in detail.text
        assert "What children said" in detail.text
    assert _comments(session, world.ours) == []


def test_the_comment_form_needs_the_guardians_csrf_token(app, session, world):
    with signed_in_guardian(app, session, world.guardian) as client:
        response = client.post(f"/guardian/consultations/{world.ours.id}/comment", data={"text": "没有令牌"}, follow_redirects=False)
    assert response.status_code == 403
    assert _comments(session, world.ours) == []


def test_guardians_views_are_kept_apart_from_childrens_input_in_every_count(app, session, world):
    """PAR-05: the guardian's comment is counted on its own; results, comment counts per question and
    participation count children only."""
    page = f"/guardian/consultations/{world.ours.id}"
    with signed_in_guardian(app, session, world.guardian) as client:
        assert post(client, f"{page}/comment", {"text": "家长的意见"}, page).status_code == 303
    questions = service.questions_of(session=session, consultation=world.ours)
    text_question = next(q for q in questions if q.kind == "text")
    answers = [AnswerIn(question_id=text_question.id, text="我想要秋千")]
    answering.submit(session=session, child=world.child, consultation=world.ours, answers=answers,
                   key=answering.new_key(child=world.child, consultation=world.ours), channel=Channel.TABLET)
    session.commit()
    assert results.guardian_comment_count(session=session, consultation=world.ours) == 1
    assert results.participation_counts(session=session, consultation=world.ours) == {"tablet": 1}
    result = next(r for r in results.results(session=session, consultation=world.ours) if r.question.id == text_question.id)
    assert result.comments == 1  # the child's only
    children_comments = session.exec(
        select(Comment).where(Comment.consultation_id == world.ours.id, col(Comment.author_kind) == AuthorKind.CHILD.value)
    ).all()
    assert [c.text for c in children_comments] == ["我想要秋千"]


def test_a_guardian_of_two_children_sees_each_group_once(app, session, world):
    second = world.other.children[0][0]
    from app.consent.models import Guardianship

    session.add(Guardianship(guardian_id=world.guardian.id, child_id=second.id))
    session.commit()
    with signed_in_guardian(app, session, world.guardian) as client:
        text = client.get("/guardian/consultations").text
    assert "Another class only" in text
    assert text.count("Library opening hours") == 1


def test_sg02_a_guardians_comment_is_screened_as_an_adults(app, session, world):
    """SG-02 (issue 14): a guardian's words are screened as an adult's. An adult's weariness, which would open a
    case for a child, goes to ordinary moderation; harm told of a child (the same guardian's second send, which
    replaces the first) is held for the officers' "please read" list: no case opened, nothing shown."""
    from app.moderation.models import ModeratedItem
    from app.safeguarding.models import PossibleConcern, SafeguardingCase

    def send(text: str) -> ModeratedItem:
        comment = answering.guardian_comment(session=session, guardian=world.guardian, consultation=world.ours,
                                             children=[world.child], text=text)
        session.commit()
        return session.exec(select(ModeratedItem).where(ModeratedItem.subject_id == comment.id)).one()

    weary = send("有时候真想一走了之，什么都不管了")
    assert weary.author_kind == "guardian" and weary.action == "clean"
    told = send("孩子他爸喝醉了就打孩子")
    session.refresh(told)
    assert told.action == "safeguarding_possible"
    assert session.exec(select(PossibleConcern).where(PossibleConcern.comment_id == told.subject_id)).one()
    assert session.exec(select(SafeguardingCase)).all() == []
    [comment] = _comments(session, world.ours)
    assert comment.status == CommentStatus.PENDING.value
    # The officer reads that an adult wrote it, on the page and in the API (no child's nickname to show).
    from app.accounts import actions as accounts
    from app.accounts.models import Role
    from tests.conftest import make_user
    from tests.moderation.test_queue import moderator_client
    from tests.safeguarding.helpers import officer

    reader = officer(session)
    client = moderator_client(app, reader)
    page = client.get("/safeguarding/to-read").text
    assert "孩子他爸喝醉了就打孩子" in page and "a guardian (an adult)" in page
    token = accounts.issue_token(session=session, actor=make_user(session, "admin-tokens", [Role.ADMIN]), user=reader, name="t")[1]
    [listed] = client.get("/api/v1/safeguarding/to-read", headers={"Authorization": f"Bearer {token}"}).json()
    assert listed["writer"] == "guardian" and listed["pseudonym"] is None
