"""Every rule of consultations: the Lundy gate, the life cycle computed from dates, targeting, answers that
are never lost or counted twice, comments held for moderation, results with small groups suppressed.

Concurrency is settled by the database: one answer per child per question (unique constraint, written by
an upsert), one participation and receipt per child per consultation (upsert), and a submission key that
makes a retried send count once (INSERT … ON CONFLICT DO NOTHING). A child's consent is held for the
whole write (`consent.require(hold=True)`), so an answer is never stored after a withdrawal that commits meanwhile.
"""

import datetime as dt
import hashlib
import hmac
import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func
from sqlalchemy import update as sql_update
from sqlmodel import Session, col, select

from app.consent import service as consent
from app.consent.models import Purpose
from app.consultations.models import (
    ANSWER_TEXT,
    BRIEF,
    CLOSE_REASON,
    GUARDIAN_VIEW,
    OPTION,
    PICTOGRAMS,
    PROMPT,
    TEXT_LIMITS,
    Answer,
    AnswerIn,
    AuthorKind,
    Channel,
    Comment,
    CommentStatus,
    Consultation,
    ConsultationIn,
    Option,
    Participation,
    Picture,
    Question,
    QuestionIn,
    QuestionKind,
    State,
    Submission,
    Topic,
    topics,
)
from app.core import audit, moderated
from app.core.config import get_settings
from app.core.db import dialect_insert, utcnow
from app.core.errors import Conflict, InvalidInput, NotFound, UnknownReference
from app.core.i18n import N_, get_locale, gettext
from app.corps.models import AgeBand, Child, Group, localised
from app.media import pictures
from app.media import service as media
from app.moderation import service as moderation
from app.moderation.models import ReporterKind, ReportReason

DATA = Path(__file__).parent / "data"
LOCALES = ("zh_Hans", "en")
BANDS = [band.value for band in AgeBand]
SMALL_GROUP = 5  # results are not broken down for fewer children than this (PAR-05, DP)


# ---- errors: kind words, nothing partial saved ---------------------------------------------------


class NotOpen(InvalidInput):
    status_code = 409
    title = N_("This question time is not open")
    detail = N_("This question time is closed now, so nothing was changed. Thank you for looking! Your answers from before are still kept.")


class NotYetOpen(NotOpen):
    detail = N_("These questions are not open yet. Please come back when they start.")


class NotForYou(NotFound):
    detail = N_("We could not find these questions for you. Please go back to your page.")


class BadAnswer(InvalidInput):
    slug = "answer-does-not-fit"  # beyond a schema: the answer must fit its question (its options, its kind)
    title = N_("Let's check this answer")
    detail = N_("Something in this answer did not fit. Please look at the question again.")


class TamperedKey(InvalidInput):
    slug = "idempotency-key"  # the key must be the one this child was given for this consultation
    title = N_("Let's try that again")
    detail = N_("This page was too old or was changed. Please open the questions again; your answers are safe.")


class QuestionsLocked(Conflict):
    title = N_("Questions cannot change now")
    detail = N_("Children have already answered, so the questions cannot be changed. You can duplicate the consultation instead.")


class LundyGateIncomplete(InvalidInput):
    """PAR-01: a consultation cannot be scheduled or opened until it says what it feeds and when children hear back."""

    slug = "lundy-gate"

    title = N_("This consultation is not ready to schedule")
    detail = N_("Please fill in what is missing: %(missing)s.")

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing  # keys of LUNDY_ITEMS
        separator = "、" if get_locale() == "zh_Hans" else ", "
        super().__init__(missing=separator.join(gettext(LUNDY_ITEMS[key]) for key in missing))


class DatesOutOfOrder(InvalidInput):
    """The close after the opening, the response on or after the close: a rule across fields."""

    slug = "dates-out-of-order"


class OptionsDoNotFit(InvalidInput):
    """A question's options must fit its kind: a rule across fields."""

    slug = "options-do-not-fit"


# ---- texts per locale and per age band -----------------------------------------------------------


def text_of(value: dict[str, str] | None) -> str:
    """Staff-written text in the page's language, falling back to zh_Hans."""
    value = value or {}
    return value.get(get_locale()) or value.get("zh_Hans") or next((v for v in value.values() if v), "")


def _filled(value: dict[str, str] | None) -> bool:
    return bool(value) and bool((value or {}).get("zh_Hans", "").strip())


def brief_for(consultation: Consultation, band: AgeBand | str | None) -> dict[str, str]:
    """The child brief of an age band, falling back to the next older band (6-9 → 10-13 → 14-17)."""
    start = BANDS.index(str(band)) if band is not None and str(band) in BANDS else 0
    for key in BANDS[start:]:
        if _filled(consultation.briefs.get(key)):
            return consultation.briefs[key]
    return {}


def _clean_locales(value: dict[str, str]) -> dict[str, str]:
    return {loc: value[loc].strip() for loc in LOCALES if isinstance(value.get(loc), str) and value[loc].strip()}


# ---- the Lundy gate (PAR-01) and the life cycle ----------------------------------------------------

LUNDY_ITEMS: dict[str, str] = {
    "topic": N_("the topic"),
    "brief": N_("a child brief for at least one age band"),
    "age_bands": N_("the age bands asked"),
    "decision": N_("the decision it feeds"),
    "decider": N_("who decides (body and role)"),
    "scope": N_("what can and cannot change"),
    "opens_at": N_("the opening date"),
    "closes_at": N_("a closing date after the opening date"),
    "respond_by": N_("the date children will get a response, on or after the closing date"),
    "questions": N_("at least one question"),
    "two_modes": N_("two ways to answer (for example a choice and a short text, PAR-04)"),
}


def lundy_missing(*, session: Session, consultation: Consultation) -> list[str]:
    """The keys of LUNDY_ITEMS not yet satisfied; empty when the consultation may be scheduled."""
    missing = []
    if consultation.topic not in topics():
        missing.append("topic")
    if not any(_filled(consultation.briefs.get(band)) for band in BANDS):
        missing.append("brief")
    if not consultation.age_bands:
        missing.append("age_bands")
    if not _filled(consultation.decision):
        missing.append("decision")
    if not (_filled(consultation.decider_body) and _filled(consultation.decider_role)):
        missing.append("decider")
    if not (_filled(consultation.can_change) and _filled(consultation.cannot_change)):
        missing.append("scope")
    if consultation.opens_at is None:
        missing.append("opens_at")
    if consultation.closes_at is None or (consultation.opens_at is not None and consultation.closes_at <= consultation.opens_at):
        missing.append("closes_at")
    closes_on = consultation.closes_at.date() if consultation.closes_at else None
    if consultation.respond_by is None or (closes_on is not None and consultation.respond_by < closes_on):
        missing.append("respond_by")
    kinds = {q.kind for q in questions_of(session=session, consultation=consultation)}
    if not kinds:
        missing.append("questions")
    elif len(kinds) < 2:
        missing.append("two_modes")
    return missing


def _check_lengths(data: ConsultationIn) -> None:
    for name, field_ in TEXT_LIMITS.items():
        for text in getattr(data, name).values():
            field_.clean(text)
    for band, texts in data.briefs.items():
        for text in texts.values():
            BRIEF.clean(text, band=band.replace("-", "–"))


