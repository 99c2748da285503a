"""The use cases of the analysis (issue 16). Each opens the unit of work, audits, and commits once.

- `generate_report`: print the report as a PDF now, keep it (media storage) and a `report` row: its number
  (1, 2, … per consultation; two people at once are settled by the unique constraint), language, SHA-256, who
  and when, and the counts it showed (PAR-09, DP-12: what the decision-maker read can be shown later, even
  after an erasure).
- `record_export`: a CSV export, a PDF download or an old version read: audited (who took which counts out).
"""

from __future__ import annotations

import hashlib

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.accounts.models import StaffUser
from app.consultations.models import Consultation
from app.core import audit
from app.core.db import transaction
from app.core.errors import Conflict
from app.core.i18n import N_
from app.core.pdf import pdf_bytes
from app.insights import report
from app.insights.models import Report
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
