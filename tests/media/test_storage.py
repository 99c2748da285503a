"""Files live in the media storage, not in the database (issue 15, point 6): a consultation picture is a file
under YIMI_MEDIA_DIR with a stored_file row; replacing or removing it deletes the file; a refused or rolled
back upload leaves no file behind; serving keeps its headers; migration 0016 moves pictures kept in the
database out to the storage and back. On SQLite and PostgreSQL."""

import hashlib
import stat
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app.consultations import authoring
from app.consultations.models import Picture
from app.core.config import get_settings
from app.core.db import transaction
from app.core.migrate import downgrade, upgrade
from app.media import pictures
from app.media import service as media
from app.media.models import StoredFile
from app.media.storage import LocalFolderStorage, StoredFileMissing, configured_storage
from tests.conftest import english_client
from tests.consultations.helpers import official
from tests.consultations.test_official import count, draft, jpeg_with_gps
from tests.migrations.test_migrations import empty_database  # noqa: F401 - the fixture


def files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_a_folder_storage_keeps_bytes_under_keys_it_makes(tmp_path):
    storage = LocalFolderStorage(tmp_path / "media")
    key = storage.put(b"\xff\xd8\xff picture", "image/jpeg")
    assert key.endswith(".jpg") and len(key) == 2 + 1 + 32 + 4 and key[:2] == key[3:5]
    assert storage.get(key) == b"\xff\xd8\xff picture" and storage.url(key) is None
    [path] = files_in(tmp_path / "media")
    assert path == tmp_path / "media" / key and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert storage.put(b"same bytes", "image/png") != storage.put(b"same bytes", "image/png")  # never overwrites
    storage.delete(key)
    storage.delete(key)  # already gone: nothing happens
    with pytest.raises(StoredFileMissing):
        storage.get(key)
    for wrong in ("../secrets.json", "/etc/passwd", "ab/../../x", "AB/" + "0" * 32, ""):
        with pytest.raises(ValueError, match="not a storage key"):
            storage.get(wrong)


def test_the_folder_is_yimi_media_dir_else_under_the_var_dir(settings, monkeypatch, tmp_path):
    assert settings.media_dir == settings.var_dir / "media"
    monkeypatch.setenv("YIMI_MEDIA_DIR", str(tmp_path / "elsewhere"))
    get_settings.cache_clear()
    key = configured_storage().put(b"x", "image/png")
    assert (tmp_path / "elsewhere" / key).read_bytes() == b"x"


def test_a_picture_is_a_file_and_replacing_or_removing_it_deletes_the_file(session):
    media_dir = get_settings().media_dir
    actor = official(session, "uploader")
    consultation = draft(session)
    first = authoring.replace_picture(session=session, actor=actor, consultation=consultation, data=jpeg_with_gps())
    session.commit()
    stored = session.get(StoredFile, first.file_id)
    [path] = files_in(media_dir)
    assert path == media_dir / stored.key and stored.content_type == "image/jpeg"
    assert stored.size == len(path.read_bytes()) and stored.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert b"SpyCam" not in path.read_bytes()  # what is written is the re-encoded picture

    second = authoring.replace_picture(session=session, actor=actor, consultation=consultation, data=jpeg_with_gps())
    session.commit()
    assert not path.exists() and session.get(Picture, first.id) is None and session.get(StoredFile, first.file_id) is None
    [path] = files_in(media_dir)

    authoring.set_picture(session=session, actor=actor, consultation=consultation, picture=None)
    session.commit()
    assert files_in(media_dir) == [] and count(session, Picture) == 0 and count(session, StoredFile) == 0
    assert session.get(Picture, second.id) is None


