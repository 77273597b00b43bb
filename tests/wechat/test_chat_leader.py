"""Leaders in the chat: broadcasts (preview, confirm, queued), flagged check-ins, reports."""

import re
from datetime import date, timedelta

import pytest

from models import Broadcast, ChatState, Member, Notification, QuarterlyReport
from services import broadcast, broadcast_text, clock, grants, report_view, report_writing, reports
from services.actors import Actor
from services.outbox_delivery import Policy
from services.report_review import decide_report
from services.report_stats import label
from tests.factories import (
    make_activity,
    make_member,
    make_record,
    make_team,
    office_actor,
    quiet_hours_around_now,
)
from tests.wechat import oa
from tests.wechat.test_chat_support import Chat
from wechat import texts
from wechat.chat import state

TEMPLATES = {"mp_template_id": "tmpl-mp", "oa_template_id": "tmpl-oa"}


@pytest.fixture
def settings_overrides(settings_overrides):
    """Both message templates configured: followers get a notice through the template."""
    return settings_overrides | {"notifications": dict(TEMPLATES)}


@pytest.fixture
def team(app):
    """A leader and three members, all following the Official Account."""
    with app.app_context():
        team = make_team(members=3)
        Member.update(oa_openid="oa-leader").where(Member.role == "leader").execute()
        for member in team.members.where(Member.role == "member"):
            Member.update(oa_openid=f"oa-{member.id}").where(Member.id == member.id).execute()
        yield team


@pytest.fixture
def leader(team):
    return Member.get(Member.role == "leader")


@pytest.fixture
def chat(team, emulator):
    return Chat("oa-leader", emulator)


def test_the_confirmation_says_when_a_notice_sent_in_quiet_hours_goes_out(
    settings_overrides, request
):
    quiet = settings_overrides["rules"] = {"quiet_hours": quiet_hours_around_now(-1, 2)}
    chat = request.getfixturevalue("chat")
    chat.say("通知 明天集合")
    end = quiet["quiet_hours"].split("-")[1]
    assert f"现在是免打扰时段（{quiet['quiet_hours']}），通知将于 {end} 起送达" in chat.say("确认")


def test_outside_quiet_hours_the_confirmation_does_not_mention_them(settings_overrides, request):
    settings_overrides["rules"] = {"quiet_hours": quiet_hours_around_now(3, 5)}
    chat = request.getfixturevalue("chat")
    chat.say("通知 明天集合")
    assert "免打扰" not in chat.say("确认")


def test_a_broadcast_is_previewed_confirmed_and_queued(chat, leader, team):
    make_member(team=team, active=False)
    make_member(team=make_team())  # another team hears nothing
    preview = chat.push("text", content="通知：周六上午九点社区集合", msg_id=555).text
    assert "3 名队员" in preview and "周六上午九点社区集合" in preview and "确认" in preview
    assert Notification.select().count() == 0
    reply = chat.say("确认")
    assert "发送队列" in reply and "3 名队员" in reply and "免打扰" not in reply  # quiet hours off
    sent = Broadcast.get()
    assert (sent.request_key, sent.sender_id, sent.text) == (
        "chat:555",
        leader.id,
        "周六上午九点社区集合",
    )
    rows = list(Notification.select().order_by(Notification.member))
    members = [
        m.id
        for m in Member.select().where(
            (Member.team == team) & (Member.role == "member") & Member.active
        )
    ]
    assert [n.member_id for n in rows] == sorted(members)
    for n in rows:
        assert (n.kind, n.broadcast_id, n.status) == ("broadcast", sent.id, "pending")
        assert n.payload == {
            "title": "队长通知",
            "body": "周六上午九点社区集合",
            "sender": leader.name,
            "page": f"pages/notice/index?id={sent.id}",
            "reach": {"channel": "oa_template"},  # the plan it was queued with
        }
    again = chat.say("确认")  # a second tap, the first answer being slow: no second notice
    assert "本次未发送任何内容" in again
    assert "最近一条通知「周六上午九点社区集合」已于" in again and "进入发送队列" in again
    assert Broadcast.select().count() == 1


