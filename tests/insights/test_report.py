"""The analysis' results, report, versions and exports (issue 16; PAR-05…PAR-09, DP-12): one small consultation
fed to every output, none of which reveals a suppressed count; who may read; versions kept byte for byte."""

import hashlib
import re
import subprocess

import pytest
from sqlmodel import select

from app.accounts.models import Role
from app.core import jobs
from app.core.audit import AuditEvent
from app.insights.child_data import REGENERATE_JOB
from app.insights.models import Report
from tests.conftest import make_user, post_form, sign_in
from tests.consultations.test_official_api import token_for
from tests.insights.helpers import OPTIONS, THEME, small_consultation

HIDDEN = "< 5"


def pdf_text(data: bytes, tmp_path) -> str:  # noqa: ANN001
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout


@pytest.fixture
def analyst(client, session):  # noqa: ANN001, ANN201
    user = make_user(session, "analyst1", [Role.ANALYST])
    sign_in(client, "analyst1")
    client.user = user
    client.api = token_for(session, user)
    return client


def _no_small_numbers_beside(text: str, label: str) -> None:
    """Wherever an option's label is followed by its count, the count reads "< 5" (1, 2 and 4 never show)."""
    for line in text.splitlines():
        if label in line:
            rest = line.split(label, 1)[1]
            assert not re.search(r"(?<![\d.<])[124](?![\d.])", rest.replace("< 5", "")), line


def test_every_output_hides_the_small_cells_dp12(analyst, session, tmp_path):
    """PAR-05, DP-12: 7 children (3 aged 6–9, 4 aged 10–13); options chosen by 1, 2, 4; a theme of 3 comments.
    Every output shows "< 5" for them, and no hidden count (1, 2, 3, 4) can be read or worked out."""
    small = small_consultation(session)
    cid = small.consultation.id
    base = f"/consultations/{cid}/insights"

    page = analyst.get(f"{base}/results?lang=zh_Hans")
    assert page.status_code == 200, page.text
    html = re.sub(r"<[^>]+>", " ", page.text).replace("&lt;", "<")
    assert HIDDEN in html and "7" in html  # 7 took part, 7 answered: shown
    for label in OPTIONS:
        _no_small_numbers_beside(html.replace("\n", " ").replace(label, "\n" + label), label)
    assert "Young0" not in page.text and "小星星" not in page.text and "四年级二班" not in page.text

    report = analyst.get(f"{base}/report?lang=zh_Hans")
    assert report.status_code == 200
    text = re.sub(r"<[^>]+>", " ", report.text).replace("&lt;", "<")
    assert THEME["zh_Hans"] in text and HIDDEN in text
    assert "3 条评论" not in text and "3 comments" not in text  # the theme's size (3) is hidden
    for label in OPTIONS:
        _no_small_numbers_beside(text.replace("\n", " ").replace(label, "\n" + label), label)
    assert "小星星" not in report.text and "四年级二班" not in report.text

    pdf = analyst.get(f"{base}/report.pdf?lang=zh_Hans")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    printed = pdf_text(pdf.content, tmp_path)
    assert THEME["zh_Hans"] in printed and HIDDEN in printed
    for label in OPTIONS:
        _no_small_numbers_beside(printed, label)
    assert "小星星" not in printed and "四年级二班" not in printed

    for what in ("results", "themes", "comments"):
        csv = analyst.get(f"{base}/export/{what}.csv?lang=zh_Hans")
        assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf"), what
        body = csv.content.decode("utf-8-sig")
        assert "小星星" not in body and "四年级二班" not in body and "Young0" not in body
        if what == "results":
            for line in body.splitlines()[1:]:
                assert line.rsplit(",", 2)[-2] == HIDDEN or line.split(",")[0] != "你最想要公园里有什么？", line
        if what == "themes":
            assert THEME["zh_Hans"] in body and f",{HIDDEN}," in body and ",3," not in body
        if what == "comments":
            assert len(body.strip().splitlines()) == 4 and "10–13" in body and THEME["zh_Hans"] in body

    api = analyst.get(f"/api/v1/consultations/{cid}/insights/results", headers=analyst.api).json()
    assert api["reach"]["took_part"] == 7
    assert [c["count"] for c in api["reach"]["by"]["band"]] == [None, None, None]  # 3 and 4: hidden
    question = api["questions"][0]
    assert question["answered"] == 7 and [o["count"] for o in question["options"]] == [None, None, None]
    assert all(v is None for b in question["breakdowns"].values() for row in b["cells"].values() for v in row)
    whole = analyst.get(f"/api/v1/consultations/{cid}/insights/report", headers=analyst.api).json()
    assert whole["themes"]["items"][0]["size"] is None and whole["themes"]["items"][0]["by_band"][0]["count"] is None
    assert "小星星" not in str(whole) and "四年级二班" not in str(whole)

    exported = session.exec(select(AuditEvent).where(AuditEvent.action == "insights.exported")).all()
    assert {e.data["what"] for e in exported} >= {"report.pdf", "results.csv", "themes.csv", "comments.csv", "api.results", "api.report"}


