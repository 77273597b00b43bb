"""The router: the command table and its fuzzy matching, conversations (timeout, 取消),
unbound users, leader-only commands, message kinds, text limits."""

from datetime import timedelta

import pytest

from models import ChatState, Member, ServiceRecord
from services import clock
from tests.factories import make_activity, make_record
from tests.wechat.test_chat_support import Chat, chat_direct
from wechat import commands, matching, texts
from wechat.chat import common

member, chat = chat_direct("oa-bob", "王强")


@pytest.mark.parametrize(
    "text, command",
    [
        ("签到", "checkin"),
        ("我要签到", "checkin"),
        ("打卡", "checkin"),
        ("  签到！", "checkin"),
        ("ＨＥＬＰ", "help"),  # full-width folded
        ("近期活东", "activities"),  # a near miss of a longer keyword
        ("签退", "checkout"),
        ("我的结对", "pairing"),  # the longer keyword wins
        ("我的", "mine"),
        ("活动", "activities"),
        ("签到活动", "checkin"),
        ("报名 2", "enroll"),
        ("取消报名 1", "unenroll"),  # not 取消: the longer keyword wins
        ("退出报名2", "unenroll"),
        ("不报名了", "unenroll"),
        ("退出", "cancel"),
        ("通知：明早九点集合", "broadcast"),
        ("待审核", "pending"),
        ("取消", "cancel"),
        ("菜单", "help"),
        ("我要取消报名", "unenroll"),  # a wish before a keyword: never 取消
        ("我想退出报名", "unenroll"),
    ],
)
def test_keywords_and_synonyms_name_their_command(text, command):
    found = matching.match(text)
    assert (found.command.name, found.mood) == (command, matching.DO)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "？？",
        "今天天气不错",
        "签对",  # as near 签到 as 签退: no guess (签倒 is a known misspelling of 签到)
        "帮着",  # one character of 帮助, as 收到 is of 签到: too little to guess from
        "这是一段很长的话，里面提到了签到但并不是命令本身哦",
    ],
)
def test_other_texts_name_no_command(text):
    assert matching.match(text) is None


def test_arguments_follow_the_keyword():
    assert matching.match("绑定 13800000000 482913").args == "13800000000 482913"
    assert matching.match("通知：明早 九点集合").args == "明早 九点集合"
    assert matching.match("报名２").args == "２"


@pytest.mark.parametrize(
    "text, args",
    [
        ("通知 【重要】“七一”主题党日（周六上午９点）", "【重要】“七一”主题党日（周六上午９点）"),
        ("通知 🎉🎉 明天见", "🎉🎉 明天见"),
        ("通知，各位同志：明早集合", "各位同志：明早集合"),
        ("通知:  （紧急）停水", "（紧急）停水"),
        ("通　知\u3000明天见！", "明天见！"),  # spaces inside the keyword, a full-width one after
        ("ｂｉｎｄ +86 138-0000-0034 487829", "+86 138-0000-0034 487829"),
        ("BIND 13800000000 482913", "13800000000 482913"),
        ("通知", ""),
        ("通知：", ""),
        ("【通知】明早集合", "明早集合"),  # a bracketed keyword
        ("「报名」3", "3"),
    ],
)
def test_arguments_are_the_text_as_typed_after_the_keyword(text, args):
    assert matching.match(text).args == args


def test_every_menu_key_names_a_command():
    assert set(commands.MENU_KEYS.values()) <= set(commands.BY_NAME)


def test_menu_clicks_run_the_same_commands_as_keywords(chat):
    assert chat.event("click", "MINE").text == chat.say("我的")
    assert chat.event("click", "CHECKIN").text == chat.say("签到")
    assert "没有理解" in chat.event("click", "NO_SUCH_KEY").text


def test_help_is_tailored_to_members_and_leaders(app, emulator, chat):
    assert "王强" in chat.say("帮助") and "队长专用" not in chat.say("帮助")
    assert "「取消报名 序号」" in chat.say("帮助")
    leader = Member.get(Member.role == "leader")
    leader.oa_openid = "oa-leader"
    leader.save()
    assert "队长专用" in Chat("oa-leader", emulator).say("帮助")


def test_unbound_users_are_told_how_to_bind_whatever_they_send(app, emulator):
    with app.app_context():
        stranger = Chat("oa-stranger", emulator)
        for reply in (
            stranger.say("签到"),
            stranger.say("随便说点什么"),
            stranger.location(34.7, 113.6),
            stranger.push("image", media_id="m").text,
            stranger.push("voice", media_id="v").text,
            stranger.event("click", "MINE").text,
        ):
            assert "绑定 手机号 绑定码" in reply
        assert "绑定 手机号 绑定码" in stranger.say("帮助")


def test_leader_commands_are_refused_to_members(chat):
    for text in ("待审", "报告"):
        assert "仅限队长" in chat.say(text)
    assert chat.say("通知 明天集合") == texts.NOTICE_SENDING_LEADER_ONLY  # 通知 reads, for them
    assert "仅限队长" in chat.event("click", "PENDING").text


