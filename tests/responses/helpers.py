"""Builders for responses' tests: a closed consultation with accepted themes (made directly as rows, as the
analysis would leave them), an official, and a response ready to publish."""

import datetime as dt

from sqlmodel import Session

from app.accounts.models import Role, StaffUser
from app.consultations.models import Consultation
from app.core.db import city_today, utcnow
from app.insights.models import Theme
from app.responses import actions
from app.responses.models import CommitmentIn, DecisionIn, Outcome, ResponseIn
from tests.conftest import make_user
from tests.consultations.helpers import open_consultation

THEMES = [
    ({"zh_Hans": "更多的秋千", "en": "More swings"}, {"zh_Hans": "孩子们想要更多秋千。", "en": "Children want more swings."}),
    ({"zh_Hans": "树荫和座位", "en": "Shade and seats"}, {"zh_Hans": "夏天太热，需要树荫。", "en": "It is too hot in summer."}),
]


def official(session: Session, username: str = "official1") -> StaffUser:
    return make_user(session, username, [Role.OFFICIAL])


def closed_consultation(session: Session, actor: StaffUser | None = None, *, themes: int = 2, guardian_themes: int = 0,
                        respond_in_days: int = 30, **changes) -> Consultation:  # noqa: ANN003
    """Scheduled, opened, and now closed (its closing time has passed), with accepted children's themes."""
    consultation = open_consultation(session, actor, **changes)
    now = utcnow()
    consultation.opens_at = now - dt.timedelta(days=10)
    consultation.closes_at = now - dt.timedelta(days=1)
    consultation.respond_by = city_today() + dt.timedelta(days=respond_in_days)
    session.add(consultation)
    for i in range(themes):
        name, description = THEMES[i % len(THEMES)]
        session.add(Theme(consultation_id=consultation.id, audience="child", position=i, name=dict(name), description=dict(description), accepted=True))
    for i in range(guardian_themes):
        session.add(Theme(consultation_id=consultation.id, audience="guardian", position=i, name={"zh_Hans": f"家长主题{i}", "en": f"Guardians {i}"}, accepted=True))
    session.add(Theme(consultation_id=consultation.id, audience="child", position=99, name={"zh_Hans": "未接受", "en": "Not accepted"}, accepted=False))
    session.commit()
    return consultation


def child_themes(session: Session, consultation: Consultation) -> list[Theme]:
    from app.responses import deciding

    return deciding.subjects(session=session, consultation=consultation).child_themes


def decide(session: Session, actor: StaffUser, consultation: Consultation):  # noqa: ANN201
    return actions.save_decision(session=session, actor=actor, consultation=consultation, data=DecisionIn(
        decided_on=city_today(), text={"zh_Hans": "区住建局决定增加秋千和树荫。", "en": "More swings and shade."}, reference="五住建〔2026〕12号"))


def answer_all(session: Session, actor: StaffUser, consultation: Consultation, decision_id: int | None) -> None:
    for theme in child_themes(session, consultation):
        actions.save_response(session=session, actor=actor, consultation=consultation, theme=theme, data=ResponseIn(
            outcome=Outcome.ADOPTED, explanation={"zh_Hans": "将增加四个秋千。", "en": "Four swings will be added."},
            child_versions={"14-17": {"zh_Hans": "我们会多装秋千。", "en": "We will add swings."}}, decision_id=decision_id))


def ready_to_publish(session: Session, actor: StaffUser, consultation: Consultation) -> None:
    decision = decide(session, actor, consultation)
    answer_all(session, actor, consultation, decision.id)


def commitment(session: Session, actor: StaffUser, consultation: Consultation, **changes):  # noqa: ANN003, ANN201
    data = dict(action={"zh_Hans": "安装四个新秋千", "en": "Install four new swings"}, department={"zh_Hans": "区住建局", "en": "District housing bureau"},
                due_on=city_today() + dt.timedelta(days=90))
    data.update(changes)
    return actions.add_commitment(session=session, actor=actor, consultation=consultation, data=CommitmentIn(**data))