def _check_values(session: Session, data: ConsultationIn) -> None:
    _check_lengths(data)
    if data.topic and data.topic not in topics():
        raise InvalidInput(N_("Please choose a topic from the list."))
    if any(band not in BANDS for band in data.age_bands):
        raise InvalidInput(N_("Please choose age bands from the list."))
    for district_id in data.district_ids:
        from app.corps.models import District

        if session.get(District, district_id) is None:
            raise UnknownReference(N_("Please choose districts from the list."))
    for group_id in data.group_ids:
        if session.get(Group, group_id) is None:
            raise UnknownReference(N_("Please choose groups from the list."))
    if data.project_id is not None:
        from app.projects.models import Project

        if session.get(Project, data.project_id) is None:
            raise UnknownReference(N_("Please choose a project from the list."))
    if not _filled(data.title):
        raise InvalidInput(N_("Please give the consultation a title in Chinese."))
    # Bad dates are refused at once, even in a draft (the Lundy gate would only list them later).
    if data.opens_at is not None and data.closes_at is not None and data.closes_at <= data.opens_at:
        raise DatesOutOfOrder(N_("The closing time must be after the opening time."))
    if data.respond_by is not None and data.closes_at is not None and data.respond_by < data.closes_at.date():
        raise DatesOutOfOrder(N_("The date children get a response must be on or after the closing date."))


def _apply(consultation: Consultation, data: ConsultationIn) -> None:
    for name in TEXT_LIMITS:  # the title and every other text kept per locale
        setattr(consultation, name, _clean_locales(getattr(data, name)))
    consultation.briefs = {band: _clean_locales(text) for band, text in data.briefs.items() if band in BANDS and _clean_locales(text)}
    consultation.topic = data.topic
    consultation.cycle_stage = data.cycle_stage.value
    consultation.age_bands = [band for band in BANDS if band in data.age_bands]
    consultation.district_ids = sorted(set(data.district_ids))
    consultation.group_ids = sorted(set(data.group_ids))
    consultation.project_id = data.project_id
    consultation.opens_at = data.opens_at
    consultation.closes_at = data.closes_at
    consultation.respond_by = data.respond_by
    consultation.updated_at = utcnow()


def create(*, session: Session, actor: Any, data: ConsultationIn) -> Consultation:
    _check_values(session, data)
    consultation = Consultation(title={}, created_by_id=actor.id)
    _apply(consultation, data)
    session.add(consultation)
    audit.record(session, actor=actor, action="consultation.create", subject=consultation)
    return consultation


def update(*, session: Session, actor: Any, consultation: Consultation, data: ConsultationIn) -> Consultation:
    """Edit the texts, targeting and dates. Once scheduled, the Lundy gate must still hold after the edit."""
    _check_values(session, data)
    _apply(consultation, data)
    if consultation.scheduled_at is not None and consultation.closed_at is None:
        missing = lundy_missing(session=session, consultation=consultation)
        if missing:
            session.rollback()
            raise LundyGateIncomplete(missing)
    session.add(consultation)
    audit.record(session, actor=actor, action="consultation.update", subject=consultation)
    return consultation


def schedule(*, session: Session, actor: Any, consultation: Consultation) -> Consultation:
    """Draft → scheduled (PAR-01): refused while anything of the Lundy gate is missing. It opens and closes
    by its dates."""
    if consultation.state() != State.DRAFT:
        raise Conflict(N_("Only a draft can be scheduled."))
    missing = lundy_missing(session=session, consultation=consultation)
    if missing:
        raise LundyGateIncomplete(missing)
    consultation.scheduled_at = utcnow()
    consultation.scheduled_by_id = actor.id
    session.add(consultation)
    audit.record(session, actor=actor, action="consultation.schedule", subject=consultation)
    return consultation


def unschedule(*, session: Session, actor: Any, consultation: Consultation) -> Consultation:
    """Scheduled → draft, before it opens."""
    if consultation.state() != State.SCHEDULED:
        raise Conflict(N_("Only a consultation that has not opened yet can go back to draft."))
    consultation.scheduled_at = None
    consultation.scheduled_by_id = None
    session.add(consultation)
    audit.record(session, actor=actor, action="consultation.unschedule", subject=consultation)
    return consultation


def close_early(*, session: Session, actor: Any, consultation: Consultation, reason: str) -> Consultation:
    reason = CLOSE_REASON.clean(reason)
    if consultation.state() not in (State.OPEN, State.SCHEDULED):
        raise Conflict(N_("Only an open or scheduled consultation can be closed early."))
    consultation.closed_at = utcnow()
    consultation.close_reason = reason
    consultation.closed_by_id = actor.id
    session.add(consultation)
    audit.record(session, actor=actor, action="consultation.close_early", subject=consultation, reason=consultation.close_reason)
    return consultation


def duplicate(*, session: Session, actor: Any, consultation: Consultation) -> Consultation:
    """A new draft with the same texts, targeting and questions; dates left empty."""
    copy = Consultation(
        title={loc: f"{text} ({'副本' if loc == 'zh_Hans' else 'copy'})" for loc, text in consultation.title.items()},
        description=dict(consultation.description), briefs={k: dict(v) for k, v in consultation.briefs.items()},
        picture_id=consultation.picture_id, picture_alt=dict(consultation.picture_alt), topic=consultation.topic, cycle_stage=consultation.cycle_stage,
        age_bands=list(consultation.age_bands), district_ids=list(consultation.district_ids),
        group_ids=list(consultation.group_ids), project_id=consultation.project_id,
        decision=dict(consultation.decision), decider_body=dict(consultation.decider_body),
        decider_role=dict(consultation.decider_role), can_change=dict(consultation.can_change),
        cannot_change=dict(consultation.cannot_change), created_by_id=actor.id,
    )
    session.add(copy)
    session.flush()
    for question in questions_of(session=session, consultation=consultation):
        new = Question(consultation_id=copy.id, position=question.position, kind=question.kind,
                       prompt=dict(question.prompt), max_choices=question.max_choices)
        session.add(new)
        session.flush()
        for option in options_of(session=session, question=question):
            session.add(Option(question_id=new.id, position=option.position, label=dict(option.label), pictogram=option.pictogram))
    audit.record(session, actor=actor, action="consultation.duplicate", subject=copy, source_id=consultation.id)
    return copy


def get(*, session: Session, consultation_id: int) -> Consultation:
    consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        raise NotFound()
    return consultation


def list_consultations(
    *, session: Session, state: State | None = None, topic: str | None = None, district_id: int | None = None,
    project_id: int | None = None,
) -> list[Consultation]:
    """For staff: newest first, filtered by state (computed), topic (an area includes its tasks) and district
    (a consultation for all districts is listed under each)."""
    query = select(Consultation).order_by(col(Consultation.id).desc())
    if project_id is not None:
        query = query.where(Consultation.project_id == project_id)
    found = list(session.exec(query).all())
    now = utcnow()
    if state is not None:
        found = [c for c in found if c.state(now) == state]
    if topic:
        found = [c for c in found if c.topic == topic or topics().get(c.topic, Topic("", {}, "")).area == topic]
    if district_id is not None:
        found = [c for c in found if not c.district_ids or district_id in c.district_ids]
    return found


