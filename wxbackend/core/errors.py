"""Every failure, in the shape its reader expects.

The JSON API (``/api/…``) always answers ``{"error": {"code", "message", "fields"}}``; a browser
always gets a Chinese page (``templates/errors/error.html``) with a link to the home of whoever is
asking — also for an :class:`ApiError` a domain service raised under a browser route. Who is asking
is told by the auth layer through :func:`describe_visitor` (core knows no accounts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Request, current_app, jsonify, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from wxbackend.core import requestid


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


MSG_DATABASE_UNAVAILABLE = "数据库暂时无法访问，请稍后再试"

#: Browser page title and explanation per status (the API uses ``HTTP_CODES``).
PAGE_TEXTS = {
    400: ("请求有误", "提交的内容格式有误，请返回上一页检查后重试。"),
    401: ("请先登录", "此页面需要登录后才能查看。"),
    403: ("无权访问", "您的账号无权查看此页面或执行此操作。"),
    404: ("页面不存在", "您访问的页面不存在，或您无权查看。请检查网址是否正确。"),
    405: ("不支持的访问方式", "此页面不能以这种方式打开，请从页面上的链接或按钮进入。"),
    409: ("操作未完成", "记录已被他人修改或状态已变化，请刷新页面后重试。"),
    413: ("上传内容过大", "上传的文件过大。"),
    415: ("不支持的内容类型", "提交的内容类型不受支持。"),
    422: ("提交的内容有误", "提交的内容有误，请返回上一页检查后重试。"),
    429: ("请稍后再试", "操作过于频繁，请稍后再试。"),
    500: ("系统繁忙", "服务器处理请求时出错，我们已记录此问题。请稍后再试；如多次出现，请联系学校就业管理部门。"),
    502: ("服务暂时不可用", "依赖的外部服务暂时无法访问，请稍后再试。"),
    503: ("服务暂时不可用", "该服务暂未开通或正在维护，请稍后再试。"),
}


@dataclass(frozen=True)
class Visitor:
    """Who is asking, as an error page needs it: where their home is and how to leave."""

    #: ``reviewer``, ``employer``, ``graduate`` or ``anonymous``.
    kind: str
    home_url: str
    home_label: str
    #: "以用人单位身份（某某公司）" — shown on the wrong-portal page; empty for anonymous visitors.
    identity: str = ""
    logout_url: str | None = None
    #: The login page for this request's portal (a 401 page links it).
    login_url: str | None = None
    #: Set when the page belongs to another portal: what to tell the visitor instead of "no access".
    elsewhere: str | None = None


#: ``app.extensions`` key of the function that describes the visitor (registered by the auth layer).
VISITOR = "wx_error_visitor"


def describe_visitor(app: Flask, describe: Callable[[], Visitor]) -> None:
    """Register who is asking, for the home link and the wrong-portal text of error pages."""
    app.extensions[VISITOR] = describe


def _visitor() -> Visitor:
    describe = current_app.extensions.get(VISITOR)
    if describe is not None:
        try:
            return describe()  # type: ignore[no-any-return]
        except Exception:  # an error page must not fail because the session cannot be read
            current_app.logger.exception("describing the visitor of an error page failed")
    return Visitor("anonymous", url_for("home.index") if "home.index" in current_app.view_functions else "/",
                   "返回平台首页")


def error_page(status: int, message: str | None = None, title: str | None = None,
               headers: dict[str, str] | None = None) -> Any:
    """The browser page for *status*: a title, what happened, and a link to the visitor's home."""
    default_title, default_text = PAGE_TEXTS.get(status, ("请求未完成", "请求未能完成，请稍后再试。"))
    visitor = _visitor()
    wrong_portal = status == 403 and visitor.elsewhere is not None
    html = render_template(
        "errors/error.html", status=status, title=title or ("请使用对应的账号" if wrong_portal else default_title),
        message=visitor.elsewhere if wrong_portal else (message or default_text), visitor=visitor,
        wrong_portal=wrong_portal, request_id=requestid.current())
    return html, status, {"Cache-Control": "no-store", **(headers or {})}


