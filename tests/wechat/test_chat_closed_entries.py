"""签退 and 补登 in the chat for an entry someone else closed: rejected by a reviewer, its
hours set by the office, or checked out by the system. The chat says what the mini-program's
API says of the same entry (services.checkin.check_out's refusals), not that there is
nothing to do."""

from datetime import datetime, timedelta

import pytest

from models import Member, ServiceRecord
from services import clock, history, review
from services.actors import Actor
from services.checkin_closing import ClosingRules, close_open_checkins
from tests.factories import QUIET, RULES, make_activity, make_record, office_actor
from tests.wechat.test_chat_support import chat_direct
from wechat import texts

member, chat = chat_direct("oa-closed", "秦岚")

OFFICE_REJECTED = "该记录未通过审核，不能再修改；如有异议请联系办公室。"
LEADER_REJECTED = "该记录未通过审核，不能再修改；如有异议请联系队长。"
OFFICE_SET = (
    "办公室已核定这次服务的时长（{minutes} 分钟），这次签到已结束，无需再签退；"
    "如有疑问，请联系办公室。"
)
AUTO_CLOSED = "这次签到未及时签退，已由系统自动签退；如需更正服务时长，请联系办公室。"


def open_entry(member, hours: float = 1) -> ServiceRecord:
    """An open check-in with its history line, as check-in writes it (a leader reviews only
    an entry its history accounts for)."""
    at = clock.now_utc() - timedelta(hours=hours)
    record = make_record(member, kind="individual", checkin_at=at)
    history.append(record, Actor(member=member).label, "checkin", at, {})
    return record


def reject(record: ServiceRecord, by: Actor) -> None:
    review.review(by, record.id, "reject", "照片不清", clock.now_utc(), QUIET)


def leader_of(member) -> Actor:
    return Actor(member=member.team.members.where(Member.role == "leader").get())


@pytest.mark.parametrize(("by", "said"), [("office", OFFICE_REJECTED), ("leader", LEADER_REJECTED)])
def test_checking_out_of_a_rejected_entry_says_it_was_rejected(chat, member, by, said):
    """The tester's case: the only open check-in was rejected; 签退 names whom to ask, as
    the API's 409 record_rejected does, and leaves the entry as it was."""
    record = open_entry(member)
    reject(record, office_actor() if by == "office" else leader_of(member))
    assert chat.say("签退") == f"您{day_of(record)}签到的「{texts.INDIVIDUAL_TITLE}」：{said}"
    entry = ServiceRecord.get_by_id(record.id)
    assert entry.checkout_at is None and entry.duration_minutes is None


def test_a_rejected_entry_does_not_hide_another_open_check_in(chat, member):
    reject(open_entry(member, hours=2), office_actor())
    open_entry(member)
    assert chat.say("签退") == texts.ASK_CHECKOUT_LOCATION.format(title=texts.INDIVIDUAL_TITLE)


def test_checking_out_after_the_office_set_the_hours_says_so(chat, member):
    """The office set the hours of the open entry, which closed it: the chat says what the
    API's 409 office_checked_out says."""
    record = open_entry(member)
    review.correct(
        office_actor(),
        record.id,
        clock.now_utc(),
        reason="核定",
        quiet_hours=QUIET,
        rules=RULES,
        duration_minutes=1,
    )
    assert chat.say("签退") == (
        f"您{day_of(record)}签到的「{texts.INDIVIDUAL_TITLE}」："
        "办公室已核定这次服务的时长（1 分钟），这次签到已结束，无需再签退；如有疑问，请联系办公室。"
    )


def day_of(record: ServiceRecord) -> str:
    local = clock.to_local(record.checkin_at)
    return f"{local.month}月{local.day}日"


def test_checking_out_after_the_system_closed_the_entry_says_so(chat, member):
    record = open_entry(member, hours=13)
    close_open_checkins(clock.now_utc())
    assert chat.say("签退") == (
        f"您{day_of(record)}签到的「{texts.INDIVIDUAL_TITLE}」："
        "这次签到未及时签退，已由系统自动签退；如需更正服务时长，请联系办公室。"
    )


