"""The safeguarding JSON API (SG-01, SG-03, SG-04): staff tokens. Reading needs SAFEGUARDING_OVERSEE
(officers and, read-only, administrators); acting needs SAFEGUARD (officers only). Same service as the pages."""

from typing import Annotated

from fastapi import Query
from sqlmodel import Session

from app.accounts.deps import OfficerApi as Officer
from app.accounts.deps import OverseerApi as Overseer
from app.core.db import Id, SessionDep
from app.core.routing import Router
from app.safeguarding import actions, service
from app.safeguarding.models import (
    Acknowledged,
    ActionIn,
    ActionOut,
    CaseOut,
    CaseState,
    CaseSummary,
    CloseIn,
    IdentityOut,
    PossibleConcernOut,
    ReidentificationOut,
    ReidentifyIn,
    SafeguardingCase,
)

router = Router(prefix="/api/v1/safeguarding", tags=["safeguarding"])



def _summary(case: SafeguardingCase) -> CaseSummary:
    return CaseSummary(
        number=case.number, id=case.id, source=case.source, subkinds=case.subkinds, state=case.state,  # type: ignore[arg-type]
        created_at=case.created_at, acknowledged_at=case.acknowledged_at, escalated_at=case.escalated_at, closed_at=case.closed_at,
    )


def _full(session: Session, case: SafeguardingCase) -> CaseOut:
    return CaseOut(
        **_summary(case).model_dump(), words=case.words, child_id=case.child_id, pseudonym=service.pseudonym_of(session=session, case=case),
        group_id=case.group_id, child_session_id=case.child_session_id, group_session_id=case.group_session_id,
        consultation_id=case.consultation_id, comment_id=case.comment_id, acknowledged_by_id=case.acknowledged_by_id,
        assessment=case.assessment, outcome=case.outcome,  # type: ignore[arg-type]
        actions=[ActionOut.model_validate(a) for a in service.actions_of(session=session, case=case)],
    )


@router.get("/cases", response_model=list[CaseSummary])
def list_cases(session: SessionDep, user: Overseer, state: Annotated[CaseState | None, Query()] = None) -> list[CaseSummary]:
    """Open cases first (new, then acknowledged), then closed ones."""
    return [_summary(c) for c in service.list_cases(session=session, state=state)]


@router.get("/cases/{case_id}", response_model=CaseOut)
def get_case(case_id: Id, session: SessionDep, user: Overseer) -> CaseOut:
    """The case with the child's exact words and every recorded step (never the child's identity)."""
    return _full(session, service.get_case(session=session, case_id=case_id))


@router.post("/cases/{case_id}/acknowledge", response_model=Acknowledged)
def acknowledge(case_id: Id, session: SessionDep, user: Officer) -> Acknowledged:
    """The first officer takes the case; a later one gets `first: false` and who acknowledged first."""
    done = actions.acknowledge(session=session, officer=user, case=service.get_case(session=session, case_id=case_id))
    return Acknowledged(case=_summary(done.case), first=done.first, acknowledged_by=done.by)


@router.post("/cases/{case_id}/actions", response_model=ActionOut, status_code=201)
def add_action(case_id: Id, data: ActionIn, session: SessionDep, user: Officer) -> ActionOut:
    """Record a step (assessed, facilitator_contacted, emergency_110/120, report_police/civil_affairs/education
    with `reference`, guardian_contacted / guardian_not_contacted, note)."""
    case = service.get_case(session=session, case_id=case_id)
    action = actions.add_action(session=session, officer=user, case=case, kind=data.kind, reference=data.reference, note=data.note, assessment=data.assessment)
    return ActionOut.model_validate(action)


@router.post("/cases/{case_id}/close", response_model=CaseOut)
def close(case_id: Id, data: CloseIn, session: SessionDep, user: Officer) -> CaseOut:
    case = actions.close(session=session, officer=user, case=service.get_case(session=session, case_id=case_id), outcome=data.outcome, note=data.note)
    return _full(session, case)


@router.post("/cases/{case_id}/reidentify", response_model=IdentityOut)
def reidentify(case_id: Id, data: ReidentifyIn, session: SessionDep, user: Officer) -> IdentityOut:
    """The child's identity record behind an open case, with a reason; every view is logged (SG-03)."""
    found = actions.reidentify(session=session, officer=user, case=service.get_case(session=session, case_id=case_id), reason=data.reason)
    return IdentityOut(case_id=found.case.id, child_id=found.child.id, pseudonym=found.child.display_name,  # type: ignore[arg-type]
                       real_name=found.real_name, notes=found.notes)


@router.get("/reidentifications", response_model=list[ReidentificationOut])
def reidentifications(session: SessionDep, user: Overseer) -> list[ReidentificationOut]:
    """Every re-identification: case, officer, reason, time."""
    return [ReidentificationOut(**vars(r)) for r in service.reidentifications(session=session)]


def _to_read_out(item: service.ToRead) -> PossibleConcernOut:
    c = item.concern
    return PossibleConcernOut(
        id=c.id, number=c.number, comment_id=c.comment_id, writer=item.writer, consultation_id=c.consultation_id,  # type: ignore[arg-type]
        words=c.words,
        subkinds=c.subkinds, score=c.score, pseudonym=item.pseudonym, age_band=item.age_band, listed_at=c.listed_at,
        due_at=item.due_at, escalated_at=c.escalated_at, read_at=c.read_at, read_by_id=c.read_by_id,
        outcome=c.outcome, case_id=c.case_id,  # type: ignore[arg-type]
    )


@router.get("/to-read", response_model=list[PossibleConcernOut])
def to_read(session: SessionDep, user: Overseer, unread: Annotated[bool, Query()] = True) -> list[PossibleConcernOut]:
    """The officers' "please read" list (issue 14): words screening found possibly worrying, held and shown to
    nobody else, no case opened; unread first, oldest first, each with the time it is due by."""
    return [_to_read_out(i) for i in service.to_read(session=session, unread=unread)]


@router.post("/to-read/{concern_id}/open-case", response_model=CaseSummary, status_code=201)
def to_read_open_case(concern_id: Id, session: SessionDep, user: Officer) -> CaseSummary:
    """One tap: open a case from the words (the officers are alerted as for any case). 409 if another officer
    read them first."""
    case = actions.open_case_from_possible(session=session, officer=user, concern=service.get_possible(session=session, concern_id=concern_id))
    return _summary(case)


@router.post("/to-read/{concern_id}/return", response_model=PossibleConcernOut)
def to_read_return(concern_id: Id, session: SessionDep, user: Officer) -> PossibleConcernOut:
    """One tap: no safeguarding matter; the comment goes back to normal moderation. 409 if already read."""
    concern = actions.return_possible(session=session, officer=user, concern=service.get_possible(session=session, concern_id=concern_id))
    return _to_read_out(service.to_read_item(session=session, concern=concern))
