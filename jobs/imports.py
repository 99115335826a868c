"""Job: import an uploaded spreadsheet of graduates (L-6)."""

from __future__ import annotations

from wxbackend.core.jobs import job


@job("imports", timeout=1800)
def import_graduates(batch_id: int) -> None:
    """Run the import of batch *batch_id*; a finished batch is left alone."""
    from wxbackend.accounts.imports import run_batch

    run_batch(batch_id)


@job("imports", timeout=300, retries=0)
def recover_stale_imports() -> dict[str, int]:
    """Resume (or fail, after three starts) imports whose worker died mid-file (scheduled every tick)."""
    from wxbackend.accounts.imports import recover_stale

    return recover_stale()
