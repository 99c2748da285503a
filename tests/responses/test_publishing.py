"""Issue 17 (PAR-07): the publish check says in words what is missing; nothing is published while the
consultation is open; a correction is the next version and the earlier text stays."""

import pytest
from sqlmodel import select

from app.core.audit import AuditEvent
from app.core.errors import InvalidInput
from app.core.i18n import set_locale
from app.responses import actions, deciding, publishing, service
from app.responses.models import Outcome, Publication, ResponseIn
from tests.consultations.helpers import open_consultation
from tests.responses.helpers import (
    answer_all,
    child_themes,
    closed_consultation,
    decide,
    official,
    ready_to_publish,
)


def words(session, consultation) -> list[str]:  # noqa: ANN001
    set_locale("en")
    return [m.words() for m in publishing.check(session=session, consultation=consultation)]


def test_par07_check_names_every_missing_thing(session) -> None:
    actor = official(session)
    consultation = closed_consultation(session, actor)
    missing = words(session, consultation)
    assert "a decision (who decided what, and when)" in missing
    assert "a response to the children's theme “More swings”" in missing
    assert "a response to the children's theme “Shade and seats”" in missing
    assert not any("Not accepted" in m for m in missing)  # a theme not accepted needs no response

    decision = decide(session, actor, consultation)
    theme = child_themes(session, consultation)[0]
    actions.save_response(session=session, actor=actor, consultation=consultation, theme=theme, data=ResponseIn(
        outcome=Outcome.ADOPTED, explanation={"zh_Hans": "好"}, child_versions={"10-13": {"zh_Hans": "我们会做。"}}))
    missing = words(session, consultation)
    # 10-13 falls back to nothing older (14-17 is empty), 6-9 falls back to 10-13: only 14-17 is missing
    assert "the words for children aged 14–17 about “More swings”" in missing
    assert not any("6–9 about “More swings”" in m for m in missing)
    assert "at least one response linked to the decision it comes from" in missing
    answer_all(session, actor, consultation, decision.id)
    assert words(session, consultation) == []


def test_par07_not_adopted_needs_a_reason_and_pending_a_date(session) -> None:
    actor = official(session)
    consultation = closed_consultation(session, actor, themes=1)
    theme = child_themes(session, consultation)[0]
    with pytest.raises(InvalidInput, match="reason"):
        actions.save_response(session=session, actor=actor, consultation=consultation, theme=theme,
                              data=ResponseIn(outcome=Outcome.NOT_ADOPTED, explanation={"zh_Hans": "不行"}))
    with pytest.raises(InvalidInput, match="date"):
        actions.save_response(session=session, actor=actor, consultation=consultation, theme=theme, data=ResponseIn(outcome=Outcome.PENDING))
    assert deciding.responses_of(session=session, consultation=consultation) == []


def test_not_publishable_while_open(session) -> None:
    actor = official(session)
    consultation = open_consultation(session, actor)
    with pytest.raises(deciding.NotClosed):
        actions.publish(session=session, actor=actor, consultation=consultation)
    with pytest.raises(deciding.NotClosed):
        decide(session, actor, consultation)
    assert session.exec(select(Publication)).all() == []


def test_publish_refused_with_missing_things_publishes_nothing(session) -> None:
    actor = official(session)
    consultation = closed_consultation(session, actor)
    with pytest.raises(publishing.NotReadyToPublish) as refused:
        actions.publish(session=session, actor=actor, consultation=consultation)
    assert len(refused.value.missing) == 3
    assert service.latest_publication(session=session, consultation_id=consultation.id) is None


def test_correction_is_a_new_version_and_the_earlier_text_stays(session) -> None:
    actor = official(session)
    consultation = closed_consultation(session, actor)
    ready_to_publish(session, actor, consultation)
    first = actions.publish(session=session, actor=actor, consultation=consultation)
    assert first.number == 1
    assert first.snapshot["decisions"][0]["reference"] == "五住建〔2026〕12号"
    assert {r["subject"]["en"] for r in first.snapshot["responses"]} == {"More swings", "Shade and seats"}
    assert set(first.snapshot["responses"][0]) == {"id", "theme_id", "question_id", "subject", "description", "size", "outcome", "reason",
                                                   "decide_by", "explanation", "child_versions", "decision_id"}

    theme = child_themes(session, consultation)[0]
    response = deciding.subjects(session=session, consultation=consultation).by_theme[theme.id]
    actions.save_response(session=session, actor=actor, consultation=consultation, theme=theme, data=ResponseIn(
        outcome=Outcome.NOT_ADOPTED, reason={"zh_Hans": "场地太小。", "en": "The space is too small."},
        child_versions={"14-17": {"zh_Hans": "地方太小了。"}}, decision_id=response.decision_id, version=response.version))
    with pytest.raises(InvalidInput, match="note"):
        actions.publish(session=session, actor=actor, consultation=consultation)
    second = actions.publish(session=session, actor=actor, consultation=consultation, note="秋千改为不采纳")
    assert second.number == 2
    assert service.latest_publication(session=session, consultation_id=consultation.id).id == second.id
    assert service.first_published_at(session=session, consultation_id=consultation.id) == first.published_at
    session.refresh(first)
    assert [r["outcome"] for r in first.snapshot["responses"] if r["theme_id"] == theme.id] == ["adopted"]
    assert [r["outcome"] for r in second.snapshot["responses"] if r["theme_id"] == theme.id] == ["not_adopted"]
    events = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]
    assert "response.publish" in events and "response.correct" in events
    assert "response.decision_create" in events and "response.create" in events and "response.update" in events
