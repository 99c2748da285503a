"""The media room: files people upload, checked and made safe before anything keeps them.

Today it holds pictures (`app.media.pictures`); storage, documents and observation photos join it later
(ARCHITECTURE.md, "Media"). It knows no domain: a domain calls it and keeps what it returns.
"""
