"""The OpenAPI 3 document, assembled from the `OPENAPI` mapping each view module declares
beside its routes, so the document and the routes change together (a test compares them)."""

import re
from functools import cache

from flask import current_app, g, jsonify, request

from services.errors import Invalid
from settings.sections import StorageSettings

from . import error_codes
from . import request as reading
from .request import known_fields

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "stable machine-readable code"},
                "message": {"type": "string", "description": "Chinese text for the user"},
            },
        }
    },
}


def error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def ok(description: str, schema: dict, status: str = "200") -> dict:
    """A success response plus the error responses every authenticated call can give."""
    return {
        status: {"description": description, "content": {"application/json": {"schema": schema}}},
        "400": error("参数错误"),
        "401": error("未登录或登录已过期"),
        "403": error("无权限"),
        "404": error("不存在"),
    }


def download(description: str, media_type: str) -> dict:
    """A file to save (Content-Disposition: attachment), plus the JSON error responses."""
    binary = {"type": "string", "format": "binary"}
    responses = ok(description, binary)
    responses["200"]["content"] = {media_type: {"schema": binary}}
    responses["200"]["headers"] = {
        "Content-Disposition": {
            "description": "attachment，中文文件名见 filename*（RFC 5987）",
            "schema": {"type": "string"},
        }
    }
    return responses


def page_of(item_schema: dict) -> dict:
    """A page of a list: the items, how many there are in all, and the page asked for."""
    return {
        "type": "object",
        "required": ["items", "total", "limit", "offset"],
        "properties": {
            "items": {"type": "array", "items": item_schema},
            "total": {"type": "integer", "minimum": 0},
            "limit": {"type": "integer"},
            "offset": {"type": "integer"},
        },
    }


def json_body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


DESCRIPTION = f"""先锋小程序接口。请求头 `Authorization: Bearer <token>`；错误一律为
`{{"error": {{"code": "...", "message": "<中文>"}}}}`，按 code 分支，message 可直接展示给用户。
每个接口只接受本文档为它列出的查询参数、JSON 请求字段和表单（multipart）字段，其他参数一律返回
400 `unknown_field`（拼错的字段不会被悄悄忽略）；每个参数只能给一次，重复给出返回 400
`repeated_field`。本文档没有列出请求体的接口不接受请求内容：不带请求体或发送空对象 `{{}}` 均可，
带任何字段返回 `unknown_field`，无法解析的 JSON 返回 `bad_json`。

照片：记录中的 `photos[].url`、`thumb_url` 是相对于接口主机的路径（如 `/api/v1/photos/...`），
使用时在前面加上主机（`https://<host>`）；链接带签名，签发后
`storage.signed_url_ttl_seconds` 秒（默认 {StorageSettings().signed_url_ttl_seconds} 秒）失效，
过期返回 403 `photo_link_invalid`，重新获取该记录即可得到新的链接。照片不需要令牌。

可据以分支的错误码（code 与 HTTP 状态，按接口分组）：

{error_codes.markdown()}
"""


def document(modules) -> dict:
    paths: dict = {}
    for module in modules:
        for path, operations in module.OPENAPI.items():
            closed = {method: _closed_body(op) for method, op in operations.items()}
            paths.setdefault(path, {}).update(closed)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "先锋 Xianfeng mini-program API",
            "version": "1",
            "description": DESCRIPTION,
        },
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


def _closed_body(operation: dict) -> dict:
    """The operation with its JSON body closed to fields it does not list
    (additionalProperties: false), as refuse_undocumented_body_fields answers them."""
    schema = _body_schema(operation)
    if schema is None or "additionalProperties" in schema:
        return operation
    content = {"application/json": {"schema": schema | {"additionalProperties": False}}}
    return operation | {"requestBody": operation["requestBody"] | {"content": content}}


def _body_schema(operation: dict) -> dict | None:
    return (
        operation.get("requestBody", {})
        .get("content", {})
        .get("application/json", {})
        .get("schema")
    )


def register(bp, modules) -> None:
    @bp.get("/openapi.json")
    def openapi_json():
        return jsonify(document(modules))

    doc = document(modules)
    refuse_undocumented_query(bp, query_names(doc))
    refuse_undocumented_body_fields(bp, body_rules(doc))


