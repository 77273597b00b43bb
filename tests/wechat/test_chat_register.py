"""The register's questions after 签退 in the chat, for entries made elsewhere: a household
visit checked in from the mini-program, or a chat visit left before its notes, is asked what
the chat's own visit flow asks, and its 服务对象 is the visited household, never asked."""

from datetime import timedelta

import pytest

from models import Enrollment, ServiceRecord
from services import clock
from services.records import counts_toward_hours
from tests import images
from tests.api.conftest import ApiClient
from tests.api.test_checkins import checkin_form, post_checkin
from tests.factories import make_activity, make_household, make_member, make_team, pair
from tests.wechat.test_chat_support import NEAR, Chat
from wechat import texts

HOME = (34.7466, 113.6253)
TARGET = "结对家庭 王**户"  # as the visit flow names the household: the head's name masked


@pytest.fixture
def member(app):
    with app.app_context():
        member = make_member(team=make_team(), oa_openid="oa-alice", mp_openid="mp-alice")
        home = make_household(member.team.community, head_name="王秀英", lat=HOME[0], lng=HOME[1])
        pair(member, home)
        yield member


@pytest.fixture
def chat(member, emulator):
    return Chat("oa-alice", emulator)


def from_the_mini_program(client, form: dict) -> None:
    """A check-in over the API an hour ago, as the mini-program makes it."""
    login = client.post("/api/v1/auth/login", json={"code": "code:mp-alice"})
    phone = ApiClient(client, login.get_json()["token"])
    assert post_checkin(phone, form).status_code == 201
    earlier = clock.now_utc() - timedelta(hours=1)
    ServiceRecord.update(checkin_at=earlier).execute()


def visit_from_the_mini_program(client, **details) -> None:
    """A household visit checked in over the API an hour ago."""
    form = checkin_form(kind="visit", lat=str(HOME[0] + NEAR), lng=str(HOME[1]), **details)
    from_the_mini_program(client, form)


def test_a_visit_with_nothing_left_to_ask_still_gets_its_target_and_counts(client, chat):
    """The reviewer's case: content and outcome written in the mini-program, 签退 in the chat
    without a location; nothing is asked, and the entry is complete."""
    visit_from_the_mini_program(client, content="了解老人近况", outcome="送去米面油")
    chat.say("签退")
    done = chat.say("跳过")
    assert "签退成功" in done and "？" not in done
    record = ServiceRecord.get()
    assert (record.content, record.target, record.outcome) == ("了解老人近况", TARGET, "送去米面油")
    assert counts_toward_hours(record)
    assert "可以发送" in chat.say("帮助")  # no question waits for an answer


def test_an_activity_with_nothing_left_to_ask_still_says_what_was_done(client, chat, member):
    started = clock.now_utc() - timedelta(minutes=10)
    activity = make_activity(member.team, starts_at=started, hours=2, title="义诊")
    Enrollment.create(activity=activity, member=member, created_at=started)
    from_the_mini_program(client, checkin_form(activity, target="老年居民", outcome="量血压20人"))
    chat.say("签退")
    assert "？" not in chat.say("跳过")
    record = ServiceRecord.get()
    assert (record.content, record.target) == ("参加「义诊」", "老年居民")
    assert counts_toward_hours(record)


def test_a_mini_program_visit_is_asked_what_a_visit_needs_and_not_its_target(client, chat):
    visit_from_the_mini_program(client)
    assert "结对家庭走访" in chat.say("签退")
    done = chat.say("跳过")  # no location
    assert "签退成功" in done and "看到的家庭情况" in done
    assert "服务的对象" not in done and "服务对象" not in done
    assert "提供了哪些帮助" in chat.say("老人独自居住，身体尚好")
    assert "计入您的服务时长" in chat.say("帮忙打扫卫生")
    record = ServiceRecord.get()
    assert (record.content, record.target, record.outcome) == (
        "入户走访：老人独自居住，身体尚好",
        TARGET,
        "帮忙打扫卫生",
    )
    assert counts_toward_hours(record)


def test_a_skipped_visit_still_has_its_target_and_is_not_told_to_add_one(client, chat):
    visit_from_the_mini_program(client)
    chat.say("签退")
    chat.say("跳过")
    skipped = chat.say("跳过")
    assert "补充服务内容、取得的成效" in skipped and "服务对象" not in skipped
    record = ServiceRecord.get()
    assert (record.content, record.target, record.outcome) == ("", TARGET, "")


def test_a_target_written_in_the_mini_program_is_kept(client, chat):
    visit_from_the_mini_program(client, target="王阿姨一家", content="了解老人近况")
    chat.say("签退")
    assert "提供了哪些帮助" in chat.say("跳过")  # content is written: only the help is asked
    chat.say("送去米面油")
    record = ServiceRecord.get()
    assert (record.content, record.target, record.outcome) == (
        "了解老人近况",
        "王阿姨一家",
        "送去米面油",
    )


def test_long_visit_notes_after_check_out_are_asked_again_within_the_room_left(client, chat):
    visit_from_the_mini_program(client)
    chat.say("签退")
    chat.say("跳过")
    assert "看到的家庭情况最多可写 495 个字" in chat.say("情" * 496)
    assert "提供了哪些帮助" in chat.say("情" * 495)
    assert "计入您的服务时长" in chat.say("送去米面油")
    assert len(ServiceRecord.get().content) == 500


def test_a_chat_visit_left_before_its_notes_is_asked_them_at_check_out(chat):
    chat.say("走访")
    chat.location(HOME[0] + NEAR, HOME[1])
    chat.photo(images.jpeg(seed=61))
    assert chat.say("取消") == texts.VISIT_LEFT_WITHOUT_NOTES  # the visit stays registered
    chat.say("签退")
    done = chat.say("跳过")
    assert "看到的家庭情况" in done and "服务对象" not in done
    chat.say("家中一切正常")
    chat.say("送去米面油")
    record = ServiceRecord.get()
    assert (record.source, record.target) == ("chat", TARGET)
    assert counts_toward_hours(record)


def test_a_visit_filled_in_by_the_visit_flow_is_asked_nothing_at_check_out(chat):
    chat.say("走访")
    chat.location(HOME[0] + NEAR, HOME[1])
    chat.photo(images.jpeg(seed=62))
    chat.say("家中一切正常")
    assert "走访已登记" in chat.say("送去米面油")
    chat.say("签退")
    done = chat.say("跳过")
    assert "签退" in done and "？" not in done
    assert "可以发送" in chat.say("帮助")  # no question waits for an answer
    record = ServiceRecord.get()
    assert record.target == TARGET  # written by the check-out
    assert counts_toward_hours(record)


def test_every_register_question_tells_how_to_skip_it():
    """Whichever field comes first (an activity with its target written starts at the
    outcome), the member learns that 跳过 leaves it for the mini-program."""
    from wechat.chat.register import BY_KIND, QUESTIONS

    questions = [*QUESTIONS.values(), *(q for kind in BY_KIND.values() for q in kind.values())]
    assert all("「跳过」" in question.text for question in questions)
