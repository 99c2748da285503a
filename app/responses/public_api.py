"""The public "You said, we did" as JSON (issue 17): `/api/v1/said-and-done`, no sign-in, in OpenAPI. The same
service as the page: counts of children as `{value, hidden, shown}` (`value` null and `shown` "< 5" where the one
small-cell rule hides them); quotes only with QUOTE consent, labelled by age band; nothing that identifies a child."""

import datetime as dt

from pydantic import BaseModel

from app.core.db import Id, SessionDep
from app.core.routing import Router
from app.core.suppression import Count
from app.responses import public
from app.responses.public import Entry, Filter
from app.responses.service import ResponseState

router = Router(prefix="/api/v1", tags=["said-and-done"])


class ChildCount(BaseModel):
    """A count of children: `value` is null (and `shown` is "< 5") where it is too small to show."""

    value: int | None
    hidden: bool
    shown: str

    @classmethod
    def of(cls, count: Count) -> "ChildCount":
        return cls(value=count.value, hidden=count.hidden, shown=str(count))


class QuoteOut(BaseModel):
    text: str
    age_band: str | None


class ResponseOut(BaseModel):
    subject: str
    description: str
    children: ChildCount
    outcome: str
    outcome_label: str
    reason: str
    decide_by: dt.date | None
    explanation: str
    quotes: list[QuoteOut]


class DecisionOut(BaseModel):
    id: int
    decided_on: dt.date | None
    decider: str
    text: str
    reference: str
    document_url: str | None


class UpdateOut(BaseModel):
    on: dt.date
    text: str
    status: str | None


class CommitmentOut(BaseModel):
    action: str
    department: str
    due_on: dt.date | None
    status: str
    status_label: str
    dropped_reason: str | None
    updates: list[UpdateOut]


class SaidAndDoneOut(BaseModel):
    consultation_id: int
    title: str
    url: str
    topic: str
    topic_label: str
    districts: list[str]
    children_took_part: ChildCount
    state: ResponseState
    respond_by: dt.date | None
    overdue_since: dt.date | None
    published_at: dt.datetime | None
    updated_at: dt.datetime | None
    decisions: list[DecisionOut]
    responses: list[ResponseOut]
    commitments: list[CommitmentOut]


def _out(e: Entry) -> SaidAndDoneOut:
    return SaidAndDoneOut(
        consultation_id=e.id, title=e.title, url=f"/said-and-done/{e.id}", topic=e.topic, topic_label=e.topic_label,
        districts=e.districts, children_took_part=ChildCount.of(e.took_part), state=e.state, respond_by=e.respond_by,
        overdue_since=e.overdue_since, published_at=e.published_at, updated_at=e.updated_at,
        decisions=[DecisionOut(id=d.id, decided_on=d.decided_on, decider=d.decider, text=d.text, reference=d.reference,
                               document_url=f"/responses/decisions/{d.id}/document" if d.has_document else None) for d in e.decisions],
        responses=[ResponseOut(subject=r.subject, description=r.description, children=ChildCount.of(r.size), outcome=r.outcome,
                               outcome_label=r.outcome_label, reason=r.reason, decide_by=r.decide_by, explanation=r.words,
                               quotes=[QuoteOut(text=q.text, age_band=q.age_band) for q in e.quotes.get(r.theme_id or 0, [])])
                   for r in e.responses],
        commitments=[CommitmentOut(action=c.action, department=c.department, due_on=c.due_on, status=c.status, status_label=c.status_label,
                                   dropped_reason=c.dropped_reason, updates=[UpdateOut(on=u.on, text=u.text, status=u.status) for u in c.updates])
                     for c in e.commitments],
    )


@router.get("/said-and-done", response_model=list[SaidAndDoneOut], summary="You said, we did: published and overdue responses (public)")
def said_and_done(session: SessionDep, topic: str | None = None, district_id: Id | None = None, state: Filter | None = None) -> list[SaidAndDoneOut]:
    """Every consultation with a published response or a passed response date, newest change first. No sign-in.
    `topic` may be an action area (it then includes its tasks); `state` is `published` or `overdue`."""
    entries = public.listing(session=session, topic=topic[:60] if topic else None, district_id=district_id, state=state.value if state else None)
    return [_out(e) for e in entries]


@router.get("/said-and-done/{consultation_id}", response_model=SaidAndDoneOut, summary="You said, we did: one consultation (public)")
def said_and_done_one(consultation_id: Id, session: SessionDep) -> SaidAndDoneOut:
    return _out(public.one(session=session, consultation_id=consultation_id))
