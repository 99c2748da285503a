"""The themes of a consultation's comments (issue 16; PAR-05, DP-12, CON-03): pages and API, on SQLite and
PostgreSQL. People decide; every edit names its version; quotes follow consent; only published comments; authors
by age band only."""

from __future__ import annotations

import re
import threading

import pytest
from sqlmodel import Session, select

from app.accounts.models import Role
from app.accounts.permissions import MATRIX, Permission
from app.consent import service as consent
from app.consent.models import DecidedBy, Decision, Purpose
from app.core import db
from app.insights import actions, themes
from app.insights.models import Quote, Theme, ThemeComment
from app.insights.service import EditedMeanwhile
from tests.conftest import csrf_token, make_user, sign_in
from tests.insights.theme_helpers import GROUP_NAME, NICKNAME, world


def _themes(session: Session, consultation_id: int, audience: str = "child") -> list[Theme]:
    session.expire_all()
    return list(session.exec(select(Theme).where(Theme.consultation_id == consultation_id, Theme.audience == audience)
                             .order_by(Theme.position, Theme.id)))


def _post(client, path: str, data: dict, cid: int):  # noqa: ANN001, ANN202
    body = {**data, "csrf_token": csrf_token(client, f"/consultations/{cid}/insights")}
    return client.post(path, data=body, follow_redirects=False)


def test_analyst_asks_for_suggestions_and_sees_coverage_only_published_comments(client, session) -> None:  # noqa: ANN001
    w = world(session, count=14)
    cid = w.consultation.id
    sign_in(client, w.analyst.username)
    page = client.get(f"/consultations/{cid}/insights")
    assert page.status_code == 200
    assert "0 of 14 comments are in a theme" in page.text
    assert "0 of 2 comments are in a theme" in page.text  # guardians' apart
    response = _post(client, f"/consultations/{cid}/insights/suggest", {"audience": "child"}, cid)
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert "14 of 14 comments are in a theme" in page
    assert "Suggestion" in page
    found = _themes(session, cid)
    assert found and not any(t.accepted for t in found)
    placed = session.exec(select(ThemeComment).where(ThemeComment.consultation_id == cid)).all()
    assert {p.comment_id for p in placed} == {c.id for c in w.comments}  # never the pending or rejected ones
    assert "ZQXPENDING" not in page and "ZQXREJECTED" not in page
    assert NICKNAME not in page and GROUP_NAME not in page
    api = client.get(f"/api/v1/consultations/{cid}/insights/themes", headers={"Authorization": f"Bearer {_token(session, w.analyst)}"})
    assert api.status_code == 200
    assert api.json()["audiences"][0]["sorted"] == 14
    assert NICKNAME not in api.text and GROUP_NAME not in api.text and "ZQXPENDING" not in api.text and "child_id" not in api.text


def test_asking_again_keeps_what_people_decided(session) -> None:  # noqa: ANN001
    w = world(session, count=16, seed=5)
    c = w.consultation
    actions.ask_for_suggestions(session=session, consultation=c, audience="child", actor=w.analyst)
    first = _themes(session, c.id)
    kept = first[0]
    actions.accept_theme(session=session, consultation=c, theme_id=kept.id, version=kept.version, actor=w.analyst)
    kept_members = set(session.exec(select(ThemeComment.comment_id).where(ThemeComment.theme_id == kept.id)).all())
    # A person puts one comment of another suggestion into "other".
    loose = session.exec(select(ThemeComment).where(ThemeComment.theme_id == first[1].id)).first()
    actions.move_comment(session=session, consultation=c, comment_id=loose.comment_id, to="other", from_place=str(first[1].id),
                         version=first[1].version, actor=w.analyst)
    actions.ask_for_suggestions(session=session, consultation=c, audience="child", actor=w.analyst)
    again = _themes(session, c.id)
    assert kept.id in {t.id for t in again}
    session.expire_all()
    assert set(session.exec(select(ThemeComment.comment_id).where(ThemeComment.theme_id == kept.id)).all()) == kept_members
    assert session.get(ThemeComment, loose.comment_id).theme_id is None  # still "other"
    # Same input, same suggestions: asking a third time changes nothing but the ids.
    shape = sorted(sorted(session.exec(select(ThemeComment.comment_id).where(ThemeComment.theme_id == t.id)).all())
                   for t in again if not t.accepted)
    actions.ask_for_suggestions(session=session, consultation=c, audience="child", actor=w.analyst)
    third = _themes(session, c.id)
    assert sorted(sorted(session.exec(select(ThemeComment.comment_id).where(ThemeComment.theme_id == t.id)).all())
                  for t in third if not t.accepted) == shape


