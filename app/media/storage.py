"""Where uploaded files' bytes live: a `Storage` keeps bytes under a key it makes, and gives them back.

    key = storage.put(data, "image/jpeg")   # a new random key, e.g. "3f/3f9c…e1.jpg"; the bytes are written
    data = storage.get(key)                  # StoredFileMissing if the key names nothing
    storage.delete(key)                      # nothing happens if it is already gone
    storage.url(key)                         # a URL a browser may fetch directly, or None: the app serves it

Only the media room calls it (`app.media.service`); a domain keeps the `stored_file` row's id, never a key or a
path. `LocalFolderStorage` writes under `YIMI_MEDIA_DIR` (default `<YIMI_VAR_DIR>/media`). The protocol is what
an S3-compatible store needs too: keys are opaque, made by the store, never taken from a user; `url` may hand
out a short-lived signed URL there (docs/decisions.md, "Files live in a storage, the database keeps their key").
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from pathlib import Path
from typing import Protocol

from app.core.config import get_settings

log = logging.getLogger("yimi.media")

# The extension a key ends with, from its content type (a key says what it holds to whoever lists a folder).
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "application/pdf": ".pdf"}
# What every key looks like: two hex characters (a folder, so that none holds too many files), a slash, 32
# random hex characters and an extension. A key that does not look like this is refused before any path is
# built: no "..", no absolute path, ever.
KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}(\.[a-z0-9]{1,5})?$")


class StoredFileMissing(LookupError):
    """The key names no file (deleted, or the storage was not restored with the database)."""


class Storage(Protocol):
    def put(self, data: bytes, content_type: str) -> str:
        """Keep `data` under a new key, and return the key. Written whole or not at all."""
        ...

    def get(self, key: str) -> bytes:
        """The bytes kept under `key`; `StoredFileMissing` if there are none."""
        ...

    def delete(self, key: str) -> None:
        """Forget `key`'s bytes; nothing happens if they are already gone."""
        ...

    def url(self, key: str) -> str | None:
        """A URL a browser may fetch the file from directly, or None when the application serves it."""
        ...


def new_key(content_type: str) -> str:
    name = secrets.token_hex(16)
    return f"{name[:2]}/{name}{EXTENSIONS.get(content_type, '')}"


def checked_key(key: str) -> str:
    if not KEY.fullmatch(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class LocalFolderStorage:
    """Files under one folder on this machine: `<root>/<2 hex>/<32 hex>.<ext>`, readable by this user only."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / checked_key(key)

    def put(self, data: bytes, content_type: str) -> str:
        key = new_key(content_type)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside its place, then renamed: a reader sees the whole file or none (never half of one).
        partial = path.with_name(f".{path.name}.partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return key

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise StoredFileMissing(key) from exc

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def url(self, key: str) -> str | None:
        return None


def configured_storage() -> Storage:
    """The storage this deployment uses: today always a folder (YIMI_MEDIA_DIR)."""
    media_dir = get_settings().media_dir
    assert media_dir is not None  # Settings fills it in
    return LocalFolderStorage(media_dir)
