"""The registry of moderated items (issue 15): what moderation needs of the domain that owns an item, and what
it tells that domain back, without moderation importing it.

A domain whose people write words that others may see (consultations' comments today) registers a *kind* once,
when its service is imported::

    register_kind("comment", describe=…, on_outcome=…, scope_name="consultation_id", scope_title=…)

and submits each item through `app.moderation.service.submit(kind=…, subject_id=…, …)`. Moderation keeps the
item's screening findings, state and decisions in its own tables; it reads the words and what the queue shows
through `describe`, and tells the owner every change of state through `on_outcome`, in the same transaction
(the owner updates its own row: shown, shown with the redacted words, not shown, or held again). A new kind
joins by registering; moderation is not edited.

Safeguarding, which moderation hands words to (SG-01) but must not import, registers the same way with
`register_escalation`.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlmodel import Session


class Outcome(StrEnum):
    """What moderation tells the owner of an item (the owner's row says what may be shown)."""

    PENDING = "pending"  # held again (a report, a request to look again): shown to nobody until decided
    APPROVED = "approved"
    REDACTED = "redacted"  # approved with parts hidden: `text` holds the words as everyone else will see them
    REJECTED = "rejected"  # not shown (with a reason, MOD-20)
    ESCALATED = "escalated"  # passed to safeguarding (SG-01): never shown


@dataclass
class Subject:
    """One item as its owner describes it to the moderators: the words and where they were written, the
    author's pseudonym, age band and group (never identity, MOD-05)."""

    id: int
    text: str
    author_kind: str = "child"  # "child" or "guardian": counted apart in the transparency report
    scope_id: int | None = None  # where it was written (a consultation): the queue's filter and the report's unit
    child_id: int | None = None  # the author, when a child (the case's child, SG-03; "My comments")
    title: str = ""
    prompt: str | None = None
    pseudonym: str | None = None
    age_band: str | None = None
    group: str | None = None
    created_at: dt.datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # kind-specific, for the API (a comment's question_id)


Describe = Callable[[Session, Sequence[int]], dict[int, Subject]]
OnOutcome = Callable[[Session, int, Outcome, str | None], None]
Lock = Callable[[Session, int], None]
ScopeTitle = Callable[[Session, int], str]


@dataclass(frozen=True)
class Kind:
    name: str
    describe: Describe  # the subjects that still exist, by id (one query for many)
    on_outcome: OnOutcome  # (session, subject id, outcome, words to show when redacted)
    scope_name: str = "scope_id"  # the name of `Subject.scope_id` in audit events (e.g. "consultation_id")
    # Optional: lock the owner's row (SELECT … FOR UPDATE) before moderation settles the item. An owner that
    # writes its row and then submits takes the locks in that order; a decision then takes them in the same
    # order (owner's row, then the item), so the two never wait for each other (no deadlock on PostgreSQL).
    lock: Lock | None = None
    # Optional: the title of a scope (a consultation) for the queue of that scope's items; raises the owner's
    # NotFound for a scope that does not exist.
    scope_title: ScopeTitle | None = None


_KINDS: dict[str, Kind] = {}


class UnknownKind(LookupError):
    pass


def register_kind(
    name: str, *, describe: Describe, on_outcome: OnOutcome, scope_name: str = "scope_id", lock: Lock | None = None,
    scope_title: ScopeTitle | None = None,
) -> Kind:
    """Register (or register again, e.g. on reload) the owner of a kind of moderated item."""
    found = _KINDS[name] = Kind(name=name, describe=describe, on_outcome=on_outcome, scope_name=scope_name, lock=lock,
                                scope_title=scope_title)
    return found


def unregister_kind(name: str) -> None:
    _KINDS.pop(name, None)


def kind(name: str) -> Kind:
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownKind(name) from None


def kinds() -> list[Kind]:
    return list(_KINDS.values())


# ---- safeguarding ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Escalation:
    """What safeguarding does when moderation passes it words (registered by app.safeguarding.service).

    `open_case(session, kind, subject, moderator, subkinds)`: a case with the exact words (SG-01, SG-03);
    `list_possible(session, kind, subject, words, subkinds, score)`: the officers' "please read" list (issue 14)."""

    open_case: Callable[..., None]
    list_possible: Callable[..., None]


_ESCALATION: list[Escalation] = []


def register_escalation(*, open_case: Callable[..., None], list_possible: Callable[..., None]) -> None:
    _ESCALATION[:] = [Escalation(open_case=open_case, list_possible=list_possible)]


def escalation() -> Escalation:
    if not _ESCALATION:
        raise LookupError("no safeguarding registered: import app.safeguarding.service")
    return _ESCALATION[0]