def test_the_report_says_who_decides_and_how_to_read_it_in_both_languages(analyst, session):
    small = small_consultation(session)
    zh = analyst.get(f"/consultations/{small.consultation.id}/insights/report?lang=zh_Hans").text
    assert "五华区住房和城乡建设局" in zh and "预算和公园的大小" in zh
    en = analyst.get(f"/consultations/{small.consultation.id}/insights/report?lang=en").text
    assert "Wuhua District Housing and Construction Bureau" in en and "How to read this" in en
    assert "do not change if a child" in en and "erased later" in en
    assert "“公园里需要更多的树，树荫0”" in en or "公园里需要更多的树，树荫0" in en  # the quote, with an age band only
    assert "a child aged 10–13" in en


@pytest.mark.parametrize("role, status", [
    (Role.ANALYST, 200), (Role.OFFICIAL, 200), (Role.ADMIN, 403),  # admins hold no INSIGHTS_READ (permissions.py)
    (Role.MODERATOR, 403), (Role.FACILITATOR, 403), (Role.SAFEGUARDING_OFFICER, 403),
])
def test_who_may_read_the_analysis(client, session, role, status):
    """PAR-10: INSIGHTS_READ only; moderators, facilitators (and below, children and anonymous) are refused."""
    small = small_consultation(session)
    user = make_user(session, f"user-{role.value}", [role])
    sign_in(client, f"user-{role.value}")
    cid = small.consultation.id
    for path in (f"/consultations/{cid}/insights/results", f"/consultations/{cid}/insights/report",
                 f"/consultations/{cid}/insights/report.pdf", f"/consultations/{cid}/insights/export/comments.csv"):
        assert client.get(path, follow_redirects=False).status_code == status, path
    api = token_for(session, user)
    for path in (f"/api/v1/consultations/{cid}/insights/results", f"/api/v1/consultations/{cid}/insights/report",
                 f"/api/v1/consultations/{cid}/insights/reports"):
        assert client.get(path, headers=api).status_code == status, path


def test_anonymous_is_refused(client, session):
    small = small_consultation(session)
    cid = small.consultation.id
    assert client.get(f"/consultations/{cid}/insights/report", follow_redirects=False).status_code in (302, 303, 401)
    assert client.get(f"/api/v1/consultations/{cid}/insights/report").status_code == 401
    assert client.get(f"/consultations/{cid}/insights/report.pdf", follow_redirects=False).status_code in (302, 303, 401)


