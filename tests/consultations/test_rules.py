"""The rules of consultations at the service level, on SQLite and PostgreSQL: the Lundy gate (PAR-01),
the life cycle computed from dates, targeting, skip (PAR-03), answers changeable until the close, one
answer per child per question whatever is re-sent, kind refusals that save nothing, withdrawal (CON-07)
and small groups never broken down."""

import datetime as dt

import pytest
from sqlmodel import Session, func, select

from app.consent import service as consent
from app.consent.models import DecidedBy, Decision, Purpose
from app.consultations import answering, authoring, service
from app.consultations import results as consultation_results
from app.consultations.models import (
    Answer,
    AnswerIn,
    Channel,
    Comment,
    CommentStatus,
    Participation,
    QuestionIn,
    QuestionKind,
    State,
    Submission,
)
from app.core.db import utcnow
from app.core.errors import InvalidInput, NotFound
from app.corps import actions as corps
from app.corps.models import ChildCreate, GroupKind
from tests.consultations.helpers import (
    every_kind,
    load_notices,
    official,
    open_consultation,
    ready,
    take_part,
)
from tests.corps.tablet_helpers import classroom


@pytest.fixture
def room(session: Session):  # noqa: ANN201
    load_notices(session)
    room = classroom(session, size=2)
    room.guardians = [take_part(session, child) for child, _code in room.children]
    return room


def _count(session: Session, model: type, **where: object) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return session.exec(query).one()


def _send(session: Session, child, consultation, answers: list[AnswerIn], key: str | None = None):  # noqa: ANN001, ANN202
    key = key or answering.new_key(child=child, consultation=consultation)
    sent = answering.submit(session=session, child=child, consultation=consultation, answers=answers, key=key, channel=Channel.TABLET)
    session.commit()
    return sent


def _questions(session: Session, consultation):  # noqa: ANN001, ANN202
    questions = service.questions_of(session=session, consultation=consultation)
    return questions, service.options_by_question(session=session, questions=questions)


# ---- the Lundy gate (PAR-01) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "empty", "missing"),
    [
        ("topic", "", "topic"),
        ("briefs", {}, "brief"),
        ("age_bands", [], "age_bands"),
        ("decision", {}, "decision"),
        ("decider_body", {}, "decider"),
        ("decider_role", {"en": "only English"}, "decider"),
        ("can_change", {}, "scope"),
        ("cannot_change", {}, "scope"),
        ("opens_at", None, "opens_at"),
        ("closes_at", None, "closes_at"),
        ("respond_by", None, "respond_by"),
    ],
)
def test_a_consultation_cannot_be_scheduled_until_the_lundy_gate_holds(session, field, empty, missing):
    """PAR-01: topic, child brief, the decision, who decides, the scope, closing and response dates."""
    actor = official(session)
    consultation = authoring.create(session=session, actor=actor, data=ready(**{field: empty}))
    for question in every_kind():
        authoring.add_question(session=session, actor=actor, consultation=consultation, data=question)
    session.commit()
    assert missing in authoring.lundy_missing(session=session, consultation=consultation)
    with pytest.raises(service.LundyGateIncomplete) as refused:
        authoring.schedule(session=session, actor=actor, consultation=consultation)
    assert missing in refused.value.missing
    session.rollback()
    assert session.get(type(consultation), consultation.id).state() == State.DRAFT


def test_dates_must_be_in_order_and_two_ways_to_answer_are_needed(session):
    actor = official(session)
    now = utcnow()
    with pytest.raises(InvalidInput):  # refused at once, even in a draft
        authoring.create(session=session, actor=actor, data=ready(opens_at=now, closes_at=now - dt.timedelta(days=1)))
    with pytest.raises(InvalidInput):
        authoring.create(session=session, actor=actor, data=ready(respond_by=(now - dt.timedelta(days=3)).date()))
    session.rollback()
    one_kind = authoring.create(session=session, actor=actor, data=ready())
    assert "questions" in authoring.lundy_missing(session=session, consultation=one_kind)
    authoring.add_question(session=session, actor=actor, consultation=one_kind, data=every_kind()[0])
    assert authoring.lundy_missing(session=session, consultation=one_kind) == ["two_modes"]  # PAR-04
    authoring.add_question(session=session, actor=actor, consultation=one_kind, data=every_kind()[-1])
    assert authoring.lundy_missing(session=session, consultation=one_kind) == []


