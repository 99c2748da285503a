"""The use cases of the analysis (issue 16), one function per thing a person does. Each opens the unit of work,
audits, and commits once; the services check, write and flush, and a refusal rolls it all back.

- `generate_report`: print the report as a PDF now, keep it (media storage) and a `report` row: its number
  (1, 2, … per consultation; two people at once are settled by the unique constraint), language, SHA-256, who
  and when, and the counts it showed (PAR-09, DP-12: what the decision-maker read can be shown later, even
  after an erasure).
- children's check: `start_check`, `end_check`, `skip_check` (staff); `check_theme`, `send_missing` (a child).
- `record_export`: a CSV export, a PDF download or an old version read: audited (who took which counts out).
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.accounts.models import StaffUser
from app.consultations.models import Consultation
from app.core import audit
from app.core.db import transaction
from app.core.errors import Conflict
from app.core.i18n import N_
from app.core.pdf import pdf_bytes
from app.corps.models import Child
from app.insights import checking, report
from app.insights.models import Analysis, Report, ThemeCheck
from app.media import service as media


class ReportBusy(Conflict):
    title = N_("Try again")
    detail = N_("Several reports were generated at the same moment. Please generate it again.")
    slug = "report-busy"


def generate_report(*, session: Session, actor: StaffUser, consultation: Consultation, locale: str) -> Report:
    with transaction(session):
        data = report.build(session=session, consultation=consultation)
        content = pdf_bytes(report.printed(data, locale))
        stored = media.store(session, content, "application/pdf")
        digest = hashlib.sha256(content).hexdigest()
        for _attempt in range(5):
            number = report.next_number(session=session, consultation=consultation)
            made = Report(consultation_id=consultation.id, number=number, locale=locale, file_id=stored.id,  # type: ignore[arg-type]
                          sha256=digest, data=data, created_by_id=actor.id)
            try:
                with session.begin_nested():
                    session.add(made)
                    session.flush()
            except IntegrityError:  # someone else took this number meanwhile: the constraint settles it
                session.expunge(made) if made in session else None
                continue
            audit.record(session, actor=actor, action="insights.report_generated", subject=consultation,
                         report=made.number, locale=locale, sha256=digest)
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
