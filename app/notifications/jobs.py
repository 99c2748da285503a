"""The notifier's job: deliver the outbox (issue 15). A periodic job claims what is due and sends it, round
after round, until less than a batch was due; the outbox keeps its own claim, lease, retries and back-off
(service.py), so two delivery jobs at once never send a message twice."""

import datetime as dt

from app.core import jobs
from app.core.db import new_session
from app.core.i18n import N_
from app.notifications import actions, service

DELIVER = "notifications.deliver"
# How often the workers look at the outbox. A guardian's one-time code does not wait for it (deliver_now).
DELIVERY_PERIOD = dt.timedelta(seconds=5)


@jobs.handler(DELIVER, periodic=DELIVERY_PERIOD, label=N_("Delivering e-mails and text messages"), max_attempts=1)
def deliver(ctx: jobs.JobContext) -> service.DeliveryRound:
    """Send what is due, `ctx.batch` messages a round; when the worker is stopping, what is left waits."""
    total = service.DeliveryRound()
    # The outbox commits each claim before sending and each outcome as soon as it is known
    # (notifications.actions.deliver_round), so it works in a session of its own, beside the job's. The job's
    # own session writes nothing meanwhile (no progress: on SQLite that write would hold the only writer's
    # lock while the outbox waits for it); the outbox page shows what was sent.
    with new_session() as session:
        while not ctx.should_stop():
            result = actions.deliver_round(session=session, limit=ctx.batch, should_stop=ctx.should_stop)
            total += result
            if result.claimed < ctx.batch:
                break
    return total
