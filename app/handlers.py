"""Every domain's job handlers, imported once so that the job registry (app.core.jobs) knows them all, as
app/models.py does the tables. The worker (`yimi worker`) and the web application import this module."""

import app.models  # noqa: F401 - every table, and every domain holding a child's data (consent's expiry stops them)
from app.consent import jobs as consent_jobs
from app.corps import jobs as corps_jobs
from app.insights import jobs as insights_jobs
from app.notifications import jobs as notifications_jobs
from app.responses import jobs as responses_jobs
from app.safeguarding import jobs as safeguarding_jobs

__all__ = ["consent_jobs", "corps_jobs", "notifications_jobs", "responses_jobs", "safeguarding_jobs"]
__all__ = ["consent_jobs", "corps_jobs", "insights_jobs", "notifications_jobs", "safeguarding_jobs"]
