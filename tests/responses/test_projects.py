"""Issue 17: a project's page lists its consultations, their decisions and responses and its commitments in one
timeline, and its child impact assessment gets "how children's views changed this project"."""

from app.projects import actions as project_actions
from app.projects.models import ProjectIn
from app.responses import actions
from tests.conftest import post_form, sign_in
from tests.responses.helpers import closed_consultation, commitment, official, ready_to_publish


def test_project_page_shows_one_timeline_and_views_changed(client, session) -> None:
    actor = official(session)
    project = project_actions.create(session=session, actor=actor, data=ProjectIn(
        name={"zh_Hans": "翠湖公园改造", "en": "Green Lake Park"}, department={"zh_Hans": "区住建局"}))
    consultation = closed_consultation(session, actor, project_id=project.id)
    ready_to_publish(session, actor, consultation)
    commitment(session, actor, consultation, project_id=project.id)
    actions.publish(session=session, actor=actor, consultation=consultation)
    sign_in(client, actor.username)
    page = f"/projects/{project.id}"
    saved = post_form(client, f"{page}/edit", {"name_zh": "翠湖公园改造", "department_zh": "区住建局", "status": "planned",
                                               "views_changed_zh": "孩子们要树荫，我们多种了二十棵树。"}, page=f"{page}/edit")
    assert saved.status_code == 303
    text = client.get(page).text
    assert "孩子们要树荫，我们多种了二十棵树。" in text
    timeline = text[text.index("Timeline"):]
    for item in ("Install four new swings", "Response published", "Decision", "New play area at Green Lake Park"):
        assert item in timeline, item


def test_the_demo_has_a_published_response_and_an_overdue_one(session) -> None:
    from sqlmodel import select

    from app import demo
    from app.consultations.models import Consultation
    from app.responses import service

    demo.load_demo(session=session)
    demo.load_demo(session=session)  # twice: nothing doubled
    found = {c.title["zh_Hans"]: c for c in session.exec(select(Consultation))}
    answered, overdue = found[demo.DEMO_ANSWERED_TITLE], found[demo.DEMO_OVERDUE_TITLE]
    assert service.latest_publication(session=session, consultation_id=answered.id).number == 1
    assert service.response_state(overdue, published=False) == service.ResponseState.OVERDUE
    assert service.latest_publication(session=session, consultation_id=overdue.id) is None


def test_the_demo_children_hear_back_once_they_say_yes(session) -> None:
    """Issue 17: after `make run`, 小星星 (who took part in the answered consultation) says their own "yes" on the
    tablet and finds the city's answer: news on their home, their own words, the answer in a child's words."""
    from sqlmodel import select

    from app import demo
    from app.consent import service as consent
    from app.consent.models import DecidedBy, Decision, Purpose
    from app.consultations.models import Consultation
    from app.corps.models import Child
    from app.responses import hearing

    demo.load_demo(session=session)
    answered = next(c for c in session.exec(select(Consultation)) if c.title["zh_Hans"] == demo.DEMO_ANSWERED_TITLE)
    star = session.exec(select(Child).where(Child.display_name == "小星星")).one()
    consent.record(session=session, child=star, purpose=Purpose.PARTICIPATE, decision=Decision.GRANTED,
                   decided_by=DecidedBy.CHILD_ASSENT, channel="tablet")
    session.commit()
    news = hearing.heard_for(session=session, child=star)
    assert [h for h in news if h.consultation_id == answered.id and h.news is not None]
    page = hearing.page_for_child(session=session, child=star, consultation_id=answered.id)
    assert page.publication is not None and any("绿灯太短" in words for words in page.comments)
