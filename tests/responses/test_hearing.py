"""Every child hears back (issue 17; PAR-08, PAR-09): the child's page in their words, the "news" badge, the faces
and the moderated "why", what officials see of reactions (small groups suppressed), guardians told once."""

import datetime as dt
import threading

from sqlmodel import Session, col, func, select

from app.accounts.models import Role
from app.consent import actions as consent_actions
from app.consent import service as consent
from app.consent.models import DecidedBy, Decision, Guardian, Guardianship, Purpose
from app.consultations.models import Comment
from app.core.db import city_today, new_session, transaction, utcnow
from app.insights.models import Theme
from app.moderation import actions as moderation_actions
from app.moderation.models import Decision as ModerationDecision
from app.moderation.models import ModeratedItem
from app.notifications.models import OutboxMessage
from app.responses import actions, hearing
from app.responses.models import Face, HeardBack, Reaction
from tests.conftest import english_client, make_user, post_form, sign_in
from tests.consultations.helpers import guardian_for, open_consultation, signed_in_taking_part
from tests.consultations.test_guardian_input import signed_in_guardian
from tests.consultations.test_official_api import token_for
from tests.responses.hearing_helpers import answer, change_status, close, commitment, publish
from tests.responses.helpers import official, ready_to_publish


def _took_part(client, session: Session, size: int = 1, text: str | None = None):  # noqa: ANN001, ANN202
    room, child = signed_in_taking_part(client, session, size=size)
    consultation = open_consultation(session)
    for other, _code in room.children:
        answer(session, other, consultation, text=text if other.id == child.id else None)
    return room, child, consultation


def _approve(session: Session, kind: str, subject_id: int) -> None:
    moderator = make_user(session, f"moderator-{subject_id}-{kind}", [Role.MODERATOR])
    moderation_actions.decide(session=session, moderator=moderator, kind=kind, subject_id=subject_id, decision=ModerationDecision.APPROVED)


def test_the_child_who_took_part_gets_news_opens_the_answer_in_their_words_and_the_news_clears(client, session):
    """PAR-08: the badge while the publication is newer than the child's last look; the page in the child's words."""
    _room, child, consultation = _took_part(client, session, text="More shade under the trees please")
    comment = session.exec(select(Comment).where(Comment.child_id == child.id)).one()
    _approve(session, "comment", comment.id)
    close(session, consultation)
    home = client.get("/me")
    assert "What happened to my ideas" in home.text and "news-badge" not in home.text
    results = client.get(f"/me/consultations/{consultation.id}/results")
    assert f'href="/me/consultations/{consultation.id}/heard-back"' in results.text  # linked from the child's results

    publish(session, consultation)
    home = client.get("/me")
    assert "New answer" in home.text and f'href="/me/consultations/{consultation.id}/heard-back"' in home.text

    page = client.get(f"/me/consultations/{consultation.id}/heard-back")
    assert page.status_code == 200
    text = page.text
    assert "What you said" in text and "Only you can see this part." in text
    assert "Swings" in text  # their own answer
    assert "More shade under the trees please" in text  # their own approved comment
    assert "We will plant more trees around the play area." in text  # the 10-13 child version (not the adults' words)
    assert "The adults&#39; explanation" not in text
    assert "12 children said this." in text and "Fewer than 5 children said this." in text  # suppressed sizes
    assert "No, the city will not do this" in text
    assert 'class="read-aloud"' in text and " hidden>" in text  # read-aloud shows only with JavaScript
    assert "您" not in text
    assert session.exec(select(HeardBack).where(HeardBack.child_id == child.id)).one()
    home = client.get("/me")
    assert "New answer" not in home.text and "news-badge" not in home.text

    # A commitment's status changes: "an update on …" on the home, until the child looks again.
    row = commitment(session, consultation)
    change_status(session, row, "in_progress", text="Digging started", at=utcnow() + dt.timedelta(seconds=2))
    home = client.get("/me")
    assert "An update on Plant 20 trees" in home.text
    page = client.get(f"/me/consultations/{consultation.id}/heard-back")
    assert "Plant 20 trees" in page.text and 'class="now"' in page.text and "Digging started" in page.text
    session.expire_all()
    hb = session.exec(select(HeardBack).where(HeardBack.child_id == child.id)).one()
    hb.seen_at = utcnow() + dt.timedelta(seconds=5)
    session.add(hb)
    session.commit()
    assert "An update on" not in client.get("/me").text


