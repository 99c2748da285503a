"""Lock-outs hold under concurrency (issue 13, point 1), tested the way an outside probe broke them: after four
wrong tries, three wrong tries and the right one sent at the same moment to `yimi serve --workers 2`, many
rounds in a row, for all three kinds of secret (a child's picture code, a young person's personal code, a
staff password). Whatever the order the two workers take them in:

* at most one of the four is checked (one try was left): either the right one signs in and the count starts
  again, or a wrong one locks the account and the right one is refused;
* no session begins once the lock is set, and no account is ever locked with its count back at zero;
* 30 wrong tries at once count exactly five.

The lock is decided by the database (a try is counted in one UPDATE before the secret is checked, and the
session is created in the transaction whose UPDATE proves the account is not locked), on SQLite and
PostgreSQL alike. No retry hides a failure: every round's outcome is asserted.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import update
from sqlmodel import Session, col, func, select

from app.accounts.models import Role, StaffSession, StaffUser
from app.core.audit import AuditEvent
from app.core.db import utcnow
from app.corps import actions as corps
from app.corps.models import Child, ChildCreate, ChildSession, ChildStatus
from tests.conftest import PASSWORD, make_user
from tests.corps.tablet_helpers import classroom, wrong_code

ROUNDS = 12
LIMITS = {"YIMI_RATE_LIMIT_SIGN_IN": "100000/minute", "YIMI_RATE_LIMIT_PERSONAL_CODE": "100000/minute"}
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')


def _at_once(senders: list[Callable[[], int]]) -> list[int]:
    """Every sender posts at the same moment (a barrier releases them together); their status codes."""
    barrier = threading.Barrier(len(senders))

    def go(send: Callable[[], int]) -> int:
        barrier.wait()
        return send()

    with ThreadPoolExecutor(max_workers=len(senders)) as pool:
        return list(pool.map(go, senders))


def _audit_count(session: Session, action: str, subject_id: int, after: int) -> int:
    return session.exec(
        select(func.count()).select_from(AuditEvent)
        .where(AuditEvent.action == action, AuditEvent.subject_id == str(subject_id), col(AuditEvent.id) > after)
    ).one()


def _last_audit_id(session: Session) -> int:
    return session.exec(select(func.max(AuditEvent.id))).one() or 0


# ---- children: picture codes on a tablet, personal codes on a phone ------------------------------------------


def _child_round_outcome(session: Session, child_id: int, since: dt.datetime, after: int) -> tuple[Child, int, int, int]:
    session.expire_all()
    child = session.get(Child, child_id)
    sessions = session.exec(
        select(func.count()).select_from(ChildSession).where(ChildSession.child_id == child_id, col(ChildSession.created_at) >= since)
    ).one()
    wrong = _audit_count(session, "corps.child_code_wrong", child_id, after)
    signed_in = _audit_count(session, "corps.child_sign_in", child_id, after)
    return child, sessions, wrong, signed_in


def _assert_child_round(session: Session, child_id: int, since: dt.datetime, after: int, statuses: list[int]) -> None:
    child, sessions, wrong, signed_in = _child_round_outcome(session, child_id, since, after)
    # The database never holds a lock with the count back at zero.
    assert not (child.locked_at is not None and child.failed_codes == 0), (child.failed_codes, child.locked_at, statuses)
    assert sessions == signed_in <= 1, (sessions, signed_in, statuses)
    if child.locked_at is not None:
        # A wrong try took the last one: it is the only one counted, and nobody signed in.
        assert (child.failed_codes, wrong, sessions) == (5, 1, 0), (child.failed_codes, wrong, sessions, statuses)
    else:
        # The right code took the last try: signed in, and the count started again (later wrong tries may
        # count from zero, never up to a lock).
        assert sessions == 1 and child.failed_codes < 5, (child.failed_codes, wrong, sessions, statuses)
    if sessions:
        live = session.exec(select(ChildSession).where(ChildSession.child_id == child_id, col(ChildSession.ended_at).is_(None))).all()
        assert child.locked_at is None or all(s.created_at < child.locked_at for s in live)


def _reset_child(session: Session, child_id: int, failed: int) -> None:
    session.execute(update(Child).where(col(Child.id) == child_id).values(failed_codes=failed, locked_at=None))
    session.execute(update(ChildSession).where(col(ChildSession.child_id) == child_id).values(ended_at=utcnow()))
    session.commit()


def _tablet(base: str, room) -> tuple[dict[str, str], str]:  # noqa: ANN001
    """The tablet's cookies and the code page's CSRF token, as a facilitator opens a tablet for the group."""
    with httpx.Client(base_url=base, headers={"Accept-Language": "en"}) as client:
        token = CSRF_META.search(client.get("/signin").text).group(1)
        client.post("/signin", data={"username": room.facilitator.username, "password": PASSWORD, "csrf_token": token})
        token = CSRF_META.search(client.get("/staff").text).group(1)
        opened = client.post(f"/corps/groups/{room.group.id}/tablet", data={"csrf_token": token, "hours": "2"})
        assert opened.status_code == 303 and "yimi_tablet" in client.cookies
        child_id = room.children[0][0].id
        page = client.get(f"/tablet/child/{child_id}")
        return dict(client.cookies), CSRF_FIELD.search(page.text).group(1)


def test_picture_code_lock_holds_when_wrong_codes_and_the_right_one_arrive_together(serve_yimi, session):
    base = serve_yimi(**LIMITS).base
    room = classroom(session, size=1)
    child, code = room.children[0]
    cookies, token = _tablet(base, room)
    bad = wrong_code(code)
    clients = [httpx.Client(base_url=base, cookies=cookies, headers={"Accept-Language": "en"}) for _ in range(30)]
    try:
        for client in clients:
            client.get("/healthz")  # open the connections first, so that the tries leave together

        def tap(client: httpx.Client, picked: list[str]) -> Callable[[], int]:
            data = {"csrf_token": token, "entered": ",".join(picked[:2]), "pick": picked[2]}
            return lambda: client.post(f"/tablet/child/{child.id}", data=data).status_code

        for round_ in range(ROUNDS):
            _reset_child(session, child.id, failed=4)
            since, after = utcnow(), _last_audit_id(session)
            senders = [tap(clients[i], bad) for i in range(3)]
            senders.insert(round_ % 4, tap(clients[3], code))
            statuses = _at_once(senders)
            assert set(statuses) <= {303, 400, 423}, statuses
            _assert_child_round(session, child.id, since, after, statuses)

        # 30 wrong codes at once, from no wrong try at all: exactly five are counted, then the lock.
        _reset_child(session, child.id, failed=0)
        after = _last_audit_id(session)
        statuses = _at_once([tap(c, bad) for c in clients])
        session.expire_all()
        locked = session.get(Child, child.id)
        assert (locked.failed_codes, locked.locked_at is not None) == (5, True), statuses
        assert _audit_count(session, "corps.child_code_wrong", child.id, after) == 5
        assert statuses.count(400) <= 4 and set(statuses) <= {400, 423}, statuses
    finally:
        for client in clients:
            client.close()


def test_personal_code_lock_holds_when_wrong_codes_and_the_right_one_arrive_together(serve_yimi, session):
    base = serve_yimi(**LIMITS).base
    room = classroom(session, size=0)
    teen, _ = corps.enrol(session=session, actor=room.facilitator, group=room.group,
                          data=ChildCreate(display_name="Rocket", avatar="fox", birth_year=utcnow().year - 15, birth_month=1))
    corps.set_status(session=session, actor=room.facilitator, child=teen, status=ChildStatus.ACTIVE)
    code = corps.issue_personal_code(session=session, actor=room.facilitator, child=teen)
    wrong = code[:-1] + ("a" if code[-1] != "a" else "b")
    clients = [httpx.Client(base_url=base, headers={"Accept-Language": "en"}) for _ in range(30)]
    try:
        tokens = [CSRF_META.search(c.get("/young").text).group(1) for c in clients]

        def send(i: int, value: str) -> Callable[[], int]:
            return lambda: clients[i].post("/young", data={"csrf_token": tokens[i], "code": value}).status_code

        for round_ in range(ROUNDS):
            _reset_child(session, teen.id, failed=4)
            for client in clients[:4]:
                client.cookies.delete("yimi_child")
            since, after = utcnow(), _last_audit_id(session)
            senders = [send(i, wrong) for i in range(3)]
            senders.insert(round_ % 4, send(3, code))
            statuses = _at_once(senders)
            assert set(statuses) <= {303, 400, 423}, statuses
            _assert_child_round(session, teen.id, since, after, statuses)

        _reset_child(session, teen.id, failed=0)
        after = _last_audit_id(session)
        statuses = _at_once([send(i, wrong) for i in range(30)])
        session.expire_all()
        locked = session.get(Child, teen.id)
        assert (locked.failed_codes, locked.locked_at is not None) == (5, True), statuses
        assert _audit_count(session, "corps.child_code_wrong", teen.id, after) == 5
    finally:
        for client in clients:
            client.close()


# ---- staff passwords ---------------------------------------------------------------------------------------


def _reset_staff(session: Session, user_id: int, failed: int) -> None:
    session.execute(
        update(StaffUser).where(col(StaffUser.id) == user_id)
        .values(failed_sign_ins=failed, first_failed_at=utcnow() if failed else None, locked_until=None)
    )
    session.execute(update(StaffSession).where(col(StaffSession.user_id) == user_id).values(revoked_at=utcnow(), revoked_reason="test"))
    session.commit()


def test_staff_password_lock_holds_when_wrong_passwords_and_the_right_one_arrive_together(serve_yimi, session):
    base = serve_yimi(**LIMITS).base
    user = make_user(session, "official1", [Role.OFFICIAL])
    clients = [httpx.Client(base_url=base, headers={"Accept-Language": "en"}) for _ in range(30)]
    try:
        tokens = [CSRF_META.search(c.get("/signin").text).group(1) for c in clients]

        def send(i: int, password: str) -> Callable[[], int]:
            data = {"csrf_token": tokens[i], "username": "official1", "password": password}
            return lambda: clients[i].post("/signin", data=data).status_code

        for round_ in range(ROUNDS):
            _reset_staff(session, user.id, failed=4)
            clients[3].cookies.delete("yimi_session")
            since, after = utcnow(), _last_audit_id(session)
            senders = [send(i, "not the password") for i in range(3)]
            senders.insert(round_ % 4, send(3, PASSWORD))
            statuses = _at_once(senders)
            assert set(statuses) <= {303, 400}, statuses
            session.expire_all()
            staff = session.get(StaffUser, user.id)
            sessions = session.exec(
                select(StaffSession).where(StaffSession.user_id == user.id, col(StaffSession.created_at) >= since)
            ).all()
            wrong = _audit_count(session, "staff.sign_in_failed", user.id, after)
            assert len(sessions) == _audit_count(session, "staff.sign_in", user.id, after) <= 1, statuses
            assert not (staff.locked_until is not None and staff.failed_sign_ins == 0)
            if staff.locked_until is not None:
                # Locked: no session at all from this round, so no live session while the lock is set.
                assert (staff.failed_sign_ins, wrong, len(sessions)) == (5, 1, 0), (staff.failed_sign_ins, wrong, statuses)
            else:
                assert len(sessions) == 1 and staff.failed_sign_ins < 5, (staff.failed_sign_ins, wrong, statuses)

        # 30 wrong passwords at once: exactly five checked and counted.
        _reset_staff(session, user.id, failed=0)
        after = _last_audit_id(session)
        statuses = _at_once([send(i, "not the password") for i in range(30)])
        session.expire_all()
        staff = session.get(StaffUser, user.id)
        assert staff.failed_sign_ins == 5 and staff.locked_until is not None, statuses
        assert _audit_count(session, "staff.sign_in_failed", user.id, after) == 5
        assert _audit_count(session, "staff.sign_in_refused_locked", user.id, after) == 25
        # And the right password is refused while the lock holds, whichever worker answers.
        assert all(send(i, PASSWORD)() == 400 for i in range(4))
        session.expire_all()
        assert session.exec(select(StaffSession).where(StaffSession.user_id == user.id, col(StaffSession.revoked_at).is_(None))).all() == []
    finally:
        for client in clients:
            client.close()
