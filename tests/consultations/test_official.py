"""The officials' pages (PAR-01, PAR-12): drafts, the Lundy gate per item, the life cycle, questions locked once
a child answered, duplicate, filters, pictures stripped of EXIF/GPS, results, and who may do what."""

import datetime as dt
import io
import re

import pytest
from PIL import Image
from sqlmodel import Session, col, func, select

from app.accounts.models import Role
from app.consultations import answering, authoring, service
from app.consultations.models import AnswerIn, Channel, Consultation, Option, Picture, Question
from app.core.audit import AuditEvent
from app.core.db import utcnow
from app.corps import actions as corps
from app.corps.models import GroupKind
from app.media import pictures
from tests.conftest import csrf_token, make_user, post_form, sign_in
from tests.consultations.helpers import (
    every_kind,
    load_notices,
    official,
    open_consultation,
    ready,
    take_part,
)
from tests.corps.tablet_helpers import classroom

# ---- shared set-up (also used by test_official_api.py) ---------------------------------------------------


def answered_by_one_child(session: Session, consultation: Consultation) -> None:
    """One child of a new classroom answers the first question (a choice) of an open consultation."""
    load_notices(session)
    room = classroom(session, size=1, code=f"class-{consultation.id}", facilitator=f"teacher{consultation.id}")
    child, _code = room.children[0]
    take_part(session, child)
    question = service.questions_of(session=session, consultation=consultation)[0]
    option = service.options_of(session=session, question=question)[0]
    answering.submit(
        session=session, child=child, consultation=consultation, answers=[AnswerIn(question_id=question.id, option=option.id)],
        key=answering.new_key(child=child, consultation=consultation), channel=Channel.TABLET,
    )
    session.commit()