def test_the_state_follows_the_dates_without_a_timer(session):
    now = utcnow()
    consultation = open_consultation(session, opens_at=now + dt.timedelta(days=1), closes_at=now + dt.timedelta(days=2))
    assert consultation.state() == State.SCHEDULED
    assert consultation.state(now + dt.timedelta(days=1, minutes=1)) == State.OPEN
    assert consultation.state(now + dt.timedelta(days=2)) == State.CLOSED


def test_closing_early_needs_a_reason_and_is_audited(session):
    consultation = open_consultation(session)
    actor = official(session, "closer")
    with pytest.raises(InvalidInput):
        authoring.close_early(session=session, actor=actor, consultation=consultation, reason="  ")
    authoring.close_early(session=session, actor=actor, consultation=consultation, reason="预算调整，提前结束")
    session.commit()
    assert consultation.state() == State.CLOSED and consultation.close_reason == "预算调整，提前结束"


def test_questions_cannot_change_once_a_child_answered(session, room):
    child = room.children[0][0]
    consultation = open_consultation(session)
    questions, options = _questions(session, consultation)
    actor = official(session, "editor")
    authoring.update_question(session=session, actor=actor, consultation=consultation, question=questions[2], data=every_kind()[2])
    _send(session, child, consultation, [AnswerIn(question_id=questions[2].id, scale=4)])
    with pytest.raises(service.QuestionsLocked):
        authoring.add_question(session=session, actor=actor, consultation=consultation, data=every_kind()[0])
    with pytest.raises(service.QuestionsLocked):
        authoring.delete_question(session=session, actor=actor, consultation=consultation, question=questions[0])
    copy = authoring.duplicate(session=session, actor=actor, consultation=consultation)
    session.commit()
    assert copy.state() == State.DRAFT and len(service.questions_of(session=session, consultation=copy)) == 5


def test_a_child_sees_questions_changed_before_the_first_answer_at_once(session):
    """The questions a child answers are kept per worker (`form_of`); an official's change moves the
    consultation's `updated_at`, so the next child's screen (read in another session) shows the change."""
    consultation = open_consultation(session)
    actor = official(session, "editor")
    before = service.form_of(session=session, consultation=consultation)
    question = before.questions[0]
    changed = every_kind()[0].model_copy(update={"prompt": {"zh_Hans": "你最喜欢公园的哪里？", "en": "What do you like best?"}})
    authoring.update_question(session=session, actor=actor, consultation=consultation, question=session.get(type(question), question.id),
                            data=changed)
    authoring.add_question(session=session, actor=actor, consultation=consultation, data=every_kind()[2])
    session.commit()
    with Session(session.get_bind()) as other:  # another request: the consultation read afresh
        fresh = other.get(type(consultation), consultation.id)
        after = service.form_of(session=other, consultation=fresh)
    assert after.questions[0].prompt["zh_Hans"] == "你最喜欢公园的哪里？"
    assert len(after.questions) == len(before.questions) + 1


# ---- targeting ---------------------------------------------------------------------------------------


def test_children_see_only_consultations_that_target_their_age_band_district_and_group(session, room):
    child = room.children[0][0]  # born 2016-05: 10 in late 2026, so 10-13
    other_district = corps.ensure_district(session=session, actor=None, code="district-b", name={"zh_Hans": "盘龙区", "en": "Panlong"})
    other_group = corps.create_group(session=session, actor=None, district_id=other_district.id, code="class-b",
                                     name={"zh_Hans": "三年级一班", "en": "Class 3-1"}, kind=GroupKind.SCHOOL_CLASS)
    for_all = open_consultation(session)
    for_young = open_consultation(session, age_bands=["6-9"])
    for_other_district = open_consultation(session, district_ids=[other_district.id])
    for_other_group = open_consultation(session, group_ids=[other_group.id])
    for_my_group = open_consultation(session, group_ids=[room.group.id])
    draft = authoring.create(session=session, actor=official(session, "drafter"), data=ready())
    session.commit()
    open_, answered = answering.for_child(session=session, child=child)
    assert {c.id for c in open_} == {for_all.id, for_my_group.id} and answered == []
    for hidden in (for_young, for_other_district, for_other_group, draft):
        with pytest.raises(NotFound):
            answering.for_child_to_answer(session=session, child=child, consultation_id=hidden.id)
    _send(session, child, for_all, [AnswerIn(question_id=_questions(session, for_all)[0][2].id, scale=5)])
    open_, answered = answering.for_child(session=session, child=child)
    assert [c.id for c in open_] == [for_my_group.id] and [c.id for c in answered] == [for_all.id]


