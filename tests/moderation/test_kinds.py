"""A new kind of moderated item joins by registering (issue 15, point 3): moderation owns the item (findings,
state, decisions) and tells its owner each outcome; it never imports or writes the owner's tables. Here a
test-only kind — notes on a noticeboard, kept by the test itself — goes through the queue, the compare-and-
swap, a report and the page, with no edit to moderation."""

import ast
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlmodel import Session, select

from app.accounts.models import Role, StaffUser
from app.core import moderated
from app.core.audit import AuditEvent
from app.moderation import actions, service
from app.moderation.models import Decision, ModerationDecision, Reason, ReporterKind, ReportReason
from app.moderation.screening import MASK
from tests.conftest import english_client, make_user, post_form, sign_in

KIND = "test_note"
PHONE = "周六在公园见，我的电话是13800138000"
CLEAN = "我们想在公园里种更多的花"
APP = Path(__file__).resolve().parents[2] / "app"


@dataclass
class Noticeboard:
    """The owner of the test kind: its notes and what moderation told it, by note id (its own "table")."""

    notes: dict[int, str] = field(default_factory=dict)
    shown: dict[int, bool] = field(default_factory=dict)
    told: list[tuple[int, str, str | None]] = field(default_factory=list)

    def describe(self, session: Session, ids) -> dict[int, moderated.Subject]:  # noqa: ANN001
        return {i: moderated.Subject(id=i, text=self.notes[i], author_kind="guardian", scope_id=900, title="Noticeboard")
                for i in ids if i in self.notes}

    def on_outcome(self, session: Session, note_id: int, outcome: moderated.Outcome, text: str | None) -> None:
        self.told.append((note_id, outcome.value, text))
        self.shown[note_id] = outcome in (moderated.Outcome.APPROVED, moderated.Outcome.REDACTED)
        if text is not None:
            self.notes[note_id] = text  # a redaction overwrites the words (MOD-09)

    def write(self, session: Session, note_id: int, text: str) -> None:
        self.notes[note_id] = text
        self.shown[note_id] = False
        service.submit(session=session, kind=KIND, subject_id=note_id, text=text, scope_id=900, author_kind="guardian")
        session.commit()


@pytest.fixture
def board() -> Noticeboard:
    owner = Noticeboard()
    moderated.register_kind(KIND, describe=owner.describe, on_outcome=owner.on_outcome, scope_name="board_id")
    yield owner
    moderated.unregister_kind(KIND)


@pytest.fixture
def moderators(session: Session) -> tuple[StaffUser, StaffUser]:
    return make_user(session, "moderator1", [Role.MODERATOR]), make_user(session, "moderator2", [Role.MODERATOR])


def test_a_registered_kind_goes_through_the_queue_and_its_owner_is_told(session, board, moderators):
    first, second = moderators
    board.write(session, 1, PHONE)
    board.write(session, 2, CLEAN)
    queued = service.queue(session=session, kind=KIND)
    assert [(i.kind, i.subject.id) for i in queued] == [(KIND, 1), (KIND, 2)]  # personal details first (risk)
    assert [f["category"] for f in queued[0].review.findings] == ["phone"] and queued[0].subject.title == "Noticeboard"
    assert [i.subject.id for i in service.queue(session=session, consultation_id=900)] == [1, 2]  # its scope

    # Approving words with personal details hides them (MOD-08); the owner is told, with the words to show.
    decided = actions.decide(session=session, moderator=first, kind=KIND, subject_id=1, decision=Decision.APPROVED)
    assert decided.decision == Decision.REDACTED and decided.state == "redacted" and MASK in decided.text
    assert board.told == [(1, "redacted", decided.text)] and "13800138000" not in board.notes[1] and board.shown[1]
    # A second moderator is told, nothing is overwritten (the compare-and-swap on moderation's own row).
    with pytest.raises(service.AlreadyDecided):
        actions.decide(session=session, moderator=second, kind=KIND, subject_id=1, decision=Decision.REJECTED, reason=Reason.UNCLEAR)
    assert len(board.told) == 1

    # Words changed while a moderator read them: not decided.
    board.write(session, 2, CLEAN + "，还有长椅")
    with pytest.raises(service.WordsChanged):
        actions.decide(session=session, moderator=first, kind=KIND, subject_id=2, decision=Decision.APPROVED, seen_text=CLEAN)
    actions.decide(session=session, moderator=first, kind=KIND, subject_id=2, decision=Decision.REJECTED,
                   reason=Reason.OFF_TOPIC)
    assert board.told[-1] == (2, "rejected", None) and not board.shown[2]

    # A report of a shown note hides it at once and puts it first in the queue; the owner is told.
    assert actions.report(session=session, kind=KIND, subject_id=1, reporter_kind=ReporterKind.STAFF, reporter_id=second.id,
                          reason=ReportReason.WORRIED) == service.ReportOutcome.REPORTED
    assert board.told[-1] == (1, "pending", None) and not board.shown[1]
    [again] = service.queue(session=session, kind=KIND)
    assert again.subject.id == 1 and again.reports == [("staff", "worried")]

    # Everything was recorded and audited as for comments, by kind and id.
    session.expire_all()
    assert len(session.exec(select(ModerationDecision)).all()) == 2
    events = session.exec(select(AuditEvent).where(AuditEvent.subject_type == KIND)).all()
    assert {e.action for e in events} >= {"moderation.redacted", "moderation.rejected", "moderation.reported"}
    assert all(e.data.get("board_id") == 900 for e in events)
    counts = service.transparency(session=session, kind=KIND, scope_id=900)["guardian"]
    assert (counts.received, counts.waiting, counts.not_shown) == (2, 1, 1)


def test_the_queue_page_decides_an_item_of_another_kind(session, app, board, moderators):
    first, _ = moderators
    board.write(session, 7, CLEAN)
    client = english_client(app)
    sign_in(client, first.username)
    page = client.get("/moderation")
    assert CLEAN in page.text and f"/moderation/items/{KIND}/7/decide" in page.text
    response = post_form(client, f"/moderation/items/{KIND}/7/decide", {"decision": "approved", "seen": CLEAN}, page="/moderation")
    assert response.status_code == 303
    assert board.told == [(7, "approved", None)] and board.shown[7]
    assert post_form(client, "/moderation/items/nothing/7/decide", {"decision": "approved"}, page="/moderation").status_code == 404


def test_forgetting_an_item_takes_its_decisions_and_reports_along(session, board, moderators):
    first, second = moderators
    board.write(session, 3, CLEAN)
    actions.decide(session=session, moderator=first, kind=KIND, subject_id=3, decision=Decision.APPROVED)
    actions.report(session=session, kind=KIND, subject_id=3, reporter_kind=ReporterKind.STAFF, reporter_id=second.id,
                   reason=ReportReason.OTHER)
    assert service.forget(session=session, kind=KIND, subject_ids=[3]) == 1
    session.commit()
    assert service.item_of(session=session, kind=KIND, subject_id=3) is None
    assert session.exec(select(ModerationDecision)).all() == []


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("module", ["moderation/service.py", "moderation/models.py", "moderation/actions.py"])
def test_moderation_imports_neither_the_owners_of_items_nor_safeguarding(module):
    """No cycle on this seam: owners and safeguarding import moderation and register; moderation imports neither."""
    imported = _imports(APP / module)
    assert not {m for m in imported if m.split(".")[:2] in (["app", "consultations"], ["app", "safeguarding"], ["app", "consent"])}
