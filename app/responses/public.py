"""The public "You said, we did" (说到做到; issue 17, PAR-07, PAR-09): every consultation with a published response,
or whose promised response date has passed, for anyone without signing in — as a page, an Atom feed and JSON.

Nothing here can identify a child: counts of children go through app.core.suppression (a count under five reads
"< 5" everywhere), quotes are approved comments whose author's QUOTE consent allows it now
(app.insights.service.quotable_ids), labelled by age band only. The words are the latest publication's snapshot;
commitments are read live.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from sqlmodel import Session, col, func, select

from app.consultations.models import Consultation, Participation, Topic, topics
from app.core import suppression
from app.core.db import city_today
from app.core.errors import NotFound
from app.core.i18n import N_, localised
from app.core.suppression import Count
from app.corps.models import District
from app.insights import service as insights
from app.insights.models import Quote
from app.responses import service
from app.responses.hearing import (
    CommitmentView,
    DecisionView,
    ResponseView,
    commitments_of,
    decisions_of,
    responses_of,
)
from app.responses.models import Publication
from app.responses.service import ResponseState


class Filter(StrEnum):
    PUBLISHED = "published"
    OVERDUE = "overdue"


STATE_WORDS: dict[str, str] = {
    ResponseState.PUBLISHED.value: N_("Response published"),
    ResponseState.OVERDUE.value: N_("Response overdue"),
}


@dataclass
class QuoteView:
    text: str
    age_band: str | None


@dataclass
class Entry:
    consultation: Consultation
    title: str
    topic: str
    topic_label: str
    districts: list[str]
    took_part: Count
    state: ResponseState
    respond_by: dt.date | None
    overdue_since: dt.date | None = None
    published_at: dt.datetime | None = None  # the first publication
    updated_at: dt.datetime | None = None  # the latest correction (number > 1)
    correction_note: str | None = None
    changed_at: dt.datetime | None = None  # the newest of publication and commitment changes (the feed's <updated>)
    decisions: list[DecisionView] = field(default_factory=list)
    responses: list[ResponseView] = field(default_factory=list)
    commitments: list[CommitmentView] = field(default_factory=list)
    quotes: dict[int, list[QuoteView]] = field(default_factory=dict)  # by theme id

    @property
    def id(self) -> int:
        return self.consultation.id  # type: ignore[return-value]


def _district_names(session: Session) -> dict[int, str]:
    return {d.id: d.label for d in session.exec(select(District)).all()}  # type: ignore[misc]


def _quotes(session: Session, consultation: Consultation, theme_ids: set[int]) -> dict[int, list[QuoteView]]:
    if not theme_ids:
        return {}
    rows = session.exec(
        select(Quote).where(col(Quote.theme_id).in_(sorted(theme_ids))).order_by(col(Quote.theme_id), col(Quote.position))
    ).all()
    if not rows:
        return {}
    wanted = {q.comment_id for q in rows}
    allowed = insights.quotable_ids(session=session, consultation=consultation, comment_ids=wanted)
    texts = {c.id: c for c in insights.analysable_comments(session=session, consultation=consultation, ids=allowed)} if allowed else {}
    found: dict[int, list[QuoteView]] = {}
    for q in rows:
        comment = texts.get(q.comment_id)
        if comment is None or comment.audience != "child":
            continue
        found.setdefault(q.theme_id, []).append(QuoteView(comment.text, comment.age_band))
    return found


def listing(*, session: Session, topic: str | None = None, district_id: int | None = None, state: str | None = None,
            today: dt.date | None = None, with_quotes: bool = True) -> list[Entry]:
    """The consultations on the public page, newest change first: published, or overdue (the promised date has
    passed with nothing published, PAR-09 — shown as overdue until it is published)."""
    today = today or city_today()
    published = dict(session.exec(select(Publication.consultation_id, func.max(Publication.number)).group_by(col(Publication.consultation_id))).all())
    query = select(Consultation).where(
        col(Consultation.id).in_(list(published)) | (col(Consultation.respond_by).is_not(None) & (col(Consultation.respond_by) < today))
    ) if published else select(Consultation).where(col(Consultation.respond_by).is_not(None), col(Consultation.respond_by) < today)
    consultations = list(session.exec(query).all())
    if topic:
        consultations = [c for c in consultations if c.topic == topic or topics().get(c.topic, Topic("", {}, "")).area == topic]
    if district_id is not None:
        consultations = [c for c in consultations if not c.district_ids or district_id in c.district_ids]
    names = _district_names(session)
    entries = [_entry(session, c, published.get(c.id), today, with_quotes=with_quotes, names=names) for c in consultations]
    if state in (Filter.PUBLISHED.value, Filter.OVERDUE.value):
        entries = [e for e in entries if e.state.value == state]
    entries = [e for e in entries if e.state != ResponseState.NOT_DUE]
    entries.sort(key=lambda e: (e.changed_at or dt.datetime.min.replace(tzinfo=dt.UTC)), reverse=True)
    return entries


def one(*, session: Session, consultation_id: int, today: dt.date | None = None) -> Entry:
    consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        raise NotFound()
    latest = service.latest_publication(session=session, consultation_id=consultation_id)
    entry = _entry(session, consultation, latest.number if latest else None, today or city_today(), with_quotes=True, names=None)
    if entry.state == ResponseState.NOT_DUE:
        raise NotFound()
    return entry


def _entry(session: Session, consultation: Consultation, number: int | None, today: dt.date, *, with_quotes: bool,
           names: dict[int, str] | None) -> Entry:
    names = names if names is not None else _district_names(session)
    publication = service.latest_publication(session=session, consultation_id=consultation.id) if number else None  # type: ignore[arg-type]
    state = service.response_state(consultation, published=publication is not None, today=today)
    took_part = session.exec(select(func.count()).select_from(Participation).where(Participation.consultation_id == consultation.id)).one()
    topic = topics().get(consultation.topic)
    entry = Entry(
        consultation=consultation, title=localised(consultation.title), topic=consultation.topic,
        topic_label=topic.label() if topic else consultation.topic,
        districts=[names[d] for d in consultation.district_ids if d in names], took_part=suppression.total(int(took_part)),
        state=state, respond_by=consultation.respond_by,
    )
    if state == ResponseState.OVERDUE and consultation.respond_by is not None:
        entry.overdue_since = consultation.respond_by + dt.timedelta(days=1)
        entry.changed_at = dt.datetime.combine(entry.overdue_since, dt.time(), tzinfo=dt.UTC)
    if publication is not None:
        snapshot = publication.snapshot or {}
        entry.published_at = service.first_published_at(session=session, consultation_id=consultation.id)  # type: ignore[arg-type]
        if publication.number > 1:
            entry.updated_at = publication.published_at
            entry.correction_note = publication.note
        entry.decisions = decisions_of(snapshot)
        entry.responses = responses_of(snapshot)
        entry.commitments = commitments_of(session=session, consultation_ids=[consultation.id]).get(consultation.id, [])  # type: ignore[list-item]
        entry.changed_at = max([publication.published_at, *(c.updated_at for c in entry.commitments)])
        if with_quotes:
            entry.quotes = _quotes(session, consultation, {r.theme_id for r in entry.responses if r.theme_id is not None})
    return entry


def topic_choices(entries_or_all: list[Entry] | None = None) -> list[Topic]:
    return [t for t in topics().values() if t.is_area]


def district_choices(session: Session) -> list[District]:
    return list(session.exec(select(District).order_by(col(District.code))).all())
