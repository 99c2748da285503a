"""Enforcement (issue 4, CON-04): one guard, `app.consent.deps.ConsentGuard` (built on `consent.require`),
stands before every route that takes a child's input, and a test enumerating the application's routes
fails when one lacks it — so routes added later are caught too. Withdrawal takes effect at once, consents
expire at the end of the programme year (CON-14), and a material change tells guardians (CON-06)."""

import datetime as dt
import re

import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import PlainTextResponse
from fastapi.routing import APIRoute
from sqlmodel import Session, col, func, select

from app.consent import actions as consent_actions
from app.consent import service as consent
from app.consent.deps import HTMX_TARGET, ConsentGuard, ConsentingChild, consenting_child
from app.consent.files import NoticeVersionFile, load_notice_versions
from app.consent.models import (
    ConsentEvent,
    ConsentStatus,
    DecidedBy,
    Decision,
    Guardian,
    Guardianship,
    NoticeVersion,
    Purpose,
)
from app.core import crypto
from app.core.db import utcnow
from app.corps import actions as corps
from app.corps.deps import SignedInChild, current_child
from app.corps.models import Child, ChildCreate
from app.notifications.models import OutboxMessage
from tests.corps.tablet_helpers import classroom, open_tablet, tap_code

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

# Routes that take a child's request but manage the child's session or consent itself: these must work
# whatever the consent state is (a child must always be able to leave, say no, or stop).
ALLOWED_WITHOUT_GUARD = {
    "/me/done": "ends the child's session on the tablet; stores nothing the child said",
    "/me/still-here": "keeps the child's session alive after the idle warning; stores nothing the child said",
    "/me/assent": "the child's own yes or no (CON-08): the consent decision itself",
    "/me/stop": "the child stops taking part: withdrawing must always work",
    "/me/consent": "a young person's own decisions (CON-09): the consent decision itself",
    "/me/help": "safeguarding never depends on consent (SG-06, CON-15): the child's \"I need help\" opens a case",
}

# GET routes that SHOW a child's input (their answers, comments, what became of their ideas) must use the
# guard too. There are none yet: the child's home only says which consent state the child is in. When the
# consultations bring such pages, add their paths here; the test below then requires the guard on them.
SHOWS_CHILD_INPUT: set[str] = {
    # The child's consultations (app/consultations/child_views.py and the child's JSON API): the intro with the
    # stored answers prefilled, the thanks with the receipt, the results of the questions the child answered,
    # and the list of consultations the child answered.
    "/me/consultations/{consultation_id}", "/me/consultations/{consultation_id}/thanks",
    "/me/consultations/{consultation_id}/results",
    "/api/v1/me/consultations", "/api/v1/me/consultations/{consultation_id}",
    "/api/v1/me/consultations/{consultation_id}/results",
    # The child's own comments and what became of them (app/consultations/comment_views.py, MOD-21).
    "/me/comments",
    # The children's check of the themes (issue 16): the child's own answers and "something is missing".
    "/me/consultations/{consultation_id}/check", "/api/v1/me/consultations/{consultation_id}/check",
}


def _dependencies(dependant) -> list:  # noqa: ANN001
    """Every dependency of a route, through sub-dependencies, depth first."""
    found = []
    for dependency in dependant.dependencies:
        found.append(dependency)
        found.extend(_dependencies(dependency))
    return found


def depends_on_child(route: APIRoute) -> bool:
    return any(d.call is current_child for d in _dependencies(route.dependant))


def consent_guards(route: APIRoute) -> list[ConsentGuard]:
    return [d.call for d in _dependencies(route.dependant) if isinstance(d.call, ConsentGuard)]


def takes_child_input(route: APIRoute) -> bool:
    return depends_on_child(route) and bool(set(route.methods) & UNSAFE)


def unguarded(routes, allowed: dict[str, str] = ALLOWED_WITHOUT_GUARD, shows_input: set[str] = SHOWS_CHILD_INPUT) -> list[str]:  # noqa: ANN001
    """The routes that take (or show) a child's input without the consent guard."""
    problems = []
    for route in routes:
        if not isinstance(route, APIRoute):
            continue
        needs_guard = (takes_child_input(route) and route.path not in allowed) or route.path in shows_input
        if needs_guard and not consent_guards(route):
            problems.append(f"{','.join(sorted(route.methods))} {route.path}")
    return problems


def _app_routes() -> list[APIRoute]:
    from app.main import routes

    return list(routes())


# ---- the route-enumeration test -------------------------------------------------------------------


def test_every_route_that_takes_a_childs_input_has_the_consent_guard():
    assert unguarded(_app_routes()) == [], (
        "these routes take a child's input without the consent guard: depend on app.consent.deps.ConsentingChild "
        "(or ConsentGuard(purpose)) instead of SignedInChild, or, if the route manages the child's session or "
        "consent itself, add it to ALLOWED_WITHOUT_GUARD with the reason"
    )


