"""The corps JSON API: bearer tokens, the same rules as the pages (scope, pseudonyms, identity with a
reason), problem details for errors, CSV import with a dry run, all in the OpenAPI schema."""

from sqlmodel import select

from app.accounts import actions as accounts
from app.accounts.models import Role
from app.core.audit import AuditEvent
from app.core.security import verify_code
from app.corps.models import Child, GroupFacilitator
from tests.conftest import make_user
from tests.corps.staff_helpers import born, make_child, make_group


def _bearer(session, admin, user) -> dict[str, str]:
    _, raw = accounts.issue_token(session=session, actor=admin, user=user, name="api test")
    return {"Authorization": f"Bearer {raw}"}


def test_admin_manages_districts_groups_and_facilitators(client, session, admin):
    headers = _bearer(session, admin, admin)
    district = client.post("/api/v1/corps/districts", json={"code": "panlong", "name": {"zh_Hans": "盘龙区", "en": "Panlong"}}, headers=headers)
    assert district.status_code == 201 and district.json()["code"] == "panlong"
    assert [d["code"] for d in client.get("/api/v1/corps/districts", headers=headers).json()] == ["panlong"]
    group = client.post(
        "/api/v1/corps/groups",
        json={"district_id": district.json()["id"], "code": "squad-1", "name": {"zh_Hans": "一队"}, "kind": "squad"},
        headers=headers,
    )
    assert group.status_code == 201 and group.json()["kind"] == "squad"
    group_id = group.json()["id"]
    teacher = make_user(session, "teacher1", [Role.FACILITATOR])
    assigned = client.put(f"/api/v1/corps/groups/{group_id}/facilitators", json={"user_ids": [teacher.id]}, headers=headers)
    assert assigned.status_code == 200 and assigned.json() == {"user_ids": [teacher.id]}
    assert session.exec(select(GroupFacilitator.user_id)).all() == [teacher.id]
    duplicate = client.post("/api/v1/corps/districts", json={"code": "panlong", "name": {"zh_Hans": "盘龙"}}, headers=headers)
    assert duplicate.status_code == 409 and duplicate.headers["content-type"].startswith("application/problem+json")


def test_facilitator_sees_only_their_own_groups_through_the_api(client, session, admin):
    teacher = make_user(session, "teacher1", [Role.FACILITATOR])
    mine = make_group(session, "class-a", facilitators=[teacher])
    theirs = make_group(session, "class-b")
    child, _ = make_child(session, theirs)
    headers = _bearer(session, admin, teacher)
    assert [g["code"] for g in client.get("/api/v1/corps/groups", headers=headers).json()] == ["class-a"]
    assert client.get(f"/api/v1/corps/groups/{mine.id}", headers=headers).status_code == 200
    for path in (f"/api/v1/corps/groups/{theirs.id}", f"/api/v1/corps/groups/{theirs.id}/children", f"/api/v1/corps/children/{child.id}"):
        response = client.get(path, headers=headers)
        assert response.status_code == 404 and response.json()["type"] == "/problems/not-found"
    assert client.post("/api/v1/corps/groups", json={"district_id": mine.district_id, "code": "x-y-z", "name": {"zh_Hans": "x"}, "kind": "squad"}, headers=headers).status_code == 403
    analyst = make_user(session, "analyst1", [Role.ANALYST])
    assert client.get("/api/v1/corps/groups", headers=_bearer(session, admin, analyst)).json() == []


