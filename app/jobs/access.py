"""Who may follow a job: the staff user who asked for it, and administrators (every job, the system's too)."""

from sqlmodel import Session

from app.accounts.models import Role, StaffUser
from app.accounts.permissions import effective_roles
from app.core import jobs
from app.core.errors import NotFound


def visible_job(*, session: Session, user: StaffUser, job_id: int) -> jobs.Job:
    """The job, or "not found" (also when it is someone else's: its existence is not told)."""
    job = jobs.get(session, job_id)
    if job is None or not (job.created_by_id == user.id or Role.ADMIN in effective_roles(user)):
        raise NotFound()
    return job
