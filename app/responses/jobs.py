"""Responses' job (issue 17, PAR-09): remind officials of the response they promised children, and escalate an
overdue one to the administrators, each once (a `reminder` row per consultation and kind settles it)."""

import datetime as dt

from app.core import jobs
from app.core.i18n import N_
from app.responses import actions

REMIND = "responses.remind"
REMIND_PERIOD = dt.timedelta(hours=1)


@jobs.handler(REMIND, periodic=REMIND_PERIOD, label=N_("Reminding officials of the responses promised to children"))
def remind(ctx: jobs.JobContext) -> int:
    """How many reminders and escalations were sent. The clock is the job's slot (when it was due to run), so a
    test drives it by the slot it enqueues; the worker's slots follow the real time."""
    now = ctx.job.run_after or None
    return len(actions.send_reminders(session=ctx.session, now=now))
