"""Insights' jobs: the machine's theme suggestions for many comments (issue 16), on `yimi worker`."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from app.accounts.models import StaffUser
from app.consultations.models import Consultation
from app.core import jobs
from app.core.i18n import N_
from app.insights import actions
from app.insights.child_data import REGENERATE_JOB


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


@jobs.handler(REGENERATE_JOB, label=N_("Printing a report again without a withdrawn quote"), max_attempts=3,
              lease=dt.timedelta(minutes=10))
def regenerate_report(ctx: jobs.JobContext) -> dict[str, int]:
    """A kept version was withdrawn (a quoted child's consent withdrawn, or the child erased): print the report
    again, in the same language, as a new version (issue 16)."""
    consultation = ctx.session.get(Consultation, ctx.payload["consultation_id"])
    if consultation is None:
        return {"report": 0}
    made = actions.generate_report(session=ctx.session, actor=None, consultation=consultation, locale=ctx.payload["locale"],
                                   replaces=ctx.payload.get("replaces"))
    return {"report": made.number}


ENCODE_JOB = "insights.encode_comments"


@jobs.handler(ENCODE_JOB, periodic=dt.timedelta(minutes=1), label=N_("Reading new comments ahead of the themes' suggestions"),
              lease=dt.timedelta(minutes=10))
def encode_comments(ctx: jobs.JobContext) -> dict[str, int]:
    """Approved comments are encoded once, in the background, so a first suggestion only clusters (issue 16,
    bench/themes.py "warm")."""
    return {"encoded": actions.encode_waiting(session=ctx.session)}

