"""The child's side of consultations on the tablet: the home screen's "My questions", the intro that says who
reads the answers and when children hear back (PAR-02), questions one per screen with a visible skip
(PAR-03) and nothing stored before Send, ranking by taps (A11Y-03), the review before sending (A11Y-13),
idempotent sending with a receipt code, results as server-drawn bar charts, and the official's preview.
Each flow is tried with and without `HX-Request`."""

import re
from urllib.parse import urlencode

import pytest
from sqlmodel import Session, select

from app.consent import service as consent
from app.consent.models import DecidedBy, Decision, Purpose
from app.consultations import answering, authoring, service
from app.consultations.models import (
    Answer,
    AnswerIn,
    Channel,
    Comment,
    Consultation,
    Participation,
    QuestionKind,
    Submission,
)
from app.core.db import utcnow
from tests.conftest import sign_in
from tests.consultations.helpers import official, open_consultation, ready, signed_in_taking_part
from tests.corps.tablet_helpers import classroom

HX = {"HX-Request": "true"}


# ---- helpers -------------------------------------------------------------------------------------


def _token(client) -> str:  # noqa: ANN001
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/me").text).group(1)


def _questions(session: Session, consultation: Consultation) -> dict[str, tuple]:
    """kind → (question, [option ids])"""
    found = {}
    for question in service.questions_of(session=session, consultation=consultation):
        found[question.kind] = (question, [o.id for o in service.options_of(session=session, question=question)])
    return found


def _post(client, url: str, fields, headers: dict | None = None):  # noqa: ANN001, ANN202
    """A form post with repeated names (httpx takes only a dict as `data`)."""
    pairs = list(fields.items()) if isinstance(fields, dict) else list(fields)
    return client.post(url, content=urlencode(pairs), follow_redirects=False,
                       headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})


def _step(client, consultation: Consultation, data, *, htmx: bool = False):  # noqa: ANN001, ANN202
    pairs = list(data.items()) if isinstance(data, dict) else list(data)
    return _post(client, f"/me/consultations/{consultation.id}/answer", [("csrf_token", _token(client)), *pairs], HX if htmx else None)


def _hidden(html: str) -> list[tuple[str, str]]:
    """The hidden fields of the first step form on the page (the answers carried so far)."""
    form = html[html.index('class="flow-form"'):]
    form = form[: form.index("</form>")]
    return re.findall(r'<input type="hidden" name="((?:q|skip)-\d+|at|from_review)" value="([^"]*)"', form)


def _send_fields(html: str) -> list[tuple[str, str]]:
    form = html[html.index('class="send-form"'):]
    form = form[: form.index("</form>")]
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)


def _send(client, consultation: Consultation, fields: list[tuple[str, str]]):  # noqa: ANN001, ANN202
    return _post(client, f"/me/consultations/{consultation.id}/send", fields)


def _walk(client, session: Session, consultation: Consultation, *, htmx: bool = False) -> str:
    """Answer every question kind through the steps, the way the forms do; returns the review page."""
    qs = _questions(session, consultation)
    page = _step(client, consultation, {"at": "0", "go": "start"}, htmx=htmx)
    assert page.status_code == 200
    single, single_opts = qs["single"]
    page = _step(client, consultation, [*_hidden(page.text), ("go", "next"), (f"q-{single.id}", str(single_opts[1]))], htmx=htmx)
    multiple, multiple_opts = qs["multiple"]
    assert "Question 2 of 5" in page.text
    page = _step(client, consultation, [*_hidden(page.text), ("go", "next"), (f"q-{multiple.id}", str(multiple_opts[0])),
                                        (f"q-{multiple.id}", str(multiple_opts[2]))], htmx=htmx)
    scale, _ = qs["scale"]
    page = _step(client, consultation, [*_hidden(page.text), ("go", "next"), (f"q-{scale.id}", "4")], htmx=htmx)
    ranking, ranking_opts = qs["ranking"]
    assert "Question 4 of 5" in page.text
    # A11Y-03: ranking by tapping in order; each tap is a post, numbers are shown, "start again" clears.
    page = _step(client, consultation, [*_hidden(page.text), ("go", f"tap-{ranking_opts[2]}")], htmx=htmx)
    assert re.search(r'class="rank-number"[^>]*><span class="visually-hidden">number </span>1</span>', page.text)
    page = _step(client, consultation, [*_hidden(page.text), ("go", "again")], htmx=htmx)
    assert 'class="rank-number"' not in page.text
    for option in (ranking_opts[2], ranking_opts[0], ranking_opts[1]):
        page = _step(client, consultation, [*_hidden(page.text), ("go", f"tap-{option}")], htmx=htmx)
    assert "You tapped 3 of 3." in page.text
    page = _step(client, consultation, [*_hidden(page.text), ("go", "next")], htmx=htmx)
    text, _ = qs["text"]
    assert "A grown-up reads what you write first" in page.text and "0 of 280 characters" in page.text
    page = _step(client, consultation, [*_hidden(page.text), ("go", "next"), (f"q-{text.id}", "More shade, please")], htmx=htmx)
    assert page.status_code == 200
    return page.text