def test_the_allow_list_names_only_routes_that_exist_and_take_a_childs_request():
    child_posts = {route.path for route in _app_routes() if takes_child_input(route)}
    assert set(ALLOWED_WITHOUT_GUARD) <= child_posts, set(ALLOWED_WITHOUT_GUARD) - child_posts
    assert all(reason.strip() for reason in ALLOWED_WITHOUT_GUARD.values())


def test_the_childs_routes_are_found_through_the_dependency_tree():
    """The checker sees current_child behind SignedInChild and behind the guard (a sub-dependency)."""
    by_path = {(route.path, tuple(sorted(route.methods))): route for route in _app_routes()}
    assert depends_on_child(by_path[("/me/done", ("POST",))])
    assert takes_child_input(by_path[("/me/assent", ("POST",))])
    assert not takes_child_input(by_path[("/me", ("GET",))])  # reading the home screen takes no input
    assert not depends_on_child(by_path[("/tablet/child/{child_id}", ("POST",))])  # signing in: no child yet
    # Every /me route with an unsafe method is a child's: nothing there escapes the check by not asking who.
    for route in _app_routes():
        if route.path.startswith("/me") and set(route.methods) & UNSAFE:
            assert depends_on_child(route), route.path


def test_the_checker_flags_an_unguarded_child_route_and_passes_a_guarded_one():
    """The enumeration test can fail: a throwaway router with a child's POST route lacking the guard."""
    router = APIRouter()

    @router.post("/me/answers")
    def unguarded_answer(child: SignedInChild) -> str:
        return "kept"

    @router.post("/me/comments")
    def guarded_comment(child: ConsentingChild) -> str:
        return "kept"

    @router.delete("/me/ideas/{idea_id}")
    def deeply_unguarded(idea_id: int, child: SignedInChild) -> str:
        return "gone"

    def indirect(child: SignedInChild) -> Child:  # current_child two levels down
        return child

    @router.put("/me/drawing")
    def indirectly_unguarded(child: Child = Depends(indirect)) -> str:  # noqa: B008
        return "kept"

    @router.get("/me/answers")
    def show_answers(child: SignedInChild) -> str:
        return "the child's answers"

    assert sorted(unguarded(router.routes)) == ["DELETE /me/ideas/{idea_id}", "POST /me/answers", "PUT /me/drawing"]
    # A GET that shows a child's input is flagged once it is declared as such.
    assert "GET /me/answers" in unguarded(router.routes, shows_input={"/me/answers"})
    # And the allow-list lets a declared exception through.
    assert "POST /me/answers" not in unguarded(router.routes, allowed={"/me/answers": "test"})


def test_the_guard_carries_its_purpose():
    assert consenting_child(Purpose.QUOTE).purpose == Purpose.QUOTE
    router = APIRouter()

    @router.post("/me/comments")
    def comment(child: ConsentingChild) -> str:
        return "kept"

    guards = consent_guards(router.routes[0])
    assert [guard.purpose for guard in guards] == [Purpose.PARTICIPATE]


# ---- the guard at work: withdrawal takes effect at once ---------------------------------------------


@pytest.fixture
def notices(session: Session) -> None:
    consent_actions.sync_notices(session=session, versions=load_notice_versions())


def _guardian(session: Session, contact: str = "13800138000", locale: str = "zh_Hans") -> Guardian:
    guardian = Guardian(contact_kind="phone", contact=contact, contact_hash=crypto.lookup_hash(contact, purpose="phone"), locale=locale)
    session.add(guardian)
    session.commit()
    return guardian


def _link(session: Session, guardian: Guardian, child: Child) -> None:
    session.add(Guardianship(guardian_id=guardian.id, child_id=child.id))
    session.commit()


def _taking_part(session: Session, child: Child, guardian: Guardian, *, expires_at: dt.datetime | None = None) -> None:
    for decided_by in (DecidedBy.GUARDIAN, DecidedBy.CHILD_ASSENT):
        consent.record(
            session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.GRANTED, decided_by=decided_by,
            channel="web", guardian=guardian if decided_by == DecidedBy.GUARDIAN else None,
            notice_version=consent.current_version(session=session), expires_at=expires_at or consent.programme_year_end(),
        )
    session.commit()


def _withdraw(session: Session, child: Child, guardian: Guardian) -> None:
    consent.record(
        session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.WITHDRAWN, decided_by=DecidedBy.GUARDIAN,
        channel="web", guardian=guardian, notice_version=consent.current_version(session=session),
    )
    session.commit()