def query_names(doc: dict) -> dict[tuple[str, str], frozenset[str]]:
    """{(path, METHOD): the query parameters the operation documents} for every operation."""
    return {
        (path, method.upper()): frozenset(
            p["name"] for p in operation.get("parameters", []) if p["in"] == "query"
        )
        for path, operations in doc["paths"].items()
        for method, operation in operations.items()
    }


@cache  # asked on every request, for a few dozen rules
def path_of(rule: str, prefix: str) -> str:
    """A Flask rule as the document writes its path: /records/<int:record_id> is
    /records/{record_id}."""
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.removeprefix(prefix))


def refuse_undocumented_query(bp, allowed: dict) -> None:
    """Every operation takes the query parameters its document lists and no others, as the
    JSON bodies refuse unknown fields: a misspelt or unsupported filter (?teamid=3) would
    otherwise be answered 200 with everything, as if it had been applied. Each is given once:
    the views read the first of ?from=a&from=b, and the second would be dropped unseen. One
    rule for the whole API, read from the document, so that the two cannot disagree."""

    @bp.before_request
    def known_query_only():
        if request.url_rule is None or not request.args:
            return
        method = "GET" if request.method == "HEAD" else request.method
        names = allowed.get((path_of(request.url_rule.rule, bp.url_prefix), method))
        if names is not None:  # not an operation of the document: /openapi.json, OPTIONS
            _after_login(lambda: reading.known_query(names))


JSON, FORM, NO_BODY = "application/json", "multipart/form-data", None


def body_rules(doc: dict) -> dict[tuple[str, str], tuple[str | None, frozenset[str]]]:
    """{(path, METHOD): (the body's media type, the fields it documents)} for every
    operation: JSON or a multipart form, or NO_BODY for an operation that documents none."""
    rules = {}
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            media_type = next((m for m in (JSON, FORM) if m in content), NO_BODY)
            schema = content[media_type]["schema"] if media_type else {}
            rules[path, method.upper()] = (media_type, frozenset(schema.get("properties", {})))
    return rules


def refuse_undocumented_body_fields(bp, rules: dict) -> None:
    """Every body takes the fields its document lists and no others: a misspelt field would
    otherwise be ignored and answered 200 (POST /activities/{id}/cancel {"reasn": ...}
    cancels, for good, with no reason; a check-in's `outcom` would be lost). The same rule as
    the query's, from the same document, for JSON bodies, multipart forms (the check-in: a
    set lookup per field, no schema read per request), and operations that document no body,
    which take none (an empty JSON object too, as mini-programs often send `{}`)."""

    @bp.before_request
    def known_body_fields_only():
        if request.url_rule is None:
            return
        rule = rules.get((path_of(request.url_rule.rule, bp.url_prefix), request.method))
        if rule is not None:  # not an operation of the document: /openapi.json, OPTIONS, HEAD
            media_type, names = rule
            _BODY_CHECKS[media_type](names)


def _json_fields(names: frozenset[str]) -> None:
    """A JSON body's fields. A body that is not a JSON object is left to the view, which says
    what is wrong with it; none sent is the view's to answer too."""
    if not request.get_data():
        return
    try:
        body = reading.json_body()
    except Invalid:
        return
    _after_login(lambda: known_fields(body, names))


def _form_fields(names: frozenset[str]) -> None:
    """A multipart form's fields (another media type is the view's to refuse: 415)."""
    if request.mimetype == FORM:
        _after_login(lambda: reading.known_form(names))


def _no_body(names: frozenset[str]) -> None:
    """No body, or an empty JSON object; read after the login, so a caller without one is not
    made to wait for an upload it then cannot send."""
    if request.content_length != 0:
        _after_login(reading.empty_body)


_BODY_CHECKS = {JSON: _json_fields, FORM: _form_fields, NO_BODY: _no_body}


def _after_login(check) -> None:
    """Run an input check now for an operation anyone may call, and for one that needs a
    login once the caller is known (api.auth.requires runs g.input_checks): a caller without
    a valid token hears 401 first, as on every other mistake, not which fields exist."""
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "required_scopes", None):
        g.setdefault("input_checks", []).append(check)
    else:
        check()
