"""What a report says of each graduate (RP-1, RP-3): one flat dict of national codes, built in bulk.

:func:`build` reads a school's graduates of one graduation year with a fixed number of queries (graduates
with their majors, the current-destination claims, the three kinds of destination record a claim may
point to, the current archive and hukou info) and returns ``{graduate id: data}``. Keys:

* basic info: school_code, student_no, name, id_number, gender, education, major_code, major_name,
  training_mode, origin_region, graduate_ym;
* destination (empty when there is none): destination_source (the kind holding the claim),
  destination_code, destination_label (the sub-kind's name, as the graduate confirms it, CF-1), unit_name,
  credit_code, unit_nature, industry, unit_region, job_category, admit_school;
* archive and hukou: the form keys of ``transfer_registration`` (archive_transfer_type, archive_unit_name,
  …, hukou_address) from the current info, whatever its source (AR-4).

A value that is missing is left out, so two snapshots compare equal exactly when the info is the same.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select

from wxbackend.accounts.models import Graduate, Major, School
from wxbackend.core.db import db
from wxbackend.destinations import catalogue
from wxbackend.destinations.models import DestinationClaim, OtherDestination
from wxbackend.signing.models import OfflineAgreement, OnlineAgreement
from wxbackend.transfers.forms import form
from wxbackend.transfers.models import TransferInfo

#: Code of 签就业协议书就业 (online, offline and paper agreements).
AGREEMENT_CODE = "10"
AGREEMENT_LABEL = "签就业协议书就业"
_DESTINATION_KEYS = ("unit_name", "credit_code", "unit_nature", "industry", "unit_region", "job_category",
                     "admit_school")


def digest(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def year_filter(school_id: int, year: int, graduate_ids: list[int] | None = None) -> Any:
    """The graduates a school reports for *year*: not deleted, 毕业年月 in that year (only *graduate_ids*)."""
    where = (Graduate.school_id == school_id, Graduate.graduate_ym.like(f"{year:04d}%"),
             Graduate.deleted_at.is_(None))
    return where if graduate_ids is None else (*where, Graduate.id.in_(graduate_ids))


def _subkind_label(key: str) -> str:
    kind = catalogue.subkind(key)
    return kind.label if kind else key


def _basic(g: Graduate, school_code: str, major: Major) -> dict[str, Any]:
    return {"school_code": school_code, "student_no": g.student_no, "name": g.name, "id_number": g.id_number,
            "gender": g.gender, "education": g.education, "major_code": major.code, "major_name": major.name,
            "training_mode": g.training_mode, "origin_region": g.origin_region, "graduate_ym": g.graduate_ym}


def _destinations(school_id: int, year: int, ids: list[int] | None) -> dict[int, dict[str, Any]]:
    claims = list(db.session.execute(
        select(DestinationClaim.graduate_id, DestinationClaim.kind, DestinationClaim.subject_id)
        .join(Graduate, Graduate.id == DestinationClaim.graduate_id).where(*year_filter(school_id, year, ids))))
    by_kind: dict[str, list[int]] = {}
    for _gid, kind, subject_id in claims:
        by_kind.setdefault(kind, []).append(subject_id)
    found: dict[tuple[str, int], dict[str, Any]] = {}
    if by_kind.get("other_destination"):
        for r in db.session.scalars(select(OtherDestination).where(
                OtherDestination.school_id == school_id, OtherDestination.id.in_(by_kind["other_destination"]))):
            found[("other_destination", r.id)] = {"destination_code": r.destination_code,
                                                  "destination_label": _subkind_label(r.subkind), **r.fields}
    if by_kind.get("online_agreement"):
        for a in db.session.scalars(select(OnlineAgreement).where(
                OnlineAgreement.school_id == school_id, OnlineAgreement.id.in_(by_kind["online_agreement"]))):
            info = a.employer_info
            found[("online_agreement", a.id)] = {
                "destination_code": AGREEMENT_CODE, "destination_label": AGREEMENT_LABEL, "unit_name": info.get("name"),
                "credit_code": info.get("credit_code"),
                "unit_nature": info.get("unit_nature"), "industry": info.get("industry"),
                "unit_region": a.terms.get("work_region") or info.get("address_region"),
                "job_category": a.terms.get("job_category")}
    offline_ids = by_kind.get("offline_agreement", []) + by_kind.get("paper_agreement", [])
    if offline_ids:
        for o in db.session.scalars(select(OfflineAgreement).where(
                OfflineAgreement.school_id == school_id, OfflineAgreement.id.in_(offline_ids))):
            unit = o.unit_info
            kind = "paper_agreement" if o.mode == "paper" else "offline_agreement"
            found[(kind, o.id)] = {
                "destination_code": AGREEMENT_CODE, "destination_label": AGREEMENT_LABEL,
                "unit_name": unit.get("unit_name"),
                "credit_code": unit.get("credit_code"), "unit_nature": unit.get("unit_nature"),
                "industry": unit.get("industry"),
                "unit_region": o.terms.get("work_region") or unit.get("address_region"),
                "job_category": o.terms.get("job_category")}
    out: dict[int, dict[str, Any]] = {}
    for gid, kind, subject_id in claims:
        values = found.get((kind, subject_id))
        if values is not None:
            out[gid] = {"destination_source": kind, "destination_code": values.get("destination_code"),
                        "destination_label": values.get("destination_label"),
                        **{k: values.get(k) for k in _DESTINATION_KEYS}}
    return out


def _transfers(school_id: int, year: int, ids: list[int] | None) -> dict[int, dict[str, Any]]:
    keys = {m: [f.field.key for f in form(m).fields if not f.field.key.endswith("_remark")]
            for m in ("archive", "hukou")}
    out: dict[int, dict[str, Any]] = {}
    for gid, module, data in db.session.execute(
            select(TransferInfo.graduate_id, TransferInfo.module, TransferInfo.data)
            .join(Graduate, Graduate.id == TransferInfo.graduate_id)
            .where(TransferInfo.status == "current", *year_filter(school_id, year, ids))):
        out.setdefault(gid, {}).update({k: (data or {}).get(k) for k in keys.get(module, [])})
    return out


def build(school_id: int, year: int, graduate_ids: list[int] | None = None) -> dict[int, dict[str, Any]]:
    """{graduate id: snapshot data} for every graduate *school_id* reports for *year* (or only *graduate_ids*)."""
    school_code = db.session.scalar(select(School.code).where(School.id == school_id)) or ""
    destinations = _destinations(school_id, year, graduate_ids)
    transfers = _transfers(school_id, year, graduate_ids)
    out: dict[int, dict[str, Any]] = {}
    for g, major in db.session.execute(select(Graduate, Major).join(Major, Major.id == Graduate.major_id)
                                       .where(*year_filter(school_id, year, graduate_ids)).order_by(Graduate.id)):
        data = {**_basic(g, school_code, major), **destinations.get(g.id, {}), **transfers.get(g.id, {})}
        out[g.id] = {k: v for k, v in data.items() if v not in (None, "")}
    return out
