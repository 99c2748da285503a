"""What officials do with "you said, we did" (issue 17), one function per use case, each its own unit of work:
the services (`deciding`, `publishing`) check, write, flush and audit; the action commits once, and a refusal
leaves nothing behind (a document written for a refused decision is deleted with the rollback)."""

from typing import Any

from sqlmodel import Session

from app.consultations.models import Consultation, Question
from app.core.db import transaction
from app.insights.models import Theme
from app.responses import deciding, publishing
from app.responses.models import (
    Commitment,
    CommitmentEvent,
    CommitmentIn,
    Decision,
    DecisionIn,
    ProgressIn,
    Publication,
    Response,
    ResponseIn,
)


def save_decision(
    *, session: Session, actor: Any, consultation: Consultation, data: DecisionIn, decision: Decision | None = None,
) -> Decision:
    with transaction(session):
        return deciding.save_decision(session=session, actor=actor, consultation=consultation, data=data, decision=decision)


def attach_document(*, session: Session, actor: Any, decision: Decision, data: bytes) -> Decision:
    with transaction(session):
        return deciding.attach_document(session=session, actor=actor, decision=decision, data=data)


def save_response(
    *, session: Session, actor: Any, consultation: Consultation, data: ResponseIn, theme: Theme | None = None,
    question: Question | None = None,
) -> Response:
    with transaction(session):
        return deciding.save_response(session=session, actor=actor, consultation=consultation, data=data, theme=theme, question=question)


def add_commitment(*, session: Session, actor: Any, consultation: Consultation, data: CommitmentIn) -> Commitment:
    with transaction(session):
        return deciding.add_commitment(session=session, actor=actor, consultation=consultation, data=data)


def update_commitment(*, session: Session, actor: Any, commitment: Commitment, data: CommitmentIn) -> Commitment:
    with transaction(session):
        return deciding.update_commitment(session=session, actor=actor, commitment=commitment, data=data)


def add_progress(*, session: Session, actor: Any, commitment: Commitment, data: ProgressIn) -> CommitmentEvent:
    with transaction(session):
        return deciding.add_progress(session=session, actor=actor, commitment=commitment, data=data)


def publish(*, session: Session, actor: Any, consultation: Consultation, note: str = "") -> Publication:
    with transaction(session):
        return publishing.publish(session=session, actor=actor, consultation=consultation, note=note)


def send_reminders(*, session: Session, today: Any = None, now: Any = None) -> list[tuple[int, str]]:
    """The worker's round (PAR-09): every reminder and escalation due, each once."""
    from app.responses import reminding

    with transaction(session):
        return reminding.send_due(session=session, today=today, now=now)
