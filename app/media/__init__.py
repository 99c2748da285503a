"""The media room: files people upload, checked and made safe before anything keeps them.

A domain calls `app.media.service` (`store_picture`, `response`, `delete`) and keeps the `stored_file` row's
id it returns; pictures are checked and re-encoded by `app.media.pictures`, and bytes live behind the
`Storage` protocol of `app.media.storage` (a folder today, YIMI_MEDIA_DIR). Documents and observation photos
join it later (ARCHITECTURE.md, "Media"). It knows no domain.
"""
