"""JSON API under /api/v1/consultations (staff tokens) and /api/v1/me/consultations (the child's own session only).

Staff routes (officials: CONSULTATIONS_MANAGE to change; INSIGHTS_READ to read) call the same service as the
officials' pages. No staff route writes a child's answer: answers come only through the child's own session."""

from typing import Annotated

from fastapi import File, Response, UploadFile, status
from pydantic import BaseModel

from app.accounts.deps import ManagerApi as Manager
from app.accounts.deps import ReaderApi as Reader
from app.consultations import answering, authoring, models, results, service
from app.consultations import models as consultation_models
from app.consultations.models import (
    CloseEarly,
    Consultation,
    ConsultationBody,
    ConsultationPublic,
    QuestionBody,
)
from app.core.db import Id, SessionDep
from app.core.i18n import gettext
from app.core.routing import Router
from app.media import pictures

router = Router(prefix="/api/v1", tags=["consultations"])

# ==== Staff: /api/v1/consultations (officials and analysts) ===========================================



class ConsultationDetail(ConsultationPublic):
    """A consultation with its questions and what the Lundy gate (PAR-01) still misses (keys of LUNDY_ITEMS)."""

    lundy_missing: list[str] = []
    questions_locked: bool = False


class ResultBar(BaseModel):
    label: dict[str, str]
    pictogram: str | None
    count: int
    share: float


class QuestionResultPublic(BaseModel):
    question_id: Id
    kind: models.QuestionKind
    prompt: dict[str, str]
    answered: int
    skipped: int
    suppressed: bool
    bars: list[ResultBar]
    by_band: dict[str, int | None]
    comments: int


class ResultsPublic(BaseModel):
    """Counts from children's answers; groups under 5 are not broken down; guardians' comments counted apart
    (pending comments are never shown here, only counted)."""

    consultation_id: Id
    children: int
    by_channel: dict[str, int]
    guardian_comments: int
    questions: list[QuestionResultPublic]


def _question_public(question, options) -> models.QuestionPublic:  # noqa: ANN001
    return models.QuestionPublic(
        id=question.id, position=question.position, kind=models.QuestionKind(question.kind), prompt=question.prompt,
        max_choices=question.max_choices, options=[models.OptionPublic.model_validate(o) for o in options],
    )


def _detail(session: SessionDep, consultation: Consultation) -> ConsultationDetail:
    questions = service.questions_of(session=session, consultation=consultation)
    options = service.options_by_question(session=session, questions=questions)
    data = {name: getattr(consultation, name) for name in ConsultationPublic.model_fields if name not in ("state", "questions")}
    return ConsultationDetail(
        **data, state=consultation.state(), questions=[_question_public(q, options[q.id]) for q in questions],  # type: ignore[index]
        lundy_missing=authoring.lundy_missing(session=session, consultation=consultation),
        questions_locked=service.has_answers(session=session, consultation=consultation),
    )


@router.get("/consultations", response_model=list[ConsultationDetail], summary="Consultations, newest first, with filters")
def consultations_list(
    session: SessionDep, user: Reader, state: consultation_models.State | None = None, topic: str | None = None,
    district_id: Id | None = None, project_id: Id | None = None,
) -> list[ConsultationDetail]:
    """`topic` may be an action area (it then includes its tasks); `district_id` also lists consultations for all districts."""
    found = service.list_consultations(session=session, state=state, topic=topic, district_id=district_id, project_id=project_id)
    return [_detail(session, c) for c in found]


@router.post("/consultations", response_model=ConsultationDetail, status_code=status.HTTP_201_CREATED, summary="Create a draft consultation")
def consultation_create(data: ConsultationBody, session: SessionDep, user: Manager) -> ConsultationDetail:
    consultation = authoring.create(session=session, actor=user, data=data)
    session.commit()
    return _detail(session, consultation)


