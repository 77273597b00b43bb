"""A leader's urgent notice from the chat (「紧急通知」, 「紧急：…」): a preview that says it
goes out at once even in the quiet hours and what the office learns, 「确认」, then the same
service call as the mini-program's `urgent: true` (services.broadcast, services.urgent_audit):
queued once however often WeChat retries or the leader taps, refused to members as 「通知」
with words is."""

from datetime import timedelta

import pytest

from models import AuditLog, Broadcast, ChatState, Member, Notification
from services import clock, notification_texts, urgent_audit
from tests.factories import make_team, quiet_hours_around_now
from tests.wechat import oa
from tests.wechat.test_chat_support import Chat
from wechat import texts

TEMPLATES = {"mp_template_id": "tmpl-mp", "oa_template_id": "tmpl-oa"}
NOTICE = "今晚暴雨，请检查结对家庭门窗"
QUIET_NOW = (-1, 2)  # quiet hours from an hour ago to two hours from now
QUIET_LATER = (3, 5)
INSTRUCTIONS = "回复「确认」发送，回复「取消」放弃。"


@pytest.fixture
def settings_overrides(settings_overrides):
    return settings_overrides | {"notifications": dict(TEMPLATES)}


def quiet_hours(settings_overrides, hours: tuple[int, int] | None) -> str:
    """Set the quiet hours (None: off) before the app is made; returns them as configured."""
    quiet = quiet_hours_around_now(*hours) if hours else "off"
    settings_overrides["rules"] = {"quiet_hours": quiet}
    return quiet


@pytest.fixture
def team(app):
    """A leader and three members, all following the Official Account."""
    with app.app_context():
        team = make_team(members=3)
        for member in team.members:
            openid = "oa-leader" if member.role == "leader" else f"oa-{member.id}"
            Member.update(oa_openid=openid).where(Member.id == member.id).execute()
        yield team


def leader_chat(request) -> Chat:
    request.getfixturevalue("team")
    return Chat("oa-leader", request.getfixturevalue("emulator"))


def office_messages() -> list[Notification]:
    return list(Notification.select().where(Notification.member.is_null()))


def audit_lines() -> list[AuditLog]:
    return list(AuditLog.select().where(AuditLog.action == urgent_audit.ACTION))


@pytest.mark.parametrize(
    "typed",
    [
        f"紧急通知 {NOTICE}",
        f"急 通知：{NOTICE}",
        f"紧急：{NOTICE}",
        f"【紧急】{NOTICE}",
        f"【紧急通知】{NOTICE}",
        f"您好，我要发紧急通知：{NOTICE}",
    ],
)
def test_the_preview_says_it_is_urgent_goes_out_at_once_and_the_office_sees_it(
    settings_overrides, request, typed
):
    quiet = quiet_hours(settings_overrides, QUIET_LATER)
    preview = leader_chat(request).say(typed)
    assert preview == (
        f"【紧急通知】确认后立即通过微信发给本队 3 名队员，免打扰时段（{quiet}）也照常送达：\n"
        f"——\n{NOTICE}\n——\n"
        "紧急通知会留存记录，供办公室查阅；在免打扰时段发出的，还会告知办公室。\n" + INSTRUCTIONS
    )
    assert Broadcast.select().count() == 0 and Notification.select().count() == 0


def test_inside_the_quiet_hours_the_preview_says_they_are_on_now(settings_overrides, request):
    quiet = quiet_hours(settings_overrides, QUIET_NOW)
    preview = leader_chat(request).say(f"紧急通知 {NOTICE}")
    assert preview.startswith(
        f"【紧急通知】确认后立即通过微信发给本队 3 名队员。现在是免打扰时段（{quiet}），"
        "也会立即送达：\n"
    )
    assert "——\n发出后会留存记录，并告知办公室。请只用于不能等的急事。\n" in preview
    assert preview.endswith(INSTRUCTIONS)


def test_without_quiet_hours_the_preview_names_none(settings_overrides, request):
    quiet_hours(settings_overrides, None)
    preview = leader_chat(request).say(f"紧急通知 {NOTICE}")
    assert preview.startswith("【紧急通知】确认后立即通过微信发给本队 3 名队员：\n")
    assert "免打扰" not in preview and "紧急通知会留存记录，供办公室查阅。\n" in preview


