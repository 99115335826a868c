"""API: search the directory of 档案接收单位 for the archive form's 档案转递单位名称 (AR-7).

Thin over ``transfers.directory.search``: the graduate's school decides which entries are visible
(the platform's and the school's own).
"""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Integer, List, Nested, String
from apiflask.validators import Length, Range
from flask import g

from wxbackend.accounts.models import Graduate
from wxbackend.api import bp
from wxbackend.api.schemas import error_responses
from wxbackend.auth.tokens import token_required
from wxbackend.transfers import directory


class OfficesQuery(Schema):
    q = String(load_default="", validate=Length(max=50), metadata={"description": "单位名称（前缀优先）或地区名称"})
    region = String(load_default="", validate=Length(max=50),
                    metadata={"description": "只查该地区及其下级地区：6位行政区划代码或全称"})
    limit = Integer(load_default=20, validate=Range(1, 50))


class OfficeSchema(Schema):
    id = Integer()
    name = String()
    region_code = String()
    region_name = String()
    address = String()
    postcode = String()
    contact = String()
    phone = String()
    scope = String(metadata={"description": "platform：平台通用；school：本校添加"})


class OfficesOut(Schema):
    items = List(Nested(OfficeSchema))


@bp.get("/receiving-offices")
@bp.input(OfficesQuery, location="query", arg_name="query")
@bp.output(OfficesOut)
@bp.doc(summary="搜索档案接收单位（档案转递单位名称：点击搜索或直接填写）", tags=["毕业生"], security="BearerAuth",
        description="名称前缀匹配在前，其次名称或地区名称包含关键字（AR-7）；可见平台通用和本校的单位。",
        responses=error_responses(_401="未登录、令牌过期或已注销"))
@token_required
def receiving_offices(query: dict[str, Any]) -> dict[str, Any]:
    graduate: Graduate = g.graduate
    offices = directory.search(query["q"], query["region"] or None, graduate.school_id, query["limit"])
    return {"items": [directory.as_dict(o) for o in offices]}
