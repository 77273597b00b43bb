"""The tester's cases at the register's questions and a visit's notes, through the chat: an
answer never overwrites a field filled meanwhile in the mini-program, a text sent twice in a
row is not the next question's answer, a bare WeChat emoji code is no answer, a leader's own
entry names the office as its reviewer, and a 「跳过」 with nothing left to skip is answered."""

from datetime import datetime, timedelta

import pytest

from models import ChatState, Member, ServiceRecord
from services import clock
from services.records import counts_toward_hours
from tests import images
from tests.api.conftest import ApiClient
from tests.factories import make_household, make_member, make_record, make_team, pair
from tests.wechat.test_chat_support import NEAR, Chat, conversation_state
from wechat import texts
from wechat.chat import repeats

HOME = (34.7466, 113.6253)


@pytest.fixture
def team(app):
    with app.app_context():
        yield make_team()


@pytest.fixture
def member(team):
    member = make_member(team=team, oa_openid="oa-lin", mp_openid="mp-lin")
    pair(member, make_household(team.community, head_name="王秀英", lat=HOME[0], lng=HOME[1]))
    return member


@pytest.fixture
def chat(member, emulator):
    return Chat("oa-lin", emulator)


def phone(client, openid: str) -> ApiClient:
    """The mini-program logged in as whoever has this openid."""
    login = client.post("/api/v1/auth/login", json={"code": f"code:{openid}"})
    return ApiClient(client, login.get_json()["token"])


def team_leader(team, oa_openid: str | None, mp_openid: str) -> Member:
    """The team's leader (make_team made one), with the WeChat ids this test logs in with."""
    leader = Member.get(team=team, role="leader")
    leader.oa_openid, leader.mp_openid = oa_openid, mp_openid
    leader.save()
    return leader


def checked_out(chat, member, minutes_ago=60) -> ServiceRecord:
    """An individual service checked out without a location: its questions wait."""
    at = clock.now_utc() - timedelta(minutes=minutes_ago)
    record = make_record(member, kind="individual", checkin_at=at, status="verified")
    chat.say("签退")
    assert chat.say("跳过").endswith(texts.ASK_REGISTER_TARGET)
    return record


def a_minute_passes() -> None:
    """The last answer was given longer ago than a repeat is looked for."""
    row = ChatState.get()
    data = dict(row.data)
    data[repeats.AT] = (datetime.fromisoformat(data[repeats.AT]) - repeats.WINDOW).isoformat()
    ChatState.update(data=data).execute()


# 1. A field filled meanwhile in the mini-program is not overwritten by the chat's answer.


def test_an_answer_never_overwrites_what_the_mini_program_filled_meanwhile(client, chat, member):
    """The tester's case: the outcome filled in the mini-program after the leader verified the
    entry; the chat's answer to the waiting question must not replace it nor send the entry
    back to review."""
    team_leader(member.team, None, "mp-leader")
    record = checked_out(chat, member)
    assert chat.say("社区老人") == texts.ASK_REGISTER_CONTENT
    assert chat.say("帮老人量血压") == texts.ASK_REGISTER_OUTCOME
    path = f"/records/{record.id}"
    phone(client, "mp-leader").post(f"{path}/review", json={"decision": "verify"})
    filled = phone(client, "mp-lin").patch(path, json={"outcome": "为8位老人义务理发"})
    assert filled.status_code == 200, filled.get_json()
    before = ServiceRecord.get_by_id(record.id).status
    reply = chat.say("帮老人理发")
    assert reply.startswith(texts.REGISTER_FILLED_MEANWHILE.format(label="取得的成效"))
    assert reply.endswith(texts.REGISTER_SAVED)
    saved = ServiceRecord.get_by_id(record.id)
    assert saved.outcome == "为8位老人义务理发" and saved.status == before
    assert conversation_state("oa-lin") is None


