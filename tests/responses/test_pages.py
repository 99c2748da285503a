"""Issue 17: the officials' pages of "you said, we did" as an official uses them, without JavaScript: record a
decision (the named decider prefilled; another needs a reason), answer every theme, add commitments, preview as
each reader, publish; refusals come back with what was typed. Permissions per role (PAR-10)."""

import re

import pytest
from sqlmodel import select

from app.accounts.models import Role
from app.responses import deciding
from app.responses.models import Commitment, CommitmentEvent, Decision, Publication, Response
from tests.conftest import make_user, post_form, sign_in
from tests.consultations.helpers import open_consultation
from tests.consultations.test_official_api import token_for
from tests.responses.helpers import child_themes, closed_consultation, commitment, official, ready_to_publish


def test_an_official_answers_children_and_publishes(client, session) -> None:
    actor = official(session)
    consultation = closed_consultation(session, actor)
    base = f"/consultations/{consultation.id}/responses"
    sign_in(client, actor.username)

    page = client.get(base)
    assert page.status_code == 200
    assert "More swings" in page.text and "Not answered yet" in page.text
    assert "a decision (who decided what, and when)" in page.text  # the checklist, in words

    form = client.get(f"{base}/decisions/new")
    assert 'value="Wuhua District Housing and Construction Bureau, Head of the park project"' in form.text  # prefilled

    # another decider without a reason: refused, nothing typed is lost
    refused = post_form(client, f"{base}/decisions", {"decided_on": "2026-11-30", "decider_zh": "市政府", "decider_en": "",
                                                      "text_zh": "决定增加秋千。", "text_en": "More swings.", "reference": "12号"}, page=base)
    assert refused.status_code == 422
    assert "please say why" in refused.text and "决定增加秋千。" in refused.text and "12号" in refused.text
    saved = post_form(client, f"{base}/decisions", {"decided_on": "2026-11-30", "decider_zh": "五华区住房和城乡建设局 公园项目负责人",
                                                    "text_zh": "决定增加秋千。", "text_en": "More swings.", "reference": "12号"}, page=base)
    assert saved.status_code == 303
    decision = session.exec(select(Decision)).one()
    assert decision.named_decider and decision.decider["en"].startswith("Wuhua")

    first, second = child_themes(session, consultation)
    # "not adopted" without its reason: refused, words kept
    refused = post_form(client, f"{base}/themes/{first.id}", {"outcome": "not_adopted", "explanation_zh": "场地不够。", "version": "0"}, page=base)
    assert refused.status_code == 422 and "场地不够。" in refused.text and "children deserve to know why" in refused.text
    for theme, outcome, extra in ((first, "not_adopted", {"reason_zh": "场地太小。"}), (second, "adopted", {})):
        answered = post_form(client, f"{base}/themes/{theme.id}", {
            "outcome": outcome, "explanation_zh": "说明", "child_14-17_zh": "我们会做的。", "child_6-9_zh": "我们会多种树。",
            "decision_id": str(decision.id), "version": "0", **extra}, page=base)
        assert answered.status_code == 303, answered.text

    for action in ("安装四个秋千", "种二十棵树"):
        added = post_form(client, f"{base}/commitments", {"action_zh": action, "department_zh": "区住建局", "due_on": "2027-03-01",
                                                          "status": "planned"}, page=base)
        assert added.status_code == 303
    dropped = post_form(client, f"{base}/commitments", {"action_zh": "建水池", "department_zh": "区住建局", "status": "dropped"}, page=base)
    assert dropped.status_code == 422 and "建水池" in dropped.text

    child = client.get(f"{base}/preview?reader=6-9")
    assert child.status_code == 200
    assert "我们会多种树。" in child.text and "Not this time" in child.text
    assert "说明" not in child.text  # a child reads the child's words, never the adult explanation
    assert "场地太小。" in client.get(f"{base}/preview?reader=public").text
    assert client.get(f"{base}/preview?reader=guardian").status_code == 200

    published = post_form(client, f"{base}/publish", {}, page=base)
    assert published.status_code == 303
    assert session.exec(select(Publication)).one().number == 1
    history = client.get(base)
    assert "Version 1" in history.text and "Publish the correction" in history.text
    assert "You changed the response after it was published" not in history.text
    edited = post_form(client, f"{base}/themes/{second.id}", {
        "outcome": "adopted_in_part", "explanation_zh": "只做一部分", "child_14-17_zh": "我们会做一部分。", "decision_id": str(decision.id),
        "version": "1"}, page=base)
    assert edited.status_code == 303
    assert "You changed the response after it was published" in client.get(base).text
    assert client.get(f"{base}/publications/1").status_code == 200
    assert len(session.exec(select(Commitment)).all()) == 2


