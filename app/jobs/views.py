"""A job's page: its state and progress, which htmx asks for again every two seconds until it is finished;
without JavaScript a link loads it again."""


from fastapi import Request
from fastapi.responses import Response

from app.accounts.deps import StaffPage as Staff
from app.core import jobs
from app.core.db import Id, SessionDep
from app.core.routing import Router
from app.core.templating import render
from app.jobs.access import visible_job

router = Router(include_in_schema=False)



@router.get("/jobs/{job_id}")
def job_page(request: Request, session: SessionDep, user: Staff, job_id: Id) -> Response:
    job = visible_job(session=session, user=user, job_id=job_id)
    return render(
        request, "jobs/job.html",
        {"job": job, "label": jobs.label_of(job.kind), "state_labels": jobs.STATE_LABELS, "JobState": jobs.JobState},
        block="job",
    )
