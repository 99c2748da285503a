"""Officials write "you said, we did" (issue 17, PAR-07): decisions, responses theme by theme (and for the closed
questions they choose), and commitments with their history. Never commits (see `actions`).

Two officials at once never overwrite each other silently: every edit names the `version` it started from, and
one conditional `UPDATE … SET version = version + 1 WHERE id = … AND version = …` settles who was first (it waits
for the other's row lock on PostgreSQL, for the write lock on SQLite); the second gets `EditedMeanwhile` (409)
and the page shows what is saved now beside what they typed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from app.accounts.permissions import works_on
from app.consultations import service as consultations
from app.consultations.models import Consultation, Question, QuestionKind, State
from app.core import audit
from app.core.db import city_today, utcnow
from app.core.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge, UnknownReference
from app.core.i18n import N_, clean_locales
from app.insights import service as insights
from app.insights.models import Theme, ThemeComment
from app.media import service as media
from app.projects.models import Project
from app.responses.models import (
    ACTION,
    BANDS,
    CHILD_VERSION,
    DECIDER,
    DECISION_TEXT,
    DEPARTMENT,
    DROPPED_REASON,
    EXPLANATION,
    OTHER_DECIDER_REASON,
    PROGRESS,
    REASON,
    REFERENCE,
    Commitment,
    CommitmentEvent,
    CommitmentIn,
    CommitmentStatus,
    Decision,
    DecisionIn,
    Outcome,
    ProgressIn,
    Response,
    ResponseIn,
)
from app.responses.service import filled, latest_publication

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024  # a decision's PDF: the one limit, for the page, the API and the service
CLOSED_KINDS = (QuestionKind.SINGLE.value, QuestionKind.MULTIPLE.value, QuestionKind.SCALE.value, QuestionKind.RANKING.value)


class NotClosed(Conflict):
    title = N_("This consultation is still open")
    detail = N_("Children can still answer, so there is nothing to respond to yet. Please come back after it closes.")
    slug = "consultation-not-closed"


class EditedMeanwhile(Conflict):
    title = N_("Someone else saved this meanwhile")
    detail = N_("Another official changed this while you were working on it. Nothing of yours was saved yet: the "
                "page shows what is saved now and what you typed; please make your change again.")
    slug = "edited-meanwhile"


class BadDocument(InvalidInput):
    slug = "bad-document"
    title = N_("This file cannot be kept")
    detail = N_("The decision's document must be a PDF file. This file is not a PDF (whatever its name says). "
                "Please save the document as PDF and upload it again; everything else you typed is still here.")


class DocumentTooLarge(PayloadTooLarge):
    detail = N_("The document is larger than %(mb)s MB. Please upload a smaller PDF (for example without "
                "scanned pictures); everything else you typed is still here.")

    def __init__(self) -> None:
        super().__init__(mb=MAX_DOCUMENT_BYTES // (1024 * 1024))


class DetailsNeeded(InvalidInput):
    """A rule across fields: "not adopted" needs its reason, "still being decided" its date, a dropped commitment
    its reason, another decider their name and the reason it was them."""

    slug = "response-details-needed"


def ensure_closed(consultation: Consultation) -> None:
    if consultation.state() != State.CLOSED:
        raise NotClosed()


# ---- the decision's document: a PDF, checked by its content ------------------------------------------------


def check_pdf(data: bytes) -> None:
    """A PDF by its bytes, never by its name: it starts with %PDF-, ends with %%EOF (within the last kilobyte, as
    readers look for it), and is not an archive, a web page or a program dressed up as one."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentTooLarge()
    head = data[:1024]
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-1024:]:
        raise BadDocument()
    lowered = head.lower()
    if any(sign in data[:8] for sign in (b"PK\x03\x04", b"MZ", b"\x7fELF")) or b"<html" in lowered or b"<script" in lowered:
        raise BadDocument()
    if b"PK\x03\x04" in data[:4096] or b"<!doctype html" in lowered:  # a polyglot: a PDF header in front of a ZIP or a page
        raise BadDocument()