def test_the_child_version_falls_back_to_the_next_older_band_then_the_adults_words():
    response = {"explanation": {"en": "adult"}, "child_versions": {"10-13": {"en": "middle"}, "14-17": {"en": "teen"}}}
    assert hearing.child_words(response, "6-9") == {"en": "middle"}
    assert hearing.child_words(response, "14-17") == {"en": "teen"}
    assert hearing.child_words({"explanation": {"en": "adult"}, "child_versions": {}}, "6-9") == {"en": "adult"}


def test_a_dropped_commitment_is_said_plainly_and_done_shows_every_step_done(client, session):
    _room, child, consultation = _took_part(client, session)
    close(session, consultation)
    publish(session, consultation)
    commitment(session, consultation, action="Plant 20 trees", status="done")
    commitment(session, consultation, action="Paint the fence", status="dropped", dropped_reason="The fence is being replaced")
    page = client.get(f"/me/consultations/{consultation.id}/heard-back").text
    assert "The city stopped doing this." in page and "The fence is being replaced" in page
    assert page.count('class="done"') == 3


def test_before_the_answer_the_page_says_when_it_is_promised_and_overdue_when_late(client, session):
    _room, _child, consultation = _took_part(client, session)
    close(session, consultation, respond_by=city_today() - dt.timedelta(days=2))
    page = client.get(f"/me/consultations/{consultation.id}/heard-back")
    assert page.status_code == 200 and "It is late." in page.text and "What do you think" not in page.text


def test_a_child_who_did_not_take_part_or_withdrew_gets_nothing(client, session):
    room, child = signed_in_taking_part(client, session, size=2)
    consultation = open_consultation(session)
    other = room.children[1][0]
    answer(session, other, consultation)
    close(session, consultation)
    publish(session, consultation)
    assert client.get(f"/me/consultations/{consultation.id}/heard-back").status_code == 404  # did not take part
    answer_later = open_consultation(session)
    answer(session, child, answer_later)
    close(session, answer_later)
    publish(session, answer_later)
    assert client.get(f"/me/consultations/{answer_later.id}/heard-back").status_code == 200
    consent.record(session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.WITHDRAWN,
                   decided_by=DecidedBy.CHILD_ASSENT, channel="tablet")
    session.commit()
    assert client.get(f"/me/consultations/{answer_later.id}/heard-back").status_code == 404
    reacted = post_form(client, f"/me/consultations/{answer_later.id}/heard-back/reaction", {"face": "happy"}, page="/me")
    assert reacted.status_code == 404
    assert "New answer" not in client.get("/me").text


def _staff(app, session: Session, role: Role = Role.OFFICIAL):  # noqa: ANN001, ANN202
    user = make_user(session, f"staff-{role.value}", [role])
    browser = english_client(app)
    sign_in(browser, user.username)
    return browser, user


def _react(client, consultation, **data):  # noqa: ANN001, ANN003, ANN202
    return post_form(client, f"/me/consultations/{consultation.id}/heard-back/reaction", data, page=f"/me/consultations/{consultation.id}/heard-back")


def test_one_face_per_child_a_second_tap_changes_it_and_a_retry_counts_once(client, session):
    """PAR-09: three faces; one reaction per child per consultation."""
    _room, child, consultation = _took_part(client, session)
    close(session, consultation)
    publish(session, consultation)
    page = client.get(f"/me/consultations/{consultation.id}/heard-back").text
    for face in ("happy", "unsure", "unhappy"):
        assert f'name="face" value="{face}"' in page
    assert _react(client, consultation, face="happy").status_code == 303
    assert _react(client, consultation, face="unsure").status_code == 303
    assert _react(client, consultation, face="unsure").status_code == 303
    rows = session.exec(select(Reaction).where(Reaction.child_id == child.id)).all()
    assert len(rows) == 1 and rows[0].face == "unsure"
    page = client.get(f"/me/consultations/{consultation.id}/heard-back?saved=face").text
    assert 'value="unsure" aria-pressed="true"' in page and "Thank you!" in page