def has_answers(*, session: Session, consultation: Consultation) -> bool:
    answered = session.exec(select(Answer.id).where(Answer.consultation_id == consultation.id).limit(1)).first()
    commented = session.exec(select(Comment.id).where(Comment.consultation_id == consultation.id).limit(1)).first()
    return answered is not None or commented is not None


# ---- questions -------------------------------------------------------------------------------------


def questions_of(*, session: Session, consultation: Consultation) -> list[Question]:
    return list(
        session.exec(
            select(Question).where(Question.consultation_id == consultation.id).order_by(col(Question.position), col(Question.id))
        ).all()
    )


def options_of(*, session: Session, question: Question) -> list[Option]:
    return list(session.exec(select(Option).where(Option.question_id == question.id).order_by(col(Option.position), col(Option.id))).all())


def options_by_question(*, session: Session, questions: Iterable[Question]) -> dict[int, list[Option]]:
    ids = [q.id for q in questions]
    found: dict[int, list[Option]] = {qid: [] for qid in ids}  # type: ignore[misc]
    if ids:
        for option in session.exec(select(Option).where(col(Option.question_id).in_(ids)).order_by(col(Option.position), col(Option.id))):
            found[option.question_id].append(option)
    return found


@dataclass(frozen=True)
class Form:
    """A consultation's questions in order, and each question's options: what a child answers."""

    questions: list[Question]
    options: dict[int, list[Option]]


_FORMS: dict[tuple[int, dt.datetime], Form] = {}
_FORMS_KEPT = 256


def form_of(*, session: Session, consultation: Consultation) -> Form:
    """The questions and options the child's pages and API read on every step and every send, kept in this
    process under (consultation, its `updated_at`): every change to the questions goes through
    `_lock_questions`, which moves `updated_at`, so each worker reads them again after a change. The objects
    are detached from the session (read them, never change them)."""
    key = (consultation.id, consultation.updated_at)
    found = _FORMS.get(key)  # type: ignore[arg-type]
    if found is None:
        questions = questions_of(session=session, consultation=consultation)
        options = options_by_question(session=session, questions=questions)
        for item in [*questions, *(o for opts in options.values() for o in opts)]:
            session.expunge(item)
        found = Form(questions, options)  # type: ignore[arg-type]
        if len(_FORMS) >= _FORMS_KEPT:
            _FORMS.clear()
        _FORMS[key] = found  # type: ignore[index]
    return found


# The forms' `maxlength`, from the same fields the service checks.
MAX_LENGTHS = {**{name: field_.max for name, field_ in TEXT_LIMITS.items()},
               "brief": BRIEF.max, "prompt": PROMPT.max, "option": OPTION.max, "close_reason": CLOSE_REASON.max}


def _check_question(data: QuestionIn) -> None:
    if not _filled(data.prompt):
        raise InvalidInput(N_("Please write the question in Chinese."))
    for text in data.prompt.values():
        PROMPT.clean(text)
    for option in data.options:
        for text in option.label.values():
            OPTION.clean(text)
    if any(not _filled(o.label) and (o.pictogram or any(v.strip() for v in o.label.values())) for o in data.options):
        raise InvalidInput(N_("Each option needs its words in Chinese."))
    needs_options = data.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.RANKING)
    options = [o for o in data.options if _filled(o.label)]
    if needs_options and len(options) < 2:
        raise OptionsDoNotFit(N_("Please give at least two options, each with words in Chinese."))
    if needs_options and len(options) > 12:
        raise OptionsDoNotFit(N_("Please give at most 12 options; children can compare only a few at once."))
    if any(o.pictogram and o.pictogram not in PICTOGRAMS for o in data.options):
        raise InvalidInput(N_("Please choose pictures from the list."))
    if data.kind == QuestionKind.MULTIPLE and data.max_choices is not None and not 1 <= data.max_choices <= len(options):
        raise OptionsDoNotFit(N_("The most choices must be between 1 and the number of options."))


def _lock_questions(session: Session, consultation: Consultation) -> None:
    """Questions change only before the first answer; a change moves `updated_at` (see `form_of`)."""
    if has_answers(session=session, consultation=consultation):
        raise QuestionsLocked()
    consultation.updated_at = utcnow()
    session.add(consultation)


def _write_question(session: Session, question: Question, data: QuestionIn) -> None:
    question.kind = data.kind.value
    question.prompt = _clean_locales(data.prompt)
    question.max_choices = data.max_choices if data.kind == QuestionKind.MULTIPLE else None
    session.add(question)
    session.flush()
    session.execute(delete(Option).where(col(Option.question_id) == question.id))
    if data.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.RANKING):
        for position, option in enumerate(o for o in data.options if _filled(o.label)):
            session.add(Option(question_id=question.id, position=position, label=_clean_locales(option.label), pictogram=option.pictogram or None))


def add_question(*, session: Session, actor: Any, consultation: Consultation, data: QuestionIn) -> Question:
    _check_question(data)
    _lock_questions(session, consultation)
    position = session.exec(select(func.max(Question.position)).where(Question.consultation_id == consultation.id)).one()
    question = Question(consultation_id=consultation.id, position=(position if position is not None else -1) + 1, kind=data.kind.value, prompt={})
    _write_question(session, question, data)
    audit.record(session, actor=actor, action="consultation.question_add", subject=consultation, question_id=question.id)
    return question


def update_question(*, session: Session, actor: Any, consultation: Consultation, question: Question, data: QuestionIn) -> Question:
    _check_question(data)
    _lock_questions(session, consultation)
    _write_question(session, question, data)
    audit.record(session, actor=actor, action="consultation.question_update", subject=consultation, question_id=question.id)
    return question


def delete_question(*, session: Session, actor: Any, consultation: Consultation, question: Question) -> None:
    _lock_questions(session, consultation)
    session.delete(question)
    audit.record(session, actor=actor, action="consultation.question_delete", subject=consultation, question_id=question.id)


def move_question(*, session: Session, actor: Any, consultation: Consultation, question: Question, offset: int) -> None:
    """Swap a question with its neighbour (offset -1 up, +1 down)."""
    _lock_questions(session, consultation)
    ordered = questions_of(session=session, consultation=consultation)
    index = next(i for i, q in enumerate(ordered) if q.id == question.id)
    other = index + offset
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered):
        item.position = position
        session.add(item)
    audit.record(session, actor=actor, action="consultation.question_move", subject=consultation, question_id=question.id)


def question_of(*, session: Session, consultation: Consultation, question_id: int) -> Question:
    question = session.get(Question, question_id)
    if question is None or question.consultation_id != consultation.id:
        raise NotFound()
    return question


# ---- pictures: checked by content, re-encoded, metadata stripped, kept in the media storage (app.media) ----