def jpeg_with_gps() -> bytes:
    """A small JPEG whose EXIF names a camera and carries a GPS position (as a phone photo would)."""
    image = Image.new("RGB", (120, 80), (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x0110] = "Model 7"  # Model
    exif[0x8825] = {1: "N", 2: (25.0, 2.0, 30.0), 3: "E", 4: (102.0, 42.0, 10.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    with Image.open(io.BytesIO(data)) as check:
        assert check.getexif().get_ifd(0x8825), "the test picture must carry GPS"
    return data


# Each item of the Lundy gate, and how a consultation misses it (PAR-01).
MISSING = {
    "topic": ({"topic": ""}, None),
    "brief": ({"briefs": {}}, None),
    "age_bands": ({"age_bands": []}, None),
    "decision": ({"decision": {}}, None),
    "decider": ({"decider_role": {}}, None),
    "scope": ({"cannot_change": {}}, None),
    "opens_at": ({"opens_at": None}, None),
    "closes_at": ({"closes_at": None}, None),
    "respond_by": ({"respond_by": None}, None),
    "questions": ({}, []),
    "two_modes": ({}, every_kind()[:1]),
}


def draft(session: Session, actor=None, questions=None, **changes) -> Consultation:  # noqa: ANN001, ANN003
    actor = actor or official(session, f"o-{utcnow().timestamp()}")
    consultation = authoring.create(session=session, actor=actor, data=ready(**changes))
    session.flush()
    for question in every_kind() if questions is None else questions:
        authoring.add_question(session=session, actor=actor, consultation=consultation, data=question)
    session.commit()
    return consultation


def audit_actions(session: Session) -> list[str]:
    return list(session.exec(select(AuditEvent.action).order_by(col(AuditEvent.id))).all())


def count(session: Session, model) -> int:  # noqa: ANN001
    return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def official_client(client, session):  # noqa: ANN001, ANN201
    user = official(session)
    sign_in(client, user.username)
    client.user = user
    return client


def form_for(**changes) -> dict:  # noqa: ANN003
    """The consultation form as a browser posts it, passing the Lundy gate, in Beijing time."""
    data = {
        "title_zh": "翠湖公园儿童游乐区改造", "title_en": "New play area",
        "brief_6-9_zh": "公园要建新的游乐区。你想要什么？", "topic": "spaces.parks", "cycle_stage": "action_plan",
        "age_bands": ["6-9", "10-13"], "decision_zh": "游乐区的设计方案", "decider_body_zh": "区住建局", "decider_role_zh": "项目负责人",
        "can_change_zh": "设施的种类", "cannot_change_zh": "预算", "opens_at": "2030-09-01T09:00", "closes_at": "2030-09-15T18:00",
        "respond_by": "2030-10-15",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# ---- create and edit ------------------------------------------------------------------------------------------


def test_an_official_saves_a_draft_with_dates_in_beijing_time(official_client, session):
    response = post_form(official_client, "/consultations", form_for(), page="/consultations/new")
    assert response.status_code == 303
    consultation = session.exec(select(Consultation)).one()
    assert response.headers["location"] == f"/consultations/{consultation.id}?done=consultation_created"
    assert consultation.opens_at == dt.datetime(2030, 9, 1, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai is 01:00 UTC
    assert consultation.closes_at == dt.datetime(2030, 9, 15, 10, 0, tzinfo=dt.UTC)
    assert consultation.respond_by == dt.date(2030, 10, 15)
    assert consultation.age_bands == ["6-9", "10-13"] and consultation.cycle_stage == "action_plan"
    assert "consultation.create" in audit_actions(session)
    edit = official_client.get(f"/consultations/{consultation.id}/edit").text
    assert 'value="2030-09-01T09:00"' in edit  # shown again in Beijing time
    page = official_client.get(response.headers["location"]).text
    assert "The consultation is saved as a draft" in page and "Draft" in page


def test_a_draft_needs_only_its_chinese_title(official_client, session):
    response = post_form(official_client, "/consultations", {"title_en": "English only", "age_bands": []}, page="/consultations/new")
    assert response.status_code == 422
    assert "Please give the consultation a title in Chinese." in response.text
    assert 'value="English only"' in response.text  # what was typed comes back
    assert count(session, Consultation) == 0
    assert post_form(official_client, "/consultations", {"title_zh": "草稿"}, page="/consultations/new").status_code == 303


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"closes_at": "2030-08-01T09:00"}, "The closing time must be after the opening time."),
        ({"respond_by": "2030-09-01"}, "on or after the closing date"),
        ({"opens_at": "next monday"}, "Please give dates and times like"),
        ({"respond_by": "2030-13-45"}, "Please give dates like"),
        ({"topic": "spaces.nowhere"}, "Please choose a topic from the list."),
        ({"district_ids": ["999"]}, "Please choose districts from the list."),
        ({"district_ids": ["abc"]}, "Please choose districts from the list."),
        ({"group_ids": ["999"]}, "Please choose groups from the list."),
        ({"project_id": "999"}, "Please choose a project from the list."),
        ({"age_bands": ["3-5"]}, "Please choose age bands from the list."),
        ({"cycle_stage": "dreaming"}, "Please choose a stage of the cycle from the list."),
        # The form's maxlength, checked again on the server (a browser may ignore it).
        ({"title_en": "x" * 201}, "“Title” is too long: at most 200 characters."),
        ({"brief_6-9_zh": "长" * 2001}, "“Brief for children aged 6–9” is too long: at most 2000 characters."),
        ({"picture_alt_zh": "图" * 301}, "“The picture in words” is too long: at most 300 characters."),
    ],
)
def test_bad_input_is_refused_in_words_and_nothing_is_saved(official_client, session, changes, message):
    response = post_form(official_client, "/consultations", form_for(**changes), page="/consultations/new")
    assert response.status_code == 422
    assert message in response.text
    assert "翠湖公园儿童游乐区改造" in response.text  # the form comes back as typed
    assert count(session, Consultation) == 0


def test_the_forms_maxlength_is_the_length_the_server_checks(official_client, session):
    new = official_client.get("/consultations/new").text
    assert 'id="title_zh" name="title_zh" lang="zh-Hans" maxlength="200"' in new
    assert 'id="picture_alt_en" name="picture_alt_en" lang="en" maxlength="300"' in new
    detail = official_client.get(f"/consultations/{draft(session, questions=[]).id}").text
    assert 'id="prompt_zh" name="prompt_zh" lang="zh-Hans" rows="2" maxlength="500"' in detail
    assert 'name="option_0_zh" lang="zh-Hans" maxlength="100"' in detail


def test_an_edit_that_is_refused_changes_nothing(official_client, session):
    consultation = draft(session)
    response = post_form(official_client, f"/consultations/{consultation.id}/edit", form_for(title_zh="新标题", closes_at="2030-08-01T09:00"),
                         page="/consultations")
    assert response.status_code == 422 and "新标题" in response.text
    session.refresh(consultation)
    assert consultation.title["zh_Hans"] == "翠湖公园儿童游乐区改造"
    response = post_form(official_client, f"/consultations/{consultation.id}/edit", form_for(title_zh="新标题"), page="/consultations")
    assert response.status_code == 303
    session.refresh(consultation)
    assert consultation.title["zh_Hans"] == "新标题" and "consultation.update" in audit_actions(session)


def test_targeting_lists_every_district_and_group(official_client, session):
    district = corps.ensure_district(session=session, actor=None, code="wuhua", name={"zh_Hans": "五华区", "en": "Wuhua"})
    group = corps.create_group(session=session, actor=None, district_id=district.id, code="class-x", name={"zh_Hans": "三年级一班", "en": "Class 3-1"},
                               kind=GroupKind.SCHOOL_CLASS)
    page = official_client.get("/consultations/new").text
    assert f'name="district_ids" value="{district.id}"' in page and f'name="group_ids" value="{group.id}"' in page
    assert "<optgroup" in page and 'value="spaces.parks"' in page  # topics grouped by action area
    response = post_form(official_client, "/consultations", form_for(district_ids=[str(district.id)], group_ids=[str(group.id)]), page="/consultations/new")
    assert response.status_code == 303
    consultation = session.exec(select(Consultation)).one()
    assert consultation.district_ids == [district.id] and consultation.group_ids == [group.id]


# ---- the Lundy gate (PAR-01) -----------------------------------------------------------------------------------


@pytest.mark.parametrize("item", list(MISSING))
def test_scheduling_is_refused_for_each_missing_item(official_client, session, item):
    changes, questions = MISSING[item]
    consultation = draft(session, questions=questions, **changes)
    page = official_client.get(f"/consultations/{consultation.id}").text
    assert re.search(rf'<li class="missing" data-item="{item}">', page), f"{item} not marked missing"
    response = post_form(official_client, f"/consultations/{consultation.id}/schedule", page="/consultations")
    assert response.status_code == 422
    assert "This consultation is not ready to schedule" in response.text
    assert f'<li class="missing" data-item="{item}">' in response.text
    assert service.LUNDY_ITEMS[item] in response.text  # in words
    session.refresh(consultation)
    assert consultation.scheduled_at is None


def test_a_complete_consultation_shows_a_full_checklist_and_is_scheduled(official_client, session):
    consultation = draft(session, opens_at=utcnow() + dt.timedelta(days=1), closes_at=utcnow() + dt.timedelta(days=8))
    page = official_client.get(f"/consultations/{consultation.id}").text
    assert 'class="missing"' not in page and "Everything is there" in page
    response = post_form(official_client, f"/consultations/{consultation.id}/schedule", page="/consultations")
    assert response.status_code == 303 and response.headers["location"].endswith("done=consultation_scheduled")
    session.refresh(consultation)
    assert consultation.state().value == "scheduled" and "consultation.schedule" in audit_actions(session)


def test_an_edit_of_a_scheduled_consultation_must_keep_the_gate(official_client, session):
    consultation = draft(session, opens_at=utcnow() + dt.timedelta(days=1), closes_at=utcnow() + dt.timedelta(days=8))
    authoring.schedule(session=session, actor=official_client.user, consultation=consultation)
    session.commit()
    form = {**{k: v for k, v in form_for().items() if not k.startswith("decision")}, "opens_at": "2030-09-01T09:00"}
    response = post_form(official_client, f"/consultations/{consultation.id}/edit", form, page="/consultations")
    assert response.status_code == 422 and "the decision it feeds" in response.text
    session.refresh(consultation)
    assert consultation.decision["zh_Hans"] == "游乐区的设计方案"


# ---- life cycle ------------------------------------------------------------------------------------------------


def test_back_to_draft_before_opening_then_never_after(official_client, session):
    later = draft(session, opens_at=utcnow() + dt.timedelta(days=1), closes_at=utcnow() + dt.timedelta(days=8))
    authoring.schedule(session=session, actor=official_client.user, consultation=later)
    session.commit()
    assert post_form(official_client, f"/consultations/{later.id}/unschedule", page="/consultations").status_code == 303
    session.refresh(later)
    assert later.state().value == "draft"

    now_open = open_consultation(session, actor=official_client.user)
    response = post_form(official_client, f"/consultations/{now_open.id}/unschedule", page="/consultations")
    assert response.status_code == 409 and "Only a consultation that has not opened yet can go back to draft." in response.text


def test_closing_early_needs_a_reason(official_client, session):
    consultation = open_consultation(session, actor=official_client.user)
    page = official_client.get(f"/consultations/{consultation.id}").text
    assert "Close early" in page
    response = post_form(official_client, f"/consultations/{consultation.id}/close", {"reason": "  "}, page="/consultations")
    assert response.status_code == 422 and "Please say why the consultation closes early" in response.text
    session.refresh(consultation)
    assert consultation.state().value == "open"
    response = post_form(official_client, f"/consultations/{consultation.id}/close", {"reason": "项目暂停"}, page="/consultations")
    assert response.status_code == 303
    session.refresh(consultation)
    assert consultation.state().value == "closed" and consultation.close_reason == "项目暂停"
    page = official_client.get(f"/consultations/{consultation.id}").text
    assert "项目暂停" in page
    # Issue 18: a closed consultation's checklist is a record, not an offer to schedule.
    assert "can be scheduled" not in page and "This consultation has ended." in page


def test_duplicate_copies_the_questions_into_a_new_draft(official_client, session):
    consultation = open_consultation(session, actor=official_client.user)
    response = post_form(official_client, f"/consultations/{consultation.id}/duplicate", page="/consultations")
    assert response.status_code == 303
    copy_id = int(response.headers["location"].split("/")[2].split("?")[0])
    copy = session.get(Consultation, copy_id)
    assert copy.state().value == "draft" and copy.opens_at is None
    old = service.questions_of(session=session, consultation=consultation)
    new = service.questions_of(session=session, consultation=copy)
    assert [q.prompt for q in new] == [q.prompt for q in old] and {q.id for q in new}.isdisjoint({q.id for q in old})
    assert [o.label for o in service.options_of(session=session, question=new[0])] == [o.label for o in service.options_of(session=session, question=old[0])]
    assert "consultation.duplicate" in audit_actions(session)


# ---- questions -------------------------------------------------------------------------------------------------


def question_form(**changes) -> dict:  # noqa: ANN003
    data = {"kind": "single", "prompt_zh": "你最喜欢哪个？", "prompt_en": "Which do you like best?",
            "option_0_zh": "秋千", "option_0_en": "Swings", "option_0_pictogram": "playground",
            "option_1_zh": "滑梯", "option_1_en": "", "option_1_pictogram": "",
            "option_2_zh": "", "option_2_en": "", "option_2_pictogram": ""}
    data.update(changes)
    return data


def test_questions_are_added_edited_moved_and_deleted_without_javascript(official_client, session):
    consultation = draft(session, questions=[])
    url = f"/consultations/{consultation.id}/questions"
    assert post_form(official_client, url, question_form(), page="/consultations").status_code == 303
    assert post_form(official_client, url, {"kind": "text", "prompt_zh": "还有什么想法？"}, page="/consultations").status_code == 303
    first, second = service.questions_of(session=session, consultation=consultation)
    assert [o.label for o in service.options_of(session=session, question=first)] == [{"zh_Hans": "秋千", "en": "Swings"}, {"zh_Hans": "滑梯"}]
    edit = official_client.get(f"{url}/{first.id}/edit")
    assert edit.status_code == 200 and 'value="秋千"' in edit.text
    response = post_form(official_client, f"{url}/{first.id}", question_form(kind="multiple", max_choices="2", option_2_zh="沙坑"), page="/consultations")
    assert response.status_code == 303
    session.refresh(first)
    assert first.kind == "multiple" and first.max_choices == 2 and len(service.options_of(session=session, question=first)) == 3
    assert post_form(official_client, f"{url}/{second.id}/move", {"direction": "up"}, page="/consultations").status_code == 303
    assert [q.id for q in service.questions_of(session=session, consultation=consultation)] == [second.id, first.id]
    assert post_form(official_client, f"{url}/{second.id}/delete", page="/consultations").status_code == 303
    assert [q.id for q in service.questions_of(session=session, consultation=consultation)] == [first.id]
    actions = audit_actions(session)
    for action in ("consultation.question_add", "consultation.question_update", "consultation.question_move", "consultation.question_delete"):
        assert action in actions


def test_htmx_moves_a_question_in_place_with_the_checklist(official_client, session):
    consultation = draft(session, questions=every_kind()[:2])
    first, second = service.questions_of(session=session, consultation=consultation)
    token = csrf_token(official_client, f"/consultations/{consultation.id}")
    response = official_client.post(
        f"/consultations/{consultation.id}/questions/{second.id}/move", data={"direction": "up"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="questions"') and 'id="lundy"' in response.text and 'hx-swap-oob="true"' in response.text
    assert "<html" not in response.text
    assert [q.id for q in service.questions_of(session=session, consultation=consultation)] == [second.id, first.id]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"prompt_zh": ""}, "Please write the question in Chinese."),
        ({"option_1_zh": ""}, "Please give at least two options"),
        ({"option_1_zh": "", "option_1_en": "Slide"}, "Each option needs its words in Chinese."),
        ({"kind": "essay"}, "Please choose what kind of question this is."),
        ({"kind": "multiple", "max_choices": "5"}, "The most choices must be between 1 and the number of options."),
        ({"option_0_pictogram": "dragon"}, "Please choose pictures from the list."),
        ({f"option_{i}_zh": f"选项{i}" for i in range(13)}, "Please give at most 12 options"),
        ({"prompt_en": "x" * 501}, "is too long: at most 500 characters."),
        ({"option_1_zh": "长" * 101}, "is too long: at most 100 characters."),
    ],
)
def test_a_bad_question_is_refused_and_what_was_typed_comes_back(official_client, session, changes, message):
    consultation = draft(session, questions=[])
    response = post_form(official_client, f"/consultations/{consultation.id}/questions", question_form(**changes), page="/consultations")
    assert response.status_code == 422
    assert message in response.text
    assert count(session, Question) == 0 and count(session, Option) == 0
    if changes.get("prompt_zh") != "":
        assert "你最喜欢哪个？" in response.text


