"""Paper responses (PAR-14): a facilitator types in, for a child of their own group who is taking part,
the answers from the child's paper form: all questions on one page, the same `q-<id>`/`skip-<id>`
encoding as the child's pages, a key that makes a retried send count once, channel "paper" counted apart,
the facilitator recorded and audited, corrections until the close. The consent guard is the service's own
`consent.require` (paper routes are staff routes): a child who is not taking part gets nothing stored."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.accounts.models import Role
from app.consent import service as consent
from app.consent.models import DecidedBy, Decision, Purpose
from app.consultations import answering, authoring, results, service
from app.consultations.models import Answer, AnswerIn, Channel, Comment, Participation, Submission
from app.core.audit import AuditEvent
from app.corps.models import Child
from tests.conftest import english_client, make_user, sign_in
from tests.consultations.helpers import load_notices, open_consultation, take_part
from tests.corps.tablet_helpers import Classroom, classroom

FIELD = re.compile(r'name="(csrf_token|key)" value="([^"]+)"')


class World:
    def __init__(self, session: Session) -> None:
        load_notices(session)
        self.room: Classroom = classroom(session, size=3)
        self.other: Classroom = classroom(session, size=1, code="class-b", facilitator="teacher2")
        self.taking_part, self.no_consent, self.second = (c for c, _code in self.room.children)
        take_part(session, self.taking_part)
        take_part(session, self.second)
        self.consultation = open_consultation(session, group_ids=[self.room.group.id])
        self.elsewhere = open_consultation(session, group_ids=[self.other.group.id], title={"zh_Hans": "别的班", "en": "Another class only"})
        self.questions = service.questions_of(session=session, consultation=self.consultation)
        self.options = service.options_by_question(session=session, questions=self.questions)

    def q(self, kind: str):  # noqa: ANN201
        return next(q for q in self.questions if q.kind == kind)

    def opt(self, kind: str, index: int) -> int:
        return self.options[self.q(kind).id][index].id

    def base(self, child: Child | None = None) -> str:
        child = child or self.taking_part
        return f"/corps/groups/{self.room.group.id}/paper/{self.consultation.id}/children/{child.id}"

    def answers(self) -> dict[str, object]:
        """A full paper form: one option, two options, a face, an order (three selects), a text."""
        return {
            f"q-{self.q('single').id}": str(self.opt("single", 1)),
            f"q-{self.q('multiple').id}": [str(self.opt("multiple", 0)), str(self.opt("multiple", 2))],
            f"q-{self.q('scale').id}": "4",
            f"q-{self.q('ranking').id}": [str(self.opt("ranking", 2)), str(self.opt("ranking", 0)), ""],
            f"q-{self.q('text').id}": "我想要更多的树",
        }


@pytest.fixture
def world(session: Session) -> World:
    return World(session)


@pytest.fixture
def facilitator(app, world) -> TestClient:  # noqa: ANN001
    with english_client(app) as client:
        sign_in(client, world.room.facilitator.username)
        yield client


def _form(client: TestClient, path: str) -> dict[str, str]:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return dict(FIELD.findall(page.text))


def send(client: TestClient, world: World, data: dict, child: Child | None = None, key: str | None = None):  # noqa: ANN201
    fields = _form(client, world.base(child))
    body = {"csrf_token": fields["csrf_token"], "key": key or fields["key"], **data}
    return client.post(world.base(child), data=body, follow_redirects=False)


def _count(session: Session, model: type, **where: object) -> int:
    session.expire_all()
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return session.exec(query).one()


def test_the_facilitator_sees_the_open_consultations_of_the_group_and_the_children(facilitator, world):
    group_page = facilitator.get(f"/corps/groups/{world.room.group.id}").text
    assert f'href="/corps/groups/{world.room.group.id}/paper"' in group_page
    listing = facilitator.get(f"/corps/groups/{world.room.group.id}/paper")
    assert listing.status_code == 200
    assert "New play area at Green Lake Park" in listing.text and "Another class only" not in listing.text
    page = facilitator.get(f"/corps/groups/{world.room.group.id}/paper/{world.consultation.id}")
    assert page.status_code == 200
    assert f'href="{world.base()}"' in page.text and f'href="{world.base(world.second)}"' in page.text
    # A child who is not taking part is listed, greyed, with the reason, and cannot be chosen.
    assert world.no_consent.display_name in page.text and f'href="{world.base(world.no_consent)}"' not in page.text
    assert "Not taking part: no consent yet" in page.text


def test_paper_answers_are_stored_as_paper_with_the_facilitator_counted_and_audited(facilitator, session, world):
    response = send(facilitator, world, world.answers())
    assert response.status_code == 303
    assert response.headers["location"] == f"/corps/groups/{world.room.group.id}/paper/{world.consultation.id}?done=paper_saved"
    assert "marked as paper" in facilitator.get(response.headers["location"]).text
    session.expire_all()
    stored = answering.answers_of(session=session, child=world.taking_part, consultation=world.consultation)
    assert len(stored) == 5
    assert {a.channel for a in stored.values()} == {"paper"}
    assert {a.entered_by_id for a in stored.values()} == {world.room.facilitator.id}
    assert stored[world.q("single").id].value == {"option": world.opt("single", 1)}
    assert stored[world.q("multiple").id].value == {"options": sorted([world.opt("multiple", 0), world.opt("multiple", 2)])}
    assert stored[world.q("scale").id].value == {"scale": 4}
    assert stored[world.q("ranking").id].value == {"order": [world.opt("ranking", 2), world.opt("ranking", 0)]}
    [comment] = answering.comments_of_child(session=session, child=world.taking_part, consultation=world.consultation)
    assert comment.text == "我想要更多的树" and comment.channel == "paper" and comment.status == "pending"
    assert results.participation_counts(session=session, consultation=world.consultation) == {"paper": 1}
    single = next(r for r in results.results(session=session, consultation=world.consultation) if r.question.id == world.q("single").id)
    assert single.by_channel == {"paper": 1}
    [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "consultation.paper_entry")).all()
    assert event.actor_type == "staff" and event.actor_id == str(world.room.facilitator.id)
    assert event.data["child_id"] == world.taking_part.id and event.data["answers"] == 5
    page = facilitator.get(f"/corps/groups/{world.room.group.id}/paper/{world.consultation.id}").text
    assert "Paper answers entered: open to correct" in page


def test_the_same_key_sent_twice_counts_once(facilitator, session, world):
    fields = _form(facilitator, world.base())
    for _ in range(2):
        body = {"csrf_token": fields["csrf_token"], "key": fields["key"], **world.answers()}
        assert facilitator.post(world.base(), data=body, follow_redirects=False).status_code == 303
    assert _count(session, Participation, child_id=world.taking_part.id) == 1
    assert _count(session, Answer, child_id=world.taking_part.id) == 5
    assert _count(session, Submission, child_id=world.taking_part.id) == 1
    assert _count(session, AuditEvent, action="consultation.paper_entry") == 1


def test_a_paper_entry_can_be_corrected_until_the_close_prefilled(facilitator, session, world):
    assert send(facilitator, world, world.answers()).status_code == 303
    page = facilitator.get(world.base()).text
    assert "already saved" in page and "Save the corrected paper answers" in page
    assert re.search(rf'value="{world.opt("single", 1)}" checked', page)
    assert re.search(r'value="4" checked', page)
    assert "我想要更多的树</textarea>" in page
    assert re.search(rf'<option value="{world.opt("ranking", 2)}" selected', page)
    corrected = {**world.answers(), f"q-{world.q('single').id}": str(world.opt("single", 0)), f"skip-{world.q('text').id}": "1"}
    assert send(facilitator, world, corrected).status_code == 303
    session.expire_all()
    stored = answering.answers_of(session=session, child=world.taking_part, consultation=world.consultation)
    assert stored[world.q("single").id].value == {"option": world.opt("single", 0)}
    assert stored[world.q("text").id].skipped
    assert answering.comments_of_child(session=session, child=world.taking_part, consultation=world.consultation) == []
    assert _count(session, Participation, child_id=world.taking_part.id) == 1
    assert _count(session, AuditEvent, action="consultation.paper_entry") == 2


def test_after_the_close_nothing_more_is_entered(facilitator, session, world):
    fields = _form(facilitator, world.base())
    authoring.close_early(session=session, actor=world.room.facilitator, consultation=world.consultation, reason="提前结束")
    session.commit()
    response = facilitator.post(world.base(), data={**fields, **world.answers()}, follow_redirects=False)
    assert response.status_code == 404
    assert _count(session, Answer, child_id=world.taking_part.id) == 0


def test_a_child_without_consent_cannot_be_chosen_and_a_forced_entry_stores_nothing(facilitator, session, world):
    """The consent guard of paper entry is the service's `consent.require` (CON-04)."""
    refused = facilitator.get(world.base(world.no_consent))
    assert refused.status_code == 409 and 'name="key"' not in refused.text
    csrf = _form(facilitator, world.base())["csrf_token"]
    forged_key = answering.new_key(child=world.no_consent, consultation=world.consultation)
    response = facilitator.post(world.base(world.no_consent), data={"csrf_token": csrf, "key": forged_key, **world.answers()},
                                follow_redirects=False)
    assert response.status_code == 403
    assert "not taking part now, so nothing was saved" in response.text
    for model in (Answer, Participation, Submission, Comment):
        assert _count(session, model, child_id=world.no_consent.id) == 0
    assert _count(session, AuditEvent, action="consultation.paper_entry") == 0