def store_picture(*, session: Session, actor: Any, data: bytes) -> Picture:
    """Keep an uploaded picture as the media room makes it: checked by its header (never by the file name),
    decoded and shrunk in a child process, re-encoded from pixels only, so EXIF, GPS and other metadata are gone;
    its bytes are a file in the media storage."""
    stored = media.store_picture(session, data)
    picture = Picture(file_id=stored.file.id, width=stored.width, height=stored.height, created_by_id=actor.id)
    session.add(picture)
    audit.record(session, actor=actor, action="consultation.picture_upload", subject=picture, bytes=stored.file.size)
    return picture


def replace_picture(*, session: Session, actor: Any, consultation: Consultation, data: bytes) -> Picture:
    """The official's upload (page and API): checked, stored and set in one go; nothing is kept if refused."""
    if not data:
        raise pictures.BadPicture(N_("Please choose a picture to upload."))
    stored = store_picture(session=session, actor=actor, data=data)
    set_picture(session=session, actor=actor, consultation=consultation, picture=stored)
    return stored


def set_picture(*, session: Session, actor: Any, consultation: Consultation, picture: Picture | None) -> None:
    """Show `picture` (or none): the picture shown before is deleted, its file with it, unless another
    consultation (a duplicate) still shows it."""
    previous = consultation.picture_id
    consultation.picture_id = picture.id if picture else None
    consultation.updated_at = utcnow()
    session.add(consultation)
    audit.record(session, actor=actor, action="consultation.picture_set", subject=consultation, picture_id=consultation.picture_id)
    if previous is not None and previous != consultation.picture_id:
        _delete_picture_unless_shown(session=session, picture_id=previous)


def _delete_picture_unless_shown(*, session: Session, picture_id: int) -> None:
    session.flush()
    if session.exec(select(Consultation.id).where(Consultation.picture_id == picture_id).limit(1)).first() is not None:
        return
    picture = session.get(Picture, picture_id)
    if picture is None:
        return
    session.delete(picture)
    session.flush()
    media.delete(session, picture.file_id)


def picture_to_show(*, session: Session, picture_id: int, staff: bool) -> Picture:
    """A consultation's picture: anyone may see it once its consultation is scheduled (children's pages on
    the tablet and phone, guardians' pages, paper forms); before that only staff. Otherwise 'not found'."""
    picture = session.get(Picture, picture_id)
    if picture is None:
        raise NotFound()
    if not staff:
        shown = session.exec(
            select(Consultation.id).where(Consultation.picture_id == picture_id, col(Consultation.scheduled_at).is_not(None)).limit(1)
        ).first()
        if shown is None:
            raise NotFound()
    return picture


# ---- targeting: which children a consultation asks ---------------------------------------------------


def target_choices(*, session: Session) -> tuple[list[Any], list[Group]]:
    """Every district and group an official may target (all of them: officials do not look after groups)."""
    from app.corps import service as corps

    return corps.list_districts(session=session), list(session.exec(select(Group).order_by(col(Group.district_id), col(Group.code))).all())


def targets(*, consultation: Consultation, child: Child, group: Group, now: dt.datetime | None = None) -> bool:
    band = child.age_band((now or utcnow()).date())
    if band is None or band.value not in consultation.age_bands:
        return False
    if consultation.district_ids and group.district_id not in consultation.district_ids:
        return False
    return not (consultation.group_ids and group.id not in consultation.group_ids)


def _live(session: Session) -> list[Consultation]:
    return list(session.exec(select(Consultation).where(col(Consultation.scheduled_at).is_not(None)).order_by(col(Consultation.closes_at))).all())


def for_child(*, session: Session, child: Child) -> tuple[list[Consultation], list[Consultation]]:
    """The child's home screen: open consultations that target them and that they have not answered yet,
    and the consultations they answered (open or closed, newest first)."""
    group = session.get(Group, child.group_id)
    assert group is not None
    now = utcnow()
    answered_ids = set(session.exec(select(Participation.consultation_id).where(Participation.child_id == child.id)).all())
    live = _live(session)
    open_ = [c for c in live if c.id not in answered_ids and c.state(now) == State.OPEN and targets(consultation=c, child=child, group=group, now=now)]
    answered = sorted((c for c in live if c.id in answered_ids), key=lambda c: c.closes_at or now, reverse=True)
    return open_, answered


def for_child_to_answer(*, session: Session, child: Child, consultation_id: int) -> Consultation:
    """The consultation, if it asks this child; otherwise "not found" (never another group's questions)."""
    consultation = session.get(Consultation, consultation_id)
    group = session.get(Group, child.group_id)
    if consultation is None or group is None or consultation.scheduled_at is None:
        raise NotForYou()
    if targets(consultation=consultation, child=child, group=group):
        return consultation
    # No longer targeted (a birthday moved the child's age band, or the child changed group): a child who
    # answered still sees their answers and the results.
    answered = session.exec(
        select(Participation.id).where(Participation.child_id == child.id, Participation.consultation_id == consultation.id)
    ).first()
    if answered is None:
        raise NotForYou()
    return consultation


def ensure_open(consultation: Consultation) -> None:
    state = consultation.state()
    if state == State.SCHEDULED:
        raise NotYetOpen()
    if state != State.OPEN:
        raise NotOpen()


# ---- idempotency keys ---------------------------------------------------------------------------------


def _key_mac(nonce: str, child_id: int, consultation_id: int) -> str:
    secret = get_settings().secret_key.encode()
    message = f"answers:{child_id}:{consultation_id}:{nonce}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def new_key(*, child: Child, consultation: Consultation) -> str:
    """A key for one answer form: random, and signed for this child and consultation, so that a key cannot
    be made up or carried to another child."""
    nonce = secrets.token_urlsafe(16)
    return f"{nonce}.{_key_mac(nonce, child.id, consultation.id)}"  # type: ignore[arg-type]


def check_key(key: str, *, child: Child, consultation: Consultation) -> None:
    nonce, _, mac = key.partition(".")
    if not nonce or len(key) > 100 or not hmac.compare_digest(mac, _key_mac(nonce, child.id, consultation.id)):  # type: ignore[arg-type]
        raise TamperedKey()


# ---- answers ---------------------------------------------------------------------------------------


@dataclass
class Parsed:
    question: Question
    skipped: bool
    value: dict[str, Any] = field(default_factory=dict)
    text: str | None = None
    screened: Any = None  # the moderation screening of `text`, done before the write (`submit`)


def clean_text(text: str) -> str:
    """Control characters out (tabs and new lines become spaces), surrounding space trimmed."""
    return " ".join("".join(ch if ch.isprintable() or ch in "\n\t" else "" for ch in text).split())