def test_versions_are_kept_byte_for_byte_and_an_erasure_changes_only_a_new_one(analyst, session, tmp_path):
    """PAR-09, DP-12: a generated version keeps its PDF (same SHA-256) and its counts after a child is erased;
    the next version shows the erasure."""
    from app.consent import actions as consent_actions

    small = small_consultation(session)
    cid = small.consultation.id
    made = post_form(analyst, f"/consultations/{cid}/insights/report/versions", {"locale": "zh_Hans"}, page=f"/consultations/{cid}/insights/report")
    assert made.status_code == 303, made.text
    first = session.exec(select(Report).where(Report.consultation_id == cid)).one()
    assert first.number == 1 and first.data["results"]["reach"]["took_part"] == 7
    download = analyst.get(f"/consultations/{cid}/insights/reports/{first.id}.pdf")
    assert hashlib.sha256(download.content).hexdigest() == first.sha256
    assert "版本 1" in analyst.get(f"/consultations/{cid}/insights/report").text or "Version 1" in analyst.get(f"/consultations/{cid}/insights/report?lang=en").text

    # A child the report does not quote (the quoted child's erasure withdraws the version: the test below).
    consent_actions.erase_child(session=session, child=small.children[1], requested_by="guardian", actor=("system", None))
    again = analyst.get(f"/consultations/{cid}/insights/reports/{first.id}.pdf")
    assert again.content == download.content
    session.expire_all()
    assert session.get(Report, first.id).data == first.data

    api = analyst.post(f"/api/v1/consultations/{cid}/insights/reports", json={"locale": "en"}, headers=analyst.api)
    assert api.status_code == 201, api.text
    second = session.get(Report, api.json()["id"])
    assert second.number == 2 and second.data["results"]["reach"]["took_part"] == 6
    assert second.sha256 != first.sha256
    printed = pdf_text(analyst.get(api.json()["download"]).content, tmp_path)
    assert "How to read this" in printed and "< 5" in printed
    listed = analyst.get(f"/api/v1/consultations/{cid}/insights/reports", headers=analyst.api).json()
    assert [v["number"] for v in listed] == [2, 1]
    generated = session.exec(select(AuditEvent).where(AuditEvent.action == "insights.report_generated")).all()
    assert len(generated) == 2


