"""What every part of consultations shares: its refusals, the age bands, a consultation and its questions as
read (the child's form kept per process), targeting, and the small rules used when authoring and answering.
The work itself is by job: `authoring` (officials write and schedule, PAR-01), `answering` (children, guardians
and paper, PAR-03/14), `results` (counts with small groups suppressed, PAR-05), `comments` (the moderation seam,
MOD-01/12); `actions` opens the unit of work around each use case. Nothing here commits or rolls back."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, col, select

from app.consultations.models import (
    Answer,
    Comment,
    Consultation,
    Option,
    Picture,
    Question,
    State,
    Topic,
    topics,
)
from app.core.db import utcnow
from app.core.errors import Conflict, InvalidInput, NotFound
from app.core.i18n import N_, get_locale, gettext
from app.corps.models import AgeBand, Child, Group

DATA = Path(__file__).parent / "data"
BANDS = [band.value for band in AgeBand]


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


def filled(value: dict[str, str] | None) -> bool:
    return bool(value) and bool((value or {}).get("zh_Hans", "").strip())


def brief_for(consultation: Consultation, band: AgeBand | str | None) -> dict[str, str]:
    """The child brief of an age band, falling back to the next older band (6-9 → 10-13 → 14-17)."""
    start = BANDS.index(str(band)) if band is not None and str(band) in BANDS else 0
    for key in BANDS[start:]:
        if filled(consultation.briefs.get(key)):
            return consultation.briefs[key]
    return {}


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


def question_of(*, session: Session, consultation: Consultation, question_id: int) -> Question:
    question = session.get(Question, question_id)
    if question is None or question.consultation_id != consultation.id:
        raise NotFound()
    return question


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


def targets(*, consultation: Consultation, child: Child, group: Group, now: dt.datetime | None = None) -> bool:
    band = child.age_band((now or utcnow()).date())
    if band is None or band.value not in consultation.age_bands:
        return False
    if consultation.district_ids and group.district_id not in consultation.district_ids:
        return False
    return not (consultation.group_ids and group.id not in consultation.group_ids)


def live_consultations(session: Session) -> list[Consultation]:
    return list(session.exec(select(Consultation).where(col(Consultation.scheduled_at).is_not(None)).order_by(col(Consultation.closes_at))).all())


def ensure_open(consultation: Consultation) -> None:
    state = consultation.state()
    if state == State.SCHEDULED:
        raise NotYetOpen()
    if state != State.OPEN:
        raise NotOpen()


def clean_text(text: str) -> str:
    """Control characters out (tabs and new lines become spaces), surrounding space trimmed."""
    return " ".join("".join(ch if ch.isprintable() or ch in "\n\t" else "" for ch in text).split())