def parse_answer(question: Question, options: list[Option], raw: AnswerIn) -> Parsed:
    """Check one answer against its question; a kind error names what to fix. Skip is always allowed (PAR-03)."""
    if raw.skip:
        return Parsed(question, skipped=True)
    ids = {o.id for o in options}
    kind = QuestionKind(question.kind)
    if kind == QuestionKind.SINGLE:
        if raw.option is None:
            return Parsed(question, skipped=True)
        if raw.option not in ids:
            raise BadAnswer(N_("That choice is not one of this question's choices. Please choose again."))
        return Parsed(question, False, {"option": raw.option})
    if kind == QuestionKind.MULTIPLE:
        chosen = list(dict.fromkeys(raw.options))
        if not chosen:
            return Parsed(question, skipped=True)
        if any(o not in ids for o in chosen):
            raise BadAnswer(N_("That choice is not one of this question's choices. Please choose again."))
        if question.max_choices is not None and len(chosen) > question.max_choices:
            raise BadAnswer(N_("You can choose up to %(count)s. Please take some away."), count=question.max_choices)
        return Parsed(question, False, {"options": sorted(chosen)})
    if kind == QuestionKind.SCALE:
        if raw.scale is None:
            return Parsed(question, skipped=True)
        if not 1 <= raw.scale <= 5:
            raise BadAnswer(N_("Please choose one of the five faces."))
        return Parsed(question, False, {"scale": raw.scale})
    if kind == QuestionKind.RANKING:
        order = list(dict.fromkeys(raw.order))
        if not order:
            return Parsed(question, skipped=True)
        if any(o not in ids for o in order):
            raise BadAnswer(N_("That choice is not one of this question's choices. Please choose again."))
        return Parsed(question, False, {"order": order})
    text = clean_text(raw.text or "")
    if not text:
        return Parsed(question, skipped=True)
    ANSWER_TEXT.check(text, error=BadAnswer, at=(f"q-{question.id}",))
    return Parsed(question, False, {}, text)


def parse_answers(*, session: Session, consultation: Consultation, answers: list[AnswerIn]) -> list[Parsed]:
    """Every answer checked before anything is written; a question of another consultation is refused."""
    form = form_of(session=session, consultation=consultation)
    questions = {q.id: q for q in form.questions}
    options = form.options
    parsed: dict[int, Parsed] = {}
    for raw in answers:
        question = questions.get(raw.question_id)
        if question is None:
            raise BadAnswer(N_("That question is not part of these questions. Please open the questions again."))
        parsed[question.id] = parse_answer(question, options[question.id], raw)  # type: ignore[index]
    return list(parsed.values())


def answers_from_form(questions: Iterable[Question], values: Any) -> list[AnswerIn]:
    """The one encoding of answers in an HTML form, shared by the child's pages and paper entry (PAR-14):
    `q-<id>` carries the answer (an option id, several option ids, a face 1-5, the order as comma-separated
    option ids, or the text) and `skip-<id>` the skip. `values.getlist(name)` is Starlette's FormData API.
    A value that is not a number where a number belongs is refused kindly, never a stack trace."""

    def number(raw: str) -> int:
        try:
            return int(raw.strip())
        except ValueError as exc:
            raise BadAnswer() from exc

    found = []
    for question in questions:
        name = f"q-{question.id}"
        raw = [v for v in values.getlist(name) if isinstance(v, str)]
        item = AnswerIn(question_id=question.id, skip=bool(values.getlist(f"skip-{question.id}")))  # type: ignore[arg-type]
        kind = QuestionKind(question.kind)
        given = [v for v in raw if v.strip()]
        if not item.skip and given:
            if kind == QuestionKind.SINGLE:
                item.option = number(given[0])
            elif kind == QuestionKind.MULTIPLE:
                item.options = [number(v) for v in given]
            elif kind == QuestionKind.SCALE:
                item.scale = number(given[0])
            elif kind == QuestionKind.RANKING:
                item.order = [number(v) for v in ",".join(given).split(",") if v.strip()]
            else:
                item.text = given[0]
        found.append(item)
    return found


def _receipt_code() -> str:
    """8 characters, easy to read out and type: no 0/O, 1/I/L."""
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


@dataclass
class Sent:
    participation: Participation
    answers: int
    repeated: bool  # this key had been sent before: nothing new was stored
    told_a_grown_up: bool = False  # a text was passed to safeguarding: the child sees the calm screen (SG-05)


@dataclass(frozen=True)
class _Writes:
    """The statements of a send, built once per dialect: a send runs them with its values, so that
    SQLAlchemy neither builds nor compiles them again (the classroom burst, PAR-03)."""

    submission: Any  # the key, once (ON CONFLICT DO NOTHING)
    participation: Any  # one per child and consultation, the receipt code kept (upsert)
    answers: Any  # one per child and question, updated in place (upsert, many rows)
    comment: Any  # a short text, back to the queue only when its words changed (upsert … WHERE)


_WRITES: dict[str, _Writes] = {}


def _writes(session: Session) -> _Writes:
    dialect = session.get_bind().dialect.name
    found = _WRITES.get(dialect)
    if found is None:
        insert = dialect_insert(session)
        submission = Submission.__table__  # type: ignore[attr-defined]
        participation = Participation.__table__  # type: ignore[attr-defined]
        participations = insert(participation)
        answers = insert(Answer.__table__)  # type: ignore[attr-defined]
        comment = Comment.__table__  # type: ignore[attr-defined]
        comments = insert(comment)
        found = _WRITES[dialect] = _Writes(
            submission=insert(submission).on_conflict_do_nothing(index_elements=["key"]).returning(submission.c.id),
            participation=participations.on_conflict_do_update(
                index_elements=["consultation_id", "child_id"], set_={"updated_at": participations.excluded.updated_at}
            ).returning(*participation.c),
            answers=answers.on_conflict_do_update(
                index_elements=["question_id", "child_id"],
                set_={name: answers.excluded[name] for name in ("channel", "skipped", "value", "entered_by_id", "updated_at")},
            ),
            comment=comments.on_conflict_do_update(
                index_elements=["question_id", "child_id"],
                set_={name: comments.excluded[name] for name in ("text", "status", "channel", "updated_at")},
                where=comment.c.text != comments.excluded.text,  # the same words sent again: the moderator's decision stands
            ).returning(comment.c.id),
        )
    return found


def submit(
    *, session: Session, child: Child, consultation: Consultation, answers: list[AnswerIn], key: str, channel: Channel,
    entered_by: Any = None,
) -> Sent:
    """Store a child's answers in one transaction; the caller commits, and says "thank you" only after.

    Order matters: the key, the dates and every answer are checked and the words screened before anything is
    written; then consent is held and checked in the same statement (so a withdrawal waits for this write or
    this write sees the withdrawal, CON-07); then the key decides whether this is a retry; then answers and
    the participation are upserted."""
    check_key(key, child=child, consultation=consultation)
    ensure_open(consultation)
    parsed = parse_answers(session=session, consultation=consultation, answers=answers)
    for item in parsed:  # screened before the write begins, so that the write (and its lock) stays short
        if item.text is not None and not item.skipped:
            item.screened = moderation.screen_words(item.text)
    consent.require(session=session, child=child, purpose=Purpose.PARTICIPATE, hold=True)
    now = utcnow()
    writes = _writes(session)
    new_id = session.execute(
        writes.submission, {"key": key, "consultation_id": consultation.id, "child_id": child.id, "at": now}
    ).scalar_one_or_none()
    if new_id is None:
        participation = participation_of(session=session, child=child, consultation=consultation)
        if participation is None:  # the key was sent, but by a transaction that did not commit
            raise TamperedKey()
        return Sent(participation, len(parsed), repeated=True)
    row = session.execute(writes.participation, {
        "consultation_id": consultation.id, "child_id": child.id, "receipt_code": _receipt_code(), "channel": channel.value,
        "created_at": now, "updated_at": now,
    }).one()
    participation = Participation.model_validate(row._asdict())  # what the database holds, without another read
    told = False
    if parsed:
        # One statement for all the answers: one row per child per question, updated in place when re-sent.
        entered_by_id = entered_by.id if entered_by is not None else None
        session.execute(writes.answers, [
            {
                "consultation_id": consultation.id, "question_id": item.question.id, "child_id": child.id,
                "channel": channel.value, "skipped": item.skipped, "value": item.value,
                "entered_by_id": entered_by_id, "created_at": now, "updated_at": now,
            }
            for item in parsed
        ])
    for item in parsed:
        if QuestionKind(item.question.kind) == QuestionKind.TEXT:
            told = _child_comment(session, child, consultation, item, channel, now) or told
    if entered_by is not None:
        audit.record(session, actor=entered_by, action="consultation.paper_entry", subject=consultation, child_id=child.id, answers=len(parsed))
    return Sent(participation, len(parsed), repeated=False, told_a_grown_up=told)


