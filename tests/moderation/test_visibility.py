"""Who sees which words (MOD-01, MOD-09): a visibility matrix over every page and API that can show
comments — the child's own consultation pages (intro with stored answers, thanks, results), "My comments",
the transparency pages, the staff results page, the moderation queue and its API; and the pages that show
approved comments (MOD-12): the child's results, the guardian's consultation page, the staff results.

Nothing unapproved is visible to anyone but its author (their own words) and moderators; the original
words of a redacted comment are visible to nobody at all after the decision; texts are always escaped."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.accounts import actions as accounts
from app.accounts.models import Role
from app.consultations import answering, authoring
from app.consultations import models as consultation_models
from app.consultations import service as consultations
from app.consultations.models import AnswerIn, Channel, Comment, QuestionIn, QuestionKind
from app.moderation import service
from app.moderation.models import Decision, Reason
from tests.conftest import english_client, make_user, sign_in
from tests.consultations.helpers import guardian_for, load_notices, open_consultation, take_part
from tests.consultations.test_guardian_input import signed_in_guardian
from tests.corps.tablet_helpers import classroom, open_tablet, tap_code

PENDING = "还没读过的话ZQXPENDING"
REJECTED = "不显示的话ZQXREJECTED"
ORIGINAL_PHONE = "13912345678"
REDACTED = f"给我打电话{ORIGINAL_PHONE}吧ZQXREDACTED"
GUARDIAN_PENDING = "家长的意见ZQXGUARDIAN"
SCRIPT = "<script>alert('ZQXSCRIPT')</script>"

QUESTIONS = [
    QuestionIn(kind=QuestionKind.SCALE, prompt={"zh_Hans": "你觉得现在的公园怎么样？", "en": "How do you like the park now?"}),
    QuestionIn(kind=QuestionKind.TEXT, prompt={"zh_Hans": "你还有什么想法？", "en": "Any other ideas?"}),
    QuestionIn(kind=QuestionKind.TEXT, prompt={"zh_Hans": "还有吗？", "en": "Anything else?"}),
    QuestionIn(kind=QuestionKind.TEXT, prompt={"zh_Hans": "最后一个？", "en": "One last thing?"}),
]


class World:
    def __init__(self, app, session: Session) -> None:  # noqa: ANN001
        load_notices(session)
        self.app, self.session = app, session
        self.room = classroom(session, size=2)
        (self.author, self.author_code), (self.other, self.other_code) = self.room.children
        self.guardian = guardian_for(session, self.author)
        take_part(session, self.author, self.guardian)
        take_part(session, self.other)
        self.consultation = open_consultation(session, questions=QUESTIONS, group_ids=[self.room.group.id])
        scale, q1, q2, q3 = consultations.questions_of(session=session, consultation=self.consultation)
        answering.submit(
            session=session, child=self.author, consultation=self.consultation,
            answers=[AnswerIn(question_id=scale.id, scale=4), AnswerIn(question_id=q1.id, text=PENDING + SCRIPT),
                     AnswerIn(question_id=q2.id, text=REJECTED), AnswerIn(question_id=q3.id, text=REDACTED)],
            key=answering.new_key(child=self.author, consultation=self.consultation), channel=Channel.TABLET,
        )
        answering.guardian_comment(session=session, guardian=self.guardian, consultation=self.consultation,
                                       children=[self.author], text=GUARDIAN_PENDING)
        session.commit()
        comments = {c.question_id: c for c in session.exec(select(Comment).where(Comment.child_id == self.author.id)).all()}
        self.moderator = make_user(session, "moderator1", [Role.MODERATOR])
        service.decide(session=session, moderator=self.moderator, kind="comment", subject_id=comments[q2.id].id, decision=Decision.REJECTED, reason=Reason.UNCLEAR)
        service.decide(session=session, moderator=self.moderator, kind="comment", subject_id=comments[q3.id].id, decision=Decision.REDACTED)
        session.commit()
        self.official = make_user(session, "official2", [Role.OFFICIAL])
        admin = make_user(session, "admin-vis", [Role.ADMIN])
        _, raw = accounts.issue_token(session=session, actor=admin, user=self.moderator, name="vis")
        self.moderator_token = {"Authorization": f"Bearer {raw}"}
        _, raw = accounts.issue_token(session=session, actor=admin, user=self.official, name="vis")
        self.official_token = {"Authorization": f"Bearer {raw}"}

    def child_client(self, child, code) -> TestClient:  # noqa: ANN001
        client = english_client(self.app)
        open_tablet(client, self.room)
        assert tap_code(client, child, code).headers["location"] == "/me"
        return client

    def staff_client(self, user) -> TestClient:  # noqa: ANN001
        client = english_client(self.app)
        sign_in(client, user.username)
        return client


@pytest.fixture
def world(app, session) -> World:  # noqa: ANN001
    return World(app, session)


def _pages(client: TestClient, paths: list[str], headers: dict | None = None) -> str:
    return "\n".join(client.get(path, headers=headers or {}).text for path in paths)


def test_the_visibility_matrix(world):
    cid = world.consultation.id
    child_pages = ["/me", "/me/comments", f"/me/consultations/{cid}", f"/me/consultations/{cid}/thanks",
                   f"/me/consultations/{cid}/results", f"/me/consultations/{cid}/transparency"]
    guardian_pages = ["/guardian/home", "/guardian/consultations", f"/guardian/consultations/{cid}",
                      f"/guardian/consultations/{cid}/transparency"]
    staff_pages = [f"/consultations/{cid}", f"/consultations/{cid}/results", f"/consultations/{cid}/transparency", "/moderation",
                   f"/moderation/consultations/{cid}"]
    seen: dict[str, str] = {}
    api: dict[str, str] = {}
    with world.child_client(world.author, world.author_code) as client:
        seen["author"] = _pages(client, child_pages)
    with world.child_client(world.other, world.other_code) as client:
        seen["other child"] = _pages(client, child_pages)
    with signed_in_guardian(world.app, world.session, world.guardian) as client:
        seen["guardian"] = _pages(client, guardian_pages)
    with world.staff_client(world.official) as client:
        seen["official"] = _pages(client, staff_pages + child_pages)
        api["official"] = client.get("/api/v1/moderation/queue", headers=world.official_token).text
    with english_client(world.app) as client:
        seen["anonymous"] = _pages(client, staff_pages + child_pages + guardian_pages + ["/"])
        api["anonymous"] = client.get("/api/v1/moderation/queue").text
    with world.staff_client(world.moderator) as client:
        seen["moderator"] = _pages(client, ["/moderation", f"/moderation/consultations/{cid}"])
        api["moderator"] = client.get("/api/v1/moderation/queue", headers=world.moderator_token).json()

    # The redacted original: nobody, ever, after the decision (MOD-09).
    for who, html in [*seen.items(), *((f"{k} (API)", str(v)) for k, v in api.items())]:
        assert ORIGINAL_PHONE not in html, who
    # Unapproved words: only the author and the moderators.
    for who in ("other child", "guardian", "official", "anonymous"):
        for marker in ("ZQXPENDING", "ZQXREJECTED"):
            assert marker not in seen[who] and marker not in api.get(who, ""), (who, marker)
    assert {i["text"] for i in api["moderator"]} == {PENDING + SCRIPT, GUARDIAN_PENDING}  # JSON: the words as text
    assert "ZQXPENDING" in seen["author"] and "ZQXREJECTED" in seen["author"] and "ZQXREDACTED" in seen["author"]
    assert "ZQXPENDING" in seen["moderator"] and "ZQXGUARDIAN" in seen["moderator"]
    assert "ZQXREJECTED" not in seen["moderator"]  # decided: out of the queue
    # The guardian's own pending view: the guardian (its author) and moderators only.
    assert "ZQXGUARDIAN" in seen["guardian"]
    for who in ("author", "other child", "official", "anonymous"):
        assert "ZQXGUARDIAN" not in seen[who], who
    # Always escaped, never markup.
    for who, html in seen.items():
        assert "<script>alert('ZQXSCRIPT')" not in html and "<script>alert(&#39;ZQXSCRIPT" not in html.replace("&lt;script&gt;", ""), who


def test_the_transparency_page_gives_counts_only_children_and_guardians_apart(world):
    report = service.transparency(session=world.session, kind="comment", scope_id=world.consultation.id)
    children, guardians = report["child"], report["guardian"]
    assert (children.received, children.waiting, children.approved, children.changed, children.not_shown) == (3, 1, 0, 1, 1)
    assert children.not_shown_by_reason["unclear"] == 1 and children.median_minutes is not None
    assert (guardians.received, guardians.waiting) == (1, 1)
    with world.child_client(world.other, world.other_code) as client:
        page = client.get(f"/me/consultations/{world.consultation.id}/transparency")
        # In a child's words for 6–9 (issue 18): the children's counts, and the family's in one line.
        assert page.status_code == 200 and "3</span> ideas from children came in" in page.text
        assert "Grown-ups at home wrote 1 ideas too." in page.text and "Guardians' comments" not in page.text
        assert "ZQX" not in page.text
        client.get("/language", params={"locale": "zh_Hans", "next": "/me"})
        page = client.get(f"/me/consultations/{world.consultation.id}/transparency")
        assert "个小朋友的想法收到了" in page.text
        assert not [word for word in ("监护人", "审核", "单独计数", "您") if word in page.text]
    with english_client(world.app) as client:
        response = client.get(f"/consultations/{world.consultation.id}/transparency", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/signin")


def test_a_draft_has_no_transparency_page_for_children(world):
    draft = authoring.create(session=world.session, actor=world.official, data=consultation_models.ConsultationIn(title={"zh_Hans": "草稿"}))
    world.session.commit()
    with world.child_client(world.other, world.other_code) as client:
        assert client.get(f"/me/consultations/{draft.id}/transparency").status_code == 404


def test_the_pages_that_show_approved_comments(world):
    """MOD-12: the child's results (after the close), the guardian's consultation page and the staff results
    show approved words — here the author's redacted comment, quoted with the author's QUOTE consent — and
    never pending or rejected words, never the redacted original, always escaped."""
    from app.consent import service as consent
    from app.consent.models import DecidedBy, Purpose
    from app.consent.models import Decision as ConsentDecision

    consent.record(session=world.session, child=world.author, purpose=Purpose.QUOTE, decision=ConsentDecision.GRANTED,
                   decided_by=DecidedBy.GUARDIAN, channel="web", guardian=world.guardian)
    world.session.commit()
    cid = world.consultation.id
    seen: dict[str, str] = {}
    with signed_in_guardian(world.app, world.session, world.guardian) as client:
        seen["guardian"] = client.get(f"/guardian/consultations/{cid}").text
    with world.staff_client(world.official) as client:
        seen["official"] = client.get(f"/consultations/{cid}/results").text
    authoring.close_early(session=world.session, actor=world.official, consultation=world.consultation, reason="测试")
    world.session.commit()
    # Another child's approved words on the same question, without their QUOTE consent: never quoted.
    q3 = consultations.questions_of(session=world.session, consultation=world.consultation)[3]
    world.session.add(Comment(consultation_id=cid, question_id=q3.id, author_kind="child", child_id=world.other.id,
                              channel="tablet", text="我也想要ZQXOTHERS", status="approved"))
    world.session.commit()
    with world.child_client(world.author, world.author_code) as client:
        seen["author"] = client.get(f"/me/consultations/{cid}/results").text
    for who, html in seen.items():
        assert "ZQXREDACTED" in html, who
        assert ORIGINAL_PHONE not in html and "ZQXPENDING" not in html and "ZQXREJECTED" not in html, who
        assert "<script>alert(" not in html, who
    assert "you wrote this" in seen["author"]
    assert "ZQXOTHERS" not in seen["author"]  # the other child gave no QUOTE consent
    assert "ZQXGUARDIAN" not in seen["official"].replace("ZQXGUARDIANSHOWN", "")  # the guardian's view is still pending