def test_people_merge_split_move_rename_delete(client, session) -> None:  # noqa: ANN001
    w = world(session, count=16, seed=7)
    cid = w.consultation.id
    actions.ask_for_suggestions(session=session, consultation=w.consultation, audience="child", actor=w.analyst)
    a, b = _themes(session, cid)[:2]
    sign_in(client, w.analyst.username)
    # Rename and describe (zh + en), with the words a child reads.
    r = _post(client, f"/consultations/{cid}/insights/themes/{a.id}", {
        "version": a.version, "name_zh": "更多秋千", "name_en": "More swings", "description_zh": "孩子们想要更多秋千。",
        "description_en": "Children want more swings.", "child_words_zh": "你们说想要更多秋千", "child_words_en": "You said: more swings"}, cid)
    assert r.status_code == 303
    page = client.get(f"/consultations/{cid}/insights").text
    assert "More swings" in page and "Children want more swings." in page
    a = session.get(Theme, a.id, populate_existing=True)
    assert a.accepted and a.version == 2
    # Merge b into a.
    b_members = set(session.exec(select(ThemeComment.comment_id).where(ThemeComment.theme_id == b.id)).all())
    b_id = b.id
    r = _post(client, f"/consultations/{cid}/insights/themes/{b.id}/merge", {"version": b.version, "into": a.id}, cid)
    assert r.status_code == 303
    session.expire_all()
    assert session.get(Theme, b_id) is None
    members = set(session.exec(select(ThemeComment.comment_id).where(ThemeComment.theme_id == a.id)).all())
    assert b_members <= members
    # Split two comments out into a new theme.
    a = session.get(Theme, a.id, populate_existing=True)
    two = sorted(members)[:2]
    r = client.post(f"/consultations/{cid}/insights/themes/{a.id}/split", data={
        "version": a.version, "comment": two, "name_zh": "新主题", "csrf_token": csrf_token(client, f"/consultations/{cid}/insights")},
        follow_redirects=False)
    assert r.status_code == 303
    session.expire_all()
    new = session.exec(select(Theme).where(Theme.consultation_id == cid, Theme.name["zh_Hans"].as_string() == "新主题")).one()
    assert sorted(session.exec(select(ThemeComment.comment_id).where(ThemeComment.theme_id == new.id)).all()) == two
    # Move one back, then mark one "other".
    a = session.get(Theme, a.id, populate_existing=True)
    r = _post(client, f"/consultations/{cid}/insights/comments/{two[0]}/move", {"to": a.id, "from": new.id, "version": new.version}, cid)
    assert r.status_code == 303
    session.expire_all()
    assert session.get(ThemeComment, two[0]).theme_id == a.id and session.get(ThemeComment, two[0]).placed_by_id == w.analyst.id
    new = session.get(Theme, new.id, populate_existing=True)
    r = _post(client, f"/consultations/{cid}/insights/comments/{two[1]}/move", {"to": "other", "from": new.id, "version": new.version}, cid)
    assert r.status_code == 303
    assert "marked “other”" in client.get(f"/consultations/{cid}/insights").text
    # Delete a theme: its comments become unsorted.
    a = session.get(Theme, a.id, populate_existing=True)
    a_id = a.id
    r = _post(client, f"/consultations/{cid}/insights/themes/{a.id}/delete", {"version": a.version}, cid)
    assert r.status_code == 303
    session.expire_all()
    assert session.get(Theme, a_id) is None
    assert session.get(ThemeComment, two[0]) is None
    assert "not sorted yet" in client.get(f"/consultations/{cid}/insights").text
    from app.core.audit import AuditEvent

    done = set(session.exec(select(AuditEvent.action).where(AuditEvent.action.like("insights.%"))).all())
    assert {"insights.themes_suggested", "insights.theme_edited", "insights.themes_merged", "insights.theme_split",
            "insights.comment_moved", "insights.theme_deleted"} <= done


