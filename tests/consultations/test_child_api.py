"""The child's JSON API (/api/v1/me/consultations): only through the child's own session cookie (never a staff
token), with the child session's CSRF token required in the X-CSRF-Token header (the /api/ prefix is exempt
from the global check), behind the consent guard (CON-04). Answers are checked before anything is stored and
a retried key counts once (PAR-03)."""

import datetime as dt
import re

from sqlmodel import select

from app.accounts import actions as accounts
from app.accounts.models import Role
from app.consent import service as consent
from app.consent.models import DecidedBy, Decision, Purpose
from app.consultations import answering, authoring, service
from app.consultations.models import Answer, Participation
from app.core.db import utcnow
from tests.conftest import make_user
from tests.consultations.helpers import open_consultation, signed_in_taking_part
from tests.corps.tablet_helpers import classroom

BASE = "/api/v1/me/consultations"


def _headers(client) -> dict[str, str]:  # noqa: ANN001
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/me").text).group(1)
    return {"X-CSRF-Token": token}


def _answers(session, consultation) -> list[dict]:  # noqa: ANN001
    found = []
    for question in service.questions_of(session=session, consultation=consultation):
        options = [o.id for o in service.options_of(session=session, question=question)]
        found.append({
            "single": {"question_id": question.id, "option": options[0] if options else None},
            "multiple": {"question_id": question.id, "options": options[:2]},
            "scale": {"question_id": question.id, "scale": 5},
            "ranking": {"question_id": question.id, "order": list(reversed(options))},
            "text": {"question_id": question.id, "text": "A bigger slide"},
        }[question.kind])
    return found


def test_the_child_lists_gets_answers_and_sees_a_receipt(client, session):
    _room, child = signed_in_taking_part(client, session)
    consultation = open_consultation(session)
    headers = _headers(client)
    listed = client.get(BASE, headers=headers)
    assert listed.status_code == 200 and [c["id"] for c in listed.json()["open"]] == [consultation.id]

    form = client.get(f"{BASE}/{consultation.id}", headers=headers).json()
    assert [q["kind"] for q in form["questions"]] == ["single", "multiple", "scale", "ranking", "text"]
    assert form["questions"][0]["options"][0]["pictogram"] == "playground"
    assert form["decider_role"]["en"] == "Head of the park project" and form["respond_by"]  # PAR-02
    assert form["key"] and all(not a["skip"] and a["option"] is None for a in form["answers"])
    assert form["has_picture"] is False and form["picture_alt"] == {}

    body = {"key": form["key"], "answers": _answers(session, consultation)}
    sent = client.post(f"{BASE}/{consultation.id}/answers", json=body, headers=headers)
    assert sent.status_code == 200, sent.text
    receipt = sent.json()
    assert receipt["answers"] == 5 and receipt["repeated"] is False and len(receipt["receipt_code"]) == 8
    again = client.post(f"{BASE}/{consultation.id}/answers", json=body, headers=headers).json()
    assert again["repeated"] is True and again["receipt_code"] == receipt["receipt_code"]
    assert len(session.exec(select(Participation)).all()) == 1 and len(session.exec(select(Answer)).all()) == 5

    listed = client.get(BASE, headers=headers).json()
    assert listed["open"] == [] and listed["answered"][0]["receipt_code"] == receipt["receipt_code"]
    form = client.get(f"{BASE}/{consultation.id}", headers=headers).json()
    stored = {a["question_id"]: a for a in form["answers"]}
    assert any(a["text"] == "A bigger slide" for a in stored.values())  # stored answers come back to change them