def test_a_question_of_another_consultation_is_not_found(official_client, session):
    mine = draft(session, questions=every_kind()[:1])
    other = draft(session, questions=every_kind()[:1])
    theirs = service.questions_of(session=session, consultation=other)[0]
    assert official_client.get(f"/consultations/{mine.id}/questions/{theirs.id}/edit").status_code == 404
    assert post_form(official_client, f"/consultations/{mine.id}/questions/{theirs.id}", question_form(), page="/consultations").status_code == 404
    assert post_form(official_client, f"/consultations/{mine.id}/questions/{theirs.id}/delete", page="/consultations").status_code == 404
    assert session.get(Question, theirs.id) is not None


def test_questions_are_locked_once_a_child_answered_and_duplicate_is_offered(official_client, session):
    consultation = open_consultation(session, actor=official_client.user)
    answered_by_one_child(session, consultation)
    page = official_client.get(f"/consultations/{consultation.id}").text
    assert "Children have already answered, so the questions cannot be changed." in page
    assert f'action="/consultations/{consultation.id}/duplicate"' in page
    assert "Add a question" not in page
    response = post_form(official_client, f"/consultations/{consultation.id}/questions", question_form(), page="/consultations")
    assert response.status_code == 409 and "You can duplicate the consultation instead." in response.text
    first = service.questions_of(session=session, consultation=consultation)[0]
    assert post_form(official_client, f"/consultations/{consultation.id}/questions/{first.id}/delete", page="/consultations").status_code == 409
    assert len(service.questions_of(session=session, consultation=consultation)) == 5


