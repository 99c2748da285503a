"""The project library (儿童友好城市项目库, PAR-12): officials create and edit projects with their child impact
assessment; analysts read; each project lists its consultations and each consultation links to its project."""

import pytest
from sqlmodel import col, select

from app.accounts import actions as accounts
from app.accounts.models import Role
from app.core.audit import AuditEvent
from app.corps import actions as corps
from app.projects import service
from app.projects.models import Project, ProjectIn, ProjectStatus
from tests.conftest import make_user, post_form, sign_in
from tests.consultations.helpers import official
from tests.consultations.test_official import draft


@pytest.fixture
def official_client(client, session):  # noqa: ANN001, ANN201
    sign_in(client, official(session).username)
    return client


def project_form(**changes) -> dict:  # noqa: ANN003
    data = {"name_zh": "翠湖公园儿童游乐区", "name_en": "Green Lake play area", "department_zh": "五华区住建局", "department_en": "",
            "district_id": "", "status": "in_progress", "budget_yuan": "1,200,000", "impact_assessment_zh": "约三千名儿童每周使用。",
            "impact_assessment_en": ""}
    data.update(changes)
    return data


def test_an_official_creates_and_edits_a_project(official_client, session):
    district = corps.ensure_district(session=session, actor=None, code="wuhua", name={"zh_Hans": "五华区", "en": "Wuhua"})
    assert official_client.get("/projects/new").status_code == 200
    response = post_form(official_client, "/projects", project_form(district_id=str(district.id)), page="/projects/new")
    assert response.status_code == 303
    project = session.exec(select(Project)).one()
    assert project.budget_yuan == 1_200_000 and project.status == "in_progress" and project.district_id == district.id
    assert project.name == {"zh_Hans": "翠湖公园儿童游乐区", "en": "Green Lake play area"} and project.department == {"zh_Hans": "五华区住建局"}
    page = official_client.get(response.headers["location"]).text
    assert "约三千名儿童每周使用。" in page and "1,200,000" in page and "Wuhua" in page
    edit = official_client.get(f"/projects/{project.id}/edit")
    assert edit.status_code == 200 and 'value="1200000"' in edit.text
    assert post_form(official_client, f"/projects/{project.id}/edit", project_form(status="completed"), page="/projects").status_code == 303
    session.refresh(project)
    assert project.status == "completed"
    actions = list(session.exec(select(AuditEvent.action).order_by(col(AuditEvent.id))).all())
    assert "project.create" in actions and "project.update" in actions


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name_zh": ""}, "Please give the project a name in Chinese."),
        ({"department_zh": " "}, "Please name the responsible department in Chinese."),
        ({"budget_yuan": "lots"}, "Please give the budget as a whole number of yuan"),
        ({"district_id": "999"}, "Please choose districts from the list."),
        ({"status": "cancelled"}, "Please choose a status from the list."),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(official_client, session, changes, message):
    response = post_form(official_client, "/projects", project_form(**changes), page="/projects/new")
    assert response.status_code == 422 and message in response.text
    assert "五华区住建局" in response.text or changes.get("department_zh") == " "
    assert session.exec(select(Project)).first() is None


def test_the_project_page_lists_its_consultations_and_the_list_filters(official_client, session):
    user = official(session, "author")
    district = corps.ensure_district(session=session, actor=None, code="wuhua", name={"zh_Hans": "五华区", "en": "Wuhua"})
    park = service.create(session=session, actor=user, data=ProjectIn(name={"zh_Hans": "公园项目"}, department={"zh_Hans": "住建局"}, district_id=district.id))
    school = service.create(session=session, actor=user, data=ProjectIn(name={"zh_Hans": "学校项目"}, department={"zh_Hans": "教育局"}, status=ProjectStatus.PAUSED))
    session.commit()
    linked = draft(session, title={"zh_Hans": "游乐区咨询"}, project_id=park.id)
    draft(session, title={"zh_Hans": "别的咨询"})
    page = official_client.get(f"/projects/{park.id}").text
    assert f'href="/consultations/{linked.id}"' in page and "游乐区咨询" in page and "别的咨询" not in page
    assert [r.id for r in service.related_of(session=session, project=park, kind="consultation")] == [linked.id]
    assert "公园项目" in official_client.get(f"/projects?district={district.id}").text
    assert "学校项目" not in official_client.get(f"/projects?district={district.id}").text
    assert "学校项目" in official_client.get("/projects?status=paused").text
    assert "公园项目" not in official_client.get("/projects?status=paused").text
    assert school.id
    assert official_client.get("/projects/999999").status_code == 404


