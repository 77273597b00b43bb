"""How an outbox message reads on each channel, and why one could not be delivered.

Every kind shares one generic template per channel (a "work notice": title, summary, time),
so the office applies for two templates, not one per kind, and a mini-program grant given
for one reminder can carry any later message. The kind only changes the wording: its name
is the default title, and the payload (see services/outbox.py) gives the rest; a kind whose
lines would not fit one 20-character summary fills the title and summary fields as its
BRIEFS entry says, and links to the page that shows it all. Values are
cut to WeChat's field rules here, in one place: subscribe messages refuse an over-long value
outright (47003) rather than shortening it.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

from . import clock

#: The kinds jobs and services queue, with the title a message gets when it brings none.
KIND_NAMES = {
    "broadcast": "队长通知",  # an urgent one brings its own title: 紧急通知 (broadcast_text)
    "visit_reminder": "走访提醒",
    "visit_overdue_team": "队员走访逾期",
    "report_deadline": "季度报告提醒",
    "report_late": "季度报告逾期",
    "report_no_leader": "季度报告无人填写",
    "activity_reminder": "活动提醒",
    "checkin_closed": "签到已自动结束",
    "spot_check": "日常抽查",
    "activity_cancelled": "活动已取消",
    "task_assigned": "新的临时任务",
    "record_rejected": "记录未通过审核",
    "activity_changed": "活动有变更",
    "broadcast_urgent_quiet": "免打扰时段紧急通知",
    "report_returned": "季度报告被退回",
    "report_accepted": "季度报告已通过",
}
#: The title of an assignment to an activity of the member's team (an office ad-hoc task is
#: 「新的临时任务」, its kind's name).
TEAM_ASSIGNMENT_TITLE = "新的活动安排"
#: The kinds addressed to the office's inbox: shown there, never sent through WeChat.
OFFICE_KINDS = ("report_late", "report_no_leader", "spot_check", "broadcast_urgent_quiet")
#: The kinds members receive through WeChat (the ones notifications.channels_by_kind may name).
MEMBER_KINDS = tuple(kind for kind in KIND_NAMES if kind not in OFFICE_KINDS)
#: The kinds whose news keeps: they try the mini-program subscribe message last, after the
#: Official Account, because each of a member's few grants carries one message and is better
#: spent on what cannot wait (an activity's reminder or cancellation, a new task).
#: notifications.channels_by_kind overrides this like any order.
GRANT_LAST_KINDS = ("record_rejected",)
DEFAULT_KIND_NAME = "工作提醒"
DEFAULT_SENDER = "志愿服务办公室"
#: Template ids used in demo mode when none are configured (the emulator takes any id).
DEMO_TEMPLATES = {"mp_subscribe": "demo-mp-notice", "oa_template": "demo-oa-notice"}
CHANNEL_NAMES = {
    "mp_subscribe": "小程序订阅消息",
    "oa_template": "公众号模板消息",
    "oa_custom": "公众号客服消息",
}
#: Why a channel did not deliver, as the office reads it (codes come from wechat/channels.py).
REASONS = {
    "unavailable": "未配置该微信账号",
    "no_template": "未配置消息模板",
    "no_openid": "该队员未绑定此微信身份",
    "no_grant": "队员没有剩余的订阅授权",
    "not_following": "队员未关注公众号",
    "window_closed": "队员 48 小时内未与公众号互动",
    "refused": "队员拒收或订阅授权已用完",
    "invalid_openid": "微信身份无效",
    "kf_quota": "客服消息条数已用完",
    "bad_template": "消息模板无效",
    "bad_data": "消息内容不符合模板要求",
    "bad_page": "小程序页面无效",
    "unauthorized": "公众号或小程序无此接口权限",
    "busy": "微信系统繁忙",
    "quota": "微信接口调用次数已达上限",
    "daily_quota": "微信接口今日调用次数已用完（次日恢复后发送）",
    "token": "微信访问凭证无效",
    "credentials": "微信账号的 AppID 或 AppSecret 有误（改正后发送）",
    "ip_whitelist": "本服务器 IP 不在微信接口白名单中（加入后发送）",
    "timeout": "微信响应超时",
    "http": "微信接口异常",
    "network": "无法连接微信服务器",
    "connection_lost": "发出后连接中断，微信可能已收到（将重试）",
    "error": "微信返回错误",
    "internal": "消息无法处理（内部错误，已记录日志）",
    "inactive": "队员已离队",  # only leaving makes a member inactive (services.spells)
    "expired": "已过期，未发送",
    "activity_cancelled": "活动已取消，未发送",
    "decision_changed": "审核结论已更改，未发送",
    "activity_changed_again": "活动已再次变更，未发送",
    "activity_changed": "活动已变更，未发送",
    "member_left": "队员已离队，未发送",
    "left_activity": "队员已退出该活动，未发送",
    "told_in_assignment": "任务通知已含此变更，未发送",
    "assignment_withdrawn": "任务通知已撤回，未发送",
}
#: Why no channel can reach a member (services.reach.why_unreachable), as a leader is told
#: in a broadcast's preview and confirmation: what the member can change, or that the office
#: has a channel to set up.
UNREACHABLE_NAMES = {
    "not_bound": "未绑定微信",
    "not_following": "已取消关注公众号",
    "no_grant": "未开启小程序消息提醒",
    "grant_used": "小程序消息提醒次数已被其他通知用完",
    "window_closed": "近 48 小时未与公众号互动",
    "not_set_up": "办公室尚未配置相应的微信消息",
    "no_openid": "未绑定接收通知的微信账号",
}
#: What a channel adds in brackets, when it is not an errcode or an HTTP status (those stay).
DETAILS = {
    "ConnectTimeout": "连接超时",
    "NewConnectionError": "连接被拒绝或网络不通",
    "NameResolutionError": "域名无法解析",
    "SSLError": "加密连接失败",
    "ProxyError": "无法连接代理服务器",
    "ReadTimeout": "等待应答超时",
    "ConnectionError": "连接失败",
    "ChunkedEncodingError": "应答不完整",
    "not JSON": "应答无法识别",
}
_PLAIN_DETAIL = re.compile(r"^(-?\d+|HTTP \d{3})$")
#: TEMPLATESENDJOBFINISH statuses other than success, as the office reads them (keys without
#: the spaces WeChat puts after the colon or not: "failed: system failed", "failed:user block").
DELIVERY_FAILURES = {
    "failed:user block": "队员已拒收公众号模板消息",
    "failed:system failed": "微信发送失败",
    "failed:freq limit": "发送过于频繁，被微信限制",
}
WECHAT_SAID = "微信返回：{}"

#: Longest value per template key type (subscribe-message rules, research §3.4).
_LIMITS = {
    "thing": 20,
    "number": 32,
    "letter": 32,
    "symbol": 5,
    "character_string": 32,
    "phone_number": 17,
    "car_number": 8,
    "name": 10,
    "phrase": 5,
}
UNTYPED_LIMIT = 200  # first/keywordN/remark of old OA templates
#: UTF-8 bytes of a customer-service text: WeChat counts its text limit in bytes (about 2,048,
#: research §2.1), so 600 Chinese characters fit where 600 emoji would be cut.
CUSTOM_TEXT_BYTES = 2000
#: Labels of lines that already say when a message is about (an activity's 「时间」, an entry's
#: 「日期」, an auto check-out's 「签退时间」): a customer-service text with one of them does not
#: end with the time again.
WHEN_LABELS = frozenset({"时间", "日期", "签退时间"})
#: The longest time line a text ends with: 「2026年12月31日 23:59」 in Shanghai.
_LONGEST_TIME = datetime(2026, 12, 31, 15, 59)
_KEY_TYPE = re.compile(r"^([a-z_]+?)\d*$")
_NOT_CHINESE = re.compile(r"[^\u4e00-\u9fff]")
ELLIPSIS = "…"


@dataclass(frozen=True)
class Brief:
    """How a kind fills a template's two 20-character fields when its lines would not fit in
    one summary: a member told 「活动：<a long name>；原因：…」 learns the name but not the
    reason. The title field names what it is about after a short title (the time field
    carries its date); the summary field gives what the member must learn, whole as far as it
    fits, or, when there is none, the name whole. The link opens the page with all of it."""

    subject: str  # the line the title field names: 「已取消：<活动>」
    lead: str  # the line the summary field shows


BRIEFS = {
    "activity_cancelled": Brief(subject="活动", lead="原因"),
    "task_assigned": Brief(subject="任务", lead="地点"),
    "record_rejected": Brief(subject="服务", lead="审核意见"),
    # the place, else the time, else the point: what moved (payload "lead", change_notices)
    "activity_changed": Brief(subject="活动", lead="地点"),
    "report_returned": Brief(subject="季度", lead="退回原因"),
}
#: The titles of the BRIEFS kinds cut short, to leave the title field room for the subject.
SHORT_TITLES = {
    KIND_NAMES["activity_cancelled"]: "已取消",
    KIND_NAMES["task_assigned"]: "新任务",
    TEAM_ASSIGNMENT_TITLE: "新安排",
    KIND_NAMES["record_rejected"]: "未通过",
    KIND_NAMES["activity_changed"]: "有变更",
    KIND_NAMES["report_returned"]: "已退回",
}


@dataclass(frozen=True)
class Rendered:
    """One message ready for a channel: template id and data, or a text; page is optional."""

    template_id: str = ""
    data: dict = field(default_factory=dict)
    page: str | None = None
    text: str = ""


#: The name of an urgent message of a kind, where it differs (Notification.urgent).
URGENT_KIND_NAMES = {"broadcast": "紧急通知"}


def kind_name(kind: str, urgent: bool = False) -> str:
    """The kind as the office and members read it; an urgent leader's notice is 紧急通知 on
    every screen, as its title already says."""
    if urgent and kind in URGENT_KIND_NAMES:
        return URGENT_KIND_NAMES[kind]
    return KIND_NAMES.get(kind, DEFAULT_KIND_NAME)


def reason_text(channel: str, reason: str, detail: str = "") -> str:
    """'公众号模板消息：队员未关注公众号（43004）' for the office."""
    why = REASONS.get(reason, reason) + (f"（{detail_text(detail)}）" if detail else "")
    return f"{CHANNEL_NAMES.get(channel, channel)}：{why}" if channel else why


def refusals_text(refusals: list[tuple[str, str, str]]) -> str:
    """Why no channel could deliver, channels with the same reason named together:
    '小程序订阅消息、公众号模板消息：该队员未绑定此微信身份；公众号客服消息：…'."""
    grouped: dict[str, list[str]] = {}
    for channel, reason, detail in refusals:
        why = reason_text("", reason, detail)
        grouped.setdefault(why, []).append(CHANNEL_NAMES.get(channel, channel))
    return "；".join(f"{'、'.join(names)}：{why}" for why, names in grouped.items())


def detail_text(detail: str) -> str:
    """An errcode or HTTP status as it is; anything else in Chinese, or quoted as WeChat's."""
    if _PLAIN_DETAIL.match(detail):
        return detail
    return DETAILS.get(detail) or WECHAT_SAID.format(detail)