def test_preview_and_confirmation_name_the_members_wechat_cannot_reach(chat, team):
    make_member(team=team, name="王某")
    make_member(team=team, name="李某", mp_openid="mp-li")  # no subscribe grant
    make_member(team=team, name="张某", oa_openid="oa-zhang", oa_reachable=False)
    make_member(team=team, name="刘某")
    preview = chat.say("通知 周六上午九点社区集合")
    assert preview.startswith("将通过微信向本队 3 名队员发送以下通知：")
    unreached = (
        "另有 4 名队员收不到微信消息，请另行通知："
        "王某、刘某（未绑定微信）；张某（已取消关注公众号）；李某（未开启小程序消息提醒）。"
    )
    assert f"——\n{unreached}\n回复「确认」发送" in preview
    reply = chat.say("确认")
    assert reply == (
        f"通知已进入发送队列，将通过微信发给 3 名队员。\n{unreached}\n"
        "送达情况可在「先锋」小程序中查看。"
    )
    assert Notification.select().count() == 7  # the sender records why four were skipped


def test_without_templates_the_preview_counts_whom_a_text_reaches_and_names_the_setup_gap(
    settings_overrides, request
):
    """Outside demo mode no template is configured by default: only customer-service texts go
    out, to members who wrote to the account in the last 48 hours."""
    settings_overrides["notifications"] = {}
    chat, team = request.getfixturevalue("chat"), request.getfixturevalue("team")
    recent = Member.get((Member.team == team) & (Member.role == "member"))
    Member.update(last_interaction_at=clock.now_utc()).where(Member.id == recent.id).execute()
    make_member(team=team, name="李某", mp_openid="mp-li")  # the mini-program: no template
    preview = chat.say("通知 明天集合")
    assert preview.startswith("将通过微信向本队 1 名队员发送以下通知：")
    assert "（办公室尚未配置相应的微信消息）" in preview and "李某" in preview
    assert "未开启小程序消息提醒" not in preview and "48 小时" not in preview


def test_the_confirmation_tells_what_changed_since_the_preview(chat, team):
    preview = chat.say("通知 明天集合")
    assert "3 名队员" in preview and "收不到" not in preview
    gone = Member.get((Member.team == team) & (Member.role == "member"))
    Member.update(oa_reachable=False).where(Member.id == gone.id).execute()  # unfollowed
    reply = chat.say("确认")
    assert "发给 2 名队员" in reply and "另有" not in reply
    lost = (
        f"刚才预览时能收到的 1 名队员，现在收不到了，请另行通知：{gone.name}（已取消关注公众号）。"
    )
    assert lost in reply


def test_a_notice_nobody_can_receive_is_not_offered_for_confirmation(chat, team):
    Member.update(oa_openid=None).where(Member.role == "member").execute()
    reply = chat.say("通知 明天集合")
    assert reply.startswith("本队 3 名队员目前都收不到微信消息，本次未发送。请另行通知：")
    assert reply.endswith("（未绑定微信）。") and "确认" not in reply
    assert "没有待确认的通知" in chat.say("确认")
    assert Broadcast.select().count() == 0


def test_a_notice_nobody_can_receive_by_the_time_it_is_confirmed_is_not_sent(chat, team):
    """The rule is the service's, applied again at 「确认」: the last member WeChat could reach
    unfollowed in between."""
    Member.update(oa_openid=None).where(Member.role == "member").execute()
    last = make_member(team=team, name="赵某", oa_openid="oa-zhao")
    assert "将通过微信向本队 1 名队员发送" in chat.say("通知 明天集合")
    Member.update(oa_reachable=False).where(Member.id == last.id).execute()
    reply = chat.say("确认")
    assert reply.startswith("本队 4 名队员目前都收不到微信消息，本次未发送。请另行通知：")
    assert "赵某（已取消关注公众号）" in reply and "0 名" not in reply
    assert Broadcast.select().count() == 0 and Notification.select().count() == 0
    assert "没有待确认的通知" in chat.say("确认")  # nothing left waiting


def test_a_team_emptied_since_the_preview_is_told_politely(chat, team):
    chat.say("通知 明天集合")
    Member.update(active=False).where(Member.role == "member").execute()
    assert chat.say("确认") == "抱歉，通知未发送：本队暂无可通知的队员。"
    assert Broadcast.select().count() == 0
    assert "没有待确认的通知" in chat.say("确认")