def test_an_analyst_reads_the_library_but_cannot_change_it(client, session):
    project = service.create(session=session, actor=official(session), data=ProjectIn(name={"zh_Hans": "公园项目"}, department={"zh_Hans": "住建局"}))
    session.commit()
    make_user(session, "analyst1", [Role.ANALYST])
    sign_in(client, "analyst1")
    assert client.get("/projects").status_code == 200
    page = client.get(f"/projects/{project.id}")
    assert page.status_code == 200 and f"/projects/{project.id}/edit" not in page.text
    assert client.get("/projects/new").status_code == 403
    assert post_form(client, "/projects", project_form()).status_code == 403
    assert post_form(client, f"/projects/{project.id}/edit", project_form()).status_code == 403


def test_a_facilitator_cannot_see_the_library(client, session):
    make_user(session, "teacher1", [Role.FACILITATOR])
    sign_in(client, "teacher1")
    assert client.get("/projects").status_code == 403


def _headers(session, user) -> dict[str, str]:  # noqa: ANN001
    admin = make_user(session, f"admin-{user.username}", [Role.ADMIN])
    _, raw = accounts.issue_token(session=session, actor=admin, user=user, name="test")
    return {"Authorization": f"Bearer {raw}"}


def test_the_project_api(client, session):
    headers = _headers(session, official(session))
    created = client.post("/api/v1/projects", json={"name": {"zh_Hans": "公园项目"}, "department": {"zh_Hans": "住建局"}, "budget_yuan": 500000}, headers=headers)
    assert created.status_code == 201 and created.json()["status"] == "planned" and created.json()["consultation_ids"] == []
    pid = created.json()["id"]
    linked = draft(session, project_id=pid)
    got = client.get(f"/api/v1/projects/{pid}", headers=headers).json()
    assert got["consultation_ids"] == [linked.id]
    changed = client.put(f"/api/v1/projects/{pid}", json={"name": {"zh_Hans": "公园项目二期"}, "department": {"zh_Hans": "住建局"}, "status": "completed"},
                         headers=headers)
    assert changed.status_code == 200 and changed.json()["status"] == "completed" and changed.json()["budget_yuan"] is None
    assert [p["id"] for p in client.get("/api/v1/projects?status=completed", headers=headers).json()] == [pid]
    assert client.get("/api/v1/projects?status=planned", headers=headers).json() == []
    bad = client.post("/api/v1/projects", json={"name": {"en": "Park"}, "department": {"zh_Hans": "住建局"}}, headers=headers)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert client.post("/api/v1/projects", json={"name": {"zh_Hans": "x"}, "department": {"zh_Hans": "y"}, "budget_yuan": -5}, headers=headers).status_code == 422
    assert client.get("/api/v1/projects/999999", headers=headers).status_code == 404

    analyst = _headers(session, make_user(session, "analyst1", [Role.ANALYST]))
    assert client.get("/api/v1/projects", headers=analyst).status_code == 200
    assert client.post("/api/v1/projects", json={"name": {"zh_Hans": "x"}, "department": {"zh_Hans": "y"}}, headers=analyst).status_code == 403
    assert client.put(f"/api/v1/projects/{pid}", json={"name": {"zh_Hans": "x"}, "department": {"zh_Hans": "y"}}, headers=analyst).status_code == 403