def delivery_failure_text(status: str) -> str:
    """A TEMPLATESENDJOBFINISH status other than success, for the office."""
    key = re.sub(r"\s*:\s*", ":", status.strip().lower())
    why = DELIVERY_FAILURES.get(key) or WECHAT_SAID.format(status.strip())
    return f"{CHANNEL_NAMES['oa_template']}：{why}"


def template_id(settings, channel: str) -> str:
    """The configured template of a channel; in demo mode the emulator's demo one if none."""
    configured = {
        "mp_subscribe": settings.notifications.mp_template_id,
        "oa_template": settings.notifications.oa_template_id,
    }.get(channel, "")
    return configured or (DEMO_TEMPLATES.get(channel, "") if settings.is_demo else "")


#: The channels that send a template message, so need a template configured.
TEMPLATE_CHANNELS = ("mp_subscribe", "oa_template")
#: The account each channel sends through (settings.wechat.<account>.app_id).
CHANNEL_ACCOUNTS = {
    "mp_subscribe": "mini_program",
    "oa_template": "official_account",
    "oa_custom": "official_account",
}


def channels_set_up(settings) -> frozenset[str]:
    """The channels the sender can use at all, as wechat/channels.py decides: build_channels
    makes one only for a configured account, and a template channel without a template
    refuses everyone (no_template) before it looks at the member."""
    return frozenset(
        channel
        for channel, account in CHANNEL_ACCOUNTS.items()
        if getattr(settings.wechat, account).app_id
        and (channel not in TEMPLATE_CHANNELS or template_id(settings, channel))
    )