# ---- list and filters -----------------------------------------------------------------------------------------


def test_the_list_filters_by_state_topic_and_district(official_client, session):
    district = corps.ensure_district(session=session, actor=None, code="wuhua", name={"zh_Hans": "五华区", "en": "Wuhua"})
    other = corps.ensure_district(session=session, actor=None, code="panlong", name={"zh_Hans": "盘龙区", "en": "Panlong"})
    parks = open_consultation(session, actor=official_client.user, title={"zh_Hans": "公园咨询"}, topic="spaces.parks", district_ids=[district.id])
    school = draft(session, title={"zh_Hans": "学校咨询"}, topic="services.education", district_ids=[other.id])
    everywhere = draft(session, title={"zh_Hans": "全市咨询"}, topic="spaces")

    def titles(query: str) -> set[str]:
        text = official_client.get(f"/consultations?{query}").text
        return {t for t in ("公园咨询", "学校咨询", "全市咨询") if t in text}

    assert titles("") == {"公园咨询", "学校咨询", "全市咨询"}
    assert titles("state=open") == {"公园咨询"}
    assert titles("state=draft") == {"学校咨询", "全市咨询"}
    assert titles("topic=spaces") == {"公园咨询", "全市咨询"}  # an area includes its tasks
    assert titles("topic=spaces.parks") == {"公园咨询"}
    assert titles(f"district={district.id}") == {"公园咨询", "全市咨询"}  # "all districts" is listed under each
    assert titles("state=bogus&topic=nothing&district=x") == {"公园咨询", "学校咨询", "全市咨询"}
    answered_by_one_child(session, parks)
    row = official_client.get("/consultations?state=open").text
    assert re.search(r"<td>&lt; 5</td>", row)  # children who answered: one child, shown as fewer than five (DP-12)
    assert everywhere.id and school.id