def test_enrolment_returns_the_picture_code_once_and_children_are_pseudonymous(client, session, admin):
    teacher = make_user(session, "teacher1", [Role.FACILITATOR])
    group = make_group(session, facilitators=[teacher])
    headers = _bearer(session, admin, teacher)
    response = client.post(
        f"/api/v1/corps/groups/{group.id}/children",
        json={"display_name": "Rocket", "avatar": "fox", "birth_year": born(15), "birth_month": 1, "real_name": "王小明"},
        headers=headers,
    )
    assert response.status_code == 201
    body = response.json()
    assert body["child"]["age_band"] == "14-17" and body["child"]["status"] == "awaiting_consent" and body["child"]["locked"] is False
    child = session.get(Child, body["child"]["id"])
    assert verify_code("-".join(body["picture_code"]), child.picture_code_hash)[0]
    listed = client.get(f"/api/v1/corps/groups/{group.id}/children", headers=headers)
    assert [c["display_name"] for c in listed.json()] == ["Rocket"]
    assert "王小明" not in listed.text and "real_name" not in listed.text and "picture_code" not in listed.text
    single = client.get(f"/api/v1/corps/children/{child.id}", headers=headers).json()
    assert set(single) == {"id", "group_id", "display_name", "avatar", "birth_year", "birth_month", "age_band", "status", "locked"}


def test_api_enrolment_errors_are_problem_details(client, session, admin):
    teacher = make_user(session, "teacher1", [Role.FACILITATOR])
    group = make_group(session, facilitators=[teacher])
    headers = _bearer(session, admin, teacher)
    real = client.post(f"/api/v1/corps/groups/{group.id}/children", json={"display_name": "张伟", "birth_year": born(10), "birth_month": 1}, headers={**headers, "Accept-Language": "en"})
    assert real.status_code == 422 and "This looks like a real name" in real.json()["detail"]
    assert real.json()["errors"][0]["loc"] == ["display_name"]
    ok = client.post(f"/api/v1/corps/groups/{group.id}/children", json={"display_name": "张伟", "confirmed_nickname": True, "birth_year": born(10), "birth_month": 1}, headers=headers)
    assert ok.status_code == 201
    again = client.post(f"/api/v1/corps/groups/{group.id}/children", json={"display_name": "张伟", "confirmed_nickname": True, "birth_year": born(10), "birth_month": 1}, headers=headers)
    assert again.status_code == 409 and again.json()["type"] == "/problems/conflict"


def test_status_reset_unlock_and_personal_code_through_the_api(client, session, admin):
    teacher = make_user(session, "teacher1", [Role.FACILITATOR])
    group = make_group(session, facilitators=[teacher])
    child, _ = make_child(session, group, "Rocket", age=15)
    headers = _bearer(session, admin, teacher)
    assert client.patch(f"/api/v1/corps/children/{child.id}", json={"status": "active"}, headers=headers).json()["status"] == "active"
    assert client.patch(f"/api/v1/corps/children/{child.id}", json={"status": "gone"}, headers=headers).status_code == 422
    child.locked_at = child.created_at
    session.add(child)
    session.commit()
    assert client.post(f"/api/v1/corps/children/{child.id}/unlock", headers=headers).json()["locked"] is False
    reset = client.post(f"/api/v1/corps/children/{child.id}/picture-code", headers=headers).json()
    session.refresh(child)
    assert verify_code("-".join(reset["picture_code"]), child.picture_code_hash)[0]
    personal = client.post(f"/api/v1/corps/children/{child.id}/personal-code", headers=headers).json()
    assert personal["personal_code"].startswith(f"{child.id}-") and personal["sign_in_path"] == "/young"


def test_participation_rates_through_the_api_never_show_answers(client, session, admin):
    teacher = make_user(session, "teacher1", [Role.FACILITATOR])
    group = make_group(session, facilitators=[teacher])
    make_child(session, group, "小星星")
    body = client.get(f"/api/v1/corps/groups/{group.id}/participation", headers=_bearer(session, admin, teacher)).json()
    assert body["children"] == 1 and body["by_status"]["awaiting_consent"] == 1 and body["signed_in_last_30_days"] == 0
    assert set(body) == {"group_id", "children", "by_status", "signed_in_last_30_days", "consultations"}
    assert "小星星" not in str(body)


