"""JSON API under /api/v1/consultations, for staff tokens (the child's own API is `child_api`).

Staff routes (officials: CONSULTATIONS_MANAGE to change; INSIGHTS_READ to read) call the same service as the
officials' pages. No staff route writes a child's answer: answers come only through the child's own session."""

from typing import Annotated

from fastapi import File, Response, UploadFile, status
from pydantic import BaseModel
from pydantic import Field as PydanticField

from app.accounts.deps import ManagerApi as Manager
from app.accounts.deps import ReaderApi as Reader
from app.accounts.deps import StaffApi as Staff
from app.accounts.deps import UsersManagerApi as Admin
from app.consultations import actions, authoring, comments, models, results, service
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
from app.core.validation import ApiIn
from app.media import pictures
from app.moderation import service as moderation
from app.moderation.models import TransparencyCounts, TransparencyOut

router = Router(prefix="/api/v1", tags=["consultations"])
# A consultation's moderation counts keep their place in the API (path and tag) though consultations own them
# (issue 15: moderation imports no domain whose items it moderates). Registered after moderation's own API.
moderation_router = Router(prefix="/api/v1/moderation", tags=["moderation"])

# ==== Staff: /api/v1/consultations (officials and analysts) ===========================================



class ConsultationDetail(ConsultationPublic):
    """A consultation with its questions and what the Lundy gate (PAR-01) still misses (keys of LUNDY_ITEMS)."""

    lundy_missing: list[str] = []
    questions_locked: bool = False


class ResultBar(BaseModel):
    label: dict[str, str]
    pictogram: str | None
    count: int | None  # None where hidden (app.core.suppression)
    share: float | None


class QuestionResultPublic(BaseModel):
    question_id: Id
    kind: models.QuestionKind
    prompt: dict[str, str]
    answered: int | None = PydanticField(description="children who answered; null where fewer than 5 (or where it would reveal a hidden count)")
    skipped: int | None
    suppressed: bool
    bars: list[ResultBar]
    by_band: dict[str, int | None]
    comments: int | None


class ResultsPublic(BaseModel):
    """Counts from children's answers; groups under 5 are not broken down; guardians' comments counted apart
    (pending comments are never shown here, only counted)."""

    consultation_id: Id
    children: int | None = PydanticField(description="children who took part; null where fewer than 5")
    by_channel: dict[str, int | None]
    guardian_comments: int | None
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
    consultation = actions.create(session=session, actor=user, data=data)
    return _detail(session, consultation)


@router.get("/consultations/{consultation_id}", response_model=ConsultationDetail, summary="One consultation with its questions")
def consultation_get(consultation_id: Id, session: SessionDep, user: Reader) -> ConsultationDetail:
    return _detail(session, service.get(session=session, consultation_id=consultation_id))


@router.put("/consultations/{consultation_id}", response_model=ConsultationDetail, summary="Replace a consultation's texts, targeting and dates")
def consultation_update(consultation_id: Id, data: ConsultationBody, session: SessionDep, user: Manager) -> ConsultationDetail:
    consultation = service.get(session=session, consultation_id=consultation_id)
    actions.update(session=session, actor=user, consultation=consultation, data=data)
    return _detail(session, consultation)


class DepartmentIn(ApiIn):
    department_id: Id | None = PydanticField(description="the department whose analysts and officials work on it; null: every department")


class DepartmentOut(BaseModel):
    consultation_id: int
    department_id: int | None


@router.put("/consultations/{consultation_id}/department", response_model=DepartmentOut,
            summary="Move a consultation to a department (administrators, issue 16)")
def set_department(consultation_id: Id, data: DepartmentIn, session: SessionDep, admin: Admin) -> DepartmentOut:
    consultation = service.get(session=session, consultation_id=consultation_id)
    actions.set_department(session=session, actor=admin, consultation=consultation, department_id=data.department_id)
    return DepartmentOut(consultation_id=consultation_id, department_id=consultation.department_id)


@router.post("/consultations/{consultation_id}/schedule", response_model=ConsultationDetail, summary="Schedule a draft (refused while the Lundy gate misses anything)")
def consultation_schedule(consultation_id: Id, session: SessionDep, user: Manager) -> ConsultationDetail:
    consultation = service.get(session=session, consultation_id=consultation_id)
    try:
        actions.schedule(session=session, actor=user, consultation=consultation)
    except service.LundyGateIncomplete as exc:
        # The problem lists each missing item by key (LUNDY_ITEMS), with its words in the reader's language.
        exc.errors = [{"loc": ["lundy", key], "msg": gettext(service.LUNDY_ITEMS[key]), "type": "missing"} for key in exc.missing]
        raise
    return _detail(session, consultation)


@router.post("/consultations/{consultation_id}/unschedule", response_model=ConsultationDetail, summary="Back to draft, before it opens")
def consultation_unschedule(consultation_id: Id, session: SessionDep, user: Manager) -> ConsultationDetail:
    consultation = service.get(session=session, consultation_id=consultation_id)
    actions.unschedule(session=session, actor=user, consultation=consultation)
    return _detail(session, consultation)


@router.post("/consultations/{consultation_id}/close", response_model=ConsultationDetail, summary="Close early, with a reason")
def consultation_close(consultation_id: Id, data: CloseEarly, session: SessionDep, user: Manager) -> ConsultationDetail:
    consultation = service.get(session=session, consultation_id=consultation_id)
    actions.close_early(session=session, actor=user, consultation=consultation, reason=data.reason)
    return _detail(session, consultation)


