"""Pictures people upload: check the header, then re-encode from pixels only, in a child process.

    header = pictures.check(data)      # size and format from the first bytes; nothing is decoded
    picture = pictures.reencode(data)  # checked again, decoded and shrunk in a child, metadata gone

`check` refuses, naming the problem, a file that is too large, not a JPEG, PNG or WebP, or has more than
`YIMI_PICTURE_MAX_PIXELS` pixels: a 155 KB PNG can hold 40 million pixels, hundreds of MB once decoded.
`reencode` runs `decoder.py` in a short-lived process, at most `YIMI_PICTURE_DECODES` at once per worker
(the others wait their turn): the decoded pixels never live in the worker, and all of that memory is the
operating system's again when the child exits (docs/decisions.md, "Pictures are decoded in a child").
"""

from __future__ import annotations

import json
import logging
import math
import subprocess
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal

from app.core.config import get_settings
from app.core.errors import InvalidInput, PayloadTooLarge
from app.core.i18n import N_, babel_locale
from app.media import decoder

log = logging.getLogger("yimi.media")

MAX_BYTES = 5 * 1024 * 1024  # the request body limit (YIMI_MAX_BODY_BYTES, 2 MiB) usually comes first
MAX_SIDE = 1600  # what is kept: enough for a tablet's screen, the largest place a picture is shown
DECODE_SECONDS = 30  # a picture within the caps takes about a second; a decoder that hangs is stopped
DECODER = Path(decoder.__file__)


class BadPicture(InvalidInput):
    title = N_("This picture could not be used")
    detail = N_("Please choose a JPEG, PNG or WebP picture.")
    slug = "bad-picture"


class TooManyPixels(BadPicture):
    title = N_("This picture is too large")
    detail = N_("This picture is too large: at most %(pixels)s pixels (for example %(side)s × %(side)s), and it has %(actual)s. Please make it smaller, then upload it again.")
    slug = "picture-too-large"

    def __init__(self, actual: int, limit: int) -> None:
        side = math.isqrt(limit)
        super().__init__(pixels=_number(limit), side=_number(side), actual=_number(actual))


@dataclass(frozen=True)
class Header:
    """What a picture file says about itself in its first bytes."""

    format: str  # "JPEG", "PNG" or "WEBP"
    width: int
    height: int

    @property
    def pixels(self) -> int:
        return self.width * self.height


@dataclass(frozen=True)
class CleanPicture:
    """A picture re-encoded from its pixels: JPEG, or PNG if it has transparency; no metadata."""

    data: bytes
    content_type: str
    width: int
    height: int
    decoded: tuple[int, int]  # the size the decoder produced: smaller than the file's for a JPEG drafted down


def check(data: bytes) -> Header:
    """Refuse, before any decoding, a file that is too large, is no JPEG, PNG or WebP, or has too many pixels."""
    if len(data) > MAX_BYTES:
        raise PayloadTooLarge(N_("The picture is larger than 5 MB. Please choose a smaller one."))
    header = read_header(data)
    if header is None or header.pixels == 0:
        raise BadPicture()
    limit = get_settings().picture_max_pixels
    if header.pixels > limit:
        raise TooManyPixels(actual=header.pixels, limit=limit)
    return header


def reencode(data: bytes) -> CleanPicture:
    """The picture as it is kept: checked, decoded in a child process, shrunk to MAX_SIDE, re-encoded."""
    header = check(data)
    with _decode_slot():
        return _decode_in_child(data, header)


# ---- the header: size and format from the first bytes ----------------------------------------------------


def read_header(data: bytes) -> Header | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png(data)
    if data.startswith(b"\xff\xd8\xff"):
        return _jpeg(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp(data)
    return None


def _png(data: bytes) -> Header | None:
    if data[12:16] != b"IHDR" or len(data) < 24:  # IHDR is the first chunk of every PNG
        return None
    return Header("PNG", int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big"))


# Start-of-frame markers (SOF0–SOF15 but DHT, JPG and DAC), the ones that carry a frame's size.
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg(data: bytes) -> Header | None:
    """Walk the markers up to the image data; the largest frame counts (a decoder may take any of them)."""
    size: tuple[int, int] | None = None
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            at += 2
            continue
        if marker in (0xDA, 0xD9):  # start of scan, end of image: no more headers
            break
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        if length < 2:
            return None
        if marker in _SOF:
            if at + 9 > len(data):
                return None
            height, width = int.from_bytes(data[at + 5 : at + 7], "big"), int.from_bytes(data[at + 7 : at + 9], "big")
            if size is None or width * height > size[0] * size[1]:
                size = (width, height)
        at += 2 + length
    return Header("JPEG", *size) if size else None


def _webp(data: bytes) -> Header | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":  # lossy
        return Header("WEBP", int.from_bytes(data[26:28], "little") & 0x3FFF, int.from_bytes(data[28:30], "little") & 0x3FFF)
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:  # lossless
        bits = int.from_bytes(data[21:25], "little")
        return Header("WEBP", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if chunk == b"VP8X" and len(data) >= 30:  # extended (alpha, animation, metadata): the canvas
        return Header("WEBP", int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1)
    return None


# ---- decoding: in a child process, a few at a time ------------------------------------------------------

_slots: tuple[int, threading.BoundedSemaphore] | None = None
_slots_lock = threading.Lock()


@contextmanager
def _decode_slot() -> Any:
    """One of the YIMI_PICTURE_DECODES decodes this process may run at once; wait for one if all are taken."""
    global _slots
    size = get_settings().picture_decodes
    with _slots_lock:
        if _slots is None or _slots[0] != size:
            _slots = (size, threading.BoundedSemaphore(size))
        slot = _slots[1]
    with slot:
        yield


def _decode_in_child(data: bytes, header: Header) -> CleanPicture:
    limit = get_settings().picture_max_pixels
    # -I: no user site, no PYTHON* variables; env={}: the child sees none of the worker's secrets.
    command = [sys.executable, "-I", str(DECODER), str(MAX_SIDE), str(limit)]
    try:
        done = subprocess.run(command, input=data, capture_output=True, env={}, timeout=DECODE_SECONDS, check=False)
    except subprocess.TimeoutExpired as exc:
        log.warning("picture decoder stopped after %s s (%s %dx%d)", DECODE_SECONDS, header.format, header.width, header.height)
        raise BadPicture() from exc
    if done.returncode == decoder.TOO_MANY_PIXELS:
        raise TooManyPixels(actual=header.pixels, limit=limit)
    if done.returncode != 0:
        log.info("picture refused by the decoder (exit %s): %s", done.returncode, done.stderr.decode(errors="replace").strip()[-500:])
        raise BadPicture()
    line, _, encoded = done.stdout.partition(b"\n")
    meta = json.loads(line)
    return CleanPicture(
        data=encoded, content_type=meta["content_type"], width=meta["width"], height=meta["height"],
        decoded=tuple(meta["decoded"]),
    )


def megapixels() -> str:
    """The pixel limit in millions, as the page's hint says it (25 for 25,000,000)."""
    return format_decimal(get_settings().picture_max_pixels / 1_000_000, format="#,##0.#", locale=babel_locale())


def _number(value: int) -> str:
    return format_decimal(value, locale=babel_locale())