# The tests of how long ago an entry may have settled run at a fixed time: "since yesterday
# began" near Shanghai midnight would otherwise depend on when they run.
NOW = clock.to_utc(datetime(2026, 11, 29, 10))  # Sunday 29 November 2026, 10:00 in Shanghai


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A Shanghai wall-clock time in November 2026, as the naive UTC stored."""
    return clock.to_utc(datetime(2026, 11, day, hour, minute))


@pytest.fixture
def fixed_now(monkeypatch):
    monkeypatch.setattr(clock, "now_utc", lambda: NOW)


def entry_at(member, when, activity=None) -> ServiceRecord:
    """An open check-in made at `when`, with its history line."""
    kind = "activity" if activity else "individual"
    record = make_record(member, activity, checkin_at=when, kind=kind)
    history.append(record, Actor(member=member).label, "checkin", when, {})
    return record


def three_day_entry(member) -> ServiceRecord:
    """A check-in on the 26th to an activity from the 26th, 09:00, to the 28th, 21:00."""
    activity = make_activity(member.team, starts_at=at(26, 9), hours=60, title="三日义诊")
    return entry_at(member, at(26, 9, 5), activity)


def office_closes(record: ServiceRecord, when, minutes: int = 120) -> None:
    review.correct(
        office_actor(f"office-{record.id}"),
        record.id,
        when,
        reason="核定",
        quiet_hours=QUIET,
        rules=RULES,
        duration_minutes=minutes,
    )


def test_a_several_day_activity_the_system_closed_this_morning_is_named(fixed_now, chat, member):
    """The tester's case: checked in three days ago to a three-day activity, closed by the
    system after midnight; 签退 today names it, by the day it was checked in."""
    three_day_entry(member)
    close_open_checkins(at(29, 0, 30), ClosingRules(max_open=timedelta(hours=72)))
    assert chat.say("签退") == f"您11月26日签到的「三日义诊」：{AUTO_CLOSED}"


def test_an_entry_the_office_closed_today_is_named_though_checked_in_days_ago(
    fixed_now, chat, member
):
    office_closes(entry_at(member, at(24, 9)), at(29, 9))
    said = OFFICE_SET.format(minutes=120)
    assert chat.say("签退") == f"您11月24日签到的「{texts.INDIVIDUAL_TITLE}」：{said}"


def test_an_entry_the_system_closed_days_ago_is_not_named_at_every_check_out(
    fixed_now, chat, member
):
    """Only an entry settled since yesterday began is what a 签退 with nothing open meant:
    one closed days ago would be said on every 签退 for ever."""
    entry_at(member, at(25, 20))
    close_open_checkins(at(26, 9))
    assert chat.say("签退") == texts.NOTHING_TO_CHECK_OUT


def test_after_checking_out_oneself_a_service_the_office_closed_earlier_is_not_named(
    fixed_now, chat, member
):
    """The member checks out of the three-day activity in the chat today; the service the
    office closed yesterday is not what their next 签退 is about."""
    three_day_entry(member)
    office_closes(entry_at(member, at(28, 8)), at(28, 12))
    assert chat.say("签退") == texts.ASK_CHECKOUT_LOCATION.format(title="三日义诊")
    assert chat.say("跳过").startswith("已签退「三日义诊」")  # late, for the leader to review
    chat.say("跳过")  # the register's questions, left for later
    assert chat.say("签退") == texts.NOTHING_TO_CHECK_OUT


def test_an_entry_the_system_closed_and_a_reviewer_rejected_says_it_was_rejected(chat, member):
    """Rejected, it counts no hours: asking the office to correct them would mislead."""
    record = open_entry(member, hours=13)
    close_open_checkins(clock.now_utc())
    reject(ServiceRecord.get_by_id(record.id), office_actor())
    said = chat.say("签退")
    assert said == f"您{day_of(record)}签到的「{texts.INDIVIDUAL_TITLE}」：{OFFICE_REJECTED}"


def test_checking_out_after_ones_own_check_out_is_nothing_to_do(chat, member):
    """The member's own check-out, then a rejection: nothing is left to check out."""
    record = closed_entry(chat, member)
    assert record.checkout_at is not None
    reject(record, office_actor())
    assert chat.say("签退") == texts.NOTHING_TO_CHECK_OUT


def closed_entry(chat, member) -> ServiceRecord:
    """An entry the member checked out of in the chat, leaving the register's questions."""
    record = open_entry(member)
    chat.say("签退")
    assert "服务的对象是谁" in chat.say("跳过")
    chat.say("跳过")
    return ServiceRecord.get_by_id(record.id)


@pytest.mark.parametrize(("by", "who"), [("office", "办公室"), ("leader", "队长")])
def test_refilling_a_rejected_entry_says_it_was_rejected_and_whom_to_ask(chat, member, by, who):
    """The tester's case: the latest entry, fields blank, was rejected; 补登 says it does not
    count and whom to ask, not that everything is filled in."""
    reject(closed_entry(chat, member), office_actor() if by == "office" else leader_of(member))
    assert chat.say("补登") == (
        f"您最近的服务登记「{texts.INDIVIDUAL_TITLE}」已被{who}退回（未通过审核），"
        f"不计入服务时长，不能再补登；如有疑问请联系{who}。"
    )


def test_refilling_with_a_rejected_entry_filled_in_is_nothing_to_do(chat, member):
    record = closed_entry(chat, member)
    ServiceRecord.update(target="王大爷", content="代购", outcome="按时服药").execute()
    reject(record, office_actor())
    assert chat.say("补登") == texts.REFILL_NOTHING
