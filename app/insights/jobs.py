"""Insights' jobs: the machine's theme suggestions for many comments (issue 16), on `yimi worker`."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from app.accounts.models import StaffUser
from app.consultations.models import Consultation
from app.core import jobs
from app.core.i18n import N_
from app.insights import actions


@jobs.handler(actions.SUGGEST_JOB, label=N_("Suggesting themes for the comments"), max_attempts=3,
              lease=dt.timedelta(minutes=30))
def suggest_themes(ctx: jobs.JobContext) -> dict[str, int]:
    consultation = ctx.session.get(Consultation, ctx.payload["consultation_id"])
    if consultation is None:
        return {"themes": 0}
    actor = ctx.session.exec(select(StaffUser).where(StaffUser.id == ctx.job.created_by_id)).first() if ctx.job.created_by_id else None
    made = actions.make_suggestions(session=ctx.session, consultation=consultation, audience=ctx.payload["audience"],
                                    actor=actor or ("system", "worker"), progress=lambda p, m: ctx.progress(p, m))
    return {"themes": len(made)}
