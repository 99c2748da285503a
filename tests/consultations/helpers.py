"""Shared set-up for consultation tests: notices loaded, children who take part (guardian's yes and the
child's own yes), an official, and a consultation open now with one question of every kind."""

import datetime as dt

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.accounts.models import Role, StaffUser
from app.consent import actions as consent_actions
from app.consent import service as consent
from app.consent.files import load_notice_versions
from app.consent.models import DecidedBy, Decision, Guardian, Purpose
from app.consultations import authoring
from app.consultations.models import Consultation, ConsultationIn, OptionIn, QuestionIn, QuestionKind
from app.core import crypto
from app.core.db import utcnow
from app.corps.models import Child
from tests.conftest import make_user
from tests.corps.tablet_helpers import Classroom, classroom, open_tablet, tap_code


def load_notices(session: Session) -> None:
    consent_actions.sync_notices(session=session, versions=load_notice_versions())


def guardian_for(session: Session, child: Child, contact: str | None = None) -> Guardian:
    contact = contact or f"139{child.id:08d}"
    guardian = Guardian(contact_kind="phone", contact=contact, contact_hash=crypto.lookup_hash(contact, purpose="phone"))
    session.add(guardian)
    session.commit()
    from app.consent.models import Guardianship

    session.add(Guardianship(guardian_id=guardian.id, child_id=child.id))
    session.commit()
    return guardian


def take_part(session: Session, child: Child, guardian: Guardian | None = None) -> Guardian | None:
    """The guardian says yes to participate and the child says yes too (under 14); a teen decides alone."""
    if consent.decides_for_themselves(child):
        consent.record(session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.GRANTED,
                       decided_by=DecidedBy.SELF, channel="tablet")
        session.commit()
        return None
    guardian = guardian or guardian_for(session, child)
    consent.record(session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.GRANTED,
                   decided_by=DecidedBy.GUARDIAN, channel="web", guardian=guardian)
    consent.record(session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.GRANTED,
                   decided_by=DecidedBy.CHILD_ASSENT, channel="tablet")
    session.commit()
    return guardian


def official(session: Session, username: str = "official1") -> StaffUser:
    return make_user(session, username, [Role.OFFICIAL])


def every_kind() -> list[QuestionIn]:
    return [
        QuestionIn(kind=QuestionKind.SINGLE, prompt={"zh_Hans": "你最想要公园里有什么？", "en": "What do you want most in the park?"},
                   options=[OptionIn(label={"zh_Hans": "秋千", "en": "Swings"}, pictogram="playground"),
                            OptionIn(label={"zh_Hans": "大树", "en": "Big trees"}, pictogram="tree"),
                            OptionIn(label={"zh_Hans": "厕所", "en": "Toilets"}, pictogram="toilet")]),
        QuestionIn(kind=QuestionKind.MULTIPLE, prompt={"zh_Hans": "你会怎么去公园？", "en": "How do you get to the park?"}, max_choices=2,
                   options=[OptionIn(label={"zh_Hans": "走路", "en": "Walking"}, pictogram="walk"),
                            OptionIn(label={"zh_Hans": "骑车", "en": "Cycling"}, pictogram="bike"),
                            OptionIn(label={"zh_Hans": "坐公交", "en": "By bus"}, pictogram="bus")]),
        QuestionIn(kind=QuestionKind.SCALE, prompt={"zh_Hans": "你觉得现在的公园怎么样？", "en": "How do you like the park now?"}),
        QuestionIn(kind=QuestionKind.RANKING, prompt={"zh_Hans": "请按重要程度排一排", "en": "Put these in order of importance"},
                   options=[OptionIn(label={"zh_Hans": "安全", "en": "Safety"}, pictogram="safe"),
                            OptionIn(label={"zh_Hans": "好玩", "en": "Fun"}, pictogram="sport"),
                            OptionIn(label={"zh_Hans": "干净", "en": "Clean"}, pictogram="water")]),
        QuestionIn(kind=QuestionKind.TEXT, prompt={"zh_Hans": "你还有什么想法？", "en": "Any other ideas?"}),
    ]


def ready(**changes) -> ConsultationIn:  # noqa: ANN003
    """A consultation that passes the Lundy gate (PAR-01), open from an hour ago for a week."""
    now = utcnow()
    data = dict(
        title={"zh_Hans": "翠湖公园儿童游乐区改造", "en": "New play area at Green Lake Park"},
        description={"zh_Hans": "区住建局计划改造翠湖公园的儿童游乐区。", "en": "The district plans to rebuild the play area."},
        briefs={
            "6-9": {"zh_Hans": "公园要建新的游乐区。你想要什么？", "en": "The park gets a new play area. What do you want?"},
            "10-13": {"zh_Hans": "翠湖公园要改造儿童游乐区，请说说你的想法。", "en": "Green Lake Park will rebuild its play area. Tell us your ideas."},
        },
        topic="spaces.parks", age_bands=["6-9", "10-13", "14-17"],
        decision={"zh_Hans": "游乐区的设计方案", "en": "The design of the play area"},
        decider_body={"zh_Hans": "五华区住房和城乡建设局", "en": "Wuhua District Housing and Construction Bureau"},
        decider_role={"zh_Hans": "公园项目负责人", "en": "Head of the park project"},
        can_change={"zh_Hans": "设施的种类和位置", "en": "Which equipment and where"},
        cannot_change={"zh_Hans": "预算和公园的大小", "en": "The budget and the size of the park"},
        opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=7),
        respond_by=(now + dt.timedelta(days=30)).date(),
    )
    data.update(changes)
    return ConsultationIn(**data)


def open_consultation(session: Session, actor: StaffUser | None = None, questions: list[QuestionIn] | None = None, **changes) -> Consultation:  # noqa: ANN003
    actor = actor or official(session, f"official-{utcnow().timestamp()}")
    consultation = authoring.create(session=session, actor=actor, data=ready(**changes))
    session.flush()
    for question in questions if questions is not None else every_kind():
        authoring.add_question(session=session, actor=actor, consultation=consultation, data=question)
    authoring.schedule(session=session, actor=actor, consultation=consultation)
    session.commit()
    return consultation


def signed_in_taking_part(client: TestClient, session: Session, size: int = 1) -> tuple[Classroom, Child]:
    """A classroom with the tablet open and its first child signed in and taking part."""
    load_notices(session)
    room = classroom(session, size=size)
    for child, _code in room.children:
        take_part(session, child)
    child, code = room.children[0]
    open_tablet(client, room)
    assert tap_code(client, child, code).headers["location"] == "/me"
    return room, child