def test_a_field_filled_meanwhile_is_skipped_and_the_next_blank_one_asked(client, chat, member):
    record = checked_out(chat, member)
    filled = phone(client, "mp-lin").patch(f"/records/{record.id}", json={"target": "独居老人"})
    assert filled.status_code == 200, filled.get_json()
    reply = chat.say("社区老人")
    said = texts.REGISTER_FILLED_MEANWHILE.format(label="服务对象")
    assert reply == said + "\n" + texts.ASK_REGISTER_CONTENT
    assert ServiceRecord.get_by_id(record.id).target == "独居老人"
    assert chat.say("帮老人买菜") == texts.ASK_REGISTER_OUTCOME
    assert ServiceRecord.get_by_id(record.id).content == "帮老人买菜"


def test_a_field_filled_meanwhile_is_said_without_claiming_where(client, chat, member):
    """The office may have corrected it too: the member hears only that it was filled."""
    record = checked_out(chat, member)
    ServiceRecord.update(target="独居老人").where(ServiceRecord.id == record.id).execute()
    reply = chat.say("社区老人")
    assert reply == (
        "服务对象已经填写过了，以已填写的为准，这次的回答没有保存。\n" + texts.ASK_REGISTER_CONTENT
    )


def test_a_double_tap_past_the_repeat_check_is_a_repeat_not_a_field_filled_elsewhere(chat, member):
    """The second of two taps read the conversation before the first wrote its note: it
    finds the field holding its own words, which is a repeat, not an answer left unsaved."""
    record = checked_out(chat, member)
    ServiceRecord.update(target="社区老人").where(ServiceRecord.id == record.id).execute()
    reply = chat.say("社区老人")
    assert reply == texts.ANSWER_REPEATED.format(question=texts.ASK_REGISTER_CONTENT)
    assert chat.say("社区老人") == reply  # a third tap too
    assert chat.say("帮老人买菜") == texts.ASK_REGISTER_OUTCOME
    ServiceRecord.update(outcome="老人很满意").where(ServiceRecord.id == record.id).execute()
    assert chat.say("老人很满意") == texts.REPEAT_RECEIVED + "\n" + texts.REGISTER_SAVED


# 2. A text sent twice within seconds is not the answer to the next question.


def test_a_register_answer_sent_twice_is_not_the_next_answer(chat, member):
    record = checked_out(chat, member)
    chat.say("社区老人")
    assert chat.say("帮楼里老人买菜") == texts.ASK_REGISTER_OUTCOME
    again = chat.say("帮楼里老人买菜")
    assert again == texts.ANSWER_REPEATED.format(question=texts.ASK_REGISTER_OUTCOME)
    saved = ServiceRecord.get_by_id(record.id)
    assert saved.content == "帮楼里老人买菜" and not saved.outcome
    assert chat.say("老人很满意") == texts.REGISTER_SAVED


def test_the_same_words_a_while_later_are_an_answer(chat, member):
    """A member may mean the same words for both: after a minute they are taken."""
    record = checked_out(chat, member)
    chat.say("社区老人")
    chat.say("帮老人买菜")
    a_minute_passes()
    assert chat.say("帮老人买菜") == texts.REGISTER_SAVED
    assert ServiceRecord.get_by_id(record.id).outcome == "帮老人买菜"


def test_a_visit_note_sent_twice_is_not_the_help_given(chat):
    chat.say("走访")
    chat.location(HOME[0] + NEAR, HOME[1])
    chat.photo(images.jpeg(seed=881))
    assert chat.say("老人身体还好") == texts.ASK_VISIT_HELP
    again = chat.say("老人身体还好")
    assert again == texts.ANSWER_REPEATED.format(question=texts.VISIT_HELP_QUESTION)
    assert conversation_state("oa-lin") == "visit_help"
    assert not ServiceRecord.get().outcome
    assert chat.say("帮忙打扫了卫生") == texts.VISIT_SAVED
    assert ServiceRecord.get().outcome == "帮忙打扫了卫生"


# 3. Bare WeChat emoji codes are no answer; an answer with one is.


