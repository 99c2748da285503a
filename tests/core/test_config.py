"""Settings: YIMI_ prefix; development secrets generated once into ./var and reused; production refuses
generated or default secrets and says which variable to set."""

import json
import stat

import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from app.core.config import ConfigurationError, Settings

SECRET_VARS = ("YIMI_SECRET_KEY", "YIMI_DATA_KEY", "YIMI_LOOKUP_KEY")


@pytest.fixture
def bare_env(monkeypatch, tmp_path):
    for name in (*SECRET_VARS, "YIMI_DATABASE_URL", "YIMI_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("YIMI_VAR_DIR", str(tmp_path / "var"))
    return tmp_path / "var"


def test_development_generates_secrets_once_and_reuses_them(bare_env):
    first = Settings()
    second = Settings()
    assert first.secret_key and first.secret_key == second.secret_key
    assert first.data_key == second.data_key and first.lookup_key == second.lookup_key
    Fernet(first.data_keys[0].encode())  # a real Fernet key
    path = bare_env / "secrets.json"
    assert set(json.loads(path.read_text())) == {"secret_key", "data_key", "lookup_key"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert set(first.generated_secrets) == set(SECRET_VARS)


def test_sqlite_under_var_by_default(bare_env):
    assert Settings().database_url == f"sqlite:///{bare_env / 'yimi.db'}"


def test_environment_secrets_win_over_generated(bare_env, monkeypatch):
    monkeypatch.setenv("YIMI_SECRET_KEY", "s" * 48)
    assert Settings().secret_key == "s" * 48


@pytest.mark.parametrize("missing", SECRET_VARS)
def test_production_refuses_a_missing_secret_and_names_it(bare_env, monkeypatch, missing):
    monkeypatch.setenv("YIMI_ENV", "production")
    monkeypatch.setenv("YIMI_SECRET_KEY", "s" * 48)
    monkeypatch.setenv("YIMI_DATA_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("YIMI_LOOKUP_KEY", "l" * 48)
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigurationError, match=missing):
        Settings()
    assert not (bare_env / "secrets.json").exists()


def test_production_refuses_a_default_secret(bare_env, monkeypatch):
    monkeypatch.setenv("YIMI_ENV", "production")
    monkeypatch.setenv("YIMI_SECRET_KEY", "changeme")
    monkeypatch.setenv("YIMI_DATA_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("YIMI_LOOKUP_KEY", "l" * 48)
    with pytest.raises(ConfigurationError, match="YIMI_SECRET_KEY"):
        Settings()


def test_production_refuses_a_data_key_that_is_not_fernet(bare_env, monkeypatch):
    monkeypatch.setenv("YIMI_ENV", "production")
    monkeypatch.setenv("YIMI_SECRET_KEY", "s" * 48)
    monkeypatch.setenv("YIMI_DATA_KEY", "not-a-fernet-key-but-long-enough-to-pass")
    monkeypatch.setenv("YIMI_LOOKUP_KEY", "l" * 48)
    with pytest.raises(ConfigurationError, match="YIMI_DATA_KEY"):
        Settings()


def test_production_accepts_real_secrets(bare_env, monkeypatch):
    monkeypatch.setenv("YIMI_ENV", "production")
    monkeypatch.setenv("YIMI_SECRET_KEY", "s" * 48)
    monkeypatch.setenv("YIMI_DATA_KEY", f"{Fernet.generate_key().decode()},{Fernet.generate_key().decode()}")
    monkeypatch.setenv("YIMI_LOOKUP_KEY", "l" * 48)
    settings = Settings()
    assert settings.is_production and len(settings.data_keys) == 2


def test_the_cli_says_which_variable_to_set(bare_env, monkeypatch):
    from app.cli import app as cli
    from app.core.config import get_settings

    monkeypatch.setenv("YIMI_ENV", "production")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["db", "upgrade"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "YIMI_SECRET_KEY" in result.output
