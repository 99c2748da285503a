"""The use cases of the analysis (issue 16), one function per thing a person does. Each opens the unit of work,
audits, and commits once; the services (`themes`, `checking`, `report`) check, write and flush, and a refusal
rolls it all back.

- themes of the comments: `ask_for_suggestions` (in the request, or a job above IN_REQUEST comments),
  `accept_theme`, `edit_theme`, `merge_themes`, `split_theme`, `move_comment`, `delete_theme`, `pick_quote`,
  `unpick_quote`, `save_summary`.
- `generate_report`: print the report as a PDF now, keep it (media storage) and a `report` row: its number
  (1, 2, … per consultation; two people at once are settled by the unique constraint), language, SHA-256, who
  and when, and the counts it showed (PAR-09, DP-12: what the decision-maker read can be shown later, even
  after an erasure).
- children's check: `start_check`, `end_check`, `skip_check` (staff); `check_theme`, `send_missing` (a child).
- `record_export`: a CSV export, a PDF download or an old version read: audited (who took which counts out).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.accounts.models import StaffUser
from app.consultations.models import Consultation
from app.core import audit, jobs
from app.core.db import transaction
from app.core.errors import Conflict
from app.core.i18n import N_
from app.core.pdf import pdf_bytes
from app.corps.models import Child
from app.insights import checking, report, themes, vectors
from app.insights.models import Analysis, Quote, Report, Theme, ThemeCheck
from app.insights.service import AnalysedComment, analysis_of
from app.insights.suggest import Progress, Suggested, encode, suggest
from app.media import service as media

SUGGEST_JOB = "insights.suggest_themes"
IN_REQUEST = 300  # up to this many comments the suggestions are made in the request; more go to a worker


def open_analysis(*, session: Session, consultation: Consultation) -> Analysis:
    """The consultation's analysis, made (and committed) the first time anyone opens it."""
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
    found = _suggest(session, free)  # outside the transaction: no lock is held while it thinks
    with transaction(session):
        themes.locked_analysis(session=session, consultation=consultation)  # one suggestion stored at a time
        themes.store_suggestions(session=session, consultation=consultation, audience=audience, suggestions=found, actor=actor)
    return None


def _suggest(session: Session, free: Sequence[AnalysedComment], progress: Progress | None = None) -> list[Suggested]:
    """Suggest from the kept vectors, encoding (and keeping) only the comments without one (bench/themes.py: the
    encoder is most of the time of a first suggestion)."""
    pairs = sorted((c.id, c.text) for c in free)  # in id order, as suggest() takes them: the same batches, the same vectors
    ready = vectors.known(session=session, comments=pairs)
    missing = [(cid, text) for cid, text in pairs if cid not in ready]
    if missing:
        made = encode(missing, progress)
        try:
            with transaction(session):
                vectors.keep(session=session, comments=missing, vectors=made)
        except IntegrityError:  # another worker kept them first: they are only a cache
            pass
        ready.update(made)
    return suggest(pairs, progress=progress, vectors=ready)


def encode_waiting(*, session: Session, limit: int = 2000) -> int:
    """The worker's round: encode approved comments that have no vector yet and keep them (a cache: another
    worker keeping them first is no error). Returns how many were encoded."""
    waiting = vectors.waiting(session=session, limit=limit)
    if not waiting:
        return 0
    made = encode(waiting, None)
    try:
        with transaction(session):
            vectors.keep(session=session, comments=waiting, vectors=made)
    except IntegrityError:
        session.rollback()
        return 0
    return len(made)


def make_suggestions(*, session: Session, consultation: Consultation, audience: str, actor: Any,
                     progress: Progress | None = None) -> list[Theme]:
    """The job's work (and a command's): suggest and store, in the caller's unit of work."""
    free = themes.free_comments(session=session, consultation=consultation, audience=audience)
    found = _suggest(session, free, progress=progress)
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


# ---- the report --------------------------------------------------------------------------------------


class ReportBusy(Conflict):
    title = N_("Try again")
    detail = N_("Several reports were generated at the same moment. Please generate it again.")
    slug = "report-busy"


def generate_report(*, session: Session, actor: StaffUser | None, consultation: Consultation, locale: str,
                    replaces: int | None = None) -> Report:
    """`actor` None: the worker, printing again a version withdrawn for a quote (`replaces`: its number)."""
    with transaction(session):
        data = report.build(session=session, consultation=consultation)
        content = pdf_bytes(report.printed(data, locale))
        stored = media.store(session, content, "application/pdf")
        digest = hashlib.sha256(content).hexdigest()
        for _attempt in range(5):
            number = report.next_number(session=session, consultation=consultation)
            made = Report(consultation_id=consultation.id, number=number, locale=locale, file_id=stored.id,  # type: ignore[arg-type]
                          sha256=digest, data=data, created_by_id=actor.id if actor is not None else None)
            try:
                with session.begin_nested():
                    session.add(made)
                    session.flush()
            except IntegrityError:  # someone else took this number meanwhile: the constraint settles it
                session.expunge(made) if made in session else None
                continue
            audit.record(session, actor=actor if actor is not None else ("system", "worker"), action="insights.report_generated",
                         subject=consultation, report=made.number, locale=locale, sha256=digest, replaces=replaces)
            return made
        raise ReportBusy()


def record_export(*, session: Session, actor: StaffUser, consultation: Consultation, what: str, **details: object) -> None:
    with transaction(session):
        audit.record(session, actor=actor, action="insights.exported", subject=consultation, what=what, **details)


# ---- children check the themes ("did we understand you?") ---------------------------------------------


def start_check(*, session: Session, actor: Any, consultation: Consultation, version: int | None) -> Analysis:
    """Ask the children who took part to check the themes (PAR-06)."""
    with transaction(session):
        return checking.start(session=session, actor=actor, consultation=consultation, version=version)


def end_check(*, session: Session, actor: Any, consultation: Consultation, version: int | None) -> Analysis:
    with transaction(session):
        return checking.end(session=session, actor=actor, consultation=consultation, version=version)


def skip_check(*, session: Session, actor: Any, consultation: Consultation, version: int | None, reason: str | None) -> Analysis:
    """Skip the children's check, with a reason the report prints."""
    with transaction(session):
        return checking.skip(session=session, actor=actor, consultation=consultation, version=version, reason=reason)


def check_theme(*, session: Session, child: Child, consultation: Consultation, theme_id: int, agrees: bool) -> ThemeCheck:
    """A child says "yes, that's what we said" or "not quite" to one theme; a second tap changes it."""
    with transaction(session):
        return checking.record(session=session, child=child, consultation=consultation, theme_id=theme_id, agrees=agrees)


def send_missing(*, session: Session, child: Child, consultation: Consultation, text: str, on_tablet: bool) -> bool:
    """A child's "something is missing", held for moderation like any comment. Returns whether it went to
    safeguarding (the child then sees the calm screen)."""
    with transaction(session):
        return checking.send_missing(session=session, child=child, consultation=consultation, text=text, on_tablet=on_tablet)