def test_the_csrf_header_is_required_and_staff_tokens_are_not_a_child(client, session, admin):
    signed_in_taking_part(client, session)
    consultation = open_consultation(session)
    no_header = client.get(BASE)
    assert no_header.status_code == 403 and no_header.headers["content-type"].startswith("application/problem+json")
    wrong = client.post(f"{BASE}/{consultation.id}/answers", json={"key": "x", "answers": []}, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    cross = client.post(f"{BASE}/{consultation.id}/answers", json={"key": "x", "answers": []},
                        headers={**_headers(client), "Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    # A staff token is not a child's session.
    user = make_user(session, "api-official", [Role.OFFICIAL])
    _, raw = accounts.issue_token(session=session, actor=admin, user=user, name="t")
    client.cookies.clear()
    staff = client.get(BASE, headers={"Authorization": f"Bearer {raw}"})
    assert staff.status_code == 401


def test_bad_input_is_refused_and_nothing_is_stored(client, session):
    _room, child = signed_in_taking_part(client, session)
    consultation = open_consultation(session)
    other = open_consultation(session)
    headers = _headers(client)
    key = client.get(f"{BASE}/{consultation.id}", headers=headers).json()["key"]
    answers = _answers(session, consultation)
    other_question = service.questions_of(session=session, consultation=other)[0]
    single, multiple = answers[0], answers[1]

    def send(changes: list[dict], key: str = key, cid: int = consultation.id):  # noqa: ANN202
        return client.post(f"{BASE}/{cid}/answers", json={"key": key, "answers": changes}, headers=headers)

    foreign = send([{"question_id": other_question.id, "option": single["option"]}])
    assert foreign.status_code == 422 and "not part of these questions" in foreign.json()["detail"]
    not_its_choice = send([{**single, "option": multiple["options"][0]}])
    assert not_its_choice.status_code == 422
    too_many = send([{**multiple, "options": multiple["options"] + [single["option"]]}])
    assert too_many.status_code == 422
    too_long = send([{"question_id": answers[4]["question_id"], "text": "z" * 281}])
    assert too_long.status_code == 422
    tampered = send(answers, key=key[:-3] + "abc")
    assert tampered.status_code == 422 and tampered.json()["type"] == "/problems/idempotency-key"
    another_childs_consultation_key = send(answers, key=answering.new_key(child=child, consultation=other))
    assert another_childs_consultation_key.status_code == 422
    assert session.exec(select(Answer)).all() == []

    later = open_consultation(session, opens_at=utcnow() + dt.timedelta(days=1), closes_at=utcnow() + dt.timedelta(days=5))
    not_yet = send([], key=answering.new_key(child=child, consultation=later), cid=later.id)
    assert not_yet.status_code == 409 and "not open yet" in not_yet.json()["detail"]
    elsewhere_group = classroom(session, size=0, code="class-b", facilitator="teacher2").group
    elsewhere = open_consultation(session, group_ids=[elsewhere_group.id])
    assert client.get(f"{BASE}/{elsewhere.id}", headers=headers).status_code == 404
    assert send([], key=answering.new_key(child=child, consultation=elsewhere), cid=elsewhere.id).status_code == 404


def test_closing_keeps_the_answers_refuses_changes_and_opens_the_results(client, session):
    room, child = signed_in_taking_part(client, session)
    consultation = open_consultation(session)
    headers = _headers(client)
    key = client.get(f"{BASE}/{consultation.id}", headers=headers).json()["key"]
    answers = _answers(session, consultation)
    assert client.post(f"{BASE}/{consultation.id}/answers", json={"key": key, "answers": answers}, headers=headers).status_code == 200
    early = client.get(f"{BASE}/{consultation.id}/results", headers=headers)
    assert early.status_code == 409
    consultation.closed_at = utcnow()
    session.add(consultation)
    session.commit()
    late_key = client.get(f"{BASE}/{consultation.id}", headers=headers).json()["key"]
    late = client.post(f"{BASE}/{consultation.id}/answers", json={"key": late_key, "answers": [{**answers[2], "scale": 1}]}, headers=headers)
    assert late.status_code == 409 and "closed" in late.json()["detail"]
    session.expire_all()
    assert len(session.exec(select(Answer).where(Answer.child_id == child.id)).all()) == 5  # intact
    results = client.get(f"{BASE}/{consultation.id}/results", headers=headers)
    assert results.status_code == 200
    body = results.json()
    assert len(body) == 5 and all(r["suppressed"] and r["bars"] == [] for r in body)  # one child: nothing broken down


def test_a_withdrawn_child_is_refused_by_the_guard(client, session):
    _room, child = signed_in_taking_part(client, session)
    consultation = open_consultation(session)
    headers = _headers(client)
    consent.record(session=session, child=child, purpose=Purpose.PARTICIPATE, decision=Decision.WITHDRAWN,
                   decided_by=DecidedBy.CHILD_ASSENT, channel="tablet")
    session.commit()
    for response in (client.get(BASE, headers=headers), client.get(f"{BASE}/{consultation.id}", headers=headers),
                     client.post(f"{BASE}/{consultation.id}/answers", json={"key": "x.y", "answers": []}, headers=headers)):
        assert response.status_code == 403 and response.json()["type"] == "/problems/consent-required"


def test_the_childs_form_carries_the_picture_in_words(client, session):
    """A11Y-04: an app showing the picture has its alt text too."""
    from tests.consultations.test_official import jpeg_with_gps

    signed_in_taking_part(client, session)
    consultation = open_consultation(session)
    actor = make_user(session, "picture.official", [Role.OFFICIAL])
    authoring.set_picture(session=session, actor=actor, consultation=consultation,
                        picture=authoring.store_picture(session=session, actor=actor, data=jpeg_with_gps()))
    consultation.picture_alt = {"zh_Hans": "湖边的草地", "en": "A lawn by the lake"}
    session.add(consultation)
    session.commit()
    form = client.get(f"{BASE}/{consultation.id}", headers=_headers(client)).json()
    assert form["has_picture"] is True and form["picture_alt"] == {"zh_Hans": "湖边的草地", "en": "A lawn by the lake"}


def test_the_child_api_is_in_the_openapi_schema(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in (BASE, f"{BASE}/{{consultation_id}}", f"{BASE}/{{consultation_id}}/answers", f"{BASE}/{{consultation_id}}/results"):
        assert path in paths, path
    # The form and the send build their answer themselves (app.core.routing.model_response); the schema
    # still names the models a client reads.
    def model(path: str, method: str) -> str:
        return paths[path][method]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]

    assert model(f"{BASE}/{{consultation_id}}", "get") == "ChildForm"
    assert model(f"{BASE}/{{consultation_id}}/answers", "post") == "Receipt"


def test_the_form_and_the_receipt_are_what_the_schema_says(client, session):
    from app.consultations.child_api import ChildForm
    from app.consultations.models import Receipt

    signed_in_taking_part(client, session)
    consultation = open_consultation(session)
    headers = _headers(client)
    got = client.get(f"{BASE}/{consultation.id}", headers=headers)
    assert got.headers["content-type"] == "application/json"
    form = ChildForm.model_validate_json(got.content)
    assert set(got.json()) == set(ChildForm.model_fields)  # every field, none missing, none extra
    sent = client.post(f"{BASE}/{consultation.id}/answers", json={"key": form.key, "answers": _answers(session, consultation)}, headers=headers)
    receipt = Receipt.model_validate_json(sent.content)
    assert set(sent.json()) == set(Receipt.model_fields)
    assert receipt.consultation_id == consultation.id and receipt.answers == 5 and not receipt.repeated