@router.get("/consultations/{consultation_id}", response_model=ConsultationDetail, summary="One consultation with its questions")
def consultation_get(consultation_id: Id, session: SessionDep, user: Reader) -> ConsultationDetail:
    return _detail(session, service.get(session=session, consultation_id=consultation_id))


@router.put("/consultations/{consultation_id}", response_model=ConsultationDetail, summary="Replace a consultation's texts, targeting and dates")
def consultation_update(consultation_id: Id, data: ConsultationBody, session: SessionDep, user: Manager) -> ConsultationDetail:
    consultation = service.get(session=session, consultation_id=consultation_id)
    authoring.update(session=session, actor=user, consultation=consultation, data=data)
    session.commit()
    return _detail(session, consultation)


@router.post("/consultations/{consultation_id}/schedule", response_model=ConsultationDetail, summary="Schedule a draft (refused while the Lundy gate misses anything)")
def consultation_schedule(consultation_id: Id, session: SessionDep, user: Manager) -> ConsultationDetail:
    consultation = service.get(session=session, consultation_id=consultation_id)
    try:
        authoring.schedule(session=session, actor=user, consultation=consultation)
    except service.LundyGateIncomplete as exc:
        # The problem lists each missing item by key (LUNDY_ITEMS), with its words in the reader's language.
        exc.errors = [{"loc": ["lundy", key], "msg": gettext(service.LUNDY_ITEMS[key]), "type": "missing"} for key in exc.missing]
        raise
    session.commit()
    return _detail(session, consultation)


@router.post("/consultations/{consultation_id}/unschedule", response_model=ConsultationDetail, summary="Back to draft, before it opens")
def consultation_unschedule(consultation_id: Id, session: SessionDep, user: Manager) -> ConsultationDetail:
    consultation = service.get(session=session, consultation_id=consultation_id)
    authoring.unschedule(session=session, actor=user, consultation=consultation)
    session.commit()
    return _detail(session, consultation)


@router.post("/consultations/{consultation_id}/close", response_model=ConsultationDetail, summary="Close early, with a reason")
def consultation_close(consultation_id: Id, data: CloseEarly, session: SessionDep, user: Manager) -> ConsultationDetail:
    consultation = service.get(session=session, consultation_id=consultation_id)
    authoring.close_early(session=session, actor=user, consultation=consultation, reason=data.reason)
    session.commit()
    return _detail(session, consultation)


@router.post("/consultations/{consultation_id}/duplicate", response_model=ConsultationDetail, status_code=status.HTTP_201_CREATED,
             summary="A new draft with the same texts, targeting and questions")
def consultation_duplicate(consultation_id: Id, session: SessionDep, user: Manager) -> ConsultationDetail:
    copy = authoring.duplicate(session=session, actor=user, consultation=service.get(session=session, consultation_id=consultation_id))
    session.commit()
    return _detail(session, copy)


@router.put("/consultations/{consultation_id}/picture", response_model=ConsultationDetail,
            summary="Upload the consultation's picture: JPEG, PNG or WebP, checked by content and re-encoded (metadata removed)")
def consultation_picture_put(
    consultation_id: Id, picture: Annotated[UploadFile, File(description="up to 2 MB (the request body limit) and 25 megapixels (YIMI_PICTURE_MAX_PIXELS), read from its header before any decoding")], session: SessionDep, user: Manager
) -> ConsultationDetail:
    consultation = service.get(session=session, consultation_id=consultation_id)
    authoring.replace_picture(session=session, actor=user, consultation=consultation, data=picture.file.read(pictures.MAX_BYTES + 1))
    session.commit()
    return _detail(session, consultation)


@router.delete("/consultations/{consultation_id}/picture", response_model=ConsultationDetail, summary="Remove the consultation's picture")
def consultation_picture_delete(consultation_id: Id, session: SessionDep, user: Manager) -> ConsultationDetail:
    consultation = service.get(session=session, consultation_id=consultation_id)
    authoring.set_picture(session=session, actor=user, consultation=consultation, picture=None)
    session.commit()
    return _detail(session, consultation)