def test_a_stale_version_is_refused_and_the_page_shows_the_current_state(client, session) -> None:  # noqa: ANN001
    w = world(session, count=10, seed=9)
    cid = w.consultation.id
    actions.ask_for_suggestions(session=session, consultation=w.consultation, audience="child", actor=w.analyst)
    theme = _themes(session, cid)[0]
    sign_in(client, w.analyst.username)
    first = _post(client, f"/consultations/{cid}/insights/themes/{theme.id}", {"version": theme.version, "name_zh": "第一位分析员的名字"}, cid)
    assert first.status_code == 303
    second = _post(client, f"/consultations/{cid}/insights/themes/{theme.id}", {"version": theme.version, "name_zh": "第二位"}, cid)
    assert second.status_code == 409
    assert "Someone else saved this meanwhile" in second.text or "Another analyst changed this" in second.text
    assert "第一位分析员的名字" in second.text  # the current state is shown
    # The API says the same, as a problem.
    token = _token(session, w.analyst)
    api = client.put(f"/api/v1/consultations/{cid}/insights/themes/{theme.id}", json={"version": theme.version, "name": {"zh_Hans": "三"}},
                     headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 409 and api.json()["type"].endswith("edited-meanwhile")


def _token(session: Session, user) -> str:  # noqa: ANN001
    from app.accounts import actions as account_actions

    admin = make_user(session, f"admin-{user.username}", [Role.ADMIN])
    _, raw = account_actions.issue_token(session=session, actor=admin, user=user, name="test")
    return raw


def test_two_concurrent_edits_one_wins_the_other_is_told(session) -> None:  # noqa: ANN001
    w = world(session, count=8, seed=13)
    actions.ask_for_suggestions(session=session, consultation=w.consultation, audience="child", actor=w.analyst)
    theme = _themes(session, w.consultation.id)[0]
    version = theme.version
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def edit(name: str) -> None:
        with Session(db.get_engine(), expire_on_commit=False) as own:
            from app.consultations.models import Consultation

            consultation = own.get(Consultation, w.consultation.id)
            barrier.wait()
            try:
                actions.edit_theme(session=own, consultation=consultation, theme_id=theme.id, version=version, actor=w.analyst,
                                   name={"zh_Hans": name}, description={}, child_words={})
                outcomes.append("saved")
            except EditedMeanwhile:
                outcomes.append("refused")

    threads = [threading.Thread(target=edit, args=(n,)) for n in ("甲", "乙")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["refused", "saved"]
    theme = session.get(Theme, theme.id, populate_existing=True)
    assert theme.version == version + 1 and theme.name["zh_Hans"] in ("甲", "乙")


def test_quotes_follow_consent_and_leave_everywhere_when_it_is_withdrawn(client, session) -> None:  # noqa: ANN001
    w = world(session, count=10, seed=17)
    c = w.consultation
    actions.ask_for_suggestions(session=session, consultation=c, audience="child", actor=w.analyst)
    theme = _themes(session, c.id)[0]
    member = session.exec(select(ThemeComment.comment_id).where(ThemeComment.theme_id == theme.id)).first()
    actions.pick_quote(session=session, consultation=c, theme_id=theme.id, comment_id=member, version=theme.version, actor=w.analyst)
    shown = themes.quotes_of(session, c)[theme.id]
    comment = next(x for x in w.comments if x.id == member)
    assert [q.text for q in shown] == [comment.text] and shown[0].age_band in ("6-9", "10-13")
    assert not hasattr(shown[0], "child_id")
    sign_in(client, w.analyst.username)
    assert comment.text in client.get(f"/consultations/{c.id}/insights").text
    # The child's QUOTE consent is withdrawn: the quote is gone from the page and from quotes_of (the report's source).
    child = next(ch for ch in w.children if ch.id == comment.child_id)
    consent.record(session=session, child=child, purpose=Purpose.QUOTE, decision=Decision.WITHDRAWN,
                   decided_by=DecidedBy.GUARDIAN, channel="web")
    session.commit()
    assert themes.quotes_of(session, c)[theme.id] == []
    page = client.get(f"/consultations/{c.id}/insights").text
    assert "<q>" not in page
    assert session.exec(select(Quote).where(Quote.theme_id == theme.id)).first() is not None  # kept, just never shown
    # It can no longer be picked either.
    theme = session.get(Theme, theme.id, populate_existing=True)
    r = _post(client, f"/consultations/{c.id}/insights/themes/{theme.id}/quotes", {"version": theme.version, "comment": member}, c.id)
    assert r.status_code == 422


def test_without_quote_consent_nothing_may_be_quoted(session) -> None:  # noqa: ANN001
    w = world(session, count=8, seed=19, quote_consent=False)
    actions.ask_for_suggestions(session=session, consultation=w.consultation, audience="child", actor=w.analyst)
    view = themes.workspace(session=session, consultation=w.consultation)["child"]
    assert view.themes and not any(c.quotable for tv in view.themes for c in tv.comments)


def test_sizes_by_age_band_go_through_the_small_cell_rule(session) -> None:  # noqa: ANN001
    w = world(session, count=8, seed=23)
    actions.ask_for_suggestions(session=session, consultation=w.consultation, audience="child", actor=w.analyst)
    for tv in themes.workspace(session=session, consultation=w.consultation)["child"].themes:
        for count in tv.by_band.values():
            assert count.value is None or count.value >= 5
        assert tv.size.value is None or tv.size.value >= 5


@pytest.mark.parametrize(("role", "allowed"), [
    # Administrators read insights only if the permission matrix gives them INSIGHTS_READ (today it does not).
    (Role.ANALYST, True), (Role.OFFICIAL, True), (Role.ADMIN, Permission.INSIGHTS_READ in MATRIX[Role.ADMIN]),
    (Role.MODERATOR, False), (Role.FACILITATOR, False), (Role.SAFEGUARDING_OFFICER, False),
])
def test_who_may_open_the_workspace(client, session, role, allowed) -> None:  # noqa: ANN001
    w = world(session, count=4, seed=29)
    user = make_user(session, f"who-{role.value}", [role])
    sign_in(client, user.username)
    page = client.get(f"/consultations/{w.consultation.id}/insights")
    assert page.status_code == (200 if allowed else 403)
    summary = client.get(f"/consultations/{w.consultation.id}/insights/summary")
    assert summary.status_code == (200 if allowed else 403)


def test_anonymous_is_sent_to_sign_in(client, session) -> None:  # noqa: ANN001
    w = world(session, count=4, seed=31)
    page = client.get(f"/consultations/{w.consultation.id}/insights", follow_redirects=False)
    assert page.status_code in (302, 303, 401)
    assert client.get(f"/api/v1/consultations/{w.consultation.id}/insights/themes").status_code == 401


def test_summary_for_adults_and_children_with_the_older_band_as_fallback(client, session) -> None:  # noqa: ANN001
    w = world(session, count=4, seed=37)
    cid = w.consultation.id
    sign_in(client, w.analyst.username)
    page = client.get(f"/consultations/{cid}/insights/summary")
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
    body = {"version": version, "summary_zh": "孩子们最关心安全和厕所。", "summary_en": "Children care most about safety and toilets.",
            "child_10-13_zh": "你们说最想要安全的游乐区。", "child_10-13_en": "You told us you want a safe play area."}
    r = _post(client, f"/consultations/{cid}/insights/summary", body, cid)
    assert r.status_code == 303
    young = client.get(f"/consultations/{cid}/insights/summary/preview?band=6-9").text
    assert "You told us you want a safe play area." in young and "10–13" in young  # 6-9 reads the next older band
    stale = _post(client, f"/consultations/{cid}/insights/summary", {**body, "summary_en": "Mine"}, cid)
    assert stale.status_code == 409 and "Children care most about safety and toilets." in stale.text and "Mine" in stale.text


def test_many_comments_are_suggested_by_a_worker_and_the_page_follows_it(client, session, monkeypatch) -> None:  # noqa: ANN001
    """Above IN_REQUEST comments the suggestions are a job on `yimi worker` (enqueued with the request's commit)."""
    import app.handlers  # noqa: F401 - the job's handler
    from app.core import jobs

    monkeypatch.setattr(actions, "IN_REQUEST", 5)
    w = world(session, count=10, seed=41)
    cid = w.consultation.id
    sign_in(client, w.analyst.username)
    r = _post(client, f"/consultations/{cid}/insights/suggest", {"audience": "child"}, cid)
    assert r.status_code == 303 and r.headers["location"].startswith("/jobs/")
    job_id = int(r.headers["location"].rsplit("/", 1)[1])
    assert client.get(r.headers["location"]).status_code == 200
    assert f"/jobs/{job_id}" in client.get(f"/consultations/{cid}/insights").text  # the workspace links to its progress
    assert _themes(session, cid) == []
    outcome = jobs.Worker(kinds=[actions.SUGGEST_JOB]).run_next(session)
    assert outcome is not None and outcome.state == "done", outcome
    assert _themes(session, cid)
    page = client.get(f"/consultations/{cid}/insights").text
    assert "10 of 10 comments are in a theme" in page and f"/jobs/{job_id}" not in page


def test_the_demo_has_a_closed_consultation_worth_theming(client, session) -> None:  # noqa: ANN001
    from app.consultations.models import Consultation
    from app.demo import DEMO_CLOSED_TITLE, load_demo
    from tests.consultations.helpers import load_notices

    load_notices(session)
    load_demo(session=session)
    load_demo(session=session)  # idempotent
    found = [c for c in session.exec(select(Consultation)) if c.title.get("zh_Hans") == DEMO_CLOSED_TITLE]
    assert len(found) == 1 and found[0].state() == "closed"
    view = themes.workspace(session=session, consultation=found[0])
    assert view["child"].total >= 60 and view["guardian"].total >= 3
    assert any(c.quotable for c in view["child"].unsorted) and not all(c.quotable for c in view["child"].unsorted)


def test_a_child_who_stops_taking_part_leaves_the_themes(client, session) -> None:  # noqa: ANN001
    """CON-07: a withdrawn child's words leave the analysis: not counted, not shown, not quotable."""
    w = world(session, count=8, seed=43)
    c = w.consultation
    actions.ask_for_suggestions(session=session, consultation=c, audience="child", actor=w.analyst)
    leaving = w.comments[0]
    child = next(ch for ch in w.children if ch.id == leaving.child_id)
    consent.record(session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.WITHDRAWN,
                   decided_by=DecidedBy.GUARDIAN, channel="web")
    session.commit()
    view = themes.workspace(session=session, consultation=c)["child"]
    assert view.total == 7
    assert leaving.id not in {x.id for tv in view.themes for x in tv.comments}
    sign_in(client, w.analyst.username)
    assert leaving.text not in client.get(f"/consultations/{c.id}/insights").text or any(
        x.text == leaving.text for x in w.comments[1:])


def test_a_move_from_where_the_comment_no_longer_is_is_refused(session) -> None:  # noqa: ANN001
    w = world(session, count=8, seed=47)
    c = w.consultation
    actions.ask_for_suggestions(session=session, consultation=c, audience="child", actor=w.analyst)
    theme = _themes(session, c.id)[0]
    cid = session.exec(select(ThemeComment.comment_id).where(ThemeComment.theme_id == theme.id)).first()
    actions.move_comment(session=session, consultation=c, comment_id=cid, to="other", from_place=str(theme.id), version=theme.version,
                         actor=w.analyst)
    with pytest.raises(EditedMeanwhile):  # a second analyst's page still shows it in the theme
        actions.move_comment(session=session, consultation=c, comment_id=cid, to="unsorted", from_place=str(theme.id),
                             version=theme.version, actor=w.analyst)
    session.expire_all()
    assert session.get(ThemeComment, cid).theme_id is None


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.FACILITATOR])
def test_the_api_refuses_roles_that_do_not_read_insights(client, session, role) -> None:  # noqa: ANN001
    w = world(session, count=4, seed=53)
    user = make_user(session, f"api-{role.value}", [role])
    headers = {"Authorization": f"Bearer {_token(session, user)}"}
    base = f"/api/v1/consultations/{w.consultation.id}/insights"
    assert client.get(f"{base}/themes", headers=headers).status_code == 403
    assert client.post(f"{base}/theme-suggestions", json={"audience": "child"}, headers=headers).status_code == 403
    assert client.get(f"{base}/summary", headers=headers).status_code == 403


