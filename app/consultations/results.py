"""Results of a consultation: bars per question from children's answers, counts per channel and age band,
small groups never shown or broken down by the one rule of `app.core.suppression` (PAR-05, DP-12)."""

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.consultations.models import (
    Answer,
    AuthorKind,
    Channel,
    Comment,
    Consultation,
    Participation,
    Question,
    QuestionKind,
)
from app.consultations.service import (
    options_by_question,
    questions_of,
)
from app.core import suppression
from app.core.db import utcnow
from app.core.errors import Conflict
from app.core.i18n import N_
from app.corps.models import Child


class ResultsNotYet(Conflict):
    """A child asks for results before the close."""

    title = N_("Not yet")
    detail = N_("You can see what children said after the questions close.")



@dataclass
class Bar:
    label: dict[str, str]
    count: int
    pictogram: str | None = None
    share: float = 0.0  # of the children who answered this question
    shown: suppression.Count | None = None  # the count as it may be shown ("< 5" where hidden); None: points


@dataclass
class QuestionResult:
    question: Question
    answered: int  # children who answered (not skipped)
    skipped: int
    bars: list[Bar]
    by_channel: dict[str, int]
    by_band: dict[str, int | None]  # None where hidden (app.core.suppression: small cells and their neighbours)
    suppressed: bool  # fewer than suppression.SMALL answers in all: no bars are shown
    comments: int = 0  # children's comments received (text questions)

    # What every output shows of these counts (PAR-05, DP-12): through the one rule, never the raw numbers.
    @property
    def answered_shown(self) -> suppression.Count:
        return suppression.cells({"answered": self.answered, "skipped": self.skipped})["answered"]

    @property
    def skipped_shown(self) -> suppression.Count:
        return suppression.cells({"answered": self.answered, "skipped": self.skipped})["skipped"]

    @property
    def comments_shown(self) -> suppression.Count:
        return suppression.total(self.comments)


@dataclass(frozen=True)
class Reach:
    """Who took part, as it may be shown: children (by channel, adding up to them) and guardians' comments."""

    children: suppression.Count
    by_channel: dict[str, suppression.Count]
    guardian_comments: suppression.Count


def reach(*, session: Session, consultation: Consultation) -> Reach:
    counts = participation_counts(session=session, consultation=consultation)
    every = {channel.value: counts.get(channel.value, 0) for channel in Channel}
    return Reach(
        children=suppression.total(sum(every.values())), by_channel=suppression.cells(every),
        guardian_comments=suppression.total(guardian_comment_count(session=session, consultation=consultation)),
    )


def results(*, session: Session, consultation: Consultation, question_ids: set[int] | None = None) -> list[QuestionResult]:
    """Counts from children's answers only (guardians' comments are counted apart). Small groups are hidden by
    `app.core.suppression` (primary and secondary), so no child can be singled out."""
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
        by_band = suppression.cells({band: band_counts[band] for band in consultation.age_bands}, of=total)
        if kind != QuestionKind.RANKING:
            counted = suppression.cells({i: bar.count for i, bar in enumerate(bars)}, of=total, additive=kind != QuestionKind.MULTIPLE)
            for i, bar in enumerate(bars):
                bar.shown = counted[i]
        found.append(
            QuestionResult(
                question=question, answered=total, skipped=len(items) - total, bars=bars,
                by_channel=dict(Counter(a.channel for a, _band in given)),
                by_band={band: count.value for band, count in by_band.items()},
                suppressed=suppression.total(total).hidden, comments=comment_counts.get(question.id, 0),
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


# Moderation owns the moderated item; consultations own the comment and are told each outcome. Moderation
# never reads or writes the comment table: it asks `_describe_comments` and tells `_comment_outcome`.
