"""The school's direct entry of a graduate's archive or hukou info (AR-4, HK-2), and the current info shown.

The detail page of a graduate shows the current archive and hukou info with its source; a school
account enters it here, without review (``transfers.registration.enter_directly``, audited). The
graduate then has current info and may only request a change.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from wxbackend.accounts.models import Graduate
from wxbackend.accounts.modules import module_state
from wxbackend.auth.principals import staff_required, staff_user
from wxbackend.console.graduates import _visible
from wxbackend.console.views import bp
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError
from wxbackend.core.fields import form_field
from wxbackend.transfers import forms, registration, services
from wxbackend.transfers.models import MODULES


def overview(graduate: Graduate) -> list[dict[str, Any]]:
    """Per module: its name, whether it applies, the current info with its source, the open registration."""
    out = []
    for module in MODULES:
        current = services.current(graduate.id, module)
        open_record = registration.open_registration(graduate.id, module)
        state = module_state(graduate, graduate.school, module) if graduate.confirmed_at else None
        out.append({
            "module": module, "label": forms.form(module).label,
            "reason": state.reason if state is not None else None,
            "source": registration.source_label(current.source_kind) if current is not None else None,
            "since": timeutil.fmt(current.synced_at) if current is not None else None,
            "rows": [(label, value) for _k, label, value in forms.display_rows(module, current.data)
                     if value != "-"] if current is not None else [],
            "open": (forms.kind_label(module, open_record.purpose) + "（" + open_record.status_label + "）")
            if open_record is not None else None,
        })
    return out


def _render(graduate: Graduate, module: str, values: dict[str, Any], errors: dict[str, str],
            message: str | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    f = forms.form(module)
    fields = [form_field(ff.field, values.get(ff.field.key), required=ff.required, error=errors.get(ff.field.key))
              for ff in f.fields]
    current = services.current(graduate.id, module)
    return render_template("console/transfer_entry.html", graduate=graduate, module=module, label=f.label,
                           fields=fields, message=message,
                           source=registration.source_label(current.source_kind) if current else None), status


@bp.route("/graduates/<int:graduate_id>/transfers/<module>", methods=["GET", "POST"])
@staff_required("school")
def transfer_entry(graduate_id: int, module: str):  # type: ignore[no-untyped-def]
    """学校直接录入档案/户口信息: the current info becomes what is entered here (AR-4)."""
    if module not in MODULES:
        abort(404)
    graduate = _visible(graduate_id)
    if request.method == "GET":
        current = services.current(graduate.id, module)
        return _render(graduate, module, dict(current.data) if current is not None else {}, {})
    values = {ff.field.key: request.form.get(ff.field.key, "").strip() for ff in forms.form(module).fields}
    try:
        registration.enter_directly(staff_user(), graduate, module, values)
        db.session.commit()
    except ApiError as err:
        db.session.rollback()
        errors = {k.removeprefix("fields."): v for k, v in err.fields.items()}
        return _render(graduate, module, values, errors, err.message, 400 if err.status < 403 else err.status)
    flash(f"已录入{forms.form(module).label}，为该毕业生的当前{forms.form(module).label}", "success")
    return redirect(url_for("console.graduate_detail", graduate_id=graduate.id) + "#transfers")