def test_two_people_generating_at_once_get_versions_1_and_2(session, settings):  # noqa: ANN001
    """PAR-09: the number is settled by the unique constraint, never by luck: two at once get 1 and 2."""
    import threading

    from sqlmodel import Session

    from app.core import db
    from app.insights import actions

    small = small_consultation(session)
    users = [make_user(session, f"analyst-{i}", [Role.ANALYST]) for i in range(2)]
    made, failed = [], []

    def generate(user) -> None:  # noqa: ANN001
        with Session(db.get_engine(), expire_on_commit=False) as own:
            try:
                consultation = own.get(type(small.consultation), small.consultation.id)
                made.append(actions.generate_report(session=own, actor=user, consultation=consultation, locale="zh_Hans").number)
            except Exception as exc:  # noqa: BLE001
                failed.append(exc)

    threads = [threading.Thread(target=generate, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failed and sorted(made) == [1, 2]
    assert sorted(r.number for r in session.exec(select(Report)).all()) == [1, 2]


def test_the_check_per_theme_is_suppressed_and_a_skipped_check_prints_its_reason(analyst, session):
    """PAR-07: per theme, how many agreed / said "not quite" (small cells hidden); or the official's reason."""
    from app.insights.models import Analysis, AnalysisState, ThemeCheck

    small = small_consultation(session)
    cid = small.consultation.id
    session.add(Analysis(consultation_id=cid, state=AnalysisState.CHECKED.value))
    for i, child in enumerate(small.children):  # 6 agree, 1 "not quite"
        session.add(ThemeCheck(theme_id=small.theme.id, consultation_id=cid, child_id=child.id, agrees=i < 6))
    session.commit()
    data = analyst.get(f"/api/v1/consultations/{cid}/insights/report", headers=analyst.api).json()
    assert data["themes"]["items"][0]["check"] == {"agreed": None, "not_quite": None}  # 1 is small; 6 gives it away
    page = analyst.get(f"/consultations/{cid}/insights/report?lang=en").text
    assert "Children who checked each theme" in page and ">6<" not in page and ">1<" not in page

    analysis = session.exec(select(Analysis).where(Analysis.consultation_id == cid)).one()
    analysis.check_skipped_reason = "孩子们已经放假了"
    session.add(analysis)
    session.commit()
    page = analyst.get(f"/consultations/{cid}/insights/report?lang=en").text
    assert "check was skipped" in page and "孩子们已经放假了" in page, page[page.find("check-title"):][:800]


def test_a_quote_leaves_the_report_when_quoting_consent_is_withdrawn(analyst, session):
    """CON-03: quotes are read as quotable *now*; a new version no longer prints a withdrawn child's words."""
    from app.consent import service as consent
    from app.consent.models import DecidedBy, Decision, Purpose

    small = small_consultation(session)
    cid = small.consultation.id
    quote = small.comments[0].text
    assert quote in analyst.get(f"/consultations/{cid}/insights/report?lang=en").text
    from app.consent.models import Guardian, Guardianship

    guardian = session.exec(select(Guardian).join(Guardianship, Guardianship.guardian_id == Guardian.id)
                            .where(Guardianship.child_id == small.children[0].id)).first()
    consent.record(session=session, child=small.children[0], purpose=Purpose.QUOTE, decision=Decision.WITHDRAWN,
                   decided_by=DecidedBy.GUARDIAN, channel="web", guardian=guardian)
    session.commit()
    assert quote not in analyst.get(f"/consultations/{cid}/insights/report?lang=en").text
    made = analyst.post(f"/api/v1/consultations/{cid}/insights/reports", json={"locale": "zh_Hans"}, headers=analyst.api).json()
    assert quote not in str(analyst.get(f"/api/v1/consultations/{cid}/insights/reports/{made['id']}", headers=analyst.api).json())


def _kept_version_with_the_quote(analyst, session, tmp_path):  # noqa: ANN001, ANN202
    small = small_consultation(session)
    cid = small.consultation.id
    quote = small.comments[0].text
    made = analyst.post(f"/api/v1/consultations/{cid}/insights/reports", json={"locale": "zh_Hans"}, headers=analyst.api).json()
    kept = analyst.get(made["download"])
    assert kept.status_code == 200 and quote in pdf_text(kept.content, tmp_path)
    return small, made, quote


def _regenerated(analyst, session, tmp_path, small, made, quote) -> None:  # noqa: ANN001
    """The kept version is withdrawn (no file, no words, its counts kept) and the worker prints a new one."""
    cid = small.consultation.id
    session.expire_all()
    old = session.get(Report, made["id"])
    assert old.file_id is None and old.withdrawn_at is not None and quote not in str(old.data)
    assert old.data["results"] and old.sha256 == made["sha256"]  # what was read: its counts and fingerprint stay
    assert analyst.get(made["download"]).status_code == 410
    page = analyst.get(f"/consultations/{cid}/insights/report?lang=en").text
    assert "Withdrawn on" in page
    assert jobs.Worker(kinds=[REGENERATE_JOB]).run_next(session).state == "done"
    versions = analyst.get(f"/api/v1/consultations/{cid}/insights/reports", headers=analyst.api).json()
    newest = max(versions, key=lambda v: v["number"])
    assert newest["number"] == made["number"] + 1 and newest["download"]
    assert quote not in pdf_text(analyst.get(newest["download"]).content, tmp_path)


def test_a_kept_version_quoting_a_child_is_withdrawn_when_quoting_consent_is(analyst, session, tmp_path):
    """CON-03, issue 16: "if consent is withdrawn later, the quote disappears from every output, the PDF included
    (a regenerated report is a new version)"."""
    from app.consent import service as consent
    from app.consent.models import DecidedBy, Decision, Guardian, Guardianship, Purpose

    small, made, quote = _kept_version_with_the_quote(analyst, session, tmp_path)
    guardian = session.exec(select(Guardian).join(Guardianship, Guardianship.guardian_id == Guardian.id)
                            .where(Guardianship.child_id == small.children[0].id)).first()
    consent.record(session=session, child=small.children[0], purpose=Purpose.QUOTE, decision=Decision.WITHDRAWN,
                   decided_by=DecidedBy.GUARDIAN, channel="web", guardian=guardian)
    session.commit()
    _regenerated(analyst, session, tmp_path, small, made, quote)


def test_a_kept_version_quoting_a_child_is_withdrawn_when_the_child_is_erased(analyst, session, tmp_path):
    """DP (erasure): an erased child's words leave every kept report; the counts read before stay as they were."""
    from app.consent import actions as consent_actions

    small, made, quote = _kept_version_with_the_quote(analyst, session, tmp_path)
    consent_actions.erase_child(session=session, child=small.children[0], requested_by="guardian", actor=("system", "test"))
    _regenerated(analyst, session, tmp_path, small, made, quote)