@router.post("/consultations/{consultation_id}/questions", response_model=models.QuestionPublic, status_code=status.HTTP_201_CREATED,
             summary="Add a question (refused once any child answered)")
def question_add(consultation_id: Id, data: QuestionBody, session: SessionDep, user: Manager) -> models.QuestionPublic:
    consultation = service.get(session=session, consultation_id=consultation_id)
    question = authoring.add_question(session=session, actor=user, consultation=consultation, data=data)
    session.commit()
    return _question_public(question, service.options_of(session=session, question=question))


@router.put("/consultations/{consultation_id}/questions/{question_id}", response_model=models.QuestionPublic, summary="Replace a question and its options")
def question_update(consultation_id: Id, question_id: Id, data: QuestionBody, session: SessionDep, user: Manager) -> models.QuestionPublic:
    consultation = service.get(session=session, consultation_id=consultation_id)
    question = service.question_of(session=session, consultation=consultation, question_id=question_id)
    authoring.update_question(session=session, actor=user, consultation=consultation, question=question, data=data)
    session.commit()
    return _question_public(question, service.options_of(session=session, question=question))


@router.delete("/consultations/{consultation_id}/questions/{question_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a question")
def question_delete(consultation_id: Id, question_id: Id, session: SessionDep, user: Manager) -> Response:
    consultation = service.get(session=session, consultation_id=consultation_id)
    question = service.question_of(session=session, consultation=consultation, question_id=question_id)
    authoring.delete_question(session=session, actor=user, consultation=consultation, question=question)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/consultations/{consultation_id}/results", response_model=ResultsPublic, summary="Counts per option, by channel and age band (small groups suppressed)")
def consultation_results(consultation_id: Id, session: SessionDep, user: Reader) -> ResultsPublic:
    consultation = service.get(session=session, consultation_id=consultation_id)
    by_channel = results.participation_counts(session=session, consultation=consultation)
    questions = []
    for r in results.results(session=session, consultation=consultation):
        hide = r.suppressed or r.question.kind == models.QuestionKind.TEXT.value
        questions.append(QuestionResultPublic(
            question_id=r.question.id, kind=models.QuestionKind(r.question.kind), prompt=r.question.prompt, answered=r.answered,  # type: ignore[arg-type]
            skipped=r.skipped, suppressed=r.suppressed, by_band=r.by_band, comments=r.comments,
            bars=[] if hide else [ResultBar(label=b.label, pictogram=b.pictogram, count=b.count, share=round(b.share, 4)) for b in r.bars],
        ))
    return ResultsPublic(
        consultation_id=consultation.id, children=sum(by_channel.values()), by_channel=by_channel,  # type: ignore[arg-type]
        guardian_comments=results.guardian_comment_count(session=session, consultation=consultation), questions=questions,
    )



# ==== The child's own API: /api/v1/me/consultations (owned by the child-side work) =====================
# Children's answers only through the child's own session cookie, never a staff token. /api/ is exempt from
# the global CSRF check (staff use bearer tokens), so `ChildApiSession` checks the child session's
# X-CSRF-Token header explicitly; `ConsentingChild` then guards every route (CON-04).

import datetime as _dt  # noqa: E402

from fastapi import Request, Response  # noqa: E402
from pydantic import BaseModel as _BaseModel  # noqa: E402
from pydantic import Field  # noqa: E402

from app.consent.deps import ConsentingChild  # noqa: E402
from app.consultations import service as _service  # noqa: E402
from app.consultations.child_views import ResultsNotYet, stored_answers  # noqa: E402
from app.consultations.deps import ChildApiSession  # noqa: E402
from app.consultations.models import (  # noqa: E402
    AnswerIn,
    AnswersIn,
    Channel,
    OptionPublic,
    QuestionKind,
    QuestionPublic,
    Receipt,
    State,
)
from app.core.db import SessionDep as _SessionDep  # noqa: E402
from app.core.routing import model_response  # noqa: E402


