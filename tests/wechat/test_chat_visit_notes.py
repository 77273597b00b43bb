"""A visit's notes are written into its entry as each is given: a member who pauses longer
than the conversation lives (wechat.chat.state.TIMEOUT) loses nothing typed, and notes sent
while the photo is still checked are written by the check, whose result then says what is
still asked."""

from models import ChatState, RecordHistory, ServiceRecord
from services import clock
from tests import images
from tests.factories import pair
from tests.wechat.test_chat_support import Chat, after, chat_direct, conversation_state
from wechat import texts

SEEN = "老两口身体不错，家里暖气不热"


member, chat = chat_direct("oa-wu", "吴刚")


def photo_sent(chat, member, checked: bool):
    """走访, its location and photo; `checked`: the photo's check has run."""
    pair(member)
    chat.say("走访")
    chat.location(34.7466, 113.6253)
    return chat.photo(images.jpeg(seed=81), run_after=checked)


def notes() -> tuple[str, str]:
    record = ServiceRecord.get()
    return record.content, record.outcome


def fills() -> int:
    return RecordHistory.select().where(RecordHistory.action == "fill").count()


def time_out():
    ChatState.update(expires_at=clock.now_utc()).execute()


def conversation():
    return conversation_state("oa-wu")


def test_what_was_seen_outlives_the_conversation_timing_out(chat, member):
    photo_sent(chat, member, checked=True)
    assert "提供了哪些帮助" in chat.say(SEEN)
    assert notes() == ("入户走访：" + SEEN, "") and fills() == 1
    time_out()
    assert notes() == ("入户走访：" + SEEN, "")


def test_the_help_given_during_the_photo_check_is_kept_and_written_by_it(chat, member):
    first = photo_sent(chat, member, checked=False)
    chat.say(SEEN)
    assert chat.say("帮忙换了灯泡") == texts.VISIT_HELP_HELD
    after(first)
    told = chat.pushed()[-1]
    assert told.startswith("走访照片") and told.endswith(texts.VISIT_NOTES_KEPT)
    assert notes() == ("入户走访：" + SEEN, "帮忙换了灯泡")
    assert conversation() is None


def test_what_was_seen_during_the_photo_check_is_written_by_it(chat, member):
    first = photo_sent(chat, member, checked=False)
    chat.say(SEEN)
    after(first)
    assert texts.VISIT_HELP_QUESTION not in chat.pushed()[-1]  # the reply to the note asked
    assert notes() == ("入户走访：" + SEEN, "") and fills() == 1
    time_out()
    assert notes() == ("入户走访：" + SEEN, "")


def test_the_photo_result_does_not_repeat_the_question_the_photo_reply_asked(chat, member):
    reply = photo_sent(chat, member, checked=False)
    assert reply.text == texts.ASK_VISIT_SEEN
    after(reply)
    assert chat.pushed()[-1].startswith("走访照片") and "\n" not in chat.pushed()[-1]
    assert "提供了哪些帮助" in chat.say(SEEN)


def test_both_notes_make_one_history_line_each(chat, member):
    photo_sent(chat, member, checked=True)
    chat.say(SEEN)
    assert chat.say("帮忙换了灯泡") == texts.VISIT_SAVED
    assert notes() == ("入户走访：" + SEEN, "帮忙换了灯泡") and fills() == 2


def test_cancel_before_any_note_says_the_visit_is_registered(chat, member):
    photo_sent(chat, member, checked=True)
    assert chat.say("取消") == texts.VISIT_LEFT_WITHOUT_NOTES
    assert ServiceRecord.get().kind == "visit" and notes() == ("", "")
    assert conversation() is None


def test_both_notes_given_before_a_failed_photo_are_kept_for_the_next(
    settings_overrides, request, emulator
):
    """The photo could not be downloaded: the notes wait at the photo step, and the next
    photo's check writes them; neither is asked again."""
    settings_overrides["wechat"]["timeout_seconds"] = 0.5
    member = request.getfixturevalue("member")
    chat = Chat("oa-wu", emulator)
    emulator.inject("media_get", "timeout")
    first = photo_sent(chat, member, checked=False)
    chat.say(SEEN)
    assert chat.say("帮忙换了灯泡") == texts.VISIT_HELP_HELD
    after(first)
    assert chat.pushed()[-1].startswith("走访照片下载失败")
    assert chat.photo(images.jpeg(seed=82)).text == texts.VISIT_NOTES_WAIT_CHECK
    assert chat.pushed()[-1].endswith(texts.VISIT_NOTES_KEPT)
    assert notes() == ("入户走访：" + SEEN, "帮忙换了灯泡")
    assert conversation() is None