@router.post("/consultations/{consultation_id}/duplicate", response_model=ConsultationDetail, status_code=status.HTTP_201_CREATED,
             summary="A new draft with the same texts, targeting and questions")
def consultation_duplicate(consultation_id: Id, session: SessionDep, user: Manager) -> ConsultationDetail:
    copy = actions.duplicate(session=session, actor=user, consultation=service.get(session=session, consultation_id=consultation_id))
    return _detail(session, copy)


@router.put("/consultations/{consultation_id}/picture", response_model=ConsultationDetail,
            summary="Upload the consultation's picture: JPEG, PNG or WebP, checked by content and re-encoded (metadata removed)")
def consultation_picture_put(
    consultation_id: Id, picture: Annotated[UploadFile, File(description="up to 2 MB (the request body limit) and 25 megapixels (YIMI_PICTURE_MAX_PIXELS), read from its header before any decoding")], session: SessionDep, user: Manager
) -> ConsultationDetail:
    consultation = service.get(session=session, consultation_id=consultation_id)
    actions.replace_picture(session=session, actor=user, consultation=consultation, data=picture.file.read(pictures.MAX_BYTES + 1))
    return _detail(session, consultation)


@router.delete("/consultations/{consultation_id}/picture", response_model=ConsultationDetail, summary="Remove the consultation's picture")
def consultation_picture_delete(consultation_id: Id, session: SessionDep, user: Manager) -> ConsultationDetail:
    consultation = service.get(session=session, consultation_id=consultation_id)
    actions.remove_picture(session=session, actor=user, consultation=consultation)
    return _detail(session, consultation)


@router.post("/consultations/{consultation_id}/questions", response_model=models.QuestionPublic, status_code=status.HTTP_201_CREATED,
             summary="Add a question (refused once any child answered)")
def question_add(consultation_id: Id, data: QuestionBody, session: SessionDep, user: Manager) -> models.QuestionPublic:
    consultation = service.get(session=session, consultation_id=consultation_id)
    question = actions.add_question(session=session, actor=user, consultation=consultation, data=data)
    return _question_public(question, service.options_of(session=session, question=question))


@router.put("/consultations/{consultation_id}/questions/{question_id}", response_model=models.QuestionPublic, summary="Replace a question and its options")
def question_update(consultation_id: Id, question_id: Id, data: QuestionBody, session: SessionDep, user: Manager) -> models.QuestionPublic:
    consultation = service.get(session=session, consultation_id=consultation_id)
    question = service.question_of(session=session, consultation=consultation, question_id=question_id)
    actions.update_question(session=session, actor=user, consultation=consultation, question=question, data=data)
    return _question_public(question, service.options_of(session=session, question=question))


@router.delete("/consultations/{consultation_id}/questions/{question_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a question")
def question_delete(consultation_id: Id, question_id: Id, session: SessionDep, user: Manager) -> Response:
    consultation = service.get(session=session, consultation_id=consultation_id)
    question = service.question_of(session=session, consultation=consultation, question_id=question_id)
    actions.delete_question(session=session, actor=user, consultation=consultation, question=question)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/consultations/{consultation_id}/results", response_model=ResultsPublic, summary="Counts per option, by channel and age band (small groups suppressed)")
def consultation_results(consultation_id: Id, session: SessionDep, user: Reader) -> ResultsPublic:
    consultation = service.get(session=session, consultation_id=consultation_id)
    reach = results.reach(session=session, consultation=consultation)
    questions = []
    for r in results.results(session=session, consultation=consultation):
        hide = r.suppressed or r.question.kind == models.QuestionKind.TEXT.value
        questions.append(QuestionResultPublic(
            question_id=r.question.id, kind=models.QuestionKind(r.question.kind), prompt=r.question.prompt,  # type: ignore[arg-type]
            answered=r.answered_shown.value, skipped=r.skipped_shown.value, suppressed=r.suppressed, by_band=r.by_band,
            comments=r.comments_shown.value,
            bars=[] if hide else [ResultBar(label=b.label, pictogram=b.pictogram, count=b.shown.value if b.shown is not None else b.count,
                                              share=None if b.shown is not None and b.shown.hidden else round(b.share, 4)) for b in r.bars],
        ))
    return ResultsPublic(
        consultation_id=consultation.id, children=reach.children.value,  # type: ignore[arg-type]
        by_channel={channel: count.value for channel, count in reach.by_channel.items()},
        guardian_comments=reach.guardian_comments.value, questions=questions,
    )


# ==== A consultation's transparency counts: /api/v1/moderation/consultations/{id}/transparency ==========


@moderation_router.get("/consultations/{consultation_id}/transparency", response_model=TransparencyOut)
def transparency(consultation_id: Id, session: SessionDep, user: Staff) -> TransparencyOut:
    """A consultation's transparency counts (as on its page): children's and guardians' comments apart, with
    both levels of safeguarding (passed as a case; read first by an officer). Counts only, never words."""
    service.get(session=session, consultation_id=consultation_id)  # 404 for a consultation that does not exist
    report = moderation.transparency(session=session, kind=comments.COMMENT, scope_id=consultation_id)
    return TransparencyOut(
        consultation_id=consultation_id,
        children=TransparencyCounts(**vars(report["child"])),
        guardians=TransparencyCounts(**vars(report["guardian"])),
    )
