"""Where file bytes live: a small interface with a local-folder implementation.

Keys are relative, slash-separated names such as ``images/2026/11/3f2a….jpg``. Every
key is checked before use: only ``[A-Za-z0-9._-]`` segments, no empty, ``.`` or ``..``
segment, no leading slash — so no key can reach outside the storage root.
"""

from __future__ import annotations

import os
import re
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path

from flask import current_app

_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")


class StorageKeyError(ValueError):
    """A key that is not a safe relative name."""


def check_key(key: str) -> str:
    if not isinstance(key, str) or not key or len(key) > 300:
        raise StorageKeyError(f"invalid storage key {key!r}")
    parts = key.split("/")
    for part in parts:
        if part in {"", ".", ".."} or not _SEGMENT.match(part):
            raise StorageKeyError(f"invalid storage key {key!r}")
    return key


class Storage(ABC):
    """The storage interface every upload goes through."""

    @abstractmethod
    def put(self, key: str, data: bytes) -> None:
        """Store *data* under *key*, replacing any previous content atomically."""

    @abstractmethod
    def get(self, key: str) -> bytes:
        """Return the bytes under *key*; ``FileNotFoundError`` when absent."""

    def open(self, key: str):  # type: ignore[no-untyped-def]
        """A readable binary file object for *key* (default: an in-memory copy)."""
        import io

        return io.BytesIO(self.get(key))

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove *key*; a missing key is not an error."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...


class LocalStorage(Storage):
    """Files in a local folder (``Settings.STORAGE_DIR``)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()

    def path(self, key: str) -> Path:
        check_key(key)
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):  # belt and braces (symlinks)
            raise StorageKeyError(f"invalid storage key {key!r}")
        return path

    def put(self, key: str, data: bytes) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def open(self, key: str):  # type: ignore[no-untyped-def]
        return self.path(key).open("rb")

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()


def get_storage() -> Storage:
    """The storage of the current app (one instance per app, created on first use)."""
    storage = current_app.extensions.get("wx_storage")
    if storage is None:
        storage = LocalStorage(current_app.config["SETTINGS"].STORAGE_DIR)
        current_app.extensions["wx_storage"] = storage
    return storage
