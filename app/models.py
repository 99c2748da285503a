"""Every domain's tables, imported once so that SQLModel.metadata (and Alembic) knows them all."""

from app.accounts import models as accounts_models
from app.consent import models as consent_models
from app.consultations import models as consultations_models
from app.core import audit as core_audit
from app.core import jobs as core_jobs
from app.core import links as core_links
from app.corps import models as corps_models
from app.insights import models as insights_models
from app.media import models as media_models
from app.moderation import models as moderation_models
from app.notifications import models as notifications_models
from app.projects import models as projects_models
from app.responses import models as responses_models
from app.safeguarding import models as safeguarding_models

__all__ = [
    "accounts_models", "consent_models", "consultations_models", "core_audit", "core_jobs", "core_links", "corps_models", "insights_models",
    "media_models", "moderation_models", "notifications_models", "projects_models", "responses_models",
    "safeguarding_models",
]


def _ids_never_reused() -> None:
    """Every table with an integer `id` is AUTOINCREMENT on SQLite (migration 0012): a deleted row's id never
    comes back, because ids name records in the audit log and in links (issue 13)."""
    from sqlmodel import SQLModel

    for table in SQLModel.metadata.tables.values():
        if [c.name for c in table.primary_key.columns] == ["id"]:
            table.dialect_options["sqlite"]["autoincrement"] = True


_ids_never_reused()


def _register_child_data() -> None:
    """What each domain holds of a child, registered with every table (app/core/child_data.py): wherever the
    tables are known, so is every owner of a child's data that consent withdraws, exports and erases. A domain
    that adds a table holding a child's data adds its `child_data` module here (tests/consent/test_erasure.py
    fails until it does)."""
    from app.consent import child_data as _consent  # noqa: F401
    from app.consultations import child_data as _consultations  # noqa: F401
    from app.core import child_data
    from app.corps import child_data as _corps  # noqa: F401
    from app.insights import child_data as _insights  # noqa: F401
    from app.moderation import child_data as _moderation  # noqa: F401
    from app.notifications import child_data as _notifications  # noqa: F401
    from app.responses import child_data as _responses  # noqa: F401
    from app.safeguarding import child_data as _safeguarding  # noqa: F401

    child_data.mark_complete()


_register_child_data()
