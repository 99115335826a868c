"""Signed tokens: the one way the platform puts a signed value in a link, a form or a QR code.

``dumps(purpose, payload)`` signs a JSON-able payload with the app's ``SECRET_KEY``;
``loads(purpose, token)`` gives it back, or None for a forged, expired, other-purpose or revoked
token (``verify`` raises instead, telling an expired token from a bad one).

- *purpose* is itsdangerous' salt: a token made for one purpose never reads as another.
- *nonce* is a per-record value kept on the record (CTFd's revocable invite links): it is mixed
  into the signing key, so changing the stored value revokes every token issued with the old one.
- Every token carries its signed issue time, taken from ``timeutil.now()`` so frozen time in
  tests drives it; ``max_age`` (seconds) is checked against the same clock: a token is valid while
  ``now - issued < max_age``. ``max_age=None`` means no expiry (e.g. the agreement QR link).
"""

from __future__ import annotations

import re
from typing import Any

from flask import current_app
from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer

from wxbackend.core import timeutil

_PURPOSE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


class InvalidToken(Exception):
    """The token is forged, damaged, for another purpose or revoked."""


class ExpiredToken(InvalidToken):
    """The token is genuine but older than ``max_age``."""


class _Signer(TimestampSigner):
    """itsdangerous' timestamp signer on the platform clock (``timeutil.now()``, frozen in tests)."""

    def get_timestamp(self) -> int:
        return int(timeutil.now().timestamp())


def _serializer(purpose: str, nonce: str | None) -> URLSafeTimedSerializer:
    if not _PURPOSE.match(purpose):
        raise ValueError(f"token purpose must be a lower-case identifier, got {purpose!r}")
    # "#" cannot occur in a purpose, so (purpose, nonce) pairs never share a salt.
    salt = purpose if nonce is None else f"{purpose}#{nonce}"
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt, signer=_Signer)


def dumps(purpose: str, payload: Any, *, nonce: str | None = None) -> str:
    """Sign *payload* (JSON-able) for *purpose*, stamped with the current time."""
    return _serializer(purpose, nonce).dumps(payload)


def verify(purpose: str, token: str, *, max_age: int | None = None, nonce: str | None = None) -> Any:
    """The payload of a genuine token; raise ``ExpiredToken`` or ``InvalidToken`` otherwise."""
    try:
        payload, issued = _serializer(purpose, nonce).loads(token or "", return_timestamp=True)
    except BadData:  # a bad signature, timestamp or payload
        raise InvalidToken() from None
    if max_age is not None and (timeutil.now() - issued).total_seconds() >= max_age:
        raise ExpiredToken()
    return payload


def peek(purpose: str, token: str) -> Any | None:
    """The payload of *token* WITHOUT checking its signature, to find the record whose nonce verifies it.

    Never act on what this returns: look the record up, then ``verify`` with its nonce.
    """
    ok, payload = _serializer(purpose, None).loads_unsafe(token or "")
    return payload


def loads(purpose: str, token: str, *, max_age: int | None = None, nonce: str | None = None) -> Any | None:
    """The payload of a genuine, unexpired token for *purpose* (and *nonce*), else None."""
    try:
        return verify(purpose, token, max_age=max_age, nonce=nonce)
    except InvalidToken:
        return None
