"""What people do with "you said, we did" (issue 17), one function per use case, each its own unit of work: the
services (`deciding`, `publishing`, `reminding`, `hearing`) check, write, flush and audit; the action commits
once, and a refusal leaves nothing behind (a document written for a refused decision is deleted with the
rollback). Officials decide, answer, commit and publish; children open the answer and react."""

from typing import Any

from sqlmodel import Session

from app.consultations.models import Consultation, Question
from app.core.db import transaction
from app.corps.models import Child
from app.insights.models import Theme
from app.responses import deciding, hearing, publishing, reminding
from app.responses.hearing import HeardPage
from app.responses.models import (
    Commitment,
    CommitmentEvent,
    CommitmentIn,
    Decision,
    DecisionIn,
    Face,
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
    """Publish (or correct) the answer; on the first publication each guardian who asked to be told is told once
    (PAR-08), in the same unit of work."""
    with transaction(session):
        publication = publishing.publish(session=session, actor=actor, consultation=consultation, note=note)
        hearing.notify_guardians(session, consultation, publication)
        return publication


def send_reminders(*, session: Session, today: Any = None, now: Any = None) -> list[tuple[int, str]]:
    """The worker's round (PAR-09): every reminder and escalation due, each once."""
    with transaction(session):
        return reminding.send_due(session=session, today=today, now=now)


# ---- children hear back -------------------------------------------------------------------------


def open_heard_back(*, session: Session, child: Child, consultation_id: int) -> HeardPage:
    """A child opens what the city answered: the page's words, and their "news" badge cleared (HeardBack)."""
    with transaction(session):
        page = hearing.page_for_child(session=session, child=child, consultation_id=consultation_id)
        if page.publication is not None:
            hearing.mark_heard(session=session, child=child, consultation_id=consultation_id)
        return page


def react(*, session: Session, child: Child, consultation_id: int, face: Face, why: str | None, keep_why: bool,
          on_tablet: bool) -> hearing.Reacted:
    """A child taps a face (and may tell the city why): once per child per consultation; the why is moderated."""
    why = hearing.clean_why(why) if not keep_why else None
    with transaction(session):
        consultation, _part = hearing.took_part(session=session, child=child, consultation_id=consultation_id)
        return hearing.react(session=session, child=child, consultation=consultation, face=face, why=why, keep_why=keep_why,
                             channel="tablet" if on_tablet else "phone")