def render_template(
    template: str, fields, kind: str, payload: dict, created_at: datetime
) -> Rendered | None:
    """A template message from the (key, source) pairs of settings; None with no template."""
    if not template:
        return None
    sources = _sources(kind, payload, created_at) | _brief(kind, payload)
    data = {key: {"value": fit_value(key, sources[source])} for key, source in fields}
    return Rendered(template_id=template, data=data, page=page_of(payload))


def render_text(kind: str, payload: dict, created_at: datetime) -> Rendered:
    """A customer-service text: 【title】, the body or its lines, the time unless a line says
    it already (the template's time field has no such line beside it, the text has)."""
    sources = _sources(kind, payload, created_at)
    when = "" if _says_when(payload) else sources["time"]
    parts = [f"【{sources['title']}】", _body(payload, "\n"), when]
    text = "\n".join(part for part in parts if part)
    return Rendered(text=_cut_bytes(text, CUSTOM_TEXT_BYTES), page=page_of(payload))


def text_body_room(title: str) -> int:
    """The UTF-8 bytes a body may take in a customer-service text with this title, whatever
    its time: what a service must hold a text to so that WeChat gets it whole."""
    frame = render_text("", {"title": title, "body": " "}, _LONGEST_TIME).text
    return CUSTOM_TEXT_BYTES - utf8_size(frame) + utf8_size(" ")


