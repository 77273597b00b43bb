"""签退 and 补登 in the chat for an entry someone else closed: rejected by a reviewer, its
hours set by the office, or checked out by the system. The chat says what the mini-program's
API says of the same entry (services.checkin.check_out's refusals), not that there is
nothing to do."""

from datetime import timedelta

import pytest

from models import Member, ServiceRecord
from services import clock, history, review
from services.actors import Actor
from services.checkin_closing import close_open_checkins
from tests.factories import QUIET, RULES, make_record, office_actor
from tests.wechat.test_chat_support import chat_direct
from wechat import texts

member, chat = chat_direct("oa-closed", "秦岚")

OFFICE_REJECTED = "该记录未通过审核，不能再修改；如有异议请联系办公室。"
LEADER_REJECTED = "该记录未通过审核，不能再修改；如有异议请联系队长。"


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


def test_an_entry_the_system_closed_weeks_ago_is_not_named_at_every_check_out(chat, member):
    """Only a recent entry (checked in since yesterday began) is what a 签退 with nothing
    open meant: one closed weeks ago would be said on every 签退 for ever."""
    open_entry(member, hours=24 * 20)
    close_open_checkins(clock.now_utc())
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