def _other_children_answer(session: Session, consultation: Consultation, children, count: int) -> None:  # noqa: ANN001
    qs = _questions(session, consultation)
    single, opts = qs["single"]
    text, _ = qs["text"]
    for child, _code in children[:count]:
        consent.record(session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.GRANTED,
                       decided_by=DecidedBy.CHILD_ASSENT, channel="tablet")
        answering.submit(session=session, child=child, consultation=consultation, key=answering.new_key(child=child, consultation=consultation),
                       channel=Channel.TABLET, answers=[AnswerIn(question_id=single.id, option=opts[0]),
                                                        AnswerIn(question_id=text.id, text="trees")])
        session.commit()


def _close(session: Session, consultation: Consultation) -> None:
    consultation.closed_at = utcnow()
    session.add(consultation)
    session.commit()


# ---- the home screen ------------------------------------------------------------------------------


def test_the_home_screen_lists_open_consultations_as_cards_only_while_taking_part(client, session):
    room, child = signed_in_taking_part(client, session)
    consultation = open_consultation(session)
    home = client.get("/me")
    assert f'href="/me/consultations/{consultation.id}"' in home.text
    assert "New play area at Green Lake Park" in home.text and "You can answer until" in home.text
    consent.record(session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.WITHDRAWN,
                   decided_by=DecidedBy.CHILD_ASSENT, channel="tablet")
    session.commit()
    home = client.get("/me")
    assert f"/me/consultations/{consultation.id}" not in home.text
    assert "No questions for you yet" in home.text


# ---- the intro (PAR-02, PAR-03) -------------------------------------------------------------------------


def test_the_intro_says_who_reads_the_answers_and_when_the_child_hears_back(client, session):
    _room, _child = signed_in_taking_part(client, session)
    consultation = open_consultation(session)
    intro = client.get(f"/me/consultations/{consultation.id}")
    assert intro.status_code == 200
    assert "Green Lake Park will rebuild its play area" in intro.text  # the brief of the child's band (10-13 in 2026)
    assert "Head of the park project at Wuhua District Housing and Construction Bureau" in intro.text  # PAR-02: who
    assert "They will tell you what they decided by" in intro.text  # PAR-02: when
    assert "a grown-up reads it first" in intro.text
    assert "You can skip any question" in intro.text  # PAR-03
    assert 'value="start"' in intro.text and 'class="read-aloud"' in intro.text


def test_a_consultation_not_open_yet_or_of_another_group_is_a_kind_page(client, session):
    import datetime as dt

    room, _child = signed_in_taking_part(client, session)
    later = open_consultation(session, opens_at=utcnow() + dt.timedelta(days=1), closes_at=utcnow() + dt.timedelta(days=8))
    page = client.get(f"/me/consultations/{later.id}")
    assert page.status_code == 409 and "not open yet" in page.text and "Error code" not in page.text
    other = classroom(session, size=0, code="class-b", facilitator="teacher2")
    elsewhere = open_consultation(session, group_ids=[other.group.id])
    for response in (client.get(f"/me/consultations/{elsewhere.id}"),
                     _step(client, elsewhere, {"at": "0", "go": "start"}),
                     client.get(f"/me/consultations/{elsewhere.id}/results")):
        assert response.status_code == 404 and "We could not find these questions for you" in response.text
    key = answering.new_key(child=_child, consultation=elsewhere)
    sent = _send(client, elsewhere, [("csrf_token", _token(client)), ("key", key)])
    assert sent.status_code == 404
    assert session.exec(select(Answer)).all() == []


