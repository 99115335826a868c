"""The OpenAPI document says what each operation really does, beyond what the schemas declare.

APIFlask builds the document from ``@bp.input`` / ``@bp.output`` / ``@bp.doc``. What they cannot say
is added here, once, by a spec processor:

- a download (PDF, an image) answers 200 with the file, not JSON: ``@binary("application/pdf")``;
- an upload takes ``multipart/form-data`` with one ``file`` field (and may be refused as too large,
  413): ``@multipart()``;
- every operation may answer 503 ``database_unavailable`` (the database restarting, see
  ``core/errors.py``), and every operation with a JSON body 400 (malformed or too deeply nested JSON,
  ``core/jsonlimits.py``) and 422 (the schema refused it).

``tests/test_openapi_truth.py`` drives every operation and checks each status it gets is documented.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

_BINARY = "_wx_binary"
_MULTIPART = "_wx_multipart"


def binary(*media_types: str, description: str = "文件内容") -> Callable[[Any], Any]:
    """Mark a view that answers 200 with a file of one of *media_types*."""

    def mark(view: Any) -> Any:
        setattr(view, _BINARY, (media_types, description))
        return view

    return mark


def multipart(field: str = "file", description: str = "图片：JPG、PNG 或 HEIC") -> Callable[[Any], Any]:
    """Mark a view that reads one uploaded file from the multipart field *field*."""

    def mark(view: Any) -> Any:
        setattr(view, _MULTIPART, (field, description))
        return view

    return mark


def _openapi_path(rule: str) -> str:
    import re

    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def _unwrap(view: Any) -> Any:
    while view is not None:
        if hasattr(view, _BINARY) or hasattr(view, _MULTIPART):
            return view
        view = getattr(view, "__wrapped__", None)
    return None


#: Request fields the server requires but checks itself, so that a form's every mistake comes back
#: at once (400 ``invalid_fields`` with a message per field) instead of the schema's first refusal:
#: documented as required all the same.
CHECKED_BY_THE_SERVER: dict[str, dict[str, Any]] = {
    "ViolationReportIn": {"required": ["kinds", "description"], "properties": {"kinds": {"minItems": 1}}},
}


def process(app: Flask, spec: dict[str, Any]) -> dict[str, Any]:
    schemas = spec.get("components", {}).get("schemas", {})
    for name, extra in CHECKED_BY_THE_SERVER.items():
        if name in schemas:
            schemas[name]["required"] = sorted(set(schemas[name].get("required", [])) | set(extra["required"]))
            for prop, more in extra.get("properties", {}).items():
                schemas[name].setdefault("properties", {}).setdefault(prop, {}).update(more)
    def error(description: str) -> dict[str, Any]:
        # the component APIFlask made of ErrorSchema (the routes' own error_responses name it)
        schema = {"$ref": "#/components/schemas/ErrorSchema"}
        return {"description": description, "content": {"application/json": {"schema": schema}}}

    marked: dict[tuple[str, str], Any] = {}
    for rule in app.url_map.iter_rules():
        view = _unwrap(app.view_functions.get(rule.endpoint))
        if view is not None:
            for method in rule.methods or ():
                marked[(_openapi_path(rule.rule), method.lower())] = view
    for path, operations in spec.get("paths", {}).items():
        for method, op in operations.items():
            responses = op.setdefault("responses", {})
            view = marked.get((path, method))
            if view is not None and hasattr(view, _BINARY):
                media_types, description = getattr(view, _BINARY)
                responses["200"] = {"description": description, "content": {
                    m: {"schema": {"type": "string", "format": "binary"}} for m in media_types}}
            if view is not None and hasattr(view, _MULTIPART):
                field, description = getattr(view, _MULTIPART)
                op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
                    "type": "object", "required": [field],
                    "properties": {field: {"type": "string", "format": "binary", "description": description}}}}}}
                responses.setdefault("400", error("缺少文件（missing_file）或图片无法识别、已损坏、尺寸过大"))
                responses.setdefault("413", error("上传内容过大（too_large）"))
            if "application/json" in op.get("requestBody", {}).get("content", {}):
                responses.setdefault("400", error("JSON 格式有误或嵌套过深（bad_request）"))
                responses.setdefault("422", error("请求内容不符合接口定义（invalid），fields 指出各字段"))
            responses.setdefault("503", error("数据库暂时无法访问（database_unavailable），请稍后重试"))
    return spec


def init_app(app: Any) -> None:
    @app.spec_processor
    def _process(spec: dict[str, Any]) -> dict[str, Any]:
        return process(app, spec)