def test_confirmed_it_is_queued_urgent_with_an_audit_line(settings_overrides, request):
    quiet = quiet_hours(settings_overrides, QUIET_LATER)
    chat = leader_chat(request)
    chat.say(f"紧急通知 {NOTICE}")
    reply = chat.say("确认")
    assert reply == (
        "紧急通知已进入发送队列，将立即通过微信发给 3 名队员。" + texts.BROADCAST_TRACK
    )
    sent = Broadcast.get()
    rows = list(Notification.select().where(Notification.broadcast == sent))
    assert len(rows) == 3 and all(n.urgent for n in rows)
    [line] = audit_lines()
    assert line.object_id == str(sent.id) and line.detail["in_quiet_hours"] is False
    assert line.detail["quiet_hours"] == quiet and line.detail["reachable"] == 3
    assert office_messages() == []  # outside the quiet hours the office only has the line
    assert ChatState.get().state == ""


def test_inside_the_quiet_hours_it_goes_out_now_and_the_office_is_told(settings_overrides, request):
    quiet = quiet_hours(settings_overrides, QUIET_NOW)
    chat = leader_chat(request)
    chat.say("紧急通知")  # the text in the next message, as with 「通知」
    assert "现在是免打扰时段" in chat.say(NOTICE)
    reply = chat.say("确认")
    assert reply.startswith("紧急通知已进入发送队列，将立即通过微信发给 3 名队员。")
    assert f"现在是免打扰时段（{quiet}），已同时告知办公室。" in reply and "起送达" not in reply
    sent = Broadcast.get()
    assert sent.text == NOTICE
    rows = list(Notification.select().where(Notification.broadcast == sent))
    assert all(n.urgent and n.next_attempt_at <= clock.now_utc() for n in rows)  # not held
    [message] = office_messages()
    assert message.kind == urgent_audit.KIND and message.payload["broadcast_id"] == sent.id
    assert message.payload["lines"]["通知内容"] == NOTICE
    assert [line.detail["in_quiet_hours"] for line in audit_lines()] == [True]


def test_an_ordinary_notice_in_the_quiet_hours_still_waits(settings_overrides, request):
    """The urgent path must not leak into 「通知」."""
    quiet_hours(settings_overrides, QUIET_NOW)
    chat = leader_chat(request)
    assert chat.say(f"通知 {NOTICE}").startswith("将通过微信向本队 3 名队员发送以下通知")
    assert "起送达" in chat.say("确认")
    assert not any(n.urgent for n in Notification.select()) and audit_lines() == []


@pytest.mark.parametrize("no", ["取消", "算了", "不发了"])
def test_a_cancelled_urgent_notice_leaves_nothing(settings_overrides, request, no):
    quiet_hours(settings_overrides, QUIET_NOW)
    chat = leader_chat(request)
    assert chat.say(f"紧急：{NOTICE}").startswith("【紧急通知】")
    assert chat.say(no) == texts.CANCELLED
    assert "没有待确认的通知" in chat.say("确认")
    assert Broadcast.select().count() == 0 and Notification.select().count() == 0
    assert audit_lines() == []


@pytest.mark.parametrize("first", ["通知", f"通知 {NOTICE}"])
def test_an_ordinary_notice_under_way_can_be_made_urgent(settings_overrides, request, first):
    """A leader who started 「通知」 and thinks better of it: 「紧急：…」 replaces it, not held
    back as another command while a preview waits (wechat.text_route.GATES)."""
    quiet_hours(settings_overrides, QUIET_NOW)
    chat = leader_chat(request)
    chat.say(first)
    assert chat.say(f"紧急：{NOTICE}").startswith("【紧急通知】")
    assert "已同时告知办公室" in chat.say("确认")
    assert Broadcast.get().text == NOTICE and len(audit_lines()) == 1


@pytest.mark.parametrize(
    "typed", [f"紧急通知 {NOTICE}", f"紧急：{NOTICE}", f"急 通知 {NOTICE}", f"【急】{NOTICE}"]
)
def test_a_member_is_refused_as_for_a_notice(request, team, typed):
    member = Member.get((Member.team == team) & (Member.role == "member"))
    chat = Chat(member.oa_openid, request.getfixturevalue("emulator"))
    assert chat.say(typed) == chat.say(f"通知 {NOTICE}") == texts.NOTICE_SENDING_LEADER_ONLY
    assert chat.say("确认") == texts.NOTHING_TO_CONFIRM
    assert Broadcast.select().count() == 0 and ChatState.select().count() == 0


