"""The media room's table: one row per file kept in the storage (app.media.storage)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow


class StoredFile(SQLModel, table=True):
    """A file in the storage: its key there, what it is, how large, and its SHA-256 (to check a restore).

    A domain keeps this row's id (a consultation's picture: `picture.file_id`) and asks `app.media.service`
    for the bytes; deleting the row through the service deletes the file once the deletion is committed."""

    __tablename__ = "stored_file"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=100, unique=True)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
