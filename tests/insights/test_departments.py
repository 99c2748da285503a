"""Issue 16, "Permissions and safety": analysts and officials of the consultation's department read and work on
its analysis and response; city-wide staff (no department) and administrators on every one. Staff of another
department find nothing there: a 404, as for a consultation that does not exist."""

from typer.testing import CliRunner

from app.accounts import actions as accounts
from app.accounts import service as account_service
from app.accounts.models import Department, Role
from app.accounts.permissions import works_on
from app.cli import app as cli
from app.consultations.models import Consultation
from tests.conftest import make_user, sign_in
from tests.consultations.test_official_api import token_for
from tests.responses.helpers import closed_consultation

runner = CliRunner()


def _department(session, code: str) -> Department:  # noqa: ANN001
    return accounts.add_department(session=session, actor=None, code=code, zh=f"{code}局", en=f"{code} bureau")


def _staff(session, username: str, roles: list[Role], department: Department | None):  # noqa: ANN001, ANN202
    user = make_user(session, username, roles)
    if department is not None:
        accounts.set_department(session=session, actor=user, user=user, department_id=department.id)
    return user


def _setting(session):  # noqa: ANN001, ANN202
    housing, transport = _department(session, "housing"), _department(session, "transport")
    official = _staff(session, "housing.official", [Role.OFFICIAL], housing)
    consultation = closed_consultation(session, official)
    return housing, transport, consultation


PAGES = ("/consultations/{id}/insights", "/consultations/{id}/insights/results", "/consultations/{id}/responses",
         "/consultations/{id}/reactions")
API = ("/api/v1/consultations/{id}/insights/themes", "/api/v1/consultations/{id}/insights/results",
       "/api/v1/consultations/{id}/insights/check", "/api/v1/consultations/{id}/responses", "/api/v1/consultations/{id}/reactions")


def _answers(client, consultation: Consultation, headers: dict[str, str]) -> dict[str, int]:  # noqa: ANN001
    paths = [p.format(id=consultation.id) for p in PAGES]
    found = {p: client.get(p).status_code for p in paths}
    found |= {p.format(id=consultation.id): client.get(p.format(id=consultation.id), headers=headers).status_code for p in API}
    return found


def test_a_consultation_created_by_an_official_of_a_department_belongs_to_it(session) -> None:
    housing, _, consultation = _setting(session)
    assert consultation.department_id == housing.id
    city_official = make_user(session, "city.official", [Role.OFFICIAL])
    assert closed_consultation(session, city_official).department_id is None  # city-wide staff: every department's


def test_an_analyst_of_the_same_department_reads_the_workspace_and_the_api(client, session) -> None:
    housing, _, consultation = _setting(session)
    analyst = _staff(session, "housing.analyst", [Role.ANALYST], housing)
    sign_in(client, analyst.username)
    answers = _answers(client, consultation, token_for(session, analyst))
    assert set(answers.values()) == {200}, answers


def test_an_analyst_of_another_department_finds_nothing_on_page_or_api(client, session) -> None:
    _, transport, consultation = _setting(session)
    analyst = _staff(session, "transport.analyst", [Role.ANALYST], transport)
    sign_in(client, analyst.username)
    headers = token_for(session, analyst)
    answers = _answers(client, consultation, headers)
    assert set(answers.values()) == {404}, answers
    # The same 404 as a consultation that does not exist, writing included (an official of another department).
    official = _staff(session, "transport.official", [Role.OFFICIAL], transport)
    written = client.post(f"/api/v1/consultations/{consultation.id}/responses/decisions", headers=token_for(session, official),
                          json={"decided_on": "2026-11-30", "text": {"zh_Hans": "决定。"}})
    assert written.status_code == 404
    assert client.get("/api/v1/consultations/999999/responses", headers=headers).json()["type"] == \
        client.get(f"/api/v1/consultations/{consultation.id}/responses", headers=headers).json()["type"]


def test_a_city_wide_analyst_reads_it(client, session) -> None:
    _, _, consultation = _setting(session)
    analyst = make_user(session, "city.analyst", [Role.ANALYST])
    sign_in(client, analyst.username)
    answers = _answers(client, consultation, token_for(session, analyst))
    assert set(answers.values()) == {200}, answers
    assert "housing bureau" in client.get(f"/consultations/{consultation.id}").text  # its staff page names the department


def test_an_administrator_reads_the_response_list_and_any_department(client, session) -> None:
    _, transport, consultation = _setting(session)
    admin = _staff(session, "admin.transport", [Role.ADMIN, Role.ANALYST], transport)
    assert works_on(admin, consultation)
    sign_in(client, admin.username)
    listed = client.get("/responses")
    assert listed.status_code == 200 and consultation.title["en"] in listed.text
    assert client.get(f"/consultations/{consultation.id}/responses").status_code == 200


