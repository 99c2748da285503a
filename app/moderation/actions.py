"""What people do in moderation (issue 15), one function per use case: each opens the unit of work
(`app.core.db.transaction`), calls the service and commits once, so a refusal leaves nothing behind. The
owner of the item is told the outcome inside the same transaction (`app.core.moderated`)."""

from collections.abc import Iterable, Sequence

from sqlmodel import Session

from app.accounts.models import StaffUser
from app.core.db import transaction
from app.corps.models import Child
from app.moderation import service
from app.moderation.models import Decision, Reason, ReporterKind, ReportReason


def queue(
    *, session: Session, consultation_id: int | None = None, limit: int | None = service.PAGE, exclude: Iterable[int] = (),
    kind: str | None = None,
) -> list[service.QueueItem]:
    """The queue as a moderator opens it: items kept from before screening are screened now, and kept."""
    with transaction(session):
        return service.queue(session=session, consultation_id=consultation_id, limit=limit, exclude=exclude, kind=kind)


def decide(
    *, session: Session, moderator: StaffUser, kind: str, subject_id: int, decision: Decision, reason: Reason | None = None,
    note: str | None = None, spans: Sequence[tuple[int, int]] | None = None, words: str = "", seen_text: str | None = None,
) -> service.Decided:
    """One moderator's decision on one item (MOD-04); the compare-and-swap decides who wins."""
    with transaction(session):
        return service.decide(session=session, moderator=moderator, kind=kind, subject_id=subject_id, decision=decision,
                              reason=reason, note=note, spans=spans, words=words, seen_text=seen_text)


def bulk_approve(*, session: Session, moderator: StaffUser, kind: str, subject_ids: Iterable[int]) -> tuple[list[int], list[int]]:
    with transaction(session):
        return service.bulk_approve(session=session, moderator=moderator, kind=kind, subject_ids=subject_ids)


def ask_look_again(*, session: Session, child: Child, kind: str, subject_id: int) -> None:
    """MOD-21 / DP-16: the child asks for a person to look again."""
    with transaction(session):
        service.ask_look_again(session=session, child=child, kind=kind, subject_id=subject_id)


def report(
    *, session: Session, kind: str, subject_id: int, reporter_kind: ReporterKind, reporter_id: int, reason: ReportReason,
) -> str:
    """MOD-12: a report of an item its owner showed to the reporter; hidden at once."""
    with transaction(session):
        return service.report(session=session, kind=kind, subject_id=subject_id, reporter_kind=reporter_kind,
                              reporter_id=reporter_id, reason=reason)
