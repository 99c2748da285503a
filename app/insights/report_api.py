"""JSON API of the analysis' results and report: /api/v1/consultations/{id}/insights/… (issue 16). INSIGHTS_READ
only. Counts are `int | null` (null where `app.core.suppression` hides them, shown as "< 5" on pages, CSV and
PDF); labels are {locale: words}. No child, nickname, id of a child or group name is in any answer."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic import BaseModel, Field

from app.accounts.deps import ReaderApi as Reader
from app.consultations import service as consultations
from app.consultations.deps import WorkedOnApi
from app.core.db import Id, SessionDep
from app.core.i18n import LOCALES
from app.core.routing import Router
from app.core.validation import ApiIn
from app.insights import actions, report, results

router = Router(prefix="/api/v1", tags=["insights"], dependencies=[WorkedOnApi])  # issue 16: the consultation's department

Counted = int | None  # a count of children: null where it is hidden (fewer than five, or derivable)


class Label(BaseModel):
    key: str
    label: dict[str, str]


class CountCell(Label):
    count: Counted


class Breakdown(BaseModel):
    columns: list[Label]
    cells: dict[str, list[Counted]] = Field(description="per answer's key, one count per column")


class OptionResult(CountCell):
    share: float | None = None
    mean_rank: float | None = Field(default=None, description="ranking questions: the mean place (1 is first)")


class QuestionResults(BaseModel):
    id: int
    kind: str
    prompt: dict[str, str]
    answered: Counted
    options: list[OptionResult] = Field(description="ranking: `count` is the children who put the option first")
    breakdowns: dict[str, Breakdown]


class Reach(BaseModel):
    asked: Counted
    took_part: Counted
    by: dict[str, list[CountCell]]
    guardian_comments: Counted


class ResultsOut(BaseModel):
    dimensions: list[Label]
    reach: Reach
    questions: list[QuestionResults]


class ThemeOut(BaseModel):
    id: int
    audience: str
    name: dict[str, str]
    description: dict[str, str]
    size: Counted
    by_band: list[CountCell]
    check: dict[str, Counted]
    quotes: list[dict[str, Any]] = Field(description="quotable now only: text, age band, audience")


class ThemesOut(BaseModel):
    items: list[ThemeOut]
    in_a_theme: Counted
    comments: Counted


class ReportOut(BaseModel):
    consultation: dict[str, Any]
    results: ResultsOut
    themes: ThemesOut
    check: dict[str, Any]
    moderation: dict[str, Any]
    audiences: dict[str, dict[str, str]]
    as_of: str


class VersionOut(BaseModel):
    id: int
    number: int
    locale: str
    sha256: str
    created_at: str
    download: str | None  # None once withdrawn (it quoted a child whose QUOTE consent was withdrawn, or who was erased)
    withdrawn_at: str | None = None


class VersionIn(ApiIn):
    locale: str = Field(default="zh_Hans", pattern="^(zh_Hans|en)$")


class VersionDetail(VersionOut):
    data: ReportOut


def _version(v: Any) -> VersionOut:
    return VersionOut(id=v.id, number=v.number, locale=v.locale, sha256=v.sha256, created_at=v.created_at.isoformat(),
                      download=None if v.file_id is None else f"/consultations/{v.consultation_id}/insights/reports/{v.id}.pdf",
                      withdrawn_at=v.withdrawn_at.isoformat() if v.withdrawn_at else None)


@router.get("/consultations/{consultation_id}/insights/results", response_model=ResultsOut,
            summary="Closed questions' results by age band, district, group kind and channel (small cells hidden)")
def results_api(consultation_id: Id, session: SessionDep, user: Reader) -> ResultsOut:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    data = results.build(session=session, consultation=consultation)
    actions.record_export(session=session, actor=user, consultation=consultation, what="api.results")
    return ResultsOut.model_validate(data)


@router.get("/consultations/{consultation_id}/insights/report", response_model=ReportOut,
            summary="Everything the report shows, as it is now (small cells hidden)")
def report_api(consultation_id: Id, session: SessionDep, user: Reader) -> ReportOut:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    data = report.build(session=session, consultation=consultation)
    actions.record_export(session=session, actor=user, consultation=consultation, what="api.report")
    return ReportOut.model_validate(data)


@router.get("/consultations/{consultation_id}/insights/reports", response_model=list[VersionOut], summary="The generated versions")
def versions_api(consultation_id: Id, session: SessionDep, user: Reader) -> list[VersionOut]:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    return [_version(v) for v in report.versions(session=session, consultation=consultation)]


@router.get("/consultations/{consultation_id}/insights/reports/{report_id}", response_model=VersionDetail,
            summary="One generated version: its SHA-256 and the counts it showed")
def version_api(consultation_id: Id, report_id: Id, session: SessionDep, user: Reader) -> VersionDetail:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    kept = report.version_of(session=session, consultation=consultation, report_id=report_id)
    return VersionDetail(**_version(kept).model_dump(), data=ReportOut.model_validate(kept.data))


@router.post("/consultations/{consultation_id}/insights/reports", response_model=VersionOut, status_code=201,
             summary="Generate the report: print the PDF now and keep it as the next version")
def generate_api(consultation_id: Id, body: VersionIn, session: SessionDep, user: Reader, response: Response) -> VersionOut:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    made = actions.generate_report(session=session, actor=user, consultation=consultation,
                                   locale=body.locale if body.locale in LOCALES else "zh_Hans")
    response.headers["Location"] = f"/api/v1/consultations/{consultation_id}/insights/reports/{made.id}"
    return _version(made)
