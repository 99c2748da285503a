"""Children check the summary, "did we understand you?" (issue 16, PAR-06, DP-12, CON-04, CON-07, MOD-01, SG-01).

The card on the child's home appears only for a child who took part, only while the analysis is `checking`;
"yes" / "not quite" counts once per child per theme (a second tap changes it, concurrent retries settle in the
database); the analyst sees the counts through app.core.suppression only; skipping needs a reason; "something
is missing" is a comment moderated like any other; erasure removes a child's checks; who may do what."""

import re
import threading
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from app.accounts.models import Role
from app.consent import actions as consent_actions
from app.consent import service as consent
from app.consent.models import DecidedBy, Decision, Purpose
from app.consultations.models import Comment, Consultation, Participation, QuestionIn, QuestionKind
from app.core import db
from app.core.audit import AuditEvent
from app.core.db import utcnow
from app.corps.models import Child
from app.insights import actions, checking
from app.insights.models import Analysis, Audience, Theme, ThemeCheck
from app.insights.service import analysable_comments
from app.moderation import actions as moderation_actions
from app.moderation.models import Decision as ModerationDecision
from tests.conftest import english_client, make_user, sign_in
from tests.consultations.helpers import official, open_consultation, signed_in_taking_part, take_part
from tests.corps.tablet_helpers import classroom

HX = {"HX-Request": "true"}
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
TEXT_ONLY = [QuestionIn(kind=QuestionKind.TEXT, prompt={"zh_Hans": "你还有什么想法？", "en": "Any other ideas?"})]
WORDS = [
    ({"zh_Hans": "更多的树荫", "en": "More shade"}, {"zh_Hans": "很多小朋友说：夏天公园太晒了，想要更多大树。", "en": "Many children said the park is too sunny in summer and want more big trees."}),
    ({"zh_Hans": "干净的厕所", "en": "Clean toilets"}, {"zh_Hans": "小朋友们希望厕所更干净，离游乐区近一点。", "en": "Children want cleaner toilets, closer to the play area."}),
]


# ---- helpers -------------------------------------------------------------------------------------------


def _bearer(session: Session, user) -> dict[str, str]:  # noqa: ANN001
    from app.accounts import actions as accounts
    from app.accounts.models import StaffUser

    name = f"admin-{user.username}"
    admin = session.exec(select(StaffUser).where(StaffUser.username == name)).first() or make_user(session, name, [Role.ADMIN])
    _, raw = accounts.issue_token(session=session, actor=admin, user=user, name="test")
    return {"Authorization": f"Bearer {raw}"}


def _token(client: TestClient, page: str = "/me") -> str:
    return CSRF_META.search(client.get(page).text).group(1)  # type: ignore[union-attr]


def _post(client: TestClient, url: str, fields: dict, *, page: str = "/me", headers: dict | None = None):  # noqa: ANN202
    body = {"csrf_token": _token(client, page), **fields}
    return client.post(url, content=urlencode(body), follow_redirects=False,
                       headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})


def _closed(session: Session, *, themes: int = 2, child_words: bool = True, **changes) -> Consultation:  # noqa: ANN003
    consultation = open_consultation(session, **changes)
    consultation.closed_at = utcnow()
    session.add(consultation)
    for position, (name, words) in enumerate(WORDS[:themes]):
        session.add(Theme(consultation_id=consultation.id, audience=Audience.CHILD.value, position=position, name=name,  # type: ignore[arg-type]
                          description=name, child_words=words if child_words else {}, accepted=True))
    # A theme not accepted and a guardians' theme: children never check these.
    session.add(Theme(consultation_id=consultation.id, name={"zh_Hans": "未接受"}, child_words={"zh_Hans": "还没接受的主题"}, accepted=False))  # type: ignore[arg-type]
    session.add(Theme(consultation_id=consultation.id, audience=Audience.GUARDIAN.value, name={"zh_Hans": "家长"},  # type: ignore[arg-type]
                      child_words={"zh_Hans": "家长的主题"}, accepted=True))
    session.commit()
    return consultation