# ---- version checks -------------------------------------------------------------------------------------


def claim_version(session: Session, record: SQLModel, version: int | None) -> None:
    """The edit's first write: move `record` one version on if it is still at `version` (any version when None,
    for an API client that does not say), or refuse. The record is read again, as saved, afterwards."""
    table = type(record)
    query = update(table).where(col(table.id) == record.id)  # type: ignore[attr-defined]
    if version is not None:
        query = query.where(col(table.version) == version)  # type: ignore[attr-defined]
    moved = session.execute(query.values(version=table.version + 1).execution_options(synchronize_session=False))  # type: ignore[attr-defined]
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise EditedMeanwhile()
    session.refresh(record)


# ---- what there is to respond to -------------------------------------------------------------------------


@dataclass
class Subjects:
    child_themes: list[Theme] = field(default_factory=list)
    guardian_themes: list[Theme] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)  # the closed questions
    sizes: dict[int, int] = field(default_factory=dict)  # theme id → children (or guardians) in it: raw, suppress to show
    by_theme: dict[int, Response] = field(default_factory=dict)
    by_question: dict[int, Response] = field(default_factory=dict)


def subjects(*, session: Session, consultation: Consultation) -> Subjects:
    """The accepted themes (children's, and guardians' apart), the closed questions, and their responses."""
    themes = session.exec(
        select(Theme).where(Theme.consultation_id == consultation.id, col(Theme.accepted).is_(True)).order_by(col(Theme.position), col(Theme.id))
    ).all()
    found = Subjects(
        child_themes=[t for t in themes if t.audience == "child"],
        guardian_themes=[t for t in themes if t.audience == "guardian"],
        questions=[q for q in consultations.questions_of(session=session, consultation=consultation) if q.kind in CLOSED_KINDS],
    )
    if themes:
        comments = {c.id: c for c in insights.analysable_comments(session=session, consultation=consultation)}
        people: dict[int, set[Any]] = {}
        for placed in session.exec(select(ThemeComment).where(ThemeComment.consultation_id == consultation.id)):
            comment = comments.get(placed.comment_id)
            if comment is not None and placed.theme_id is not None:
                people.setdefault(placed.theme_id, set()).add(comment.child_id if comment.child_id is not None else ("c", comment.id))
        found.sizes = {t.id: len(people.get(t.id, ())) for t in themes}  # type: ignore[misc]
    for response in responses_of(session=session, consultation=consultation):
        if response.theme_id is not None:
            found.by_theme[response.theme_id] = response
        elif response.question_id is not None:
            found.by_question[response.question_id] = response
    return found


def responses_of(*, session: Session, consultation: Consultation) -> list[Response]:
    return list(session.exec(select(Response).where(Response.consultation_id == consultation.id).order_by(col(Response.id))).all())


def theme_of(*, session: Session, consultation: Consultation, theme_id: int) -> Theme:
    theme = session.get(Theme, theme_id)
    if theme is None or theme.consultation_id != consultation.id or not theme.accepted:
        raise NotFound()
    return theme


def closed_question_of(*, session: Session, consultation: Consultation, question_id: int) -> Question:
    question = consultations.question_of(session=session, consultation=consultation, question_id=question_id)
    if question.kind not in CLOSED_KINDS:
        raise NotFound()
    return question


# ---- decisions ------------------------------------------------------------------------------------------


def named_decider(consultation: Consultation) -> dict[str, str]:
    """Who decides, as the Lundy checklist names them: the body and the role, per locale."""
    found = {}
    for loc in ("zh_Hans", "en"):
        parts = [p for p in (consultation.decider_body.get(loc, ""), consultation.decider_role.get(loc, "")) if p.strip()]
        if parts:
            found[loc] = ", ".join(parts) if loc == "en" else " ".join(parts)
    return found