def test_a_child_who_answered_keeps_their_answers_after_the_consultation_stops_targeting_them(session, room):
    """Targeting is checked first; only a child it no longer reaches is asked whether they answered."""
    child = room.children[0][0]
    other_district = corps.ensure_district(session=session, actor=None, code="district-c", name={"zh_Hans": "五华区", "en": "Wuhua"})
    other_group = corps.create_group(session=session, actor=None, district_id=other_district.id, code="class-c",
                                     name={"zh_Hans": "四年级一班", "en": "Class 4-1"}, kind=GroupKind.SCHOOL_CLASS)
    answered = open_consultation(session, group_ids=[room.group.id])
    not_answered = open_consultation(session, group_ids=[room.group.id])
    _send(session, child, answered, [AnswerIn(question_id=_questions(session, answered)[0][2].id, scale=4)])
    for consultation in (answered, not_answered):
        consultation.group_ids = [other_group.id]
        session.add(consultation)
    session.commit()
    assert answering.for_child_to_answer(session=session, child=child, consultation_id=answered.id).id == answered.id
    with pytest.raises(NotFound):
        answering.for_child_to_answer(session=session, child=child, consultation_id=not_answered.id)


# ---- answers -----------------------------------------------------------------------------------------


def test_every_kind_of_answer_is_stored_once_and_a_retried_send_counts_once(session, room):
    child = room.children[0][0]
    consultation = open_consultation(session)
    (single, multiple, scale, ranking, text), options = _questions(session, consultation)
    answers = [
        AnswerIn(question_id=single.id, option=options[single.id][0].id),
        AnswerIn(question_id=multiple.id, options=[options[multiple.id][2].id, options[multiple.id][0].id]),
        AnswerIn(question_id=scale.id, scale=2),
        AnswerIn(question_id=ranking.id, order=[o.id for o in reversed(options[ranking.id])]),
        AnswerIn(question_id=text.id, text="  希望\u0000多一些\n秋千  "),
    ]
    key = answering.new_key(child=child, consultation=consultation)
    first = _send(session, child, consultation, answers, key)
    again = _send(session, child, consultation, answers, key)
    assert not first.repeated and again.repeated
    assert again.participation.receipt_code == first.participation.receipt_code and len(first.participation.receipt_code) == 8
    assert _count(session, Answer, child_id=child.id) == 5 and _count(session, Submission, child_id=child.id) == 1
    stored = answering.answers_of(session=session, child=child, consultation=consultation)
    assert stored[multiple.id].value == {"options": sorted([options[multiple.id][2].id, options[multiple.id][0].id])}
    assert stored[ranking.id].value == {"order": [o.id for o in reversed(options[ranking.id])]}
    comment = session.exec(select(Comment).where(Comment.child_id == child.id)).one()
    assert comment.text == "希望多一些 秋千" and comment.status == CommentStatus.PENDING.value  # control characters gone


def test_skip_is_always_allowed_and_counted_apart(session, room):
    """PAR-03: a visible skip, no penalty; a skipped question is not an answer in the results."""
    child = room.children[0][0]
    consultation = open_consultation(session)
    questions, _options = _questions(session, consultation)
    _send(session, child, consultation, [AnswerIn(question_id=q.id, skip=True) for q in questions])
    stored = answering.answers_of(session=session, child=child, consultation=consultation)
    assert all(a.skipped for a in stored.values()) and len(stored) == 5
    results = consultation_results.results(session=session, consultation=consultation)
    assert [(r.answered, r.skipped) for r in results] == [(0, 1)] * 5
    assert _count(session, Comment, child_id=child.id) == 0


def test_answers_can_change_until_the_close_and_are_refused_after(session, room):
    child = room.children[0][0]
    consultation = open_consultation(session)
    (single, *_rest, text), options = _questions(session, consultation)
    _send(session, child, consultation, [AnswerIn(question_id=single.id, option=options[single.id][0].id), AnswerIn(question_id=text.id, text="秋千")])
    comment = session.exec(select(Comment).where(Comment.child_id == child.id)).one()
    comment.status = CommentStatus.APPROVED.value
    session.add(comment)
    session.commit()
    _send(session, child, consultation, [AnswerIn(question_id=single.id, option=options[single.id][1].id), AnswerIn(question_id=text.id, text="秋千")])
    assert answering.answers_of(session=session, child=child, consultation=consultation)[single.id].value == {"option": options[single.id][1].id}
    session.refresh(comment)
    assert comment.status == CommentStatus.APPROVED.value  # the same words: the moderator's decision stands
    _send(session, child, consultation, [AnswerIn(question_id=text.id, text="秋千和滑梯")])
    session.refresh(comment)
    assert comment.status == CommentStatus.PENDING.value and comment.text == "秋千和滑梯"  # changed words: read again
    assert _count(session, Answer, child_id=child.id) == 2 and _count(session, Participation, child_id=child.id) == 1

    authoring.close_early(session=session, actor=official(session, "closer"), consultation=consultation, reason="时间到了")
    session.commit()
    with pytest.raises(service.NotOpen):
        _send(session, child, consultation, [AnswerIn(question_id=single.id, option=options[single.id][2].id)])
    session.rollback()
    assert answering.answers_of(session=session, child=child, consultation=consultation)[single.id].value == {"option": options[single.id][1].id}


