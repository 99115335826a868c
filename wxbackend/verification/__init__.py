"""核验授权 and public verification (VA-1 … VA-9): numbers, the report PDF, the signed QR code, the lookup.

It needs the graduate's confirmation (``confirmation``), so it sits above it.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Join the platform: the models and audit labels; the school's 转递编号 verifies archives too (VA-6)."""
    from wxbackend.verification import dispatch_numbers, lookup, models, services  # noqa: F401

    lookup.register_source("archive", dispatch_numbers.find)
