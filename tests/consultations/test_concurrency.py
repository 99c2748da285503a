"""Answers are never lost or counted twice, and never stored after a withdrawal or an erasure (PAR-03,
CON-07, issue 4) — proven against the real server (`yimi serve --workers 2`, the `served_app` fixture) on
SQLite and on PostgreSQL, over HTTP, with the child signed in on a tablet and the JSON child API
(`GET /api/v1/me/consultations/{id}` for a key, `POST …/answers` with the child session's CSRF header).

The database settles every race: one answer per child and question (unique constraint, upsert), one
participation (upsert), a key that makes a retried send count once (INSERT … ON CONFLICT DO NOTHING), and
the child's consent row held for the whole write (`consent.hold`), which a withdrawal or an erasure takes
too, so that each waits for the other."""

import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlmodel import Session, col, func, select

from app.consent import actions as consent_actions
from app.consent import service as consent
from app.consent.models import ConsentState, DecidedBy, Decision, Guardian, Purpose
from app.consultations import answering, results, service
from app.consultations.models import (
    Answer,
    AnswerIn,
    Channel,
    Comment,
    CommentStatus,
    Participation,
    Submission,
)
from app.core import db
from app.core.db import utcnow
from app.corps.models import Child
from tests.consultations.helpers import load_notices, open_consultation, take_part
from tests.corps.tablet_helpers import classroom, open_tablet, tap_code

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
BURST = 50


class Tablet:
    """A child signed in on a tablet of the served app, speaking the JSON child API."""

    def __init__(self, base: str, session: Session) -> None:
        load_notices(session)
        self.room = classroom(session, size=1)
        self.child: Child = self.room.children[0][0]
        self.guardian: Guardian | None = take_part(session, self.child)
        self.consultation = open_consultation(session, group_ids=[self.room.group.id])
        questions = service.questions_of(session=session, consultation=self.consultation)
        self.scale = next(q for q in questions if q.kind == "scale")
        self.text = next(q for q in questions if q.kind == "text")
        self.client = httpx.Client(base_url=base, headers={"Accept-Language": "en"}, timeout=60.0,
                                   limits=httpx.Limits(max_connections=BURST + 10, max_keepalive_connections=BURST + 10))
        self.sign_in()

    def sign_in(self) -> None:
        self.client.cookies.clear()
        open_tablet(self.client, self.room)  # type: ignore[arg-type]
        response = tap_code(self.client, self.child, self.room.children[0][1])  # type: ignore[arg-type]
        assert response.headers["location"] == "/me", response.text
        self.csrf = CSRF_META.search(self.client.get("/me").text).group(1)

    @property
    def path(self) -> str:
        return f"/api/v1/me/consultations/{self.consultation.id}"

    def key(self) -> str:
        response = self.client.get(self.path, headers={"X-CSRF-Token": self.csrf})
        assert response.status_code == 200, response.text
        return response.json()["key"]

    def send(self, key: str, n: int) -> httpx.Response:
        body = {"key": key, "answers": [
            {"question_id": self.scale.id, "scale": 1 + n % 5},
            {"question_id": self.text.id, "text": f"第{n}个想法"},  # a new text each time: a new pending comment
        ]}
        return self.client.post(f"{self.path}/answers", json=body, headers={"X-CSRF-Token": self.csrf})


@pytest.fixture
def tablet(served_app, session):  # noqa: ANN001, ANN201
    found = Tablet(served_app, session)
    yield found
    found.client.close()


def burst(calls: list, extra=None, after: int = 5) -> list:  # noqa: ANN001
    """Run every call at once (released together by a barrier), plus `extra` in its own thread, started as
    soon as `after` calls have been answered: in the middle of the burst, whatever the machine's speed."""
    gate = threading.Barrier(len(calls) + (1 if extra else 0))
    answered = threading.Semaphore(0)

    def run(call):  # noqa: ANN001, ANN202
        gate.wait()
        try:
            return call()
        finally:
            answered.release()

    def run_extra() -> None:
        gate.wait()
        for _ in range(after):
            answered.acquire(timeout=60)
        extra()

    with ThreadPoolExecutor(max_workers=len(calls) + 1) as pool:
        futures = [pool.submit(run, call) for call in calls]
        side = pool.submit(run_extra) if extra else None
        results = [f.result() for f in futures]
        if side is not None:
            side.result()
    return results


