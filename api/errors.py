"""The one JSON error shape: {"error": {"code": ..., "message": ...}} with a fitting status."""

import logging

import peewee
from flask import jsonify, request
from werkzeug.exceptions import HTTPException

from services.errors import DomainError

log = logging.getLogger(__name__)

# Chinese messages for the HTTP errors Flask raises before a view runs.
HTTP_MESSAGES = {
    400: "请求格式不正确。",
    401: "请先登录。",
    403: "您没有权限进行此操作。",
    404: "请求的内容不存在。",
    405: "不支持该请求方式。",
    413: "上传的内容太大。",
    429: "操作太频繁，请稍后再试。",
}


def error_response(status: int, code: str, message: str):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def register_error_handlers(app) -> None:
    """Answer every API failure with the JSON shape, and other paths in plain Chinese text."""

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        return error_response(exc.status, exc.code, exc.message)

    @app.errorhandler(peewee.OperationalError)
    def _database_down(exc):
        log.error("database unavailable on %s %s: %s", request.method, request.path, exc)
        if not _wants_json():
            return "系统繁忙，请稍后再试。", 503
        return error_response(503, "unavailable", "系统繁忙，请稍后再试。")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.code is None or exc.code < 400:  # a redirect the router asks for
            return exc
        message = HTTP_MESSAGES.get(exc.code, "请求无法处理。")
        if not _wants_json():
            headers = {**dict(exc.get_headers()), "Content-Type": "text/plain; charset=utf-8"}
            return message, exc.code, headers  # a 405 keeps its Allow
        return error_response(exc.code, exc.name.lower().replace(" ", "_"), message)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise exc
        log.exception("unhandled error on %s %s", request.method, request.path)
        if not _wants_json():
            return "服务暂时出现问题，请稍后再试。", 500
        return error_response(500, "internal_error", "服务暂时出现问题，请稍后再试。")
