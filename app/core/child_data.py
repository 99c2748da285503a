"""What each domain holds of a child (issue 15): the registry consent iterates to stop processing, to give the
guardian the child's data and to erase it (CON-07, DP-*, INT-08).

Consent sits below the domains that store a child's input (consultations, moderation, safeguarding, …), so it
imports none of them: each domain that holds a child's data registers a `ChildData` here, in a module of its
own (`app/<domain>/child_data.py`), and consent iterates the registry. The registrations are imported with
every table (`app/models.py`), so wherever the tables are known, so is every owner of a child's data;
`owners()` refuses to answer before that (an erasure that silently skipped a domain would be a breach).
`tests/consent/test_erasure.py` checks that every table with a `child_id` (or a foreign key to the child) is
in some domain's `tables` or `kept`: a new domain that forgets to register fails the build.

Each function works in the caller's transaction (the consent action's) and never commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session


@dataclass(frozen=True)
class Contact:
    """One of the child's guardians, as far as other domains need to know them: where messages to them go
    (the notifications channel's value and the address), and whether the erased child is their only one."""

    channel: str
    recipient: str
    only_this_child: bool = True


@dataclass(frozen=True)
class Subject:
    """The child whose data is erased, counted or exported, and their guardians (consent's tables hold who they
    are; other domains are told here instead of importing consent). `requester`: the guardian downloading."""

    child: Any  # app.corps.models.Child (core imports no domain)
    guardians: tuple[Contact, ...] = ()
    requester: Contact | None = None


Counts = dict[str, int]


@dataclass
class ChildData:
    """One domain's part of a child's data.

    - `tables`: the domain's tables that hold a child's data, all emptied of the child by `erase`.
    - `kept`: tables that deliberately outlive an erasure, each with the reason (the law that keeps them).
    - `categories`: the deletion receipt's lines this domain counts, key → label (shown in registry order).
    - `erase(session, subject) -> counts`: hard-delete the child's data; counts per category, never content.
    - `count(session, subject) -> counts`: what `erase` would delete (the confirmation page).
    - `export(session, subject) -> dict`: the child's data for the guardian's download (top-level keys).
    - `withdraw(session, child, purpose) -> counts`: processing for `purpose` stops now (a decision other than
      "granted"): what it removed, for the audit log.
    - `files(session, subject) -> paths`: stored files of the child, deleted once the erasure has committed.
    - `order`: erasure order (lower first); the child's own row is pseudonymised last (corps, 90).
    """

    name: str
    tables: tuple[str, ...] = ()
    kept: dict[str, str] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)
    erase: Callable[[Session, Subject], Counts] | None = None
    count: Callable[[Session, Subject], Counts] | None = None
    export: Callable[[Session, Subject], dict[str, Any]] | None = None
    withdraw: Callable[[Session, Any, str], Counts] | None = None
    files: Callable[[Session, Subject], list[Path]] | None = None
    order: int = 50


_owners: dict[str, ChildData] = {}
_complete = False


class RegistryIncomplete(RuntimeError):
    """The registry was asked before every domain registered (import app.models first)."""


def register(owner: ChildData) -> ChildData:
    """Register (or, on a module reload, replace) one domain's part of a child's data."""
    _owners[owner.name] = owner
    return owner


def mark_complete() -> None:
    """Every domain has registered (called by app/models.py once it has imported them all)."""
    global _complete
    _complete = True


def owners() -> list[ChildData]:
    """Every registered domain, in erasure order."""
    if not _complete:
        raise RegistryIncomplete("the child-data registry is incomplete: import app.models before erasing or exporting")
    return sorted(_owners.values(), key=lambda owner: (owner.order, owner.name))


def categories() -> dict[str, str]:
    """The deletion receipt's categories, key → label, in registry order."""
    found: dict[str, str] = {}
    for owner in owners():
        for key, label in owner.categories.items():
            if key in found:
                raise ValueError(f"receipt category {key!r} registered twice ({owner.name})")
            found[key] = label
    return found


def tables() -> dict[str, str]:
    """Every table a registered domain holds a child's data in, and the domain."""
    return {table: owner.name for owner in owners() for table in owner.tables}


def kept_tables() -> dict[str, str]:
    """Every table that deliberately outlives an erasure, and why."""
    return {table: reason for owner in owners() for table, reason in owner.kept.items()}
