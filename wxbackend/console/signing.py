"""Console: termination requests still waiting for the other side (OT-5), with their age.

When an employer does not answer a graduate's 解约申请 (or the other way round), the school can
see it here and help (§4.2.2 note). Department reviewers see their own department's.
"""

from __future__ import annotations

from flask import render_template, request

from wxbackend.accounts.models import Department, Graduate
from wxbackend.accounts.validation import mask_id_number
from wxbackend.auth.principals import current_staff, staff_required
from wxbackend.console.views import bp
from wxbackend.core import timeutil
from wxbackend.core.codes import code_list
from wxbackend.core.pagination import paginate
from wxbackend.signing.models import PARTY_LABELS, OnlineAgreement, TerminationRequest
from wxbackend.signing.services import waiting_terminations

PAGE_SIZE = 50


@bp.route("/terminations")
@staff_required("school", "department")
def terminations():  # type: ignore[no-untyped-def]
    user = current_staff()
    assert user is not None
    page = paginate(
        waiting_terminations(user)
        .join(OnlineAgreement, OnlineAgreement.id == TerminationRequest.agreement_id)
        .join(Graduate, Graduate.id == TerminationRequest.graduate_id)
        .join(Department, Department.id == TerminationRequest.department_id)
        .add_columns(Graduate.name, Graduate.id_number, Department.name.label("department_name"),
                     OnlineAgreement.unit_name, OnlineAgreement.agreement_no,
                     OnlineAgreement.employer_info),
        request.args.get("page"),
        PAGE_SIZE,
    )
    now = timeutil.now()
    reasons = code_list("termination_reason")
    view = [{
        "graduate": r.name,
        "id_number": mask_id_number(r.id_number),
        "department": r.department_name,
        "unit_name": r.unit_name,
        "agreement_no": r.agreement_no,
        "initiator": PARTY_LABELS[r.TerminationRequest.initiator],
        "waiting_for": PARTY_LABELS[r.TerminationRequest.other_party],
        "reason": reasons.label(r.TerminationRequest.reason_code),
        "explanation": r.TerminationRequest.explanation,
        "created_at": timeutil.fmt(r.TerminationRequest.created_at),
        "age_days": (now - r.TerminationRequest.created_at).days,
        "contact": " ".join(x for x in ((r.employer_info or {}).get("contact_name"),
                                        (r.employer_info or {}).get("contact_mobile")
                                        or (r.employer_info or {}).get("contact_phone")) if x),
    } for r in page.items]
    return render_template("console/terminations.html", user=user, rows=view, page=page)
