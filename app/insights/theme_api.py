"""JSON API of the themes of a consultation's comments, under /api/v1/consultations/{id}/insights (issue 16), for
staff tokens that read insights. Every edit names the `version` it started from; a stale one answers 409
(`edited-meanwhile`). Authors appear by age band only."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Response, status
from pydantic import BaseModel, Field

from app.accounts.deps import ReaderApi as Reader
from app.consultations import service as consultations
from app.consultations.deps import WorkedOnApi
from app.core import jobs
from app.core.db import Id, SessionDep
from app.core.routing import Router
from app.core.validation import ApiIn, locales
from app.insights import actions, themes
from app.insights.models import Audience

router = Router(prefix="/api/v1", tags=["insights"], dependencies=[WorkedOnApi])  # issue 16: the consultation's department

NameTexts = locales("ThemeName", themes.NAME, required=True)
NewNameTexts = locales("NewThemeName", themes.NAME)
DescriptionTexts = locales("ThemeDescription", themes.DESCRIPTION)
ChildWordsTexts = locales("ThemeChildWords", themes.CHILD_WORDS)
SummaryTexts = locales("AnalysisSummary", themes.SUMMARY, multiline=True)
ChildSummaryTexts = locales("AnalysisChildSummary", themes.CHILD_SUMMARY, multiline=True)
Version = Annotated[int, Field(ge=1, description="The version the edit started from (as read)")]



class CountOut(BaseModel):
    """A count of children: `value` is null where it is fewer than five (app.core.suppression)."""

    value: int | None
    hidden: bool


class CommentOut(BaseModel):
    id: int
    text: str
    age_band: str | None
    quotable: bool
    quoted: bool
    central: bool
    placed_by_person: bool


class QuoteOut(BaseModel):
    comment_id: int
    text: str
    age_band: str | None
    audience: str


class ThemeOut(BaseModel):
    id: int
    audience: str
    accepted: bool
    version: int
    name: dict[str, str]
    description: dict[str, str]
    child_words: dict[str, str]
    keywords: list[str]
    size: CountOut
    by_band: dict[str, CountOut]
    comments: list[CommentOut]
    quotes: list[QuoteOut]


class AudienceOut(BaseModel):
    audience: str
    total: int
    sorted: int = Field(description="Comments in a theme or marked other")
    in_accepted_themes: int = Field(description="Comments in themes a person accepted")
    other: list[CommentOut]
    unsorted: list[CommentOut]
    themes: list[ThemeOut]


class WorkspaceOut(BaseModel):
    consultation_id: int
    analysis_version: int
    suggestion_job_id: int | None
    audiences: list[AudienceOut]


class SuggestIn(ApiIn):
    audience: Audience = Field(default=Audience.CHILD, strict=False)


class SuggestOut(BaseModel):
    job_id: int | None = Field(description="Set when the suggestions are made by a worker (follow /api/v1/jobs/{id})")
    workspace: WorkspaceOut | None


class VersionIn(ApiIn):
    version: Version


class ThemeTextsIn(ApiIn):
    version: Version
    name: NameTexts  # type: ignore[valid-type]
    description: DescriptionTexts = {}  # type: ignore[valid-type]
    child_words: ChildWordsTexts = {}  # type: ignore[valid-type]


class MergeIn(ApiIn):
    version: Version
    into_id: Id
    into_version: Version | None = None


class SplitIn(ApiIn):
    version: Version
    comment_ids: list[Id] = Field(min_length=1, max_length=5000)
    name: NewNameTexts = {}  # type: ignore[valid-type]


class MoveIn(ApiIn):
    to: str = Field(pattern=r"^(other|unsorted|[1-9][0-9]{0,9})$", description="A theme's id, `other` or `unsorted`")
    from_place: str = Field(pattern=r"^(other|unsorted|[1-9][0-9]{0,9})$", description="Where the comment was when read")
    version: Version | None = Field(default=None, description="The version of the theme it is in (required when it is in one)")


class QuoteIn(ApiIn):
    version: Version
    comment_id: Id


class SummaryIn(ApiIn):
    version: Version
    summary: SummaryTexts = {}  # type: ignore[valid-type]
    child_summary: dict[Literal["6-9", "10-13", "14-17"], ChildSummaryTexts] = {}  # type: ignore[valid-type]


class SummaryOut(BaseModel):
    version: int
    summary: dict[str, str]
    child_summary: dict[str, dict[str, str]]


def _count(count: themes.Count) -> CountOut:
    return CountOut(value=count.value, hidden=count.hidden)


def _comment(c: themes.ShownComment) -> CommentOut:
    return CommentOut(id=c.id, text=c.text, age_band=c.age_band, quotable=c.quotable, quoted=c.quoted, central=c.central,
                      placed_by_person=c.placed_by_person)


def _workspace(session: SessionDep, consultation_id: int) -> WorkspaceOut:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    analysis = actions.open_analysis(session=session, consultation=consultation)
    job = jobs.get(session, analysis.suggestion_job_id) if analysis.suggestion_job_id else None
    views = themes.workspace(session=session, consultation=consultation)
    return WorkspaceOut(
        consultation_id=consultation_id, analysis_version=analysis.version,
        suggestion_job_id=job.id if job is not None and not job.finished else None,
        audiences=[AudienceOut(
            audience=v.audience, total=v.total, sorted=v.sorted_count, in_accepted_themes=v.in_accepted, other=[_comment(c) for c in v.other],
            unsorted=[_comment(c) for c in v.unsorted],
            themes=[ThemeOut(
                id=tv.theme.id, audience=tv.theme.audience, accepted=tv.theme.accepted, version=tv.theme.version,  # type: ignore[arg-type]
                name=tv.theme.name, description=tv.theme.description, child_words=tv.theme.child_words, keywords=tv.theme.keywords,
                size=_count(tv.size), by_band={b: _count(c) for b, c in tv.by_band.items()}, comments=[_comment(c) for c in tv.comments],
                quotes=[QuoteOut(comment_id=q.comment_id, text=q.text, age_band=q.age_band, audience=q.audience) for q in tv.quotes],
            ) for tv in v.themes],
        ) for v in views.values()],
    )


BASE = "/consultations/{consultation_id}/insights"


@router.get(BASE + "/themes", response_model=WorkspaceOut, summary="The themes of the comments, coverage and quotes")
def themes_get(consultation_id: Id, session: SessionDep, user: Reader) -> WorkspaceOut:
    return _workspace(session, consultation_id)


@router.post(BASE + "/theme-suggestions", response_model=SuggestOut, summary="Ask the machine to suggest themes")
def themes_suggest(consultation_id: Id, data: SuggestIn, session: SessionDep, user: Reader, response: Response) -> SuggestOut:
    """Replaces only suggestions nobody accepted; never moves a comment a person placed. Many comments: a job."""
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    job_id = actions.ask_for_suggestions(session=session, consultation=consultation, audience=data.audience.value, actor=user)
    if job_id is not None:
        response.status_code = status.HTTP_202_ACCEPTED
        return SuggestOut(job_id=job_id, workspace=None)
    return SuggestOut(job_id=None, workspace=_workspace(session, consultation_id))


@router.post(BASE + "/themes/{theme_id}/accept", response_model=WorkspaceOut, summary="Accept a suggested theme")
def theme_accept(consultation_id: Id, theme_id: Id, data: VersionIn, session: SessionDep, user: Reader) -> WorkspaceOut:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    actions.accept_theme(session=session, consultation=consultation, theme_id=theme_id, version=data.version, actor=user)
    return _workspace(session, consultation_id)


@router.put(BASE + "/themes/{theme_id}", response_model=WorkspaceOut, summary="Name, describe and word a theme for children")
def theme_edit(consultation_id: Id, theme_id: Id, data: ThemeTextsIn, session: SessionDep, user: Reader) -> WorkspaceOut:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    actions.edit_theme(session=session, consultation=consultation, theme_id=theme_id, version=data.version, actor=user,
                       name=dict(data.name), description=dict(data.description), child_words=dict(data.child_words))
    return _workspace(session, consultation_id)


@router.post(BASE + "/themes/{theme_id}/merge", response_model=WorkspaceOut, summary="Merge a theme into another")
def theme_merge(consultation_id: Id, theme_id: Id, data: MergeIn, session: SessionDep, user: Reader) -> WorkspaceOut:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    actions.merge_themes(session=session, consultation=consultation, theme_id=theme_id, into_id=data.into_id, version=data.version,
                         into_version=data.into_version, actor=user)
    return _workspace(session, consultation_id)


@router.post(BASE + "/themes/{theme_id}/split", response_model=WorkspaceOut, status_code=status.HTTP_201_CREATED,
             summary="Pick comments out of a theme into a new one")
def theme_split(consultation_id: Id, theme_id: Id, data: SplitIn, session: SessionDep, user: Reader) -> WorkspaceOut:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    actions.split_theme(session=session, consultation=consultation, theme_id=theme_id, comment_ids=data.comment_ids,
                        version=data.version, name=dict(data.name), actor=user)
    return _workspace(session, consultation_id)


@router.delete(BASE + "/themes/{theme_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a theme (its comments become unsorted)")
def theme_delete(consultation_id: Id, theme_id: Id, version: Version, session: SessionDep, user: Reader) -> Response:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    actions.delete_theme(session=session, consultation=consultation, theme_id=theme_id, version=version, actor=user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(BASE + "/comments/{comment_id}/move", response_model=WorkspaceOut, summary="Move a comment to a theme, other or unsorted")
def comment_move(consultation_id: Id, comment_id: Id, data: MoveIn, session: SessionDep, user: Reader) -> WorkspaceOut:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    actions.move_comment(session=session, consultation=consultation, comment_id=comment_id, to=data.to, from_place=data.from_place,
                         version=data.version, actor=user)
    return _workspace(session, consultation_id)


@router.post(BASE + "/themes/{theme_id}/quotes", response_model=WorkspaceOut, summary="Pick a comment as a quote of its theme")
def quote_pick(consultation_id: Id, theme_id: Id, data: QuoteIn, session: SessionDep, user: Reader) -> WorkspaceOut:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    actions.pick_quote(session=session, consultation=consultation, theme_id=theme_id, comment_id=data.comment_id, version=data.version, actor=user)
    return _workspace(session, consultation_id)


@router.delete(BASE + "/themes/{theme_id}/quotes/{comment_id}", response_model=WorkspaceOut, summary="Remove a quote")
def quote_unpick(consultation_id: Id, theme_id: Id, comment_id: Id, version: Version, session: SessionDep, user: Reader) -> WorkspaceOut:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    actions.unpick_quote(session=session, consultation=consultation, theme_id=theme_id, comment_id=comment_id, version=version, actor=user)
    return _workspace(session, consultation_id)


@router.get(BASE + "/summary", response_model=SummaryOut, summary="The summary, for adults and per age band for children")
def summary_get(consultation_id: Id, session: SessionDep, user: Reader) -> SummaryOut:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    analysis = actions.open_analysis(session=session, consultation=consultation)
    return SummaryOut(version=analysis.version, summary=analysis.summary, child_summary=analysis.child_summary)


@router.put(BASE + "/summary", response_model=SummaryOut, summary="Write the summary")
def summary_put(consultation_id: Id, data: SummaryIn, session: SessionDep, user: Reader) -> SummaryOut:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    analysis = actions.save_summary(session=session, consultation=consultation, version=data.version, actor=user,
                                    summary=dict(data.summary), child_summary={k: dict(v) for k, v in data.child_summary.items()})
    return SummaryOut(version=analysis.version, summary=analysis.summary, child_summary=analysis.child_summary)
