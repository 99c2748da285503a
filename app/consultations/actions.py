"""What people do with consultations, one function per use case, each its own unit of work (issue 15): the
action opens `transaction(session)`, calls the services (`authoring`, `answering`, `comments`), which check,
write, flush and audit, and commits once at the end; a refusal rolls the whole use case back. Views and API
routes call these; nothing below them commits."""

from typing import Any

from sqlmodel import Session

from app.consultations import answering, authoring, comments
from app.consultations.models import (
    AnswerIn,
    Channel,
    Comment,
    Consultation,
    ConsultationIn,
    Picture,
    Question,
    QuestionIn,
)
from app.core.db import transaction
from app.corps.models import Child
from app.moderation.models import ReporterKind, ReportReason

# ---- an official writes a consultation (PAR-01) -------------------------------------------------------------


def create(*, session: Session, actor: Any, data: ConsultationIn) -> Consultation:
    with transaction(session):
        return authoring.create(session=session, actor=actor, data=data)


def set_department(*, session: Session, actor: Any, consultation: Consultation, department_id: int | None) -> Consultation:
    with transaction(session):
        return authoring.set_department(session=session, actor=actor, consultation=consultation, department_id=department_id)


def update(*, session: Session, actor: Any, consultation: Consultation, data: ConsultationIn) -> Consultation:
    """Refused (and nothing kept) when a scheduled consultation would no longer pass the Lundy gate."""
    with transaction(session):
        return authoring.update(session=session, actor=actor, consultation=consultation, data=data)


def schedule(*, session: Session, actor: Any, consultation: Consultation) -> Consultation:
    with transaction(session):
        return authoring.schedule(session=session, actor=actor, consultation=consultation)


def unschedule(*, session: Session, actor: Any, consultation: Consultation) -> Consultation:
    with transaction(session):
        return authoring.unschedule(session=session, actor=actor, consultation=consultation)


def close_early(*, session: Session, actor: Any, consultation: Consultation, reason: str) -> Consultation:
    with transaction(session):
        return authoring.close_early(session=session, actor=actor, consultation=consultation, reason=reason)


def duplicate(*, session: Session, actor: Any, consultation: Consultation) -> Consultation:
    with transaction(session):
        return authoring.duplicate(session=session, actor=actor, consultation=consultation)


# ---- its questions (only before the first answer) -----------------------------------------------------------


def add_question(*, session: Session, actor: Any, consultation: Consultation, data: QuestionIn) -> Question:
    with transaction(session):
        return authoring.add_question(session=session, actor=actor, consultation=consultation, data=data)


def update_question(*, session: Session, actor: Any, consultation: Consultation, question: Question, data: QuestionIn) -> Question:
    with transaction(session):
        return authoring.update_question(session=session, actor=actor, consultation=consultation, question=question, data=data)


def delete_question(*, session: Session, actor: Any, consultation: Consultation, question: Question) -> None:
    with transaction(session):
        authoring.delete_question(session=session, actor=actor, consultation=consultation, question=question)


def move_question(*, session: Session, actor: Any, consultation: Consultation, question: Question, offset: int) -> None:
    with transaction(session):
        authoring.move_question(session=session, actor=actor, consultation=consultation, question=question, offset=offset)


# ---- its picture (stored through app.media; a file written by a refused upload is deleted) ------------------


def replace_picture(*, session: Session, actor: Any, consultation: Consultation, data: bytes) -> Picture:
    with transaction(session):
        return authoring.replace_picture(session=session, actor=actor, consultation=consultation, data=data)


def set_picture(*, session: Session, actor: Any, consultation: Consultation, picture: Picture | None) -> None:
    with transaction(session):
        authoring.set_picture(session=session, actor=actor, consultation=consultation, picture=picture)


def remove_picture(*, session: Session, actor: Any, consultation: Consultation) -> None:
    set_picture(session=session, actor=actor, consultation=consultation, picture=None)


# ---- children, facilitators and guardians answer (PAR-03, PAR-14, PAR-05) -----------------------------------


def send_answers(
    *, session: Session, child: Child, consultation: Consultation, answers: list[AnswerIn], key: str, on_tablet: bool,
) -> answering.Sent:
    """A child sends their answers from a tablet or a phone; the key makes a retry count once. "Thank you" is
    said only once this has committed."""
    with transaction(session):
        return answering.submit(session=session, child=child, consultation=consultation, answers=answers, key=key,
                                channel=Channel.TABLET if on_tablet else Channel.PHONE)


def enter_paper_response(
    *, session: Session, facilitator: Any, child: Child, consultation: Consultation, answers: list[AnswerIn], key: str,
) -> answering.Sent:
    """A facilitator types in a child's paper form (PAR-14), audited as a paper entry."""
    with transaction(session):
        return answering.submit(session=session, child=child, consultation=consultation, answers=answers, key=key,
                                channel=Channel.PAPER, entered_by=facilitator)


def send_guardian_view(*, session: Session, guardian: Any, consultation: Consultation, children: list[Child], text: str) -> Comment:
    """A guardian's own view, one per consultation, held for moderation (MOD-01)."""
    with transaction(session):
        return answering.guardian_comment(session=session, guardian=guardian, consultation=consultation, children=children, text=text)


def report_comment(
    *, session: Session, consultation: Consultation, comment_id: int, reporter_kind: ReporterKind, reporter_id: int,
    reason: ReportReason, for_public: bool = True, viewer_child_id: int | None = None,
) -> str:
    """MOD-12: a child, guardian or staff member reports a comment shown to them; it is hidden at once."""
    with transaction(session):
        return comments.report_comment(session=session, consultation=consultation, comment_id=comment_id, reporter_kind=reporter_kind,
                                       reporter_id=reporter_id, reason=reason, for_public=for_public, viewer_child_id=viewer_child_id)
