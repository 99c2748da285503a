"""Pictures (issue 13, point 3): a picture bomb is refused from its header, fast, in words that name the
limit; a picture within the limit is decoded no larger than needed, in a child process, a few at a time,
and kept without its metadata."""

import io
import re
import struct
import threading
import time
import zlib
from functools import cache
from pathlib import Path

import pytest
from PIL import Image

from app.consultations.models import Picture
from app.core.config import get_settings
from app.media import pictures
from app.media import service as media
from app.media.models import StoredFile
from tests.conftest import sign_in
from tests.consultations.helpers import official
from tests.consultations.test_official import count, draft, upload
from tests.consultations.test_official_api import token_for

CAP = 25_000_000  # YIMI_PICTURE_MAX_PIXELS's default


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@cache
def png(width: int, height: int, *, color_type: int = 2, bit_depth: int = 8, text: bool = False) -> bytes:
    """A real PNG of one colour, compressed row by row so that the test never holds its pixels: a few
    hundred KB that decode to width × height × 4 bytes. With `text`, it carries an author and EXIF with GPS."""
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[color_type]
    row = b"\x00" + bytes(-(-width * channels * bit_depth // 8))  # filter "none", then the row's bytes
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    chunks = [_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0))]
    if text:
        chunks.append(_chunk(b"tEXt", b"Author\x00SpyCam"))
        chunks.append(_chunk(b"eXIf", gps_exif().removeprefix(b"Exif\x00\x00")))
    chunks += [_chunk(b"IDAT", idat), _chunk(b"IEND", b"")]
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


def gps_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (25.0, 2.0, 30.0), 3: "E", 4: (102.0, 42.0, 10.0)}  # GPS IFD
    return exif.tobytes()


