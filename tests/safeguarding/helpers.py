"""Shared set-up for safeguarding tests: officers with alert contacts, a case from any source."""

from sqlmodel import Session

from app.accounts.models import Role, StaffUser
from app.safeguarding import actions as sg_actions
from app.safeguarding import service
from app.safeguarding.models import CaseSource, SafeguardingCase
from tests.conftest import make_user

WORDS = "我爸爸每天打我，我不想回家了"


def officer(session: Session, username: str = "officer1", *, contact: str | None = "13800000001", on_duty: bool = False,
            channel: str = "sms") -> StaffUser:
    user = make_user(session, username, [Role.SAFEGUARDING_OFFICER])
    if contact:
        sg_actions.set_duty(session=session, user=user, on_duty=on_duty, alert_channel=channel, alert_contact=contact)
    return user


def new_case(session: Session, child=None, *, source: CaseSource = CaseSource.SCREENING, words: str = WORDS, **kw) -> SafeguardingCase:  # noqa: ANN001, ANN003
    case = service.open_case(session=session, source=source, words=words, child=child, subkinds=["abuse", "running_away"], **kw)
    session.commit()
    return case
