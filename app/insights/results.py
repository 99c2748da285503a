"""Closed questions' results for the analysis (issue 16; PAR-05, DP-12): every closed question's counts, broken
down by age band, district, group kind and channel, and who was asked and took part. Guardians' views are
counted apart. Every count of children passes through `app.core.suppression` (cells, table, total) here, once:
pages, CSV, PDF and API all show what `build` returns, so they cannot disagree.

What `build` returns is plain JSON (kept as a report's `data`): a count is an int, or None where it is hidden;
labels are {locale: words} so one result reads in both languages. No child, nickname or group name is in it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable
from typing import Any

from sqlmodel import Session, col, select

from app.consent import service as consent
from app.consent.models import Purpose
from app.consultations import service as consultations
from app.consultations.models import (
    CHANNEL_LABELS,
    SCALE_FACES,
    Answer,
    AuthorKind,
    Channel,
    Consultation,
    Participation,
    QuestionKind,
)
from app.core import suppression
from app.core.i18n import LOCALES, N_, InContext, translations
from app.core.suppression import Count
from app.corps.models import GROUP_KIND_LABELS, Child, ChildStatus, District, Group, GroupKind
from app.insights import service

DIMENSIONS: list[tuple[str, str]] = [
    ("band", N_("Age band")),
    ("district", N_("District")),
    ("group_kind", N_("Kind of group")),
    ("channel", N_("Channel")),
]
CLOSED = (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.SCALE, QuestionKind.RANKING)
BAND_WORDS = {"6-9": "6–9", "10-13": "10–13", "14-17": "14–17"}


def both(message: str) -> dict[str, str]:
    """A message of ours in every locale (what `build` keeps must read the same in a report made later)."""
    found = {}
    for locale in LOCALES:
        catalog = translations(locale)
        found[locale] = catalog.pgettext(message.context, message) if isinstance(message, InContext) else catalog.gettext(message)
    return found


def _band_label(band: str) -> dict[str, str]:
    words = BAND_WORDS.get(band, band)
    return {locale: words + (" 岁" if locale == "zh_Hans" else "") for locale in LOCALES}


def shown(count: Count) -> int | None:
    return count.value


class _Child:
    """What the results may know of a child who answered: where they stand, never who they are."""

    __slots__ = ("band", "district", "group_kind")

    def __init__(self, band: str | None, district: int | None, group_kind: str | None) -> None:
        self.band, self.district, self.group_kind = band, district, group_kind


def _children(session: Session, consultation: Consultation, child_ids: set[int]) -> dict[int, _Child]:
    """Who may be counted (CON-07: a child whose taking part is withdrawn leaves the counts), with their band,
    district and group kind on the consultation's day."""
    if not child_ids:
        return {}
    rows = session.exec(
        select(Child, Group).outerjoin(Group, col(Group.id) == Child.group_id).where(col(Child.id).in_(child_ids))
    ).all()
    allowed = consent.allowed_among(session=session, children=[c for c, _g in rows], purpose=Purpose.PARTICIPATE)
    day = service._day(consultation)
    found = {}
    for child, group in rows:
        if child.id not in allowed:
            continue
        band = child.age_band(day)
        found[child.id] = _Child(band.value if band else None, group.district_id if group else None, group.kind if group else None)  # type: ignore[index]
    return found


def _columns(session: Session, consultation: Consultation) -> dict[str, list[tuple[Hashable, dict[str, str]]]]:
    districts = session.exec(select(District).order_by(col(District.code))).all()
    return {
        "band": [(band, _band_label(band)) for band in consultation.age_bands],
        "district": [(d.id, dict(d.name)) for d in districts if not consultation.district_ids or d.id in consultation.district_ids],
        "group_kind": [(k.value, both(GROUP_KIND_LABELS[k])) for k in GroupKind],
        "channel": [(c.value, both(CHANNEL_LABELS[c])) for c in Channel],
    }


def _where(child: _Child, channel: str, dimension: str) -> Hashable:
    return channel if dimension == "channel" else getattr(child, dimension)


def _breakdown(rows: dict[Hashable, dict[Hashable, int]], columns: list[tuple[Hashable, dict[str, str]]],
               hidden_rows: set[Hashable]) -> dict[str, Any]:
    """A question × (band, district, …) table through `suppression.table`: safe in every row and column, and
    rows whose overall count is hidden are hidden whole (they could be added up otherwise)."""
    keys = [key for key, _label in columns]
    values = {row: {key: cells.get(key, 0) for key in keys} for row, cells in rows.items()}
    counted = suppression.table(values, hidden_rows=hidden_rows)
    return {
        "columns": [{"key": str(key), "label": label} for key, label in columns],
        "cells": {str(row): [shown(counted[row][key]) for key in keys] for row in rows},
    }