# ---- picture ---------------------------------------------------------------------------------------------------


def upload(client, consultation_id: int, name: str, data: bytes, content_type: str = "image/jpeg"):  # noqa: ANN001, ANN201
    token = csrf_token(client, f"/consultations/{consultation_id}")
    return client.post(f"/consultations/{consultation_id}/picture", data={"csrf_token": token},
                       files={"picture": (name, data, content_type)}, follow_redirects=False)


def test_an_uploaded_photo_loses_its_exif_and_gps(official_client, session, client):
    consultation = draft(session)
    response = upload(official_client, consultation.id, "park.jpg", jpeg_with_gps())
    assert response.status_code == 303
    session.refresh(consultation)
    picture = session.get(Picture, consultation.picture_id)
    served = official_client.get(f"/consultations/pictures/{picture.id}")
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert "max-age" in served.headers["cache-control"]
    with Image.open(io.BytesIO(served.content)) as image:
        assert image.format == "JPEG" and image.size == (120, 80)
        assert not image.getexif() and "exif" not in image.info
    assert b"SpyCam" not in served.content
    assert {"consultation.picture_upload", "consultation.picture_set"} <= set(audit_actions(session))
    assert f'src="/consultations/pictures/{picture.id}"' in official_client.get(f"/consultations/{consultation.id}").text


