"""JSON API of "you said, we did" for staff tokens (issue 17): under /api/v1/consultations/{id}/responses
(one consultation's decisions, responses, commitments, check and publications) and /api/v1/responses (one
decision, commitment or publication by its id). Officials and administrators (CONSULTATIONS_MANAGE) write;
analysts (INSIGHTS_READ) read. Edits carry the `version` they started from; a newer one answers 409
(`/problems/edited-meanwhile`). Publishing a consultation still open answers 409 (`consultation-not-closed`);
a publish check that misses anything 422 (`publish-check`, with each missing thing in words)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import File, UploadFile, status
from pydantic import BaseModel, ConfigDict

from app.accounts.deps import ManagerApi as Manager
from app.accounts.deps import ReaderApi as Reader
from app.accounts.deps import ResponsesFollowerApi as Follower
from app.consultations import service as consultations
from app.consultations.deps import WorkedOnApi
from app.core import suppression
from app.core.db import Id, SessionDep
from app.core.errors import NotFound
from app.core.routing import Router
from app.responses import actions, deciding, publishing
from app.responses.models import (
    CommitmentBody,
    CommitmentStatus,
    Decision,
    DecisionBody,
    Outcome,
    ProgressBody,
    PublishBody,
    ResponseBody,
)

router = Router(prefix="/api/v1", tags=["responses"], dependencies=[WorkedOnApi])  # issue 16: the consultation's department


class DecisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    consultation_id: int
    decided_on: dt.date
    decider: dict[str, str]
    named_decider: bool
    other_decider_reason: str | None
    text: dict[str, str]
    reference: str
    has_document: bool
    version: int


class ResponseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    consultation_id: int
    theme_id: int | None
    question_id: int | None
    outcome: Outcome
    reason: dict[str, str]
    decide_by: dt.date | None
    explanation: dict[str, str]
    child_versions: dict[str, dict[str, str]]
    decision_id: int | None
    version: int


class SubjectOut(BaseModel):
    """A theme (children's or guardians') or a closed question, and its response if written. `size` is the
    number of people in the theme, null when it is under 5 (app.core.suppression)."""

    kind: str  # "child_theme", "guardian_theme", "question"
    id: int
    name: dict[str, str]
    size: int | None
    response: ResponseOut | None


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    status: str | None
    text: dict[str, str]
    changes: dict[str, Any]
    on: dt.date
    at: dt.datetime


class CommitmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    consultation_id: int
    response_id: int | None
    project_id: int | None
    action: dict[str, str]
    department: dict[str, str]
    due_on: dt.date | None
    status: CommitmentStatus
    dropped_reason: str | None
    version: int
    history: list[EventOut] = []


class PublicationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    consultation_id: int
    number: int
    note: str | None
    published_at: dt.datetime
    snapshot: dict[str, Any]


class Overview(BaseModel):
    consultation_id: int
    decisions: list[DecisionOut]
    subjects: list[SubjectOut]
    commitments: list[CommitmentOut]
    missing: list[str]  # what the publish check misses, in words (empty: ready to publish)
    publications: list[PublicationOut]


def _decision_row(session: SessionDep, decision_id: int, user: Any) -> Decision:
    found = session.get(Decision, decision_id)
    if found is None:
        raise NotFound()
    deciding.worked_on(session=session, consultation_id=found.consultation_id, user=user)  # issue 16: its department
    return found


def _decision(d: Any) -> DecisionOut:
    return DecisionOut.model_validate({**d.model_dump(), "has_document": d.document_file_id is not None})


def _commitment(session: SessionDep, c: Any) -> CommitmentOut:
    out = CommitmentOut.model_validate(c)
    out.history = [EventOut.model_validate(e) for e in deciding.events_of(session=session, commitment=c)]
    return out


def _overview(session: SessionDep, consultation: Any) -> Overview:
    found = deciding.subjects(session=session, consultation=consultation)
    sizes = suppression.cells(found.sizes, additive=False) if found.sizes else {}
    subjects = []
    for kind, themes in (("child_theme", found.child_themes), ("guardian_theme", found.guardian_themes)):
        for t in themes:
            r = found.by_theme.get(t.id)  # type: ignore[arg-type]
            subjects.append(SubjectOut(kind=kind, id=t.id, name=t.name, size=sizes[t.id].json() if t.id in sizes else None,  # type: ignore[arg-type]
                                       response=ResponseOut.model_validate(r) if r else None))
    for q in found.questions:
        r = found.by_question.get(q.id)  # type: ignore[arg-type]
        subjects.append(SubjectOut(kind="question", id=q.id, name=q.prompt, size=None, response=ResponseOut.model_validate(r) if r else None))  # type: ignore[arg-type]
    return Overview(
        consultation_id=consultation.id, decisions=[_decision(d) for d in deciding.decisions_of(session=session, consultation=consultation)],
        subjects=subjects, commitments=[_commitment(session, c) for c in deciding.commitments_of(session=session, consultation_id=consultation.id)],
        missing=[m.words() for m in publishing.check(session=session, consultation=consultation)],
        publications=[PublicationOut.model_validate(p) for p in publishing.publications_of(session=session, consultation_id=consultation.id)],
    )


@router.get("/consultations/{consultation_id}/responses", response_model=Overview, summary="A consultation's response: everything, and what is missing")
def overview(consultation_id: Id, session: SessionDep, user: Reader) -> Overview:
    return _overview(session, consultations.get(session=session, consultation_id=consultation_id))


@router.post("/consultations/{consultation_id}/responses/decisions", response_model=DecisionOut, status_code=status.HTTP_201_CREATED,
             summary="Record a decision")
def decision_create(consultation_id: Id, data: DecisionBody, session: SessionDep, user: Manager) -> DecisionOut:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    return _decision(actions.save_decision(session=session, actor=user, consultation=consultation, data=data))


@router.put("/responses/decisions/{decision_id}", response_model=DecisionOut, summary="Edit a decision (with the version it started from)")
def decision_update(decision_id: Id, data: DecisionBody, session: SessionDep, user: Manager) -> DecisionOut:
    found = _decision_row(session, decision_id, user)
    consultation = consultations.get(session=session, consultation_id=found.consultation_id)
    return _decision(actions.save_decision(session=session, actor=user, consultation=consultation, data=data, decision=found))


@router.put("/responses/decisions/{decision_id}/document", response_model=DecisionOut,
            summary="Attach the decision's PDF (at most 10 MB; checked by its content)")
def decision_document(decision_id: Id, session: SessionDep, user: Manager, document: Annotated[UploadFile, File()]) -> DecisionOut:
    found = _decision_row(session, decision_id, user)
    data = document.file.read(deciding.MAX_DOCUMENT_BYTES + 1)
    return _decision(actions.attach_document(session=session, actor=user, decision=found, data=data))


@router.put("/consultations/{consultation_id}/responses/themes/{theme_id}", response_model=ResponseOut,
            summary="Write or edit the response to an accepted theme")
def theme_response(consultation_id: Id, theme_id: Id, data: ResponseBody, session: SessionDep, user: Manager) -> ResponseOut:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    theme = deciding.theme_of(session=session, consultation=consultation, theme_id=theme_id)
    return ResponseOut.model_validate(actions.save_response(session=session, actor=user, consultation=consultation, data=data, theme=theme))


@router.put("/consultations/{consultation_id}/responses/questions/{question_id}", response_model=ResponseOut,
            summary="Write or edit the response to a closed question")
def question_response(consultation_id: Id, question_id: Id, data: ResponseBody, session: SessionDep, user: Manager) -> ResponseOut:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    question = deciding.closed_question_of(session=session, consultation=consultation, question_id=question_id)
    return ResponseOut.model_validate(actions.save_response(session=session, actor=user, consultation=consultation, data=data, question=question))


@router.post("/consultations/{consultation_id}/responses/commitments", response_model=CommitmentOut, status_code=status.HTTP_201_CREATED,
             summary="Add a commitment")
def commitment_create(consultation_id: Id, data: CommitmentBody, session: SessionDep, user: Manager) -> CommitmentOut:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    return _commitment(session, actions.add_commitment(session=session, actor=user, consultation=consultation, data=data))


class AwaitingOut(BaseModel):
    """A closed consultation whose response to children is not published yet (PAR-09)."""

    consultation_id: Id
    title: dict[str, str]
    respond_by: dt.date | None
    days_left: int | None  # negative when overdue; null when no date was promised
    overdue: bool


@router.get("/responses/awaiting", response_model=list[AwaitingOut],
            summary="Consultations awaiting a response to children, overdue first (officials and administrators)")
def awaiting(session: SessionDep, user: Follower) -> list[AwaitingOut]:
    return [AwaitingOut(consultation_id=row.consultation.id, title=row.consultation.title, respond_by=row.consultation.respond_by,  # type: ignore[arg-type]
                        days_left=row.days_left, overdue=row.overdue) for row in publishing.awaiting(session=session)]


@router.get("/responses/commitments/{commitment_id}", response_model=CommitmentOut, summary="A commitment with its history")
def commitment_get(commitment_id: Id, session: SessionDep, user: Reader) -> CommitmentOut:
    return _commitment(session, deciding.commitment_of(session=session, commitment_id=commitment_id, user=user))


@router.put("/responses/commitments/{commitment_id}", response_model=CommitmentOut, summary="Edit a commitment or change its status")
def commitment_update(commitment_id: Id, data: CommitmentBody, session: SessionDep, user: Manager) -> CommitmentOut:
    commitment = deciding.commitment_of(session=session, commitment_id=commitment_id, user=user)
    return _commitment(session, actions.update_commitment(session=session, actor=user, commitment=commitment, data=data))


@router.post("/responses/commitments/{commitment_id}/progress", response_model=CommitmentOut, status_code=status.HTTP_201_CREATED,
             summary="Add a progress update")
def commitment_progress(commitment_id: Id, data: ProgressBody, session: SessionDep, user: Manager) -> CommitmentOut:
    commitment = deciding.commitment_of(session=session, commitment_id=commitment_id, user=user)
    actions.add_progress(session=session, actor=user, commitment=commitment, data=data)
    return _commitment(session, deciding.commitment_of(session=session, commitment_id=commitment_id, user=user))


@router.post("/consultations/{consultation_id}/responses/publications", response_model=PublicationOut, status_code=status.HTTP_201_CREATED,
             summary="Publish the response (or a correction, with its note)")
def publish(consultation_id: Id, data: PublishBody, session: SessionDep, user: Manager) -> PublicationOut:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    return PublicationOut.model_validate(actions.publish(session=session, actor=user, consultation=consultation, note=data.note))