def _took_part(session: Session, consultation: Consultation, *children: Child) -> None:
    for child in children:
        session.add(Participation(consultation_id=consultation.id, child_id=child.id, receipt_code=f"R{consultation.id:03d}{child.id:04d}"[:12],  # type: ignore[arg-type]
                                  channel="tablet"))
    session.commit()


def _start(session: Session, consultation: Consultation) -> Analysis:
    actor = official(session, f"official-start-{consultation.id}")
    return actions.start_check(session=session, actor=actor, consultation=consultation, version=None)


def _themes(session: Session, consultation: Consultation) -> list[Theme]:
    return checking.checkable_themes(session=session, consultation=consultation)


def _many_children(session: Session, n: int, code: str) -> list[Child]:
    room = classroom(session, size=n, code=code, facilitator=f"teacher-{code}")
    children = [child for child, _ in room.children]
    for child in children:
        take_part(session, child)
    return children


# ---- the child's side ----------------------------------------------------------------------------------


def test_the_card_appears_only_for_a_child_who_took_part_and_only_while_checking(client, session):
    """PAR-06: before "Ask the children", nothing; while checking, the card for the consultation the child took
    part in (not another one); once the check ends, nothing again and the address is not found."""
    room, child = signed_in_taking_part(client, session)
    mine = _closed(session)
    other = _closed(session)  # checking too, but this child did not take part in it
    _took_part(session, mine, child)
    assert "Did we understand you?" not in client.get("/me").text
    assert client.get(f"/me/consultations/{mine.id}/check").status_code == 404
    _start(session, mine)
    _start(session, other)
    home = client.get("/me").text
    assert "Did we understand you?" in home and f"/me/consultations/{mine.id}/check" in home
    assert f"/me/consultations/{other.id}/check" not in home
    assert client.get(f"/me/consultations/{other.id}/check").status_code == 404
    page = client.get(f"/me/consultations/{mine.id}/check")
    assert page.status_code == 200
    assert WORDS[0][1]["en"] in page.text and WORDS[1][1]["en"] in page.text
    assert "还没接受的主题" not in page.text and "家长的主题" not in page.text
    assert 'class="read-aloud"' in page.text and "hidden>" in page.text  # shown only where JavaScript runs
    analysis = checking.state_of(session=session, consultation=mine)
    actions.end_check(session=session, actor=official(session, "official-end"), consultation=mine, version=analysis.version)
    assert f"/me/consultations/{mine.id}/check" not in client.get("/me").text
    assert client.get(f"/me/consultations/{mine.id}/check").status_code == 404
    theme = _themes(session, mine)[0]  # nothing is taken after the end either
    assert _post(client, f"/me/consultations/{mine.id}/check/themes/{theme.id}", {"agrees": "yes"}).status_code == 404


def test_the_card_speaks_chinese_to_the_child_by_default(app, session):
    with TestClient(app) as zh:
        room, child = signed_in_taking_part(zh, session)
        consultation = _closed(session)
        _took_part(session, consultation, child)
        _start(session, consultation)
        home = zh.get("/me").text
        assert "我们理解你了吗" in home
        page = zh.get(f"/me/consultations/{consultation.id}/check").text
        assert WORDS[0][1]["zh_Hans"] in page and "对，我们就是这么说的" in page and "不太对" in page
        assert "您" not in page


@pytest.mark.parametrize("who", ["guardian_withdrew", "child_stopped"])
def test_a_child_who_withdrew_sees_nothing(client, session, who):
    """CON-04, CON-07: no card, and the address is not found (404), whoever withdrew."""
    room, child = signed_in_taking_part(client, session)
    consultation = _closed(session)
    _took_part(session, consultation, child)
    _start(session, consultation)
    assert f"/me/consultations/{consultation.id}/check" in client.get("/me").text
    if who == "guardian_withdrew":
        from app.consent.models import Guardian, Guardianship

        guardian = session.exec(select(Guardian).join(Guardianship, col(Guardianship.guardian_id) == Guardian.id)
                                .where(Guardianship.child_id == child.id)).first()
        consent.record(session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.WITHDRAWN,
                       decided_by=DecidedBy.GUARDIAN, channel="web", guardian=guardian)
    else:
        consent.record(session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.WITHDRAWN,
                       decided_by=DecidedBy.CHILD_ASSENT, channel="tablet")
    session.commit()
    assert f"/me/consultations/{consultation.id}/check" not in client.get("/me").text
    assert client.get(f"/me/consultations/{consultation.id}/check").status_code == 404
    theme = _themes(session, consultation)[0]
    response = _post(client, f"/me/consultations/{consultation.id}/check/themes/{theme.id}", {"agrees": "yes"})
    assert response.status_code == 404
    assert session.exec(select(func.count()).select_from(ThemeCheck)).one() == 0


