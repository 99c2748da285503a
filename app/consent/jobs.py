"""Consent's daily job: consents whose programme year has ended expire (CON-14) and must be renewed."""

import datetime as dt

from app.consent import service
from app.core import jobs
from app.core.i18n import N_

EXPIRE = "consent.expire"


@jobs.handler(EXPIRE, periodic=dt.timedelta(days=1), label=N_("Ending consents whose year is over"))
def expire(ctx: jobs.JobContext) -> int:
    return service.expire_due(session=ctx.session)
