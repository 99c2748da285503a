"""Babel catalogs for zh_Hans (default) and en; the locale of the current request in a context variable."""

from __future__ import annotations

import datetime as dt
import io
import logging
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime as _babel_format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES = ("zh_Hans", "en")
DEFAULT_LOCALE = "zh_Hans"
LOCALE_COOKIE = "yimi_locale"
LOCALES_DIR = Path(__file__).resolve().parents[1] / "locales"
# What each locale is called in its own language, for the switch shown on every page.
LOCALE_NAMES = {"zh_Hans": "中文", "en": "English"}
HTML_LANG = {"zh_Hans": "zh-Hans", "en": "en"}
SPEECH_LANG = {"zh_Hans": "zh-CN", "en": "en-GB"}

log = logging.getLogger(__name__)
_current: ContextVar[str] = ContextVar("yimi_locale", default=DEFAULT_LOCALE)


@lru_cache
def translations(locale: str) -> NullTranslations:
    folder = LOCALES_DIR / locale / "LC_MESSAGES"
    mo, po = folder / "messages.mo", folder / "messages.po"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return Translations(fh, domain="messages")
    if po.exists():
        # Catalogs not compiled yet (a fresh checkout run without `make`): compile in memory.
        log.warning("compiling %s in memory; run `make i18n-compile`", po)
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        return Translations(buf, domain="messages")
    return NullTranslations()


def set_locale(locale: str) -> None:
    _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)


def get_locale() -> str:
    return _current.get()


class InContext(str):
    """A message marked with the context it is said in (`NC_`): a short word that means different things in
    different places ("OK" on a five-face scale is 一般; "OK" beside an imported row is 无误) gets an entry of its
    own in the catalog (msgctxt), and every `gettext` of it, in code or in a template, finds that entry."""

    context: str

    def __new__(cls, context: str, message: str) -> InContext:
        made = super().__new__(cls, message)
        made.context = context
        return made


def gettext(message: str, **variables: object) -> str:
    catalog = translations(get_locale())
    text = catalog.pgettext(message.context, message) if isinstance(message, InContext) else catalog.gettext(message)
    return text % variables if variables else text


def pgettext(context: str, message: str, **variables: object) -> str:
    return gettext(InContext(context, message), **variables)


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    text = translations(get_locale()).ngettext(singular, plural, n)
    variables.setdefault("num", n)
    return text % variables


_ = gettext


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


def NC_(context: str, message: str) -> InContext:  # noqa: N802
    """Mark a message with its context for extraction (msgctxt); it is translated where it is shown."""
    return InContext(context, message)


def parse_accept_language(header: str | None) -> str | None:
    """The best of our locales for an Accept-Language header, or None."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.strip().lower()))
    for neg_quality, _pos, tag in sorted(ranked):
        if neg_quality >= 0:
            continue
        if tag.startswith("zh"):
            return "zh_Hans"
        if tag.startswith("en"):
            return "en"
    return None


def negotiate(cookie: str | None, accept_language: str | None) -> str:
    if cookie in LOCALES:
        return cookie  # type: ignore[return-value]
    return parse_accept_language(accept_language) or DEFAULT_LOCALE


def babel_locale(locale: str | None = None) -> Locale:
    return Locale.parse(locale or get_locale())


def format_datetime(value: dt.datetime | None, timezone: str = "Asia/Shanghai", fmt: str = "medium") -> str:
    if value is None:
        return ""
    return _babel_format_datetime(value, format=fmt, tzinfo=ZoneInfo(timezone), locale=babel_locale())


def localised(value: dict[str, str] | None) -> str:
    """Text people wrote per locale (a title, a name), in the page's language, falling back to Chinese and then
    to any language it has: the one helper for it (issue 15)."""
    value = value or {}
    return value.get(get_locale()) or value.get(DEFAULT_LOCALE) or next((v for v in value.values() if v), "")


def clean_locales(value: dict[str, str]) -> dict[str, str]:
    """The locales Yimi speaks, each text stripped, empty ones left out."""
    return {loc: value[loc].strip() for loc in LOCALES if isinstance(value.get(loc), str) and value[loc].strip()}
