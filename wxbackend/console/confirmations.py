"""Console: 去向登记确认 — who of a year has not confirmed, who reported an error and why (CF-1 … CF-5).

School reviewers see the whole school, department reviewers their own department. An error report
shows its kinds, explanations and contact mobile (masked in the list, in full on the graduate's line
for calling back). The 四不准 reports (CF-6) are not here: only the platform admin reads them
(``console.violations``).
"""

from __future__ import annotations

from flask import render_template, request

from wxbackend.accounts.validation import mask_id_number, mask_phone
from wxbackend.auth.principals import staff_required, staff_user
from wxbackend.confirmation import services
from wxbackend.console.views import bp
from wxbackend.core import timeutil
from wxbackend.core.pagination import paginate
from wxbackend.reporting import services as reporting

PAGE_SIZE = 50


@bp.route("/confirmations")
@staff_required("school", "department")
def confirmations():  # type: ignore[no-untyped-def]
    user = staff_user()
    school_id = user.school_id
    assert school_id is not None
    years = reporting.years(school_id)
    raw = request.args.get("year", "")
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else (years[0] if years else timeutil.today().year)
    state = request.args.get("state", "")
    state = state if state in services.SCHOOL_STATES else ""
    department_id = user.department_id if user.role == "department" else None
    page = paginate(services.school_query(school_id, year, department_id=department_id, state=state or None),
                    request.args.get("page"), PAGE_SIZE)
    return render_template(
        "console/confirmations.html", year=year, years=sorted({*years, year}, reverse=True), state=state,
        states=services.SCHOOL_STATES, page=page,
        counts=services.school_counts(school_id, year, department_id=department_id),
        error_lines=services.error_lines, mask=mask_id_number, mask_phone=mask_phone, fmt=timeutil.fmt,
        args={k: v for k, v in {"year": year, "state": state}.items() if v})
