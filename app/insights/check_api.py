"""The children's check as JSON (issue 16, PAR-06), in the OpenAPI schema.

- Staff (bearer token or session; INSIGHTS_READ, skipping CONSULTATIONS_MANAGE):
  `/api/v1/consultations/{id}/insights/check` (+ `/start`, `/end`, `/skip`). Counts are `app.core.suppression`'s:
  a hidden count is `null` with `…_hidden: true`, never a number under 5 (DP-12). No child is named.
- The child's own session (cookie + X-CSRF-Token, like the child's consultations API), behind the consent
  guard: `/api/v1/me/consultations/{id}/check` (+ `/themes/{theme_id}`, `/missing`). Imports no page."""

from typing import Annotated

from fastapi import Request
from pydantic import BaseModel, Field

from app.accounts.deps import ManagerApi as Manager
from app.accounts.deps import ReaderApi as Reader
from app.consultations import answering
from app.consultations import service as consultations
from app.consultations.deps import ChildApiSession, WorkedOnApi
from app.consultations.models import TEXT_LIMIT, Consultation
from app.core.db import Id, SessionDep
from app.core.i18n import gettext
from app.core.routing import Router
from app.core.suppression import Count
from app.core.validation import ApiIn, ApiInstant
from app.insights import actions, checking
from app.insights.deps import CheckingChild
from app.insights.models import AnalysisState

router = Router(prefix="/api/v1", tags=["insights"])


class CheckedTheme(BaseModel):
    id: int
    name: dict[str, str]
    child_words: dict[str, str]
    answered: int | None = Field(description="children who answered this theme; null where fewer than 5 (hidden)")
    answered_hidden: bool
    yes: int | None = Field(description="“yes, that's what we said”; null where hidden (small cell, or it would reveal one)")
    yes_hidden: bool
    not_quite: int | None = Field(description="“not quite”; null where hidden")
    not_quite_hidden: bool


class MissingComment(BaseModel):
    """An approved “something is missing”: its words and the age band, never who."""

    id: int
    text: str
    age_band: str | None


class CheckOut(BaseModel):
    consultation_id: int
    state: AnalysisState
    version: int = Field(description="send it back with a transition; a newer one means someone saved meanwhile (409)")
    check_started_at: ApiInstant | None
    check_ended_at: ApiInstant | None
    check_skipped_reason: str | None
    can_start: bool
    missing: list[str] = Field(description="what stops “ask the children” now, in words")
    themes: list[CheckedTheme]
    missing_comments: list[MissingComment]


class Transition(ApiIn):
    version: int = Field(description="the version the transition started from (from GET)")


class Skip(Transition):
    reason: checking.SKIP_REASON.api(multiline=True) = Field(description="why the check is skipped; the report prints it")  # type: ignore[valid-type]


def _count(count: Count) -> tuple[int | None, bool]:
    return count.json(), count.hidden


def _out(session: SessionDep, consultation: Consultation) -> CheckOut:
    analysis = checking.state_of(session=session, consultation=consultation)
    missing = checking.missing_for_start(session=session, consultation=consultation)
    themes = []
    for t in checking.tallies(session=session, consultation=consultation):
        (answered, answered_hidden), (yes, yes_hidden), (no, no_hidden) = _count(t.answered), _count(t.yes), _count(t.not_quite)
        themes.append(CheckedTheme(id=t.theme.id, name=t.theme.name, child_words=t.theme.child_words,  # type: ignore[arg-type]
                                   answered=answered, answered_hidden=answered_hidden, yes=yes, yes_hidden=yes_hidden,
                                   not_quite=no, not_quite_hidden=no_hidden))
    return CheckOut(
        consultation_id=consultation.id, state=AnalysisState(analysis.state), version=analysis.version,  # type: ignore[arg-type]
        check_started_at=analysis.check_started_at, check_ended_at=analysis.check_ended_at,
        check_skipped_reason=analysis.check_skipped_reason,
        can_start=analysis.state == AnalysisState.WORKING.value and not missing,
        missing=[gettext(checking.MISSING_WORDS[m]) for m in missing], themes=themes,
        missing_comments=[MissingComment(id=c.id, text=c.text, age_band=c.age_band)
                          for c in checking.missing_comments(session=session, consultation=consultation)],
    )


@router.get("/consultations/{consultation_id}/insights/check", dependencies=[WorkedOnApi], response_model=CheckOut,
            summary="The children's check of the themes: its state and what children said (small counts hidden)")