# ---- answering, reviewing, sending ------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True])
def test_a_child_answers_every_kind_reviews_and_sends_and_gets_a_receipt(client, session, htmx):
    _room, child = signed_in_taking_part(client, session)
    consultation = open_consultation(session)
    review = _walk(client, session, consultation, htmx=htmx)
    if htmx:
        assert review.lstrip().startswith('<div id="flow"') and "<html" not in review
    else:
        assert "<html" in review
    # A11Y-13: every answer shown again, each with a change button, before Send.
    assert "Check your answers" in review
    for words in ("Big trees", "Walking", "By bus", "Good", "1. Clean", "2. Safety", "3. Fun", "More shade, please"):
        assert words in review, words
    assert review.count('name="go" value="to-') == 5
    # PAR-03: nothing is stored before Send.
    assert session.exec(select(Answer)).all() == [] and session.exec(select(Participation)).all() == []

    sent = _send(client, consultation, _send_fields(review))
    assert sent.status_code == 303 and sent.headers["location"] == f"/me/consultations/{consultation.id}/thanks"
    session.expire_all()
    participation = answering.participation_of(session=session, child=child, consultation=consultation)
    assert participation is not None and participation.channel == "tablet"
    stored = {q.kind: a for q in service.questions_of(session=session, consultation=consultation)
              for qid, a in answering.answers_of(session=session, child=child, consultation=consultation).items() if qid == q.id}
    qs = _questions(session, consultation)
    assert stored["single"].value == {"option": qs["single"][1][1]}
    assert stored["multiple"].value == {"options": sorted([qs["multiple"][1][0], qs["multiple"][1][2]])}
    assert stored["scale"].value == {"scale": 4}
    assert stored["ranking"].value == {"order": [qs["ranking"][1][2], qs["ranking"][1][0], qs["ranking"][1][1]]}
    comment = session.exec(select(Comment).where(Comment.child_id == child.id)).one()
    assert comment.text == "More shade, please" and comment.status == "pending"

    thanks = client.get(sent.headers["location"])
    code = participation.receipt_code
    assert thanks.status_code == 200 and f"{code[:4]}</span> <span>{code[4:]}" in thanks.text
    assert "This code is on your page too. When the grown-ups decide, you will see it there." in thanks.text
    home = client.get("/me")
    assert code in home.text and "Change my answers" in home.text


def test_skip_is_on_every_question_and_is_kept_as_skipped(client, session):
    _room, child = signed_in_taking_part(client, session)
    consultation = open_consultation(session)
    page = _step(client, consultation, {"at": "0", "go": "start"})
    for number in range(1, 6):
        assert page.text.count('name="go" value="skip"') == 1, number  # PAR-03: visible on every question
        assert f"Question {number} of 5" in page.text
        page = _step(client, consultation, [*_hidden(page.text), ("go", "skip")])
    assert "Check your answers" in page.text and page.text.count("Skipped") == 5
    fields = _send_fields(page.text)
    assert sum(1 for name, _ in fields if name.startswith("skip-")) == 5
    assert _send(client, consultation, fields).status_code == 303
    session.expire_all()
    answers = answering.answers_of(session=session, child=child, consultation=consultation)
    assert len(answers) == 5 and all(a.skipped for a in answers.values())


