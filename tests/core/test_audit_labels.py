"""Every audit action the code records has a Chinese label.

Logs never show raw codes such as ``employer.find_graduate``.
"""

from __future__ import annotations

import re
from pathlib import Path

from wxbackend.core import audit
from wxbackend.review.models import ACTION_LABELS as REVIEW_ACTIONS

SOURCE = Path(__file__).resolve().parents[2] / "wxbackend"
#: A dotted action name in quotes inside a call that records an audit event (or the helpers that pass one on).
LITERAL = re.compile(r'"([a-z_]+\.[a-z_]+)"')
CALLS = ("audit.record(", "audit.record_select(", "_event(actor", "check_account_login(", "sign_in_account(")


def _recorded_actions() -> set[str]:
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for call in CALLS:
            for m in re.finditer(re.escape(call), text):
                found.update(LITERAL.findall(text[m.start():m.start() + 240].split(")\n")[0]))
    return found


def _import_every_module() -> None:
    """Modules register their labels when imported; import all, whatever ran before this test."""
    import importlib
    import pkgutil

    import wxbackend

    for info in pkgutil.walk_packages(wxbackend.__path__, "wxbackend."):
        if ".migrations" not in info.name:
            importlib.import_module(info.name)


def test_every_recorded_action_has_a_label() -> None:
    _import_every_module()
    actions = _recorded_actions()
    assert "employer.find_graduate" in actions and "signing.invite" in actions  # the scan sees the calls
    missing = sorted(a for a in actions if a not in audit.ACTION_LABELS)
    assert not missing, f"audit actions without a Chinese label: {missing}"


def test_review_engine_actions_have_labels() -> None:
    for action in REVIEW_ACTIONS:
        assert f"review.{action}" in audit.ACTION_LABELS


def test_label_of_an_unknown_action_is_not_its_code() -> None:
    assert audit.action_label("employer.find_graduate") == "用人单位查找毕业生"
    assert audit.action_label("something.new") == "其他操作"
    assert re.search(r"[a-z]", audit.action_label("destination.remove_attachment")) is None