def _child_comment(session: Session, child: Child, consultation: Consultation, item: Parsed, channel: Channel, now: dt.datetime) -> bool:
    """A short-text answer becomes the child's comment on that question, held for moderation (MOD-01).
    A changed text goes back to the queue; a skipped one is removed (the child took it back). Returns whether
    the words went to safeguarding."""
    if item.skipped or item.text is None:
        gone = session.execute(
            delete(Comment).where(col(Comment.question_id) == item.question.id, col(Comment.child_id) == child.id).returning(col(Comment.id))
        ).scalars().all()
        moderation.forget(session=session, kind=COMMENT, subject_ids=gone)
        return False
    comment_id = session.execute(_writes(session).comment, {
        "consultation_id": consultation.id, "question_id": item.question.id, "author_kind": AuthorKind.CHILD.value,
        "child_id": child.id, "channel": channel.value, "text": item.text, "status": CommentStatus.PENDING.value,
        "created_at": now, "updated_at": now,
    }).scalar_one_or_none()
    if comment_id is None:
        return False  # the same words sent again: nothing changed
    return moderation.submit(session=session, kind=COMMENT, subject_id=comment_id, text=item.text, screened=item.screened,  # MOD-06
                             scope_id=consultation.id, author_kind=AuthorKind.CHILD.value, child_id=child.id)


def participation_of(*, session: Session, child: Child, consultation: Consultation) -> Participation | None:
    return session.exec(
        select(Participation).where(Participation.child_id == child.id, Participation.consultation_id == consultation.id)
    ).first()


def participations_of(*, session: Session, consultation: Consultation, children: list[Child]) -> dict[int, Participation]:
    """The participations of many children in one consultation, by child id, in one query."""
    ids = [c.id for c in children]
    if not ids:
        return {}
    query = select(Participation).where(Participation.consultation_id == consultation.id, col(Participation.child_id).in_(ids))
    return {p.child_id: p for p in session.exec(query)}


def receipts_of(*, session: Session, child: Child) -> dict[int, str]:
    """The child's receipt codes by consultation, in one query (for the home screen and the API)."""
    return dict(session.exec(select(Participation.consultation_id, Participation.receipt_code).where(Participation.child_id == child.id)).all())


def answers_of(*, session: Session, child: Child, consultation: Consultation) -> dict[int, Answer]:
    """The child's stored answers by question, to show them again and change them until the close."""
    rows = session.exec(select(Answer).where(Answer.child_id == child.id, Answer.consultation_id == consultation.id)).all()
    return {a.question_id: a for a in rows}


def comments_of_child(*, session: Session, child: Child, consultation: Consultation | None = None) -> list[Comment]:
    """The child's own comments, whatever their state (the author sees their own words)."""
    query = select(Comment).where(Comment.child_id == child.id).order_by(col(Comment.id))
    if consultation is not None:
        query = query.where(Comment.consultation_id == consultation.id)
    return list(session.exec(query).all())


# ---- consent: withdrawal and erasure (issue 4) -----------------------------------------------------


def withdraw_pending(*, session: Session, child: Child) -> int:
    """Withdrawal takes effect at once (CON-07): the child's comments still waiting for a moderator leave
    the queue (deleted: nobody but staff ever saw them). Approved comments and answers stay until erasure."""
    gone = session.execute(
        delete(Comment).where(col(Comment.child_id) == child.id, col(Comment.status) == CommentStatus.PENDING.value).returning(col(Comment.id))
    ).scalars().all()
    moderation.forget(session=session, kind=COMMENT, subject_ids=gone)
    return len(gone)


def erase_child(*, session: Session, child: Child) -> dict[str, int]:
    """Erasure (DP, issue 4): hard-delete the child's answers, comments, participations and submission keys.
    Returns counts per category for the deletion receipt; never the content."""
    counts = {}
    for name, model in (("answers", Answer), ("comments", Comment), ("participations", Participation), ("submissions", Submission)):
        result = session.execute(delete(model).where(col(model.child_id) == child.id))  # type: ignore[attr-defined]
        counts[name] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    moderation.forget_child(session=session, kind=COMMENT, child_id=child.id)  # their moderation, decisions and reports
    return counts


def input_counts(*, session: Session, child: Child) -> dict[str, int]:
    """What `erase_child` would delete, per category."""
    counts = {}
    for name, model in (("answers", Answer), ("comments", Comment), ("participations", Participation), ("submissions", Submission)):
        counts[name] = session.exec(select(func.count()).select_from(model).where(col(model.child_id) == child.id)).one()  # type: ignore[attr-defined]
    return counts


def export_child(*, session: Session, child: Child) -> dict[str, Any]:
    """Everything consultations hold about the child, for the guardian's data download (DP)."""
    answers = session.exec(select(Answer).where(Answer.child_id == child.id).order_by(col(Answer.id))).all()
    comments = session.exec(select(Comment).where(Comment.child_id == child.id).order_by(col(Comment.id))).all()
    parts = session.exec(select(Participation).where(Participation.child_id == child.id).order_by(col(Participation.id))).all()
    return {
        "participations": [
            {"consultation_id": p.consultation_id, "receipt_code": p.receipt_code, "channel": p.channel,
             "created_at": p.created_at.isoformat(), "updated_at": p.updated_at.isoformat()} for p in parts
        ],
        "answers": [
            {"consultation_id": a.consultation_id, "question_id": a.question_id, "channel": a.channel, "skipped": a.skipped,
             "value": a.value, "updated_at": a.updated_at.isoformat()} for a in answers
        ],
        "comments": [
            {"consultation_id": c.consultation_id, "question_id": c.question_id, "text": c.text, "status": c.status,
             "created_at": c.created_at.isoformat()} for c in comments
        ],
    }


# ---- guardians' own view ----------------------------------------------------------------------------


