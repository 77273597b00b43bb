"""A team's members for its leader (to register attendance for one who cannot use the phone,
POST /records) and for the office. Thin view over services.team_members."""

from flask import jsonify

from services import team_members
from services.team_members import TeamMember, TeamRoster

from . import bp, openapi
from .auth import actor, requires
from .request import query_flag, query_value
from .serialize import ROLE_NAMES


@bp.get("/team/members")
@requires("member", "office")
def list_team_members():
    with_left = query_flag("with_left")
    roster = team_members.team_members(actor(), query_value("team_id", int), with_left)
    return jsonify(roster_json(roster))


def roster_json(r: TeamRoster) -> dict:
    return {
        "team": {"id": r.team.id, "name": r.team.name},
        "phones_masked": r.phones_masked,
        "members": [member_json(m) for m in r.members],
    }


def member_json(m: TeamMember) -> dict:
    return {
        "id": m.id,
        "name": m.name,
        "role": m.role,
        "role_name": ROLE_NAMES.get(m.role, m.role),
        "phone": m.phone,
        "mp_bound": m.mp_bound,
        "oa_bound": m.oa_bound,
        "active": m.active,
    }


# --- OpenAPI -------------------------------------------------------------------------------

MEMBER_SCHEMA = {
    "type": "object",
    "required": ["id", "name", "role", "role_name", "phone", "mp_bound", "oa_bound", "active"],
    "properties": {
        "id": {"type": "integer", "description": "党员编号（代为登记时的 member_id）"},
        "name": {"type": "string"},
        "role": {"type": "string", "enum": list(ROLE_NAMES)},
        "role_name": {"type": "string"},
        "phone": {"type": "string", "description": "手机号；队长看到的部分隐藏，如 138****0001"},
        "mp_bound": {"type": "boolean", "description": "已绑定小程序"},
        "oa_bound": {"type": "boolean", "description": "已绑定公众号"},
        "active": {"type": "boolean", "description": "在职；false 为已离队（只随 with_left 列出）"},
    },
}
ROSTER_SCHEMA = {
    "type": "object",
    "required": ["team", "phones_masked", "members"],
    "properties": {
        "team": {
            "type": "object",
            "required": ["id", "name"],
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
        },
        "phones_masked": {"type": "boolean", "description": "手机号是否部分隐藏（办公室为 false）"},
        "members": {
            "type": "array",
            "items": MEMBER_SCHEMA,
            "description": (
                "在职队员，队长在前；两项都未绑定的队员用不了手机，可由队长代为登记。"
                "with_left=true 时其后另列有登记记录的已离队队员（不能为其代为登记或派任务）"
            ),
        },
    },
}
OPENAPI = {
    "/team/members": {
        "get": {
            "summary": "队员名单：队长看本队的，办公室须用 team_id 指定服务队",
            "parameters": [
                {
                    "name": "team_id",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1},
                    "description": "办公室必填；队长可省略（只能是本队）",
                },
                {
                    "name": "with_left",
                    "in": "query",
                    "schema": {"type": "boolean", "default": False},
                    "description": "另列出有登记记录的已离队队员（按党员查看登记簿用）",
                },
            ],
            "responses": openapi.ok("队员名单", ROSTER_SCHEMA),
        }
    }
}
