"""JSON API of jobs: how far one is."""

import datetime as dt

from fastapi.responses import Response
from pydantic import BaseModel, Field

from app.accounts.deps import StaffApi as Staff
from app.core import jobs
from app.core.db import Id, SessionDep
from app.core.routing import Router, model_response
from app.jobs.access import visible_job

router = Router(prefix="/api/v1/jobs", tags=["jobs"])



class JobPublic(BaseModel):
    """A job as the person who asked for it (or an administrator) follows it."""

    id: int
    kind: str = Field(description="What the job does, e.g. notifications.deliver")
    state: jobs.JobState = Field(description="queued (waiting, or waiting to try again), running, done or failed")
    finished: bool = Field(description="True once done or failed: nothing more will change")
    progress: int = Field(ge=0, le=100, description="How far it is, in percent")
    message: str | None = Field(description="A short word on how far it is, from the job itself")
    attempts: int = Field(description="Tries so far (a failing job is tried again after a growing pause)")
    run_after: dt.datetime = Field(description="When it starts (or is tried again) at the earliest")
    last_error: str | None = Field(description="Why the last try failed")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


def job_public(job: jobs.Job) -> JobPublic:
    return JobPublic(
        id=job.id, kind=job.kind, state=jobs.JobState(job.state), finished=job.finished,  # type: ignore[arg-type]
        progress=job.progress, message=job.progress_message, attempts=job.attempts, run_after=job.run_after,
        last_error=job.last_error, created_at=job.created_at, started_at=job.started_at, finished_at=job.finished_at,
    )


@router.get(
    "/{job_id}",
    response_model=JobPublic,
    summary="A job's state and progress (the staff user who asked for it, or an administrator)",
)
def job(session: SessionDep, user: Staff, job_id: Id) -> Response:
    return model_response(job_public(visible_job(session=session, user=user, job_id=job_id)))
