"""What people do in the analysis of a consultation, one function per use case, each its own unit of work
(issue 16). The services (`themes`) check, write, flush and audit; these open `transaction(session)` and commit
once. Other parts of the analysis add their use cases below."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from app.consultations.models import Consultation
from app.core import audit, jobs
from app.core.db import transaction
from app.insights import themes
from app.insights.models import Analysis, Quote, Theme
from app.insights.suggest import Progress, suggest

SUGGEST_JOB = "insights.suggest_themes"
IN_REQUEST = 300  # up to this many comments the suggestions are made in the request; more go to a worker


def open_analysis(*, session: Session, consultation: Consultation) -> Analysis:
    """The consultation's analysis, made (and committed) the first time anyone opens it."""
    from app.insights.service import analysis_of

    with transaction(session):
        return analysis_of(session=session, consultation=consultation)


# ---- themes: the machine suggests (PAR-05) ------------------------------------------------------------------------


def ask_for_suggestions(*, session: Session, consultation: Consultation, audience: str, actor: Any) -> int | None:
    """Suggest themes for the comments not yet sorted by a person. Up to IN_REQUEST comments now (returns None);
    more: a job for `yimi worker`, whose id is returned (its page shows the progress)."""
    free = themes.free_comments(session=session, consultation=consultation, audience=audience)
    if len(free) > IN_REQUEST:
        with transaction(session):
            analysis = themes.locked_analysis(session=session, consultation=consultation)
            job_id = jobs.enqueue(session, SUGGEST_JOB, {"consultation_id": consultation.id, "audience": audience},
                                  created_by=getattr(actor, "id", None))
            analysis.suggestion_job_id = job_id
            session.add(analysis)
            audit.record(session, actor=actor, action="insights.suggestions_queued", subject=consultation, audience=audience, job=job_id)
        return job_id
    found = suggest([(c.id, c.text) for c in free])  # outside the transaction: no lock is held while it thinks
    with transaction(session):
        themes.locked_analysis(session=session, consultation=consultation)  # one suggestion stored at a time
        themes.store_suggestions(session=session, consultation=consultation, audience=audience, suggestions=found, actor=actor)
    return None


def make_suggestions(*, session: Session, consultation: Consultation, audience: str, actor: Any,
                     progress: Progress | None = None) -> list[Theme]:
    """The job's work (and a command's): suggest and store, in the caller's unit of work."""
    free = themes.free_comments(session=session, consultation=consultation, audience=audience)
    found = suggest([(c.id, c.text) for c in free], progress=progress)
    with transaction(session):
        themes.locked_analysis(session=session, consultation=consultation)
        return themes.store_suggestions(session=session, consultation=consultation, audience=audience, suggestions=found, actor=actor)


# ---- themes: people decide -------------------------------------------------------------------------------------


def accept_theme(*, session: Session, consultation: Consultation, theme_id: int, version: int | None, actor: Any) -> Theme:
    with transaction(session):
        return themes.accept(session=session, consultation=consultation, theme_id=theme_id, version=version, actor=actor)


def edit_theme(*, session: Session, consultation: Consultation, theme_id: int, version: int | None, actor: Any,
               name: dict[str, str], description: dict[str, str], child_words: dict[str, str]) -> Theme:
    with transaction(session):
        return themes.edit_texts(session=session, consultation=consultation, theme_id=theme_id, version=version, actor=actor,
                                 name=name, description=description, child_words=child_words)


def merge_themes(*, session: Session, consultation: Consultation, theme_id: int, into_id: int, version: int | None,
                 into_version: int | None = None, actor: Any) -> Theme:
    with transaction(session):
        return themes.merge(session=session, consultation=consultation, theme_id=theme_id, into_id=into_id, version=version,
                            into_version=into_version, actor=actor)


def split_theme(*, session: Session, consultation: Consultation, theme_id: int, comment_ids: Sequence[int], version: int | None,
                name: dict[str, str], actor: Any) -> Theme:
    with transaction(session):
        return themes.split(session=session, consultation=consultation, theme_id=theme_id, comment_ids=comment_ids, version=version,
                            name=name, actor=actor)


def move_comment(*, session: Session, consultation: Consultation, comment_id: int, to: str, from_place: str, version: int | None,
                 actor: Any) -> None:
    with transaction(session):
        themes.move(session=session, consultation=consultation, comment_id=comment_id, to=to, from_place=from_place, version=version,
                    actor=actor)


def delete_theme(*, session: Session, consultation: Consultation, theme_id: int, version: int | None, actor: Any) -> None:
    with transaction(session):
        themes.delete_theme(session=session, consultation=consultation, theme_id=theme_id, version=version, actor=actor)


def pick_quote(*, session: Session, consultation: Consultation, theme_id: int, comment_id: int, version: int | None, actor: Any) -> Quote:
    with transaction(session):
        return themes.pick_quote(session=session, consultation=consultation, theme_id=theme_id, comment_id=comment_id,
                                 version=version, actor=actor)


def unpick_quote(*, session: Session, consultation: Consultation, theme_id: int, comment_id: int, version: int | None, actor: Any) -> None:
    with transaction(session):
        themes.unpick_quote(session=session, consultation=consultation, theme_id=theme_id, comment_id=comment_id,
                            version=version, actor=actor)


def save_summary(*, session: Session, consultation: Consultation, version: int | None, actor: Any,
                 summary: dict[str, str], child_summary: dict[str, dict[str, str]]) -> Analysis:
    with transaction(session):
        return themes.save_summary(session=session, consultation=consultation, version=version, actor=actor,
                                   summary=summary, child_summary=child_summary)