def test_open_consultation_is_refused_politely(client, session) -> None:
    actor = official(session)
    consultation = open_consultation(session, actor)
    sign_in(client, actor.username)
    base = f"/consultations/{consultation.id}/responses"
    assert "still open" in client.get(base).text
    refused = post_form(client, f"{base}/publish", {}, page=base)
    assert refused.status_code == 409 and "Children can still answer" in refused.text
    assert client.get(f"{base}/decisions/new").status_code == 409


def test_a_stale_edit_is_refused_and_shows_both_texts(client, session) -> None:
    actor = official(session)
    consultation = closed_consultation(session, actor, themes=1)
    ready_to_publish(session, actor, consultation)
    theme = child_themes(session, consultation)[0]
    response = session.exec(select(Response)).one()
    base = f"/consultations/{consultation.id}/responses"
    sign_in(client, actor.username)
    other = {"outcome": "adopted", "explanation_zh": "第一位官员的说明", "child_14-17_zh": "好", "decision_id": str(response.decision_id)}
    assert post_form(client, f"{base}/themes/{theme.id}", {**other, "version": str(response.version)}, page=base).status_code == 303
    stale = post_form(client, f"{base}/themes/{theme.id}", {**other, "explanation_zh": "第二位官员的说明", "version": str(response.version)}, page=base)
    assert stale.status_code == 409
    assert "第一位官员的说明" in stale.text and "第二位官员的说明" in stale.text  # what is saved, and what they typed
    version = re.search(r'name="version" value="(\d+)"', stale.text).group(1)
    again = post_form(client, f"{base}/themes/{theme.id}", {**other, "explanation_zh": "第二位官员的说明", "version": version}, page=base)
    assert again.status_code == 303


def test_commitment_status_and_progress_are_kept_in_its_history(client, session) -> None:
    actor = official(session)
    consultation = closed_consultation(session, actor, themes=1)
    made = commitment(session, actor, consultation)
    sign_in(client, actor.username)
    page = f"/responses/commitments/{made.id}"
    assert client.get(page).status_code == 200
    done = post_form(client, page, {"action_zh": "安装四个新秋千", "department_zh": "区住建局", "status": "done", "version": "1"}, page=page)
    assert done.status_code == 303
    progress = post_form(client, f"{page}/progress", {"on": "2027-01-10", "progress_zh": "秋千已经装好了。"}, page=page)
    assert progress.status_code == 303
    kinds = [e.kind for e in deciding.events_of(session=session, commitment=made)]
    assert kinds == ["created", "status", "progress"]
    assert "秋千已经装好了。" in client.get(page).text
    assert session.exec(select(CommitmentEvent).where(CommitmentEvent.kind == "status")).one().status == "done"


