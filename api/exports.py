"""Excel downloads: the register and a team's quarterly report as .xlsx files. Thin views:
the workbooks are built in services.register_export and services.report_export, with the
access rules of the register list and the JSON report; refusals keep the JSON error shape.

A download is personal data on its way to someone's disk: it is never cached on the way
(private, no-store), and its Chinese file name travels as RFC 5987 filename* beside an ASCII
filename for clients that do not read it.
"""

from urllib.parse import quote

from flask import Response, current_app

from services import clock, register_export, report_export
from services.reports import ReportRules
from services.xlsx import MEDIA_TYPE, Export

from . import bp, openapi
from .auth import actor, requires
from .records import LIST_PARAMETERS, record_filters
from .reports import PERIOD, TEAM_ID
from .request import query_value


@bp.get("/records/export.xlsx")
@requires("member", "office")
def export_records():
    export = register_export.export_register(actor(), record_filters(), clock.now_utc())
    return xlsx_response(export)


@bp.get("/team/reports/<period>/export.xlsx")
@requires("member", "office")
def export_report(period):
    team_id = query_value("team_id", int)
    rules = ReportRules.from_settings(current_app.config["SETTINGS"])
    export = report_export.export_report(actor(), period, team_id, clock.now_utc(), rules)
    return xlsx_response(export)


def xlsx_response(export: Export) -> Response:
    """The workbook as a download that no cache keeps."""
    return file_response(export.content, export.filename, MEDIA_TYPE, ascii_name=export.ascii_name)


def file_response(
    data: bytes, name: str, mimetype: str, disposition: str = "attachment", ascii_name: str = ""
) -> Response:
    """A file no cache keeps and no browser takes for another type, its name in UTF-8
    (RFC 5987), with an ASCII one before it when given, for clients that do not read that."""
    plain = f'filename="{ascii_name}"; ' if ascii_name else ""
    headers = {
        "Content-Disposition": f"{disposition}; {plain}filename*=UTF-8''{quote(name, safe='')}",
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(data, mimetype=mimetype, headers=headers)


# --- OpenAPI -------------------------------------------------------------------------------

EXPORT_PARAMETERS = [p for p in LIST_PARAMETERS if p["name"] not in ("limit", "offset")]

OPENAPI = {
    "/records/export.xlsx": {
        "get": {
            "summary": "导出登记记录（Excel）：筛选条件与登记记录列表相同，另可按服务队",
            "description": (
                "每条登记一行：队伍、党员、类型、活动/对象、签到时间、签退时间（北京时间）、"
                "时长（小时）、服务内容、服务对象、服务成效、状态、异常原因、登记方式、计入时长、"
                "编号。党员导出本人的，队长导出本队的，办公室导出全部。居民的姓名、住址、电话"
                "除办公室外一律打码。单次最多导出 "
                f"{register_export.EXPORT_MAX_ROWS} 条，超过时返回 400 export_too_large，"
                "请缩小日期范围或按服务队分别导出。"
            ),
            "parameters": EXPORT_PARAMETERS,
            "responses": openapi.download("登记簿 Excel 文件", MEDIA_TYPE),
        }
    },
    "/team/reports/{period}/export.xlsx": {
        "get": {
            "summary": "导出季度报告（Excel）：概况与队员明细；队长导出本队的，办公室任一服务队",
            "parameters": [PERIOD, TEAM_ID],
            "responses": openapi.download("季度报告 Excel 文件", MEDIA_TYPE),
        }
    },
}
