"""Public verification (VA-5 … VA-7, VA-9): name + number, or the QR code, and one answer for every miss.

:func:`find` answers a verifier: the report's content while it is valid, else None — the same None
for a number that does not exist, one that expired or was ended, and a wrong name, so a lookup
reveals nothing but "valid" or "not". A malformed number (its check character does not fit) is
refused without touching the table. Every lookup is recorded (:class:`VerificationLookup`); the
rate limit per client sits on the web route.

The QR code carries a URL whose last part is a JWS (``verification.keys``) over the report's
essential fields: number, module, name, school, graduation month, validity and the content digest.
The page it opens checks the signature, then looks the number up like the form does, so a printed
report whose verification ended stops verifying although its signature still holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select

from wxbackend.core import ids, timeutil
from wxbackend.core.db import db
from wxbackend.verification import keys
from wxbackend.verification.models import MODULES, Verification, VerificationLookup
from wxbackend.verification.services import BODY_LENGTH, PREFIXES, holds

#: Where the QR URL's token begins.
QR_PATH = "/verify/q/"
#: Other public numbers that verify (VA-6: the school's 转递编号): module → finder(number, name) → result.
_SOURCES: dict[str, list[Any]] = {"archive": [], "hukou": []}


@dataclass
class Found:
    module: str
    number: str
    #: verification | dispatch
    source: str
    content: dict[str, Any]
    valid_until: Any
    verification_id: int | None = None

    @property
    def label(self) -> str:
        return MODULES[self.module]


def register_source(module: str, finder: Any) -> None:
    """Another kind of number that verifies *module*: ``finder(canonical number, name) -> Found | None``."""
    if finder not in _SOURCES[module]:
        _SOURCES[module].append(finder)


def _record(channel: str, module: str, number: str, ip: str | None, found: Found | None) -> None:
    db.session.add(VerificationLookup(
        channel=channel, module=module, number=number[:24], ip=(ip or "")[:64] or None, found=found is not None,
        source=found.source if found else None, verification_id=found.verification_id if found else None))


def _verification(module: str, number: str, name: str) -> Found | None:
    if not ids.is_valid(number, PREFIXES[module], BODY_LENGTH):
        return None
    row = db.session.scalar(select(Verification).where(Verification.number == number,
                                                       Verification.module == module))
    if row is None or row.content.get("name") != name or not holds(row):
        return None
    return Found(module, number, "verification", row.content, row.valid_until, row.id)


def find(module: str, name: str, number: str, *, channel: str = "form", ip: str | None = None) -> Found | None:
    """The report *number* shows to a verifier who knows the graduate's *name*, or None (recorded)."""
    if module not in MODULES:
        return None
    canonical = ids.normalise(number)[:40]
    name = (name or "").strip()
    found: Found | None = None
    if canonical and name:
        found = _verification(module, canonical, name)
        for finder in _SOURCES[module]:
            if found is not None:
                break
            found = finder(canonical, name)
    _record(channel, module, canonical, ip, found)
    return found


# -- the signed QR code (VA-9) ------------------------------------------------------------------------------


def qr_claims(row: Verification) -> dict[str, Any]:
    """The essential fields the signature covers (short keys: the QR code stays small)."""
    return {"v": 1, "n": row.number, "m": row.module, "nm": row.content.get("name"), "s": row.content.get("school"),
            "ym": row.content.get("graduate_ym"), "exp": row.valid_until.isoformat(), "d": row.digest[:32],
            "iat": timeutil.fmt(row.created_at)}


def qr_url(row: Verification) -> str:
    base = current_app.config["SETTINGS"].PUBLIC_URL.rstrip("/")
    return f"{base}{QR_PATH}{keys.sign(qr_claims(row))}"


def token_of(payload: str) -> str:
    """The JWS in a scanned payload: the URL's last part, or the bare token."""
    payload = (payload or "").strip()
    return payload.rsplit(QR_PATH, 1)[-1] if QR_PATH in payload else payload


def from_qr(payload: str, *, ip: str | None = None) -> tuple[dict[str, Any], str, Found | None]:
    """(claims, kid, the lookup's answer) of a scanned payload; raises ``keys.InvalidSignature``."""
    claims, kid = keys.verify(token_of(payload))
    found = find(str(claims.get("m")), str(claims.get("nm") or ""), str(claims.get("n") or ""), channel="qr", ip=ip)
    if found is not None and found.source == "verification":
        row = db.session.get(Verification, found.verification_id)
        if row is None or row.digest[:32] != claims.get("d"):  # signed over other content: not this report
            found = None
    return claims, kid, found
