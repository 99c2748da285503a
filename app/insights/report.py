"""The report a decision-maker reads (issue 16; PAR-05…PAR-09, DP-12): what `build` gathers is the whole of what
the report shows, as plain JSON (a count is an int, or None where hidden by `app.core.suppression`), so the
page, the PDF, the CSV files and the API show the same numbers, and a generated version keeps exactly the counts
it printed (`Report.data`), unchanged by a later erasure.

- The Lundy facts (what it feeds, who decides, what could change, the response date).
- Method and reach, every closed question's results (`app.insights.results`).
- The themes with their sizes, descriptions and the quotes that may be shown *today* (`service.quotable_ids`).
- The children's check per theme, or the reason it was skipped.
- Moderation counts: received, shown, not shown by reason (children's and guardians' apart).

Nothing in it names a child, a nickname, a group or a receipt code: quotes carry an age band only.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from sqlmodel import Session, col, func, select

from app.consultations import comments as consultation_comments
from app.consultations.models import CHANNEL_LABELS, Channel, Consultation
from app.core import suppression
from app.core.db import utcnow
from app.core.errors import NotFound, YimiError
from app.core.i18n import HTML_LANG, N_, gettext, localised, set_locale
from app.core.templating import environment
from app.corps.models import District
from app.insights import checking, results, service
from app.insights import themes as themes_service
from app.insights.models import (
    ANALYSIS_STATE_LABELS,
    Analysis,
    AnalysisState,
    Audience,
    Report,
    Theme,
    ThemeComment,
)
from app.media import service as media
from app.moderation import service as moderation
from app.moderation.models import REASON_LABELS, Reason

AUDIENCE_LABELS = {Audience.CHILD.value: N_("Children's comments"), Audience.GUARDIAN.value: N_("Guardians' comments (counted apart)")}


def _n(count: suppression.Count) -> int | None:
    return count.value


def lundy(consultation: Consultation) -> dict[str, Any]:
    return {
        "id": consultation.id, "title": dict(consultation.title), "decision": dict(consultation.decision),
        "decider_body": dict(consultation.decider_body), "decider_role": dict(consultation.decider_role),
        "can_change": dict(consultation.can_change), "cannot_change": dict(consultation.cannot_change),
        "respond_by": consultation.respond_by.isoformat() if consultation.respond_by else None,
        "opens_at": consultation.opens_at.isoformat() if consultation.opens_at else None,
        "closes_at": (consultation.closed_at or consultation.closes_at).isoformat() if (consultation.closed_at or consultation.closes_at) else None,
    }


def themes(*, session: Session, consultation: Consultation) -> dict[str, Any]:
    """Themes with their sizes (comments, by age band), descriptions, quotes quotable now and the check."""
    analysed = {c.id: c for c in service.analysable_comments(session=session, consultation=consultation)}
    placed = session.exec(select(ThemeComment).where(ThemeComment.consultation_id == consultation.id)).all()
    members: dict[int, list[int]] = defaultdict(list)
    for row in placed:
        if row.comment_id in analysed and row.theme_id is not None:
            members[row.theme_id].append(row.comment_id)
    found = session.exec(
        select(Theme).where(Theme.consultation_id == consultation.id).order_by(col(Theme.audience), col(Theme.position), col(Theme.id))
    ).all()
    # The one rule for each: quotes shown today (themes.quotes_of: consent, still in the theme) and the
    # children's check (checking.tallies: only children still taking part), never a second reading.
    shown_quotes = themes_service.quotes_of(session, consultation)
    said = {tally.theme.id: tally for tally in checking.tallies(session=session, consultation=consultation)}
    items = []
    for theme in found:
        ids = members.get(theme.id, [])  # type: ignore[arg-type]
        size = suppression.total(len(ids))
        bands = Counter(analysed[i].age_band for i in ids)
        by_band = suppression.cells({band: bands.get(band, 0) for band in consultation.age_bands}, of=len(ids))
        if size.hidden:
            by_band = {band: suppression.Count(None) for band in by_band}
        tally = said.get(theme.id)  # type: ignore[arg-type]
        check = ({"agreed": tally.yes, "not_quite": tally.not_quite} if tally is not None
                 else {"agreed": suppression.Count(None), "not_quite": suppression.Count(None)})
        quotes = [{"text": q.text, "age_band": q.age_band, "audience": q.audience} for q in shown_quotes.get(theme.id, [])]  # type: ignore[arg-type]
        items.append({
            "id": theme.id, "audience": theme.audience, "name": dict(theme.name), "description": dict(theme.description),
            "size": _n(size), "by_band": [{"key": b, "label": results._band_label(b), "count": _n(c)} for b, c in by_band.items()],
            "check": {k: _n(v) for k, v in check.items()}, "quotes": quotes,
        })
    themed = sum(len(v) for v in members.values())
    return {"items": items, "in_a_theme": _n(suppression.total(themed)), "comments": _n(suppression.total(len(analysed)))}


def check(*, session: Session, consultation: Consultation) -> dict[str, Any]:
    """The state of the analysis and the reason the children's check was skipped (read only: a report never
    makes the analysis; none yet reads as "sorting comments into themes")."""
    analysis = session.exec(select(Analysis).where(Analysis.consultation_id == consultation.id)).first()
    state = AnalysisState(analysis.state) if analysis is not None else AnalysisState.WORKING
    return {"state": state.value, "state_label": results.both(ANALYSIS_STATE_LABELS[state]),
            "skipped_reason": analysis.check_skipped_reason if analysis is not None else None}


def moderation_counts(*, session: Session, consultation: Consultation) -> dict[str, Any]:
    """Received / shown / not shown by reason, children's and guardians' apart (the transparency report's
    counts, through the one small-cell rule)."""
    report = moderation.transparency(session=session, kind=consultation_comments.COMMENT, scope_id=consultation.id)  # type: ignore[arg-type]
    found = {}
    for audience, counts in report.items():
        states = suppression.cells({"waiting": counts.waiting, "shown": counts.approved + counts.changed, "not_shown": counts.not_shown},
                                   of=counts.received)
        reasons = suppression.cells(counts.not_shown_by_reason, of=counts.not_shown)
        if states["not_shown"].hidden:
            reasons = {k: suppression.Count(None) for k in reasons}
        labels = {r.value: results.both(REASON_LABELS[r]) for r in Reason} | {"other": results.both(N_("Other (passed to safeguarding)"))}
        found[audience] = {
            "received": _n(suppression.total(counts.received)), **{k: _n(v) for k, v in states.items()},
            "by_reason": [{"key": k, "label": labels.get(k, {"zh_Hans": k, "en": k}), "count": _n(v)} for k, v in reasons.items()],
        }
    return found


QUOTED = "quoted_comment_ids"


class VersionWithdrawn(YimiError):
    """A kept version withdrawn because it quoted a child who withdrew QUOTE consent or was erased."""

    status_code = 410
    title = N_("This version was withdrawn")
    detail = N_("It quoted a child whose permission to be quoted was withdrawn. A new version without the quote "
                "replaces it; its counts are kept on the report page.")
    slug = "report-version-withdrawn"


def build(*, session: Session, consultation: Consultation) -> dict[str, Any]:
    """Everything the report shows, as it may be shown (JSON: kept as a version's `data`)."""
    return {
        "consultation": lundy(consultation),
        "results": results.build(session=session, consultation=consultation),
        "themes": themes(session=session, consultation=consultation),
        "check": check(session=session, consultation=consultation),
        "moderation": moderation_counts(session=session, consultation=consultation),
        "audiences": {k: results.both(v) for k, v in AUDIENCE_LABELS.items()},
        "as_of": utcnow().isoformat(timespec="seconds"),
        # Kept with a version, never shown: which comments it quotes, so that a version is withdrawn when one of
        # their authors withdraws QUOTE consent or is erased (`withdraw_quoting`).
        QUOTED: sorted(q.comment_id for found in themes_service.quotes_of(session, consultation).values() for q in found),
    }


def versions(*, session: Session, consultation: Consultation) -> list[Report]:
    return list(session.exec(
        select(Report).where(Report.consultation_id == consultation.id).order_by(col(Report.number).desc(), col(Report.locale))
    ).all())


def version_of(*, session: Session, consultation: Consultation, report_id: int) -> Report:
    found = session.get(Report, report_id)
    if found is None or found.consultation_id != consultation.id:
        raise NotFound()
    return found


def next_number(*, session: Session, consultation: Consultation) -> int:
    latest = session.exec(select(func.max(Report.number)).where(Report.consultation_id == consultation.id)).one()
    return (latest or 0) + 1


def printed(data: dict[str, Any], locale: str) -> str:
    """The report as a whole HTML document for print (the PDF), in `locale`, from `data` alone."""
    import contextvars

    def render() -> str:
        set_locale(locale)
        return environment().get_template("insights/report_print.html").render(page_context(data, locale))

    return contextvars.copy_context().run(render)


def page_context(data: dict[str, Any], locale: str) -> dict[str, Any]:
    """What the report's templates read: the data, and how a hidden count reads."""
    import datetime as dt

    return {"data": data, "hidden": suppression.HIDDEN, "report_locale": locale, "report_lang": HTML_LANG.get(locale, "zh-Hans"),
            "as_of": dt.datetime.fromisoformat(data["as_of"]), "respond_by": data["consultation"]["respond_by"]}


# ---- CSV: the same counts as the page ("< 5" where hidden), UTF-8 with a BOM so Excel reads Chinese ----------


def _csv(rows: list[list[Any]]) -> bytes:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(v: int | None) -> str:
    return suppression.HIDDEN if v is None else str(v)


def results_csv(data: dict[str, Any]) -> bytes:
    """One row per question × answer × (overall, or a band / district / group kind / channel)."""
    rows: list[list[Any]] = [[gettext("Question"), gettext("Answer"), gettext("Broken down by"), gettext("Group"),
                              gettext("Children"), gettext("Mean place")]]
    res = data["results"]
    for q in res["questions"]:
        for o in q["options"]:
            rows.append([localised(q["prompt"]), localised(o["label"]), gettext("All"), "", _cell(o["count"]),
                         o.get("mean_rank") if o.get("mean_rank") is not None else ""])
        for dim in res["dimensions"]:
            table = q["breakdowns"][dim["key"]]
            for o in q["options"]:
                for column, v in zip(table["columns"], table["cells"][o["key"]], strict=True):
                    rows.append([localised(q["prompt"]), localised(o["label"]), localised(dim["label"]), localised(column["label"]), _cell(v), ""])
    return _csv(rows)


def themes_csv(data: dict[str, Any]) -> bytes:
    bands = [b["label"] for b in (data["themes"]["items"][0]["by_band"] if data["themes"]["items"] else [])]
    rows: list[list[Any]] = [[gettext("Theme"), gettext("Whose comments"), gettext("Description"), gettext("Comments"),
                              *[localised(b) for b in bands], gettext("Yes, that's what we said"), gettext("Not quite")]]
    for t in data["themes"]["items"]:
        rows.append([localised(t["name"]), localised(data["audiences"][t["audience"]]), localised(t["description"]), _cell(t["size"]),
                     *[_cell(b["count"]) for b in t["by_band"]], _cell(t["check"]["agreed"]), _cell(t["check"]["not_quite"])])
    return _csv(rows)


def comments_csv(*, session: Session, consultation: Consultation) -> bytes:
    """One row per shown (approved) comment: its words as published, its theme, age band, district and channel;
    never a nickname, an id or a group name."""

    analysed = service.analysable_comments(session=session, consultation=consultation)
    placed = {row.comment_id: row.theme_id for row in session.exec(select(ThemeComment).where(ThemeComment.consultation_id == consultation.id))}
    names = {t.id: localised(t.name) for t in session.exec(select(Theme).where(Theme.consultation_id == consultation.id))}
    districts = {d.id: d.label for d in session.exec(select(District))}
    rows: list[list[Any]] = [[gettext("Comment"), gettext("Whose comment"), gettext("Theme"), gettext("Age band"), gettext("District"), gettext("Channel")]]
    for c in analysed:
        theme_id = placed.get(c.id, -1)
        theme = names.get(theme_id, "") if theme_id not in (None, -1) else (gettext("Other") if theme_id is None else "")
        channel = gettext(CHANNEL_LABELS[Channel(c.channel)]) if c.channel in {ch.value for ch in Channel} else c.channel
        rows.append([c.text, gettext("Child") if c.audience == "child" else gettext("Guardian"), theme,
                     (c.age_band or "").replace("-", "–"), districts.get(c.district_id, "") if c.district_id else "", channel])
    return _csv(rows)


# ---- a kept version whose quote may no longer be shown (CON-03, CON-07, DP-12) ---------------------------


def withdraw_quoting(*, session: Session, comment_ids: set[int], now: dt.datetime | None = None) -> list[Report]:
    """The kept versions that quote any of `comment_ids` (an author withdrew QUOTE consent, or is being erased)
    are withdrawn: the file is deleted once the transaction commits, the row keeps its number, SHA-256, who made
    it when, and its counts with the quotes taken out, so what was read can still be shown without the words.
    Returns them; the caller regenerates each as a new version (issue 16: "a regenerated report is a new
    version")."""
    if not comment_ids:
        return []
    found = []
    for kept in session.exec(select(Report).where(col(Report.withdrawn_at).is_(None))).all():
        if not comment_ids & set(kept.data.get(QUOTED, [])):
            continue
        file_id, kept.file_id = kept.file_id, None
        kept.withdrawn_at = now or utcnow()
        data = dict(kept.data)
        data["themes"] = {**data.get("themes", {}), "items": [
            {**item, "quotes": []} for item in data.get("themes", {}).get("items", [])]}
        data[QUOTED] = []
        kept.data = data
        session.add(kept)
        session.flush()
        if file_id is not None:
            media.delete(session, file_id)
        found.append(kept)
    return found

