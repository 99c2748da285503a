"""The corps' daily job: children who turned 14 decide their own consent; those who turned 18 leave."""

import datetime as dt

from app.core import jobs
from app.core.i18n import N_
from app.corps import service

AGE_TRANSITIONS = "corps.age_transitions"


@jobs.handler(AGE_TRANSITIONS, periodic=dt.timedelta(days=1), label=N_("Children who turned 14 or 18"))
def age_transitions(ctx: jobs.JobContext) -> service.AgeTransitions:
    return service.run_age_transitions(session=ctx.session)
