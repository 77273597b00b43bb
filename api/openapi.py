"""The OpenAPI 3 document, assembled from the `OPENAPI` mapping each view module declares
beside its routes, so the document and the routes change together (a test compares them)."""

from flask import jsonify

from settings.sections import StorageSettings

from . import error_codes

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
            paths.setdefault(path, {}).update(operations)
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


def register(bp, modules) -> None:
    @bp.get("/openapi.json")
    def openapi_json():
        return jsonify(document(modules))
