"""What people do with the analysis of a consultation, one function per use case, each its own unit of work
(issue 16). The services check, write, flush and audit; the action commits once, and a refusal rolls it back."""

from typing import Any

from sqlmodel import Session

from app.consultations.models import Consultation
from app.core.db import transaction
from app.corps.models import Child
from app.insights import checking
from app.insights.models import Analysis, ThemeCheck

# ---- children check the themes ("did we understand you?") ---------------------------------------------


def start_check(*, session: Session, actor: Any, consultation: Consultation, version: int | None) -> Analysis:
    """Ask the children who took part to check the themes (PAR-06)."""
    with transaction(session):
        return checking.start(session=session, actor=actor, consultation=consultation, version=version)


def end_check(*, session: Session, actor: Any, consultation: Consultation, version: int | None) -> Analysis:
    with transaction(session):
        return checking.end(session=session, actor=actor, consultation=consultation, version=version)


def skip_check(*, session: Session, actor: Any, consultation: Consultation, version: int | None, reason: str | None) -> Analysis:
    """Skip the children's check, with a reason the report prints."""
    with transaction(session):
        return checking.skip(session=session, actor=actor, consultation=consultation, version=version, reason=reason)


def check_theme(*, session: Session, child: Child, consultation: Consultation, theme_id: int, agrees: bool) -> ThemeCheck:
    """A child says "yes, that's what we said" or "not quite" to one theme; a second tap changes it."""
    with transaction(session):
        return checking.record(session=session, child=child, consultation=consultation, theme_id=theme_id, agrees=agrees)


def send_missing(*, session: Session, child: Child, consultation: Consultation, text: str, on_tablet: bool) -> bool:
    """A child's "something is missing", held for moderation like any comment. Returns whether it went to
    safeguarding (the child then sees the calm screen)."""
    with transaction(session):
        return checking.send_missing(session=session, child=child, consultation=consultation, text=text, on_tablet=on_tablet)
