"""`yimi corps import FILE --group CODE`: the same checks as the page, all or nothing, and a file of
picture codes to print."""

import csv

from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import app as cli
from app.core.audit import AuditEvent
from app.core.db import get_engine
from app.core.security import verify_code
from app.corps.models import Child
from tests.corps.staff_helpers import born, in_english, make_child, make_group

runner = CliRunner()


def _children() -> list[Child]:
    with Session(get_engine()) as session:
        return list(session.exec(select(Child).order_by(Child.display_name)).all())


def test_the_command_imports_a_clean_file_and_writes_the_picture_codes(settings, session, tmp_path):
    make_group(session)
    source = tmp_path / "class.csv"
    source.write_bytes(f"昵称,出生年份,出生月份,真实姓名\n小星星,{born(10)},3,王小明\nSunny,{born(12)},9,\n".encode("gbk"))
    result = runner.invoke(cli, ["corps", "import", str(source), "--group", "class-a"])
    assert result.exit_code == 0, result.output
    assert "Imported 2 children into class-a." in result.output
    children = _children()
    assert [c.display_name for c in children] == ["Sunny", "小星星"]
    with (tmp_path / "class.csv.codes.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["display_name"] for r in rows} == {"小星星", "Sunny"}
    for child in children:
        row = next(r for r in rows if r["display_name"] == child.display_name)
        assert verify_code(row["code"], child.picture_code_hash)[0]
    with Session(get_engine()) as check:
        event = check.exec(select(AuditEvent).where(AuditEvent.action == "corps.children_import")).one()
    assert event.actor_type == "system" and event.data["count"] == 2


def test_the_command_prints_every_bad_line_and_imports_nothing(settings, session, tmp_path):
    group = make_group(session)
    make_child(session, group, "Bubbles")
    source = tmp_path / "class.csv"
    source.write_text(f"display_name,birth_year,birth_month\nSunny,{born(10)},3\n张伟,{born(10)},3\nBubbles,{born(10)},13\n", encoding="utf-8")
    with in_english():
        result = runner.invoke(cli, ["corps", "import", str(source), "--group", "class-a"])
    assert result.exit_code == 1
    assert "line 3: This looks like a real name" in result.output
    assert "line 4: The birth month must be between 1 and 12." in result.output
    assert "line 4: There is already a child called Bubbles in this group" in result.output
    assert "2 of 3 lines need correcting. Nothing was imported." in result.output
    assert [c.display_name for c in _children()] == ["Bubbles"]
    assert not (tmp_path / "class.csv.codes.csv").exists()


def test_the_command_refuses_an_unknown_group_a_bad_encoding_and_missing_columns(settings, session, tmp_path):
    make_group(session)
    source = tmp_path / "class.csv"
    source.write_text(f"display_name,birth_year,birth_month\nSunny,{born(10)},3\n", encoding="utf-8")
    unknown = runner.invoke(cli, ["corps", "import", str(source), "--group", "nope"])
    assert unknown.exit_code == 1 and "No group has the code nope." in unknown.output
    source.write_bytes(f"display_name,birth_year,birth_month\nSunny,{born(10)},3\n".encode("utf-16"))
    with in_english():
        encoding = runner.invoke(cli, ["corps", "import", str(source), "--group", "class-a"])
        assert encoding.exit_code == 1 and "We could not read this file" in encoding.output
        source.write_text("nickname\nSunny\n", encoding="utf-8")
        missing = runner.invoke(cli, ["corps", "import", str(source), "--group", "class-a"])
    assert missing.exit_code == 1 and "Missing: birth_year (出生年份), birth_month (出生月份)." in missing.output
    assert _children() == []


def test_the_command_never_overwrites_a_codes_file_not_yet_printed(settings, session, tmp_path):
    make_group(session)
    source = tmp_path / "class.csv"
    source.write_text(f"display_name,birth_year,birth_month\nSunny,{born(10)},3\n", encoding="utf-8")
    (tmp_path / "class.csv.codes.csv").write_text("earlier codes")
    result = runner.invoke(cli, ["corps", "import", str(source), "--group", "class-a"])
    assert result.exit_code == 1 and "already exists" in result.output
    assert (tmp_path / "class.csv.codes.csv").read_text() == "earlier codes"
    assert _children() == []