def test_a_withdrawal_between_opening_and_saving_the_form_stores_nothing(facilitator, session, world):
    fields = _form(facilitator, world.base())
    consent.record(session=session, child=world.taking_part, purpose=Purpose.PARTICIPATE, decision=Decision.WITHDRAWN,
                   decided_by=DecidedBy.CHILD_ASSENT, channel="tablet")
    session.commit()
    response = facilitator.post(world.base(), data={**fields, **world.answers()}, follow_redirects=False)
    assert response.status_code == 403
    for model in (Answer, Participation, Submission, Comment):
        assert _count(session, model, child_id=world.taking_part.id) == 0


def test_a_childs_own_answers_are_never_overwritten_from_paper(facilitator, session, world):
    key = answering.new_key(child=world.second, consultation=world.consultation)
    answering.submit(session=session, child=world.second, consultation=world.consultation, key=key, channel=Channel.TABLET,
                   answers=[AnswerIn(question_id=world.q("scale").id, scale=5)])
    session.commit()
    page = facilitator.get(f"/corps/groups/{world.room.group.id}/paper/{world.consultation.id}").text
    assert f'href="{world.base(world.second)}"' not in page and "Answered on their own" in page
    assert facilitator.get(world.base(world.second)).status_code == 409
    csrf = _form(facilitator, world.base())["csrf_token"]
    paper_key = answering.new_key(child=world.second, consultation=world.consultation)
    response = facilitator.post(world.base(world.second), data={"csrf_token": csrf, "key": paper_key, **world.answers()},
                                follow_redirects=False)
    assert response.status_code == 409
    session.expire_all()
    stored = answering.answers_of(session=session, child=world.second, consultation=world.consultation)
    assert list(stored) == [world.q("scale").id] and stored[world.q("scale").id].channel == "tablet"


