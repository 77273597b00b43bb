"""The roster import from the office dashboard (名单导入): the blank template to download, and
the workbook to check (dry run) or import. Thin views: the bounds, the digest rule and the
audit are in services.roster_upload; the checks and the import are the command's own."""

from flask import current_app, jsonify, request

from services import clock, roster_upload
from services.errors import Invalid
from services.roster_import import ImportResult, format_verdict
from services.roster_template import template_bytes
from services.xlsx import MEDIA_TYPE, Export

from . import bp, openapi
from .auth import actor, requires
from .checkins import NotAForm
from .exports import xlsx_response
from .request import FLAGS, form_value


@bp.get("/office/roster/template.xlsx")
@requires("office")
def roster_template():
    return xlsx_response(Export("名单导入模板.xlsx", "roster-template.xlsx", template_bytes(), 0))


@bp.post("/office/roster/import")
@requires("office")
def import_roster():
    if request.mimetype != "multipart/form-data":  # a workbook only travels in a form
        raise NotAForm("请以表单（multipart/form-data）上传名单文件。")
    dry_run = _dry_run()
    digest = form_value("digest", str, required=False)
    rules = current_app.config["SETTINGS"].rules
    outcome = roster_upload.import_upload(
        actor(),
        _upload(),
        dry_run,
        digest,
        (rules.team_size_min, rules.team_size_max),
        clock.now_utc(),
        rules.checkin_radius_m,
    )
    return jsonify(result_json(outcome.result, outcome.digest))


def _dry_run() -> bool:
    raw = form_value("dry_run", str, required=False, default="true")
    if raw.lower() not in FLAGS:
        raise Invalid("参数 dry_run 应为 true 或 false。", "bad_field")
    return FLAGS[raw.lower()]


def _upload() -> roster_upload.Upload:
    upload = request.files.get("file")
    if upload is None:
        raise Invalid("请选择要导入的名单文件（.xlsx）。", "missing_field")
    content = upload.read(roster_upload.MAX_UPLOAD_BYTES + 1)  # one byte over is enough
    return roster_upload.Upload(content, upload.filename or "")


def result_json(result: ImportResult, digest: str) -> dict:
    return {
        "dry_run": result.dry_run,
        "applied": result.applied,
        "digest": digest,
        "errors": [problem_json(p) for p in result.errors],
        "warnings": [problem_json(p) for p in result.warnings],
        "counts": [
            {"sheet": c.sheet, "created": c.created, "updated": c.updated, "unchanged": c.unchanged}
            for c in result.counts
        ],
        "changes": [
            {"sheet": c.sheet, "action": c.action, "label": c.label, "details": list(c.details)}
            for c in result.changes
        ],
        "verdict": format_verdict(result),
    }


def problem_json(problem) -> dict:
    return {
        "sheet": problem.sheet,
        "row": problem.row,
        "column": problem.column,
        "column_letter": problem.column_letter,
        "message": problem.message,
    }


# --- OpenAPI -------------------------------------------------------------------------------

_NULLABLE_TEXT = {"type": "string", "nullable": True}
PROBLEM = {
    "type": "object",
    "properties": {
        "sheet": {"type": "string", "description": "工作表名，如 党员"},
        "row": {"type": "integer", "nullable": True, "description": "Excel 显示的行号"},
        "column": _NULLABLE_TEXT | {"description": "文件中写的列名"},
        "column_letter": _NULLABLE_TEXT | {"description": "Excel 的列号，如 B"},
        "message": {"type": "string", "description": "中文说明"},
    },
}
RESULT = {
    "type": "object",
    "required": ["dry_run", "applied", "digest", "errors", "warnings", "counts", "changes"],
    "properties": {
        "dry_run": {"type": "boolean"},
        "applied": {"type": "boolean", "description": "true：已写入（没有错误且不是试运行）"},
        "digest": {
            "type": "string",
            "description": "文件的 SHA-256（十六进制）；正式导入时原样传回",
        },
        "errors": {"type": "array", "items": PROBLEM, "description": "有任何错误即不导入"},
        "warnings": {"type": "array", "items": PROBLEM, "description": "提醒，不阻止导入"},
        "counts": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "sheet": {"type": "string"},
                    "created": {"type": "integer"},
                    "updated": {"type": "integer"},
                    "unchanged": {"type": "integer"},
                },
            },
        },
        "changes": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "sheet": {"type": "string"},
                    "action": {
                        "type": "string",
                        "enum": ["created", "updated", "withdrawn"],
                        "description": "新增、修改（含离队），或撤销离队党员的活动名额",
                    },
                    "label": {"type": "string", "description": "如 党员 13800000001 张三"},
                    "details": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
        "verdict": {"type": "string", "description": "一句中文结论"},
    },
}
IMPORT_FORM = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "名单工作簿（.xlsx）"},
        "dry_run": {
            "type": "string",
            "enum": ["true", "false"],
            "default": "true",
            "description": "true（默认）：只检查并列出将有的变更，不写入",
        },
        "digest": {
            "type": "string",
            "description": "正式导入（dry_run=false）时必填：检查同一文件时返回的 digest",
        },
    },
}

OPENAPI = {
    "/office/roster/template.xlsx": {
        "get": {
            "summary": "下载名单导入模板（Excel）：与命令 import-template 生成的相同；仅办公室",
            "responses": openapi.download("名单导入模板", MEDIA_TYPE),
        }
    },
    "/office/roster/import": {
        "post": {
            "summary": "检查（试运行）或导入名单工作簿；仅办公室",
            "description": (
                "与命令 `python app.py import` 相同的检查与导入：每个问题给出工作表、行、列和"
                "中文说明；有任何错误即不导入（errors 非空时 applied 为 false，仍返回 200）；"
                "导入要么全部写入，要么什么都不写。先以 dry_run=true 检查，返回的 digest 在"
                "正式导入（dry_run=false）时原样传回：缺少或与所传文件不符返回 409 "
                "roster_not_checked。文件上限 "
                f"{roster_upload.MAX_UPLOAD_BYTES // 2**20} MB；不是 .xlsx（CSV、文本、旧版 "
                ".xls、损坏的文件）返回 400 not_xlsx 或 roster_unreadable，过大或解压后过大返回"
                " 400 roster_too_large。同时有人导入而冲突时返回 409 roster_import_conflict，"
                "全部撤销。同一文件再次导入不会有任何变更。"
            ),
            "requestBody": {
                "required": True,
                "content": {"multipart/form-data": {"schema": IMPORT_FORM}},
            },
            "responses": openapi.ok("检查或导入的结果", RESULT)
            | {
                "409": openapi.error("roster_not_checked、roster_import_conflict"),
                "413": openapi.error("上传内容太大"),
                "415": openapi.error("不是 multipart/form-data 表单"),
            },
        }
    },
}
