"""API: public data the mini-program needs before and after login — notices and code lists."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import DateTime, Integer, List, Nested, String
from sqlalchemy import select

from wxbackend.accounts.models import Notice
from wxbackend.api import bp
from wxbackend.api.schemas import error_responses
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
