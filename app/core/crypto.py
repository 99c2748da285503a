"""Encryption at rest (SEC-01, SEC-03): Fernet under YIMI_DATA_KEY, MultiFernet for rotation,
and a keyed hash so encrypted values (a guardian's phone, say) can be found without decrypting them."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

from app.core.config import get_settings


class DecryptionFailed(RuntimeError):
    """No configured key opens this value: a key was removed before every value was rotated."""


def cipher(keys: list[str] | None = None) -> MultiFernet:
    """The newest key encrypts; every listed key can decrypt."""
    keys = keys if keys is not None else get_settings().data_keys
    if not keys:
        raise RuntimeError("YIMI_DATA_KEY holds no key")
    return MultiFernet([Fernet(k.encode()) for k in keys])


def encrypt(plaintext: str, *, keys: list[str] | None = None) -> str:
    return cipher(keys).encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str, *, keys: list[str] | None = None) -> str:
    try:
        return cipher(keys).decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise DecryptionFailed("no configured data key can decrypt this value") from exc


def rotate(token: str, *, keys: list[str] | None = None) -> str:
    """Re-encrypt a value under the newest key (after a new key was put first in YIMI_DATA_KEY)."""
    try:
        return cipher(keys).rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise DecryptionFailed("no configured data key can decrypt this value") from exc


def normalise_for_lookup(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().casefold()


def lookup_hash(value: str, *, purpose: str) -> str:
    """Keyed hash of a normalised value; `purpose` keeps hashes of different kinds of value apart."""
    key = get_settings().lookup_key.encode()
    message = f"{purpose}\x00{normalise_for_lookup(value)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


class EncryptedText(TypeDecorator[str]):
    """A column whose text is stored encrypted and read back in clear."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else decrypt(value)