def reach(*, session: Session, consultation: Consultation) -> dict[str, Any]:
    """Children asked and who took part, by band, district, group kind and channel; guardians' views apart."""
    day = service._day(consultation)
    candidates = session.exec(
        select(Child, Group).join(Group, col(Group.id) == Child.group_id)
        .where(col(Child.status).in_([ChildStatus.ACTIVE.value, ChildStatus.PAUSED.value]))
    ).all()
    import datetime as dt

    on = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    asked = sum(1 for child, group in candidates if consultations.targets(consultation=consultation, child=child, group=group, now=on))
    parts = session.exec(select(Participation.child_id, Participation.channel).where(Participation.consultation_id == consultation.id)).all()
    children = _children(session, consultation, {child_id for child_id, _ch in parts})
    columns = _columns(session, consultation)
    taking = [(children[child_id], channel) for child_id, channel in parts if child_id in children]
    by: dict[str, list[dict[str, Any]]] = {}
    for dimension, _title in DIMENSIONS:
        counts = Counter(_where(child, channel, dimension) for child, channel in taking)
        counted = suppression.cells({key: counts.get(key, 0) for key, _label in columns[dimension]}, of=len(taking))
        by[dimension] = [{"key": str(key), "label": label, "count": shown(counted[key])} for key, label in columns[dimension]]
    guardians = service.analysable_comments(session=session, consultation=consultation, audience=AuthorKind.GUARDIAN.value)
    return {
        "asked": shown(suppression.total(asked)),
        "took_part": shown(suppression.total(len(taking))),
        "by": by,
        "guardian_comments": shown(suppression.total(len(guardians))),
    }


def questions(*, session: Session, consultation: Consultation) -> list[dict[str, Any]]:
    """Every closed question: options (single, multiple), faces (the distribution, never a mean), or for a
    ranking the mean place and the children who put each option first; each broken down by every dimension."""
    closed = [q for q in consultations.questions_of(session=session, consultation=consultation) if QuestionKind(q.kind) in CLOSED]
    options = consultations.options_by_question(session=session, questions=closed)
    answers = session.exec(
        select(Answer).where(Answer.consultation_id == consultation.id, col(Answer.skipped).is_(False))
    ).all()
    children = _children(session, consultation, {a.child_id for a in answers})
    columns = _columns(session, consultation)
    by_question: dict[int, list[Answer]] = defaultdict(list)
    for answer in answers:
        if answer.child_id in children:
            by_question[answer.question_id].append(answer)
    found = []
    for question in closed:
        kind = QuestionKind(question.kind)
        given = by_question.get(question.id, [])  # type: ignore[arg-type]
        if kind == QuestionKind.SCALE:
            rows = [(str(value), both(words)) for value, _face, words in SCALE_FACES]
        else:
            rows = [(str(o.id), dict(o.label)) for o in options[question.id]]  # type: ignore[index]
        # Which rows each answer counts in (a ranking: the option put first).
        chosen: list[tuple[Answer, list[str]]] = []
        places: dict[str, list[int]] = defaultdict(list)
        for answer in given:
            if kind == QuestionKind.SINGLE:
                keys = [str(answer.value.get("option"))]
            elif kind == QuestionKind.MULTIPLE:
                keys = [str(k) for k in answer.value.get("options", [])]
            elif kind == QuestionKind.SCALE:
                keys = [str(answer.value.get("scale"))]
            else:
                order = [str(k) for k in answer.value.get("order", [])]
                for place, key in enumerate(order, start=1):
                    places[key].append(place)
                keys = order[:1]
            chosen.append((answer, keys))
        totals = Counter(key for _a, keys in chosen for key in keys)
        answered = suppression.total(len(given))
        additive = kind != QuestionKind.MULTIPLE
        counted = suppression.cells({key: totals.get(key, 0) for key, _label in rows}, of=len(given), additive=additive)
        if answered.hidden:
            counted = {key: Count(None) for key, _label in rows}
        items = []
        for key, label in rows:
            count = counted[key]
            item: dict[str, Any] = {"key": key, "label": label, "count": shown(count),
                                    "share": None if count.share(answered) is None else round(count.share(answered) or 0, 4)}
            if kind == QuestionKind.RANKING:
                item["mean_rank"] = round(sum(places[key]) / len(places[key]), 2) if not answered.hidden and places[key] else None
            items.append(item)
        hidden_rows = {key for key, _label in rows if counted[key].hidden}
        breakdowns = {}
        for dimension, _title in DIMENSIONS:
            table: dict[Hashable, dict[Hashable, int]] = {key: {} for key, _label in rows}
            for answer, keys in chosen:
                where = _where(children[answer.child_id], answer.channel, dimension)
                for key in keys:
                    if key in table:
                        table[key][where] = table[key].get(where, 0) + 1
            breakdowns[dimension] = _breakdown(table, columns[dimension], hidden_rows)
        found.append({
            "id": question.id, "kind": kind.value, "prompt": dict(question.prompt), "answered": shown(answered),
            "options": items, "breakdowns": breakdowns,
        })
    return found


def build(*, session: Session, consultation: Consultation) -> dict[str, Any]:
    return {
        "dimensions": [{"key": key, "label": both(title)} for key, title in DIMENSIONS],
        "reach": reach(session=session, consultation=consultation),
        "questions": questions(session=session, consultation=consultation),
    }
