"""Public numbers people read out, type in and look up: 转递编号, later 核验编号 (AR-9, VA-6, VA-7).

A number is ``prefix + body + check``: the body is random (``secrets``, so it can be neither guessed
nor enumerated from another number, VA-7), base-36 upper case (``0-9A-Z``); the check character is
ISO 7064 Mod 37,36 over prefix and body, computed by python-stdnum (the same library that checks
身份证号 and 统一社会信用代码), so one mistyped character or two swapped neighbours are caught
before any lookup. The canonical form has no separators; :func:`display` groups it in fours for
people, and :func:`normalise` takes back whatever people type (lower case, spaces, dashes, 全角).

A body of 12 characters carries 62 bits: a guesser who may try a thousand numbers a day (the
lookup is rate-limited) meets one of ten million issued numbers about once in a million years (36^12 ≈ 4.7·10^18).
"""

from __future__ import annotations

import re
import secrets
import unicodedata

from stdnum.iso7064 import mod_37_36

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: What people put between groups, and stray white space.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_.·]+")
_VALID = re.compile(r"[0-9A-Z]+")


def new(prefix: str, length: int = 12, *, grouped: bool = False) -> str:
    """A fresh number: *prefix* (letters/digits, part of the checked text), *length* random characters
    and the check character; canonical (no separators) unless *grouped*."""
    prefix = normalise(prefix)
    if length < 1:
        raise ValueError("length must be at least 1")
    body = prefix + "".join(secrets.choice(ALPHABET) for _ in range(length))
    number = body + mod_37_36.calc_check_digit(body)
    return display(number) if grouped else number


def normalise(number: str) -> str:
    """The canonical form of what someone typed: NFKC (全角 → 半角), upper case, no spaces or dashes."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", number or "")).upper()


def is_valid(number: str, prefix: str | None = None, length: int | None = None) -> bool:
    """Whether *number* (in any typed form) is well formed and its check character fits; optionally
    also that it starts with *prefix* and has a body of *length* characters."""
    value = normalise(number)
    if len(value) < 2 or not _VALID.fullmatch(value):
        return False
    if prefix is not None and not value.startswith(normalise(prefix)):
        return False
    if length is not None and len(value) != len(normalise(prefix or "")) + length + 1:
        return False
    return bool(mod_37_36.is_valid(value))


def display(number: str, group: int = 4) -> str:
    """*number* in groups of *group* characters joined by dashes, for print and screens."""
    value = normalise(number)
    return "-".join(value[i:i + group] for i in range(0, len(value), group))