def test_back_and_change_keep_the_answers_and_change_returns_to_the_review(client, session):
    signed_in_taking_part(client, session)
    consultation = open_consultation(session)
    review = _walk(client, session, consultation)
    single, opts = _questions(session, consultation)["single"]
    change = _step(client, consultation, [*_hidden(review), ("go", "to-1")])
    assert "Question 1 of 5" in change.text and f'value="{opts[1]}" checked' in change.text
    assert ("from_review", "1") in _hidden(change.text)
    again = _step(client, consultation, [*_hidden(change.text), ("go", "next"), (f"q-{single.id}", str(opts[0]))])
    assert "Check your answers" in again.text and "Swings" in again.text and "Big trees" not in again.text
    back = _step(client, consultation, [*_hidden(again.text), ("go", "back")])
    assert "Question 5 of 5" in back.text and "More shade, please" in back.text


@pytest.mark.parametrize("htmx", [False, True])
def test_too_many_choices_or_too_long_a_text_is_told_kindly_on_the_same_question(client, session, htmx):
    signed_in_taking_part(client, session)
    consultation = open_consultation(session)
    qs = _questions(session, consultation)
    multiple, opts = qs["multiple"]
    page = _step(client, consultation, [("at", "2"), ("go", "next"), *((f"q-{multiple.id}", str(o)) for o in opts)], htmx=htmx)
    assert page.status_code == (200 if htmx else 422)
    assert "Question 2 of 5" in page.text and "You can choose up to 2. Please take some away." in page.text
    assert 'role="alert"' in page.text
    text, _ = qs["text"]
    page = _step(client, consultation, [("at", "5"), ("go", "next"), (f"q-{text.id}", "x" * 281)], htmx=htmx)
    assert page.status_code == (200 if htmx else 422) and "That is a bit long" in page.text
    assert "x" * 281 in page.text  # the words are kept in the form
    assert session.exec(select(Answer)).all() == []


def test_bad_answers_at_send_are_refused_with_the_answers_kept_and_nothing_stored(client, session):
    _room, child = signed_in_taking_part(client, session)
    consultation = open_consultation(session)
    review = _walk(client, session, consultation)
    fields = _send_fields(review)
    qs = _questions(session, consultation)
    single, _ = qs["single"]
    multiple, multiple_opts = qs["multiple"]
    # a choice that belongs to another question
    wrong = [(n, str(multiple_opts[0]) if n == f"q-{single.id}" else v) for n, v in fields]
    refused = _send(client, consultation, wrong)
    assert refused.status_code == 422 and "That choice is not one of this question's choices" in refused.text
    assert "Check your answers" in refused.text and 'class="send-form"' in refused.text
    # too many choices
    refused = _send(client, consultation, [*fields, (f"q-{multiple.id}", str(multiple_opts[1]))])
    assert refused.status_code == 422 and "You can choose up to 2" in refused.text
    # over-long text
    text, _ = qs["text"]
    refused = _send(client, consultation, [(n, "y" * 300 if n == f"q-{text.id}" else v) for n, v in fields])
    assert refused.status_code == 422 and "That is a bit long" in refused.text
    # a question of another consultation is not part of this form: it is ignored, never stored
    other = open_consultation(session)
    other_single, other_opts = _questions(session, other)["single"]
    # a tampered key
    tampered = [(n, v[:-2] + ("11" if v.endswith("00") else "00") if n == "key" else v) for n, v in fields]  # always a different key
    refused = _send(client, consultation, tampered)
    assert refused.status_code == 422 and "This page was too old or was changed" in refused.text
    new_key = dict(_send_fields(refused.text))["key"]
    assert new_key != dict(fields)["key"]  # a fresh key to try again with
    session.expire_all()
    assert session.exec(select(Answer)).all() == [] and session.exec(select(Submission)).all() == []
    # With the foreign question's field added, the send stores only this consultation's answers.
    ok = _send(client, consultation, [*fields, (f"q-{other_single.id}", str(other_opts[0]))])
    assert ok.status_code == 303
    session.expire_all()
    assert {a.consultation_id for a in session.exec(select(Answer)).all()} == {consultation.id}