def check_read(consultation_id: Id, session: SessionDep, user: Reader) -> CheckOut:
    return _out(session, consultations.get(session=session, consultation_id=consultation_id))


@router.post("/consultations/{consultation_id}/insights/check/start", dependencies=[WorkedOnApi], response_model=CheckOut,
             summary="Ask the children who took part to check the themes (the consultation closed, a theme in child words)")
def check_start(consultation_id: Id, data: Transition, session: SessionDep, user: Reader) -> CheckOut:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    actions.start_check(session=session, actor=user, consultation=consultation, version=data.version)
    return _out(session, consultation)


@router.post("/consultations/{consultation_id}/insights/check/end", dependencies=[WorkedOnApi], response_model=CheckOut, summary="End the children's check")
def check_end(consultation_id: Id, data: Transition, session: SessionDep, user: Reader) -> CheckOut:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    actions.end_check(session=session, actor=user, consultation=consultation, version=data.version)
    return _out(session, consultation)


@router.post("/consultations/{consultation_id}/insights/check/skip", dependencies=[WorkedOnApi], response_model=CheckOut,
             summary="Skip the children's check, with a reason the report prints (officials)")
def check_skip(consultation_id: Id, data: Skip, session: SessionDep, user: Manager) -> CheckOut:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    actions.skip_check(session=session, actor=user, consultation=consultation, version=data.version, reason=data.reason)
    return _out(session, consultation)


# ---- the child's own ------------------------------------------------------------------------------------


class ChildTheme(BaseModel):
    id: int
    child_words: dict[str, str]
    agrees: bool | None = Field(description="the child's own answer: true “yes, that's what we said”, false “not quite”, null not yet")


class ChildCheck(BaseModel):
    consultation_id: int
    title: dict[str, str]
    themes: list[ChildTheme]
    missing_text: str | None = Field(description="the child's own “something is missing”, whatever its state")
    missing_status: str | None


class ThemeAnswer(ApiIn):
    agrees: bool


class MissingIn(ApiIn):
    text: Annotated[str, Field(min_length=1, max_length=TEXT_LIMIT)]


class MissingSent(BaseModel):
    told_a_grown_up: bool = Field(description="the words went to a safeguarding officer: show the calm screen")


def _child_out(session: SessionDep, child, consultation: Consultation) -> ChildCheck:  # noqa: ANN001
    answers = checking.answers_of(session=session, child=child, consultation=consultation)
    mine = answering.consultation_comment_of(session=session, child=child, consultation=consultation)
    return ChildCheck(
        consultation_id=consultation.id, title=consultation.title,  # type: ignore[arg-type]
        themes=[ChildTheme(id=t.id, child_words=t.child_words, agrees=answers.get(t.id))  # type: ignore[arg-type]
                for t in checking.checkable_themes(session=session, consultation=consultation)],
        missing_text=mine.text if mine else None, missing_status=mine.status if mine else None,
    )


@router.get("/me/consultations/{consultation_id}/check", response_model=ChildCheck,
            summary="The child's check of the themes (“did we understand you?”), with their own answers")
def child_check(consultation_id: Id, session: SessionDep, _session: ChildApiSession, child: CheckingChild) -> ChildCheck:
    consultation = checking.for_child_to_check(session=session, child=child, consultation_id=consultation_id)
    return _child_out(session, child, consultation)


@router.put("/me/consultations/{consultation_id}/check/themes/{theme_id}", response_model=ChildCheck,
            summary="The child's answer to one theme (a second answer changes it; a retry counts once)")
def child_check_theme(
    consultation_id: Id, theme_id: Id, data: ThemeAnswer, session: SessionDep, _session: ChildApiSession, child: CheckingChild,
) -> ChildCheck:
    consultation = checking.for_child_to_check(session=session, child=child, consultation_id=consultation_id)
    actions.check_theme(session=session, child=child, consultation=consultation, theme_id=theme_id, agrees=data.agrees)
    return _child_out(session, child, consultation)


@router.post("/me/consultations/{consultation_id}/check/missing", response_model=MissingSent,
             summary="“Something is missing”: held for moderation like any comment")
def child_check_missing(
    request: Request, consultation_id: Id, data: MissingIn, session: SessionDep, _session: ChildApiSession, child: CheckingChild,
) -> MissingSent:
    consultation = checking.for_child_to_check(session=session, child=child, consultation_id=consultation_id)
    told = actions.send_missing(session=session, child=child, consultation=consultation, text=data.text,
                                on_tablet=request.state.child_session.group_session_id is not None)
    return MissingSent(told_a_grown_up=told)