def decisions_of(*, session: Session, consultation: Consultation) -> list[Decision]:
    return list(session.exec(
        select(Decision).where(Decision.consultation_id == consultation.id).order_by(col(Decision.decided_on), col(Decision.id))
    ).all())


def decision_of(*, session: Session, consultation: Consultation, decision_id: int) -> Decision:
    decision = session.get(Decision, decision_id)
    if decision is None or decision.consultation_id != consultation.id:
        raise NotFound()
    return decision


def _check_locales(value: dict[str, str], text_field: Any, **label: Any) -> dict[str, str]:
    for text in value.values():
        text_field.clean(text, **label)
    return clean_locales(value)


def save_decision(
    *, session: Session, actor: Any, consultation: Consultation, data: DecisionIn, decision: Decision | None = None,
) -> Decision:
    """Record a decision (or edit one): who decided is the decider named on the Lundy checklist unless the
    official names another, with the reason. Its PDF is attached apart (`attach_document`), so that a refused
    file never costs the words typed."""
    ensure_closed(consultation)
    text = _check_locales(data.text, DECISION_TEXT)
    if not filled(text):
        raise InvalidInput(N_("Please write what was decided, in Chinese."))
    reference = REFERENCE.clean(data.reference)
    named = named_decider(consultation)
    decider = _check_locales(data.decider, DECIDER)
    is_named = not decider or decider.get("zh_Hans") == named.get("zh_Hans")
    reason = OTHER_DECIDER_REASON.clean(data.other_decider_reason)
    if not is_named and not filled(decider):
        raise DetailsNeeded(N_("Please name who decided, in Chinese."))
    if not is_named and not reason:
        raise DetailsNeeded(N_("Someone other than the decider named on the checklist decided: please say why."))
    if decision is None:
        decision = Decision(consultation_id=consultation.id, decided_on=data.decided_on, created_by_id=actor.id)  # type: ignore[arg-type]
        action = "response.decision_create"
    else:
        claim_version(session, decision, data.version)
        action = "response.decision_update"
    decision.decided_on = data.decided_on
    decision.decider = named if is_named else decider
    decision.named_decider = is_named
    decision.other_decider_reason = None if is_named else reason
    decision.text = text
    decision.reference = reference
    decision.updated_at = utcnow()
    session.add(decision)
    session.flush()
    audit.record(session, actor=actor, action=action, subject=decision, consultation_id=consultation.id, named_decider=is_named)
    return decision


def attach_document(*, session: Session, actor: Any, decision: Decision, data: bytes) -> Decision:
    """The decision's PDF, checked by its content (never its name), stored through the media room; a document
    attached before is replaced (its file deleted once this commits)."""
    if not data:
        raise BadDocument(N_("Please choose the PDF file to upload."))
    check_pdf(data)
    stored = media.store(session, data, "application/pdf")
    previous = decision.document_file_id
    decision.document_file_id = stored.id
    decision.updated_at = utcnow()
    session.add(decision)
    session.flush()
    if previous is not None:
        media.delete(session, previous)
    audit.record(session, actor=actor, action="response.decision_document", subject=decision, bytes=len(data), sha256=stored.sha256)
    return decision


def document_to_show(*, session: Session, decision_id: int, staff: Any = None) -> Decision:
    """A decision's PDF: anyone once its consultation's response is published; before, staff who work on that
    consultation (`works_on`: its department, city-wide staff, administrators)."""

    decision = session.get(Decision, decision_id)
    if decision is None or decision.document_file_id is None:
        raise NotFound()
    if latest_publication(session=session, consultation_id=decision.consultation_id) is None:
        if staff is None:
            raise NotFound()
        worked_on(session=session, consultation_id=decision.consultation_id, user=staff)
    return decision