def test_not_yet_open_is_refused_kindly(session, room):
    child = room.children[0][0]
    now = utcnow()
    consultation = open_consultation(session, opens_at=now + dt.timedelta(days=1), closes_at=now + dt.timedelta(days=3))
    questions, _ = _questions(session, consultation)
    with pytest.raises(service.NotYetOpen):
        _send(session, child, consultation, [AnswerIn(question_id=questions[0].id, skip=True)])


@pytest.mark.parametrize("case", ["other_question", "foreign_option", "too_many", "too_long", "bad_face", "bad_text_kind"])
def test_bad_answers_are_refused_and_nothing_partial_is_saved(session, room, case):
    child = room.children[0][0]
    consultation = open_consultation(session)
    other = open_consultation(session)
    (single, multiple, scale, _ranking, text), options = _questions(session, consultation)
    other_questions, other_options = _questions(session, other)
    good = AnswerIn(question_id=scale.id, scale=3)
    bad = {
        "other_question": AnswerIn(question_id=other_questions[0].id, option=other_options[other_questions[0].id][0].id),
        "foreign_option": AnswerIn(question_id=single.id, option=other_options[other_questions[0].id][0].id),
        "too_many": AnswerIn(question_id=multiple.id, options=[o.id for o in options[multiple.id]]),
        "too_long": AnswerIn(question_id=text.id, text="树" * 281),
        "bad_face": AnswerIn(question_id=scale.id, scale=6),
        "bad_text_kind": AnswerIn(question_id=single.id, option=-1),
    }[case]
    with pytest.raises(service.BadAnswer):
        _send(session, child, consultation, [good, bad])
    session.rollback()
    assert _count(session, Answer, child_id=child.id) == 0 and _count(session, Participation, child_id=child.id) == 0
    assert _count(session, Submission, child_id=child.id) == 0 and _count(session, Comment, child_id=child.id) == 0


def test_a_tampered_or_borrowed_key_is_refused(session, room):
    (child, _), (sibling, _) = room.children
    consultation = open_consultation(session)
    questions, _ = _questions(session, consultation)
    answers = [AnswerIn(question_id=questions[0].id, skip=True)]
    sibling_key = answering.new_key(child=sibling, consultation=consultation)
    for key in (sibling_key, "made-up", sibling_key.split(".")[0] + ".0000", "x" * 200):
        with pytest.raises(service.TamperedKey):
            _send(session, child, consultation, answers, key)
        session.rollback()
    assert _count(session, Answer, child_id=child.id) == 0


def test_the_form_encoding_is_parsed_once_for_every_kind(session):
    consultation = open_consultation(session)
    (single, multiple, scale, ranking, text), options = _questions(session, consultation)

    class Form(dict):
        def getlist(self, name: str) -> list[str]:
            value = self.get(name, [])
            return value if isinstance(value, list) else [value]

    form = Form({
        f"q-{single.id}": str(options[single.id][1].id), f"q-{multiple.id}": [str(o.id) for o in options[multiple.id][:2]],
        f"q-{scale.id}": "5", f"q-{ranking.id}": ",".join(str(o.id) for o in options[ranking.id]), f"q-{text.id}": "多种树",
    })
    parsed = answering.answers_from_form([single, multiple, scale, ranking, text], form)
    assert [(a.option, a.options, a.scale, a.order, a.text) for a in parsed] == [
        (options[single.id][1].id, [], None, [], None), (None, [o.id for o in options[multiple.id][:2]], None, [], None),
        (None, [], 5, [], None), (None, [], None, [o.id for o in options[ranking.id]], None), (None, [], None, [], "多种树"),
    ]
    assert answering.answers_from_form([scale], Form({f"q-{scale.id}": "5", f"skip-{scale.id}": "1"}))[0].skip
    with pytest.raises(service.BadAnswer):
        answering.answers_from_form([scale], Form({f"q-{scale.id}": "five"}))


