"""Every domain's tables, imported once so that SQLModel.metadata (and Alembic) knows them all."""

from app.accounts import models as accounts_models
from app.consent import models as consent_models
from app.consultations import models as consultations_models
from app.core import audit as core_audit
from app.core import jobs as core_jobs
from app.corps import models as corps_models
from app.moderation import models as moderation_models
from app.notifications import models as notifications_models
from app.projects import models as projects_models
from app.safeguarding import models as safeguarding_models

__all__ = [
    "accounts_models", "consent_models", "consultations_models", "core_audit", "core_jobs", "corps_models",
    "moderation_models", "notifications_models", "projects_models", "safeguarding_models",
]


def _ids_never_reused() -> None:
    """Every table with an integer `id` is AUTOINCREMENT on SQLite (migration 0012): a deleted row's id never
    comes back, because ids name records in the audit log and in links (issue 13)."""
    from sqlmodel import SQLModel

    for table in SQLModel.metadata.tables.values():
        if [c.name for c in table.primary_key.columns] == ["id"]:
            table.dialect_options["sqlite"]["autoincrement"] = True


_ids_never_reused()