def test_an_administrator_sets_a_department_through_the_users_api(client, session) -> None:
    housing, _, _ = _setting(session)
    analyst = make_user(session, "some.analyst", [Role.ANALYST])
    admin = make_user(session, "admin2", [Role.ADMIN])
    headers = token_for(session, admin)
    assert client.get("/api/v1/accounts/departments", headers=headers).json()[0]["code"] == "housing"
    moved = client.patch(f"/api/v1/accounts/users/{analyst.id}", json={"department_id": housing.id}, headers=headers)
    assert moved.status_code == 200 and moved.json()["department_id"] == housing.id
    back = client.patch(f"/api/v1/accounts/users/{analyst.id}", json={"department_id": None}, headers=headers)
    assert back.json()["department_id"] is None
    assert client.patch(f"/api/v1/accounts/users/{analyst.id}", json={"department_id": housing.id}, headers=headers).status_code == 200
    unchanged = client.patch(f"/api/v1/accounts/users/{analyst.id}", json={"display_name": "Analyst"}, headers=headers)
    assert unchanged.json()["department_id"] == housing.id
    assert client.patch(f"/api/v1/accounts/users/{analyst.id}", json={"department_id": 999999}, headers=headers).status_code == 422


def test_departments_are_added_and_listed_by_the_cli(settings, session) -> None:
    added = runner.invoke(cli, ["departments", "add", "parks", "--zh", "园林局", "--en", "Parks bureau"])
    assert added.exit_code == 0, added.output
    assert runner.invoke(cli, ["departments", "add", "parks", "--zh", "园林局", "--en", "Parks bureau"]).exit_code == 1
    listed = runner.invoke(cli, ["departments", "list"])
    assert "parks" in listed.output and "园林局" in listed.output
    assert [d.code for d in account_service.departments(session=session)] == ["parks"]


def test_an_administrator_sets_a_department_on_the_user_page_and_moves_a_consultation(client, session) -> None:
    from tests.conftest import post_form

    housing, transport, consultation = _setting(session)
    analyst = make_user(session, "page.analyst", [Role.ANALYST])
    admin = make_user(session, "admin3", [Role.ADMIN])
    sign_in(client, admin.username)
    page = client.get(f"/admin/users/{analyst.id}")
    assert "housing bureau" in page.text and "City-wide (no department)" in page.text
    saved = post_form(client, f"/admin/users/{analyst.id}/department", {"department_id": str(transport.id)})
    assert saved.status_code == 303
    session.refresh(analyst)
    assert analyst.department_id == transport.id
    assert post_form(client, f"/admin/users/{analyst.id}/department", {"department_id": "x"}).status_code == 422
    # The analyst of transport finds nothing of a housing consultation, until an administrator moves it.
    headers = token_for(session, analyst)
    assert client.get(f"/api/v1/consultations/{consultation.id}/responses", headers=headers).status_code == 404
    moved = client.put(f"/api/v1/consultations/{consultation.id}/department", json={"department_id": transport.id},
                       headers=token_for(session, admin))
    assert moved.status_code == 200 and moved.json()["department_id"] == transport.id
    assert client.get(f"/api/v1/consultations/{consultation.id}/responses", headers=headers).status_code == 200
    official = make_user(session, "city.official2", [Role.OFFICIAL])
    assert client.put(f"/api/v1/consultations/{consultation.id}/department", json={"department_id": None},
                      headers=token_for(session, official)).status_code == 403
    assert housing.id != transport.id


def test_the_demo_puts_official_analyst_and_its_consultations_in_one_department_twice_over(settings, session) -> None:
    from sqlmodel import select

    from app.accounts.models import StaffUser

    for _ in range(2):
        loaded = runner.invoke(cli, ["demo"])
        assert loaded.exit_code == 0, loaded.output
    found = account_service.departments(session=session)
    assert [d.name["zh_Hans"] for d in found] == ["五华区住房和城乡建设局"]
    by_name = {u.username: u for u in session.exec(select(StaffUser)).all()}
    assert by_name["official"].department_id == by_name["analyst"].department_id == found[0].id
    assert by_name["admin"].department_id is None
    consultations = session.exec(select(Consultation)).all()
    assert consultations and {c.department_id for c in consultations} == {found[0].id}


def test_a_commitment_and_an_unpublished_decision_document_are_their_departments_too(client, session) -> None:
    """Records named by their own id (a commitment; likewise a decision and its PDF before publishing) follow
    their consultation's department: staff of another one get the same 404."""
    from tests.responses.helpers import commitment, decide

    housing, transport, consultation = _setting(session)
    owner = make_user(session, "housing.official2", [Role.OFFICIAL])
    accounts.set_department(session=session, actor=owner, user=owner, department_id=housing.id)
    kept = commitment(session, owner, consultation)
    decision = decide(session, owner, consultation)
    assert decision.id
    outsider = _staff(session, "transport.official2", [Role.OFFICIAL], transport)
    sign_in(client, outsider.username)
    headers = token_for(session, outsider)
    assert client.get(f"/responses/commitments/{kept.id}").status_code == 404
    assert client.get(f"/api/v1/responses/commitments/{kept.id}", headers=headers).status_code == 404
    sign_in(client, owner.username)
    assert client.get(f"/responses/commitments/{kept.id}").status_code == 200