def test_identity_through_the_api_needs_the_permission_and_a_reason(client, session, admin):
    group = make_group(session)
    child, _ = make_child(session, group, real_name="王小明")
    officer = make_user(session, "officer1", [Role.SAFEGUARDING_OFFICER])
    official = make_user(session, "official1", [Role.OFFICIAL])
    refused = client.post(f"/api/v1/corps/children/{child.id}/identity", json={"reason": "curious about it"}, headers=_bearer(session, admin, official))
    assert refused.status_code == 403 and "王小明" not in refused.text
    headers = _bearer(session, admin, officer)
    assert client.post(f"/api/v1/corps/children/{child.id}/identity", json={"reason": ""}, headers=headers).status_code == 422
    read = client.post(f"/api/v1/corps/children/{child.id}/identity", json={"reason": "Safeguarding case 7"}, headers=headers)
    assert read.status_code == 200 and read.json() == {"child_id": child.id, "real_name": "王小明", "notes": None}
    updated = client.put(f"/api/v1/corps/children/{child.id}/identity", json={"real_name": "王晓明", "notes": "spelling", "reason": "Guardian corrected it"}, headers=headers)
    assert updated.json()["real_name"] == "王晓明"
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.action.startswith("corps.identity"))).all()
    assert actions == ["corps.identity_read", "corps.identity_update"]


def test_csv_import_through_the_api_with_a_dry_run(client, session, admin):
    teacher = make_user(session, "teacher1", [Role.FACILITATOR])
    group = make_group(session, facilitators=[teacher])
    headers = {**_bearer(session, admin, teacher), "Content-Type": "text/csv", "Accept-Language": "en"}
    bad = f"display_name,birth_year,birth_month\nSunny,{born(10)},3\nMoon,{born(10)},13\n"
    # A dry run of a bad file is refused as the import would be (issue 13: never a 200 that says "ok": false).
    dry = client.post(f"/api/v1/corps/groups/{group.id}/import?dry_run=true", content=bad.encode(), headers=headers)
    assert dry.status_code == 422 and dry.headers["content-type"].startswith("application/problem+json")
    assert dry.json()["errors"] == [{"loc": ["line", 3], "msg": "The birth month must be between 1 and 12.", "type": "value_error"}]
    empty = client.post(f"/api/v1/corps/groups/{group.id}/import?dry_run=true", headers=headers)
    assert empty.status_code == 422
    refused = client.post(f"/api/v1/corps/groups/{group.id}/import", content=bad.encode(), headers=headers)
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["errors"] == [{"loc": ["line", 3], "msg": "The birth month must be between 1 and 12.", "type": "value_error"}]
    assert "1 of 2 lines need correcting" in refused.json()["detail"]
    assert session.exec(select(Child)).all() == []
    good = f"昵称,出生年份,出生月份\n小星星,{born(10)},3\nSunny,{born(11)},5\n".encode("gbk")
    assert client.post(f"/api/v1/corps/groups/{group.id}/import?dry_run=true", content=good, headers=headers).json()["ok"] is True
    assert session.exec(select(Child)).all() == []  # a dry run imports nothing
    imported = client.post(f"/api/v1/corps/groups/{group.id}/import", content=good, headers=headers)
    assert imported.status_code == 201
    assert [len(c["picture_code"]) for c in imported.json()["imported"]] == [3, 3]
    assert len(session.exec(select(Child)).all()) == 2


def test_the_corps_api_is_in_the_openapi_schema(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/corps/districts", "/api/v1/corps/groups", "/api/v1/corps/groups/{group_id}/children",
                 "/api/v1/corps/groups/{group_id}/import", "/api/v1/corps/groups/{group_id}/participation",
                 "/api/v1/corps/children/{child_id}/identity"):
        assert path in paths, path
    assert "text/csv" in paths["/api/v1/corps/groups/{group_id}/import"]["post"]["requestBody"]["content"]
    assert not any(p.startswith("/corps") for p in paths)
