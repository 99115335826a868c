"""The form fields of an other destination as the reviewer's edit page draws them (OD-3).

Widget and hint come from :func:`wxbackend.core.fields.form_field`, as for the employer portal and
the mini-program; the sub-kind adds only what is its own: which fields are required or read-only.
"""

from __future__ import annotations

from typing import Any

from wxbackend.core.fields import FormField, form_field
from wxbackend.destinations.catalogue import SubKind

READONLY_HINT = "取自毕业生基本信息，不可修改"


def editor_fields(kind: SubKind, values: dict[str, Any], readonly: dict[str, Any],
                  errors: dict[str, str]) -> list[FormField]:
    return [
        form_field(f.field, readonly[f.field.key] if f.field.key in readonly else values.get(f.field.key),
                   required=f.required, readonly=f.source is not None, readonly_hint=READONLY_HINT,
                   error=errors.get(f.field.key))
        for f in kind.fields
    ]
