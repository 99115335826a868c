"""The one username and password rule of every account (≥ 8 characters, letters and digits), and changing one's own.

Employers (portal) and reviewers (console) share it; a password somebody else set
(:func:`generate`) is marked ``must_change_password`` by the caller.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import User
from wxbackend.core import audit

#: Usernames of every account (staff and employer).
USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{4,32}$")
PASSWORD_MIN = 8
PASSWORD_MAX = 128
#: Characters of generated passwords: no 0/O, 1/l/I, so they can be read out over the phone.
_LETTERS = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
_DIGITS = "23456789"


def password_errors(password: str, confirm: str, field: str = "password") -> dict[str, str]:
    """The password rules (≥ 8 characters, letters and digits) and the confirmation."""
    if len(password) < PASSWORD_MIN:
        return {field: f"密码至少{PASSWORD_MIN}位" if password else "请设置密码"}
    if len(password) > PASSWORD_MAX:
        return {field: f"密码不能超过{PASSWORD_MAX}位"}
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        return {field: "密码须同时包含字母和数字"}
    if password != confirm:
        return {f"{field}_confirm": "两次输入的密码不一致"}
    return {}


def generate(length: int = 12) -> str:
    """A random one-time password that passes :func:`password_errors`."""
    alphabet = _LETTERS + _DIGITS
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if not password_errors(candidate, candidate):
            return candidate


def end_sessions(user: User) -> None:
    """End every session of *user* (the session id carries this version)."""
    user.session_version = (user.session_version or 1) + 1


def change_own_password(user: User, form: Any, action: str) -> dict[str, str]:
    """Check the current password and the new one (twice); on success set it and end the other sessions.

    Returns {field: message} (nothing changed) or {} (changed, audited as *action*; the caller
    commits and renews its own session).
    """
    current = form.get("current_password") or ""
    if not user.check_password(current):
        return {"current_password": "当前密码不正确" if current else "请输入当前密码"}
    new = form.get("new_password") or ""
    errors = password_errors(new, form.get("new_password_confirm") or "", field="new_password")
    if not errors and new == current:
        errors = {"new_password": "新密码不能与当前密码相同"}
    if errors:
        return errors
    user.set_password(new)
    user.must_change_password = False
    end_sessions(user)
    audit.record(actor_for(user), action, object_type="user", object_id=user.id, school_id=user.school_id)
    return {}
