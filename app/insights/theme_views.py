"""The analysis workspace's first tab: the themes of the comments (issue 16; PAR-05, DP-12), and the summary.

For staff who read insights (analysts, officials, administrators). Every page works without JavaScript
(post → 303 → get; a refusal comes back as the page with the current state and the message, 409 for a stale
version, 422 for a field); with htmx, a form replaces the workspace block in place (a refusal with 200, as htmx
does not swap error statuses). No page shows who wrote a comment: the age band only.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from app.accounts.deps import ReaderPage as Reader
from app.consultations import service as consultations
from app.consultations.deps import WorkedOnPage
from app.consultations.models import Consultation
from app.core import jobs
from app.core.db import Id, SessionDep, form_id
from app.core.errors import Conflict, InvalidInput, NotFound, YimiError, refusal
from app.core.i18n import N_, localised
from app.core.routing import Router
from app.core.templating import NOTICES, is_htmx, redirect, render
from app.insights import actions, themes
from app.insights.models import Audience

router = Router(include_in_schema=False, dependencies=[WorkedOnPage])  # issue 16: the consultation's department

NOTICES.update({
    "themes_suggested": N_("The machine's suggestions are ready. Nothing is a theme until a person accepts it."),
    "theme_saved": N_("Saved."),
    "summary_saved": N_("The summary is saved."),
})
AUDIENCE_LABELS = {Audience.CHILD.value: N_("Children's comments"), Audience.GUARDIAN.value: N_("Guardians' comments (themed apart)")}
BAND_LABELS = {"6-9": "6–9", "10-13": "10–13", "14-17": "14–17"}


async def _read_form(request: Request) -> FormData:
    return await request.form()


Form = Annotated[FormData, Depends(_read_form)]


def _version(values: FormData) -> int:
    """The version the person's page showed: every edit names it (a page without it is refused, never guessed)."""
    found = form_id(values.get("version"))
    if found is None:
        raise InvalidInput(N_("Please use the buttons on the page."))
    return found


def _texts(values: FormData, name: str) -> dict[str, str]:
    return {"zh_Hans": str(values.get(f"{name}_zh", "")), "en": str(values.get(f"{name}_en", ""))}


def _page(request: Request, session: SessionDep, consultation: Consultation, *, status_code: int = 200, **extra: Any) -> Response:
    analysis = actions.open_analysis(session=session, consultation=consultation)  # the analysis row is made on first use

    job = jobs.get(session, analysis.suggestion_job_id) if analysis.suggestion_job_id else None
    context = {
        "consultation": consultation, "current": "themes", "views": themes.workspace(session=session, consultation=consultation),
        "analysis": analysis, "job": job if job is not None and not job.finished else None,
        "audience_labels": AUDIENCE_LABELS, "band_labels": BAND_LABELS, "OTHER": themes.OTHER, "UNSORTED": themes.UNSORTED,
        "max_lengths": {"name": themes.NAME.max, "description": themes.DESCRIPTION.max, "child_words": themes.CHILD_WORDS.max},
        "in_request": actions.IN_REQUEST, **extra,
    }
    if is_htmx(request):
        return render(request, "insights/themes.html", context, block="workspace")
    return render(request, "insights/themes.html", context, status_code=status_code)


def _after(request: Request, session: SessionDep, consultation_id: int, work: Any, *, done: str = "theme_saved", anchor: str = "") -> Response:
    """Run one edit; answer the page again (htmx: its block) or redirect; a refusal shows the current state."""
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    try:
        work(consultation)
    except (InvalidInput, Conflict, NotFound) as exc:
        consultation = consultations.get(session=session, consultation_id=consultation_id)
        refused = refusal(exc)
        if is_htmx(request):
            refused["status_code"] = 200
        return _page(request, session, consultation, **refused)
    if is_htmx(request):
        return _page(request, session, consultation, block_notice=NOTICES[done])
    return redirect(f"/consultations/{consultation_id}/insights?done={done}{anchor}")


@router.get("/consultations/{consultation_id}/insights")
def themes_page(request: Request, consultation_id: Id, session: SessionDep, user: Reader) -> Response:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    return _page(request, session, consultation)