def test_the_same_key_twice_counts_once_and_shows_the_same_thanks(client, session):
    _room, child = signed_in_taking_part(client, session)
    consultation = open_consultation(session)
    fields = _send_fields(_walk(client, session, consultation))
    first = _send(client, consultation, fields)
    second = _send(client, consultation, fields)
    assert first.status_code == second.status_code == 303 and first.headers["location"] == second.headers["location"]
    session.expire_all()
    assert len(session.exec(select(Participation)).all()) == 1
    assert len(session.exec(select(Submission)).all()) == 1
    assert len(session.exec(select(Answer)).all()) == 5


def test_answers_can_be_changed_until_the_close_and_are_refused_after(client, session):
    _room, child = signed_in_taking_part(client, session)
    consultation = open_consultation(session)
    fields = _send_fields(_walk(client, session, consultation))
    assert _send(client, consultation, fields).status_code == 303
    single, opts = _questions(session, consultation)["single"]
    # Back later: the intro says so, and the stored answers are prefilled in the form.
    intro = client.get(f"/me/consultations/{consultation.id}")
    assert "You already answered" in intro.text and "Change my answers" in intro.text
    assert (f"q-{single.id}", str(opts[1])) in _hidden(intro.text)
    page = _step(client, consultation, [*_hidden(intro.text), ("go", "to-1")])
    review = _step(client, consultation, [*_hidden(page.text), ("go", "next"), (f"q-{single.id}", str(opts[2]))])
    assert "Toilets" in review.text and "More shade, please" in review.text  # the text is prefilled from the comment
    assert _send(client, consultation, _send_fields(review.text)).status_code == 303
    session.expire_all()
    assert answering.answers_of(session=session, child=child, consultation=consultation)[single.id].value == {"option": opts[2]}

    # A review opened before the close, sent after it: refused kindly, nothing changed, answers kept in the form.
    review = _step(client, consultation, [*_hidden(client.get(f"/me/consultations/{consultation.id}").text), ("go", "review")])
    _close(session, consultation)
    late = _send(client, consultation, [(n, str(opts[0]) if n == f"q-{single.id}" else v) for n, v in _send_fields(review.text)])
    assert late.status_code == 409 and "This question time is closed now" in late.text
    assert f'name="q-{single.id}" value="{opts[0]}"' in late.text
    session.expire_all()
    assert answering.answers_of(session=session, child=child, consultation=consultation)[single.id].value == {"option": opts[2]}
    step = _step(client, consultation, {"at": "1", "go": "next"})
    assert step.status_code == 409
    htmx_step = _step(client, consultation, {"at": "1", "go": "next"}, htmx=True)
    assert htmx_step.headers["HX-Redirect"] == f"/me/consultations/{consultation.id}"
    # After the close the intro leads to the results.
    assert client.get(f"/me/consultations/{consultation.id}", follow_redirects=False).headers["location"].endswith("/results")


def test_a_withdrawn_child_gets_the_guards_kind_page_everywhere(client, session):
    _room, child = signed_in_taking_part(client, session)
    consultation = open_consultation(session)
    fields = _send_fields(_walk(client, session, consultation))
    token = _token(client)
    consent.record(session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.WITHDRAWN,
                   decided_by=DecidedBy.CHILD_ASSENT, channel="tablet")
    session.commit()
    for response in (
        client.get(f"/me/consultations/{consultation.id}"),
        client.post(f"/me/consultations/{consultation.id}/answer", data={"csrf_token": token, "at": "0", "go": "start"}),
        _send(client, consultation, fields),
        client.get(f"/me/consultations/{consultation.id}/thanks"),
        client.get(f"/me/consultations/{consultation.id}/results"),
    ):
        assert response.status_code == 403 and "You are not taking part now, so this was not kept" in response.text
    htmx = client.post(f"/me/consultations/{consultation.id}/answer", data={"csrf_token": token}, headers=HX, follow_redirects=False)
    assert htmx.status_code == 403 and htmx.headers["HX-Redirect"].startswith("/me?done=")
    assert session.exec(select(Answer)).all() == []


