"""The image pipeline of every upload (FS-5).

1. ``validate_and_normalise``: refuse empty, oversized, non-image and bomb files; sniff
   the real type with Pillow (never trust the extension); apply EXIF orientation; flatten
   transparency onto white; re-encode as JPEG with no EXIF/GPS/XMP (location!).
2. ``compress_to_limit``: shrink a JPEG to at most 300 KB while keeping it legible —
   the long side stays at least 1600 px when the source was larger. ``Image.draft()``
   lets libjpeg downscale in the DCT domain while decoding (far cheaper than decoding
   12 MP and resizing), then an interpolating search on quality finds the best quality that fits.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from wxbackend.core.errors import ApiError

try:  # HEIC phone photos (iPhone default); optional at import time, required by pyproject.
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIF_FORMATS: tuple[str, ...] = ("HEIF",)
except ImportError:  # pragma: no cover - the dependency is declared
    HEIF_FORMATS = ()

#: Largest accepted image file.
MAX_IMAGE_BYTES = 15 * 1024 * 1024
#: Largest accepted pixel count: 80 MP, under Pillow's own bomb threshold (~89 MP), so our
#: check (which names the size) runs first; Pillow's guard is the backstop. 20000×20000 fails.
MAX_PIXELS = 80_000_000
Image.MAX_IMAGE_PIXELS = 2 * MAX_PIXELS  # Pillow warns past this and refuses past twice it
#: FS-5: images above this are compressed to at most this.
COMPRESS_LIMIT = 300 * 1024
#: FS-5 legibility floor for the long side when the source was larger.
MIN_LONG_SIDE = 1600
#: First size tried by the compressor: more pixels help documents, when the budget allows.
PREFERRED_LONG_SIDE = 2048
NORMALISED_QUALITY = 90

#: Pillow plugins tried when sniffing (the JPEG one also opens MPO files).
OPEN_FORMATS = ("JPEG", "PNG", *HEIF_FORMATS)
#: MPO is the multi-picture JPEG many phones write (depth/portrait shots).
ACCEPTED_FORMATS = (*OPEN_FORMATS, "MPO")

UNSUPPORTED_MESSAGE = "仅支持 JPG、PNG、HEIC 格式的图片"


@dataclass(frozen=True)
class NormalisedImage:
    data: bytes
    width: int
    height: int
    source_format: str
    content_type: str = "image/jpeg"


def _too_many_pixels(size: str = "") -> ApiError:
    return ApiError("image_too_large_pixels", f"图片尺寸过大{size}：像素总数不能超过 {MAX_PIXELS // 10_000} 万像素")


def _check_pixels(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise _too_many_pixels(f"（{width}×{height}）")


def open_image(data: bytes) -> Image.Image:
    """Open *data* as an accepted image (lazily; pixels are not decoded yet)."""
    # Pillow's own guard (MAX_IMAGE_PIXELS, set above) refuses real bombs outright;
    # below that our explicit check right after the header read refuses, naming the size.
    # Changing warning filters here would not be thread-safe under a threaded server.
    try:
        img = Image.open(io.BytesIO(data), formats=list(OPEN_FORMATS))
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ApiError("unsupported_type", UNSUPPORTED_MESSAGE) from None
    if img.format not in ACCEPTED_FORMATS:  # pragma: no cover - formats= already restricts
        raise ApiError("unsupported_type", UNSUPPORTED_MESSAGE)
    _check_pixels(*img.size)
    return img


def to_rgb(img: Image.Image) -> Image.Image:
    """RGB for JPEG: transparency flattened onto white, other modes converted."""
    if img.mode == "P":
        img = img.convert("RGBA") if "transparency" in img.info else img.convert("RGB")
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "RGBa"):
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        img = img.point(lambda v: v / 256).convert("L") if img.mode != "I" else img.convert("L")
    if img.mode != "RGB":
        img = img.convert("RGB")
    return img


def _encode(img: Image.Image, quality: int, icc: bytes | None, optimize: bool = False) -> bytes:
    out = io.BytesIO()
    params: dict[str, object] = {"quality": quality, "optimize": optimize, "subsampling": "4:2:0"}
    if icc:
        params["icc_profile"] = icc  # colour, not personal data: keeps P3 phone photos right
    img.save(out, "JPEG", **params)
    return out.getvalue()


def validate_and_normalise(data: bytes, filename: str | None = None) -> NormalisedImage:
    """Check an uploaded image and return it as a clean JPEG (orientation applied, no metadata).

    Raises ``ApiError`` with code ``empty_file``, ``too_large``, ``unsupported_type``,
    ``image_too_large_pixels`` or ``corrupt_image``.
    """
    if not data:
        raise ApiError("empty_file", "上传的文件是空的，请重新选择图片")
    if len(data) > MAX_IMAGE_BYTES:
        raise ApiError(
            "too_large",
            f"图片过大：{len(data) / 1024 / 1024:.1f} MB，单张图片不能超过 {MAX_IMAGE_BYTES // 1024 // 1024} MB",
        )
    img = open_image(data)
    source_format = img.format or ""
    icc = img.info.get("icc_profile")
    # A library may have set Pillow's process-wide flag (WeasyPrint's import does): a cut-off
    # upload must fail here, not be padded with grey.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        img.load()
        img = ImageOps.exif_transpose(img) or img
    except ApiError:
        raise
    except Exception:
        raise ApiError("corrupt_image", "图片文件已损坏或不完整，请重新上传") from None
    img = to_rgb(img)
    encoded = _encode(img, NORMALISED_QUALITY, icc, optimize=True)
    return NormalisedImage(encoded, img.width, img.height, source_format)


@dataclass(frozen=True)
class Compressed:
    data: bytes
    width: int
    height: int
    quality: int


def _fit(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    w, h = size
    scale = long_side / max(w, h)
    if scale >= 1:
        return w, h
    return max(1, round(w * scale)), max(1, round(h * scale))


#: How JPEG size grows with quality here, as d ln(size) / d quality: the first guess's slope.
SIZE_SLOPE = 0.025


def _best_quality(img: Image.Image, limit: int, lo: int, hi: int, icc: bytes | None,
                  hint: tuple[int, int] | None = None,
                  seen: list[tuple[int, int]] | None = None) -> tuple[int, bytes] | None:
    """Highest quality in [lo, hi] whose encoding fits *limit*; None when even *lo* does not.

    An interpolation search: JPEG size grows about exponentially with quality, so the next quality
    tried is where a straight line through the two nearest known (quality, log size) points meets
    the limit — two or three encodes where halving the range takes six. *hint* is a (quality, size)
    believed near this frame's curve (the previous, larger frame's, scaled by area) for the first guess;
    every (quality, size) encoded is appended to *seen*.
    """
    below: tuple[int, int, bytes] | None = None  # (quality, size, data) known to fit
    above: tuple[int, int] | None = None  # (quality, size) known not to fit
    if hint is not None:
        q0, s0 = hint
        guess = round(q0 + math.log(limit * 0.97 / max(s0, 1)) / SIZE_SLOPE)
    else:
        guess = lo  # nothing known: the floor first, one encode settles a hopeless size
    guess = min(hi, max(lo, guess))
    while True:
        data = _encode(img, guess, icc)
        if seen is not None:
            seen.append((guess, len(data)))
        if len(data) <= limit:
            below = (guess, len(data), data)
        else:
            above = (guess, len(data))
            if guess == lo:
                return None  # even the floor does not fit
        low_q = below[0] if below else lo - 1
        high_q = above[0] if above else hi + 1
        if high_q - low_q <= 1:
            break
        if below is not None and above is not None:
            (ql, sl), (qh, sh) = below[:2], above
            t = (math.log(limit) - math.log(sl)) / max(math.log(sh) - math.log(sl), 1e-9)
            guess = ql + round(t * (qh - ql))
        elif below is not None:  # everything tried fits: step up along the usual slope
            guess = below[0] + max(1, round(math.log(limit * 0.99 / below[1]) / SIZE_SLOPE))
        else:
            assert above is not None
            guess = above[0] - max(1, round(math.log(above[1] / (limit * 0.97)) / SIZE_SLOPE))
        guess = min(high_q - 1, max(low_q + 1, guess))
    return None if below is None else (below[0], below[2])


def _long_side_plan(src_long: int, min_long_side: int) -> list[tuple[int, int]]:
    """(long side, lowest quality) steps: best-looking first, legibility floor last."""
    if src_long > min_long_side:
        plan = [(min(src_long, PREFERRED_LONG_SIDE), 60), (min_long_side, 30), (min_long_side, 10)]
    else:
        plan = [(src_long, 30), (src_long, 10)]
    # Last resort for pathological content only: shrink below the floor rather than exceed the limit.
    side = min(src_long, min_long_side)
    while side > 200:
        side = int(side * 0.8)
        plan.append((side, 10))
    return plan


def compress_to_limit(
    source: bytes | Image.Image, limit: int = COMPRESS_LIMIT, min_long_side: int = MIN_LONG_SIDE
) -> Compressed:
    """Return a JPEG of at most *limit* bytes, as legible as the budget allows (FS-5).

    Give it normalised bytes (``validate_and_normalise``): orientation is not applied here,
    and a metadata-free JPEG already within the limit is returned unchanged.
    """
    if isinstance(source, bytes):
        if len(source) <= limit:
            with Image.open(io.BytesIO(source)) as probe:
                if probe.format == "JPEG" and "exif" not in probe.info:
                    return Compressed(source, probe.width, probe.height, 0)
        img = open_image(source)
        if img.format in ("JPEG", "MPO") and max(img.size) > min_long_side:
            # DCT-domain downscale (1/2, 1/4, 1/8) while decoding; keeps both sides >= the
            # requested size, so ask for the aspect-correct legibility floor.
            img.draft("RGB", _fit(img.size, min_long_side))
    else:
        img = source
    icc = img.info.get("icc_profile")
    base = to_rgb(img)  # decodes (at the draft scale when one was set)
    frames: dict[int, Image.Image] = {}

    def at_long_side(long_side: int) -> Image.Image:
        if long_side not in frames:
            target = _fit(base.size, long_side)
            # A reduction by less than half (the draft's 2016 px to 1600) is bilinear: 28 ms where bicubic
            # takes 45 ms, and the two differ less (38 dB PSNR) than the JPEG at these qualities differs
            # from either. Larger reductions go through reduce() first, and keep bicubic's sharpness.
            resample = Image.Resampling.BILINEAR if base.width < 2 * target[0] else Image.Resampling.BICUBIC
            frames[long_side] = base if target == base.size else base.resize(target, resample, reducing_gap=2.0)
        return frames[long_side]

    last: tuple[Image.Image, int] | None = None  # the last frame tried and its floor: the fallback
    hint: tuple[int, int] | None = None  # (quality, size) of the last encode, scaled to the next frame
    for long_side, floor in _long_side_plan(max(base.size), min_long_side):
        frame = at_long_side(long_side)
        if hint is not None and last is not None:
            area = (frame.width * frame.height) / (last[0].width * last[0].height)
            hint = (hint[0], round(hint[1] * area))
        seen: list[tuple[int, int]] = []
        found = _best_quality(frame, limit, floor, 92, icc, hint, seen)
        if found is not None:
            # The search's own encode is the answer: re-encoding it with Huffman optimisation would take
            # 4 % off its size (the quality is the same) for a second full encode, 12 of 130 ms.
            q, data = found
            return Compressed(data, frame.width, frame.height, q)
        last = (frame, floor)
        hint = min(seen)  # the lowest quality tried here: the one nearest to fitting
    assert last is not None  # pragma: no cover - a 160 px JPEG at quality 10 is far below any sane limit
    frame, floor = last
    return Compressed(_encode(frame, floor, icc), frame.width, frame.height, floor)
