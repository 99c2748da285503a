"""What moderation holds of a child, for consent's erasure (app/core/child_data.py): the reports the child
made about comments (kept by reporter kind and id, no foreign key). Moderation decisions cascade with the
comments consultations erase."""

from app.core import child_data
from app.core.child_data import ChildData
from app.core.i18n import N_
from app.moderation import service as moderation

child_data.register(ChildData(
    name="moderation",
    tables=("moderation_report",),
    categories={"reports": N_("Reports the child made about comments")},
    erase=lambda session, subject: {"reports": moderation.erase_reports_by(session=session, child=subject.child)},
    count=lambda session, subject: {"reports": moderation.erase_reports_by(session=session, child=subject.child, count_only=True)},
    order=30,
))