@router.post("/consultations/{consultation_id}/insights/suggest")
def themes_suggest(request: Request, consultation_id: Id, session: SessionDep, user: Reader, values: Form) -> Response:
    audience = str(values.get("audience", Audience.CHILD.value))
    if audience not in (Audience.CHILD.value, Audience.GUARDIAN.value):
        raise InvalidInput(N_("Please use the buttons on the page."))
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    job_id = actions.ask_for_suggestions(session=session, consultation=consultation, audience=audience, actor=user)
    if job_id is not None:  # the job's page follows its progress (htmx: the whole page goes there)
        if is_htmx(request):
            return Response(status_code=204, headers={"HX-Redirect": f"/jobs/{job_id}"})
        return redirect(f"/jobs/{job_id}")
    if is_htmx(request):
        return _page(request, session, consultation, block_notice=NOTICES["themes_suggested"])
    return redirect(f"/consultations/{consultation_id}/insights?done=themes_suggested#{audience}")


@router.post("/consultations/{consultation_id}/insights/themes/{theme_id}/accept")
def theme_accept(request: Request, consultation_id: Id, theme_id: Id, session: SessionDep, user: Reader, values: Form) -> Response:
    return _after(request, session, consultation_id, lambda c: actions.accept_theme(
        session=session, consultation=c, theme_id=theme_id, version=_version(values), actor=user), anchor=f"#theme-{theme_id}")


@router.post("/consultations/{consultation_id}/insights/themes/{theme_id}")
def theme_edit(request: Request, consultation_id: Id, theme_id: Id, session: SessionDep, user: Reader, values: Form) -> Response:
    return _after(request, session, consultation_id, lambda c: actions.edit_theme(
        session=session, consultation=c, theme_id=theme_id, version=_version(values), actor=user, name=_texts(values, "name"),
        description=_texts(values, "description"), child_words=_texts(values, "child_words")), anchor=f"#theme-{theme_id}")


@router.post("/consultations/{consultation_id}/insights/themes/{theme_id}/merge")
def theme_merge(request: Request, consultation_id: Id, theme_id: Id, session: SessionDep, user: Reader, values: Form) -> Response:
    into = form_id(values.get("into"))

    def work(c: Consultation) -> None:
        if into is None:
            raise InvalidInput(N_("Please choose another theme to merge with."))
        actions.merge_themes(session=session, consultation=c, theme_id=theme_id, into_id=into, version=_version(values), actor=user)

    return _after(request, session, consultation_id, work, anchor=f"#theme-{into}")


@router.post("/consultations/{consultation_id}/insights/themes/{theme_id}/split")
def theme_split(request: Request, consultation_id: Id, theme_id: Id, session: SessionDep, user: Reader, values: Form) -> Response:
    picked = [i for i in (form_id(v) for v in values.getlist("comment")) if i is not None]
    return _after(request, session, consultation_id, lambda c: actions.split_theme(
        session=session, consultation=c, theme_id=theme_id, comment_ids=picked, version=_version(values),
        name=_texts(values, "name"), actor=user))


@router.post("/consultations/{consultation_id}/insights/themes/{theme_id}/delete")
def theme_delete(request: Request, consultation_id: Id, theme_id: Id, session: SessionDep, user: Reader, values: Form) -> Response:
    return _after(request, session, consultation_id, lambda c: actions.delete_theme(
        session=session, consultation=c, theme_id=theme_id, version=_version(values), actor=user))


@router.post("/consultations/{consultation_id}/insights/comments/{comment_id}/move")
def comment_move(request: Request, consultation_id: Id, comment_id: Id, session: SessionDep, user: Reader, values: Form) -> Response:
    to = str(values.get("to", "")).strip()
    return _after(request, session, consultation_id, lambda c: actions.move_comment(
        session=session, consultation=c, comment_id=comment_id, to=to, from_place=str(values.get("from", "")),
        version=_version(values), actor=user), anchor=f"#theme-{to}" if to.isdigit() else "")


