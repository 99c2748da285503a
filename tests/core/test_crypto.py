"""Encryption at rest (SEC-01, SEC-03): Fernet under YIMI_DATA_KEY, rotation with MultiFernet, keyed look-up hashes."""

import pytest
from cryptography.fernet import Fernet

from app.core import crypto


def test_encrypts_and_decrypts(settings):
    token = crypto.encrypt("王小明")
    assert "王小明" not in token
    assert crypto.decrypt(token) == "王小明"


def test_key_rotation(settings):
    old = settings.data_keys[0]
    token = crypto.encrypt("guardian@example.org", keys=[old])
    new = Fernet.generate_key().decode()
    rotated_keys = [new, old]  # YIMI_DATA_KEY="new,old": the newest first
    assert crypto.decrypt(token, keys=rotated_keys) == "guardian@example.org"
    rotated = crypto.rotate(token, keys=rotated_keys)
    assert crypto.decrypt(rotated, keys=[new]) == "guardian@example.org"  # the old key can now be retired
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(token, keys=[new])


def test_lookup_hash_is_keyed_normalised_and_purpose_bound(settings, monkeypatch):
    a = crypto.lookup_hash(" Guardian@Example.org ", purpose="email")
    assert a == crypto.lookup_hash("guardian@example.org", purpose="email")
    assert a == crypto.lookup_hash("ｇｕａｒｄｉａｎ@example.org", purpose="email")  # full-width folded
    assert a != crypto.lookup_hash("guardian@example.org", purpose="phone")
    from app.core.config import get_settings

    monkeypatch.setenv("YIMI_LOOKUP_KEY", "another-key-" + "z" * 40)
    get_settings.cache_clear()
    assert crypto.lookup_hash("guardian@example.org", purpose="email") != a


def test_encrypted_text_column_type(settings):
    from sqlalchemy.dialects import sqlite

    column = crypto.EncryptedText()
    stored = column.process_bind_param("13800138000", sqlite.dialect())
    assert stored and "13800138000" not in stored
    assert column.process_result_value(stored, sqlite.dialect()) == "13800138000"
