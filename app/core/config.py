"""Settings from the environment (prefix ``YIMI_``), with development secrets kept in ``./var/``."""

from __future__ import annotations

import json
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from cryptography.fernet import Fernet
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

BASE_DIR = Path(__file__).resolve().parents[2]

# The secrets Yimi needs, and how a fresh one is made in development.
SECRET_NAMES: dict[str, str] = {
    "secret_key": "YIMI_SECRET_KEY",
    "data_key": "YIMI_DATA_KEY",
    "lookup_key": "YIMI_LOOKUP_KEY",
}
# Values that appear in documentation or examples and must never run in production.
KNOWN_DEFAULTS = {"", "changeme", "change-me", "secret", "dev", "development", "yimi"}


class ConfigurationError(RuntimeError):
    """Start-up refused: the message says which variable to set."""


def _new_secret(name: str) -> str:
    if name == "data_key":
        return Fernet.generate_key().decode()
    return secrets.token_urlsafe(48)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="YIMI_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    var_dir: Path = BASE_DIR / "var"
    database_url: str = ""

    # Secrets. Empty means "not set": development generates them into var/, production refuses.
    secret_key: str = ""
    # One or more Fernet keys separated by commas, newest first (MultiFernet rotation).
    data_key: str = ""
    # Key of the keyed hash used to look up encrypted values without decrypting them.
    lookup_key: str = ""

    # argon2id cost (OWASP: 64 MiB, 3 passes). Only the test suite lowers it, to keep tests quick.
    password_memory_kib: int = 65536
    password_rounds: int = 3
    # argon2id cost for children's picture codes and personal codes (OWASP's minimum profile).
    code_memory_kib: int = 19456
    code_rounds: int = 2

    staff_idle_minutes: int = 30
    staff_session_hours: int = 12
    sign_in_max_failures: int = 5
    sign_in_window_minutes: int = 15
    sign_in_lock_minutes: int = 15

    # Where request-rate counters live (`limits` storage URI). memory:// counts in each process and forgets on
    # restart, so `yimi serve` refuses it with several workers or in production (refuse_unshared_rate_limits).
    rate_limit_storage: str = "memory://"
    # The first part of every counter's key: deployments and test runs that share one Redis never share a count.
    rate_limit_prefix: str = Field(default="yimi", pattern=r"^[A-Za-z0-9_.:-]{1,100}$")
    rate_limit_sign_in: str = "20/minute"
    rate_limit_api: str = "600/minute"
    # A young person's personal code on their own phone (/young), per client address.
    rate_limit_personal_code: str = "10/minute"
    max_body_bytes: int = 2 * 1024 * 1024
    # The API's description (/openapi.json) and its documentation page (/api/docs): open to anyone when true;
    # when false, only to signed-in staff (a session or an API token). Unset: open, except in production.
    api_docs_public: bool | None = None
    # Database connections per worker, and so requests per worker at once; more requests wait in line,
    # holding nothing (app.core.middleware.InFlightLimit). The pool holds up to twice this (see db._pool):
    # PostgreSQL needs workers × 2 × this under max_connections.
    db_connections: int = Field(default=4, ge=1, le=500)
    # Uploaded pictures (app.media.pictures): pixels at most, read from the header before any decoding (a
    # decode takes about 4 bytes a pixel), and decodes at once per worker, each in a short-lived child process.
    picture_max_pixels: int = Field(default=25_000_000, ge=1, le=100_000_000)
    picture_decodes: int = Field(default=1, ge=1, le=16)
    # Where uploaded files are kept (app.media.storage.LocalFolderStorage); empty: <YIMI_VAR_DIR>/media.
    media_dir: Path | None = None

    # Shown on the help page (A11Y-10, CON-15, SG-06): the youth hotline and the police.
    help_hotline: str = "12355"
    help_police: str = "110"
    # SG-01: a safeguarding alert not acknowledged within this many minutes escalates to administrators.
    safeguarding_ack_minutes: int = Field(default=15, ge=1)
    # Issue 14: words screening finds *possibly* worrying wait on the officers' "please read" list; not read
    # within this many minutes, they escalate to administrators like an unacknowledged case.
    safeguarding_review_minutes: int = Field(default=60, ge=1)
    # The "I need help" button, per IP address (so that it cannot flood the officers).
    rate_limit_help: str = "5/10minute"

    # Origins besides the server's own that may post forms (e.g. behind a proxy with another name).
    trusted_origins: list[str] = Field(default_factory=list)
    display_timezone: str = "Asia/Shanghai"
    # The person responsible for children's personal information (CPIP Art. 8), shown on the guardian's dashboard.
    pi_officer_name: str = ""
    pi_officer_contact: str = ""
    # Consents end on this day (MM-DD) of each year and must be renewed (CON-14).
    programme_year_end: str = Field(default="08-31", pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")

    # The notifier (app/notifications): "console" only logs, and the admin outbox page shows the message.
    email_backend: Literal["console", "smtp"] = "console"
    sms_backend: Literal["console", "http"] = "console"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    smtp_from: str = ""
    # Staff accounts hold no address: reminders to officials and administrators (issue 17) go by e-mail to
    # <user name>@<this domain>. Empty: each reminder is recorded, audited and listed on /responses, not sent.
    staff_email_domain: str = ""
    # An SMS gateway that takes POST {"to": ..., "text": ...} with "Authorization: Bearer <key>".
    sms_gateway_url: str = ""
    sms_gateway_key: str = ""

    generated_secrets: list[str] = Field(default_factory=list, exclude=True)

    @model_validator(mode="after")
    def _fill(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.var_dir / 'yimi.db'}"
        if self.media_dir is None:
            self.media_dir = self.var_dir / "media"
        if self.env == "production":
            self._refuse_weak_secrets()
        else:
            self._load_or_generate_secrets()
        return self

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def refuse_unshared_rate_limits(self, workers: int) -> None:
        """memory:// keeps one count per process: with N workers every limit is N times as high, and a restart
        forgets them all. Serving with more than one worker, or in production, needs a shared storage."""
        if not self.rate_limit_storage.startswith("memory://") or (workers <= 1 and not self.is_production):
            return
        why = f"with {workers} workers each one counts on its own, so every limit is {workers} times as high" if workers > 1 \
            else "in production a restart would forget every count"
        raise ConfigurationError(
            f"YIMI_RATE_LIMIT_STORAGE is memory://: request-rate limits are counted in each process, and {why}. "
            "Set YIMI_RATE_LIMIT_STORAGE to a Redis that every worker reaches, e.g. redis://127.0.0.1:6379/0 "
            "(see README, 'Deployment')."
        )

    @property
    def data_keys(self) -> list[str]:
        return [k.strip() for k in self.data_key.split(",") if k.strip()]

    def _refuse_weak_secrets(self) -> None:
        for field, variable in SECRET_NAMES.items():
            value = getattr(self, field)
            if value.strip().lower() in KNOWN_DEFAULTS:
                raise ConfigurationError(
                    f"{variable} is not set. In production Yimi refuses to start with a generated or "
                    f"default secret: set {variable} in the environment (see README, 'Configuration')."
                )
            if field != "data_key" and len(value) < 32:
                raise ConfigurationError(f"{variable} is too short: use at least 32 random characters.")
        if min(self.password_memory_kib, self.code_memory_kib) < 19456 or min(self.password_rounds, self.code_rounds) < 2:
            raise ConfigurationError("YIMI_PASSWORD_MEMORY_KIB/YIMI_PASSWORD_ROUNDS are below OWASP's minimum for argon2id.")
        for key in self.data_keys:
            try:
                Fernet(key.encode())
            except ValueError as exc:
                raise ConfigurationError(
                    "YIMI_DATA_KEY must be one or more Fernet keys separated by commas "
                    "(make one with `yimi keys generate`)."
                ) from exc

    def _load_or_generate_secrets(self) -> None:
        missing = [f for f in SECRET_NAMES if not getattr(self, f)]
        if not missing:
            return
        path = self.var_dir / "secrets.json"
        stored: dict[str, str] = {}
        if path.exists():
            stored = json.loads(path.read_text())
        changed = False
        for field in missing:
            if field not in stored:
                stored[field] = _new_secret(field)
                changed = True
            setattr(self, field, stored[field])
            self.generated_secrets.append(SECRET_NAMES[field])
        if changed:
            self.var_dir.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                json.dump(stored, fh, indent=2)
            os.replace(tmp, path)


@lru_cache
def get_settings() -> Settings:
    return Settings()