@router.post("/consultations/{consultation_id}/insights/themes/{theme_id}/quotes")
def theme_quote(request: Request, consultation_id: Id, theme_id: Id, session: SessionDep, user: Reader, values: Form) -> Response:
    comment_id = form_id(values.get("comment"))
    pick = str(values.get("do", "pick")) != "unpick"

    def work(c: Consultation) -> None:
        if comment_id is None:
            raise InvalidInput(N_("Please use the buttons on the page."))
        action = actions.pick_quote if pick else actions.unpick_quote
        action(session=session, consultation=c, theme_id=theme_id, comment_id=comment_id, version=_version(values), actor=user)

    return _after(request, session, consultation_id, work, anchor=f"#theme-{theme_id}")


# ---- the summary -------------------------------------------------------------------------------------------------


def _summary_form(analysis: Any, consultation: Consultation) -> dict[str, str]:
    form = {"summary_zh": analysis.summary.get("zh_Hans", ""), "summary_en": analysis.summary.get("en", ""),
            "version": str(analysis.version)}
    for band in _bands(consultation):
        texts = analysis.child_summary.get(band, {})
        form[f"child_{band}_zh"], form[f"child_{band}_en"] = texts.get("zh_Hans", ""), texts.get("en", "")
    return form


def _bands(consultation: Consultation) -> list[str]:
    return [b for b in themes.BANDS if b in (consultation.age_bands or themes.BANDS)]


def _summary_page(request: Request, session: SessionDep, consultation: Consultation, form: dict[str, str] | None = None,
                  status_code: int = 200, **extra: Any) -> Response:
    analysis = actions.open_analysis(session=session, consultation=consultation)
    return render(request, "insights/summary.html", {
        "consultation": consultation, "current": "themes", "analysis": analysis, "bands": _bands(consultation),
        "band_labels": BAND_LABELS, "form": form or _summary_form(analysis, consultation),
        "max_lengths": {"summary": themes.SUMMARY.max, "child_summary": themes.CHILD_SUMMARY.max}, **extra,
    }, status_code=status_code)


@router.get("/consultations/{consultation_id}/insights/summary")
def summary_page(request: Request, consultation_id: Id, session: SessionDep, user: Reader) -> Response:
    return _summary_page(request, session, consultations.get(session=session, consultation_id=consultation_id))


@router.post("/consultations/{consultation_id}/insights/summary")
def summary_save(request: Request, consultation_id: Id, session: SessionDep, user: Reader, values: Form) -> Response:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    form = {key: str(value) for key, value in values.items() if key != "csrf_token"}
    try:
        actions.save_summary(
            session=session, consultation=consultation, version=_version(values), actor=user, summary=_texts(values, "summary"),
            child_summary={band: _texts(values, f"child_{band}") for band in _bands(consultation)},
        )
    except YimiError as exc:
        consultation = consultations.get(session=session, consultation_id=consultation_id)
        if isinstance(exc, Conflict):  # someone else's version is shown; what this person typed is kept beside it
            analysis = actions.open_analysis(session=session, consultation=consultation)
            return _summary_page(request, session, consultation, yours=form, **refusal(exc),
                                 form=_summary_form(analysis, consultation))
        return _summary_page(request, session, consultation, form=form, **refusal(exc))
    return redirect(f"/consultations/{consultation_id}/insights/summary?done=summary_saved")


@router.get("/consultations/{consultation_id}/insights/summary/preview")
def summary_preview(request: Request, consultation_id: Id, session: SessionDep, user: Reader, band: str = "6-9") -> Response:
    """What a child of `band` would read (falling back to the next older band, as a consultation's brief does)."""
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    if band not in themes.BANDS:
        raise NotFound()
    analysis = actions.open_analysis(session=session, consultation=consultation)
    source, texts = themes.child_summary_for(analysis, band)
    return render(request, "insights/summary_preview.html", {
        "consultation": consultation, "band": band, "source": source, "texts": texts, "band_labels": BAND_LABELS,
        "words": [w for t in themes.themes_of(session=session, consultation=consultation, audience=Audience.CHILD.value)
                  if t.accepted and (w := localised(t.child_words))],
    })