EMOJIS = ["[强]", "[抱拳][抱拳]", "[玫瑰]", " [OK]！", "[微笑] [Yeah!]", "👍", "/::)", "[强]👍"]


@pytest.mark.parametrize("text", EMOJIS)
def test_a_bare_emoji_is_no_answer_and_the_entry_does_not_count(chat, member, text):
    """「👍」 reads as an acknowledgement (「好的。」 first); each asks the question again."""
    record = checked_out(chat, member)
    blank = texts.BLANK_ANSWER.format(question=texts.ASK_REGISTER_TARGET)
    assert chat.say(text).endswith(blank)
    assert not ServiceRecord.get_by_id(record.id).target
    chat.say("社区老人")
    blank = texts.BLANK_ANSWER.format(question=texts.ASK_REGISTER_CONTENT)
    assert chat.say(text).endswith(blank)
    assert chat.say("[抱拳]") == blank
    assert not counts_toward_hours(ServiceRecord.get_by_id(record.id))


def test_an_answer_with_an_emoji_code_is_kept(chat, member):
    record = checked_out(chat, member)
    assert chat.say("帮老人买菜[强]") == texts.ASK_REGISTER_CONTENT
    assert ServiceRecord.get_by_id(record.id).target == "帮老人买菜[强]"


# 4. Who reviews a flagged entry is named as the API names it.


def test_a_leaders_own_flagged_entry_names_the_office_as_its_reviewer(client, team, emulator):
    leader = team_leader(team, "oa-lead", "mp-lead")
    at = clock.now_utc() - timedelta(minutes=1)  # too short: flagged at 签退
    record = make_record(leader, kind="individual", checkin_at=at, status="verified")
    chat = Chat("oa-lead", emulator)
    chat.say("签退")
    checked_out = chat.say("跳过")
    assert "服务时长过短，需办公室审核" in checked_out and "队长" not in checked_out
    awaiting = phone(client, "mp-lead").get(f"/records/{record.id}").get_json()
    assert awaiting["awaiting_review_by"] == "office"
    skipped = chat.say("跳过")
    assert "需办公室审核" in skipped and "队长" not in skipped
    assert ServiceRecord.get_by_id(record.id).status == "flagged"


def test_a_leaders_own_flagged_visit_photo_names_the_office(team, emulator):
    """The photo's result: a visit far from the household waits for the office's review."""
    leader = team_leader(team, "oa-lead", "mp-lead")
    pair(leader, make_household(team.community, head_name="李桂兰", lat=HOME[0], lng=HOME[1]))
    chat = Chat("oa-lead", emulator)
    chat.say("走访")
    chat.location(HOME[0] + 0.02, HOME[1])  # about 2 km away: flagged
    told = chat.photo(images.jpeg(seed=883)).text + "".join(chat.pushed())
    assert "需要办公室审核：位置离结对家庭较远" in told and "队长" not in told
    assert ServiceRecord.get().status == "flagged"


def test_a_members_flagged_entry_still_names_the_leader(chat, member):
    checked_out(chat, member, minutes_ago=1)
    chat.say("独居老人王大爷")
    chat.say("上门代购药品")
    assert chat.say("老人按时服药") == texts.REGISTER_SAVED_FLAGGED.format(who="队长")


# 5. A 「跳过」 with nothing to skip is answered kindly.


@pytest.mark.parametrize("word", ["跳过", "跳过。", "略过"])
def test_a_second_skip_after_the_questions_ended_is_answered(chat, member, word):
    checked_out(chat, member)
    chat.say("跳过")
    assert conversation_state("oa-lin") is None
    assert chat.say(word) == texts.NOTHING_TO_SKIP


def test_a_second_skip_after_a_visits_notes_is_answered(chat):
    chat.say("走访")
    chat.location(HOME[0] + NEAR, HOME[1])
    chat.photo(images.jpeg(seed=882))
    assert chat.say("跳过") == texts.VISIT_NOTES_LATER
    assert chat.say("跳过") == texts.NOTHING_TO_SKIP
