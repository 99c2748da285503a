"""Issue 17: the JSON API of "you said, we did" (/api/v1/consultations/{id}/responses…, /api/v1/responses/…):
the same service as the pages, versions checked (409), the publish check in words (422), an open
consultation refused (409), and permissions per role (PAR-10)."""

from sqlmodel import select

from app.accounts.models import Role
from app.core.audit import AuditEvent
from app.responses.models import Publication
from tests.conftest import make_user
from tests.consultations.helpers import open_consultation
from tests.consultations.test_official_api import token_for
from tests.responses.helpers import child_themes, closed_consultation, official

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"


def test_the_whole_response_through_the_api(client, session) -> None:
    actor = official(session)
    headers = token_for(session, actor)
    consultation = closed_consultation(session, actor)
    base = f"/api/v1/consultations/{consultation.id}/responses"
    overview = client.get(base, headers=headers).json()
    assert "a decision (who decided what, and when)" in overview["missing"]
    assert [s["kind"] for s in overview["subjects"]].count("child_theme") == 2
    assert all(s["size"] is None for s in overview["subjects"])  # 0 people: under 5, never shown

    refused = client.post(f"{base}/publications", json={}, headers=headers)
    assert refused.status_code == 422 and refused.json()["type"].endswith("publish-check")

    decision = client.post(f"{base}/decisions", json={"decided_on": "2026-11-30", "text": {"zh_Hans": "决定。"}}, headers=headers)
    assert decision.status_code == 201, decision.text
    decision = decision.json()
    assert decision["named_decider"] is True
    other = client.post(f"{base}/decisions", json={"decided_on": "2026-11-30", "text": {"zh_Hans": "决定。"}, "decider": {"zh_Hans": "市长"}},
                        headers=headers)
    assert other.status_code == 422  # another decider needs the reason
    bad = client.put(f"/api/v1/responses/decisions/{decision['id']}/document", files={"document": ("a.pdf", b"PK\x03\x04", "application/pdf")},
                     headers=headers)
    assert bad.status_code == 422 and bad.json()["type"].endswith("bad-document")
    good = client.put(f"/api/v1/responses/decisions/{decision['id']}/document", files={"document": ("a.pdf", PDF, "application/pdf")}, headers=headers)
    assert good.json()["has_document"] is True

    for theme in child_themes(session, consultation):
        body = {"outcome": "adopted", "explanation": {"zh_Hans": "好"}, "child_versions": {"14-17": {"zh_Hans": "好的"}},
                "decision_id": decision["id"], "version": 0}
        made = client.put(f"{base}/themes/{theme.id}", json=body, headers=headers)
        assert made.status_code == 200, made.text
        stale = client.put(f"{base}/themes/{theme.id}", json=body, headers=headers)
        assert stale.status_code == 409 and stale.json()["type"].endswith("edited-meanwhile")
        again = client.put(f"{base}/themes/{theme.id}", json={**body, "outcome": "pending", "decide_by": "2027-01-31",
                                                              "version": made.json()["version"]}, headers=headers)
        assert again.status_code == 200 and again.json()["version"] == 2

    c = client.post(f"{base}/commitments", json={"action": {"zh_Hans": "装秋千"}, "department": {"zh_Hans": "住建局"}}, headers=headers).json()
    dropped = client.put(f"/api/v1/responses/commitments/{c['id']}", json={"action": {"zh_Hans": "装秋千"}, "department": {"zh_Hans": "住建局"},
                                                                           "status": "dropped", "version": 1}, headers=headers)
    assert dropped.status_code == 422
    done = client.put(f"/api/v1/responses/commitments/{c['id']}", json={"action": {"zh_Hans": "装秋千"}, "department": {"zh_Hans": "住建局"},
                                                                        "status": "done", "version": 1}, headers=headers)
    assert done.json()["status"] == "done"
    progress = client.post(f"/api/v1/responses/commitments/{c['id']}/progress", json={"on": "2027-01-02", "text": {"zh_Hans": "装好了"}},
                           headers=headers)
    assert [e["kind"] for e in progress.json()["history"]] == ["created", "status", "progress"]

    published = client.post(f"{base}/publications", json={}, headers=headers)
    assert published.status_code == 201 and published.json()["number"] == 1
    correction = client.post(f"{base}/publications", json={}, headers=headers)
    assert correction.status_code == 422
    correction = client.post(f"{base}/publications", json={"note": "改了日期"}, headers=headers)
    assert correction.json()["number"] == 2
    assert [p.number for p in session.exec(select(Publication)).all()] == [1, 2]
    audited = {e.action for e in session.exec(select(AuditEvent)).all()}
    assert {"response.decision_create", "response.decision_document", "response.create", "response.update", "response.commitment_create",
            "response.commitment_status", "response.commitment_progress", "response.publish", "response.correct"} <= audited


def test_an_open_consultation_cannot_be_answered(client, session) -> None:
    actor = official(session)
    consultation = open_consultation(session, actor)
    response = client.post(f"/api/v1/consultations/{consultation.id}/responses/publications", json={}, headers=token_for(session, actor))
    assert response.status_code == 409 and response.json()["type"].endswith("consultation-not-closed")


def test_roles(client, session) -> None:
    consultation = closed_consultation(session, official(session))
    base = f"/api/v1/consultations/{consultation.id}/responses"
    analyst = token_for(session, make_user(session, "analyst1", [Role.ANALYST]))
    assert client.get(base, headers=analyst).status_code == 200
    assert client.post(f"{base}/publications", json={}, headers=analyst).status_code == 403
    for role in (Role.MODERATOR, Role.FACILITATOR, Role.SAFEGUARDING_OFFICER):
        token = token_for(session, make_user(session, f"u-{role.value}", [role]))
        assert client.get(base, headers=token).status_code == 403
    assert client.get(base).status_code == 401


def test_the_routes_are_in_the_openapi_schema(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/consultations/{consultation_id}/responses/themes/{theme_id}" in paths
    assert "/api/v1/responses/commitments/{commitment_id}/progress" in paths
