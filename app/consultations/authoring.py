"""Officials write consultations: texts per locale and age band, targeting, dates, questions and the picture;
the Lundy gate (PAR-01) before scheduling; the life cycle computed from dates. Never commits (see `actions`)."""

from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from app.accounts import service as accounts
from app.consultations.models import (
    BRIEF,
    CLOSE_REASON,
    OPTION,
    PICTOGRAMS,
    PROMPT,
    TEXT_LIMITS,
    Consultation,
    ConsultationIn,
    Option,
    Picture,
    Question,
    QuestionIn,
    QuestionKind,
    State,
    topics,
)
from app.consultations.service import (
    BANDS,
    DatesOutOfOrder,
    LundyGateIncomplete,
    OptionsDoNotFit,
    QuestionsLocked,
    filled,
    has_answers,
    options_of,
    questions_of,
)
from app.core import audit
from app.core.db import utcnow
from app.core.errors import Conflict, InvalidInput, UnknownReference
from app.core.i18n import N_, clean_locales
from app.corps.models import Group
from app.media import pictures
from app.media import service as media


def lundy_missing(*, session: Session, consultation: Consultation) -> list[str]:
    """The keys of LUNDY_ITEMS not yet satisfied; empty when the consultation may be scheduled."""
    missing = []
    if consultation.topic not in topics():
        missing.append("topic")
    if not any(filled(consultation.briefs.get(band)) for band in BANDS):
        missing.append("brief")
    if not consultation.age_bands:
        missing.append("age_bands")
    if not filled(consultation.decision):
        missing.append("decision")
    if not (filled(consultation.decider_body) and filled(consultation.decider_role)):
        missing.append("decider")
    if not (filled(consultation.can_change) and filled(consultation.cannot_change)):
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
    if not filled(data.title):
        raise InvalidInput(N_("Please give the consultation a title in Chinese."))
    # Bad dates are refused at once, even in a draft (the Lundy gate would only list them later).
    if data.opens_at is not None and data.closes_at is not None and data.closes_at <= data.opens_at:
        raise DatesOutOfOrder(N_("The closing time must be after the opening time."))
    if data.respond_by is not None and data.closes_at is not None and data.respond_by < data.closes_at.date():
        raise DatesOutOfOrder(N_("The date children get a response must be on or after the closing date."))


def _apply(consultation: Consultation, data: ConsultationIn) -> None:
    for name in TEXT_LIMITS:  # the title and every other text kept per locale
        setattr(consultation, name, clean_locales(getattr(data, name)))
    consultation.briefs = {band: clean_locales(text) for band, text in data.briefs.items() if band in BANDS and clean_locales(text)}
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
    # Issue 16: it belongs to the creating official's department (None for city-wide staff).
    consultation = Consultation(title={}, created_by_id=actor.id, department_id=getattr(actor, "department_id", None))
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
        if missing:  # the action's unit of work rolls the edit back
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


def set_department(*, session: Session, actor: Any, consultation: Consultation, department_id: int | None) -> Consultation:
    """Issue 16: an administrator moves a consultation to a department (None: every department works on it)."""
    accounts.require_department(session=session, department_id=department_id)
    if consultation.department_id != department_id:
        consultation.department_id = department_id
        session.add(consultation)
        audit.record(session, actor=actor, action="consultation.department", subject=consultation, department_id=department_id)
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
        cannot_change=dict(consultation.cannot_change), created_by_id=actor.id, department_id=consultation.department_id,
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


# The forms' `maxlength`, from the same fields the service checks.
MAX_LENGTHS = {**{name: field_.max for name, field_ in TEXT_LIMITS.items()},
               "brief": BRIEF.max, "prompt": PROMPT.max, "option": OPTION.max, "close_reason": CLOSE_REASON.max}


def _check_question(data: QuestionIn) -> None:
    if not filled(data.prompt):
        raise InvalidInput(N_("Please write the question in Chinese."))
    for text in data.prompt.values():
        PROMPT.clean(text)
    for option in data.options:
        for text in option.label.values():
            OPTION.clean(text)
    if any(not filled(o.label) and (o.pictogram or any(v.strip() for v in o.label.values())) for o in data.options):
        raise InvalidInput(N_("Each option needs its words in Chinese."))
    needs_options = data.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.RANKING)
    options = [o for o in data.options if filled(o.label)]
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
    question.prompt = clean_locales(data.prompt)
    question.max_choices = data.max_choices if data.kind == QuestionKind.MULTIPLE else None
    session.add(question)
    session.flush()
    session.execute(delete(Option).where(col(Option.question_id) == question.id))
    if data.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.RANKING):
        for position, option in enumerate(o for o in data.options if filled(o.label)):
            session.add(Option(question_id=question.id, position=position, label=clean_locales(option.label), pictogram=option.pictogram or None))


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


def target_choices(*, session: Session) -> tuple[list[Any], list[Group]]:
    """Every district and group an official may target (all of them: officials do not look after groups)."""
    from app.corps import service as corps

    return corps.list_districts(session=session), list(session.exec(select(Group).order_by(col(Group.district_id), col(Group.code))).all())