def for_guardian(*, session: Session, children: list[Child], closed_too: bool = False) -> list[Consultation]:
    """Open consultations that target any of the guardian's children's groups (by group and district), and with
    `closed_too` the closed ones as well: a guardian keeps seeing what was asked, its results and, once there is
    one, the answer (issue 18)."""
    groups = {g.id: g for g in session.exec(select(Group).where(col(Group.id).in_([c.group_id for c in children]))).all()} if children else {}
    now = utcnow()
    states = (State.OPEN, State.CLOSED) if closed_too else (State.OPEN,)
    found = []
    for consultation in _live(session):
        if consultation.state(now) not in states:
            continue
        for group in groups.values():
            if (not consultation.district_ids or group.district_id in consultation.district_ids) and (
                not consultation.group_ids or group.id in consultation.group_ids
            ):
                found.append(consultation)
                break
    return found


def guardian_comment(*, session: Session, guardian: Any, consultation: Consultation, children: list[Child], text: str) -> Comment:
    """A guardian's own view: one per guardian per consultation (a second send replaces the first and goes
    back to moderation), labelled as a guardian's and held for moderation like children's."""
    if consultation.id not in {c.id for c in for_guardian(session=session, children=children)}:
        ensure_open(consultation)
        raise NotFound()
    text = GUARDIAN_VIEW.check(clean_text(text))
    now = utcnow()
    table = Comment.__table__  # type: ignore[attr-defined]
    values = {
        "consultation_id": consultation.id, "author_kind": AuthorKind.GUARDIAN.value, "guardian_id": guardian.id,
        "channel": Channel.PHONE.value, "text": text, "status": CommentStatus.PENDING.value, "created_at": now, "updated_at": now,
    }
    changes = {"text": text, "status": CommentStatus.PENDING.value, "updated_at": now}
    session.execute(dialect_insert(session)(table).values(**values).on_conflict_do_update(index_elements=["consultation_id", "guardian_id"], set_=changes))
    comment = session.exec(
        select(Comment).where(Comment.consultation_id == consultation.id, Comment.guardian_id == guardian.id).execution_options(populate_existing=True)
    ).one()
    moderation.submit(session=session, kind=COMMENT, subject_id=comment.id, text=comment.text,  # type: ignore[arg-type]  # screened on store (MOD-06)
                      scope_id=consultation.id, author_kind=AuthorKind.GUARDIAN.value)
    audit.record(session, actor=guardian, action="consultation.guardian_comment", subject=consultation, comment_id=comment.id)
    return comment


def guardian_comment_of(*, session: Session, guardian: Any, consultation: Consultation) -> Comment | None:
    return session.exec(select(Comment).where(Comment.consultation_id == consultation.id, Comment.guardian_id == guardian.id)).first()


# ---- paper responses (PAR-14) ------------------------------------------------------------------------


def for_group(*, session: Session, group: Group) -> list[Consultation]:
    """Open consultations that ask this group (by group and district), for a facilitator's paper entry."""
    now = utcnow()
    return [
        c for c in _live(session)
        if c.state(now) == State.OPEN and (not c.district_ids or group.district_id in c.district_ids)
        and (not c.group_ids or group.id in c.group_ids)
    ]


# ---- results ------------------------------------------------------------------------------------------


@dataclass
class Bar:
    label: dict[str, str]
    count: int
    pictogram: str | None = None
    share: float = 0.0  # of the children who answered this question


@dataclass
class QuestionResult:
    question: Question
    answered: int  # children who answered (not skipped)
    skipped: int
    bars: list[Bar]
    by_channel: dict[str, int]
    by_band: dict[str, int | None]  # None where fewer than SMALL_GROUP children: not broken down
    suppressed: bool  # fewer than SMALL_GROUP answers in all: no bars are shown
    comments: int = 0  # children's comments received (text questions)


def results(*, session: Session, consultation: Consultation, question_ids: set[int] | None = None) -> list[QuestionResult]:
    """Counts from children's answers only (guardians' comments are counted apart). Groups of fewer than
    SMALL_GROUP children are never broken down, so no child can be singled out."""
    questions = [q for q in questions_of(session=session, consultation=consultation) if question_ids is None or q.id in question_ids]
    options = options_by_question(session=session, questions=questions)
    rows = session.exec(
        select(Answer, Child.birth_year, Child.birth_month).join(Child, col(Child.id) == Answer.child_id).where(
            Answer.consultation_id == consultation.id
        )
    ).all()
    day = (consultation.closed_at or consultation.closes_at or utcnow()).date()
    by_question: dict[int, list[tuple[Answer, str | None]]] = {}
    from app.corps.models import age_band_for, age_on

    for answer, year, month in rows:
        band = age_band_for(age_on(year, month, day))
        by_question.setdefault(answer.question_id, []).append((answer, band.value if band else None))
    comment_counts = Counter(
        session.exec(
            select(Comment.question_id).where(Comment.consultation_id == consultation.id, Comment.author_kind == AuthorKind.CHILD.value)
        ).all()
    )
    found = []
    for question in questions:
        items = by_question.get(question.id, [])  # type: ignore[arg-type]
        given = [(a, band) for a, band in items if not a.skipped]
        counts: Counter[int] = Counter()
        kind = QuestionKind(question.kind)
        for answer, _band in given:
            if kind == QuestionKind.SINGLE:
                counts[answer.value.get("option")] += 1
            elif kind == QuestionKind.MULTIPLE:
                counts.update(answer.value.get("options", []))
            elif kind == QuestionKind.SCALE:
                counts[answer.value.get("scale")] += 1
            elif kind == QuestionKind.RANKING:
                order = answer.value.get("order", [])
                # Points: first place gets as many points as there are options, then one fewer for each place.
                size = len(options[question.id])  # type: ignore[index]
                for place, option_id in enumerate(order):
                    counts[option_id] += size - place
        total = len(given)
        if kind == QuestionKind.SCALE:
            from app.consultations.models import SCALE_FACES

            bars = [Bar({"key": face}, counts[value]) for value, face, _words in SCALE_FACES]
        else:
            bars = [Bar(o.label, counts[o.id], o.pictogram) for o in options[question.id]]  # type: ignore[index]
        denominator = max((b.count for b in bars), default=0) if kind == QuestionKind.RANKING else total
        for bar in bars:
            bar.share = bar.count / denominator if denominator else 0.0
        band_counts = Counter(band for _a, band in given if band)
        found.append(
            QuestionResult(
                question=question, answered=total, skipped=len(items) - total, bars=bars,
                by_channel=dict(Counter(a.channel for a, _band in given)),
                by_band={band: (band_counts[band] if band_counts[band] >= SMALL_GROUP else None) for band in consultation.age_bands},
                suppressed=total < SMALL_GROUP, comments=comment_counts.get(question.id, 0),
            )
        )
    return found


def guardian_comment_count(*, session: Session, consultation: Consultation) -> int:
    return session.exec(
        select(func.count()).select_from(Comment).where(Comment.consultation_id == consultation.id, Comment.author_kind == AuthorKind.GUARDIAN.value)
    ).one()


def participation_counts(*, session: Session, consultation: Consultation) -> dict[str, int]:
    """Children who sent answers, by channel (PAR-14: paper counted with the channel shown)."""
    rows = session.exec(select(Participation.channel, func.count()).where(Participation.consultation_id == consultation.id).group_by(Participation.channel)).all()
    return {channel: count for channel, count in rows}


