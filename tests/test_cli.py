"""The `yimi` command: demo data (idempotent), create-user, db upgrade, keys."""

from sqlmodel import Session, func, select
from typer.testing import CliRunner

from app.accounts import service
from app.accounts.models import Role, StaffUser
from app.accounts.permissions import effective_roles
from app.cli import app as cli
from app.core.db import get_engine
from app.core.security import verify_password
from app.corps.models import District, Group
from app.demo import DEMO_PASSWORD

runner = CliRunner()


def test_demo_loads_one_user_per_role_a_district_and_two_groups_and_is_idempotent(settings):
    first = runner.invoke(cli, ["demo"])
    assert first.exit_code == 0, first.output
    assert DEMO_PASSWORD in first.output and "safeguarding" in first.output
    second = runner.invoke(cli, ["demo"])
    assert second.exit_code == 0, second.output
    with Session(get_engine()) as session:
        users = session.exec(select(StaffUser)).all()
        assert len(users) == len(Role)
        assert {r for u in users for r in effective_roles(u)} == set(Role)  # trained, so every role can act
        assert all(verify_password(DEMO_PASSWORD, u.password_hash)[0] for u in users)
        assert session.exec(select(func.count()).select_from(District)).one() == 1
        assert session.exec(select(func.count()).select_from(Group)).one() == 2


def test_demo_is_refused_in_production(settings, monkeypatch):
    from cryptography.fernet import Fernet

    from app.core.config import get_settings

    monkeypatch.setenv("YIMI_ENV", "production")
    monkeypatch.setenv("YIMI_DATA_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("YIMI_PASSWORD_MEMORY_KIB", "65536")
    monkeypatch.setenv("YIMI_PASSWORD_ROUNDS", "3")
    monkeypatch.setenv("YIMI_CODE_MEMORY_KIB", "19456")
    monkeypatch.setenv("YIMI_CODE_ROUNDS", "2")
    get_settings.cache_clear()
    result = runner.invoke(cli, ["demo"])
    assert result.exit_code == 2 and "never loaded in production" in result.output


def test_create_user_with_a_password_from_stdin(settings):
    result = runner.invoke(cli, ["create-user", "first.admin", "--role", "admin", "--password-stdin"], input="a long admin password\n")
    assert result.exit_code == 0, result.output
    with Session(get_engine()) as session:
        user = service.get_by_username(session=session, username="first.admin")
        assert user is not None and verify_password("a long admin password", user.password_hash)[0]
        assert not user.must_change_password


def test_create_user_refuses_an_unknown_role_and_a_weak_password(settings):
    assert runner.invoke(cli, ["create-user", "someone", "--role", "king", "--password-stdin"], input="x\n").exit_code == 2
    weak = runner.invoke(cli, ["create-user", "someone", "--role", "admin", "--password-stdin"], input="short\n")
    assert weak.exit_code == 1 and "10" in weak.output


def test_db_upgrade_is_idempotent(settings):
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0


def test_keys_generate_prints_usable_keys():
    from cryptography.fernet import Fernet

    result = runner.invoke(cli, ["keys", "generate"])
    lines = dict(line.split("=", 1) for line in result.output.split())
    Fernet(lines["YIMI_DATA_KEY"].encode())
    assert len(lines["YIMI_SECRET_KEY"]) >= 32 and len(lines["YIMI_LOOKUP_KEY"]) >= 32


def test_make_runs_set_up_works_in_fresh_processes(tmp_path):
    """`make run`'s steps, each a new `yimi` process as on a fresh machine (the tests themselves import every
    table and registration, so an in-process run cannot show a command that forgets to)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    yimi = Path(sys.executable).with_name("yimi")
    env = {**os.environ, "YIMI_DATABASE_URL": f"sqlite:///{tmp_path}/yimi.db", "YIMI_VAR_DIR": str(tmp_path / "var")}
    for command in (["db", "upgrade"], ["consent", "sync"], ["demo"], ["worker", "--once"]):
        done = subprocess.run([str(yimi), *command], env=env, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])
    assert DEMO_PASSWORD in subprocess.run([str(yimi), "demo"], env=env, capture_output=True, text=True, timeout=180).stdout
