"""The public "You said, we did" (issue 17; PAR-07, PAR-09): published and overdue responses for anyone, as a page,
an Atom feed and JSON; every count under five shows as "< 5"; quotes only with QUOTE consent, by age band."""

import datetime as dt
import xml.etree.ElementTree as ET

from sqlmodel import Session, select

from app.consent import actions as consent_actions
from app.consent import service as consent
from app.consent.models import DecidedBy, Decision, Guardian, Guardianship, Purpose
from app.consultations.models import Comment
from app.core.db import city_today, utcnow
from app.insights.models import Quote, Theme
from tests.consultations.helpers import open_consultation, signed_in_taking_part
from tests.responses.hearing_helpers import answer, change_status, close, commitment, publish, snapshot
from tests.responses.test_hearing import _approve

ATOM = "{http://www.w3.org/2005/Atom}"


def _published(client, session: Session, *, size: int = 2, text: str | None = None, **data):  # noqa: ANN001, ANN003, ANN202
    room, child = signed_in_taking_part(client, session, size=size)
    consultation = open_consultation(session, **data)
    for other, _code in room.children:
        answer(session, other, consultation, text=text)
    close(session, consultation)
    return room, child, consultation


def test_a_small_consultation_shows_every_count_under_five_as_hidden_on_the_page_the_feed_and_the_api(client, session):
    """DP-12, PAR-05: two children took part, one theme of 3: "< 5" everywhere; a theme of 12 is shown."""
    _room, _child, consultation = _published(client, session, size=2)
    publish(session, consultation)
    page = client.get("/said-and-done")
    assert page.status_code == 200
    assert "New play area at Green Lake Park" in page.text
    assert "Children who took part</dt><dd>&lt; 5</dd>" in page.text
    assert "<td>&lt; 5</td>" in page.text and "<td>12</td>" in page.text  # the themes' sizes
    assert "<td>2</td>" not in page.text and "<td>3</td>" not in page.text

    feed = client.get("/said-and-done/feed.atom")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(feed.content)
    assert root.tag == f"{ATOM}feed" and root.find(f"{ATOM}id") is not None and root.find(f"{ATOM}updated") is not None
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 1
    entry = entries[0]
    for child_tag in ("title", "id", "updated", "link", "summary"):
        assert entry.find(f"{ATOM}{child_tag}") is not None
    summary = entry.find(f"{ATOM}summary").text
    assert "Children who took part: < 5" in summary and "children: < 5" in summary and "children: 12" in summary
    assert ": 2\n" not in summary and "children: 3" not in summary

    data = client.get("/api/v1/said-and-done").json()
    assert len(data) == 1
    one = data[0]
    assert one["children_took_part"] == {"value": None, "hidden": True, "shown": "< 5"}
    assert [r["children"] for r in one["responses"]] == [{"value": 12, "hidden": False, "shown": "12"},
                                                         {"value": None, "hidden": True, "shown": "< 5"}]
    assert one["state"] == "published" and one["url"] == f"/said-and-done/{consultation.id}"
    assert "/api/v1/said-and-done" in client.get("/openapi.json").json()["paths"]


def test_nothing_on_the_public_page_names_a_child(client, session):
    room, child, consultation = _published(client, session, size=2, text="We want a climbing wall")
    publish(session, consultation)
    for surface in ("/said-and-done", f"/said-and-done/{consultation.id}", "/said-and-done/feed.atom", "/api/v1/said-and-done"):
        text = client.get(surface).text
        for kid, _code in room.children:
            assert kid.display_name not in text
        assert room.group.label not in text and "We want a climbing wall" not in text  # no quote without one picked


def test_an_overdue_response_is_shown_as_overdue_until_it_is_published(client, session):
    """PAR-09: the promised date passed with nothing published: "response overdue since …", publicly."""
    _room, _child, consultation = _published(client, session)
    late = city_today() - dt.timedelta(days=3)
    consultation.respond_by = late
    session.add(consultation)
    session.commit()
    not_due = open_consultation(session, title={"zh_Hans": "还没到期", "en": "Not due yet"})
    page = client.get("/said-and-done")
    since = (late + dt.timedelta(days=1)).isoformat()
    assert f"Response overdue since {since}" in page.text and "Not due yet" not in page.text
    assert client.get(f"/said-and-done/{not_due.id}").status_code == 404
    api = client.get("/api/v1/said-and-done").json()
    assert api[0]["state"] == "overdue" and api[0]["overdue_since"] == since
    feed = client.get("/said-and-done/feed.atom").text
    assert f"Response overdue since {since}" in feed
    publish(session, consultation)
    assert "overdue" not in client.get("/said-and-done").text.split("<h1>")[1].split("</form>")[1]


