"""Enrolment from a CSV file: a preview that reports every bad line by number, nothing imported until the
whole file is clean, then all children in one transaction; UTF-8 (with or without BOM) and GBK accepted."""

import base64
import re

import pytest
from sqlalchemy import text
from sqlmodel import select

from app.accounts.models import Role
from app.core.audit import AuditEvent
from app.corps import importing
from app.corps.models import Child
from tests.conftest import csrf_token, make_user, sign_in
from tests.corps.staff_helpers import born, in_english, make_child, make_group

Y10, Y12 = born(10), born(12)


def _csv(*lines: str) -> str:
    return "\n".join(lines) + "\n"


GOOD = _csv("display_name,birth_year,birth_month,avatar,real_name", f"小星星,{Y10},3,owl,王小明", f"Sunny,{Y12},11,,", f"Rocket,{Y10},7,fox,")


@pytest.fixture
def teacher_client(client, session):
    teacher = make_user(session, "teacher1", [Role.FACILITATOR])
    client.group = make_group(session, facilitators=[teacher])  # type: ignore[attr-defined]
    sign_in(client, "teacher1")
    return client


def _upload(client, content: bytes, name: str = "class.csv"):
    group = client.group
    token = csrf_token(client, f"/corps/groups/{group.id}/import")
    return client.post(f"/corps/groups/{group.id}/import", data={"csrf_token": token}, files={"file": (name, content, "text/csv")})


def _confirm(client, preview):
    payload = re.search(r'name="payload" value="([^"]+)"', preview.text).group(1)
    token = csrf_token(client, f"/corps/groups/{client.group.id}/import")
    return client.post(f"/corps/groups/{client.group.id}/import/confirm", data={"csrf_token": token, "payload": payload, "filename": "class.csv"})


def _children(session):
    return session.exec(select(Child).order_by(Child.display_name)).all()


def test_the_import_page_explains_the_columns(teacher_client):
    page = teacher_client.get(f"/corps/groups/{teacher_client.group.id}/import")
    assert page.status_code == 200
    for column in ("display_name", "昵称", "birth_year", "出生年份", "birth_month", "出生月份", "avatar", "头像", "real_name", "真实姓名"):
        assert column in page.text
    assert 'enctype="multipart/form-data"' in page.text


def test_clean_csv_is_previewed_then_imported_with_printable_cards(teacher_client, session):
    preview = _upload(teacher_client, GOOD.encode())
    assert preview.status_code == 200
    assert "All 3 lines are correct." in preview.text and "Import 3 children" in preview.text
    assert "王小明" not in preview.text  # real names are never echoed back
    assert _children(session) == []  # nothing before the confirmation
    done = _confirm(teacher_client, preview)
    assert done.status_code == 200 and "3 children imported" in done.text
    children = _children(session)
    assert [c.display_name for c in children] == ["Rocket", "Sunny", "小星星"]
    assert done.text.count('class="picture-card"') == 3
    assert len(re.findall(r"/static/img/pictures/\w+\.svg", done.text)) == 9
    assert {c.avatar for c in children if c.display_name != "Sunny"} == {"owl", "fox"}
    raw = session.connection().execute(text("SELECT real_name FROM child_identity")).scalar_one()
    assert "王小明" not in raw
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "corps.children_import")).one()
    assert event.data["count"] == 3


def test_csv_with_one_bad_row_imports_nothing(teacher_client, session):
    content = _csv("display_name,birth_year,birth_month", f"小星星,{Y10},3", f"Sunny,{Y10},13", f"Rocket,{Y12},7")
    preview = _upload(teacher_client, content.encode())
    assert preview.status_code == 422
    assert "1 of 3 lines need correcting. Nothing was imported." in preview.text
    assert "The birth month must be between 1 and 12." in preview.text
    assert "/import/confirm" not in preview.text  # no button to import a file that is not clean
    assert _children(session) == []


