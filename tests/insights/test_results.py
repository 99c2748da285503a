"""Closed questions' results for the analysis (issue 16; PAR-05, DP-12): rankings as mean place and "put first",
five faces as a distribution, breakdowns that never let a hidden count be added up."""

from sqlmodel import Session

from app.consultations import answering, service
from app.consultations.models import AnswerIn, Channel, OptionIn, QuestionIn, QuestionKind
from app.core import suppression
from app.corps import actions as corps
from app.corps.models import ChildCreate, ChildStatus
from app.insights import results
from tests.consultations.helpers import load_notices, open_consultation, take_part
from tests.corps.tablet_helpers import classroom


def test_a_table_hides_whole_rows_whose_total_is_hidden_beside_it_dp12():
    """Options chosen by 3, 10 and 12 children: 3 is small and 10 is hidden beside it (else 25 - 12 - 10 = 3).
    By band, the row of 10 (5 + 5) must not show either, or it adds up to the hidden 10."""
    overall = suppression.cells({"a": 3, "b": 10, "c": 12})
    assert [overall[k].hidden for k in "abc"] == [True, True, False]
    by_band = suppression.table({"a": {"6-9": 1, "10-13": 2}, "b": {"6-9": 5, "10-13": 5}, "c": {"6-9": 6, "10-13": 6}},
                                hidden_rows={k for k, v in overall.items() if v.hidden})
    assert all(v.hidden for v in by_band["b"].values()) and all(v.hidden for v in by_band["a"].values())
    assert [str(v) for v in by_band["c"].values()] == ["6", "6"]


def _children(session: Session, n: int):  # noqa: ANN202
    room = classroom(session, size=0, code="class-ten", facilitator="teacher-ten")
    found = []
    for i in range(n):
        child, _ = corps.enrol(session=session, actor=room.facilitator, group=room.group,
                               data=ChildCreate(display_name=f"孩子{i}", avatar="panda", birth_year=2016, birth_month=5))
        corps.set_status(session=session, actor=room.facilitator, child=child, status=ChildStatus.ACTIVE)
        take_part(session, child)
        found.append(child)
    return found


def test_rankings_show_the_mean_place_and_who_put_it_first_and_faces_a_distribution(session):
    load_notices(session)
    consultation = open_consultation(session, questions=[
        QuestionIn(kind=QuestionKind.RANKING, prompt={"zh_Hans": "排一排", "en": "Put in order"},
                   options=[OptionIn(label={"zh_Hans": "安全", "en": "Safety"}), OptionIn(label={"zh_Hans": "好玩", "en": "Fun"}),
                            OptionIn(label={"zh_Hans": "干净", "en": "Clean"})]),
        QuestionIn(kind=QuestionKind.SCALE, prompt={"zh_Hans": "你觉得怎么样？", "en": "How do you like it?"}),
    ])
    ranking, scale = service.questions_of(session=session, consultation=consultation)
    a, b, c = (o.id for o in service.options_of(session=session, question=ranking))
    children = _children(session, 10)
    for i, child in enumerate(children):
        order = [a, b, c] if i < 5 else [b, a, c]  # five put Safety first, five Fun; Clean always last
        answering.submit(session=session, child=child, consultation=consultation,
                         answers=[AnswerIn(question_id=ranking.id, order=order), AnswerIn(question_id=scale.id, scale=4 if i < 5 else 5)],
                         key=answering.new_key(child=child, consultation=consultation), channel=Channel.PHONE if i < 5 else Channel.TABLET)
        session.commit()
    found = {q["kind"]: q for q in results.questions(session=session, consultation=consultation)}
    ranked = {o["label"]["en"]: o for o in found["ranking"]["options"]}
    assert ranked["Safety"]["mean_rank"] == 1.5 and ranked["Fun"]["mean_rank"] == 1.5 and ranked["Clean"]["mean_rank"] == 3.0
    # Put first: 5 and 5 and 0; the 0 is a small cell and a 5 beside it hides too, so it cannot be worked out.
    assert [ranked[k]["count"] for k in ("Safety", "Fun", "Clean")] == [None, 5, None]
    assert ranked["Fun"]["share"] == 0.5
    faces = [o["count"] for o in found["scale"]["options"]]
    # The distribution, no mean: 5 × "good" and 5 × "very good"; the three empty faces are small cells and one 5
    # hides beside them (else they add up to 0).
    assert faces == [None, None, None, None, 5]
    assert "mean_rank" not in found["scale"]["options"][0]
    # By channel: phone 5 put Safety first, tablet 5 put Fun first; every zero hidden, and the 5s beside them.
    channel = found["ranking"]["breakdowns"]["channel"]
    assert [c["key"] for c in channel["columns"]] == ["tablet", "phone", "paper"]
    assert all(v is None for row in channel["cells"].values() for v in row)