def test_a_long_list_is_cut_to_the_text_limit_and_counts_the_rest(chat, team):
    """The longest notice still leaves room to name some of each group: names are taken
    from each reason in turn, and the rest are counted."""
    for n in range(100):
        make_member(team=team, name=f"欧阳长名字队员{n:02d}")
    for n in range(12):
        make_member(team=team, name=f"司马队员{n:02d}", oa_openid=f"oa-x{n}", oa_reachable=False)
    preview = chat.say("通知 " + "请准时参加，" * 83)
    assert len(preview.encode()) <= 2000 and "另有 112 名队员收不到微信消息" in preview
    shown = re.search(
        r"：(欧阳长名字队员\d\d、)+欧阳长名字队员\d\d等 100 人（未绑定微信）；"
        r"(司马队员\d\d、)+司马队员\d\d等 12 人（已取消关注公众号）。\n"
        r"回复「确认」发送，回复「取消」放弃。$",
        preview,
    )
    assert shown, preview
    reply = chat.say("确认")
    assert len(reply.encode()) <= 2000 and reply.endswith("送达情况可在「先锋」小程序中查看。")
    assert "欧阳长名字队员40、" in reply and "等 100 人（未绑定微信）；" in reply
    assert "司马队员11（已取消关注公众号）" in reply  # the short group in full


INSTRUCTIONS = "回复「确认」发送，回复「取消」放弃。"
COUNT_ONLY = "另有 112 名队员收不到微信消息，名单请在「先锋」小程序中查看，并请另行通知。"


@pytest.mark.parametrize(
    ("notice", "names", "whole"),
    [
        ("长" * 400 + "🎉" * 100, True, True),  # 1,600 bytes: some names still fit
        ("长" * 260 + "🎉" * 240, False, True),  # 1,740 bytes: only the count
        ("🎉" * 489, False, False),  # 1,956 bytes: the notice itself shown in part
    ],
    ids=["some_names", "count_only", "notice_cut"],
)
def test_the_instructions_survive_any_notice_within_the_limit(chat, team, notice, names, whole):
    """WeChat's limit is in bytes: an emoji takes four, a Chinese character three."""
    for n in range(100):
        make_member(team=team, name=f"欧阳长名字队员{n:02d}")
    for n in range(12):
        make_member(team=team, name=f"司马队员{n:02d}", oa_openid=f"oa-x{n}", oa_reachable=False)
    preview = chat.say("通知 " + notice)
    assert len(preview.encode()) <= 2000 and preview.endswith("\n" + INSTRUCTIONS)
    assert preview.startswith("将通过微信向本队 3 名队员发送以下通知：\n——\n")
    assert ("欧阳长名字队员00" in preview) is names and (COUNT_ONLY in preview) is not names
    assert "另有 112 名队员收不到微信消息" in preview
    assert (notice in preview) is whole
    if not whole:
        assert "🎉🎉……（预览仅显示开头，发送的是全文）\n——\n" + COUNT_ONLY in preview
    reply = chat.say("确认")
    assert len(reply.encode()) <= 2000 and reply.endswith("送达情况可在「先锋」小程序中查看。")
    assert Broadcast.get().text == notice  # the whole notice goes out


def test_a_notice_goes_out_exactly_as_the_leader_typed_it(client, leader, team):
    typed = "【重要】“七一”主题党日活动（周六上午９点），请准时参加🎉"
    preview = oa.reply_text(oa.push(client, oa.text("oa-leader", f"通知 {typed}")))
    assert typed in preview.splitlines()
    assert "发送队列" in oa.reply_text(oa.push(client, oa.text("oa-leader", "确认")))
    assert Broadcast.get().text == typed
    assert {n.payload["body"] for n in Notification.select()} == {typed}


def test_the_same_notice_message_confirmed_twice_is_queued_once(chat, leader):
    for _ in range(2):
        chat.push("text", content="通知 明天集合", msg_id=777)
        assert "发送队列" in chat.say("确认")
    assert Broadcast.select().count() == 1 and Notification.select().count() == 3


def test_the_chat_and_the_api_share_one_service(chat, leader, settings):
    chat.push("text", content="通知 明天集合", msg_id=778)
    chat.say("确认")
    policy = Policy.from_settings(settings)
    again = broadcast.send(leader, "明天集合", "chat:778", clock.now_utc(), policy)
    assert not again.created and again.recipients == 3


def test_a_cancelled_broadcast_records_nothing(chat):
    chat.say("通知 明天集合")
    assert "已取消" in chat.say("取消")
    assert "没有待确认的通知" in chat.say("确认")
    assert Notification.select().count() == 0


def test_confirming_after_cancelling_names_the_notice_that_did_go_out(chat):
    """Not the cancelled one: the reply must never say the cancelled notice was sent."""
    chat.say("通知 周六上午九点集合")
    chat.say("确认")
    chat.say("通知 周三下午停水，请互相转告")
    chat.say("取消")
    reply = chat.say("确认")
    assert "本次未发送任何内容" in reply and "「周六上午九点集合」已于" in reply
    assert "停水" not in reply and Broadcast.select().count() == 1


