"""What people do with consultations, one function per use case, each its own unit of work (issue 15). Only
the comment ↔ moderation seam so far; the rest of consultations moves here with its split."""

from sqlmodel import Session

from app.consultations import comments
from app.consultations.models import Consultation
from app.core.db import transaction
from app.moderation.models import ReporterKind, ReportReason


def report_comment(
    *, session: Session, consultation: Consultation, comment_id: int, reporter_kind: ReporterKind, reporter_id: int,
    reason: ReportReason, for_public: bool = True, viewer_child_id: int | None = None,
) -> str:
    """MOD-12: a child, guardian or staff member reports a comment shown to them; it is hidden at once."""
    with transaction(session):
        return comments.report_comment(session=session, consultation=consultation, comment_id=comment_id, reporter_kind=reporter_kind,
                                      reporter_id=reporter_id, reason=reason, for_public=for_public, viewer_child_id=viewer_child_id)
