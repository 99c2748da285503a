"""The public "You said, we did" (说到做到; issue 17): a page for anyone, no sign-in, that works without JavaScript
and prints well; one consultation's page; an Atom feed. Nothing on them can identify a child: counts of children
go through app.core.suppression, quotes only with QUOTE consent, by age band."""

import datetime as dt
from xml.sax.saxutils import escape

from fastapi import Request
from fastapi.responses import Response

from app.consultations.charts import BAND_WORDS
from app.core.db import Id, SessionDep, utcnow
from app.core.i18n import gettext, localised
from app.core.routing import Router
from app.core.templating import render
from app.responses import public
from app.responses.public import Filter

router = Router(include_in_schema=False)

PATH = "/said-and-done"


def _district(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


def _filters(request: Request) -> tuple[str | None, int | None, str | None]:
    values = request.query_params
    topic = values.get("topic") or None
    state = values.get("state") or None
    return (topic[:60] if topic else None), _district(values.get("district")), (state if state in {f.value for f in Filter} else None)


@router.get(PATH)
def said_and_done(request: Request, session: SessionDep) -> Response:
    """Every consultation with a published response or a passed response date, with filters (a GET form)."""
    topic, district, state = _filters(request)
    entries = public.listing(session=session, topic=topic, district_id=district, state=state)
    return render(request, "responses/public/list.html", {
        "entries": entries, "topic": topic, "district": district, "state": state,
        "topics": public.topic_choices(), "districts": public.district_choices(session),
        "states": [(Filter.PUBLISHED.value, public.STATE_WORDS["published"]), (Filter.OVERDUE.value, public.STATE_WORDS["overdue"])],
        "band_words": BAND_WORDS, "single": False,
    })


@router.get(PATH + "/feed.atom")
def feed(request: Request, session: SessionDep) -> Response:
    """An Atom feed (RFC 4287) of the public page: one entry per consultation, updated when its response is
    published, corrected or a commitment changes, or when it becomes overdue. Counts suppressed; no child data."""
    entries = public.listing(session=session, with_quotes=False)
    base = str(request.base_url).rstrip("/")
    updated = max([e.changed_at for e in entries if e.changed_at] or [utcnow()])
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{escape(gettext('You said, we did'))}</title>",
        f"<subtitle>{escape(gettext('What the city did with what children said'))}</subtitle>",
        f'<link rel="self" type="application/atom+xml" href="{escape(base + PATH)}/feed.atom"/>',
        f'<link rel="alternate" type="text/html" href="{escape(base + PATH)}"/>',
        f"<id>{escape(base + PATH)}</id>",
        f"<updated>{_iso(updated)}</updated>",
        f"<author><name>{escape(gettext('Yimi'))}</name></author>",
    ]
    for e in entries:
        url = f"{base}{PATH}/{e.id}"
        lines = [gettext("Children who took part: %(count)s", count=str(e.took_part))]
        if e.overdue_since:
            lines.append(gettext("Response overdue since %(date)s", date=e.overdue_since.isoformat()))
        if e.updated_at:
            lines.append(gettext("Updated on %(date)s", date=e.updated_at.date().isoformat()))
        for r in e.responses:
            lines.append(f"{r.subject} ({gettext('children: %(count)s', count=str(r.size))}): {r.outcome_label}")
        for c in e.commitments:
            lines.append(f"{c.action}: {c.status_label}")
        summary = "\n".join(lines)
        parts += [
            "<entry>",
            f"<title>{escape(e.title)}</title>",
            f'<link rel="alternate" type="text/html" href="{escape(url)}"/>',
            f"<id>{escape(url)}</id>",
            f"<updated>{_iso(e.changed_at or updated)}</updated>",
            *([f"<published>{_iso(e.published_at)}</published>"] if e.published_at else []),
            f'<category term="{escape(e.topic)}" label="{escape(e.topic_label)}"/>' if e.topic else "",
            f'<summary type="text">{escape(summary)}</summary>',
            "</entry>",
        ]
    parts.append("</feed>")
    return Response("\n".join(p for p in parts if p), media_type="application/atom+xml; charset=utf-8")


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@router.get(PATH + "/{consultation_id}")
def said_and_done_one(request: Request, consultation_id: Id, session: SessionDep) -> Response:
    entry = public.one(session=session, consultation_id=consultation_id)
    return render(request, "responses/public/one.html", {"entry": entry, "band_words": BAND_WORDS, "single": True,
                                                          "title": localised(entry.consultation.title)})
