"""API: public data the mini-program needs before and after login — notices, code lists and regions."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import DateTime, Integer, List, Nested, String
from apiflask.validators import Length
from sqlalchemy import select

from wxbackend.accounts.models import Notice
from wxbackend.api import bp
from wxbackend.api.schemas import error_responses
from wxbackend.core import regions
from wxbackend.core.codes import all_lists, code_list
from wxbackend.core.db import db
from wxbackend.core.errors import NotFound


class NoticeSchema(Schema):
    id = Integer()
    title = String()
    body = String()
    created_at = DateTime()


class NoticesOut(Schema):
    items = List(Nested(NoticeSchema))


class CodeSchema(Schema):
    code = String()
    label = String()


class CodeListOut(Schema):
    name = String()
    items = List(Nested(CodeSchema))


class CodeListsOut(Schema):
    names = List(String())


class RegionsQuery(Schema):
    parent = String(load_default="", validate=Length(max=6),
                    metadata={"description": "上级地区的 code；空为省级"})


class RegionSchema(Schema):
    code = String(metadata={"description": "查询下一级时作为 parent"})
    name = String()
    value = String(metadata={"description": "选中后作为地址的行政区划代码（直辖市的市级一项为省级代码）"})


class RegionsOut(Schema):
    items = List(Nested(RegionSchema))


@bp.get("/notices")
@bp.output(NoticesOut)
@bp.doc(summary="通知公告", tags=["公共"])
def notices() -> dict[str, Any]:
    rows = db.session.scalars(
        select(Notice).where(Notice.published.is_(True)).order_by(Notice.created_at.desc(), Notice.id.desc()).limit(50)
    )
    return {"items": list(rows)}


@bp.get("/codes")
@bp.output(CodeListsOut)
@bp.doc(summary="代码表名称", tags=["公共"])
def code_lists() -> dict[str, Any]:
    return {"names": sorted(all_lists())}


@bp.get("/codes/<name>")
@bp.output(CodeListOut)
@bp.doc(summary="一个代码表（单位性质、单位行业、职位类别等）", tags=["公共"],
        responses=error_responses(_404="没有该代码表"))
def codes(name: str) -> dict[str, Any]:
    try:
        entries = code_list(name)
    except KeyError:
        raise NotFound(f"没有名为 {name} 的代码表") from None
    return {"name": name, "items": [{"code": c.code, "label": c.label} for c in entries]}


@bp.get("/regions")
@bp.input(RegionsQuery, location="query", arg_name="query")
@bp.output(RegionsOut)
@bp.doc(summary="行政区划（省 → 市 → 区县，GB/T 2260）：地址选择器的下一级", tags=["公共"],
        description="与网页端地址选择器同一份数据（core.regions）；校验仍以后端为准。")
def region_children(query: dict[str, Any]) -> dict[str, Any]:
    return {"items": [r._asdict() for r in regions.children(query["parent"].strip())]}
