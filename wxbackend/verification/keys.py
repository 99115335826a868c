"""The keys that sign the verification reports' QR codes (VA-9): Ed25519, JWS compact (joserfc), with key ids.

The private keys live in one JSON file (``Settings.QR_KEYS_FILE``, created with a first key on first
use): ``{"current": kid, "keys": [private JWK, …]}``. :func:`rotate` adds a key and makes it current;
older keys stay, so QR codes printed before a rotation still verify. The public half of every key
is published as a JWKS (``/.well-known/jwks.json``); with that file a verifier checks a QR payload
without any network (``flask --app wxbackend verify-qr``).

The algorithm is named ``Ed25519`` (RFC 9864's fully specified name for EdDSA over Ed25519).
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from pathlib import Path
from typing import Any

from flask import current_app
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OKPKey

ALG = "Ed25519"
_lock = threading.Lock()


class InvalidSignature(Exception):
    """A QR payload whose signature does not hold; ``reason`` is unknown_key, bad_signature or malformed."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def keys_path() -> Path:
    settings = current_app.config["SETTINGS"]
    if settings.QR_KEYS_FILE:
        return Path(settings.QR_KEYS_FILE)
    return Path(settings.STORAGE_DIR).resolve().parent / "qr_keys.json"


def _new_key() -> OKPKey:
    kid = "qr-" + secrets.token_hex(4)
    return OKPKey.generate_key("Ed25519", parameters={"kid": kid, "alg": ALG, "use": "sig"}, private=True)


def _write(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
    os.replace(tmp, path)


def _create_first(path: Path) -> None:
    """The first key, written only if no other process wrote one meanwhile (a hard link cannot overwrite)."""
    key = _new_key()
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.new")
    _write(tmp, {"current": key.kid, "keys": [key.as_dict(private=True)]})
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass  # another worker was first: its key is the one
    finally:
        tmp.unlink(missing_ok=True)


def _load() -> dict[str, Any]:
    path = keys_path()
    with _lock:
        if not path.exists():
            _create_first(path)
        return json.loads(path.read_text(encoding="utf-8"))


def private_keys() -> KeySet:
    return KeySet.import_key_set({"keys": _load()["keys"]})


def current_kid() -> str:
    return str(_load()["current"])


def public_jwks() -> dict[str, Any]:
    """The JWKS to publish: every key's public half, the current one first."""
    data = _load()
    keys = sorted(data["keys"], key=lambda k: k.get("kid") != data["current"])
    return KeySet.import_key_set({"keys": keys}).as_dict(private=False)


def rotate() -> str:
    """Add a new key and make it current; return its kid."""
    data = _load()
    key = _new_key()
    with _lock:
        _write(keys_path(), {"current": key.kid, "keys": [*data["keys"], key.as_dict(private=True)]})
    return str(key.kid)


def sign(claims: dict[str, Any]) -> str:
    """The JWS compact serialisation of *claims* (compact JSON) with the current key."""
    kid = current_kid()
    key = private_keys().get_by_kid(kid)
    payload = json.dumps(claims, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    return jws.serialize_compact({"alg": ALG, "kid": kid}, payload, key, algorithms=[ALG])


def verify(token: str, jwks: dict[str, Any] | None = None) -> tuple[dict[str, Any], str]:
    """(claims, kid) of a signed QR payload, checked against *jwks* (default: this platform's keys)."""
    keyset = KeySet.import_key_set(jwks if jwks is not None else public_jwks())
    try:
        header = jws.extract_compact(token.encode()).headers()
    except (JoseError, ValueError, UnicodeError):
        raise InvalidSignature("malformed", "不是有效的核验二维码内容") from None
    kid = header.get("kid")
    if header.get("alg") != ALG or not isinstance(kid, str):
        raise InvalidSignature("malformed", "不是有效的核验二维码内容")
    try:
        key = keyset.get_by_kid(kid)
    except (JoseError, ValueError, KeyError):
        raise InvalidSignature("unknown_key", f"未知的签名密钥（{kid[:20]}）") from None
    try:
        obj = jws.deserialize_compact(token, key, algorithms=[ALG])
        claims = json.loads(obj.payload)
    except (JoseError, ValueError, UnicodeError):
        raise InvalidSignature("bad_signature", "签名无效：二维码内容已被改动或不是本平台签发") from None
    if not isinstance(claims, dict):
        raise InvalidSignature("malformed", "不是有效的核验二维码内容")
    return claims, kid