def test_thanks_without_answers_leads_back_to_the_intro(client, session):
    signed_in_taking_part(client, session)
    consultation = open_consultation(session)
    response = client.get(f"/me/consultations/{consultation.id}/thanks", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/me/consultations/{consultation.id}"


# ---- results ----------------------------------------------------------------------------------------------


def test_results_after_the_close_are_bar_charts_with_small_groups_and_texts_held_back(client, session):
    room, child = signed_in_taking_part(client, session, size=6)
    consultation = open_consultation(session)
    fields = _send_fields(_walk(client, session, consultation))
    assert _send(client, consultation, fields).status_code == 303
    before = client.get(f"/me/consultations/{consultation.id}/results")
    assert before.status_code == 200 and "You can see what children said after" in before.text and "<svg" not in before.text
    _other_children_answer(session, consultation, room.children[1:], 5)
    _close(session, consultation)
    page = client.get(f"/me/consultations/{consultation.id}/results")
    assert page.status_code == 200
    # The single choice: 6 answers, drawn on the server with every number in the chart's title.
    # 5, 1 and 0 children: 1 and 0 are small cells, and 5 would give them away (6 answered), so all read "< 5"
    # (app.core.suppression, DP-12), with no bar to measure them by.
    assert 'role="img"' in page.text and "Swings: &lt; 5 children; Big trees: &lt; 5 children; Toilets: &lt; 5 children" in page.text
    # The other choice questions had only this child: not enough answers to show.
    assert page.text.count("Not enough answers yet to show.") == 3
    assert "6 children wrote ideas. Grown-ups read them." in page.text
    assert "trees" not in page.text.split("</header>")[1].replace("Big trees", "")  # no child's words are shown
    home = client.get("/me")
    assert f"/me/consultations/{consultation.id}/results" in home.text and "See what children said" in home.text
    assert "ended this one early" not in page.text


def test_a_child_sees_why_a_consultation_was_ended_early(client, session):
    """Issue 18: the close-early form promises that children will see the reason; they do."""
    _room, child = signed_in_taking_part(client, session)
    consultation = open_consultation(session)
    assert _send(client, consultation, _send_fields(_walk(client, session, consultation))).status_code == 303
    authoring.close_early(session=session, actor=official(session), consultation=consultation, reason="公园要先修排水管")
    session.commit()
    page = client.get(f"/me/consultations/{consultation.id}/results")
    assert "The grown-ups ended this one early. They said why: 公园要先修排水管" in page.text


# ---- the official's preview as a child --------------------------------------------------------------------


def test_the_preview_shows_the_childs_screens_for_each_band_and_stores_nothing(client, session):
    actor = official(session)
    consultation = authoring.create(session=session, actor=actor, data=ready())
    session.flush()
    from tests.consultations.helpers import every_kind

    for question in every_kind():
        authoring.add_question(session=session, actor=actor, consultation=consultation, data=question)
    session.commit()
    assert consultation.state().value == "draft"
    sign_in(client, actor.username)
    base = f"/consultations/{consultation.id}/preview"
    intro = client.get(f"{base}?band=6-9")
    assert intro.status_code == 200 and "Preview — nothing is saved" in intro.text
    assert "The park gets a new play area. What do you want?" in intro.text  # the 6-9 brief
    assert "Green Lake Park will rebuild" in client.get(f"{base}?band=10-13").text
    assert 'method="get"' in intro.text and "csrf_token" not in intro.text.split('class="flow-form"')[1]
    for step in range(1, 6):
        page = client.get(f"{base}?band=6-9&step={step}")
        assert f"Question {step} of 5" in page.text
    single, opts = _questions(session, consultation)["single"]
    # The GET forms carry the answers in the address, through to a review that sends nothing.
    page = client.get(base, params=[("band", "6-9"), ("at", "1"), ("go", "next"), (f"q-{single.id}", str(opts[0]))])
    assert "Question 2 of 5" in page.text and (f"q-{single.id}", str(opts[0])) in _hidden(page.text)
    review = client.get(f"{base}?band=6-9&step=6")
    assert "Check your answers" in review.text and "Preview — nothing is sent" in review.text
    assert 'class="send-form"' not in review.text
    assert session.exec(select(Answer)).all() == []


def test_the_preview_needs_the_consultations_permission(client, session):
    from app.accounts.models import Role
    from tests.conftest import make_user

    consultation = open_consultation(session)
    make_user(session, "moderator1", [Role.MODERATOR])
    sign_in(client, "moderator1")
    assert client.get(f"/consultations/{consultation.id}/preview", follow_redirects=False).status_code == 403


def test_kinds_are_all_covered():
    assert {k.value for k in QuestionKind} == {"single", "multiple", "scale", "ranking", "text"}


def test_a_disclosure_in_a_written_answer_goes_to_safeguarding_and_the_child_sees_the_calm_screen(client, session):
    """SG-01, SG-02, SG-05: the words are never published, a case opens with them, the officers are alerted,
    and the child at once sees the calm screen (no promise of secrecy) instead of the usual thanks."""
    from app.safeguarding.models import SafeguardingCase

    room, child = signed_in_taking_part(client, session)
    consultation = open_consultation(session)
    text, _ = _questions(session, consultation)["text"]
    page = _step(client, consultation, {"at": "4", "go": "review", f"q-{text.id}": "爸爸喝了酒就打我，我很害怕"})
    response = _send(client, consultation, _send_fields(page.text))
    assert response.status_code == 303 and response.headers["location"] == "/me/help/thanks"
    calm = client.get("/me/help/thanks").text
    assert "12355" in calm and "secret" not in calm.lower() and "保密" not in calm
    session.expire_all()
    comment = session.exec(select(Comment).where(Comment.child_id == child.id)).one()
    assert comment.status == "rejected"  # never shown to anyone
    case = session.exec(select(SafeguardingCase)).one()
    assert (case.source, case.child_id, case.comment_id, case.consultation_id) == ("screening", child.id, comment.id, consultation.id)
    assert case.words == "爸爸喝了酒就打我，我很害怕" and case.child_session_id is not None and case.group_session_id is not None


@pytest.mark.parametrize("htmx", [False, True])
def test_personal_details_bring_a_friendly_prompt_before_sending(client, session, htmx):
    """MOD-08, MOD-22: a phone number in a written answer stops the step with a prompt that names the kind of
    detail, never the number; the child takes it out, or keeps it on purpose; the send checks again."""
    room, child = signed_in_taking_part(client, session)
    consultation = open_consultation(session)
    text, _ = _questions(session, consultation)["text"]
    words = "有事打我电话 138 0013 8000"
    page = _step(client, consultation, {"at": "5", "go": "next", f"q-{text.id}": words}, htmx=htmx)
    assert page.status_code == 200 and "we don't share phone numbers" in page.text
    assert "138 0013 8000" not in page.text.split('name="q-')[0]  # the prompt never repeats the number
    assert "Question 5 of 5" in page.text  # still on the same question
    # The live check while writing says the same, and nothing when the words are fine.
    check = _post(client, f"/me/consultations/{consultation.id}/check", [("csrf_token", _token(client)), ("at", "5"), (f"q-{text.id}", words)], HX)
    assert check.status_code == 200 and "phone numbers" in check.text and "138" not in check.text
    fine = _post(client, f"/me/consultations/{consultation.id}/check", [("csrf_token", _token(client)), ("at", "5"), (f"q-{text.id}", "多种树")], HX)
    assert fine.status_code == 200 and "we don't share" not in fine.text
    # A send that skips the step is asked again; nothing stored.
    review = _step(client, consultation, {"at": "5", "go": "review", f"q-{text.id}": words})
    sent = _send(client, consultation, _send_fields(review.text))
    assert sent.status_code == 200 and "we don't share phone numbers" in sent.text
    assert session.exec(select(Comment).where(Comment.child_id == child.id)).first() is None
    # Keeping it on purpose moves on, and the send goes through (the moderator will hide the number).
    kept = _step(client, consultation, [*_hidden(page.text), ("go", "keep"), (f"q-{text.id}", words)], htmx=htmx)
    assert "Check my answers" in kept.text or "Send" in kept.text
    response = _send(client, consultation, _send_fields(kept.text))
    assert response.status_code == 303 and response.headers["location"].endswith("/thanks")
    session.expire_all()
    assert session.exec(select(Comment).where(Comment.child_id == child.id)).one().status == "pending"