class ChildConsultation(_BaseModel):
    id: int
    title: dict[str, str]
    state: State
    closes_at: _dt.datetime | None
    respond_by: _dt.date | None
    has_picture: bool
    receipt_code: str | None = None


class ChildConsultations(_BaseModel):
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


class ChildBar(_BaseModel):
    label: dict[str, str]
    pictogram: str | None
    count: int


class ChildResult(_BaseModel):
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
def child_consultations(session: _SessionDep, _session: ChildApiSession, child: ConsentingChild) -> ChildConsultations:
    open_, answered = answering.for_child(session=session, child=child)
    receipts = answering.receipts_of(session=session, child=child)
    return ChildConsultations(
        open=[_child_summary(c, receipts) for c in open_], answered=[_child_summary(c, receipts) for c in answered]
    )


@router.get("/me/consultations/{consultation_id}", response_model=ChildForm, summary="One consultation to answer, with the child's stored answers and a fresh key")
def child_consultation(consultation_id: Id, session: _SessionDep, _session: ChildApiSession, child: ConsentingChild) -> Response:
    consultation = answering.for_child_to_answer(session=session, child=child, consultation_id=consultation_id)
    form = _service.form_of(session=session, consultation=consultation)
    questions, options = form.questions, form.options
    band = child.age_band()
    receipts = answering.receipts_of(session=session, child=child)
    return model_response(ChildForm(
        **_child_summary(consultation, receipts).model_dump(),
        brief=_service.brief_for(consultation, band.value if band else None),
        picture_alt=consultation.picture_alt if consultation.picture_id is not None else {},
        decider_body=consultation.decider_body, decider_role=consultation.decider_role,
        questions=[
            QuestionPublic(id=q.id, position=q.position, kind=QuestionKind(q.kind), prompt=q.prompt, max_choices=q.max_choices,  # type: ignore[arg-type]
                           options=[OptionPublic.model_validate(o) for o in options[q.id]])  # type: ignore[index]
            for q in questions
        ],
        # Nothing stored before the first send (no receipt yet): no need to look.
        answers=stored_answers(session=session, child=child, consultation=consultation, questions=questions)
        if consultation.id in receipts else [AnswerIn(question_id=q.id) for q in questions],  # type: ignore[arg-type]
        key=answering.new_key(child=child, consultation=consultation),
    ))


@router.post("/me/consultations/{consultation_id}/answers", response_model=Receipt, summary="Send the child's answers (idempotent by key)")
def child_answers(
    request: Request, consultation_id: Id, data: AnswersIn, session: _SessionDep, _session: ChildApiSession, child: ConsentingChild
) -> Response:
    """All answers are checked before anything is stored; a retry with the same key counts once (PAR-03)."""
    consultation = answering.for_child_to_answer(session=session, child=child, consultation_id=consultation_id)
    on_tablet = request.state.child_session.group_session_id is not None
    sent = answering.submit(
        session=session, child=child, consultation=consultation, answers=data.answers, key=data.key,
        channel=Channel.TABLET if on_tablet else Channel.PHONE,
    )
    session.commit()
    return model_response(Receipt(consultation_id=consultation.id, receipt_code=sent.participation.receipt_code, answers=sent.answers,  # type: ignore[arg-type]
                                  repeated=sent.repeated, told_a_grown_up=sent.told_a_grown_up))


@router.get("/me/consultations/{consultation_id}/results", response_model=list[ChildResult], summary="What children said, for the questions this child answered (after the close)")
def child_results(consultation_id: Id, session: _SessionDep, _session: ChildApiSession, child: ConsentingChild) -> list[ChildResult]:
    consultation = answering.for_child_to_answer(session=session, child=child, consultation_id=consultation_id)
    if consultation.state() != State.CLOSED:
        raise ResultsNotYet()
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