def test_the_picture_in_words_is_its_alt_text_on_the_childs_screen(official_client, session):
    """A11Y-04 (WCAG 1.1.1): the picture tells younger children what is being decided, so a child who cannot
    see it hears it in words. Until the official writes them, the consultation's page says they are missing."""
    consultation = draft(session)
    assert upload(official_client, consultation.id, "park.jpg", jpeg_with_gps()).status_code == 303
    page = official_client.get(f"/consultations/{consultation.id}").text
    assert 'id="picture-alt-missing"' in page
    assert 'class="flow-picture" src="/consultations/' in official_client.get(f"/consultations/{consultation.id}/preview").text
    assert 'alt=""' in re.search(r'<img class="flow-picture"[^>]*>', official_client.get(f"/consultations/{consultation.id}/preview").text).group(0)

    words = {"picture_alt_zh": "湖边的一块空草地，旁边有两棵大树。", "picture_alt_en": "An empty lawn by the lake, with two big trees."}
    response = post_form(official_client, f"/consultations/{consultation.id}/edit", form_for(**words), page=f"/consultations/{consultation.id}/edit")
    assert response.status_code == 303
    session.refresh(consultation)
    assert consultation.picture_alt == {"zh_Hans": words["picture_alt_zh"], "en": words["picture_alt_en"]}
    assert 'id="picture-alt-missing"' not in official_client.get(f"/consultations/{consultation.id}").text
    shown = re.search(r'<img class="flow-picture"[^>]*>', official_client.get(f"/consultations/{consultation.id}/preview").text).group(0)
    assert f'alt="{words["picture_alt_en"]}"' in shown  # the official's client reads English
    official_client.cookies.set("yimi_locale", "zh_Hans")
    shown = re.search(r'<img class="flow-picture"[^>]*>', official_client.get(f"/consultations/{consultation.id}/preview").text).group(0)
    assert f'alt="{words["picture_alt_zh"]}"' in shown
    # A duplicate keeps the picture and its words together.
    copy = authoring.duplicate(session=session, actor=official_client.user, consultation=consultation)
    assert copy.picture_id == consultation.picture_id and copy.picture_alt == consultation.picture_alt


