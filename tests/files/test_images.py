"""FS-5: the image pipeline — validation, normalisation, storage and background compression."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from PIL import ExifTags, Image
from sqlalchemy import func, select

from jobs.images import compress_image
from tests.files.photos import jpeg_bytes, photo_like, png_header_only
from wxbackend.core.audit import SYSTEM, Actor
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Forbidden
from wxbackend.files.images import COMPRESS_LIMIT, MIN_LONG_SIDE, compress_to_limit, validate_and_normalise
from wxbackend.files.models import StoredFile
from wxbackend.files.service import compress_stored, store_upload
from wxbackend.files.storage import LocalStorage, StorageKeyError, get_storage


def _stored_count() -> int:
    return db.session.scalar(select(func.count()).select_from(StoredFile)) or 0


def _files_on_disk(app: Any) -> list[Path]:
    root = Path(app.config["SETTINGS"].STORAGE_DIR)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture(scope="module")
def big_photo() -> bytes:
    """One 12-megapixel phone-like JPEG (about 5 MB), made once for the module."""
    return jpeg_bytes(photo_like(4032, 3024, seed=1), quality=92)


# --- FS-5: compression -------------------------------------------------------------


def test_fs_5_large_photo_is_compressed_to_300kb_keeping_1600px(app: Any, drain_jobs: Any, make_user: Any,
                                                                  make_school: Any, big_photo: bytes) -> None:
    user = make_user("school", school_id=make_school().id)
    actor = Actor("staff", user.id, "school", user.display_name)
    row = store_upload(actor, big_photo, "IMG_0001.JPG")

    # The record can be submitted now: the file exists and is usable while compression is pending.
    assert row.compression_state == "pending"
    assert row.size > COMPRESS_LIMIT and (row.width, row.height) == (4032, 3024)
    assert row.uploaded_by_user_id == user.id
    original_key = row.key
    assert get_storage().exists(original_key)
    file_id = row.id

    drain_jobs()
    db.session.expire_all()
    row = db.session.get(StoredFile, file_id)
    assert row.compression_state == "done"
    data = get_storage().get(row.key)
    assert len(data) == row.size <= COMPRESS_LIMIT
    assert hashlib.sha256(data).hexdigest() == row.sha256
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "JPEG"
        assert max(img.size) >= MIN_LONG_SIDE
        assert img.size == (row.width, row.height)
        assert not img.getexif()
    assert not get_storage().exists(original_key)


def test_fs_5_compression_job_is_idempotent(app: Any, drain_jobs: Any) -> None:
    data = jpeg_bytes(photo_like(1800, 1350, seed=2), quality=95)
    row = store_upload(SYSTEM, data, "scan.jpg")
    assert row.compression_state == "pending"
    file_id = row.id
    drain_jobs()
    db.session.expire_all()
    before = db.session.get(StoredFile, file_id)
    snapshot = (before.key, before.size, before.sha256, before.width, before.height, before.compression_state)
    assert snapshot[-1] == "done" and snapshot[1] <= COMPRESS_LIMIT

    compress_image(file_id)  # a retried / duplicated job
    assert compress_stored(file_id) is False
    db.session.expire_all()
    after = db.session.get(StoredFile, file_id)
    assert (after.key, after.size, after.sha256, after.width, after.height, after.compression_state) == snapshot
    assert len(_files_on_disk(app)) == 1


def test_fs_5_small_image_needs_no_compression(app: Any, drain_jobs: Any) -> None:
    img = Image.new("RGB", (800, 600), (200, 220, 240))
    row = store_upload(SYSTEM, jpeg_bytes(img), "small.jpg")
    assert row.compression_state == "not_needed"
    assert row.size <= COMPRESS_LIMIT
    assert compress_stored(row.id) is False


def test_fs_5_source_below_1600_keeps_its_size_when_quality_suffices() -> None:
    data = jpeg_bytes(photo_like(1500, 1000, seed=3), quality=98)
    assert len(data) > COMPRESS_LIMIT
    result = compress_to_limit(data)
    assert len(result.data) <= COMPRESS_LIMIT
    assert (result.width, result.height) == (1500, 1000)


# --- FS-5: normalisation -----------------------------------------------------------


def test_fs_5_exif_orientation_applied_and_gps_stripped() -> None:
    # 400×200: red left half, blue right half; orientation 6 = "rotate 90° clockwise to display".
    img = Image.new("RGB", (400, 200), (255, 0, 0))
    img.paste((0, 0, 255), (200, 0, 400, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (39.0, 54.0, 27.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (116.0, 23.0, 17.0)
    source = jpeg_bytes(img, exif=exif.tobytes())
    with Image.open(io.BytesIO(source)) as check:  # the fixture really carries location
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"

    out = validate_and_normalise(source, "photo.jpg")
    assert (out.width, out.height) == (200, 400)
    assert b"Exif" not in out.data and b"PhoneMaker" not in out.data
    with Image.open(io.BytesIO(out.data)) as result:
        assert result.size == (200, 400)
        assert not result.getexif()
        assert "exif" not in result.info
        top = result.getpixel((100, 50))
        bottom = result.getpixel((100, 350))
    assert top[0] > 200 and top[2] < 60  # the red half is now on top
    assert bottom[2] > 200 and bottom[0] < 60


def test_fs_5_heic_phone_photo_is_accepted() -> None:
    import pillow_heif

    img = Image.new("RGB", (640, 480), (10, 120, 200))
    buf = io.BytesIO()
    pillow_heif.from_pillow(img).save(buf, quality=80)
    out = validate_and_normalise(buf.getvalue(), "IMG_1234.HEIC")
    assert out.source_format == "HEIF"
    with Image.open(io.BytesIO(out.data)) as result:
        assert result.format == "JPEG" and result.size == (640, 480)


def test_fs_5_transparent_png_is_flattened_onto_white() -> None:
    img = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    img.paste((0, 0, 0, 255), (0, 0, 50, 100))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    out = validate_and_normalise(buf.getvalue(), "sign.png")
    with Image.open(io.BytesIO(out.data)) as result:
        assert min(result.getpixel((75, 50))) > 240
        assert max(result.getpixel((25, 50))) < 15


# --- FS-5: refused uploads -----------------------------------------------------------


BAD_INPUTS = {
    "text_renamed_jpg": ("notes.jpg", lambda: "这不是图片，只是文本。\n".encode() * 50, "unsupported_type", "仅支持"),
    "png_20000x20000": ("huge.png", lambda: png_header_only(20000, 20000), "image_too_large_pixels", "像素"),
    "empty": ("empty.jpg", lambda: b"", "empty_file", "空"),
    "30mb": ("big.jpg", lambda: b"\xff\xd8\xff\xe0" + b"\0" * (30 * 1024 * 1024), "too_large", "15 MB"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_fs_5_bad_upload_gives_clear_error_and_stores_nothing(app: Any, case: str) -> None:
    filename, make, code, words = BAD_INPUTS[case]
    with pytest.raises(ApiError) as err:
        store_upload(SYSTEM, make(), filename)
    assert err.value.code == code
    assert words in err.value.message
    assert err.value.status == 400
    assert _stored_count() == 0
    assert _files_on_disk(app) == []


def test_fs_5_pixel_limit_names_the_dimensions() -> None:
    with pytest.raises(ApiError) as err:
        validate_and_normalise(png_header_only(9000, 9000), "scan.png")  # 81 MP: our own check
    assert err.value.code == "image_too_large_pixels"
    assert "9000×9000" in err.value.message and "8000 万像素" in err.value.message


def test_fs_5_gif_is_unsupported_even_when_named_png() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buf, "GIF")
    with pytest.raises(ApiError) as err:
        validate_and_normalise(buf.getvalue(), "a.png")
    assert err.value.code == "unsupported_type"


def test_truncated_jpeg_is_refused_as_corrupt() -> None:
    data = jpeg_bytes(photo_like(600, 400, seed=4))
    with pytest.raises(ApiError) as err:
        validate_and_normalise(data[: len(data) // 2], "cut.jpg")
    assert err.value.code == "corrupt_image"


def test_graduate_uploads_only_for_themselves(app: Any) -> None:
    with pytest.raises(Forbidden):
        store_upload(Actor("graduate", 1, "graduate"), b"x", "a.jpg", owner_graduate_id=2)


# --- storage -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key", ["../x.jpg", "images/../../etc/passwd", "/etc/passwd", "a//b.jpg", "", ".", "a/./b", "a\\..\\b", "~/x"]
)
def test_storage_refuses_unsafe_keys(tmp_path: Path, key: str) -> None:
    storage = LocalStorage(tmp_path / "root")
    with pytest.raises(StorageKeyError):
        storage.put(key, b"data")
    with pytest.raises(StorageKeyError):
        storage.get(key)
    assert not (tmp_path / "x.jpg").exists()


def test_local_storage_round_trip(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    storage.put("images/2026/11/abc.jpg", b"one")
    storage.put("images/2026/11/abc.jpg", b"two")
    assert storage.exists("images/2026/11/abc.jpg")
    assert storage.get("images/2026/11/abc.jpg") == b"two"
    with storage.open("images/2026/11/abc.jpg") as fh:
        assert fh.read() == b"two"
    storage.delete("images/2026/11/abc.jpg")
    storage.delete("images/2026/11/abc.jpg")
    assert not storage.exists("images/2026/11/abc.jpg")
    with pytest.raises(FileNotFoundError):
        storage.get("images/2026/11/abc.jpg")


def test_truncated_jpeg_is_refused_after_a_pdf_was_rendered_in_the_process() -> None:
    """Importing WeasyPrint flips Pillow's LOAD_TRUNCATED_IMAGES; the PDF module puts it back (FS-5)."""
    from tests.signing.sample_agreement import sample_doc
    from wxbackend.signing.pdf import render_agreement

    render_agreement(sample_doc())
    data = jpeg_bytes(photo_like(600, 400, seed=5))
    with pytest.raises(ApiError) as err:
        validate_and_normalise(data[: len(data) // 2], "cut.jpg")
    assert err.value.code == "corrupt_image"


@pytest.mark.parametrize("seed,limit", [(4, 300 * 1024), (5, 180 * 1024), (6, 420 * 1024)])
def test_fs_5_the_quality_search_finds_what_trying_every_quality_finds(seed: int, limit: int) -> None:
    """FS-5: the interpolating search (two to four encodes) picks the highest quality that fits,
    the same as encoding every quality from the floor up; with or without a first guess."""
    from wxbackend.files.images import _best_quality, _encode

    frame = photo_like(1600, 1200, seed=seed)
    fits = [q for q in range(30, 93) if len(_encode(frame, q, None)) <= limit]
    expected = max(fits) if fits else None
    for hint in (None, (60, 400 * 1024), (85, 150 * 1024)):
        seen: list[tuple[int, int]] = []
        found = _best_quality(frame, limit, 30, 92, None, hint, seen)
        assert (found[0] if found else None) == expected, (hint, seen)
        assert len(seen) <= 7, seen