def test_anything_not_understood_gets_a_helpful_reply(chat):
    assert "发送「帮助」" in chat.say("今天天气不错")
    assert "文字、位置和图片" in chat.push("voice", media_id="v1").text
    assert "文字、位置和图片" in chat.push("link", raw={"Url": "http://x"}).text
    assert "分散活动" in chat.push("image", media_id="m1").text


def test_a_voice_answer_is_taken_at_every_step(chat, member):
    """Spoken, not typed: the register's answers and the check-out's skip word count too."""
    make_record(member, checkin_at=clock.now_utc() - timedelta(hours=1))
    chat.say("签退")
    chat.push("voice", media_id="v5", content="直接签退。")
    assert ServiceRecord.get().checkout_at is not None
    assert "做了哪些服务" in chat.push("voice", media_id="v6", content="独居老人王大爷。").text
    chat.say("跳过")  # the answers given so far are saved
    assert ServiceRecord.get().target == "独居老人王大爷。"


@pytest.mark.parametrize("said", ["取消吧", "我要取消", "取消！"])
def test_cancel_said_with_particles_leaves_a_free_text_step(chat, member, said):
    make_record(member, checkin_at=clock.now_utc() - timedelta(hours=1))
    chat.say("签退")
    chat.say("跳过")
    assert ChatState.get().state == "register_fields"
    assert chat.say(said).startswith(texts.REGISTER_LEFT_EMPTY_OPENING)
    assert ChatState.get().state == "" and ServiceRecord.get().target == ""


def test_a_voice_message_wechat_transcribed_is_read_as_text(chat, member):
    """Speech recognition on: an elderly member says 「帮助」 or 「我的」 instead of typing."""
    assert "可以发送" in chat.push("voice", media_id="v2", content="帮助。").text
    assert chat.push("voice", media_id="v3", content="我的").text == chat.say("我的")
    assert "文字、位置和图片" in chat.push("voice", media_id="v4", content="").text


def test_cancel_leaves_any_conversation(chat, member):
    make_activity(member.team, starts_at=clock.now_utc())
    chat.say("活动")
    assert ChatState.get().state == "activities"
    assert "已取消" in chat.say("取消")
    assert "没有进行中" in chat.say("算了")
    assert "没有理解" in chat.say("1")  # no list to pick from any more


def test_a_conversation_times_out(chat, member):
    make_activity(member.team, starts_at=clock.now_utc())
    chat.say("活动")
    ChatState.update(expires_at=clock.now_utc() - timedelta(seconds=1)).execute()
    assert "没有理解" in chat.say("1")
    assert "没有进行中" in chat.say("取消")


def test_a_command_wins_over_a_waiting_step(chat, member):
    make_activity(member.team, starts_at=clock.now_utc())
    chat.say("活动")
    assert "本季度" in chat.say("我的")


def test_every_interaction_moves_last_interaction_at(chat, member):
    at = 1_790_000_000
    chat.push("text", content="帮助", create_time=at)
    assert Member.get_by_id(member.id).last_interaction_at == common.moment(at)
    chat.push("event", event="location", lat=1.0, lng=2.0, create_time=at + 50)
    chat.push("event", event="templatesendjobfinish", create_time=at + 60)
    assert Member.get_by_id(member.id).last_interaction_at == common.moment(at)
    chat.push("event", event="click", event_key="HELP", create_time=at + 70)
    assert Member.get_by_id(member.id).last_interaction_at == common.moment(at + 70)
    chat.push("text", content="帮助", create_time=at - 100)  # a late retry never moves it back
    assert Member.get_by_id(member.id).last_interaction_at == common.moment(at + 70)


def test_fit_cuts_long_texts_within_2000_bytes_with_a_pointer():
    text = common.fit("签到记录" * 400)
    assert len(text.encode()) <= 2000 and text.endswith("小程序中查看。")
    assert common.fit("短") == "短"


def test_listing_keeps_whole_lines_and_points_to_the_mini_program():
    lines = [f"{n}. 第{n}项活动，地点在某某社区服务中心" for n in range(1, 200)]
    text = common.listing("标题", lines, "请回复序号")
    assert len(text.encode()) <= 2000
    assert "小程序中查看" in text and text.endswith("请回复序号")
    shown = [line for line in text.splitlines() if line[:1].isdigit()]
    assert shown == lines[: len(shown)] and 10 < len(shown) < 199


def test_long_activity_lists_are_cut_within_the_limit(chat, member):
    for n in range(80):
        make_activity(
            member.team,
            starts_at=clock.now_utc() + timedelta(hours=n + 1),
            title=f"社区环境卫生整治志愿服务活动第{n}场",
        )
    reply = chat.say("活动")
    assert len(reply.encode()) <= 2000 and "小程序中查看" in reply


def test_an_inactive_member_is_told_to_ask_the_office(chat, member):
    Member.update(active=False).where(Member.id == member.id).execute()
    assert chat.say("签到") == "您已离队，如有疑问，请联系办公室。"
    assert chat.event("click", "MINE").text == "您已离队，如有疑问，请联系办公室。"
