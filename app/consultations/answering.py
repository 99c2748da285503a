"""Children answer (tablet, phone, paper), guardians give their own view: answers that are never lost or
counted twice, comments held for moderation, the child's data for consent (withdrawal, erasure, export).

Concurrency is settled by the database: one answer per child per question (unique constraint, written by
an upsert), one participation and receipt per child per consultation (upsert), and a submission key that
makes a retried send count once (INSERT … ON CONFLICT DO NOTHING). A child's consent is held for the
whole write (`consent.require(hold=True)`), so an answer is never stored after a withdrawal that commits meanwhile.
Never commits: the action around it does (see `actions`).
"""

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from app.consent import service as consent
from app.consent.models import Purpose
from app.consultations.comments import COMMENT
from app.consultations.models import (
    ANSWER_TEXT,
    GUARDIAN_VIEW,
    Answer,
    AnswerIn,
    AuthorKind,
    Channel,
    Comment,
    CommentStatus,
    Consultation,
    Option,
    Participation,
    Question,
    QuestionKind,
    State,
    Submission,
)
from app.consultations.service import (
    BadAnswer,
    NotForYou,
    TamperedKey,
    clean_text,
    ensure_open,
    form_of,
    live_consultations,
    targets,
)
from app.core import audit
from app.core.config import get_settings
from app.core.db import dialect_insert, utcnow
from app.core.errors import NotFound
from app.core.i18n import N_
from app.corps.models import Child, Group
from app.moderation import service as moderation


def for_child(*, session: Session, child: Child) -> tuple[list[Consultation], list[Consultation]]:
    """The child's home screen: open consultations that target them and that they have not answered yet,
    and the consultations they answered (open or closed, newest first)."""
    group = session.get(Group, child.group_id)
    assert group is not None
    now = utcnow()
    answered_ids = set(session.exec(select(Participation.consultation_id).where(Participation.child_id == child.id)).all())
    live = live_consultations(session)
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


@dataclass
class Parsed:
    question: Question
    skipped: bool
    value: dict[str, Any] = field(default_factory=dict)
    text: str | None = None
    screened: Any = None  # the moderation screening of `text`, done before the write (`submit`)


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


def child_comment(
    *, session: Session, child: Child, consultation: Consultation, text: str, channel: Channel,
) -> tuple[Comment, bool]:
    """A child's comment on the consultation as a whole (no question): insights' "something is missing" of the
    children's check (issue 16). The same way as a comment on a question: the words screened before the write
    (MOD-06), consent held for the write (CON-07), held for moderation (MOD-01), a disclosure of harm to
    safeguarding (SG-01). One per child per consultation: a changed text goes back to the queue; the same words
    again leave the moderator's decision standing. Only a child who took part (their participation row is
    locked, so two sends at once make one comment). Returns the comment and whether the words went to
    safeguarding (the child then sees the calm screen, SG-05)."""
    text = ANSWER_TEXT.check(clean_text(text))
    if not text:
        raise BadAnswer(N_("Please write something first, or go back."))
    screened = moderation.screen_words(text)
    consent.require(session=session, child=child, purpose=Purpose.PARTICIPATE, hold=True)
    taking_part = session.exec(
        select(Participation.id).where(Participation.child_id == child.id, Participation.consultation_id == consultation.id).with_for_update()
    ).first()
    if taking_part is None:
        raise NotForYou()
    now = utcnow()
    comment = session.exec(
        select(Comment).where(Comment.consultation_id == consultation.id, Comment.child_id == child.id, col(Comment.question_id).is_(None))
        .execution_options(populate_existing=True)
    ).first()
    if comment is not None and comment.text == text:
        return comment, False  # the same words sent again: nothing changed
    if comment is None:
        comment = Comment(consultation_id=consultation.id, question_id=None, author_kind=AuthorKind.CHILD.value, child_id=child.id,  # type: ignore[arg-type]
                          channel=channel.value, text=text, status=CommentStatus.PENDING.value, created_at=now, updated_at=now)
    else:
        comment.text, comment.status, comment.channel, comment.updated_at = text, CommentStatus.PENDING.value, channel.value, now
    session.add(comment)
    session.flush()
    told = moderation.submit(session=session, kind=COMMENT, subject_id=comment.id, text=text, screened=screened,  # type: ignore[arg-type]
                             scope_id=consultation.id, author_kind=AuthorKind.CHILD.value, child_id=child.id)
    return comment, told


def consultation_comment_of(*, session: Session, child: Child, consultation: Consultation) -> Comment | None:
    """The child's own comment on the consultation as a whole (`child_comment`), whatever its state."""
    return session.exec(
        select(Comment).where(Comment.consultation_id == consultation.id, Comment.child_id == child.id, col(Comment.question_id).is_(None))
    ).first()


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


def for_guardian(*, session: Session, children: list[Child], closed_too: bool = False) -> list[Consultation]:
    """Open consultations that target any of the guardian's children's groups (by group and district), and with
    `closed_too` the closed ones as well: a guardian keeps seeing what was asked, its results and, once there is
    one, the answer (issue 18)."""
    groups = {g.id: g for g in session.exec(select(Group).where(col(Group.id).in_([c.group_id for c in children]))).all()} if children else {}
    now = utcnow()
    states = (State.OPEN, State.CLOSED) if closed_too else (State.OPEN,)
    found = []
    for consultation in live_consultations(session):
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


def for_group(*, session: Session, group: Group) -> list[Consultation]:
    """Open consultations that ask this group (by group and district), for a facilitator's paper entry."""
    now = utcnow()
    return [
        c for c in live_consultations(session)
        if c.state(now) == State.OPEN and (not c.district_ids or group.district_id in c.district_ids)
        and (not c.group_ids or group.id in c.group_ids)
    ]


def stored_answers(*, session: Session, child: Child, consultation: Consultation, questions: list[Question]) -> list[AnswerIn]:
    """The child's stored answers as form answers, to prefill the questions until the close."""
    stored = answers_of(session=session, child=child, consultation=consultation)
    texts = {c.question_id: c.text for c in comments_of_child(session=session, child=child, consultation=consultation)}
    found = []
    for question in questions:
        answer = stored.get(question.id)  # type: ignore[arg-type]
        item = AnswerIn(question_id=question.id)  # type: ignore[arg-type]
        if answer is not None:
            value = answer.value or {}
            item.skip = answer.skipped
            item.option = value.get("option")
            item.options = list(value.get("options", []))
            item.scale = value.get("scale")
            item.order = list(value.get("order", []))
            if QuestionKind(question.kind) == QuestionKind.TEXT and not answer.skipped:
                item.text = texts.get(question.id)
        found.append(item)
    return found