def test_a_wrong_answer_gets_a_kind_error_keeps_what_was_typed_and_stores_nothing(facilitator, session, world):
    bad = {**world.answers(), f"q-{world.q('single').id}": "999999"}
    response = send(facilitator, world, bad)
    assert response.status_code == 422
    assert "not one of this question's choices" in response.text
    assert "我想要更多的树</textarea>" in response.text  # what the facilitator typed comes back
    assert _count(session, Answer, child_id=world.taking_part.id) == 0
    too_long = {**world.answers(), f"q-{world.q('text').id}": "长" * 281}
    response = send(facilitator, world, too_long)
    assert response.status_code == 422 and "up to 280 characters" in response.text
    assert _count(session, Answer, child_id=world.taking_part.id) == 0


def test_a_tampered_key_is_refused(facilitator, session, world):
    response = send(facilitator, world, world.answers(), key="made-up.key")
    assert response.status_code == 422
    assert _count(session, Answer, child_id=world.taking_part.id) == 0


def test_another_facilitators_group_is_not_found(app, session, world):
    with english_client(app) as client:
        sign_in(client, world.other.facilitator.username)
        group = world.room.group.id
        for path in (f"/corps/groups/{group}/paper", f"/corps/groups/{group}/paper/{world.consultation.id}", world.base()):
            assert client.get(path).status_code == 404, path
        # Their own group does not open the other group's consultation either.
        assert client.get(f"/corps/groups/{world.other.group.id}/paper/{world.consultation.id}").status_code == 404
        own = client.get(f"/corps/groups/{world.other.group.id}/paper")
        assert own.status_code == 200 and "Another class only" in own.text
        csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', own.text).group(1)
        key = answering.new_key(child=world.taking_part, consultation=world.consultation)
        response = client.post(world.base(), data={"csrf_token": csrf, "key": key, **world.answers()}, follow_redirects=False)
        assert response.status_code == 404
        # A child of another group under one's own group's address: not found either.
        response = client.post(f"/corps/groups/{world.other.group.id}/paper/{world.elsewhere.id}/children/{world.taking_part.id}",
                               data={"csrf_token": csrf, "key": key, **world.answers()}, follow_redirects=False)
        assert response.status_code == 404
    assert _count(session, Answer, child_id=world.taking_part.id) == 0


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OFFICIAL, Role.MODERATOR])
def test_paper_entry_is_for_facilitators_only(app, session, world, role):
    user = make_user(session, f"paper-{role.value}".replace("_", "-"), [role])
    with english_client(app) as client:
        sign_in(client, user.username)
        assert client.get(f"/corps/groups/{world.room.group.id}/paper").status_code == 403
        assert client.get(world.base()).status_code == 403


def test_the_form_has_every_question_on_one_page_with_a_skip_each(facilitator, world):
    page = facilitator.get(world.base()).text
    for question in world.questions:
        assert f'name="q-{question.id}"' in page and f'name="skip-{question.id}"' in page
    assert page.count('name="key"') == 1
    assert "Paper answers of" in page and world.taking_part.display_name in page