@pytest.mark.parametrize("htmx", [False, True])
def test_yes_and_not_quite_count_once_and_a_second_tap_changes_it(client, session, htmx):
    room, child = signed_in_taking_part(client, session)
    consultation = _closed(session)
    _took_part(session, consultation, child)
    _start(session, consultation)
    first, second = _themes(session, consultation)
    url = f"/me/consultations/{consultation.id}/check/themes"
    page = f"/me/consultations/{consultation.id}/check"
    response = _post(client, f"{url}/{first.id}", {"agrees": "yes"}, page=page, headers=HX if htmx else None)
    if htmx:
        assert response.status_code == 200 and f'id="theme-{first.id}"' in response.text and "You said: yes" in response.text
        assert "<html" not in response.text  # only this theme is swapped
    else:
        assert response.status_code == 303 and response.headers["location"].startswith(page)
    for _ in range(2):  # a retry counts once
        _post(client, f"{url}/{first.id}", {"agrees": "yes"}, page=page)
    _post(client, f"{url}/{second.id}", {"agrees": "no"}, page=page)
    _post(client, f"{url}/{second.id}", {"agrees": "yes"}, page=page)  # changed their mind
    _post(client, f"{url}/{second.id}", {"agrees": "no"}, page=page)
    rows = session.exec(select(ThemeCheck).where(ThemeCheck.child_id == child.id).execution_options(populate_existing=True)).all()
    assert {(r.theme_id, r.agrees) for r in rows} == {(first.id, True), (second.id, False)}
    text = client.get(page).text
    assert text.count('aria-pressed="true"') == 2  # the child's own answers are marked
    assert "You answered every sentence" in text
    assert "You can change your answers" in client.get("/me").text
    # Not a theme of this check: not found.
    other = session.exec(select(Theme).where(Theme.consultation_id == consultation.id, col(Theme.accepted).is_(False))).one()
    assert _post(client, f"{url}/{other.id}", {"agrees": "yes"}, page=page).status_code == 404