def test_a_draft_picture_is_staff_only_a_scheduled_one_is_for_everyone(app, session):
    from tests.conftest import english_client

    consultation = draft(session, opens_at=utcnow() + dt.timedelta(days=1), closes_at=utcnow() + dt.timedelta(days=8))
    actor = official(session, "uploader")
    picture = authoring.store_picture(session=session, actor=actor, data=jpeg_with_gps())
    authoring.set_picture(session=session, actor=actor, consultation=consultation, picture=picture)
    session.commit()
    with english_client(app) as visitor:
        assert visitor.get(f"/consultations/pictures/{picture.id}").status_code == 404
        authoring.schedule(session=session, actor=actor, consultation=consultation)
        session.commit()
        assert visitor.get(f"/consultations/pictures/{picture.id}").status_code == 200
        assert visitor.get("/consultations/pictures/999999").status_code == 404


def test_a_text_file_named_jpg_is_refused_and_nothing_changes(official_client, session):
    consultation = draft(session)
    response = upload(official_client, consultation.id, "photo.jpg", b"this is not a picture at all\n" * 20)
    assert response.status_code == 422
    assert "Please choose a JPEG, PNG or WebP picture." in response.text
    session.refresh(consultation)
    assert consultation.picture_id is None and count(session, Picture) == 0


def test_an_oversized_upload_is_refused_with_the_limit_and_the_way_back(official_client, session):
    """Issue 5, bad input: a huge picture gets a clear, kind message naming the limit (the body guard refuses
    it before any route reads it) and a link back to the consultation; nothing is saved."""
    consultation = draft(session)
    huge = b"\xff\xd8\xff" + b"0" * (3 * 1024 * 1024)
    response = upload(official_client, consultation.id, "huge.jpg", huge)
    assert response.status_code == 413
    assert "This picture is too large" in response.text and "up to 2 MB" in response.text
    assert f'href="/consultations/{consultation.id}#picture"' in response.text
    official_client.cookies.set("yimi_locale", "zh_Hans")
    chinese = upload(official_client, consultation.id, "huge.jpg", huge)
    assert chinese.status_code == 413 and "这张图片太大了" in chinese.text and "最大 2 MB" in chinese.text
    session.refresh(consultation)
    assert consultation.picture_id is None and count(session, Picture) == 0


def test_the_service_refuses_a_picture_over_its_own_limit(session):
    from app.core.errors import PayloadTooLarge

    with pytest.raises(PayloadTooLarge):
        authoring.store_picture(session=session, actor=official(session), data=b"0" * (pictures.MAX_BYTES + 1))


# ---- results ---------------------------------------------------------------------------------------------------


def test_the_results_page_counts_by_channel_and_hides_small_groups(official_client, session):
    consultation = open_consultation(session, actor=official_client.user)
    answered_by_one_child(session, consultation)
    page = official_client.get(f"/consultations/{consultation.id}/results")
    assert page.status_code == 200
    # One child: every count of children on the page reads "< 5", never "1" (DP-12, app.core.suppression).
    assert '<span class="figure">&lt; 5</span> children answered' in page.text and "Children who answered: &lt; 5" in page.text
    assert "1 child answered" not in page.text and "Children who answered: 1" not in page.text
    assert "Fewer than 5 children answered this question, so the counts are not shown." in page.text
    assert "counted apart" in page.text and "Tablet" in page.text


