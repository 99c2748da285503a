"""Passwords (passlib's CryptContext, argon2 first) and random tokens stored only as hashes."""

from __future__ import annotations

import hashlib
import secrets

from passlib.context import CryptContext

passwords = CryptContext(schemes=["argon2"], deprecated="auto")
# Verified against when the user does not exist, so that a wrong username takes as long as a wrong password.
_DUMMY_HASH = passwords.hash(secrets.token_urlsafe(16))

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return passwords.hash(password)


def verify_password(password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """(matches, new hash if the stored one should be upgraded)."""
    if not password_hash:
        passwords.verify(password, _DUMMY_HASH)
        return False, None
    return passwords.verify_and_update(password, password_hash)


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    """Session and API tokens are long random values, so a plain SHA-256 is the right stored form."""
    return hashlib.sha256(token.encode()).hexdigest()


def generate_password() -> str:
    """A temporary password an admin can read out: four groups of easy characters."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))