def json_error(status: int, code: str, message: str, fields: dict[str, str] | None = None,
               headers: dict[str, str] | None = None) -> Any:
    return jsonify({"error": {"code": code, "message": message, "fields": fields or {}}}), status, headers or {}


def too_large_message() -> str:
    return f"上传内容过大：单次请求不能超过 {current_app.config['SETTINGS'].MAX_UPLOAD_MB} MB"


def http_error_response(err: HTTPException) -> Any:
    """What a browser or an API client gets for *err* (also for blueprints that handle some cases first)."""
    status = err.code or 500
    if status < 400:
        return err
    allowed = getattr(err, "valid_methods", None)
    headers = {"Allow": ", ".join(allowed)} if status == 405 and allowed else None
    if wants_json(request):
        code, message = HTTP_CODES.get(status, ("error", err.description or "请求失败"))
        return json_error(status, code, too_large_message() if status == 413 else message, headers=headers)
    message = title = None
    if status == 413:
        message = too_large_message() + "。请压缩或拆分后重新上传。"
    elif isinstance(err, CSRFError):
        title = "页面已过期"
        message = "页面已过期或安全校验未通过，请刷新页面后重新提交（如已退出登录，请重新登录）。"
    return error_page(status, message, title, headers=headers)


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
    """Give every failure, ours or Flask's, the JSON shape on the API and the error page in a browser."""

    @app.errorhandler(ApiError)
    def _api_error(err: ApiError):  # type: ignore[no-untyped-def]
        if wants_json(request):
            return jsonify(err.to_dict()), err.status
        return error_page(err.status, err.message)

    @app.errorhandler(InternalServerError)
    def _server_error(err: InternalServerError):  # type: ignore[no-untyped-def]
        # Flask has logged the traceback of an unhandled exception (``log_exception``) before this runs;
        # log the explicit abort(500)s too, and show neither a traceback
        if err.original_exception is None:
            app.logger.error("500 on %s %s: %s", request.method, request.path, err.description)
        if wants_json(request):
            code, message = HTTP_CODES[500]
            return json_error(500, code, message)
        return error_page(500)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_unavailable(err: Exception):  # type: ignore[no-untyped-def]
        # PostgreSQL restarting, failing over or refusing connections (or SQLite busy): a clean 503
        # the client may retry; the pool's pre-ping replaces the dead connections once it is back
        app.logger.warning("database unavailable on %s %s: %s", request.method, request.path,
                           str(err).splitlines()[0][:200])
        try:
            from wxbackend.core.db import db

            db.session.rollback()
        except Exception:  # the connection is gone: drop it without the rollback it cannot take
            try:
                db.session().invalidate()
            except Exception:
                app.logger.exception("invalidating the dropped session failed")
        headers = {"Retry-After": "5", "Cache-Control": "no-store"}
        if wants_json(request):
            return json_error(503, "database_unavailable", MSG_DATABASE_UNAVAILABLE, headers=headers)
        return error_page(503, MSG_DATABASE_UNAVAILABLE + "。", headers=headers)

    if hasattr(app, "error_processor"):

        @app.error_processor  # type: ignore[attr-defined]
        def _apiflask_error(error):  # type: ignore[no-untyped-def]
            status = error.status_code
            if not wants_json(request):
                return error_page(status, error.message if status not in HTTP_CODES else None)
            code, message = HTTP_CODES.get(status, ("error", error.message))
            fields = flatten_fields(error.detail) if error.detail else {}
            if status in (400, 422) and fields:
                code, message = "invalid", "提交的内容有误：" + "；".join(f"{k} {v}" for k, v in fields.items())
            elif error.message and status not in HTTP_CODES:
                message = error.message
            return {"error": {"code": code, "message": message, "fields": fields}}, status, error.headers

    # after error_processor, which (re)registers APIFlask's JSON-only handler for every HTTPException
    app.register_error_handler(HTTPException, http_error_response)