def test_the_results_page_draws_bars_for_five_children(official_client, session):
    """Ten children, five on each of two options and none on the third: the 0 is a small cell, the first 5 is
    hidden beside it (else 0 could be worked out), the second 5 is drawn (DP-12, app.core.suppression)."""
    consultation = open_consultation(session, actor=official_client.user)
    load_notices(session)
    room = classroom(session, size=10, code="class-five", facilitator="teacher-five")
    question = service.questions_of(session=session, consultation=consultation)[0]
    options = service.options_of(session=session, question=question)
    for i, (child, _code) in enumerate(room.children):
        option = options[i % 2]
        take_part(session, child)
        answering.submit(session=session, child=child, consultation=consultation, answers=[AnswerIn(question_id=question.id, option=option.id)],
                       key=answering.new_key(child=child, consultation=consultation), channel=Channel.PAPER, entered_by=official_client.user)
    session.commit()
    page = official_client.get(f"/consultations/{consultation.id}/results").text
    assert '<svg class="bar"' in page and 'width="50.0"' in page and "(50%)" in page and "&lt; 5" in page


# ---- who may do what (PAR-10) ------------------------------------------------------------------------------------


def test_an_analyst_reads_but_cannot_change(client, session):
    consultation = draft(session)
    make_user(session, "analyst1", [Role.ANALYST])
    sign_in(client, "analyst1")
    assert client.get("/consultations").status_code == 200
    page = client.get(f"/consultations/{consultation.id}")
    assert page.status_code == 200 and "Schedule" not in page.text and "Add a question" not in page.text
    assert client.get(f"/consultations/{consultation.id}/results").status_code == 200
    assert client.get("/consultations/new").status_code == 403
    assert post_form(client, "/consultations", form_for()).status_code == 403
    assert post_form(client, f"/consultations/{consultation.id}/schedule").status_code == 403
    assert post_form(client, f"/consultations/{consultation.id}/duplicate").status_code == 403
    assert count(session, Consultation) == 1


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.FACILITATOR, Role.ADMIN, Role.SAFEGUARDING_OFFICER])
def test_roles_without_consultations_are_refused(client, session, role):
    consultation = draft(session)
    make_user(session, "someone", [role])
    sign_in(client, "someone")
    assert client.get("/consultations").status_code == 403
    assert client.get(f"/consultations/{consultation.id}").status_code == 403
    assert post_form(client, "/consultations", form_for()).status_code == 403
    assert post_form(client, f"/consultations/{consultation.id}/questions", question_form()).status_code == 403


def test_the_staff_home_links_to_consultations_and_projects(official_client):
    home = official_client.get("/staff").text
    assert 'href="/consultations"' in home and 'href="/projects"' in home


def test_the_page_links_a_preview_for_each_targeted_band_and_its_project(official_client, session):
    from app.projects import service as projects
    from app.projects.models import ProjectIn

    project = projects.create(session=session, actor=official_client.user, data=ProjectIn(name={"zh_Hans": "翠湖公园改造"}, department={"zh_Hans": "住建局"}))
    session.commit()
    consultation = draft(session, age_bands=["6-9", "14-17"], project_id=project.id)
    page = official_client.get(f"/consultations/{consultation.id}").text
    assert f"/consultations/{consultation.id}/preview?band=6-9" in page and f"/consultations/{consultation.id}/preview?band=14-17" in page
    assert f"/consultations/{consultation.id}/preview?band=10-13" not in page
    assert f'href="/projects/{project.id}"' in page


def test_times_are_shown_in_beijing_time(official_client, session):
    consultation = draft(session, opens_at=dt.datetime(2030, 9, 1, 1, 0, tzinfo=dt.UTC), closes_at=dt.datetime(2030, 9, 2, 1, 0, tzinfo=dt.UTC),
                         respond_by=dt.date(2030, 9, 30))
    page = official_client.get(f"/consultations/{consultation.id}").text
    assert "9:00" in page  # 01:00 UTC is 09:00 in Shanghai