def _signed_in_child(client, session):  # noqa: ANN001, ANN202
    room = classroom(session, size=0)
    child, code = corps.enrol(
        session=session, actor=room.facilitator, group=room.group,
        data=ChildCreate(display_name="小星星", avatar="panda", birth_year=2016, birth_month=5),
    )
    open_tablet(client, room)
    assert tap_code(client, child, code).headers["location"] == "/me"
    return child


def _with_test_routes(app: FastAPI) -> list[dict]:
    """A test-only child action behind the guard (the consultations will bring the real ones)."""
    kept: list[dict] = []

    def answer(request: Request, child: ConsentingChild) -> PlainTextResponse:
        kept.append({"child": child.id})
        return PlainTextResponse("kept")

    app.add_api_route("/me/test-answer", answer, methods=["POST"])
    return kept


def _child_csrf(client) -> str:  # noqa: ANN001
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/me").text).group(1)


def test_a_consenting_child_passes_the_guard_and_a_withdrawn_child_is_refused_kindly(app, client, session, notices):
    kept = _with_test_routes(app)
    child = _signed_in_child(client, session)
    guardian = _guardian(session)
    _link(session, guardian, child)
    _taking_part(session, child, guardian)
    token = _child_csrf(client)

    answered = client.post("/me/test-answer", data={"csrf_token": token}, follow_redirects=False)
    assert answered.status_code == 200 and answered.text == "kept"
    assert kept == [{"child": child.id}]

    _withdraw(session, child, guardian)
    refused = client.post("/me/test-answer", data={"csrf_token": token}, follow_redirects=False)
    assert refused.status_code == 403
    assert kept == [{"child": child.id}]  # nothing new was kept
    assert "Not yet" in refused.text
    assert "You are not taking part now, so this was not kept." in refused.text
    assert 'href="/me"' in refused.text and "Back to my page" in refused.text  # the way back to the child's page
    assert 'href="/help"' in refused.text  # the help button (CON-15: help never depends on consent)
    assert "Error code" not in refused.text

    # htmx swaps no 403: it is sent to the child's home, which says the same kindly.
    htmx = client.post("/me/test-answer", data={"csrf_token": token}, headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.status_code == 403 and htmx.headers["HX-Redirect"] == HTMX_TARGET
    home = client.get(HTMX_TARGET)
    assert "You are not taking part now, so this was not kept. That is OK." in home.text
    assert kept == [{"child": child.id}]


def test_the_home_screen_says_at_once_that_a_withdrawn_child_is_not_taking_part(client, session, notices):
    child = _signed_in_child(client, session)
    guardian = _guardian(session)
    _taking_part(session, child, guardian)
    assert "You are taking part" in client.get("/me").text
    _withdraw(session, child, guardian)
    home = client.get("/me")
    assert home.status_code == 200
    assert "You are not taking part now" in home.text
    assert "you did nothing wrong" in home.text
    assert "/me/stop" not in home.text  # nothing to stop
    assert "Waiting for your grown-up" not in home.text


def test_a_child_who_was_never_asked_gets_the_waiting_words_from_the_guard(app, client, session, notices):
    kept = _with_test_routes(app)
    _signed_in_child(client, session)
    refused = client.post("/me/test-answer", data={"csrf_token": _child_csrf(client)}, follow_redirects=False)
    assert refused.status_code == 403
    assert "We need a yes from you and your grown-up" in refused.text
    assert kept == []


def test_a_signed_out_visitor_never_reaches_the_guarded_action(app, client, session, notices):
    kept = _with_test_routes(app)
    refused = client.post("/me/test-answer", data={"csrf_token": "x"}, follow_redirects=False)
    assert refused.status_code in (303, 403)
    assert kept == []


# ---- expiry at the end of the programme year (CON-14) ---------------------------------------------


def test_expiry_records_one_system_event_and_is_idempotent(session, notices):
    room = classroom(session, size=2)
    (due, _), (later, _) = room.children
    guardian = _guardian(session)
    yesterday = utcnow() - dt.timedelta(days=1)
    _taking_part(session, due, guardian, expires_at=yesterday + dt.timedelta(hours=1))
    _taking_part(session, later, guardian, expires_at=utcnow() + dt.timedelta(days=30))
    session.expire_all()
    assert consent.state_of(session=session, child=due, purpose=Purpose.PARTICIPATE).status == ConsentStatus.GRANTED.value

    assert consent_actions.expire_due(session=session) == 1
    assert consent_actions.expire_due(session=session) == 0
    session.expire_all()
    state = consent.state_of(session=session, child=due, purpose=Purpose.PARTICIPATE)
    assert state.status == ConsentStatus.EXPIRED.value and state.expires_at is None
    assert state.notice_version_id is not None  # the version agreed to stays known
    assert not consent.allows(session=session, child=due, purpose=Purpose.PARTICIPATE)
    assert consent.allows(session=session, child=later, purpose=Purpose.PARTICIPATE)
    events = session.exec(select(ConsentEvent).where(ConsentEvent.child_id == due.id, ConsentEvent.decision == Decision.EXPIRED.value)).all()
    assert len(events) == 1 and events[0].decided_by == DecidedBy.SYSTEM.value and events[0].channel == "system"
    # A later run (the next day) expires the other one, and only once.
    assert consent_actions.expire_due(session=session, now=utcnow() + dt.timedelta(days=31)) == 1
    assert consent_actions.expire_due(session=session, now=utcnow() + dt.timedelta(days=32)) == 0


def test_the_expire_command(session, notices, settings):
    from typer.testing import CliRunner

    from app.cli import app as cli

    room = classroom(session, size=1)
    child, _ = room.children[0]
    _taking_part(session, child, _guardian(session), expires_at=utcnow() - dt.timedelta(minutes=1))
    runner = CliRunner()
    first = runner.invoke(cli, ["consent", "expire"])
    assert first.exit_code == 0, first.output
    assert "1 consents expired" in first.output
    again = runner.invoke(cli, ["consent", "expire"])
    assert "0 consents expired" in again.output
    session.expire_all()
    assert not consent.allows(session=session, child=child, purpose=Purpose.PARTICIPATE)


# ---- a material change tells each guardian once (CON-06) -------------------------------------------


SUMMARY = {"zh_Hans": "我们会把评论保存得更久。", "en": "We keep comments longer."}


def _material_version(base: NoticeVersionFile) -> NoticeVersionFile:
    """A copy of a loaded version as a new version marked material_change, with a summary per locale."""
    from dataclasses import replace

    texts = tuple(
        replace(text, material_change=True, change_summary=SUMMARY.get(text.locale, "") if text.audience == "guardian" else "")
        for text in base.texts
    )
    return replace(base, version="2099-01", texts=texts)


def _material_change_sync(session: Session) -> list[NoticeVersion]:
    """Load the current notices, then a copy of the newest as a new version marked material_change."""
    versions = load_notice_versions()
    newest = versions[-1]
    result = consent_actions.sync_notices(session=session, versions=[_material_version(newest)])
    return result.loaded


def test_a_material_change_queues_one_message_per_guardian_even_when_run_twice(session, notices):
    room = classroom(session, size=3)
    (first, _), (second, _), (third, _) = room.children
    mum, dad, other = _guardian(session, "13800000001"), _guardian(session, "13800000002", locale="en"), _guardian(session, "13800000003")
    for guardian, child in ((mum, first), (dad, first), (mum, second), (other, third)):
        _link(session, guardian, child)
    _taking_part(session, first, mum)
    consent.record(
        session=session, child=second, purpose=Purpose.QUOTE, decision=Decision.GRANTED, decided_by=DecidedBy.GUARDIAN,
        channel="web", guardian=mum, notice_version=consent.current_version(session=session),
    )
    session.commit()
    # The third child's guardian agreed to nothing: no consent is superseded, no message.

    loaded = _material_change_sync(session)
    assert [v.material_change for v in loaded] == [True]
    assert consent_actions.notify_material_change(session=session, versions=loaded) == 2
    assert consent_actions.notify_material_change(session=session) == 0  # run again: nothing more

    messages = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "consent_changed").order_by(col(OutboxMessage.id))).all()
    keys = sorted(m.idempotency_key for m in messages)
    assert keys == sorted(f"consent_changed:{loaded[0].id}:{g.id}" for g in (mum, dad))
    bodies = {m.idempotency_key.rsplit(":", 1)[1]: (m.locale, m.body) for m in messages}
    assert bodies[str(dad.id)][0] == "en" and "/guardian/home" in bodies[str(dad.id)][1]
    assert bodies[str(mum.id)][0] == "zh_Hans" and "/guardian/home" in bodies[str(mum.id)][1]
    assert SUMMARY["en"] in bodies[str(dad.id)][1] and SUMMARY["zh_Hans"] in bodies[str(mum.id)][1]
    session.expire_all()
    assert not consent.allows(session=session, child=first, purpose=Purpose.PARTICIPATE)
    assert session.exec(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "consent_changed")).one() == 2


def test_the_sync_command_tells_guardians_once(session, notices, settings, monkeypatch):
    from typer.testing import CliRunner

    from app import cli as cli_module
    from app.consent import files

    room = classroom(session, size=1)
    child, _ = room.children[0]
    guardian = _guardian(session)
    _link(session, guardian, child)
    _taking_part(session, child, guardian)
    versions = load_notice_versions()
    material = _material_version(versions[-1])
    monkeypatch.setattr(files, "load_notice_versions", lambda *a, **k: [*versions, material])
    monkeypatch.setattr(files, "validate", lambda *a, **k: [])
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(cli_module.app, ["consent", "sync"])
        assert result.exit_code == 0, result.output
    count = session.exec(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "consent_changed")).one()
    assert count == 1