@pytest.mark.parametrize("typed", ["紧急情况怎么处理", "急死了", "通知 紧急情况请打电话"])
def test_urgent_words_in_a_sentence_are_no_urgent_notice(request, typed):
    preview = leader_chat(request).say(typed)
    assert "【紧急通知】" not in preview


def test_retries_and_a_second_confirmation_queue_it_once(settings_overrides, request):
    """WeChat pushes the same MsgId again when the reply is slow, and the leader taps
    「确认」 again: one broadcast, one audit line, one message to the office."""
    quiet_hours(settings_overrides, QUIET_NOW)
    request.getfixturevalue("team")
    client = request.getfixturevalue("client")
    notice, confirm = oa.text("oa-leader", f"紧急通知 {NOTICE}"), oa.text("oa-leader", "确认")
    previews = {oa.reply_text(oa.push(client, notice)) for _ in range(2)}
    replies = [oa.reply_text(oa.push(client, confirm)) for _ in range(3)]
    assert len(previews) == 1 and "【紧急通知】" in previews.pop()
    assert len(set(replies)) == 1 and "已同时告知办公室" in replies[0]
    second = oa.reply_text(oa.push(client, oa.text("oa-leader", "确认")))
    assert "本次未发送任何内容" in second
    assert Broadcast.select().count() == 1 and len(audit_lines()) == 1
    assert len(office_messages()) == 1 and Notification.select().count() == 4


def test_the_same_message_confirmed_twice_is_queued_once(settings_overrides, request):
    """The preview made again from the same MsgId (a retry the dedupe missed) keys the same
    broadcast: the second 「确认」 finds it and queues nothing more."""
    quiet_hours(settings_overrides, QUIET_NOW)
    chat = leader_chat(request)
    for _ in range(2):
        chat.push("text", content=f"紧急通知 {NOTICE}", msg_id=9_001)
        assert chat.say("确认").startswith("紧急通知已进入发送队列")
    assert Broadcast.get().request_key == "chat:9001"
    assert len(audit_lines()) == 1 and len(office_messages()) == 1
    assert Notification.select().where(Notification.urgent).count() == 3


def test_help_names_it_for_leaders_only(request, team):
    chat = leader_chat(request)
    assert "「紧急通知 内容」" in chat.say("帮助")
    member = Member.get((Member.team == team) & (Member.role == "member"))
    helped = Chat(member.oa_openid, request.getfixturevalue("emulator")).say("帮助")
    assert "紧急通知" not in helped


# A word that confirms or refuses is never taken for the notice's text, and 「紧急」 while a
# preview waits makes that preview urgent instead of dropping it.


def test_urgent_said_again_at_the_preview_keeps_the_notice(settings_overrides, request):
    quiet_hours(settings_overrides, QUIET_LATER)
    chat = leader_chat(request)
    first = chat.say(f"紧急通知 {NOTICE}")
    assert chat.say("紧急") == first
    assert "已进入发送队列" in chat.say("确认")
    sent = Broadcast.get()
    assert sent.text == NOTICE and Broadcast.select().count() == 1
    assert all(n.urgent for n in Notification.select().where(Notification.broadcast == sent))


@pytest.mark.parametrize("typed", ["紧急", "改成紧急", "紧急的", "改为紧急吧", "紧急通知"])
def test_urgent_at_a_plain_preview_makes_it_urgent(settings_overrides, request, typed):
    quiet = quiet_hours(settings_overrides, QUIET_LATER)
    chat = leader_chat(request)
    assert chat.say(f"通知 {NOTICE}").startswith("将通过微信向本队 3 名队员发送以下通知")
    preview = chat.say(typed)
    assert preview.startswith(
        f"【紧急通知】确认后立即通过微信发给本队 3 名队员，免打扰时段（{quiet}）也照常送达：\n"
        f"——\n{NOTICE}\n——\n"
    )
    assert chat.say("确认").startswith("紧急通知已进入发送队列")
    sent = Broadcast.get()
    rows = list(Notification.select().where(Notification.broadcast == sent))
    assert sent.text == NOTICE and len(rows) == 3 and all(n.urgent for n in rows)


