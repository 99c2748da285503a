"""The use cases of "you said, we did" (issue 17), one function each, each its own unit of work."""

from sqlmodel import Session

from app.core.db import transaction
from app.corps.models import Child
from app.responses import hearing
from app.responses.hearing import HeardPage
from app.responses.models import Face


def open_heard_back(*, session: Session, child: Child, consultation_id: int) -> HeardPage:
    """A child opens what the city answered: the page's words, and their "news" badge cleared (HeardBack)."""
    with transaction(session):
        page = hearing.page_for_child(session=session, child=child, consultation_id=consultation_id)
        if page.publication is not None:
            hearing.mark_heard(session=session, child=child, consultation_id=consultation_id)
        return page


def react(*, session: Session, child: Child, consultation_id: int, face: Face, why: str | None, keep_why: bool,
          on_tablet: bool) -> hearing.Reacted:
    """A child taps a face (and may tell the city why): once per child per consultation; the why is moderated."""
    why = hearing.clean_why(why) if not keep_why else None
    with transaction(session):
        consultation, _part = hearing.took_part(session=session, child=child, consultation_id=consultation_id)
        return hearing.react(session=session, child=child, consultation=consultation, face=face, why=why, keep_why=keep_why,
                             channel="tablet" if on_tablet else "phone")