def test_a_picture_a_duplicate_still_shows_is_kept_until_neither_does(session):
    media_dir = get_settings().media_dir
    actor = official(session, "uploader")
    consultation = draft(session)
    picture = authoring.replace_picture(session=session, actor=actor, consultation=consultation, data=jpeg_with_gps())
    copy = authoring.duplicate(session=session, actor=actor, consultation=consultation)
    session.commit()
    authoring.set_picture(session=session, actor=actor, consultation=consultation, picture=None)
    session.commit()
    assert session.get(Picture, picture.id) is not None and len(files_in(media_dir)) == 1
    authoring.set_picture(session=session, actor=actor, consultation=copy, picture=None)
    session.commit()
    assert session.get(Picture, picture.id) is None and files_in(media_dir) == []


def test_a_deletion_rolled_back_keeps_the_file_and_an_upload_rolled_back_leaves_none(session):
    media_dir = get_settings().media_dir
    actor = official(session, "uploader")
    consultation = draft(session)
    authoring.replace_picture(session=session, actor=actor, consultation=consultation, data=jpeg_with_gps())
    session.commit()
    [kept] = files_in(media_dir)

    with pytest.raises(RuntimeError), transaction(session):
        authoring.replace_picture(session=session, actor=actor, consultation=consultation, data=jpeg_with_gps())
        assert len(files_in(media_dir)) == 2  # the new file is written; the old one waits for the commit
        raise RuntimeError("something later in the use case fails")
    assert files_in(media_dir) == [kept]
    session.refresh(consultation)
    assert media.read(session, session.get(Picture, consultation.picture_id).file_id) == kept.read_bytes()

    with pytest.raises(pictures.BadPicture):  # refused before anything is written
        authoring.replace_picture(session=session, actor=actor, consultation=consultation, data=b"not a picture")
    session.rollback()
    assert files_in(media_dir) == [kept]

    session.close()  # a session closed without committing is a rollback too
    media.store(session, b"\x89PNG", "image/png")
    session.close()
    assert files_in(media_dir) == [kept]


def test_a_served_picture_keeps_its_headers_and_a_missing_file_is_not_found(app, session):
    actor = official(session, "uploader")
    consultation = draft(session)
    picture = authoring.replace_picture(session=session, actor=actor, consultation=consultation, data=jpeg_with_gps())
    authoring.schedule(session=session, actor=actor, consultation=consultation)
    session.commit()
    with english_client(app) as visitor:
        served = visitor.get(f"/consultations/pictures/{picture.id}")
        assert served.status_code == 200 and served.content == media.read(session, picture.file_id)
        assert served.headers["content-type"] == "image/jpeg" and served.headers["x-content-type-options"] == "nosniff"
        assert served.headers["cache-control"] == "private, max-age=86400" and served.headers["vary"] == "Cookie"
        configured_storage().delete(session.get(StoredFile, picture.file_id).key)  # a restore that forgot the files
        assert visitor.get(f"/consultations/pictures/{picture.id}").status_code == 404


def test_migration_0016_moves_pictures_out_of_the_database_and_back(empty_database, settings):  # noqa: F811
    media_dir = get_settings().media_dir
    upgrade(empty_database, "0013")
    engine = create_engine(empty_database)
    data = jpeg_with_gps()
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO picture (data, content_type, width, height, sha256, created_at) "
                "VALUES (:data, 'image/jpeg', 120, 80, :sha256, :at)"
            ), {"data": data, "sha256": hashlib.sha256(data).hexdigest(), "at": "2026-11-30 08:00:00"})
        upgrade(empty_database, "0016")
        with engine.connect() as connection:
            key, size, sha256, at = connection.execute(text(
                "SELECT key, size, sha256, stored_file.created_at FROM picture JOIN stored_file ON stored_file.id = picture.file_id"
            )).one()
        assert (media_dir / key).read_bytes() == data and size == len(data) and sha256 == hashlib.sha256(data).hexdigest()
        assert str(at).startswith("2026-11-30")  # the picture's own time, not the migration's
        downgrade(empty_database, "0013")
        with engine.connect() as connection:
            back, content_type = connection.execute(text("SELECT data, content_type FROM picture")).one()
        assert bytes(back) == data and content_type == "image/jpeg"
    finally:
        engine.dispose()
