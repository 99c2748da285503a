"""Publishing "you said, we did" (issue 17, PAR-07/08): the check that says in words what is missing (as the
Lundy gate does before scheduling), what each reader would read (previews), and the publication itself — a
numbered snapshot in the format `service.py` documents; a correction is the next number with its note, and the
earlier ones stay. Never commits (see `actions`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.consultations import results
from app.consultations.models import Consultation, State
from app.core import audit
from app.core.db import city_today, utcnow
from app.core.errors import Conflict, InvalidInput
from app.core.i18n import N_, get_locale, gettext, localised
from app.responses import deciding, service
from app.responses.models import NOTE, Outcome, Publication
from app.responses.service import child_version_for, filled, latest_publication


@dataclass(frozen=True)
class Missing:
    """One thing the publish check misses: a sentence (a message id) and its variables."""

    message: str
    variables: dict[str, Any]

    def words(self) -> str:
        return gettext(self.message, **self.variables)


class NotReadyToPublish(InvalidInput):
    slug = "publish-check"
    title = N_("This response is not ready to publish")
    detail = N_("Please fill in what is missing: %(missing)s")

    def __init__(self, missing: list[Missing]) -> None:
        self.missing = missing
        separator = "；" if get_locale() == "zh_Hans" else "; "
        super().__init__(missing=separator.join(m.words() for m in missing))


class NoteNeeded(InvalidInput):
    """A correction (any publication after the first) says what it changes: a rule across records."""

    slug = "correction-note-needed"


class PublishedMeanwhile(Conflict):
    title = N_("Someone else published meanwhile")
    detail = N_("Another official published this response a moment ago. Nothing of yours was published: please "
                "look at the version history and publish again if something still needs correcting.")
    slug = "published-meanwhile"


def check(*, session: Session, consultation: Consultation) -> list[Missing]:
    """What is missing before the response may be published, each in words (empty: ready)."""
    found = deciding.subjects(session=session, consultation=consultation)
    missing: list[Missing] = []
    if not deciding.decisions_of(session=session, consultation=consultation):
        missing.append(Missing(N_("a decision (who decided what, and when)"), {}))
    answered = [r for t in found.child_themes if (r := found.by_theme.get(t.id)) is not None]  # type: ignore[arg-type]
    unanswered = [t for t in found.child_themes if t.id not in found.by_theme]

    for theme in unanswered:
        missing.append(Missing(N_("a response to the children's theme “%(theme)s”"), {"theme": localised(theme.name)}))
    if not found.child_themes and not found.by_question and not found.by_theme:
        missing.append(Missing(N_("at least one response (to a theme or a question)"), {}))
    responses = [*answered, *(found.by_theme[t.id] for t in found.guardian_themes if t.id in found.by_theme),  # type: ignore[index]
                 *found.by_question.values()]
    names = _subject_names(found)
    linked = False
    for response in responses:
        name = names.get(response.id, "")  # type: ignore[arg-type]
        if response.outcome == Outcome.NOT_ADOPTED and not filled(response.reason):
            missing.append(Missing(N_("the reason “%(theme)s” was not adopted"), {"theme": name}))
        if response.outcome == Outcome.PENDING and response.decide_by is None:
            missing.append(Missing(N_("the date by which “%(theme)s” will be decided"), {"theme": name}))
        for band in consultation.age_bands:
            if not child_version_for(response.child_versions, band):
                missing.append(Missing(N_("the words for children aged %(band)s about “%(theme)s”"),
                                       {"band": band.replace("-", "–"), "theme": name}))
        linked = linked or response.decision_id is not None
    if responses and not linked:
        missing.append(Missing(N_("at least one response linked to the decision it comes from"), {}))
    return missing


def _subject_names(found: deciding.Subjects) -> dict[int, str]:
    names = {}
    for theme in [*found.child_themes, *found.guardian_themes]:
        if theme.id in found.by_theme:
            names[found.by_theme[theme.id].id] = localised(theme.name)  # type: ignore[index]
    for question in found.questions:
        if question.id in found.by_question:
            names[found.by_question[question.id].id] = localised(question.prompt)  # type: ignore[index]
    return names


def snapshot(*, session: Session, consultation: Consultation) -> dict[str, Any]:
    """The whole text as published, in the format `app.responses.service` documents."""
    found = deciding.subjects(session=session, consultation=consultation)
    decisions = [
        {"id": d.id, "decided_on": d.decided_on.isoformat(), "decider": dict(d.decider), "text": dict(d.text),
         "reference": d.reference, "has_document": d.document_file_id is not None}
        for d in deciding.decisions_of(session=session, consultation=consultation)
    ]
    responses = []
    for theme in [*found.child_themes, *found.guardian_themes]:
        response = found.by_theme.get(theme.id)  # type: ignore[arg-type]
        if response is not None:
            responses.append(_response(response, subject=theme.name, description=theme.description, size=found.sizes.get(theme.id, 0)))  # type: ignore[arg-type]
    chosen = {q.id for q in found.questions if q.id in found.by_question}
    answered = {r.question.id: r.answered for r in results.results(session=session, consultation=consultation, question_ids=chosen)} if chosen else {}  # type: ignore[arg-type]
    for question in found.questions:
        response = found.by_question.get(question.id)  # type: ignore[arg-type]
        if response is not None:  # its size: the children who answered the question
            responses.append(_response(response, subject=question.prompt, description={}, size=answered.get(question.id, 0)))  # type: ignore[arg-type]
    return {"decisions": decisions, "responses": responses}


def _response(response: Any, *, subject: dict[str, str], description: dict[str, str], size: int) -> dict[str, Any]:
    return {
        "id": response.id, "theme_id": response.theme_id, "question_id": response.question_id, "subject": dict(subject),
        "description": dict(description), "size": size, "outcome": response.outcome, "reason": dict(response.reason),
        "decide_by": response.decide_by.isoformat() if response.decide_by else None, "explanation": dict(response.explanation),
        "child_versions": {band: dict(texts) for band, texts in response.child_versions.items()}, "decision_id": response.decision_id,
    }


def publications_of(*, session: Session, consultation_id: int) -> list[Publication]:
    return list(session.exec(select(Publication).where(Publication.consultation_id == consultation_id).order_by(col(Publication.number))).all())


def publish(*, session: Session, actor: Any, consultation: Consultation, note: str = "") -> Publication:
    """Publish (number 1) or correct (number n+1, with a note saying what changed). Refused while the
    consultation is open or the check misses anything; two at once: the unique number lets one through."""
    deciding.ensure_closed(consultation)
    note = NOTE.clean(note)
    missing = check(session=session, consultation=consultation)
    if missing:
        raise NotReadyToPublish(missing)
    last = session.exec(select(func.max(Publication.number)).where(Publication.consultation_id == consultation.id)).one() or 0
    if last and not note:
        raise NoteNeeded(N_("A correction needs a note saying what changed: readers will see it."))
    publication = Publication(consultation_id=consultation.id, number=last + 1, snapshot=snapshot(session=session, consultation=consultation),  # type: ignore[arg-type]
                              note=note or None, published_at=utcnow(), published_by_id=actor.id)
    session.add(publication)
    try:
        session.flush()
    except IntegrityError as exc:
        raise PublishedMeanwhile() from exc
    audit.record(session, actor=actor, action="response.correct" if last else "response.publish", subject=publication,
                 consultation_id=consultation.id, number=publication.number)
    return publication


def changed_since_published(*, session: Session, consultation: Consultation) -> bool:
    """Whether the decisions or responses differ from what was last published (readers still see that)."""
    latest = latest_publication(session=session, consultation_id=consultation.id)  # type: ignore[arg-type]
    return latest is not None and latest.snapshot != snapshot(session=session, consultation=consultation)


def is_published(*, session: Session, consultation_id: int) -> bool:
    return latest_publication(session=session, consultation_id=consultation_id) is not None


# ---- the promised dates (PAR-09) ---------------------------------------------------------------------


@dataclass(frozen=True)
class Awaiting:
    """A closed consultation whose response is not published yet: days left to the promised date (negative
    when overdue, None when no date was promised)."""

    consultation: Consultation
    days_left: int | None
    overdue: bool


def _scheduled(session: Session) -> list[Consultation]:
    return list(session.exec(select(Consultation).where(col(Consultation.scheduled_at).is_not(None)).order_by(col(Consultation.id))))


def awaiting(*, session: Session, today: dt.date | None = None) -> list[Awaiting]:
    """Every closed consultation still awaiting its response, overdue ones first, then the nearest date."""
    today = today or city_today()
    published = {p.consultation_id for p in session.exec(select(Publication))}
    rows = [
        Awaiting(c, service.days_left(c, today), service.response_state(c, published=False, today=today) == service.ResponseState.OVERDUE)
        for c in _scheduled(session) if c.state() == State.CLOSED and c.id not in published
    ]
    rows.sort(key=lambda r: (not r.overdue, r.days_left if r.days_left is not None else 10**6))
    return rows


def published_consultations(*, session: Session) -> list[Consultation]:
    published = {p.consultation_id for p in session.exec(select(Publication))}
    return [c for c in _scheduled(session) if c.id in published]

