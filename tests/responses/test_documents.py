"""Issue 17: a decision's document must be a PDF by its content (never its name), at most 10 MB; a refusal says
why politely and keeps the decision's words; the public may download it only once the response is published."""

import io

import pytest
from sqlmodel import select

from app.media.models import StoredFile
from app.responses import actions, deciding
from app.responses.models import Decision
from tests.conftest import csrf_token, sign_in
from tests.responses.helpers import closed_consultation, decide, official, ready_to_publish

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.mark.parametrize(("data", "why"), [
    (b"hello, I am a text file named decision.pdf", "not a PDF"),
    (b"PK\x03\x04" + b"\0" * 100 + b"%%EOF", "a ZIP (an office file) named .pdf"),
    (b"<html><script>alert(1)</script></html>%%EOF", "a web page"),
    (b"MZ\x90\x00" + b"\0" * 100, "a Windows program"),
    (b"%PDF-1.4\n" + b"x" * 100, "a PDF header without its end"),
    (b"%PDF-1.4\nPK\x03\x04" + b"\0" * 100 + b"\n%%EOF", "a PDF header in front of a ZIP"),
    (b"%PDF-1.4\n<!DOCTYPE html><html>" + b"\n%%EOF", "a PDF header in front of a web page"),
])
def test_disguised_or_wrong_files_are_refused(session, data, why) -> None:
    actor = official(session)
    consultation = closed_consultation(session, actor)
    decision = decide(session, actor, consultation)
    with pytest.raises(deciding.BadDocument):
        actions.attach_document(session=session, actor=actor, decision=decision, data=data)
    assert session.exec(select(StoredFile)).all() == [], why


def test_too_large_is_refused(session) -> None:
    actor = official(session)
    decision = decide(session, actor, closed_consultation(session, actor))
    big = b"%PDF-1.4\n" + b"0" * deciding.MAX_DOCUMENT_BYTES + b"\n%%EOF"
    with pytest.raises(deciding.DocumentTooLarge):
        actions.attach_document(session=session, actor=actor, decision=decision, data=big)


def test_upload_page_refuses_politely_then_keeps_a_real_pdf(client, session) -> None:
    actor = official(session)
    consultation = closed_consultation(session, actor)
    decision = decide(session, actor, consultation)
    page = f"/consultations/{consultation.id}/responses/decisions/{decision.id}"
    sign_in(client, actor.username)
    token = csrf_token(client, page)
    refused = client.post(f"{page}/document", data={"csrf_token": token},
                          files={"document": ("decision.pdf", io.BytesIO(b"PK\x03\x04 not really a pdf"), "application/pdf")})
    assert refused.status_code == 422
    assert "not a PDF (whatever its name says)" in refused.text
    assert "区住建局决定增加秋千和树荫。" in refused.text  # the decision's words are still there
    saved = client.post(f"{page}/document", data={"csrf_token": token}, files={"document": ("d.pdf", io.BytesIO(PDF), "application/pdf")},
                        follow_redirects=False)
    assert saved.status_code == 303
    download = client.get(f"/responses/decisions/{decision.id}/document")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"


def test_the_public_downloads_only_once_published(client, session, app) -> None:
    actor = official(session)
    consultation = closed_consultation(session, actor)
    ready_to_publish(session, actor, consultation)
    decision = session.exec(select(Decision)).one()
    actions.attach_document(session=session, actor=actor, decision=decision, data=PDF)
    assert client.get(f"/responses/decisions/{decision.id}/document").status_code == 404  # signed out, not published
    actions.publish(session=session, actor=actor, consultation=consultation)
    assert client.get(f"/responses/decisions/{decision.id}/document").content == PDF


def test_a_document_over_the_body_limit_but_under_10_mb_is_kept_and_over_it_refused_in_words(client, session) -> None:
    actor = official(session)
    consultation = closed_consultation(session, actor)
    decision = decide(session, actor, consultation)
    page = f"/consultations/{consultation.id}/responses/decisions/{decision.id}"
    sign_in(client, actor.username)
    token = csrf_token(client, page)
    five_mb = b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024) + b"\n%%EOF\n"
    saved = client.post(f"{page}/document", data={"csrf_token": token}, files={"document": ("d.pdf", io.BytesIO(five_mb), "application/pdf")},
                        follow_redirects=False)
    assert saved.status_code == 303
    huge = b"%PDF-1.4\n" + b"0" * (11 * 1024 * 1024) + b"\n%%EOF\n"
    refused = client.post(f"{page}/document", data={"csrf_token": token}, files={"document": ("d.pdf", io.BytesIO(huge), "application/pdf")})
    assert refused.status_code == 413
    assert "document can be up to 10 MB" in refused.text
    assert f'href="{page}#document"' in refused.text
    assert client.post(f"/consultations/{consultation.id}/responses/commitments", data={"csrf_token": token, "x": "0" * (3 * 1024 * 1024)}).status_code == 413