def worked_on(*, session: Session, consultation_id: int, user: Any) -> Consultation:
    """The consultation a record (a decision, a commitment) belongs to, for staff who work on it; a 404 for staff
    of another department, as if it did not exist (issue 16, `app.accounts.permissions.works_on`)."""
    consultation = session.get(Consultation, consultation_id)
    if consultation is None or (user is not None and not works_on(user, consultation)):
        raise NotFound()
    return consultation


# ---- responses ------------------------------------------------------------------------------------------


def _clean_response(session: Session, consultation: Consultation, data: ResponseIn) -> dict[str, Any]:
    reason = _check_locales(data.reason, REASON)
    explanation = _check_locales(data.explanation, EXPLANATION)
    versions = {}
    for band, texts in data.child_versions.items():
        if band not in BANDS:
            raise InvalidInput(N_("Please choose age bands from the list."))
        cleaned = _check_locales(texts, CHILD_VERSION, band=band.replace("-", "–"))
        if cleaned:
            versions[band] = cleaned
    if data.outcome == Outcome.NOT_ADOPTED and not filled(reason):
        raise DetailsNeeded(N_("“Not adopted” needs the reason, in Chinese: children deserve to know why."))
    if data.outcome == Outcome.PENDING and data.decide_by is None:
        raise DetailsNeeded(N_("“Still being decided” needs the date by which it will be decided."))
    if data.decision_id is not None:
        decision = session.get(Decision, data.decision_id)
        if decision is None or decision.consultation_id != consultation.id:
            raise UnknownReference(N_("Please choose a decision of this consultation from the list."))
    return {
        "outcome": data.outcome.value,
        "reason": reason if data.outcome == Outcome.NOT_ADOPTED else {},
        "decide_by": data.decide_by if data.outcome == Outcome.PENDING else None,
        "explanation": explanation,
        "child_versions": versions,
        "decision_id": data.decision_id,
    }


def save_response(
    *, session: Session, actor: Any, consultation: Consultation, data: ResponseIn, theme: Theme | None = None,
    question: Question | None = None,
) -> Response:
    """The answer to one theme or one closed question: created the first time, then edited version by version."""
    ensure_closed(consultation)
    values = _clean_response(session, consultation, data)
    query = select(Response).where(Response.theme_id == theme.id) if theme is not None else select(Response).where(Response.question_id == question.id)  # type: ignore[union-attr]
    response = session.exec(query).first()
    if response is None:
        if data.version not in (None, 0):  # the page started from a response that is gone
            raise EditedMeanwhile()
        response = Response(consultation_id=consultation.id, theme_id=theme.id if theme else None,  # type: ignore[arg-type]
                            question_id=question.id if question else None)
        action = "response.create"
    else:
        claim_version(session, response, data.version)
        action = "response.update"
    for name, value in values.items():
        setattr(response, name, value)
    response.updated_at = utcnow()
    response.updated_by_id = actor.id
    session.add(response)
    try:
        session.flush()
    except IntegrityError as exc:  # another official answered the same theme first: the unique constraint says so
        raise EditedMeanwhile() from exc
    audit.record(session, actor=actor, action=action, subject=response, consultation_id=consultation.id,
                 outcome=response.outcome, version=response.version)
    return response


# ---- commitments ----------------------------------------------------------------------------------------


def commitments_of(*, session: Session, consultation_id: int) -> list[Commitment]:
    return list(session.exec(select(Commitment).where(Commitment.consultation_id == consultation_id).order_by(col(Commitment.id))).all())


def commitment_of(*, session: Session, commitment_id: int, user: Any = None) -> Commitment:
    """A commitment; with `user`, only for staff who work on its consultation (else 404)."""
    commitment = session.get(Commitment, commitment_id)
    if commitment is None:
        raise NotFound()
    worked_on(session=session, consultation_id=commitment.consultation_id, user=user)
    return commitment


def events_of(*, session: Session, commitment: Commitment) -> list[CommitmentEvent]:
    return list(session.exec(
        select(CommitmentEvent).where(CommitmentEvent.commitment_id == commitment.id).order_by(col(CommitmentEvent.at), col(CommitmentEvent.id))
    ).all())


