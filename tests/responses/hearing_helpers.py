"""Builders for the tests of hearing back and the public page (issue 17): a closed consultation children took part in, a publication
with a snapshot in the documented format (app/responses/service.py), commitments and their events — written
directly, as the officials' publish action would."""

import datetime as dt
from typing import Any

from sqlmodel import Session

from app.consultations import answering
from app.consultations import service as consultations
from app.consultations.models import AnswerIn, Channel, Consultation, Question, QuestionKind
from app.core.db import utcnow
from app.corps.models import Child
from app.responses.models import Commitment, CommitmentEvent, Publication

THEMES = [
    {"subject": {"zh_Hans": "更多的树荫", "en": "More shade"}, "size": 12, "outcome": "adopted"},
    {"subject": {"zh_Hans": "新的秋千", "en": "New swings"}, "size": 3, "outcome": "not_adopted",
     "reason": {"zh_Hans": "预算不够", "en": "Not enough money this year"}},
]


def answer(session: Session, child: Child, consultation: Consultation, *, text: str | None = None) -> None:
    """The child answers the first single-choice question (and the text question, if `text`)."""
    questions = consultations.questions_of(session=session, consultation=consultation)
    options = consultations.options_by_question(session=session, questions=questions)
    answers = []
    for q in questions:
        if q.kind == QuestionKind.SINGLE.value:
            answers.append(AnswerIn(question_id=q.id, option=options[q.id][0].id))
        elif q.kind == QuestionKind.TEXT.value and text:
            answers.append(AnswerIn(question_id=q.id, text=text))
    answering.submit(session=session, child=child, consultation=consultation, answers=answers,
                     key=answering.new_key(child=child, consultation=consultation), channel=Channel.TABLET)
    session.commit()


def text_question(session: Session, consultation: Consultation) -> Question:
    return next(q for q in consultations.questions_of(session=session, consultation=consultation) if q.kind == QuestionKind.TEXT.value)


def close(session: Session, consultation: Consultation, *, respond_by: dt.date | None = None) -> None:
    consultation.closed_at = utcnow()
    if respond_by is not None:
        consultation.respond_by = respond_by
    session.add(consultation)
    session.commit()


def snapshot(themes: list[dict[str, Any]] | None = None, *, decision_id: int = 1, document: bool = False) -> dict[str, Any]:
    responses = []
    for n, theme in enumerate(themes if themes is not None else THEMES, start=1):
        responses.append({
            "id": n, "theme_id": theme.get("theme_id"), "question_id": None, "subject": theme["subject"],
            "description": theme.get("description", {}), "size": theme["size"], "outcome": theme["outcome"],
            "reason": theme.get("reason", {}), "decide_by": theme.get("decide_by"),
            "explanation": theme.get("explanation", {"zh_Hans": "成人的解释", "en": "The adults' explanation"}),
            "child_versions": theme.get("child_versions", {
                "6-9": {"zh_Hans": "我们会种树。", "en": "We will plant trees."},
                "10-13": {"zh_Hans": "我们会在游乐区种更多的树。", "en": "We will plant more trees around the play area."},
            }),
            "decision_id": decision_id,
        })
    return {
        "decisions": [{"id": decision_id, "decided_on": "2026-11-20", "decider": {"zh_Hans": "区住建局", "en": "District bureau"},
                       "text": {"zh_Hans": "按儿童意见修改设计。", "en": "The design follows the children's views."},
                       "reference": "五住建〔2026〕12号", "has_document": document}],
        "responses": responses,
    }


def publish(session: Session, consultation: Consultation, *, number: int = 1, data: dict[str, Any] | None = None,
            at: dt.datetime | None = None, note: str | None = None) -> Publication:
    publication = Publication(consultation_id=consultation.id, number=number, snapshot=data or snapshot(), note=note,
                              published_at=at or utcnow())
    session.add(publication)
    session.commit()
    return publication


def commitment(session: Session, consultation: Consultation, *, action: str = "Plant 20 trees", status: str = "planned",
               due_on: dt.date | None = None, dropped_reason: str | None = None) -> Commitment:
    row = Commitment(consultation_id=consultation.id, action={"zh_Hans": "种20棵树" if action == "Plant 20 trees" else action, "en": action},
                     department={"zh_Hans": "园林局", "en": "Parks department"}, due_on=due_on or dt.date(2027, 5, 1), status=status,
                     dropped_reason=dropped_reason)
    session.add(row)
    session.commit()
    session.add(CommitmentEvent(commitment_id=row.id, kind="created", status=status, on=utcnow().date()))
    session.commit()
    return row


def change_status(session: Session, row: Commitment, status: str, *, text: str = "", at: dt.datetime | None = None) -> None:
    row.status = status
    row.updated_at = at or utcnow()
    session.add(row)
    session.add(CommitmentEvent(commitment_id=row.id, kind="status", status=status, text={"zh_Hans": text, "en": text} if text else {},
                                on=(at or utcnow()).date(), at=at or utcnow()))
    session.commit()