@pytest.mark.parametrize("command", ["紧急通知", "通知"])
@pytest.mark.parametrize("word", ["确认", "好的", "是", "发送", "确定", "好的，谢谢"])
def test_a_yes_where_the_text_is_asked_is_no_notice(settings_overrides, request, command, word):
    quiet_hours(settings_overrides, QUIET_LATER)
    chat = leader_chat(request)
    asked = chat.say(command)
    reply = chat.say(word)
    assert reply == f"还没有收到通知内容，「{word}」不会作为通知发出。{asked}"
    assert chat.say("确认").endswith(asked)  # still asking: nothing was previewed
    assert chat.say(NOTICE).count(NOTICE) == 1
    chat.say("确认")
    assert [b.text for b in Broadcast.select()] == [NOTICE]


@pytest.mark.parametrize("word", ["取消", "算了", "不用了", "不发了吧"])
def test_a_no_where_the_text_is_asked_cancels(settings_overrides, request, word):
    quiet_hours(settings_overrides, QUIET_LATER)
    chat = leader_chat(request)
    chat.say("紧急通知")
    assert chat.say(word) == texts.CANCELLED
    assert ChatState.get().state == ""
    chat.say("确认")
    assert Broadcast.select().count() == 0 and Notification.select().count() == 0


def test_members_see_an_urgent_notice_titled_urgent(settings_overrides, request, emulator):
    quiet_hours(settings_overrides, QUIET_LATER)
    chat = leader_chat(request)
    chat.say("通知 明天义诊照常")
    chat.say("确认")
    chat.say(f"紧急通知 {NOTICE}")
    chat.say("确认")
    urgent = Broadcast.get(Broadcast.text == NOTICE)
    for n in Notification.select().where(Notification.member.is_null(False)):
        title = "紧急通知" if n.broadcast_id == urgent.id else "队长通知"
        assert n.payload["title"] == title
        sent = notification_texts.render_text(n.kind, n.payload, n.created_at).text
        assert sent.startswith(f"【{title}】")
    member = Member.get((Member.team == urgent.team) & (Member.role == "member"))
    reader = Chat(member.oa_openid, emulator)
    listed = reader.say("通知").split("\n")
    assert listed[1].endswith(f"：【紧急】{NOTICE}") and listed[2].endswith("：明天义诊照常")
    assert reader.say("通知 1").startswith("【紧急通知】") and NOTICE in reader.say("通知 1")
    assert reader.say("通知 2").startswith("【队长通知】")


def lapse() -> None:
    """The leader is away longer than the conversation lives."""
    ChatState.update(expires_at=clock.now_utc() - timedelta(seconds=1)).execute()


def test_an_urgent_notice_typed_after_its_step_lapsed_names_the_urgent_command(
    settings_overrides, request
):
    quiet_hours(settings_overrides, QUIET_LATER)
    chat = leader_chat(request)
    chat.say("紧急通知")
    lapse()
    assert chat.say(NOTICE) == (
        "刚才的紧急通知已超时（超过 10 分钟），这条消息没有发送。"
        "如需发紧急通知，请发送「紧急通知 内容」。"
    )
    assert Broadcast.select().count() == 0


def test_confirming_a_lapsed_urgent_preview_names_the_urgent_command(settings_overrides, request):
    quiet_hours(settings_overrides, QUIET_LATER)
    chat = leader_chat(request)
    chat.say(f"紧急通知 {NOTICE}")
    lapse()
    assert chat.say("确认") == (
        "当前没有待确认的通知，本次未发送任何内容。通知预览 10 分钟内未确认即失效，"
        "如需发送请重新发送「紧急通知 内容」。"
    )
    assert Broadcast.select().count() == 0


def test_a_location_where_the_urgent_text_is_asked_hears_the_urgent_question(
    settings_overrides, request
):
    quiet_hours(settings_overrides, QUIET_LATER)
    chat = leader_chat(request)
    chat.say("紧急通知")
    assert chat.location(39.9, 116.4) == texts.WORDS_PLEASE.format(question=texts.URGENT_ASK_TEXT)


@pytest.mark.parametrize("typed", ["紧急的", "改成紧急", "紧急"])
def test_urgent_where_the_text_is_asked_asks_for_an_urgent_notice(
    settings_overrides, request, typed
):
    quiet_hours(settings_overrides, QUIET_LATER)
    chat = leader_chat(request)
    assert chat.say("通知") == texts.BROADCAST_ASK_TEXT
    assert chat.say(typed) == texts.URGENT_ASK_TEXT
    assert chat.say(NOTICE).startswith("【紧急通知】")