@pytest.mark.parametrize(("role", "reads", "writes"), [
    (Role.OFFICIAL, 200, 200), (Role.ANALYST, 200, 403), (Role.MODERATOR, 403, 403), (Role.FACILITATOR, 403, 403),
    (Role.SAFEGUARDING_OFFICER, 403, 403),
])
def test_par10_who_may_read_and_write(client, session, role, reads, writes) -> None:
    consultation = closed_consultation(session, official(session, "owner"))
    user = make_user(session, f"user-{role.value}", [role])
    sign_in(client, user.username)
    base = f"/consultations/{consultation.id}/responses"
    assert client.get(base).status_code == reads
    assert client.get(f"{base}/decisions/new").status_code == writes
    assert client.get(f"{base}/preview").status_code == writes
    if reads == 200 and writes == 403:
        assert "Record a decision" not in client.get(base).text


def test_signed_out_visitors_and_children_are_refused(client, session) -> None:
    consultation = closed_consultation(session, official(session))
    page = client.get(f"/consultations/{consultation.id}/responses", follow_redirects=False)
    assert page.status_code in (303, 401)


def test_awaiting_page_lists_overdue_first(client, session) -> None:
    actor = official(session)
    later = closed_consultation(session, actor, respond_in_days=20, title={"zh_Hans": "晚一点", "en": "Later one"})
    late = closed_consultation(session, actor, respond_in_days=-3, title={"zh_Hans": "已逾期", "en": "Overdue one"})
    sign_in(client, actor.username)
    page = client.get("/responses").text
    assert page.index("Overdue one") < page.index("Later one")
    assert "Overdue by 3 days" in page and "20 days left" in page
    assert later.id and late.id
    analyst = make_user(session, "analyst9", [Role.ANALYST])
    sign_in(client, analyst.username)
    assert client.get("/responses").status_code == 403
    # PAR-09: an overdue response is escalated to administrators, so they can open the page it links to, and
    # read the same list through the API.
    admin = make_user(session, "admin9", [Role.ADMIN])
    sign_in(client, admin.username)
    page = client.get("/responses").text
    assert page.index("Overdue one") < page.index("Later one")
    listed = client.get("/api/v1/responses/awaiting", headers=token_for(session, admin))
    assert listed.status_code == 200
    assert [(r["title"]["en"], r["overdue"], r["days_left"]) for r in listed.json()] == [("Overdue one", True, -3), ("Later one", False, 20)]


def test_a_stale_decision_edit_keeps_the_words_and_the_next_save_works(client, session) -> None:
    from tests.responses.helpers import decide

    actor = official(session)
    consultation = closed_consultation(session, actor)
    decision = decide(session, actor, consultation)
    page = f"/consultations/{consultation.id}/responses/decisions/{decision.id}"
    sign_in(client, actor.username)
    form = {"decided_on": "2026-11-30", "decider_zh": decision.decider["zh_Hans"], "text_zh": "第一位的文字", "version": "1"}
    assert post_form(client, page, form, page=page).status_code == 303
    stale = post_form(client, page, {**form, "text_zh": "第二位的文字"}, page=page)
    assert stale.status_code == 409
    assert "第一位的文字" in stale.text and "第二位的文字" in stale.text
    assert post_form(client, page, {**form, "text_zh": "第二位的文字", "version": "2"}, page=page).status_code == 303
    session.refresh(decision)
    assert decision.text["zh_Hans"] == "第二位的文字" and decision.version == 3


def test_readers_see_updated_on_and_earlier_versions_stay_readable(client, session) -> None:
    from app.responses import actions

    actor = official(session)
    consultation = closed_consultation(session, actor)
    ready_to_publish(session, actor, consultation)
    actions.publish(session=session, actor=actor, consultation=consultation)
    actions.publish(session=session, actor=actor, consultation=consultation, note="补充了说明")
    sign_in(client, actor.username)
    base = f"/consultations/{consultation.id}/responses"
    latest = client.get(f"{base}/publications/2").text
    assert "updated on" in latest and "补充了说明" in latest
    earlier = client.get(f"{base}/publications/1").text
    assert "This is an earlier version" in earlier
    assert client.get(f"{base}/publications/3").status_code == 404
