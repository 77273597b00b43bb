"""/dev/chat, demo mode only: talk to the Official Account chatbot from a browser, no phone.

The page picks a demo member and sends what a phone would: text, a location, a photo. Each
message goes to `POST /dev/chat/send`, which builds the push WeChat would send, signs it with
the Official Account's token and POSTs it over HTTP to this service's own `/wechat` — the real
endpoint, signature check, dedupe and chat included — and hands back the passive reply. The
token never reaches the browser. Photos are uploaded by the page to the emulator first (as
WeChat holds a photo before pushing its MediaId), and customer-service messages sent later are
read by the page from the emulator's call log. The blueprint is registered only in demo mode.
"""

from __future__ import annotations

import logging
import re
import secrets
import urllib.error
import urllib.request
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlencode

import xmltodict
from flask import Blueprint, current_app, jsonify, render_template, request, url_for

from models import Activity, Member, Team
from services import clock
from services.binding import live_bind_code
from services.households import active_pairing
from wechat import EMULATOR_PREFIX
from wechat.protocol import sign

log = logging.getLogger(__name__)
bp = Blueprint(
    "devchat",
    __name__,
    url_prefix="/dev/chat",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

OA_USER = "gh_demo_oa"  # ToUserName: the Official Account's own id
MAX_TEXT = 600
FORWARD_TIMEOUT_SECONDS = 10
_MEDIA_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_OPENID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def init_app(app) -> None:
    """Serve /dev/chat, but only in demo mode: elsewhere the page does not exist."""
    if app.config["SETTINGS"].is_demo:
        app.register_blueprint(bp)


@bp.get("")
def page():
    """The chat window, with the demo members and the places they can send."""
    now = clock.now_utc()
    members = [_member_json(m, now) for m in _members()]
    teams = {m["team_id"] for m in members if m["team_id"]}
    data = {
        "members": members,
        "places": {str(t): _places(t, now) for t in sorted(teams)},
        "emulator": EMULATOR_PREFIX + "/",
        "send_url": url_for("devchat.send"),
    }
    return render_template("devchat.html", data=data, has_token=bool(_token()))


@bp.post("/send")
def send():
    """Push one message as WeChat would and return the endpoint's status and reply text."""
    body = request.get_json(silent=True) or {}
    try:
        fields = _message_fields(body)
    except ValueError as exc:
        return jsonify(error=str(exc)), 400
    now = int(clock.now_utc().replace(tzinfo=UTC).timestamp())
    xml = _xml({"ToUserName": OA_USER, "FromUserName": body["openid"], "CreateTime": now, **fields})
    try:
        status, answer = _forward(xml, body["openid"], str(now))
    except urllib.error.URLError as exc:
        log.warning("dev chat: cannot reach /wechat: %s", exc.reason)
        return jsonify(error=f"无法连接 /wechat：{exc.reason}"), 502
    return jsonify(status=status, reply=_reply_text(answer), pushed=xml, answer=answer)


# --- what the page shows ------------------------------------------------------------------


def _members() -> list[Member]:
    """Members of a team: the bound ones, then those who can try binding."""
    query = Member.select(Member, Team).join(Team).where(Member.active == True)  # noqa: E712
    return sorted(query, key=lambda m: (m.oa_openid is None, m.phone, m.id))


def _member_json(member: Member, now: datetime) -> dict:
    code = None if member.oa_openid else live_bind_code(member, now)
    pairing = active_pairing(member.id)
    home = pairing.household if pairing else None
    return {
        "openid": member.oa_openid or f"oa-new-{member.id}",
        "bound": member.oa_openid is not None,
        "name": member.name,
        "phone": member.phone,
        "leader": member.role == "leader",
        "team": member.team.name,
        "team_id": member.team_id,
        "bind_code": code.code if code else None,
        "household": _point(home, "结对家庭") if home and home.lat is not None else None,
    }


def _places(team_id: int, now: datetime) -> dict:
    """The team's community and the activities that run today, for the little map."""
    team = Team.get_by_id(team_id)
    start = clock.to_utc(datetime.combine(clock.local_today(now), time()))
    today = (
        Activity.select()
        .where(
            (Activity.team == team_id)
            & (Activity.status == "scheduled")
            & (Activity.starts_at < start + timedelta(days=1))
            & (Activity.ends_at > start)
            & Activity.lat.is_null(False)
        )
        .order_by(Activity.starts_at)
    )
    community = team.community
    return {
        "community": {**_point(community, community.name), "radius_m": community.radius_m},
        "activities": [_activity_json(a, community.radius_m) for a in today],
    }


def _activity_json(activity: Activity, radius_m: int) -> dict:
    hours = f"{clock.to_local(activity.starts_at):%H:%M}–{clock.to_local(activity.ends_at):%H:%M}"
    return {
        **_point(activity, f"{activity.title} {hours}"),
        "id": activity.id,
        "radius_m": activity.radius_m or radius_m,
    }


def _point(row, label: str) -> dict:
    return {"lat": row.lat, "lng": row.lng, "label": label}


# --- the push -----------------------------------------------------------------------------


def _message_fields(body: dict) -> dict:
    """The push's own fields for a {openid, type, ...} request; ValueError when malformed."""
    if not _OPENID.match(str(body.get("openid", ""))):
        raise ValueError("openid 不正确")
    builder = _BUILDERS.get(body.get("type"))
    if builder is None:
        raise ValueError("type 必须是 text、location 或 image")
    return {**builder(body), "MsgId": secrets.randbelow(2**62) + 1}


def _text_fields(body: dict) -> dict:
    content = str(body.get("content", "")).strip()
    if not content or len(content) > MAX_TEXT:
        raise ValueError(f"文字须为 1–{MAX_TEXT} 个字")
    return {"MsgType": "text", "Content": content}


def _location_fields(body: dict) -> dict:
    try:
        lat, lng = float(body["lat"]), float(body["lng"])
    except (KeyError, TypeError, ValueError):
        raise ValueError("位置须有数字 lat 和 lng") from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValueError("经纬度超出范围")
    label = str(body.get("label", ""))[:100]
    fields = {"Location_X": f"{lat:.6f}", "Location_Y": f"{lng:.6f}", "Scale": "16"}
    return {"MsgType": "location", **fields, "Label": label}


def _image_fields(body: dict) -> dict:
    media_id = str(body.get("media_id", ""))
    if not _MEDIA_ID.match(media_id):
        raise ValueError("media_id 不正确")
    return {
        "MsgType": "image",
        "PicUrl": f"http://mmbiz.qpic.cn/devchat/{media_id}",
        "MediaId": media_id,
    }


_BUILDERS = {"text": _text_fields, "location": _location_fields, "image": _image_fields}


def _xml(fields: dict) -> str:
    """A push body as WeChat writes it: text in CDATA, numbers bare."""
    parts = []
    for name, value in fields.items():
        if isinstance(value, str):
            value = "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"
        parts.append(f"<{name}>{value}</{name}>")
    return "<xml>" + "".join(parts) + "</xml>"


def _forward(xml: str, openid: str, timestamp: str) -> tuple[int, str]:
    """POST the signed push to this service's /wechat; the status and the body it answered."""
    nonce = str(secrets.randbelow(10**9))
    query = {"signature": sign(_token(), timestamp, nonce), "timestamp": timestamp}
    query.update(nonce=nonce, openid=openid)
    url = f"{_own_url()}/wechat?{urlencode(query)}"
    push = urllib.request.Request(url, xml.encode(), {"Content-Type": "text/xml"}, method="POST")
    try:
        with urllib.request.urlopen(push, timeout=FORWARD_TIMEOUT_SECONDS) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as refused:
        with refused:
            return refused.code, refused.read().decode(errors="replace")


def _token() -> str:
    """The very token /wechat checks pushes against ('' when none is configured)."""
    from wechat.endpoint import _account

    return _account().token


def _own_url() -> str:
    """This service's address from its settings (never the request's Host header)."""
    server = current_app.config["SETTINGS"].server
    host = "127.0.0.1" if server.host in ("0.0.0.0", "", "::") else server.host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{server.port}"


def _reply_text(answer: str) -> str | None:
    """The Content of a passive text reply; None for 'success' or anything else."""
    if not answer.startswith("<xml>"):
        return None
    return xmltodict.parse(answer)["xml"].get("Content")