def _clean_commitment(session: Session, consultation: Consultation, data: CommitmentIn) -> dict[str, Any]:
    action = _check_locales(data.action, ACTION)
    department = _check_locales(data.department, DEPARTMENT)
    if not filled(action):
        raise InvalidInput(N_("Please write what the city will do, in Chinese."))
    if not filled(department):
        raise InvalidInput(N_("Please name the responsible department in Chinese."))
    reason = DROPPED_REASON.clean(data.dropped_reason)
    if data.status == CommitmentStatus.DROPPED and not reason:
        raise DetailsNeeded(N_("A dropped commitment needs the reason it was dropped: children will read it."))
    if data.project_id is not None and session.get(Project, data.project_id) is None:
        raise UnknownReference(N_("Please choose a project from the list."))
    if data.response_id is not None:
        response = session.get(Response, data.response_id)
        if response is None or response.consultation_id != consultation.id:
            raise UnknownReference(N_("Please choose a response of this consultation from the list."))
    return {
        "action": action, "department": department, "due_on": data.due_on, "status": data.status.value,
        "dropped_reason": reason if data.status == CommitmentStatus.DROPPED else None,
        "project_id": data.project_id, "response_id": data.response_id,
    }


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def add_commitment(*, session: Session, actor: Any, consultation: Consultation, data: CommitmentIn) -> Commitment:
    ensure_closed(consultation)
    values = _clean_commitment(session, consultation, data)
    commitment = Commitment(consultation_id=consultation.id, created_by_id=actor.id, **values)  # type: ignore[arg-type]
    session.add(commitment)
    session.flush()
    session.add(CommitmentEvent(commitment_id=commitment.id, kind="created", status=commitment.status,  # type: ignore[arg-type]
                                changes={k: [None, _jsonable(v)] for k, v in values.items() if v not in (None, {}, "")},
                                on=city_today(), by_id=actor.id))
    audit.record(session, actor=actor, action="response.commitment_create", subject=commitment, consultation_id=consultation.id)
    return commitment


def update_commitment(*, session: Session, actor: Any, commitment: Commitment, data: CommitmentIn) -> Commitment:
    """Every change is kept in the commitment's history; a change of status is its own event (children see it)."""
    consultation = consultations.get(session=session, consultation_id=commitment.consultation_id)
    values = _clean_commitment(session, consultation, data)
    claim_version(session, commitment, data.version)
    changes = {k: [_jsonable(getattr(commitment, k)), _jsonable(v)] for k, v in values.items() if getattr(commitment, k) != v}
    before = commitment.status
    for name, value in values.items():
        setattr(commitment, name, value)
    commitment.updated_at = utcnow()
    session.add(commitment)
    if changes:
        kind = "status" if commitment.status != before else "edited"
        session.add(CommitmentEvent(commitment_id=commitment.id, kind=kind, status=commitment.status, changes=changes,  # type: ignore[arg-type]
                                    on=city_today(), by_id=actor.id))
    audit.record(session, actor=actor, action="response.commitment_status" if commitment.status != before else "response.commitment_update",
                 subject=commitment, status=commitment.status, before=before, changed=sorted(changes))
    return commitment


def add_progress(*, session: Session, actor: Any, commitment: Commitment, data: ProgressIn) -> CommitmentEvent:
    text = _check_locales(data.text, PROGRESS)
    if not filled(text):
        raise InvalidInput(N_("Please write the progress update in Chinese."))
    event = CommitmentEvent(commitment_id=commitment.id, kind="progress", status=commitment.status, text=text, on=data.on, by_id=actor.id)  # type: ignore[arg-type]
    session.add(event)
    commitment.updated_at = utcnow()
    session.add(commitment)
    audit.record(session, actor=actor, action="response.commitment_progress", subject=commitment, on=data.on.isoformat())
    return event
