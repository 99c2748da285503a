"""The child's own JSON API: /api/v1/me/consultations (PAR-03).

Children's answers only through the child's own session cookie, never a staff token. /api/ is exempt from
the global CSRF check (staff use bearer tokens), so `ChildApiSession` checks the child session's
X-CSRF-Token header explicitly; `ConsentingChild` then guards every route (CON-04). Imports no HTML view."""

import datetime as dt

from fastapi import Request, Response
from pydantic import BaseModel, Field

from app.consent.deps import ConsentingChild
from app.consultations import actions, answering, results, service
from app.consultations.deps import ChildApiSession
from app.consultations.models import (
    AnswerIn,
    AnswersIn,
    OptionPublic,
    QuestionKind,
    QuestionPublic,
    Receipt,
    State,
)
from app.core.db import Id, SessionDep
from app.core.routing import Router, model_response

router = Router(prefix="/api/v1", tags=["consultations"])



class ChildConsultation(BaseModel):
    id: int
    title: dict[str, str]
    state: State
    closes_at: dt.datetime | None
    respond_by: dt.date | None
    has_picture: bool
    receipt_code: str | None = None


class ChildConsultations(BaseModel):
    open: list[ChildConsultation]
    answered: list[ChildConsultation]


class ChildForm(ChildConsultation):
    """Everything a child's app needs to show the questions (PAR-02: who reads and when children hear back)."""

    brief: dict[str, str]
    picture_alt: dict[str, str] = Field(description="the picture in words (its alt text, A11Y-04); empty without a picture")
    decider_body: dict[str, str]
    decider_role: dict[str, str]
    questions: list[QuestionPublic]
    answers: list[AnswerIn]
    key: str


class ChildBar(BaseModel):
    label: dict[str, str]
    pictogram: str | None
    count: int


class ChildResult(BaseModel):
    question_id: Id
    prompt: dict[str, str]
    kind: QuestionKind
    answered: int
    suppressed: bool
    bars: list[ChildBar]


def _child_summary(consultation, receipts: dict[int, str]) -> ChildConsultation:  # noqa: ANN001
    return ChildConsultation(
        id=consultation.id, title=consultation.title, state=consultation.state(), closes_at=consultation.closes_at,
        respond_by=consultation.respond_by, has_picture=consultation.picture_id is not None,
        receipt_code=receipts.get(consultation.id),
    )


@router.get("/me/consultations", response_model=ChildConsultations, summary="The child's consultations: open ones and answered ones")
def child_consultations(session: SessionDep, _session: ChildApiSession, child: ConsentingChild) -> ChildConsultations:
    open_, answered = answering.for_child(session=session, child=child)
    receipts = answering.receipts_of(session=session, child=child)
    return ChildConsultations(
        open=[_child_summary(c, receipts) for c in open_], answered=[_child_summary(c, receipts) for c in answered]
    )


@router.get("/me/consultations/{consultation_id}", response_model=ChildForm, summary="One consultation to answer, with the child's stored answers and a fresh key")
def child_consultation(consultation_id: Id, session: SessionDep, _session: ChildApiSession, child: ConsentingChild) -> Response:
    consultation = answering.for_child_to_answer(session=session, child=child, consultation_id=consultation_id)
    form = service.form_of(session=session, consultation=consultation)
    questions, options = form.questions, form.options
    band = child.age_band()
    receipts = answering.receipts_of(session=session, child=child)
    return model_response(ChildForm(
        **_child_summary(consultation, receipts).model_dump(),
        brief=service.brief_for(consultation, band.value if band else None),
        picture_alt=consultation.picture_alt if consultation.picture_id is not None else {},
        decider_body=consultation.decider_body, decider_role=consultation.decider_role,
        questions=[
            QuestionPublic(id=q.id, position=q.position, kind=QuestionKind(q.kind), prompt=q.prompt, max_choices=q.max_choices,  # type: ignore[arg-type]
                           options=[OptionPublic.model_validate(o) for o in options[q.id]])  # type: ignore[index]
            for q in questions
        ],
        # Nothing stored before the first send (no receipt yet): no need to look.
        answers=answering.stored_answers(session=session, child=child, consultation=consultation, questions=questions)
        if consultation.id in receipts else [AnswerIn(question_id=q.id) for q in questions],  # type: ignore[arg-type]
        key=answering.new_key(child=child, consultation=consultation),
    ))


@router.post("/me/consultations/{consultation_id}/answers", response_model=Receipt, summary="Send the child's answers (idempotent by key)")
def child_answers(
    request: Request, consultation_id: Id, data: AnswersIn, session: SessionDep, _session: ChildApiSession, child: ConsentingChild
) -> Response:
    """All answers are checked before anything is stored; a retry with the same key counts once (PAR-03)."""
    consultation = answering.for_child_to_answer(session=session, child=child, consultation_id=consultation_id)
    sent = actions.send_answers(session=session, child=child, consultation=consultation, answers=data.answers, key=data.key,
                                on_tablet=request.state.child_session.group_session_id is not None)
    return model_response(Receipt(consultation_id=consultation.id, receipt_code=sent.participation.receipt_code, answers=sent.answers,  # type: ignore[arg-type]
                                  repeated=sent.repeated, told_a_grown_up=sent.told_a_grown_up))


@router.get("/me/consultations/{consultation_id}/results", response_model=list[ChildResult], summary="What children said, for the questions this child answered (after the close)")
def child_results(consultation_id: Id, session: SessionDep, _session: ChildApiSession, child: ConsentingChild) -> list[ChildResult]:
    consultation = answering.for_child_to_answer(session=session, child=child, consultation_id=consultation_id)
    if consultation.state() != State.CLOSED:
        raise results.ResultsNotYet()
    answered = {qid for qid, a in answering.answers_of(session=session, child=child, consultation=consultation).items() if not a.skipped}
    if not answered:
        return []
    found = []
    for result in results.results(session=session, consultation=consultation, question_ids=answered):
        kind = QuestionKind(result.question.kind)
        hide = result.suppressed or kind == QuestionKind.TEXT
        found.append(ChildResult(
            question_id=result.question.id, prompt=result.question.prompt, kind=kind, answered=result.answered,  # type: ignore[arg-type]
            suppressed=result.suppressed,
            bars=[] if hide else [ChildBar(label=b.label, pictogram=b.pictogram, count=b.count) for b in result.bars],
        ))
    return found