def utf8_size(text: str) -> int:
    """The length WeChat's text limits count: UTF-8 bytes (a Chinese character takes three)."""
    return len(text.encode())


def fit_value(key: str, value: str) -> str:
    """A value within WeChat's rule for the key's type (thing1: 20 characters, ...)."""
    match = _KEY_TYPE.match(key)
    kind = match.group(1) if match else ""
    value = " ".join(str(value).split())  # no line breaks in template fields
    if kind == "phrase":
        value = _NOT_CHINESE.sub("", value)[:5] or "通知"
    elif kind == "name" and value.isascii():
        value = value[:20]
    elif kind in _LIMITS:
        value = _cut(value, _LIMITS[kind]) if kind == "thing" else value[: _LIMITS[kind]]
    elif kind not in ("time", "date", "amount"):
        value = _cut(value, UNTYPED_LIMIT)
    return value or "无"


def page_of(payload: dict) -> str | None:
    """The mini-program page to open, without a leading slash (WeChat refuses one)."""
    page = payload.get("page")
    return page.lstrip("/") or None if isinstance(page, str) else None


def _sources(kind: str, payload: dict, created_at: datetime) -> dict[str, str]:
    sender = payload.get("sender") or payload.get("from_name") or DEFAULT_SENDER
    return {
        "title": str(payload.get("title") or kind_name(kind)),
        "summary": _body(payload, "；") or kind_name(kind),
        "time": _when(payload.get("time"), created_at),
        "sender": str(sender),
        "kind": kind_name(kind),
    }


def _brief(kind: str, payload: dict) -> dict[str, str]:
    """The title and summary of a BRIEFS kind's template message; {} for the other kinds,
    and for a payload without the lines the brief names."""
    brief, lines = BRIEFS.get(kind), payload.get("lines")
    if brief is None or not isinstance(lines, dict) or not lines.get(brief.subject):
        return {}
    title = str(payload.get("title") or kind_name(kind))
    subject = str(lines[brief.subject])
    lead = payload.get("lead") or brief.lead
    return {
        "title": f"{SHORT_TITLES.get(title, title)}：{subject}",
        "summary": str(lines.get(lead) or subject),
    }


def _body(payload: dict, separator: str) -> str:
    lines = payload.get("lines")
    if isinstance(lines, dict) and lines:
        return separator.join(f"{label}：{value}" for label, value in lines.items())
    return str(payload.get("body") or "")


def _says_when(payload: dict) -> bool:
    lines = payload.get("lines")
    return isinstance(lines, dict) and not WHEN_LABELS.isdisjoint(lines)


def payload_time(value) -> datetime | None:
    """A payload time ("time", "expires": ISO 8601, naive = UTC) as naive UTC; None when
    absent or not a time."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return clock.to_utc(parsed) if parsed.tzinfo else parsed


def _when(value, created_at: datetime) -> str:
    """The time a message is about (payload 'time') in Shanghai; default: when queued."""
    local = clock.to_local(payload_time(value) or created_at)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def _cut_bytes(text: str, limit: int) -> str:
    """The text within `limit` UTF-8 bytes, ending with an ellipsis if cut (never inside a
    character)."""
    if utf8_size(text) <= limit:
        return text
    start = text.encode()[: limit - utf8_size(ELLIPSIS)]
    return start.decode(errors="ignore") + ELLIPSIS