@cache
def jpeg(width: int, height: int) -> bytes:
    """A photo-sized JPEG with EXIF naming the camera and a GPS position."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 160, 90)).save(out, format="JPEG", quality=80, exif=gps_exif())
    return out.getvalue()


@pytest.fixture
def official_client(client, session):  # noqa: ANN001, ANN201
    sign_in(client, official(session).username)
    return client


# ---- refused from the header ----------------------------------------------------------------------------


@pytest.fixture
def no_decoding(monkeypatch):  # noqa: ANN001, ANN201
    """Any decode fails the test: a refusal must come from the header alone."""

    def decode(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("the picture was decoded")

    monkeypatch.setattr(pictures, "_decode_in_child", decode)


@pytest.mark.parametrize("size", [(6320, 6320), (20000, 20000)], ids=["40-megapixels", "400-megapixels"])
def test_a_picture_bomb_is_refused_from_its_header_at_once_naming_the_limit(official_client, session, no_decoding, size):
    """The probe's 155 KB PNG of 6,320 × 6,320 took 0.75 s and hundreds of MB to decode; a 400-megapixel
    one was called "not a JPEG, PNG or WebP". Both are refused before decoding, saying what is wrong."""
    width, height = size
    bomb = png(width, height, color_type=0 if width > 10000 else 2, bit_depth=1 if width > 10000 else 8)
    assert len(bomb) < 400_000
    consultation = draft(session)
    response = upload(official_client, consultation.id, "bomb.png", bomb, "image/png")
    assert response.status_code == 422
    actual = f"{width * height:,}"
    assert f"This picture is too large: at most 25,000,000 pixels (for example 5,000 × 5,000), and it has {actual}." in response.text
    # "At once" is what `no_decoding` proves whatever the machine's speed: nothing was decoded (no timing here).
    official_client.cookies.set("yimi_locale", "zh_Hans")
    chinese = upload(official_client, consultation.id, "bomb.png", bomb, "image/png")
    assert chinese.status_code == 422
    assert f"这张图片太大了：最多 25,000,000 像素（例如 5,000 × 5,000），这张有 {actual} 像素。" in chinese.text
    session.refresh(consultation)
    assert consultation.picture_id is None and count(session, Picture) == 0


def test_the_api_refuses_a_picture_bomb_with_problem_details(client, session, no_decoding):
    headers = token_for(session, official(session))
    consultation = draft(session)
    for language, words in (("en", "at most 25,000,000 pixels"), ("zh-CN", "最多 25,000,000 像素")):
        answer = client.put(f"/api/v1/consultations/{consultation.id}/picture", headers={**headers, "Accept-Language": language},
                            files={"picture": ("bomb.png", png(6320, 6320), "image/png")})
        assert answer.status_code == 422 and answer.headers["content-type"].startswith("application/problem+json")
        problem = answer.json()
        assert problem["type"] == "/problems/picture-too-large" and words in problem["detail"]
    assert problem["title"] == "这张图片太大了"
    assert count(session, Picture) == 0


def test_the_pixel_limit_is_a_setting(settings, monkeypatch, no_decoding):
    monkeypatch.setenv("YIMI_PICTURE_MAX_PIXELS", "1000000")
    get_settings.cache_clear()
    assert pictures.check(png(1000, 1000)).pixels == 1_000_000  # at most: the limit itself is allowed
    with pytest.raises(pictures.TooManyPixels) as refused:
        pictures.check(png(1001, 1000))
    assert refused.value.variables == {"pixels": "1,000,000", "side": "1,000", "actual": "1,001,000"}


def test_the_header_is_read_for_every_kind_of_picture_we_take():
    """The size comes from the first bytes as Pillow would read it, for every format and variant accepted."""

    def saved(image: Image.Image, fmt: str, **options) -> bytes:  # noqa: ANN003
        out = io.BytesIO()
        image.save(out, format=fmt, **options)
        return out.getvalue()

    rgb, rgba = Image.new("RGB", (333, 222), "teal"), Image.new("RGBA", (321, 123), (0, 0, 0, 0))
    files = {
        "jpeg": saved(rgb, "JPEG"), "jpeg-progressive": saved(rgb, "JPEG", progressive=True),
        "jpeg-exif": saved(rgb, "JPEG", exif=gps_exif()), "jpeg-cmyk": saved(rgb.convert("CMYK"), "JPEG"),
        "png": saved(rgb, "PNG"), "png-palette": saved(rgb.convert("P"), "PNG"),
        "webp-lossy": saved(rgb, "WEBP"), "webp-lossless": saved(rgb, "WEBP", lossless=True),
        "webp-alpha": saved(rgba, "WEBP"), "webp-animated": saved(rgb, "WEBP", save_all=True, append_images=[rgb.rotate(90)]),
    }
    for name, data in files.items():
        with Image.open(io.BytesIO(data)) as image:
            expected = (image.format, image.width, image.height)
        header = pictures.read_header(data)
        assert header is not None and (header.format, header.width, header.height) == expected, name
    for junk in (b"", b"GIF89a" + bytes(30), b"\xff\xd8\xff", files["png"][:20], b"RIFF\x00\x00\x00\x00WEBPVP8 ", b"this is not a picture"):
        assert pictures.read_header(junk) is None
    with pytest.raises(pictures.BadPicture):
        pictures.check(b"GIF89a" + bytes(30))


# ---- decoded small, in a child, a few at a time -----------------------------------------------------------


def test_a_picture_at_the_limit_is_kept_small_and_without_its_metadata(official_client, session):
    """25 megapixels (a tablet's camera takes 8–13) are taken, shrunk to what is shown and re-encoded from
    pixels: no EXIF, GPS or text chunk is kept. A JPEG is decoded at a fraction of its size (libjpeg's DCT
    scaling through Image.draft); a PNG has no such path and is decoded whole, in the child."""
    consultation = draft(session)
    photo = jpeg(4999, 5000)
    assert upload(official_client, consultation.id, "park.jpg", photo).status_code == 303
    session.refresh(consultation)
    kept = session.get(Picture, consultation.picture_id)
    data = media.read(session, kept.file_id)
    assert (kept.width, kept.height, session.get(StoredFile, kept.file_id).content_type) == (1600, 1600, "image/jpeg")
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (1600, 1600) and not image.getexif() and "exif" not in image.info
    assert b"SpyCam" not in data

    drawing = png(5000, 5000, color_type=6, text=True)  # exactly at the limit, with transparency
    assert upload(official_client, consultation.id, "plan.png", drawing, "image/png").status_code == 303
    session.refresh(consultation)
    kept = session.get(Picture, consultation.picture_id)
    data = media.read(session, kept.file_id)
    assert (kept.width, kept.height, session.get(StoredFile, kept.file_id).content_type) == (1600, 1600, "image/png")
    with Image.open(io.BytesIO(data)) as image:
        assert image.mode == "RGBA" and not image.getexif() and "Author" not in image.info and "exif" not in image.info
    assert b"SpyCam" not in data and b"eXIf" not in data and b"tEXt" not in data


def test_a_large_jpeg_is_decoded_at_a_fraction_of_its_size(settings):
    at_limit = pictures.reencode(jpeg(4999, 5000))
    assert at_limit.decoded == (2500, 2500) and (at_limit.width, at_limit.height) == (1600, 1600)
    photo = pictures.reencode(jpeg(4000, 3000))
    assert photo.decoded == (2000, 1500) and (photo.width, photo.height) == (1600, 1200)
    small = pictures.reencode(jpeg(1200, 900))
    assert small.decoded == (1200, 900) and (small.width, small.height) == (1200, 900)  # never enlarged
    drawing = pictures.reencode(png(4000, 3000))
    assert drawing.decoded == (4000, 3000) and (drawing.width, drawing.height) == (1600, 1200)
    out = io.BytesIO()  # a phone's MPO: a JPEG with a second picture after it (depth, stereo)
    Image.new("RGB", (4000, 3000), "red").save(out, format="MPO", save_all=True, append_images=[Image.new("RGB", (4000, 3000), "blue")])
    assert pictures.reencode(out.getvalue()).decoded == (2000, 1500)


@pytest.mark.parametrize("mode", ["L", "LA", "P", "P-transparent", "RGBA", "I;16", "1", "CMYK"])
def test_every_kind_of_pixel_is_re_encoded(settings, mode):
    image = Image.new("RGB", (900, 700), (30, 120, 200))
    if mode.startswith("P"):
        image = image.convert("P", palette=Image.Palette.ADAPTIVE)
        if mode == "P-transparent":
            image.info["transparency"] = 0
    else:
        image = image.convert(mode)
    out = io.BytesIO()
    image.save(out, format="JPEG" if mode == "CMYK" else "PNG")
    clean = pictures.reencode(out.getvalue())
    with Image.open(io.BytesIO(clean.data)) as result:
        alpha = mode in ("LA", "RGBA", "P-transparent")
        assert (result.format, result.mode, result.size) == (("PNG", "RGBA") if alpha else ("JPEG", "RGB")) + ((900, 700),)


def test_a_broken_picture_is_refused_in_plain_words(settings):
    whole = png(300, 200)
    for broken in (whole[: len(whole) // 2], whole[:40] + b"\x00" * 40 + whole[80:]):
        with pytest.raises(pictures.BadPicture) as refused:
            pictures.reencode(broken)
        assert type(refused.value) is pictures.BadPicture and refused.value.detail == "Please choose a JPEG, PNG or WebP picture."


def test_decodes_wait_their_turn(settings, monkeypatch):
    """At most YIMI_PICTURE_DECODES decodes run at once in a worker; the rest wait and then succeed."""
    real = pictures._decode_in_child
    inside, peak, lock = 0, 0, threading.Lock()

    def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        nonlocal inside, peak
        with lock:
            inside += 1
            peak = max(peak, inside)
        try:
            time.sleep(0.1)  # long enough for every other thread to arrive meanwhile
            return real(*args, **kwargs)
        finally:
            with lock:
                inside -= 1

    monkeypatch.setattr(pictures, "_decode_in_child", counted)
    for allowed in (1, 2):
        monkeypatch.setenv("YIMI_PICTURE_DECODES", str(allowed))
        get_settings.cache_clear()
        peak, results = 0, []
        threads = [threading.Thread(target=lambda done=results: done.append(pictures.reencode(jpeg(800, 600)))) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(results) == 6 and peak == allowed


def test_the_decoded_pixels_never_live_in_the_worker(settings, monkeypatch):
    """The child decodes 100 MB of pixels; the worker only sends the file and reads the result. The child
    starts from nothing: isolated from the environment, it holds none of the worker's secrets."""
    seen = {}
    real_run = pictures.subprocess.run

    def run(command, **kwargs):  # noqa: ANN001, ANN003, ANN202
        seen.update(command=command, env=kwargs.get("env"))
        return real_run(command, **kwargs)

    monkeypatch.setattr(pictures.subprocess, "run", run)
    drawing = png(5000, 5000)
    peak, before, done = 0, rss_kib(), threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_kib())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        clean = pictures.reencode(drawing)
    finally:
        done.set()
        sampler.join()
    assert clean.decoded == (5000, 5000)
    assert (peak - before) < 40 * 1024, f"the worker grew by {(peak - before) // 1024} MB while a child decoded 100 MB"
    assert seen["env"] == {} and seen["command"][1] == "-I" and Path(seen["command"][2]).name == "decoder.py"


def rss_kib() -> int:
    return int(re.search(r"^VmRSS:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.MULTILINE).group(1))