def test_concurrent_taps_count_once(client, session):
    """A retry racing the first tap (two requests at once) leaves one reaction: an upsert on the unique constraint."""
    _room, child, consultation = _took_part(client, session)
    close(session, consultation)
    publish(session, consultation)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def tap(face: Face) -> None:
        with new_session() as own:
            try:
                barrier.wait(timeout=10)
                actions.react(session=own, child=own.get(type(child), child.id), consultation_id=consultation.id, face=face,
                              why=None, keep_why=True, on_tablet=True)
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

    threads = [threading.Thread(target=tap, args=(f,)) for f in (Face.HAPPY, Face.UNHAPPY)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    session.expire_all()
    assert session.exec(select(func.count()).select_from(Reaction).where(Reaction.child_id == child.id)).one() == 1


def test_the_why_is_moderated_before_anyone_sees_it_and_officials_see_it_by_age_band_only(client, session):
    """PAR-09, MOD-01: the why joins the moderators' queue; officials see approved words, the age band, no name."""
    room, child, consultation = _took_part(client, session)
    close(session, consultation)
    publish(session, consultation)
    assert _react(client, consultation, face="unsure").status_code == 303
    page = client.get(f"/me/consultations/{consultation.id}/heard-back").text
    assert 'name="why"' in page and "Tell the city why" in page
    assert _react(client, consultation, face="unsure", why="The swings matter more than trees").status_code == 303
    reaction = session.exec(select(Reaction).where(Reaction.child_id == child.id)).one()
    assert reaction.why_status == "pending"
    item = session.exec(select(ModeratedItem).where(ModeratedItem.subject_kind == hearing.REACTION_WHY)).one()
    assert item.subject_id == reaction.id and item.scope_id == consultation.id
    assert "A grown-up has not read your words yet." in client.get(f"/me/consultations/{consultation.id}/heard-back").text

    official = make_user(session, "official-r", [Role.OFFICIAL])
    staff = english_client(client.app)
    sign_in(staff, official.username)
    before = staff.get(f"/consultations/{consultation.id}/reactions")
    assert before.status_code == 200 and "The swings matter more" not in before.text and "No approved reasons yet." in before.text
    queue = make_user(session, "moderator-q", [Role.MODERATOR])
    sign_in(staff, queue.username)
    queued = staff.get("/moderation")
    assert "The swings matter more than trees" in queued.text and f"/moderation/items/{hearing.REACTION_WHY}/{reaction.id}/decide" in queued.text
    _approve(session, hearing.REACTION_WHY, reaction.id)
    sign_in(staff, official.username)
    after = staff.get(f"/consultations/{consultation.id}/reactions")
    assert "The swings matter more than trees" in after.text and "A child aged 10–13" in after.text
    assert child.display_name not in after.text and room.group.label not in after.text
    api = staff.get(f"/api/v1/consultations/{consultation.id}/reactions", headers=token_for(session, official)).json()
    assert api["whys"] == [{"face": "unsure", "text": "The swings matter more than trees", "age_band": "10-13"}]


def test_reaction_counts_under_five_are_hidden_for_officials(client, session, app):
    _room, _child, consultation = _took_part(client, session, size=1)
    close(session, consultation)
    publish(session, consultation)
    _react(client, consultation, face="happy")
    staff, reader = _staff(app, session, Role.ANALYST)
    assert f'href="/consultations/{consultation.id}/reactions"' in staff.get(f"/consultations/{consultation.id}").text
    page = staff.get(f"/consultations/{consultation.id}/reactions")
    assert page.status_code == 200 and "&lt; 5" in page.text and ">1<" not in page.text
    data = staff.get(f"/api/v1/consultations/{consultation.id}/reactions", headers=token_for(session, reader)).json()
    assert data["total"] == {"value": None, "hidden": True, "shown": "< 5"}
    assert all(v["value"] is None for v in data["faces"].values())


def test_erasure_leaves_nothing_of_the_child_in_reactions(client, session, app):
    _room, child, consultation = _took_part(client, session)
    close(session, consultation)
    publish(session, consultation)
    _react(client, consultation, face="unhappy", why="I wanted a pool")
    client.get(f"/me/consultations/{consultation.id}/heard-back")
    consent_actions.erase_child(session=session, child=child, requested_by="guardian", actor=("guardian", "1"))
    session.expire_all()
    assert session.exec(select(func.count()).select_from(Reaction)).one() == 0
    assert session.exec(select(func.count()).select_from(HeardBack)).one() == 0
    assert session.exec(select(func.count()).select_from(ModeratedItem).where(ModeratedItem.subject_kind == hearing.REACTION_WHY)).one() == 0
    staff, _user = _staff(app, session)
    assert "I wanted a pool" not in staff.get(f"/consultations/{consultation.id}/reactions").text


def test_withdrawing_takes_a_pending_why_out_of_the_queue(client, session):
    _room, child, consultation = _took_part(client, session)
    close(session, consultation)
    publish(session, consultation)
    _react(client, consultation, face="unhappy", why="I wanted a pool")
    consent.record(session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.WITHDRAWN,
                   decided_by=DecidedBy.CHILD_ASSENT, channel="tablet")
    session.commit()
    session.expire_all()
    reaction = session.exec(select(Reaction).where(Reaction.child_id == child.id)).one()
    assert reaction.why is None
    assert session.exec(select(func.count()).select_from(ModeratedItem).where(ModeratedItem.subject_kind == hearing.REACTION_WHY)).one() == 0


def test_guardians_are_told_once_with_a_link_and_no_child_data(client, session, app):
    """PAR-08: one message per guardian with notify_guardian consent, on the first publication only."""
    room, child, consultation = _took_part(client, session, size=2)
    told, not_told = room.children[0][0], room.children[1][0]
    guardian = session.exec(select(Guardian).join(Guardianship, col(Guardianship.guardian_id) == Guardian.id)
                            .where(Guardianship.child_id == told.id)).one()
    consent.record(session=session, child=told, purpose=Purpose.NOTIFY_GUARDIAN, decision=Decision.GRANTED,
                   decided_by=DecidedBy.GUARDIAN, channel="web", guardian=guardian)
    session.commit()
    close(session, consultation)
    first = publish(session, consultation)
    with transaction(session):
        assert hearing.notify_guardians(session, consultation, first) == 1
    with transaction(session):
        assert hearing.notify_guardians(session, consultation, first) == 0  # once only
    second = publish(session, consultation, number=2, note="A typo")
    with transaction(session):
        assert hearing.notify_guardians(session, consultation, second) == 0  # a correction sends nothing
    messages = session.exec(select(OutboxMessage).where(OutboxMessage.kind == hearing.GUARDIANS_KIND)).all()
    assert len(messages) == 1
    body = messages[0].body
    assert f"/said-and-done/{consultation.id}" in body
    assert told.display_name not in body and not_told.display_name not in body

    # The development outbox shows it; the guardian's dashboard lists the answer.
    admin = make_user(session, "outbox-admin", [Role.ADMIN])
    staff = english_client(app)
    sign_in(staff, admin.username)
    outbox = staff.get("/admin/outbox")
    assert outbox.status_code == 200 and "城市已经答复了孩子们" in outbox.text  # the guardian reads Chinese
    browser = signed_in_guardian(app, session, guardian)
    dashboard = browser.get("/guardian/home")
    assert "The city has answered the children" in dashboard.text and f'href="/said-and-done/{consultation.id}"' in dashboard.text


def test_a_guardian_of_a_child_who_did_not_take_part_sees_no_answer(client, session, app):
    room, child = signed_in_taking_part(client, session, size=2)
    consultation = open_consultation(session)
    answer(session, room.children[1][0], consultation)
    close(session, consultation)
    publish(session, consultation)
    guardian = guardian_for(session, child, contact="13900000999")
    browser = signed_in_guardian(app, session, guardian)
    assert "The city has answered the children" not in browser.get("/guardian/home").text


def test_a_why_too_long_is_refused_kindly_and_nothing_is_kept(client, session):
    _room, child, consultation = _took_part(client, session)
    close(session, consultation)
    publish(session, consultation)
    _react(client, consultation, face="happy")
    refused = _react(client, consultation, face="happy", why="树" * (hearing.WHY_LIMIT + 1))
    assert refused.status_code == 422 and "That is a bit long" in refused.text and 'name="why"' in refused.text
    session.expire_all()
    assert session.exec(select(Reaction).where(Reaction.child_id == child.id)).one().why is None


def test_publishing_through_the_officials_action_tells_the_guardians_once(client, session):
    """PAR-08: the official's publish (not a test's shortcut) tells each guardian who asked, once; a correction
    tells nobody again."""
    room, child, consultation = _took_part(client, session)
    guardian = session.exec(select(Guardian).join(Guardianship, col(Guardianship.guardian_id) == Guardian.id)
                            .where(Guardianship.child_id == child.id)).one()
    consent.record(session=session, child=child, purpose=Purpose.NOTIFY_GUARDIAN, decision=Decision.GRANTED,
                   decided_by=DecidedBy.GUARDIAN, channel="web", guardian=guardian)
    session.add(Theme(consultation_id=consultation.id, audience="child", name={"zh_Hans": "更多秋千", "en": "More swings"},
                      description={"zh_Hans": "孩子们想要更多秋千。"}, accepted=True))
    session.commit()
    close(session, consultation)
    actor = official(session)
    ready_to_publish(session, actor, consultation)
    actions.publish(session=session, actor=actor, consultation=consultation)
    actions.publish(session=session, actor=actor, consultation=consultation, note="A typo in the explanation")
    messages = session.exec(select(OutboxMessage).where(OutboxMessage.kind == hearing.GUARDIANS_KIND)).all()
    assert len(messages) == 1 and f"/said-and-done/{consultation.id}" in messages[0].body
