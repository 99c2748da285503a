"""Pages of the analysis: closed questions' results by group, the report (HTML and PDF), its versions and the CSV
exports (issue 16; PAR-05…PAR-09, DP-12). INSIGHTS_READ only (analysts, officials, admins); every count comes
from `app.insights.results` / `report.build`, already through the one small-cell rule. Work without JavaScript."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import col, select

from app.accounts.deps import ReaderPage as Reader
from app.accounts.models import StaffUser
from app.consultations import service as consultations
from app.consultations.deps import WorkedOnPage
from app.core.db import Id, SessionDep
from app.core.errors import Conflict, NotFound
from app.core.i18n import LOCALES, N_, get_locale, set_locale
from app.core.pdf import pdf_attachment, pdf_bytes
from app.core.routing import Router
from app.core.templating import NOTICES, redirect, render
from app.core.validation import FormText
from app.insights import actions, report, results
from app.media import service as media

router = Router(include_in_schema=False, dependencies=[WorkedOnPage])  # issue 16: the consultation's department
NOTICES.update({"report_generated": N_("The report is generated and kept as a new version.")})


def _locale(lang: str | None) -> str:
    """`?lang=en` reads the report in English; otherwise the page's language (Chinese first)."""
    if lang in LOCALES:
        set_locale(lang)  # type: ignore[arg-type]
    return get_locale()


def _csv(data: bytes, filename: str) -> Response:
    return Response(data, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@router.get("/consultations/{consultation_id}/insights/results")
def results_page(request: Request, consultation_id: Id, session: SessionDep, user: Reader) -> Response:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    return render(request, "insights/results.html", {
        "consultation": consultation, "res": results.build(session=session, consultation=consultation),
    })


def _report_page(request: Request, session, user: StaffUser, consultation_id: int, lang: str | None,  # noqa: ANN001
                 *, error: str | None = None, status_code: int = 200) -> Response:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    locale = _locale(lang)
    data = report.build(session=session, consultation=consultation)
    found = report.versions(session=session, consultation=consultation)
    maker_ids = {v.created_by_id for v in found if v.created_by_id}
    makers = {u.id: u.display_name for u in session.exec(select(StaffUser).where(col(StaffUser.id).in_(maker_ids)))} if maker_ids else {}
    return render(request, "insights/report.html", {
        "consultation": consultation, "versions": found, "makers": makers, "error": error,
        **report.page_context(data, locale),
    }, status_code=status_code)


@router.get("/consultations/{consultation_id}/insights/report")
def report_page(request: Request, consultation_id: Id, session: SessionDep, user: Reader, lang: str | None = None) -> Response:
    return _report_page(request, session, user, consultation_id, lang)


@router.get("/consultations/{consultation_id}/insights/report.pdf")
def report_pdf(consultation_id: Id, session: SessionDep, user: Reader, lang: str | None = None) -> Response:
    """The report as it is now, printed (not kept: "Generate the report" keeps a version)."""
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    locale = lang if lang in LOCALES else get_locale()
    data = report.build(session=session, consultation=consultation)
    content = pdf_bytes(report.printed(data, locale))  # type: ignore[arg-type]
    actions.record_export(session=session, actor=user, consultation=consultation, what="report.pdf", locale=locale)
    return pdf_attachment(content, f"yimi-report-{consultation.id}-{locale}.pdf")


@router.post("/consultations/{consultation_id}/insights/report/versions")
def generate(request: Request, consultation_id: Id, session: SessionDep, user: Reader,
             locale: Annotated[str, FormText(N_("Language"))] = "zh_Hans") -> Response:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    locale = locale if locale in LOCALES else "zh_Hans"
    try:
        made = actions.generate_report(session=session, actor=user, consultation=consultation, locale=locale)
    except Conflict as exc:
        return _report_page(request, session, user, consultation_id, None, error=exc.detail, status_code=exc.status_code)
    return redirect(f"/consultations/{consultation_id}/insights/report?done=report_generated#version-{made.number}")


@router.get("/consultations/{consultation_id}/insights/reports/{report_id}.pdf")
def version_pdf(consultation_id: Id, report_id: Id, session: SessionDep, user: Reader) -> Response:
    """A kept version, byte for byte as it was generated."""
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    kept = report.version_of(session=session, consultation=consultation, report_id=report_id)
    if kept.file_id is None:
        raise report.VersionWithdrawn()
    content = media.read(session, kept.file_id)
    actions.record_export(session=session, actor=user, consultation=consultation, what="report.version", report=kept.number, locale=kept.locale)
    return pdf_attachment(content, f"yimi-report-{consultation.id}-v{kept.number}-{kept.locale}.pdf")


@router.get("/consultations/{consultation_id}/insights/export/{what}.csv")
def export_csv(consultation_id: Id, what: str, session: SessionDep, user: Reader, lang: str | None = None) -> Response:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    _locale(lang)
    if what == "results":
        content = report.results_csv({"results": results.build(session=session, consultation=consultation)})
    elif what == "themes":
        content = report.themes_csv(report.build(session=session, consultation=consultation))
    elif what == "comments":
        content = report.comments_csv(session=session, consultation=consultation)
    else:
        raise NotFound()
    actions.record_export(session=session, actor=user, consultation=consultation, what=f"{what}.csv")
    return _csv(content, f"yimi-{what}-{consultation.id}.csv")