# ---- consent: withdrawal (CON-07) -------------------------------------------------------------------


def test_a_withdrawal_takes_pending_comments_out_of_the_queue_and_refuses_new_answers(session, room):
    child = room.children[0][0]
    consultation = open_consultation(session)
    questions, _ = _questions(session, consultation)
    _send(session, child, consultation, [AnswerIn(question_id=questions[-1].id, text="我想要更多的树")])
    consent.record(session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.WITHDRAWN,
                   decided_by=DecidedBy.GUARDIAN, channel="web", guardian=room.guardians[0])
    session.commit()
    assert _count(session, Comment, child_id=child.id) == 0  # left the queue at once
    assert _count(session, Answer, child_id=child.id) == 1  # the answer given with consent stays until erasure
    with pytest.raises(consent.ConsentRequired):
        _send(session, child, consultation, [AnswerIn(question_id=questions[-1].id, text="再来一次")])
    session.rollback()
    assert _count(session, Comment, child_id=child.id) == 0


def test_a_child_who_stops_has_pending_comments_removed_too(session, room):
    child = room.children[0][0]
    consultation = open_consultation(session)
    questions, _ = _questions(session, consultation)
    _send(session, child, consultation, [AnswerIn(question_id=questions[-1].id, text="我想要滑梯")])
    consent.record(session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.WITHDRAWN,
                   decided_by=DecidedBy.CHILD_ASSENT, channel="tablet")
    session.commit()
    assert _count(session, Comment, child_id=child.id) == 0


# ---- results ----------------------------------------------------------------------------------------


def test_results_never_break_down_groups_smaller_than_five(session):
    load_notices(session)
    room = classroom(session, size=0)
    children = []
    for i, year in enumerate([2016] * 6 + [2019] * 2):  # six children of 10-13, two of 6-9
        child, _ = corps.enrol(session=session, actor=room.facilitator, group=room.group,
                               data=ChildCreate(display_name=f"孩子{i}", avatar="panda", birth_year=year, birth_month=5))
        take_part(session, child)
        children.append(child)
    consultation = open_consultation(session)
    (single, *_rest), options = _questions(session, consultation)
    for i, child in enumerate(children):
        _send(session, child, consultation, [AnswerIn(question_id=single.id, option=options[single.id][i % 2].id)])
    result = consultation_results.results(session=session, consultation=consultation, question_ids={single.id})[0]
    assert result.answered == 8 and not result.suppressed
    assert [bar.count for bar in result.bars] == [4, 4, 0]
    # Two children of 6-9 and none of 14-17: not shown; 6 of 10-13 would give them away (8 answered), so it is
    # hidden too (secondary suppression, app.core.suppression).
    assert result.by_band == {"6-9": None, "10-13": None, "14-17": None}
    assert result.by_channel == {"tablet": 8}
    few = open_consultation(session)
    (few_single, *_), few_options = _questions(session, few)
    _send(session, children[0], few, [AnswerIn(question_id=few_single.id, option=few_options[few_single.id][0].id)])
    assert consultation_results.results(session=session, consultation=few)[0].suppressed


def test_guardian_comments_are_kept_apart_from_childrens_counts(session, room):
    child = room.children[0][0]
    consultation = open_consultation(session)
    answering.guardian_comment(session=session, guardian=room.guardians[0], consultation=consultation, children=[child], text="希望多一些遮阳的地方")
    session.commit()
    assert consultation_results.guardian_comment_count(session=session, consultation=consultation) == 1
    assert all(r.comments == 0 and r.answered == 0 for r in consultation_results.results(session=session, consultation=consultation))


def test_the_question_editor_refuses_bad_questions(session):
    actor = official(session)
    consultation = authoring.create(session=session, actor=actor, data=ready())
    for bad in (
        QuestionIn(kind=QuestionKind.SINGLE, prompt={"zh_Hans": "选一个"}, options=[]),
        QuestionIn(kind=QuestionKind.SINGLE, prompt={"en": "no Chinese"}, options=every_kind()[0].options),
        QuestionIn(kind=QuestionKind.MULTIPLE, prompt={"zh_Hans": "选几个"}, max_choices=9, options=every_kind()[1].options),
        QuestionIn(kind=QuestionKind.SINGLE, prompt={"zh_Hans": "选一个"}, options=every_kind()[0].options * 5),
    ):
        with pytest.raises(InvalidInput):
            authoring.add_question(session=session, actor=actor, consultation=consultation, data=bad)
    assert service.questions_of(session=session, consultation=consultation) == []
