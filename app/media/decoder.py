"""The picture decoder, run as a short-lived child process: `python -I decoder.py MAX_SIDE MAX_PIXELS`.

It reads a JPEG, PNG or WebP file on stdin, decodes it no larger than it must (a JPEG at 1/2, 1/4 or 1/8
of its size through libjpeg's DCT scaling), shrinks it to fit MAX_SIDE × MAX_SIDE, and writes one line of
JSON (content type, width, height, the size it was decoded at) then the new file's bytes to stdout. The
new file is made from pixels only: no EXIF, GPS, XMP, ICC profile or text chunk travels.

It imports nothing of Yimi and is started with an empty environment, so a decoder bug meets a process
that holds no secret and no database connection; its memory is the operating system's again when it
exits. Exit codes: 0 done, 65 not a picture we can read, 66 more pixels than MAX_PIXELS.
"""

from __future__ import annotations

import io
import json
import resource
import sys

NOT_A_PICTURE = 65
TOO_MANY_PIXELS = 66
FORMATS = ("JPEG", "PNG", "WEBP")
# Modes that shrink as they are; any other (palette, 16-bit, CMYK…) is converted first.
RESIZABLE = ("RGB", "RGBA", "L", "LA")
# Address space: the interpreter and Pillow (under 100 MiB) plus 8 bytes per pixel (a 4-byte decoded
# picture and a converted copy). A picture within the pixel cap never comes near it; a decoder that
# misbehaves gets a MemoryError instead of the machine's memory.
BASE_ADDRESS_SPACE = 256 * 1024 * 1024
CPU_SECONDS = 60  # a backstop: the parent stops waiting (and kills this process) much sooner


class TooManyPixels(Exception):
    pass


def fit(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """The size a picture is kept at: within max_side × max_side, aspect ratio kept, never enlarged."""
    width, height = size
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def reencode(data: bytes, max_side: int, max_pixels: int) -> tuple[dict[str, object], bytes]:
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = max_pixels  # Pillow's own refusal (at twice this) before it allocates anything
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as probe:
            probe.verify()  # a PNG's checksums; a truncated or corrupt file stops here
    except Image.DecompressionBombError as exc:
        raise TooManyPixels() from exc
    with Image.open(io.BytesIO(data), formats=FORMATS) as image:
        if image.width * image.height > max_pixels:
            raise TooManyPixels(image.size)
        target = fit(image.size, max_side)
        if image.format in ("JPEG", "MPO"):  # MPO: a phone's JPEG with a second picture (depth, stereo)
            image.draft("RGB", target)  # decode at the smallest 1/2, 1/4 or 1/8 not below the target
        image.load()
        decoded = image.size
        has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
        mode = "RGBA" if has_alpha else "RGB"
        pixels = image if image.mode in RESIZABLE else image.convert(mode)
        pixels.thumbnail(target, Image.Resampling.LANCZOS)
        pixels = pixels.convert(mode)
    clean = Image.new(mode, pixels.size)
    clean.paste(pixels)  # a new image from the pixels: no metadata travels
    out = io.BytesIO()
    if has_alpha:
        clean.save(out, format="PNG", optimize=True)
        content_type = "image/png"
    else:
        clean.save(out, format="JPEG", quality=85, optimize=True)
        content_type = "image/jpeg"
    meta = {"content_type": content_type, "width": clean.width, "height": clean.height, "decoded": list(decoded)}
    return meta, out.getvalue()


def main(argv: list[str]) -> int:
    max_side, max_pixels = int(argv[1]), int(argv[2])
    address_space = BASE_ADDRESS_SPACE + 8 * max_pixels
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    data = sys.stdin.buffer.read()
    try:
        meta, encoded = reencode(data, max_side, max_pixels)
    except TooManyPixels:
        return TOO_MANY_PIXELS
    except Exception as exc:  # noqa: BLE001 - whatever the decoder says, the answer is "not a picture we can use"
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return NOT_A_PICTURE
    sys.stdout.buffer.write(json.dumps(meta).encode() + b"\n" + encoded)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