def test_filters_by_topic_district_and_state(client, session):
    _room, _child, parks = _published(client, session)
    publish(session, parks)
    other = open_consultation(session, title={"zh_Hans": "学校午餐", "en": "School lunches"}, topic="services.health",
                              respond_by=city_today() + dt.timedelta(days=8))
    close(session, other, respond_by=city_today() - dt.timedelta(days=1))
    everything = client.get("/said-and-done").text
    assert "Green Lake Park" in everything and "School lunches" in everything
    published = client.get("/said-and-done?state=published").text
    assert "Green Lake Park" in published and "School lunches" not in published
    overdue = client.get("/said-and-done?state=overdue").text
    assert "Green Lake Park" not in overdue and "School lunches" in overdue
    parks_only = client.get("/said-and-done?topic=spaces").text
    assert "Green Lake Park" in parks_only and "School lunches" not in parks_only
    assert [e["title"] for e in client.get("/api/v1/said-and-done?state=overdue").json()] == ["School lunches"]
    assert client.get("/said-and-done?district=999999").status_code == 200  # a consultation for all districts is listed under each
    assert 'name="topic"' in everything and 'name="district"' in everything and 'name="state"' in everything


def test_corrections_say_updated_and_commitments_show_their_progress(client, session):
    _room, _child, consultation = _published(client, session)
    publish(session, consultation, at=utcnow() - dt.timedelta(days=2), data=snapshot(document=True))
    publish(session, consultation, number=2, note="The swings' reason was corrected", data=snapshot(document=True))
    row = commitment(session, consultation, action="Plant 20 trees")
    change_status(session, row, "in_progress", text="Digging started")
    page = client.get(f"/said-and-done/{consultation.id}").text
    assert "Updated on" in page and "The swings&#39; reason was corrected" in page
    assert "Plant 20 trees" in page and "In progress" in page and "Digging started" in page
    assert 'href="/responses/decisions/1/document"' in page and "五住建〔2026〕12号" in page
    assert "Not enough money this year" in page  # the reason of a "not adopted"
    data = client.get(f"/api/v1/said-and-done/{consultation.id}").json()
    assert data["updated_at"] and data["commitments"][0]["status"] == "in_progress"
    assert data["decisions"][0]["document_url"] == "/responses/decisions/1/document"


def _guardian_of(session: Session, child) -> Guardian:  # noqa: ANN001
    return session.exec(select(Guardian).join(Guardianship, Guardianship.guardian_id == Guardian.id).where(Guardianship.child_id == child.id)).one()


def test_quotes_only_where_quote_consent_allows_labelled_by_age_band_and_gone_after_erasure(client, session):
    room, child, consultation = _published(client, session, size=2, text="Trees give us shade in summer")
    theme = Theme(consultation_id=consultation.id, name={"zh_Hans": "树荫", "en": "Shade"})
    session.add(theme)
    session.commit()
    comments = session.exec(select(Comment).where(Comment.consultation_id == consultation.id).order_by(Comment.id)).all()
    for c in comments:
        _approve(session, "comment", c.id)
        session.add(Quote(theme_id=theme.id, comment_id=c.id))
    session.commit()
    quoted, unquoted = room.children[0][0], room.children[1][0]
    consent.record(session=session, child=quoted, purpose=Purpose.QUOTE, decision=Decision.GRANTED, decided_by=DecidedBy.GUARDIAN,
                   channel="web", guardian=_guardian_of(session, quoted))
    session.commit()
    data = snapshot([{"subject": {"zh_Hans": "树荫", "en": "Shade"}, "size": 2, "outcome": "adopted", "theme_id": theme.id}])
    publish(session, consultation, data=data)
    page = client.get("/said-and-done").text
    assert page.count("Trees give us shade in summer") == 1  # one child allowed quoting; the other did not
    assert "A child aged 10–13" in page and quoted.display_name not in page
    api = client.get("/api/v1/said-and-done").json()
    assert api[0]["responses"][0]["quotes"] == [{"text": "Trees give us shade in summer", "age_band": "10-13"}]
    assert unquoted  # (no QUOTE consent: never quoted)

    consent_actions.erase_child(session=session, child=quoted, requested_by="guardian", actor=("guardian", "1"))
    assert "Trees give us shade in summer" not in client.get("/said-and-done").text
    assert client.get("/api/v1/said-and-done").json()[0]["responses"][0]["quotes"] == []


def test_the_page_works_without_javascript_and_prints(client, session):
    _room, _child, consultation = _published(client, session)
    publish(session, consultation)
    page = client.get("/said-and-done").text
    assert '<form method="get" action="/said-and-done"' in page  # the filters are a plain form
    assert "/static/css/responses.css" in page and 'type="application/atom+xml"' in page
    css = client.get("/static/css/responses.css").text
    assert "@media print" in css
    zh = client.get("/said-and-done", headers={"Accept-Language": "zh-CN"}).text
    assert "说到做到" in zh