def test_every_bad_line_is_reported_with_its_number_and_reasons(teacher_client, session):
    make_child(session, teacher_client.group, "Bubbles")
    content = _csv(
        "display_name,birth_year,birth_month,avatar",
        f"小星星,{Y10},3,owl",          # 2: fine
        f"张伟,{Y10},3,",               # 3: looks like a real name
        f"Sunny,{born(3)},3,",          # 4: too young
        f"Sunny2,{born(-1)},3,",        # 5: in the future
        "Moon,abc,3,",                 # 6: not a number
        f"小星星,{Y10},4,",             # 7: twice in the file
        f"bubbles,{Y10},4,",            # 8: already in the group
        f"Kite,{Y10},5,unicorn",        # 9: unknown avatar
        f"Li Ming,{Y10},13,dragon",     # 10: three things at once
    )
    report = importing.read(content.encode(), existing_keys={"bubbles"})
    with in_english():
        by_line = {r.line: [p.text() for p in r.problems] for r in report.rows}
    assert by_line[2] == []
    assert "This looks like a real name" in by_line[3][0]
    assert "this birth date gives age 3" in by_line[4][0]
    assert by_line[5] == ["The birth date is in the future."]
    assert by_line[6] == ["The birth year and month must be numbers, like 2015 and 9."]
    assert by_line[7] == ["The nickname 小星星 is already on line 2."]
    assert "There is already a child called bubbles in this group" in by_line[8][0]
    assert by_line[9] == ["There is no avatar called unicorn. Leave it empty to have one chosen."]
    assert len(by_line[10]) == 3
    preview = _upload(teacher_client, content.encode())
    assert preview.status_code == 422 and "8 of 9 lines need correcting" in preview.text
    assert "<td>7</td>" in preview.text and "The nickname 小星星 is already on line 2." in preview.text
    assert [c.display_name for c in _children(session)] == ["Bubbles"]


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_gbk_csv_is_accepted(teacher_client, session, encoding):
    """What Chinese Excel saves as 'CSV' is GBK; 'CSV UTF-8' has a BOM. Chinese headers work too."""
    content = _csv("昵称,出生年份,出生月份,头像,真实姓名", f"小星星,{Y10}年,3月,熊猫,王小明", f"小云朵,{Y12},9,,")
    preview = _upload(teacher_client, content.encode(encoding))
    assert preview.status_code == 200, preview.text
    assert "小星星" in preview.text and "小云朵" in preview.text and "All 2 lines are correct." in preview.text
    assert _confirm(teacher_client, preview).status_code == 200
    stars = session.exec(select(Child).where(Child.display_name == "小星星")).one()
    assert stars.avatar == "panda" and stars.birth_year == Y10 and stars.birth_month == 3


def test_a_file_in_another_encoding_is_refused_with_a_clear_message(teacher_client, session):
    for content in (GOOD.encode("utf-16"), b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00"):
        preview = _upload(teacher_client, content)
        assert preview.status_code == 422
        assert "We could not read this file. Please save it as a CSV file in UTF-8 or GBK" in preview.text
    assert _children(session) == []


def test_missing_columns_are_named_in_one_message(teacher_client):
    preview = _upload(teacher_client, _csv("nickname,year,头像", f"小星星,{Y10},owl").encode())
    assert preview.status_code == 422
    assert "The first line must name the columns. Missing: birth_year (出生年份), birth_month (出生月份)." in preview.text


def test_an_empty_file_or_a_file_without_children_is_refused(teacher_client):
    assert "Please choose a CSV file to upload." in _upload(teacher_client, b"").text
    assert "The file has no children in it, only the first line." in _upload(teacher_client, b"display_name,birth_year,birth_month\n").text


def test_more_than_2000_rows_are_refused(teacher_client, session):
    lines = ["display_name,birth_year,birth_month"] + [f"kid{i},{Y10},3" for i in range(2001)]
    preview = _upload(teacher_client, _csv(*lines).encode())
    assert preview.status_code == 422
    assert "The file has 2001 children; at most 2000 can be imported at once. Please split it." in preview.text
    assert _children(session) == []


def test_confirming_checks_the_file_again_and_imports_nothing_if_the_group_changed(teacher_client, session):
    preview = _upload(teacher_client, GOOD.encode())
    make_child(session, teacher_client.group, "Sunny")  # enrolled by a colleague meanwhile
    done = _confirm(teacher_client, preview)
    assert done.status_code == 422 and "There is already a child called Sunny in this group" in done.text
    assert [c.display_name for c in _children(session)] == ["Sunny"]


def test_a_tampered_confirmation_is_checked_like_an_upload(teacher_client, session):
    group = teacher_client.group
    token = csrf_token(teacher_client, f"/corps/groups/{group.id}/import")
    bad = base64.b64encode(_csv("display_name,birth_year,birth_month", "张伟,2015,3").encode()).decode()
    response = teacher_client.post(f"/corps/groups/{group.id}/import/confirm", data={"csrf_token": token, "payload": bad})
    assert response.status_code == 422 and "This looks like a real name" in response.text
    garbage = teacher_client.post(f"/corps/groups/{group.id}/import/confirm", data={"csrf_token": token, "payload": "%%%not base64"})
    assert garbage.status_code == 422 and "The file did not come through. Please upload it again." in garbage.text
    assert _children(session) == []


def test_a_facilitator_cannot_import_into_another_group(client, session):
    make_user(session, "teacher1", [Role.FACILITATOR])
    other = make_group(session, "class-b")
    sign_in(client, "teacher1")
    token = csrf_token(client, "/staff")
    response = client.post(f"/corps/groups/{other.id}/import", data={"csrf_token": token}, files={"file": ("c.csv", GOOD.encode(), "text/csv")})
    assert response.status_code == 404
    assert _children(session) == []


def test_line_numbers_count_blank_lines_and_quoted_line_breaks():
    content = f'display_name,birth_year,birth_month\n\n"Star\nlight",{Y10},3\nMoon,{Y10},13\n'
    report = importing.read(content.encode(), existing_keys=set())
    assert [r.line for r in report.rows] == [3, 5]
    with in_english():
        assert report.rows[1].problems[0].text() == "The birth month must be between 1 and 12."


def test_a_name_like_nickname_can_be_confirmed_in_its_column():
    content = _csv("display_name,birth_year,birth_month,confirmed_nickname", f"白云,{Y10},3,yes", f"金鱼,{Y10},3,")
    report = importing.read(content.encode(), existing_keys=set())
    assert report.rows[0].ok and not report.rows[1].ok
