"""The chat's commands: their Chinese keywords (with synonyms), who may use them, the
handler each runs, and the custom menu's CLICK keys that name them. How a text is read as
one of them is wechat.matching's; when it runs, wechat.text_route's."""

from collections.abc import Callable
from dataclasses import dataclass

from . import texts
from .chat import (
    activities,
    arrivals,
    bind,
    checkin,
    checkout,
    common,
    individual,
    leader,
    mine,
    notices,
    proxy,
    register,
    state,
    visits,
)
from .inbound import Inbound, Reply


def on_cancel(message: Inbound, member, args: str = "") -> Reply:
    """「取消」: leave whatever conversation is going on."""
    left = state.leave(message.openid, common.now())
    return common.say(texts.CANCELLED if left else texts.NOTHING_TO_CANCEL)


@dataclass(frozen=True)
class Command:
    name: str
    keywords: tuple[str, ...]
    handler: Callable  # (message, member, args) -> Reply
    leader_only: bool = False
    unbound_ok: bool = False  # usable before binding
    takes_args: bool = False  # matched only at the start of the text
    reads_only: bool = False  # changes nothing: its reply may be worked out before the claim
    # Its keyword alone is a fair answer to a question taking the member's own words: 「结对家庭」
    # names whom they served, 「入户走访」 what they did; 「签退」 or 「帮助」 steer the chat.
    may_answer: bool = False
    # The command a member who is not a leader gets for a leader's command instead of a
    # refusal: 「通知」 sends a notice for a leader and reads the team's for a member.
    for_members: str | None = None

    def barred(self, member) -> str | None:
        """Why this user may not use the command (not bound, inactive, not a leader), or None."""
        if member is None and not self.unbound_ok:
            return texts.NEEDS_BINDING
        if member is not None and not member.active:
            return texts.MEMBER_INACTIVE
        if self.leader_only and not member.is_leader:
            return texts.LEADER_ONLY
        return None


C = Command
COMMANDS = (
    C(
        "help",
        ("帮助", "菜单", "help", "功能", "你好", "您好", "怎么用", "bangzhu"),
        bind.on_help,
        unbound_ok=True,
        reads_only=True,
    ),
    C("bind", ("绑定", "bind"), bind.on_bind, unbound_ok=True, takes_args=True),
    C("cancel", ("取消", "算了", "退出", "不要了"), on_cancel, unbound_ok=True),
    C("confirm", ("确认", "确定", "确认发送"), leader.on_confirm),
    C(
        "checkin",
        ("签到", "我要签到", "打卡", "签个到", "打个卡", "活动签到", "签道", "qiandao"),
        checkin.on_checkin,
    ),
    C(
        "checkout",
        ("签退", "我要签退", "结束服务", "服务结束", "退签", "qiantui"),
        checkout.on_checkout,
    ),
    # Said as a fact (wechat.phrasing.SAID, whole texts only): done where it fits.
    C("arrived", (), arrivals.on_arrived),
    C("leaving", (), arrivals.on_leaving),
    # A check-in for somebody else (wechat.phrasing.PROXY): how a leader registers it.
    C("proxy", (), proxy.on_proxy, reads_only=True),
    C(
        "individual",
        ("分散活动", "个人服务", "个人志愿服务", "分散服务", "自主服务", "自己服务"),
        individual.on_individual,
    ),
    C("visit", ("走访", "入户走访", "走访登记", "家访", "探访"), visits.on_visit, may_answer=True),
    C(
        "activities",
        ("活动", "近期活动", "活动列表", "有什么活动", "我的活动", "huodong"),
        activities.on_activities,
    ),
    C("enroll", ("报名", "报个名"), activities.on_enroll, takes_args=True),
    C(
        "unenroll",
        ("取消报名", "退出报名", "不报名了"),
        activities.on_unenroll,
        takes_args=True,
    ),
    C(
        "mine",
        (
            "我的",
            "我的时长",
            "服务时长",
            "时长",
            "统计",
            "多少小时",
            "干了多少",
            "服务了多少",
            "wode",
        ),
        mine.on_mine,
        reads_only=True,
    ),
    C(
        "pairing",
        ("结对", "结对家庭", "我的结对", "结对户"),
        mine.on_pairing,
        reads_only=True,
        may_answer=True,
    ),
    C("refill", ("补登", "补充登记", "补登记", "补填", "补录"), register.on_refill),
    C(
        "broadcast",
        ("通知", "发通知", "发个通知", "通知一下", "群发"),
        leader.on_broadcast,
        leader_only=True,
        takes_args=True,
        for_members="notices",
    ),
    # A notice that goes out at once, even in the quiet hours (wechat.chat.leader); 「紧急：…」
    # and 「【急】…」 name it too (wechat.phrasing.URGENT_MARKS). A member hears what 「通知」
    # with words says to them: only a leader sends notices.
    C(
        "urgent",
        (
            *("紧急通知", "急通知", "发紧急通知", "发个紧急通知", "紧急通知一下"),
            *("加急通知", "特急通知", "紧急群发"),
        ),
        leader.on_urgent,
        leader_only=True,
        takes_args=True,
        for_members="notices",
    ),
    C(
        "notices",
        (
            "看通知",
            "查看通知",
            "看看通知",
            "最近通知",
            "通知列表",
            "队里通知",
            "队长通知",
            "队长的通知",
            "我的通知",
            "新通知",
            "有什么通知",
            "有没有通知",
            "读通知",
            "通知全文",
        ),
        notices.on_notices,
        takes_args=True,
        reads_only=True,
    ),
    C(
        "pending",
        ("待审", "待审核", "审核"),
        leader.on_pending,
        leader_only=True,
        reads_only=True,
    ),
    C(
        "report",
        ("报告", "季度报告", "季度上报"),
        leader.on_report,
        leader_only=True,
        reads_only=True,
    ),
)
BY_NAME = {c.name: c for c in COMMANDS}
# Keywords of 取消 that a list's number may follow: its argument then, as in 「取消 1」 said to
# the list of activities, which wechat.text_route reads as 「取消报名 1」 where it names one.
NUMBERED = ("取消", "退出")
# The custom menu's CLICK keys (wechat.chat.menu) name the same commands.
MENU_KEYS = {
    "CHECKIN": "checkin",
    "CHECKOUT": "checkout",
    "VISIT": "visit",
    "INDIVIDUAL": "individual",
    "ACTIVITIES": "activities",
    "MINE": "mine",
    "PAIRING": "pairing",
    "HELP": "help",
    "PENDING": "pending",
    "REPORT": "report",
}


def run(command: Command, message: Inbound, member, args: str = "") -> Reply:
    """A command, if this user may use it: bound, active and, for some, a leader (for a
    member, the command it names for members instead, if any: Command.for_members)."""
    if command.for_members and member is not None and not member.is_leader:
        command = BY_NAME[command.for_members]
    barred = command.barred(member)
    return common.say(barred) if barred else command.handler(message, member, args)
