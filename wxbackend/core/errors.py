"""The one error shape of the JSON API: ``{"error": {"code", "message", "fields"}}``."""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, jsonify, request
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    """A refusal the client can act on; ``code`` is stable, ``message`` is for people."""

    status = 400

    def __init__(
        self,
        code: str,
        message: str,
        fields: dict[str, str] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}
        if status is not None:
            self.status = status

    def to_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields}}


class NotFound(ApiError):
    status = 404

    def __init__(self, message: str = "记录不存在或无权查看") -> None:
        super().__init__("not_found", message)


class Forbidden(ApiError):
    status = 403

    def __init__(self, message: str = "无权执行此操作", code: str = "forbidden") -> None:
        super().__init__(code, message)


class Unauthorized(ApiError):
    status = 401

    def __init__(self, message: str = "请先登录", code: str = "unauthorized") -> None:
        super().__init__(code, message)


class Conflict(ApiError):
    status = 409


HTTP_CODES = {
    400: ("bad_request", "请求格式有误"),
    401: ("unauthorized", "请先登录"),
    403: ("forbidden", "无权执行此操作"),
    404: ("not_found", "记录不存在或无权查看"),
    405: ("method_not_allowed", "不支持该请求方法"),
    413: ("too_large", "上传内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    422: ("invalid", "提交的内容有误"),
    429: ("rate_limited", "请求过于频繁，请稍后再试"),
    500: ("server_error", "服务器内部错误，请稍后再试"),
}


def wants_json(req: Request) -> bool:
    return req.path.startswith("/api/") or (
        req.accept_mimetypes.best == "application/json" and not req.accept_mimetypes.accept_html
    )


def flatten_fields(detail: Any, prefix: str = "") -> dict[str, str]:
    """Turn a nested validation detail into ``{"field.path": "message"}``."""
    out: dict[str, str] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key in {"json", "form", "query", "files", "headers", "path", "form_and_files"} and not prefix:
                out.update(flatten_fields(value, ""))
                continue
            path = f"{prefix}.{key}" if prefix else str(key)
            out.update(flatten_fields(value, path))
    elif isinstance(detail, list | tuple):
        if all(isinstance(x, str) for x in detail):
            out[prefix or "_"] = "；".join(_zh(x) for x in detail)
        else:
            for i, item in enumerate(detail):
                out.update(flatten_fields(item, f"{prefix}.{i}" if prefix else str(i)))
    elif detail is not None:
        out[prefix or "_"] = _zh(str(detail))
    return out


_MESSAGES = {
    "Missing data for required field.": "必填",
    "Field may not be null.": "不能为空",
    "Not a valid string.": "应为文本",
    "Not a valid integer.": "应为整数",
    "Not a valid boolean.": "应为是或否",
    "Unknown field.": "不认识的字段",
    "Invalid input type.": "类型有误",
}


def _zh(message: str) -> str:
    return _MESSAGES.get(message, message)


def init_app(app: Flask) -> None:
    """Make every API failure, ours or Flask's, use the one error shape."""

    @app.errorhandler(ApiError)
    def _api_error(err: ApiError):  # type: ignore[no-untyped-def]
        return jsonify(err.to_dict()), err.status

    def _http_error(err: HTTPException):  # type: ignore[no-untyped-def]
        if not wants_json(request):
            return err
        status = err.code or 500
        code, message = HTTP_CODES.get(status, ("error", err.description or "请求失败"))
        if status == 413:
            limit = app.config["SETTINGS"].MAX_UPLOAD_MB
            message = f"上传内容过大：单次请求不能超过 {limit} MB"
        return jsonify({"error": {"code": code, "message": message, "fields": {}}}), status

    app.register_error_handler(HTTPException, _http_error)

    if hasattr(app, "error_processor"):

        @app.error_processor  # type: ignore[attr-defined]
        def _apiflask_error(error):  # type: ignore[no-untyped-def]
            status = error.status_code
            code, message = HTTP_CODES.get(status, ("error", error.message))
            fields = flatten_fields(error.detail) if error.detail else {}
            if status in (400, 422) and fields:
                code, message = "invalid", "提交的内容有误：" + "；".join(f"{k} {v}" for k, v in fields.items())
            elif error.message and status not in HTTP_CODES:
                message = error.message
            return {"error": {"code": code, "message": message, "fields": fields}}, status, error.headers