def _count(session: Session, model: type, child: Child) -> int:
    return session.exec(select(func.count()).select_from(model).where(col(model.child_id) == child.id)).one()  # type: ignore[attr-defined]


def test_fifty_concurrent_sends_leave_one_answer_one_participation_and_one_receipt(tablet, session):
    """Half of the 50 sends retry one key, half carry keys of their own: one answer row per question, one
    participation, one receipt for all, the retried key stored once, and no server error."""
    shared = tablet.key()
    own = [tablet.key() for _ in range(BURST // 2)]
    keys = [shared] * (BURST - len(own)) + own
    responses = burst([lambda k=k, n=n: tablet.send(k, n) for n, k in enumerate(keys)])
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: BURST}, {s: [r.text for r in responses if r.status_code == s][:1] for s in statuses}
    receipts = [r.json() for r in responses]
    assert len({r["receipt_code"] for r in receipts}) == 1
    shared_receipts = [r for r, k in zip(receipts, keys, strict=True) if k == shared]
    assert sum(not r["repeated"] for r in shared_receipts) == 1  # the shared key was stored once
    assert all(not r["repeated"] for r, k in zip(receipts, keys, strict=True) if k != shared)
    session.expire_all()
    child = tablet.child
    rows = session.exec(select(Answer).where(Answer.child_id == child.id)).all()
    assert sorted(a.question_id for a in rows) == sorted([tablet.scale.id, tablet.text.id])
    assert _count(session, Participation, child) == 1
    assert _count(session, Submission, child) == 1 + len(own)
    assert _count(session, Comment, child) == 1
    participation = session.exec(select(Participation).where(Participation.child_id == child.id)).one()
    assert participation.receipt_code == receipts[0]["receipt_code"] and participation.channel == Channel.TABLET.value
    assert results.participation_counts(session=session, consultation=tablet.consultation) == {"tablet": 1}


def _regrant(session: Session, tablet: Tablet) -> None:
    child = session.get(Child, tablet.child.id)
    consent.record(session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.GRANTED,  # type: ignore[arg-type]
                   decided_by=DecidedBy.GUARDIAN, channel="web", guardian=tablet.guardian)
    consent.record(session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.GRANTED,  # type: ignore[arg-type]
                   decided_by=DecidedBy.CHILD_ASSENT, channel="tablet")
    session.commit()


@pytest.mark.parametrize("rounds", [3])
def test_answers_sent_while_a_withdrawal_commits_are_refused_or_removed_never_kept_after_it(tablet, session, rounds):
    """CON-07 (issue 4): a withdrawal committed in another connection in the middle of 50 sends. Each send
    either lands before it (and its pending comment is removed by it) or is refused: after it no pending
    comment remains and nothing was written later than it."""
    for round_ in range(rounds):
        keys = [tablet.key() for _ in range(BURST)]
        committed: dict[str, object] = {}

        def withdraw(committed: dict[str, object] = committed) -> None:
            with Session(db.get_engine(), expire_on_commit=False) as other:
                child = other.get(Child, tablet.child.id)
                event = consent.record(session=other, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.WITHDRAWN,  # type: ignore[arg-type]
                                       decided_by=DecidedBy.GUARDIAN, channel="web", guardian=tablet.guardian)
                other.commit()
                committed["at"] = utcnow()
                committed["event_at"] = event.at

        responses = burst([lambda k=k, n=n + 100 * round_: tablet.send(k, n) for n, k in enumerate(keys)], withdraw)
        statuses = Counter(r.status_code for r in responses)
        assert set(statuses) <= {200, 403}, {s: [r.text for r in responses if r.status_code == s][:1] for s in statuses}
        session.expire_all()
        child = tablet.child
        pending = session.exec(
            select(Comment).where(Comment.child_id == child.id, Comment.status == CommentStatus.PENDING.value)
        ).all()
        assert pending == [], f"round {round_}: {len(pending)} pending comment(s) kept after the withdrawal ({statuses})"
        late_answers = session.exec(select(Answer).where(Answer.child_id == child.id, col(Answer.updated_at) > committed["at"])).all()
        late_comments = session.exec(select(Comment).where(Comment.child_id == child.id, col(Comment.updated_at) > committed["at"])).all()
        assert late_answers == [] and late_comments == [], f"round {round_}: written after the withdrawal"
        assert not consent.allows(session=session, child=child, purpose=Purpose.PARTICIPATE)
        # Another send now is refused.
        assert tablet.send(keys[0], 999).status_code == 403
        _regrant(session, tablet)


def test_answers_sent_while_an_erasure_commits_leave_nothing_of_the_child(tablet, session):
    """Erasure (issue 4): 50 sends racing `app.consent.rights.erase`; afterwards no answer, comment,
    participation or submission of the child exists, and no send met a server error."""
    keys = [tablet.key() for _ in range(BURST)]

    def erase() -> None:
        with Session(db.get_engine(), expire_on_commit=False) as other:
            child = other.get(Child, tablet.child.id)
            guardian = other.get(Guardian, tablet.guardian.id) if tablet.guardian else None
            consent_actions.erase_child(session=other, child=child, requested_by="guardian", actor=guardian)  # type: ignore[arg-type]

    responses = burst([lambda k=k, n=n: tablet.send(k, n) for n, k in enumerate(keys)], erase)
    statuses = Counter(r.status_code for r in responses)
    # Before the erasure: stored (and then erased); after it: not signed in any more, or no consent.
    assert set(statuses) <= {200, 401, 403}, {s: [r.text for r in responses if r.status_code == s][:1] for s in statuses}
    session.expire_all()
    child = session.get(Child, tablet.child.id)
    for model in (Answer, Comment, Participation, Submission, ConsentState):
        assert _count(session, model, child) == 0, model.__name__


def test_a_withdrawal_committed_between_the_guard_and_the_write_is_seen_by_the_write(session):
    """The route's consent guard reads the consent state before `answering.submit` holds it. A withdrawal
    that commits in between must still stop the write: `submit` holds the row, then checks again."""
    load_notices(session)
    room = classroom(session, size=1)
    child = room.children[0][0]
    guardian = take_part(session, child)
    consultation = open_consultation(session)
    scale = next(q for q in service.questions_of(session=session, consultation=consultation) if q.kind == "scale")
    with Session(db.get_engine(), expire_on_commit=False) as request_session:
        mine = request_session.get(Child, child.id)
        consent.require(session=request_session, child=mine, purpose=Purpose.PARTICIPATE)  # the route's guard
        with Session(db.get_engine(), expire_on_commit=False) as other:
            consent.record(session=other, child=other.get(Child, child.id), purpose=Purpose.PARTICIPATE,  # type: ignore[arg-type]
                           decision=Decision.WITHDRAWN, decided_by=DecidedBy.GUARDIAN, channel="web", guardian=guardian)
            other.commit()
        with pytest.raises(consent.ConsentRequired):
            answering.submit(session=request_session, child=mine, consultation=request_session.get(type(consultation), consultation.id),  # type: ignore[arg-type]
                           answers=[AnswerIn(question_id=scale.id, scale=3)], key=answering.new_key(child=mine, consultation=consultation),
                           channel=Channel.TABLET)
    session.expire_all()
    assert _count(session, Answer, child) == 0


def test_the_write_sees_a_withdrawal_even_when_the_request_still_holds_the_old_state(session):
    load_notices(session)
    room = classroom(session, size=1)
    child = room.children[0][0]
    guardian = take_part(session, child)
    consultation = open_consultation(session)
    scale = next(q for q in service.questions_of(session=session, consultation=consultation) if q.kind == "scale")
    with Session(db.get_engine(), expire_on_commit=False) as request_session:
        mine = request_session.get(Child, child.id)
        kept = consent.state_of(session=request_session, child=mine, purpose=Purpose.PARTICIPATE)  # e.g. shown on the page
        assert kept is not None and consent.allows(session=request_session, child=mine, purpose=Purpose.PARTICIPATE)
        with Session(db.get_engine(), expire_on_commit=False) as other:
            consent.record(session=other, child=other.get(Child, child.id), purpose=Purpose.PARTICIPATE,  # type: ignore[arg-type]
                           decision=Decision.WITHDRAWN, decided_by=DecidedBy.GUARDIAN, channel="web", guardian=guardian)
            other.commit()
        with pytest.raises(consent.ConsentRequired):
            answering.submit(session=request_session, child=mine, consultation=request_session.get(type(consultation), consultation.id),  # type: ignore[arg-type]
                           answers=[AnswerIn(question_id=scale.id, scale=3)], key=answering.new_key(child=mine, consultation=consultation),
                           channel=Channel.TABLET)
