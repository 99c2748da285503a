"""Ids out of range never crash a request (issue 13, point 2): every route with an id in its path is tried with
an id past PostgreSQL's `integer` (3,000,000,000), one past SQLite's 64-bit integer (10²⁰) and a word where
the id goes, by every kind of visitor (nobody, staff with every role, a bearer token, a child on a tablet, a
guardian). No answer is a server error, and every route answers "not found" (404) to someone entitled to
it. Query and body ids out of range are invalid input (422). On SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts import actions as accounts
from app.accounts.models import Role
from app.consent.models import Guardian, GuardianSession
from app.core.security import new_token, token_hash
from app.main import routes
from tests.conftest import english_client, make_user, sign_in
from tests.consultations.helpers import signed_in_taking_part

OUT_OF_RANGE = ("3000000000", "99999999999999999999", "abc")
OTHER_PARAMS = {"role": "moderator", "ref": "x", "number": "1"}
PARAM = re.compile(r"\{(\w+)\}")


def _urls(path: str) -> list[str]:
    names = PARAM.findall(path)
    ids = [n for n in names if n not in OTHER_PARAMS]
    urls = []
    for value in OUT_OF_RANGE:
        url = path
        for name in names:
            url = url.replace("{" + name + "}", value if name in ids else OTHER_PARAMS[name])
        urls.append(url)
    return urls


@pytest.fixture
def visitors(app, session) -> dict[str, tuple[TestClient, dict[str, str]]]:
    """Each kind of visitor: a client and the headers its unsafe requests need (a CSRF token or a bearer)."""
    everyone = make_user(session, "every-role", list(Role))
    staff = english_client(app)
    sign_in(staff, everyone.username)
    staff_csrf = re.search(r'name="csrf-token" content="([^"]+)"', staff.get("/staff").text).group(1)
    _, raw = accounts.issue_token(session=session, actor=everyone, user=everyone, name="probe")
    api = english_client(app)
    child_client = english_client(app)
    _room, child = signed_in_taking_part(child_client, session)
    child_csrf = re.search(r'name="csrf-token" content="([^"]+)"', child_client.get("/me").text).group(1)
    guardian = session.exec(select(Guardian)).first()
    token = new_token()
    session.add(GuardianSession(guardian_id=guardian.id, token_hash=token_hash(token), csrf_token="guardian-csrf",
                                expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)))
    session.commit()
    guardian_client = english_client(app)
    guardian_client.cookies.set("yimi_guardian", token, path="/guardian")
    return {
        "nobody": (english_client(app), {}),
        "staff": (staff, {"X-CSRF-Token": staff_csrf}),
        "api": (api, {"Authorization": f"Bearer {raw}"}),
        "child": (child_client, {"X-CSRF-Token": child_csrf}),
        "guardian": (guardian_client, {"X-CSRF-Token": "guardian-csrf"}),
    }


def test_every_route_answers_an_id_out_of_range_with_not_found(visitors):
    tried = 0
    for route in routes():
        if not PARAM.search(route.path) or set(PARAM.findall(route.path)) <= set(OTHER_PARAMS):
            continue
        for url in _urls(route.path):
            answers = {}
            for name, (client, headers) in visitors.items():
                for method in sorted(route.methods - {"HEAD"}):
                    sent = headers if method != "GET" or name in ("api", "child") else {}
                    response = client.request(method, url, headers=sent, follow_redirects=False)
                    assert response.status_code < 500, f"{method} {url} as {name}: {response.status_code} {response.text[:300]}"
                    answers[(name, method)] = response.status_code
                    tried += 1
            for method in route.methods - {"HEAD"}:
                assert any(status == 404 for (_, m), status in answers.items() if m == method), f"{method} {url}: {answers}"
    assert tried > 300


def test_ids_out_of_range_in_a_query_or_a_body_are_invalid_input(visitors):
    client, headers = visitors["api"]
    query = client.get("/api/v1/moderation/queue?consultation_id=3000000000", headers=headers)
    assert query.status_code == 422 and query.headers["content-type"].startswith("application/problem+json")
    body = client.post("/api/v1/moderation/bulk-approve", json={"comment_ids": [1, 99999999999999999999]}, headers=headers)
    assert body.status_code == 422, body.text
    group = client.post("/api/v1/corps/groups", json={"district_id": 3000000000, "code": "x-1", "name": {"zh_Hans": "组"}, "kind": "school_class"}, headers=headers)
    assert group.status_code == 422, group.text


def test_ids_out_of_range_typed_into_forms_and_filters_are_refused_politely(visitors):
    client, headers = visitors["staff"]
    for page in ("/consultations?district=3000000000", "/projects?district=99999999999999999999"):
        assert client.get(page).status_code == 200, page
    created = client.post("/corps/groups", data={"district_id": "3000000000", "code": "g-1", "name_zh": "组", "kind": "school_class"},
                          headers=headers, follow_redirects=False)
    assert created.status_code in (400, 422) and "Please choose a district" in created.text
    bulk = client.post("/moderation/bulk-approve", data={"comment_id": ["99999999999999999999", "3000000000"]}, headers=headers, follow_redirects=False)
    assert bulk.status_code == 303
