"""Passwords (passlib's CryptContext, argon2 first) and random tokens stored only as hashes."""

from __future__ import annotations

import hashlib
import secrets
from functools import lru_cache

from passlib.context import CryptContext

from app.core.config import get_settings

MIN_PASSWORD_LENGTH = 10


@lru_cache
def _context(memory_kib: int, rounds: int) -> tuple[CryptContext, str]:
    context = CryptContext(
        schemes=["argon2"], deprecated="auto", argon2__memory_cost=memory_kib, argon2__rounds=rounds
    )
    # Verified against when the user does not exist, so a wrong username takes as long as a wrong password.
    return context, context.hash(secrets.token_urlsafe(16))


def passwords() -> tuple[CryptContext, str]:
    """argon2id with the cost from settings; hashes made with another cost are upgraded at sign-in."""
    settings = get_settings()
    return _context(settings.password_memory_kib, settings.password_rounds)


def codes() -> tuple[CryptContext, str]:
    """argon2id for children's picture codes and personal codes: OWASP's lighter profile (19 MiB, 2 passes),
    so a whole class can sign in at once on a small server; the lock-out after 5 wrong codes is what
    protects a small code space."""
    settings = get_settings()
    return _context(settings.code_memory_kib, settings.code_rounds)


def hash_code(code: str) -> str:
    return codes()[0].hash(code)


def verify_code(code: str, code_hash: str) -> tuple[bool, str | None]:
    return codes()[0].verify_and_update(code, code_hash)


def hash_password(password: str) -> str:
    return passwords()[0].hash(password)


def verify_password(password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """(matches, new hash if the stored one should be upgraded)."""
    context, dummy = passwords()
    if not password_hash:
        context.verify(password, dummy)
        return False, None
    return context.verify_and_update(password, password_hash)


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    """Session and API tokens are long random values, so a plain SHA-256 is the right stored form."""
    return hashlib.sha256(token.encode()).hexdigest()


def generate_password() -> str:
    """A temporary password an admin can read out: four groups of easy characters."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))