# ---- comments in moderation (MOD-01, issue 15) -----------------------------------------------------------
# Moderation owns the moderated item; consultations own the comment and are told each outcome. Moderation
# never reads or writes the comment table: it asks `_describe_comments` and tells `_comment_outcome`.

COMMENT = "comment"

_STATUS_OF: dict[moderated.Outcome, CommentStatus] = {
    moderated.Outcome.PENDING: CommentStatus.PENDING,
    moderated.Outcome.APPROVED: CommentStatus.APPROVED,
    moderated.Outcome.REDACTED: CommentStatus.REDACTED,
    moderated.Outcome.REJECTED: CommentStatus.REJECTED,
    moderated.Outcome.ESCALATED: CommentStatus.REJECTED,  # never shown (SG-01)
}


def _describe_comments(session: Session, ids: Sequence[int]) -> dict[int, moderated.Subject]:
    """What moderators see of comments: the words, the consultation and question, the pseudonym, age band and
    group of a child (never identity, MOD-05). One query for many."""
    if not ids:
        return {}
    rows = session.exec(
        select(Comment, Consultation, Question, Child, Group)
        .join(Consultation, col(Consultation.id) == Comment.consultation_id)
        .outerjoin(Question, col(Question.id) == Comment.question_id)
        .outerjoin(Child, col(Child.id) == Comment.child_id)
        .outerjoin(Group, col(Group.id) == Child.group_id)
        .where(col(Comment.id).in_(list(ids)))
        .execution_options(populate_existing=True)
    ).all()
    found = {}
    for comment, consultation, question, child, group in rows:
        band = child.age_band() if child is not None else None
        found[comment.id] = moderated.Subject(
            id=comment.id, text=comment.text, author_kind=comment.author_kind, scope_id=comment.consultation_id,  # type: ignore[arg-type]
            child_id=comment.child_id, title=localised(consultation.title),
            prompt=localised(question.prompt) if question is not None else None,
            pseudonym=child.display_name if child is not None else None, age_band=band.value if band is not None else None,
            group=group.label if group is not None else None, created_at=comment.created_at,
            extra={"question_id": comment.question_id, "consultation_id": comment.consultation_id},
        )
    return found


def _comment_outcome(session: Session, comment_id: int, outcome: moderated.Outcome, text: str | None) -> None:
    """Moderation decided (or held again): the comment's status says what may be shown; a redaction overwrites
    the words, so the hidden ones are kept nowhere (MOD-09)."""
    values: dict[str, Any] = {"status": _STATUS_OF[outcome].value}
    if text is not None:
        values["text"] = text
    session.execute(sql_update(Comment).where(col(Comment.id) == comment_id).values(**values))


def _lock_comment(session: Session, comment_id: int) -> None:
    """A decision locks the comment before moderation's item, as a send does (comment, then item)."""
    session.execute(select(Comment.id).where(Comment.id == comment_id).with_for_update())


moderated.register_kind(COMMENT, describe=_describe_comments, on_outcome=_comment_outcome, scope_name="consultation_id",
                        lock=_lock_comment)


# ---- where approved comments are shown, and reports of them (MOD-12) --------------------------------------

SHOWN = (CommentStatus.APPROVED.value, CommentStatus.REDACTED.value)  # never pending or rejected words
PUBLIC_LIMIT = 20  # at most this many children's comments per question on a child's or guardian's page
STAFF_LIMIT = 500


@dataclass
class ShownComment:
    """One comment as others may see it: the stored text (a redaction already has the mask), the age band
    and, for staff, the group name — never a nickname or identity."""

    id: int
    question_id: int | None
    author_kind: str
    text: str
    age_band: str | None
    group: str | None
    created_at: dt.datetime
    mine: bool = False


def shown_comments(
    *, session: Session, consultation: Consultation, question_id: int | None = None, for_public: bool,
    viewer_child_id: int | None = None,
) -> list[ShownComment]:
    """The one query behind every page that shows comments (the child's results, the guardian's page, the
    staff results): approved or redacted comments only, newest first.

    `for_public` (children's and guardians' pages): a child's comment is quoted only while the child's QUOTE
    consent allows it now (checked by `consent.allows`), at most PUBLIC_LIMIT per question, labelled with the
    age band only; the viewing child's own comment (`viewer_child_id`) is always theirs to see. Staff analysis
    (`for_public=False`) is not a quote: every shown comment, with age band and group name. Guardians'
    comments (approved) come with both, labelled apart by `author_kind`."""
    query = (
        select(Comment, Child, Group)
        .outerjoin(Child, col(Child.id) == Comment.child_id)
        .outerjoin(Group, col(Group.id) == Child.group_id)
        .where(Comment.consultation_id == consultation.id, col(Comment.status).in_(SHOWN))
        .order_by(col(Comment.created_at).desc(), col(Comment.id).desc())
    )
    if question_id is not None:
        query = query.where(Comment.question_id == question_id)
    limit = PUBLIC_LIMIT if for_public else STAFF_LIMIT
    rows = session.exec(query).all()
    # One query for the quote consent of every author (not one per comment).
    quotable = consent.allowed_among(session=session, children=[c for _m, c, _g in rows if c is not None], purpose=Purpose.QUOTE) if for_public else set()
    per_question: Counter[int | None] = Counter()
    found = []
    for comment, child, group in rows:
        mine = viewer_child_id is not None and comment.child_id == viewer_child_id
        if comment.author_kind == AuthorKind.CHILD.value and for_public and not mine and child.id not in quotable:
            continue
        if comment.author_kind == AuthorKind.CHILD.value:
            if per_question[comment.question_id] >= limit:
                continue
            per_question[comment.question_id] += 1
        band = child.age_band() if child is not None else None
        found.append(ShownComment(
            id=comment.id, question_id=comment.question_id, author_kind=comment.author_kind, text=comment.text,  # type: ignore[arg-type]
            age_band=band.value if band is not None else None, group=group.label if group is not None and not for_public else None,
            created_at=comment.created_at, mine=mine,
        ))
    return found


def report_comment(
    *, session: Session, consultation: Consultation, comment_id: int, reporter_kind: ReporterKind, reporter_id: int,
    reason: ReportReason, for_public: bool = True, viewer_child_id: int | None = None,
) -> str:
    """MOD-12: a comment shown to this reporter on `consultation` (one the caller checked the reporter may see)
    is reported to moderation, which hides it at once. A comment not shown to this reporter there (pending,
    not shown, or not quoted) is "not found"."""
    comment = session.get(Comment, comment_id, populate_existing=True)
    if comment is None or comment.consultation_id != consultation.id:
        raise NotFound()
    if comment.status in SHOWN and comment_id not in {
        c.id for c in shown_comments(session=session, consultation=consultation, question_id=comment.question_id,
                                     for_public=for_public, viewer_child_id=viewer_child_id)
        if c.author_kind == comment.author_kind
    }:
        raise NotFound()
    return moderation.report(session=session, kind=COMMENT, subject_id=comment_id, reporter_kind=reporter_kind,
                             reporter_id=reporter_id, reason=reason)
