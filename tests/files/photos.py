"""Photo-like test images made with Pillow alone (no numpy): shared by tests and the bench.

Smooth colour fields + mid-frequency texture + sensor-like grain + some sharp "document"
edges and text strokes, so JPEG sizes resemble real phone photos (a 12 MP one encodes to
several MB at quality 90) instead of the few KB a flat image would give.
"""

from __future__ import annotations

import io
import random
import struct
import zlib

from PIL import Image, ImageChops, ImageDraw


def photo_like(width: int = 4032, height: int = 3024, seed: int = 0) -> Image.Image:
    rnd = random.Random(seed)
    channels = []
    for _ in range(3):
        low = Image.effect_noise((max(2, width // 400), max(2, height // 400)), 90).resize(
            (width, height), Image.Resampling.BICUBIC
        )
        channels.append(low)
    img = Image.merge("RGB", channels)
    texture = Image.effect_noise((max(2, width // 4), max(2, height // 4)), 40).resize(
        (width, height), Image.Resampling.BILINEAR
    )
    grain = Image.effect_noise((width, height), 14)
    detail = ImageChops.add(texture, grain, scale=2.0, offset=-64)
    img = ImageChops.overlay(img, Image.merge("RGB", (detail, detail, detail)))
    draw = ImageDraw.Draw(img)
    # A sheet of paper with lines of "text": the content staff must be able to read.
    x0, y0 = width // 6 + rnd.randint(0, width // 20), height // 6
    x1, y1 = width - width // 6, height - height // 8
    draw.rectangle((x0, y0, x1, y1), fill=(236, 234, 228))
    line_h = max(6, height // 60)
    for y in range(y0 + line_h * 2, y1 - line_h, line_h * 2):
        x = x0 + line_h * 2
        while x < x1 - line_h * 4:
            w = rnd.randint(line_h, line_h * 5)
            draw.rectangle((x, y, min(x + w, x1 - line_h * 2), y + line_h), fill=(30, 30, 40))
            x += w + line_h
    paper_grain = Image.effect_noise((width, height), 10)
    return ImageChops.add(img, Image.merge("RGB", (paper_grain,) * 3), scale=1.0, offset=-128)


def jpeg_bytes(img: Image.Image, quality: int = 92, **params: object) -> bytes:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality, **params)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims *width*×*height* (1-bit grey), with a token IDAT: cheap to build."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