def test_an_expired_notice_is_not_sent_and_the_leader_is_told_to_send_it_again(chat):
    chat.say("通知 明天集合")
    ChatState.update(expires_at=clock.now_utc() - timedelta(seconds=1)).execute()
    reply = chat.say("确认")
    assert reply == (
        "当前没有待确认的通知，本次未发送任何内容。通知预览 10 分钟内未确认即失效，"
        "如需发送请重新发送「通知 内容」。"
    )
    assert Broadcast.select().count() == 0 and Notification.select().count() == 0


def test_a_member_confirming_nothing_hears_nothing_of_notices(team, emulator):
    alice = Member.get((Member.team == team) & (Member.role == "member"))
    Member.update(oa_openid="oa-alice").where(Member.id == alice.id).execute()
    assert Chat("oa-alice", emulator).say("确认") == "当前没有需要确认的内容。"


def test_a_broadcast_needs_text_within_the_limit(chat):
    """The limit is WeChat's, in UTF-8 bytes; the leader hears it in Chinese characters."""
    assert chat.say("通知") == texts.BROADCAST_ASK_TEXT
    limit = broadcast_text.MAX_BYTES
    at_limit = "长" * (limit // 3) + "9" * (limit % 3)
    assert chat.say("通知 " + at_limit).startswith("将通过微信向本队 3 名队员发送以下通知")
    chat.say("取消")
    refused = chat.say("通知 " + at_limit + "9")
    assert f"通知最多约 {limit // 3} 个汉字" in refused and "请删减约 1 个汉字" in refused
    assert "当前没有待确认的通知" in chat.say("确认") and Broadcast.select().count() == 0


def test_pending_lists_the_teams_flagged_check_ins(chat, team):
    alice = Member.get((Member.team == team) & (Member.role == "member"))
    make_record(alice, status="flagged", flags=["out_of_range", "photo_reused"])
    make_record(make_member(team=make_team()), status="flagged", flags=["out_of_range"])
    text = chat.say("待审")
    assert "共 1 条" in text and alice.name in text
    assert "位置不在服务地点范围内；照片曾被使用过" in text and "小程序" in text


def test_pending_leaves_out_what_only_the_office_may_review(chat, team):
    """The leader's own entry waits for the office (a leader never reviews their own): listing
    it would send the leader to a review they are refused."""
    alice = Member.get((Member.team == team) & (Member.role == "member"))
    leader = Member.get((Member.team == team) & (Member.role == "leader"))
    make_record(alice, status="flagged", flags=["out_of_range"])
    make_record(leader, status="flagged", flags=["spot_check_problem"])
    text = chat.say("待审")
    assert "共 1 条" in text and alice.name in text and leader.name not in text


def test_pending_names_each_entry_by_its_kind(chat, team):
    alice = Member.get((Member.team == team) & (Member.role == "member"))
    activity = make_activity(team, title="环境卫生整治")
    now = clock.now_utc()
    kinds = {"activity": activity, "visit": None, "individual": None}
    for n, (kind, of) in enumerate(kinds.items()):
        at = now - timedelta(minutes=n)
        make_record(alice, of, at, kind=kind, status="flagged", flags=["out_of_range"])
    lines = chat.say("待审").splitlines()[1:4]
    titles = ["环境卫生整治", "结对家庭走访", "个人服务（分散活动）"]
    assert [line.split(" ")[3].split("：")[0] for line in lines] == titles


def test_pending_when_nothing_waits(chat):
    assert "没有待审核" in chat.say("待审核")


def test_long_pending_lists_fit_within_the_limit(chat, team):
    alice = Member.get((Member.team == team) & (Member.role == "member"))
    now = clock.now_utc()
    for n in range(60):
        make_record(
            alice,
            checkin_at=now - timedelta(minutes=n),
            status="flagged",
            flags=["out_of_range", "photo_similar", "exif_time_off", "impossible_travel"],
        )
    text = chat.say("待审")
    assert len(text.encode()) <= 2000 and "共 60 条" in text and "小程序" in text


def test_report_status(chat, team):
    year, quarter = clock.quarter_of(clock.local_today())
    assert "季度结束后自动起草" in chat.say("报告")
    last_year, last_quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    QuarterlyReport.create(
        team=team,
        year=last_year,
        quarter=last_quarter,
        status="late",
        deadline=date(year, 1, 10),
        updated_at=clock.now_utc(),
    )
    text = chat.say("季度报告")
    assert f"{last_year}年第{last_quarter}季度报告：逾期未上报" in text and "自动起草" in text
    QuarterlyReport.create(
        team=team,
        year=year,
        quarter=quarter,
        status="submitted",
        deadline=date(year, 12, 31),
        updated_at=clock.now_utc(),
    )
    text = chat.say("报告")
    assert f"{year}年第{quarter}季度报告：已上报" in text and "自动起草" not in text


RULES = reports.ReportRules(deadline_days=10, interval_days=30)


def last_quarters_report(team, deadline: date) -> str:
    """A draft of the quarter before this one, due on `deadline`; its period label."""
    year, quarter = clock.quarter_of(clock.local_today())
    year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    QuarterlyReport.create(
        team=team,
        year=year,
        quarter=quarter,
        status="draft",
        summary="开展集中活动两次。",
        deadline=deadline,
        updated_at=clock.now_utc(),
    )
    return label(year, quarter)


@pytest.mark.parametrize("days", [1, 3])
def test_an_overdue_report_says_by_how_many_days_as_the_api_says_late(chat, leader, team, days):
    deadline = clock.local_today() - timedelta(days=days)
    period = last_quarters_report(team, deadline)
    text = chat.say("报告")
    assert f"草稿（未上报），截止日期 {deadline}（已逾期 {days} 天）。" in text
    view = report_view.view_report(Actor(member=leader), period, None, clock.now_utc(), RULES)
    assert view.late


def test_a_report_not_yet_due_says_nothing_of_lateness(chat, team):
    deadline = clock.local_today()
    last_quarters_report(team, deadline)
    assert f"草稿（未上报），截止日期 {deadline}。" in chat.say("报告")


def test_a_report_submitted_late_says_so(chat, leader, team):
    deadline = clock.local_today() - timedelta(days=2)
    period = last_quarters_report(team, deadline)
    report_writing.submit_report(Actor(member=leader), period, clock.now_utc(), RULES)
    text = chat.say("报告")
    assert f"已上报，截止日期 {deadline}（逾期上报）。" in text and "已逾期" not in text


def test_a_returned_report_says_why(chat, leader, team):
    deadline = clock.local_today()
    period = last_quarters_report(team, deadline)
    now = clock.now_utc()
    report_writing.submit_report(Actor(member=leader), period, now, RULES)
    decide_report(office_actor(), team.id, period, "return", "请补充走访情况。", now, "off")
    text = chat.say("报告")
    assert "已退回，请修改后重新上报" in text and "退回原因：请补充走访情况。" in text
    assert text.index("退回原因") < text.index("请在")  # the reason, then what to do


def test_a_grant_spent_between_preview_and_confirmation_is_told_not_counted(
    chat, leader, team, settings
):
    """The preview counts 赵某 through their one subscribe grant; a notice from the
    mini-program takes it before 「确认」: the confirmation counts what was queued and names
    赵某 as no longer reached, and the grant is held by one notice only."""
    zhao = make_member(team=team, name="赵某", mp_openid="mp-zhao")
    grants.add(zhao.id, "tmpl-mp", clock.now_utc())
    assert chat.say("通知 明天集合").startswith("将通过微信向本队 4 名队员发送以下通知")
    policy = Policy.from_settings(settings)
    first = broadcast.send(leader, "今晚开会", "api:other", clock.now_utc(), policy)
    assert first.audience.reachable == 4  # it took the grant
    reply = chat.say("确认")
    assert reply.startswith("通知已进入发送队列，将通过微信发给 3 名队员。\n")
    assert (
        "刚才预览时能收到的 1 名队员，现在收不到了，"
        "请另行通知：赵某（小程序消息提醒次数已被其他通知用完）。" in reply
    )
    assert "另有" not in reply
    held = {
        n.broadcast.text: n.payload.get("grant")
        for n in Notification.select()
        if n.member_id == zhao.id
    }
    assert held == {"今晚开会": "tmpl-mp", "明天集合": None}
    assert grants.remaining(zhao.id, ("tmpl-mp",)) == {"tmpl-mp": 0}


def test_a_preview_kept_before_channels_were_still_names_whom_it_counted(
    chat, leader, team, settings
):
    """A preview shown before an upgrade kept only member ids: the confirmation still names
    赵某, whose grant another notice took, as no longer reached, by what is missing now."""
    zhao = make_member(team=team, name="赵某", mp_openid="mp-zhao")
    grants.add(zhao.id, "tmpl-mp", clock.now_utc())
    chat.say("通知 明天集合")
    row = ChatState.get(ChatState.openid == "oa-leader")
    assert [zhao.id, "mp_subscribe"] in row.data["counted"]
    ids = [member_id for member_id, _ in row.data.pop("counted")]
    ChatState.update(data=row.data | {"reached": ids}).where(ChatState.id == row.id).execute()
    policy = Policy.from_settings(settings)
    broadcast.send(leader, "今晚开会", "api:other", clock.now_utc(), policy)  # takes the grant
    reply = chat.say("确认")
    assert reply.startswith("通知已进入发送队列，将通过微信发给 3 名队员。\n")
    assert "现在收不到了，请另行通知：赵某（未开启小程序消息提醒）。" in reply


@pytest.mark.parametrize("text", ["我看看今天有几个人签到", "等一下，先看看活动", "我的"])
def test_another_command_while_a_notice_waits_keeps_the_preview(chat, text):
    """A new tester's leader lost the notice they had typed to a word taken for a command."""
    chat.say("通知 明天上午九点社区集合")
    assert chat.say(text) in (texts.CONFIRM_FIRST, texts.CONFIRM_OR_CANCEL)
    assert "发送队列" in chat.say("确认")
    assert Broadcast.get().text == "明天上午九点社区集合"


def test_a_corrected_notice_still_replaces_the_preview(chat):
    chat.say("通知 明天上午九点社区集合")
    assert "十点" in chat.say("通知 明天上午十点社区集合")
    chat.say("确认")
    assert Broadcast.get().text == "明天上午十点社区集合"


@pytest.mark.parametrize("openid", ["oa-leader", "member"])
def test_notice_received_is_an_acknowledgement_not_a_notice(chat, team, emulator, openid):
    if openid == "member":
        member = Member.get((Member.team == team) & (Member.role == "member"))
        chat = Chat(member.oa_openid, emulator)
    reply = chat.say("通知收到了")
    assert "仅限队长" not in reply and "确认" not in reply
    assert ChatState.select().count() == 0  # no preview waits


@pytest.mark.parametrize(
    "text", ["通知 大家好", "通知：大家好", "通知大家好", "通知 收到", "紧急通知 好的"]
)
def test_a_notice_of_courtesy_words_is_still_a_notice(chat, text):
    """A greeting or thanks set apart after the keyword is the notice itself, whatever its
    words: only small talk run on from it (「通知收到了」) acknowledges one."""
    preview = chat.say(text)
    assert "回复「确认」发送" in preview
    words = text.removeprefix("紧急通知").removeprefix("通知").lstrip(" ：")
    assert words in preview
    assert "发送队列" in chat.say("确认")
    assert Broadcast.get().text == words


@pytest.mark.parametrize("text", ["通知收到", "通知收到，谢谢", "通知知道了", "收到通知"])
def test_notice_acknowledged_in_other_words_sends_nothing(chat, text):
    reply = chat.say(text)
    assert "确认" not in reply and ChatState.select().count() == 0


def test_a_notice_written_after_tongzhi_alone_is_taken_whole(chat):
    """A leader who sends 「通知」 and then the text: the text is the notice, keywords and all."""
    assert chat.say("通知") == texts.BROADCAST_ASK_TEXT
    preview = chat.say("明天活动签到时间改为八点，请大家报名")
    assert "明天活动签到时间改为八点，请大家报名" in preview and "回复「确认」发送" in preview
    chat.say("确认")
    assert Broadcast.get().text == "明天活动签到时间改为八点，请大家报名"


def test_tongzhi_with_its_text_at_that_step_starts_afresh_and_cancel_leaves(chat):
    chat.say("通知")
    assert "周六集合" in chat.say("通知 周六集合")
    chat.say("取消")
    chat.say("通知")
    chat.say("取消")
    assert state.current("oa-leader", clock.now_utc()) is None
    assert Broadcast.select().count() == 0


def test_a_location_while_a_notice_text_is_awaited_asks_for_words(chat):
    chat.say("通知")
    reply = chat.location(34.75, 113.62)
    assert reply.endswith(texts.BROADCAST_ASK_TEXT)
    assert "周六集合" in chat.say("周六集合")  # the step stayed: the text is the notice