def test_concurrent_retries_of_one_answer_count_once(session):
    """Two taps at the same moment (a double tap, a retried request): one row, settled by the unique constraint."""
    children = _many_children(session, 1, "class-c")
    consultation = _closed(session)
    _took_part(session, consultation, *children)
    _start(session, consultation)
    theme = _themes(session, consultation)[0]
    child_id = children[0].id
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def tap(agrees: bool) -> None:
        with Session(db.get_engine(), expire_on_commit=False) as own:
            child = own.get(Child, child_id)
            target = own.get(Consultation, consultation.id)
            barrier.wait()
            try:
                actions.check_theme(session=own, child=child, consultation=target, theme_id=theme.id, agrees=agrees)  # type: ignore[arg-type]
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

    threads = [threading.Thread(target=tap, args=(i % 2 == 0,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert session.exec(select(func.count()).select_from(ThemeCheck).where(ThemeCheck.theme_id == theme.id)).one() == 1


# ---- "something is missing" --------------------------------------------------------------------------


def test_something_missing_is_held_for_moderation_and_joins_the_analysis_once_approved(client, session):
    """MOD-01: pending until a moderator approves it; not on the staff page before; then shown (text and age
    band only) and among the comments the analysis sorts into themes."""
    room, child = signed_in_taking_part(client, session)
    consultation = _closed(session)
    _took_part(session, consultation, child)
    _start(session, consultation)
    page = f"/me/consultations/{consultation.id}/check"
    response = _post(client, f"{page}/missing", {"text": "还想要一个喝水的地方"}, page=page)
    assert response.status_code == 303 and response.headers["location"].startswith(page)
    assert "A grown-up reads your words first" in client.get(response.headers["location"]).text
    comment = session.exec(select(Comment).where(Comment.child_id == child.id)).one()
    assert (comment.question_id, comment.status, comment.consultation_id) == (None, "pending", consultation.id)
    # The same words again: still one comment.
    _post(client, f"{page}/missing", {"text": "还想要一个喝水的地方"}, page=page)
    assert session.exec(select(func.count()).select_from(Comment).where(Comment.child_id == child.id)).one() == 1
    # The child sees their own words, waiting, on "My comments" too.
    assert "还想要一个喝水的地方" in client.get("/me/comments").text
    analyst = make_user(session, "analyst1", [Role.ANALYST])
    moderator = make_user(session, "moderator1", [Role.MODERATOR])
    with english_client(client.app) as queue:  # the moderators' queue holds it like any comment
        sign_in(queue, moderator.username)
        assert "还想要一个喝水的地方" in queue.get(f"/moderation/consultations/{consultation.id}").text
    with english_client(client.app) as staff:
        sign_in(staff, analyst.username)
        assert "还想要一个喝水的地方" not in staff.get(f"/consultations/{consultation.id}/insights/check").text
        assert all(c.id != comment.id for c in analysable_comments(session=session, consultation=consultation))
        moderation_actions.decide(session=session, moderator=moderator, kind="comment", subject_id=comment.id,  # type: ignore[arg-type]
                                  decision=ModerationDecision.APPROVED)
        text = staff.get(f"/consultations/{consultation.id}/insights/check").text
        assert "还想要一个喝水的地方" in text and "ages 10-13" in text
        assert child.display_name not in text and room.group.code not in text
        assert any(c.id == comment.id for c in analysable_comments(session=session, consultation=consultation))
        # On the consultation's results page: apart from the guardians' views, never among them.
        results = staff.get(f"/consultations/{consultation.id}/results").text
        assert "还想要一个喝水的地方" in results.split("“Something is missing”, in children's words", 1)[1]
        assert "Guardians' views" not in results
        body = staff.get(f"/api/v1/consultations/{consultation.id}/insights/check", headers=_bearer(session, analyst)).json()
        assert body["missing_comments"] == [{"id": comment.id, "text": "还想要一个喝水的地方", "age_band": "10-13"}]


def test_a_disclosure_in_something_missing_goes_to_safeguarding(client, session):
    """SG-01, SG-05: like any comment: a case opens, the words are never shown, the child sees the calm screen."""
    from app.safeguarding.models import SafeguardingCase

    room, child = signed_in_taking_part(client, session)
    consultation = _closed(session)
    _took_part(session, consultation, child)
    _start(session, consultation)
    page = f"/me/consultations/{consultation.id}/check"
    response = _post(client, f"{page}/missing", {"text": "爸爸喝了酒就打我，我很害怕"}, page=page)
    assert response.status_code == 303 and response.headers["location"] == "/me/help/thanks"
    session.expire_all()
    comment = session.exec(select(Comment).where(Comment.child_id == child.id)).one()
    assert comment.status == "rejected"
    case = session.exec(select(SafeguardingCase)).one()
    assert (case.child_id, case.comment_id) == (child.id, comment.id)


def test_personal_details_in_something_missing_bring_the_friendly_prompt(client, session):
    """MOD-08: the same prompt as a written answer; the child may keep the words on purpose."""
    room, child = signed_in_taking_part(client, session)
    consultation = _closed(session)
    _took_part(session, consultation, child)
    _start(session, consultation)
    page = f"/me/consultations/{consultation.id}/check"
    words = "有事打我电话 138 0013 8000"
    response = _post(client, f"{page}/missing", {"text": words}, page=page)
    assert response.status_code == 200 and "we don't share phone numbers" in response.text
    assert session.exec(select(func.count()).select_from(Comment)).one() == 0
    assert _post(client, f"{page}/missing", {"text": words, "keep": "1"}, page=page).status_code == 303
    assert session.exec(select(func.count()).select_from(Comment)).one() == 1


# ---- the staff side --------------------------------------------------------------------------------------


def _answers(session: Session, consultation: Consultation, children: list[Child], yes: int, theme: Theme) -> None:
    for i, child in enumerate(children):
        actions.check_theme(session=session, child=child, consultation=consultation, theme_id=theme.id, agrees=i < yes)  # type: ignore[arg-type]


def test_counts_are_suppressed_on_the_page_and_in_the_api(client, session):
    """DP-12: 3 yes and 8 not quite: "< 5" for yes, and not quite hidden too (it would give yes away from the
    total); 6 yes and 5 not quite are shown."""
    children = _many_children(session, 11, "class-s")
    consultation = _closed(session)
    _took_part(session, consultation, *children)
    _start(session, consultation)
    first, second = _themes(session, consultation)
    _answers(session, consultation, children, 3, first)
    _answers(session, consultation, children, 6, second)
    analyst = make_user(session, "analyst1", [Role.ANALYST])
    sign_in(client, analyst.username)
    text = client.get(f"/consultations/{consultation.id}/insights/check").text
    row_first = text.split(WORDS[0][0]["en"], 1)[1].split("</tr>", 1)[0]
    row_second = text.split(WORDS[1][0]["en"], 1)[1].split("</tr>", 1)[0]
    assert re.findall(r"<td>([^<]*)</td>", row_first)[1:] == ["11", "&lt; 5", "&lt; 5"]
    assert re.findall(r"<td>([^<]*)</td>", row_second)[1:] == ["11", "6", "5"]
    assert ">3<" not in row_first and ">8<" not in row_first
    body = client.get(f"/api/v1/consultations/{consultation.id}/insights/check", headers=_bearer(session, analyst)).json()
    themes = {t["id"]: t for t in body["themes"]}
    assert (themes[first.id]["yes"], themes[first.id]["yes_hidden"], themes[first.id]["not_quite"], themes[first.id]["not_quite_hidden"]) == (None, True, None, True)
    assert (themes[second.id]["yes"], themes[second.id]["not_quite"], themes[second.id]["answered"]) == (6, 5, 11)
    for child in children:
        assert child.display_name not in text
    from app.main import create_app

    paths = create_app().openapi()["paths"]
    assert "/api/v1/consultations/{consultation_id}/insights/check" in paths
    assert "/api/v1/consultations/{consultation_id}/insights/check/skip" in paths


def test_a_child_who_withdrew_no_longer_counts(client, session):
    """CON-07: the checks of a child whose taking part ended leave the counts."""
    children = _many_children(session, 5, "class-w")
    consultation = _closed(session, themes=1)
    _took_part(session, consultation, *children)
    _start(session, consultation)
    theme = _themes(session, consultation)[0]
    _answers(session, consultation, children, 5, theme)
    assert checking.tallies(session=session, consultation=consultation)[0].answered.value == 5
    consent.record(session=session, child=children[0], purpose=Purpose.PARTICIPATE, decision=Decision.WITHDRAWN,
                   decided_by=DecidedBy.CHILD_ASSENT, channel="tablet")
    session.commit()
    assert checking.tallies(session=session, consultation=consultation)[0].answered.hidden


def test_asking_the_children_needs_a_closed_consultation_and_a_theme_in_child_words(client, session):
    user = official(session, "official-a")
    sign_in(client, user.username)
    still_open = open_consultation(session)
    page = client.get(f"/consultations/{still_open.id}/insights/check").text
    assert "still open" in page and "There is no accepted children's theme" in page and "Ask the children" not in page
    no_words = _closed(session, child_words=False)
    page = client.get(f"/consultations/{no_words.id}/insights/check").text
    assert "still open" not in page and "There is no accepted children's theme" in page
    response = _post(client, f"/consultations/{no_words.id}/insights/check/start", {"version": "1"}, page="/staff")
    assert response.status_code == 409 and "There is no accepted children's theme" in response.text
    assert session.exec(select(Analysis.state).where(Analysis.consultation_id == no_words.id)).first() in (None, "working")
    api = client.post(f"/api/v1/consultations/{no_words.id}/insights/check/start", json={"version": 1}, headers=_bearer(session, user))
    assert api.status_code == 409 and api.json()["type"].endswith("check-not-ready")
    ready = _closed(session)
    body = client.get(f"/api/v1/consultations/{ready.id}/insights/check", headers=_bearer(session, user)).json()
    assert body["can_start"] is True and body["state"] == "working"
    started = client.post(f"/api/v1/consultations/{ready.id}/insights/check/start", json={"version": body["version"]}, headers=_bearer(session, user))
    assert started.status_code == 200 and started.json()["state"] == "checking"
    stale = client.post(f"/api/v1/consultations/{ready.id}/insights/check/end", json={"version": body["version"]}, headers=_bearer(session, user))
    assert stale.status_code == 409 and stale.json()["type"].endswith("edited-meanwhile")


def test_ask_end_and_audit(client, session):
    user = official(session, "official-b")
    sign_in(client, user.username)
    consultation = _closed(session)
    page = client.get(f"/consultations/{consultation.id}/insights/check").text
    assert "Ask the children" in page and 'aria-current="page"' in page
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    response = _post(client, f"/consultations/{consultation.id}/insights/check/start", {"version": version}, page="/staff")
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert "can now check the themes" in page and "End the check" in page
    # A stale version (someone else's page from before): refused, nothing changed.
    stale = _post(client, f"/consultations/{consultation.id}/insights/check/end", {"version": version}, page="/staff")
    assert stale.status_code == 409 and "Another analyst changed this" in stale.text
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    assert _post(client, f"/consultations/{consultation.id}/insights/check/end", {"version": version}, page="/staff").status_code == 303
    session.expire_all()
    assert session.exec(select(Analysis).where(Analysis.consultation_id == consultation.id)).one().state == "checked"
    actions_done = set(session.exec(select(AuditEvent.action).where(AuditEvent.subject_id == str(consultation.id))).all())
    assert {"insights.check_started", "insights.check_ended"} <= actions_done


def test_skipping_needs_a_reason_and_the_page_shows_it(client, session):
    user = official(session, "official-c")
    sign_in(client, user.username)
    consultation = _closed(session)
    url = f"/consultations/{consultation.id}/insights/check/skip"
    response = _post(client, url, {"version": "1", "reason": "   "}, page="/staff")
    assert response.status_code == 422 and "Please say why" in response.text
    api = client.post(f"/api/v1{url}", json={"version": 1, "reason": ""}, headers=_bearer(session, user))
    assert api.status_code == 422
    response = _post(client, url, {"version": "1", "reason": "孩子们已经放暑假了"}, page="/staff")
    assert response.status_code == 303
    page = client.get(f"/consultations/{consultation.id}/insights/check").text
    assert "孩子们已经放暑假了" in page and "was skipped" in page
    body = client.get(f"/api/v1/consultations/{consultation.id}/insights/check", headers=_bearer(session, user)).json()
    assert (body["state"], body["check_skipped_reason"]) == ("checked", "孩子们已经放暑假了")
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "insights.check_skipped")).one()
    assert event.subject_id == str(consultation.id)


@pytest.mark.parametrize(("role", "read", "ask", "skip"), [
    (Role.ANALYST, 200, 303, 403),
    (Role.OFFICIAL, 200, 303, 303),
    (Role.ADMIN, 403, 403, 403),  # administrators hold neither INSIGHTS_READ nor CONSULTATIONS_MANAGE (permissions.py)
    (Role.MODERATOR, 403, 403, 403),
    (Role.FACILITATOR, 403, 403, 403),
    (Role.SAFEGUARDING_OFFICER, 403, 403, 403),
])
def test_who_may(client, session, role, read, ask, skip):
    consultation = _closed(session)
    user = make_user(session, f"user-{role.value}", [role])
    sign_in(client, user.username)
    base = f"/consultations/{consultation.id}/insights/check"
    assert client.get(base, follow_redirects=False).status_code == read
    assert client.get(f"/api/v1{base}", headers=_bearer(session, user)).status_code == read
    assert _post(client, f"{base}/skip", {"version": "1", "reason": "不需要"}, page="/staff").status_code == skip
    if skip != 303:
        assert _post(client, f"{base}/start", {"version": "1"}, page="/staff").status_code == ask


def test_a_child_cannot_open_the_staff_page(client, session):
    room, child = signed_in_taking_part(client, session)
    consultation = _closed(session)
    response = client.get(f"/consultations/{consultation.id}/insights/check", follow_redirects=False)
    assert response.status_code in (303, 401, 403)


# ---- the child's JSON API ------------------------------------------------------------------------------


def test_the_childs_api(client, session):
    room, child = signed_in_taking_part(client, session)
    consultation = _closed(session)
    _took_part(session, consultation, child)
    _start(session, consultation)
    headers = {"X-CSRF-Token": _token(client)}
    path = f"/api/v1/me/consultations/{consultation.id}/check"
    body = client.get(path, headers=headers).json()
    assert [t["agrees"] for t in body["themes"]] == [None, None]
    theme = body["themes"][0]["id"]
    for _ in range(2):
        body = client.put(f"{path}/themes/{theme}", json={"agrees": False}, headers=headers).json()
    assert body["themes"][0]["agrees"] is False
    assert session.exec(select(func.count()).select_from(ThemeCheck)).one() == 1
    sent = client.post(f"{path}/missing", json={"text": "还想要长椅"}, headers=headers)
    assert sent.status_code == 200 and sent.json() == {"told_a_grown_up": False}
    assert client.get(path, headers=headers).json()["missing_status"] == "pending"
    assert client.get(f"/api/v1/me/consultations/{consultation.id + 1000}/check", headers=headers).status_code == 404


# ---- erasure -----------------------------------------------------------------------------------------------


def test_erasing_a_child_removes_their_checks_and_their_missing_words(client, session):
    room, child = signed_in_taking_part(client, session)
    consultation = _closed(session)
    _took_part(session, consultation, child)
    _start(session, consultation)
    theme = _themes(session, consultation)[0]
    actions.check_theme(session=session, child=child, consultation=consultation, theme_id=theme.id, agrees=True)  # type: ignore[arg-type]
    actions.send_missing(session=session, child=child, consultation=consultation, text="还想要长椅", on_tablet=True)
    admin = make_user(session, "admin-erase", [Role.ADMIN])
    consent_actions.erase_child(session=session, child=child, requested_by="guardian", actor=admin)
    assert session.exec(select(func.count()).select_from(ThemeCheck).where(ThemeCheck.child_id == child.id)).one() == 0
    assert session.exec(select(func.count()).select_from(Comment).where(Comment.child_id == child.id)).one() == 0


# ---- a young person on their own phone ------------------------------------------------------------------


def test_a_young_person_checks_on_their_own_phone(app, session):
    """14-17 on their own phone (a personal code, no tablet): the same pages; their words come by phone."""
    from app.corps import actions as corps
    from app.corps.models import ChildCreate, ChildStatus
    from tests.conftest import csrf_token
    from tests.consultations.helpers import load_notices

    load_notices(session)
    room = classroom(session, size=1)
    teen, _ = corps.enrol(session=session, actor=room.facilitator, group=room.group,
                          data=ChildCreate(display_name="Rocket", avatar="panda", birth_year=2010, birth_month=1))
    corps.set_status(session=session, actor=room.facilitator, child=teen, status=ChildStatus.ACTIVE)
    take_part(session, teen)  # a young person decides alone (CON-09)
    code = corps.issue_personal_code(session=session, actor=room.facilitator, child=teen)
    consultation = _closed(session)
    _took_part(session, consultation, teen)
    _start(session, consultation)
    with english_client(app) as phone:
        signed = phone.post("/young", data={"csrf_token": csrf_token(phone, "/young"), "code": code}, follow_redirects=False)
        assert signed.headers["location"] == "/me"
        assert f"/me/consultations/{consultation.id}/check" in phone.get("/me").text
        page = f"/me/consultations/{consultation.id}/check"
        theme = _themes(session, consultation)[0]
        assert _post(phone, f"{page}/themes/{theme.id}", {"agrees": "no"}, page=page).status_code == 303
        assert _post(phone, f"{page}/missing", {"text": "还想要晚上也开放"}, page=page).status_code == 303
    assert session.exec(select(ThemeCheck.agrees).where(ThemeCheck.child_id == teen.id)).one() is False
    assert session.exec(select(Comment.channel).where(Comment.child_id == teen.id)).one() == "phone"
