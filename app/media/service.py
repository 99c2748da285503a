"""The media room's one entry point: what a domain calls to keep, serve and delete a file.

    stored = media.store_picture(session, data)          # checked, re-encoded, written, a stored_file row
    picture = Picture(file_id=stored.file.id, width=stored.width, height=stored.height)
    return media.response(session, picture.file_id, headers={...})   # the bytes, with the caller's headers
    media.delete(session, file_id)                        # the row now; the file once that is committed

The storage and the database move together: a file written in a transaction that rolls back (a refused
upload, a conflict) is deleted again, and a deleted row's file is deleted only after the commit, so a
rollback never leaves a row without its file. Both are SQLAlchemy session events, so they hold whether the
caller uses `transaction()` or commits itself. Never commits (docs/architecture.md, "Who commits").
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from app.core.errors import NotFound
from app.media import pictures
from app.media.models import StoredFile
from app.media.storage import StoredFileMissing, configured_storage

log = logging.getLogger("yimi.media")

_WRITTEN = "yimi_media_written"  # keys written in this transaction: deleted again if it does not commit
_DELETED = "yimi_media_deleted"  # keys whose rows were deleted: their files go once the deletion is committed


@dataclass(frozen=True)
class StoredPicture:
    """A picture as it is kept: its stored_file row, and its size in pixels after re-encoding."""

    file: StoredFile
    width: int
    height: int


def store_picture(session: Session, data: bytes) -> StoredPicture:
    """An uploaded picture, made safe and kept: checked by its header (never by its name; size, format and pixel
    limits, `pictures.check`), decoded and shrunk in a child process, re-encoded from pixels only (EXIF, GPS and
    every other metadata gone), written to the storage and recorded. Refusals are `pictures.BadPicture`,
    `pictures.TooManyPixels` or `PayloadTooLarge`, before anything is written."""
    clean = pictures.reencode(data)
    return StoredPicture(file=store(session, clean.data, clean.content_type), width=clean.width, height=clean.height)


def store(session: Session, data: bytes, content_type: str) -> StoredFile:
    """Write bytes that are already safe to keep, and record them (flushed: the row has its id)."""
    key = configured_storage().put(data, content_type)
    session.info.setdefault(_WRITTEN, []).append(key)
    stored = StoredFile(key=key, content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest())
    session.add(stored)
    session.flush()
    return stored


def read(session: Session, file_id: int) -> bytes:
    """A stored file's bytes; NotFound if the row or the file is missing."""
    stored = session.get(StoredFile, file_id)
    if stored is None:
        raise NotFound()
    try:
        return configured_storage().get(stored.key)
    except StoredFileMissing as exc:
        log.error("stored file %s (%s) is missing from the storage", stored.id, stored.key)
        raise NotFound() from exc


def response(session: Session, file_id: int, *, headers: Mapping[str, str]) -> Response:
    """The file as an HTTP response with the caller's headers (caching, nosniff, Vary: the caller decides who
    may see it). A storage that hands out URLs (an S3-compatible one) sends the browser there instead."""
    stored = session.get(StoredFile, file_id)
    if stored is None:
        raise NotFound()
    storage = configured_storage()
    url = storage.url(stored.key)
    if url is not None:
        return RedirectResponse(url, status_code=307, headers=dict(headers))
    return Response(read(session, file_id), media_type=stored.content_type, headers=dict(headers))


def delete(session: Session, file_id: int) -> None:
    """Delete a stored file: its row now (flushed), its bytes once this transaction commits."""
    stored = session.get(StoredFile, file_id)
    if stored is None:
        return
    session.delete(stored)
    session.flush()
    session.info.setdefault(_DELETED, []).append(stored.key)


# ---- the storage follows the transaction -------------------------------------------------------------------


def _forget(keys: list[str], why: str) -> None:
    storage = configured_storage()
    for key in keys:
        try:
            storage.delete(key)
        except OSError:  # the database is already right; a file left behind is only space
            log.exception("could not delete stored file %s (%s)", key, why)


@event.listens_for(OrmSession, "after_commit")
def _committed(session: OrmSession) -> None:
    session.info.pop(_WRITTEN, None)  # kept: their rows are committed
    if deleted := session.info.pop(_DELETED, None):
        _forget(deleted, "deleted")


@event.listens_for(OrmSession, "after_transaction_end")
def _ended(session: OrmSession, transaction: SessionTransaction) -> None:
    """The outermost transaction ended without a commit (rolled back, or the session closed): the files it wrote
    have no row, and the files it deleted still have theirs."""
    if transaction.parent is not None or transaction.nested:
        return
    session.info.pop(_DELETED, None)
    if written := session.info.pop(_WRITTEN, None):
        _forget(written, "rolled back")
