"""Safeguarding's job (SG-01, issue 14): cases nobody acknowledged in time, and words on the officers' "please
read" list nobody read in time, go to the administrators. Each escalation is settled once by a conditional
UPDATE (service.py), so it does not matter how many workers run it."""

import datetime as dt

from app.core import jobs
from app.core.i18n import N_
from app.safeguarding import actions

ESCALATE = "safeguarding.escalate"
ESCALATION_PERIOD = dt.timedelta(seconds=30)


@jobs.handler(ESCALATE, periodic=ESCALATION_PERIOD, label=N_("Escalating safeguarding alerts nobody acted on"))
def escalate(ctx: jobs.JobContext) -> tuple[int, int]:
    """How many cases, and how many words to read, were escalated."""
    # Inside the job's unit of work the actions' per-case transactions join it: all escalations of a round commit
    # with the job (each one still settled by its conditional UPDATE).
    cases = actions.escalate_due(session=ctx.session)
    unread = actions.escalate_unread_due(session=ctx.session)
    return cases, unread
