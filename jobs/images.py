"""Job: compress an uploaded image to at most 300 KB (FS-5)."""

from __future__ import annotations

from wxbackend.core.jobs import job


@job("images", timeout=300)
def compress_image(file_id: int) -> None:
    """Compress StoredFile *file_id*; a file that is not pending is left alone."""
    from wxbackend.files.service import compress_stored

    compress_stored(file_id)