def test_the_api_does_the_same_edits(client, session) -> None:  # noqa: ANN001
    w = world(session, count=10, seed=59)
    headers = {"Authorization": f"Bearer {_token(session, w.analyst)}"}
    base = f"/api/v1/consultations/{w.consultation.id}/insights"
    made = client.post(f"{base}/theme-suggestions", json={"audience": "child"}, headers=headers)
    assert made.status_code == 200, made.text
    first, second = made.json()["workspace"]["audiences"][0]["themes"][:2]
    r = client.post(f"{base}/themes/{first['id']}/merge", json={"version": first["version"], "into_id": second["id"]}, headers=headers)
    assert r.status_code == 200, r.text
    merged = next(t for t in r.json()["audiences"][0]["themes"] if t["id"] == second["id"])
    assert merged["accepted"] and merged["size"]["value"] in (None, len(first["comments"]) + len(second["comments"]))
    r = client.put(f"{base}/themes/{second['id']}", json={"version": merged["version"], "name": {"zh_Hans": "安全", "en": "Safety"},
                                                          "description": {"en": "Children feel unsafe near the road."}}, headers=headers)
    assert r.status_code == 200 and next(t for t in r.json()["audiences"][0]["themes"] if t["id"] == second["id"])["name"]["en"] == "Safety"
    summary = client.get(f"{base}/summary", headers=headers).json()
    r = client.put(f"{base}/summary", json={"version": summary["version"], "summary": {"zh_Hans": "总结"},
                                            "child_summary": {"6-9": {"zh_Hans": "你们说……"}}}, headers=headers)
    assert r.status_code == 200 and r.json()["child_summary"]["6-9"]["zh_Hans"] == "你们说……"
    assert client.put(f"{base}/summary", json={"version": summary["version"], "summary": {}}, headers=headers).status_code == 409
