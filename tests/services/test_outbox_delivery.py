"""The sender drains the outbox through the real channels to the emulator: channel order and
fallback, grants, each class of WeChat error, quiet hours and expiry at send time, two senders
at once, WeChat out of reach or refusing the whole account, answers lost on the way back."""

import dataclasses
import os
import socket
import threading
from datetime import datetime, timedelta

import pytest

from models import Enrollment, Member, Notification, SubscriptionGrant, db
from services import clock, grants, held_grants, reach
from services.activity_reminders import ReminderRules, remind_activities
from services.outbox import Message, enqueue
from services.outbox_delivery import Policy, claim, drain, record_template_report
from settings import load_settings
from tests.factories import make_activity, make_member, make_team
from tests.wechat.test_channels import FlakyWechat, settings_at
from wechat.channels import build_channels
from wechat.client import make_clients

MP_TEMPLATE, OA_TEMPLATE = "tmpl-mp", "tmpl-oa"
NOW = clock.to_utc(datetime(2026, 12, 1, 10, 0))  # 10:00 in Shanghai


@pytest.fixture
def settings_overrides(settings_overrides):
    notes = {"mp_template_id": MP_TEMPLATE, "oa_template_id": OA_TEMPLATE, "max_attempts": 3}
    rules = {"quiet_hours": "21:00-08:00"}  # every test here sends at a fixed time
    return settings_overrides | {"notifications": notes, "rules": rules}


def member(name: str, **kw):
    fields = {
        "mp_openid": f"mp-{name}",
        "oa_openid": f"oa-{name}",
        "last_interaction_at": NOW - timedelta(hours=1),
    }
    return make_member(name=name, **(fields | kw))


def queue(*members, kind="visit_reminder", now=NOW, urgent=False, tag="a", **extra) -> list[int]:
    payload = {"title": "走访提醒", "body": "请走访结对家庭", **extra}
    messages = [Message(m.id, kind, payload, f"{tag}:{m.id}", urgent) for m in members]
    enqueue(messages, now, "21:00-08:00")
    keys = [msg.dedupe_key for msg in messages]
    return [n.id for n in Notification.select().where(Notification.dedupe_key.in_(keys))]


def row(notification_id) -> Notification:
    return Notification.get_by_id(notification_id)


def sends(emulator) -> dict[str, int]:
    return {
        api: len(emulator.calls_to(api))
        for api in ("subscribe_send", "template_send", "custom_send")
    }


# --- channels in order ---------------------------------------------------------------------


def test_one_grant_one_subscribe_message_then_the_next_channel(channels, policy, emulator):
    ann = member(name="ann")
    grants.add(ann.id, MP_TEMPLATE, NOW)
    first, second = queue(ann, tag="a") + queue(ann, tag="b")
    assert drain(channels, NOW, policy) == {"claimed": 2, "sent": 2}
    assert (row(first).channel, row(second).channel) == ("mp_subscribe", "oa_template")
    assert row(first).sent_at == NOW and row(first).status == "sent"
    assert row(second).payload["msgid"].isdigit()
    assert sends(emulator) == {"subscribe_send": 1, "template_send": 1, "custom_send": 0}
    assert SubscriptionGrant.get().remaining == 0


def test_without_template_messages_a_recent_chat_gets_a_customer_service_text(
    channels, policy, emulator
):
    emulator.inject("template_send", 48001)  # e.g. an account not verified for templates
    (n,) = queue(member(name="bob", mp_openid=None))
    drain(channels, NOW, policy)
    assert (row(n).status, row(n).channel) == ("sent", "oa_custom")
    assert sends(emulator) == {"subscribe_send": 0, "template_send": 1, "custom_send": 1}


def test_nobody_reachable_is_skipped_with_every_reason(channels, policy, emulator):
    quiet = member(name="cy", oa_reachable=False, last_interaction_at=NOW - timedelta(days=3))
    (n,) = queue(quiet)
    assert drain(channels, NOW, policy) == {"claimed": 1, "skipped": 1}
    skipped = row(n)
    assert skipped.status == "skipped" and skipped.attempts == 1
    assert skipped.last_error == (  # channels refused for the same reason are named together
        "小程序订阅消息：队员没有剩余的订阅授权；公众号模板消息、公众号客服消息：队员未关注公众号"
    )
    assert emulator.calls == []


def test_a_kind_can_have_its_own_order(settings_overrides, emulator, app):
    notes = settings_overrides["notifications"] | {"channels_by_kind": "broadcast=oa_custom"}
    settings = load_settings(
        os.devnull, env={}, overrides=settings_overrides | {"notifications": notes}
    )
    clients = make_clients(settings)
    ann = member(name="ann")
    grants.add(ann.id, MP_TEMPLATE, NOW)
    queue(ann, kind="broadcast", tag="b")
    queue(ann, kind="visit_reminder", tag="v")
    drain(build_channels(clients, settings), NOW, Policy.from_settings(settings))
    clients.close()
    by_kind = {n.kind: n.channel for n in Notification.select()}
    assert by_kind == {"broadcast": "oa_custom", "visit_reminder": "mp_subscribe"}


def test_wechat_refusing_passes_on_and_teaches_us(channels, policy, emulator):
    dan = member(name="dan", last_interaction_at=NOW - timedelta(days=3))
    grants.add(dan.id, MP_TEMPLATE, NOW)
    grants.add(dan.id, MP_TEMPLATE, NOW)
    emulator.inject("subscribe_send", 43101)
    emulator.inject("template_send", 43004)
    (n,) = queue(dan)
    drain(channels, NOW, policy)
    assert row(n).status == "skipped"
    assert "小程序订阅消息：队员拒收或订阅授权已用完（43101）" in row(n).last_error
    assert "（43004）" in row(n).last_error
    assert SubscriptionGrant.get().remaining == 0  # WeChat said none is left
    assert Member.get_by_id(dan.id).oa_reachable is False  # and that dan unfollowed


def test_inactive_members_and_the_office_inbox_are_not_sent(channels, policy, emulator):
    (n,) = queue(member(name="eve", active=False))
    enqueue([Message(None, "report_late", {"title": "逾期"}, "office:1")], NOW, "off")
    drain(channels, NOW, policy)
    assert (row(n).status, row(n).last_error) == ("skipped", "队员已离队")
    assert Notification.get(Notification.member.is_null()).status == "pending"
    assert emulator.calls == []


@pytest.mark.parametrize(
    "order",
    [
        ("mp_subscribe", "oa_template", "oa_custom"),
        ("oa_custom",),
        ("oa_template", "mp_subscribe"),
    ],
)
def test_the_sender_skips_exactly_whom_the_reach_rule_says_it_cannot_reach(
    channels, policy, emulator, order
):
    """The rule a broadcast preview counts by and the sender's channels never disagree."""
    days_ago = NOW - timedelta(days=3)
    people = [
        member(name="all"),
        member(name="granted", oa_openid=None),
        member(name="mp_only", oa_openid=None),
        member(name="unbound", mp_openid=None, oa_openid=None),
        member(name="unfollowed", mp_openid=None, oa_reachable=False),
        member(name="unfollowed_granted", oa_reachable=False),
        member(name="silent", mp_openid=None, last_interaction_at=days_ago),
    ]
    for person in (people[1], people[5]):
        grants.add(person.id, MP_TEMPLATE, NOW)
    policy = only(policy, *order)
    audience = reach.audience(reach.recipients(people, MP_TEMPLATE), order, NOW)
    queue(*people, kind="broadcast")
    drain(channels, NOW, policy)
    skipped = {n.member_id for n in Notification.select() if n.status == "skipped"}
    assert skipped == {u.member_id for u in audience.unreached}
    assert Notification.select().where(Notification.status == "sent").count() == (
        audience.reachable
    )


# --- errors and retries --------------------------------------------------------------------


def only(policy, *channels_in_order):
    return dataclasses.replace(policy, orders={}, default_order=channels_in_order)


def test_an_expired_token_is_refreshed_once(channels, policy, emulator):
    ann = member(name="ann")
    queue(ann, tag="a")
    drain(channels, NOW, only(policy, "oa_template"))
    emulator.expire_tokens()
    (n,) = queue(ann, tag="b")
    assert drain(channels, NOW, only(policy, "oa_template")) == {"claimed": 1, "sent": 1}
    assert row(n).attempts == 1 and len(emulator.calls_to("stable_token")) == 2


def test_busy_backs_off_then_fails_after_the_last_attempt(channels, policy, emulator):
    emulator.inject("template_send", -1, times=None)
    (n,) = queue(member(name="ann"))
    policy = only(policy, "oa_template")
    assert drain(channels, NOW, policy) == {"claimed": 1, "retry": 1}
    first = row(n)
    assert (first.status, first.attempts, first.next_attempt_at) == (
        "pending",
        1,
        NOW + timedelta(seconds=60),
    )
    assert first.last_error == "公众号模板消息：微信系统繁忙（-1）"
    assert drain(channels, NOW + timedelta(seconds=59), policy) == {}  # not due yet
    drain(channels, NOW + timedelta(seconds=60), policy)
    assert row(n).next_attempt_at == NOW + timedelta(seconds=60 + 120)
    drain(channels, NOW + timedelta(seconds=180), policy)
    last = row(n)
    assert (last.status, last.attempts, last.channel) == ("failed", 3, "oa_template")
    assert len(emulator.calls_to("template_send")) == 3


def test_retries_wait_out_the_quiet_hours_unless_urgent(channels, policy, emulator):
    evening = clock.to_utc(datetime(2026, 12, 1, 20, 59, 30))
    emulator.inject("template_send", 45011, times=None)  # this minute's quota
    calm = queue(member(name="ann"), now=evening, tag="calm")[0]
    urgent = queue(member(name="bob"), now=evening, urgent=True, tag="urgent")[0]
    drain(channels, evening, only(policy, "oa_template"))
    assert row(calm).next_attempt_at == clock.to_utc(datetime(2026, 12, 2, 8, 0))
    assert row(urgent).next_attempt_at == evening + timedelta(seconds=60)
    assert "次数已达上限" in row(calm).last_error


def test_a_refusal_after_a_busy_channel_is_not_reached(channels, policy, emulator):
    emulator.inject("template_send", -1)
    (n,) = queue(member(name="ann"))
    drain(channels, NOW, only(policy, "oa_template", "oa_custom"))
    assert row(n).status == "pending" and sends(emulator)["custom_send"] == 0


# --- two senders, a dead sender, no network ------------------------------------------------


def test_two_senders_at_once_deliver_each_row_once(channels, policy, emulator):
    people = [member(name=f"p{i}") for i in range(60)]
    ids = queue(*people)
    start, results = threading.Barrier(2), []

    def sender():
        with db.connection_context():
            start.wait()
            results.append(drain(channels, NOW, only(policy, "oa_template")))

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.get("sent", 0) for r in results) == 60
    touched = sorted(c.body["touser"] for c in emulator.calls_to("template_send"))
    assert touched == sorted(p.oa_openid for p in people)
    assert {row(i).status for i in ids} == {"sent"}


def test_a_row_held_by_another_sender_waits_for_its_lease(channels, policy, emulator):
    (n,) = queue(member(name="ann"))
    Notification.update(claimed_until=NOW + timedelta(seconds=30)).execute()
    assert drain(channels, NOW, policy) == {}
    assert drain(channels, NOW + timedelta(seconds=31), policy) == {"claimed": 1, "sent": 1}


def test_a_claim_locks_its_rows_in_id_order_and_the_urgent_still_go_first(
    channels, policy, emulator
):
    """The sender claims in id order, the order in which services.outbox rewrites rows inside
    a decision's transaction (opposite orders could deadlock on PostgreSQL), and then sends
    the urgent one first all the same."""
    (plain,) = queue(member(name="ann"), tag="plain")
    (urgent,) = queue(member(name="bob"), tag="urgent", urgent=True)
    assert claim(NOW, 300, 10) == (2, [plain, urgent])
    later = NOW + timedelta(seconds=301)
    assert drain(channels, later, only(policy, "oa_template")) == {"claimed": 2, "sent": 2}
    touched = [c.body["touser"] for c in emulator.calls_to("template_send")]
    assert touched == ["oa-bob", "oa-ann"]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_nothing_is_lost_while_wechat_is_out_of_reach(
    settings_overrides, channels, policy, emulator
):
    base = f"http://127.0.0.1:{closed_port()}/"
    down = load_settings(
        os.devnull,
        env={},
        overrides=settings_overrides
        | {"wechat": settings_overrides["wechat"] | {"api_base_url": base}},
    )
    ann = member(name="ann")
    grants.add(ann.id, MP_TEMPLATE, NOW)
    ids = queue(ann, *[member(name=f"p{i}") for i in range(4)])
    clients = make_clients(down)
    counts = drain(build_channels(clients, down), NOW, policy)
    clients.close()
    assert counts == {"claimed": 5, "unreachable": 1, "released": 4}
    for i in ids:
        waiting = row(i)
        assert (waiting.status, waiting.attempts, waiting.claimed_until) == ("pending", 0, None)
    assert row(ids[0]).last_error == "小程序订阅消息：无法连接微信服务器（连接被拒绝或网络不通）"
    assert SubscriptionGrant.get().remaining == 1
    assert drain(channels, NOW, policy) == {"claimed": 5, "sent": 5}  # back up: all go out
    assert row(ids[0]).channel == "mp_subscribe"


def test_the_batch_size_bounds_a_run(channels, policy, emulator):
    queue(*[member(name=f"p{i}") for i in range(7)])
    assert drain(channels, NOW, policy, limit=5)["sent"] == 5
    assert drain(channels, NOW, policy)["sent"] == 2


# --- delivery reports ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected", "error"),
    [
        ("success", "sent", ""),
        ("failed:user block", "failed", "队员已拒收公众号模板消息"),
        ("failed: system failed", "failed", "微信发送失败"),
        ("failed:freq limit", "failed", "发送过于频繁，被微信限制"),
        ("failed:something new", "failed", "微信返回：failed:something new"),
    ],
)
def test_a_template_delivery_report_finds_its_send(
    channels, policy, emulator, status, expected, error
):
    ann = member(name="ann")
    (n,) = queue(ann)
    drain(channels, NOW, only(policy, "oa_template"))
    msgid = row(n).payload["msgid"]
    assert record_template_report(ann.id, msgid, status) == 1
    assert record_template_report(ann.id, "1", status) == 0
    reported = row(n)
    assert (reported.status, reported.payload["delivery"]) == (expected, status)
    assert reported.last_error == (f"公众号模板消息：{error}" if error else "")


def test_a_run_stops_before_its_lease_runs_out(settings_overrides, app, emulator):
    wechat = settings_overrides["wechat"] | {"timeout_seconds": 0.1}
    notes = settings_overrides["notifications"] | {"lease_seconds": 1}  # 10 x the timeout
    slow = load_settings(
        os.devnull,
        env={},
        overrides=settings_overrides | {"wechat": wechat, "notifications": notes},
    )
    ids = sorted(queue(*[member(name=f"p{i}") for i in range(12)]))
    clients = make_clients(slow)
    clients.official_account.access_token  # noqa: B018 (fetch the token before WeChat stalls)
    emulator.inject("template_send", "timeout", times=None)
    policy = only(Policy.from_settings(slow), "oa_template")
    counts = drain(build_channels(clients, slow), NOW, policy)
    clients.close()
    tried = counts["retry"]  # each takes at least the 0.1 s timeout; the run stops at 0.8 s
    assert 4 <= tried <= 8 and counts == {"claimed": 12, "retry": tried, "released": 12 - tried}
    assert [row(i).attempts for i in ids] == [1] * tried + [0] * (12 - tried)
    assert {row(i).claimed_until for i in ids} == {None}


def test_a_message_the_sender_cannot_handle_does_not_stall_the_rest(channels, policy, emulator):
    broken, fine = member(name="ann"), member(name="bob")
    enqueue([Message(broken.id, "x", ["not", "an", "object"], "broken")], NOW, "off")
    (n,) = queue(fine)
    assert drain(channels, NOW, policy) == {"claimed": 2, "retry": 1, "sent": 1}
    bad = Notification.get(Notification.dedupe_key == "broken")
    assert (bad.status, bad.attempts, bad.last_error) == (
        "pending",
        1,
        "消息无法处理（内部错误，已记录日志）",
    )
    assert row(n).status == "sent"


# --- answers lost, the account refused, quiet hours and expiry at send time ---------------


def test_an_answer_lost_after_sending_is_retried_without_holding_up_the_rest(
    settings_overrides, app, policy, emulator, emulator_server
):
    first, second = queue(member(name="ann"), member(name="bob"))
    with FlakyWechat(emulator_server.url, {"template_send": ["reset"]}) as proxy:
        flaky = settings_at(settings_overrides, proxy.url)
        clients = make_clients(flaky)
        counts = drain(build_channels(clients, flaky), NOW, only(policy, "oa_template"))
        clients.close()
    assert counts == {"claimed": 2, "retry": 1, "sent": 1}
    lost = row(first)
    assert (lost.status, lost.attempts, lost.next_attempt_at) == (
        "pending",
        1,
        NOW + timedelta(seconds=60),
    )
    assert lost.last_error == "公众号模板消息：发出后连接中断，微信可能已收到（将重试）"
    assert row(second).status == "sent"
    assert len(emulator.calls_to("template_send")) == 2  # WeChat got both


def test_an_answer_that_is_not_json_reads_as_chinese(
    settings_overrides, app, policy, emulator, emulator_server
):
    (n,) = queue(member(name="ann"))
    with FlakyWechat(emulator_server.url, {"template_send": ["garbage"]}) as proxy:
        flaky = settings_at(settings_overrides, proxy.url)
        clients = make_clients(flaky)
        drain(build_channels(clients, flaky), NOW, only(policy, "oa_template"))
        clients.close()
    assert row(n).last_error == "公众号模板消息：微信接口异常（应答无法识别）"


@pytest.mark.parametrize(
    ("api", "errcode", "says"),
    [
        ("template_send", 45009, "今日调用次数已用完"),
        ("stable_token", 40164, "IP 不在微信接口白名单中"),
        ("stable_token", 40013, "AppID 或 AppSecret 有误"),
        ("stable_token", 40125, "AppID 或 AppSecret 有误"),
    ],
)
def test_an_account_wide_refusal_stops_the_run_and_keeps_every_row(
    channels, policy, emulator, caplog, api, errcode, says
):
    ids = queue(*[member(name=f"p{i}") for i in range(3)])
    emulator.inject(api, errcode, times=None)
    assert drain(channels, NOW, policy) == {"claimed": 3, "blocked": 1, "released": 2}
    assert len(emulator.calls_to(api)) == 1  # not tried row by row
    for i in ids:
        waiting = row(i)
        assert (waiting.status, waiting.attempts, waiting.claimed_until) == ("pending", 0, None)
    assert says in row(ids[0]).last_error and f"（{errcode}）" in row(ids[0]).last_error
    assert [r.levelname for r in caplog.records if str(errcode) in r.getMessage()] == ["WARNING"]
    emulator.reset()  # the quota is back, the account fixed
    assert drain(channels, NOW, policy) == {"claimed": 3, "sent": 3}


def test_quiet_hours_hold_a_backlog_at_send_time_unless_urgent(channels, policy, emulator):
    evening, night = (clock.to_utc(datetime(2026, 12, 1, h, 0)) for h in (20, 23))
    calm = queue(member(name="ann"), now=evening, tag="calm")[0]
    urgent = queue(member(name="bob"), now=evening, urgent=True, tag="urgent")[0]
    assert drain(channels, night, policy) == {"claimed": 2, "deferred": 1, "sent": 1}
    held = row(calm)
    morning = clock.to_utc(datetime(2026, 12, 2, 8, 0))
    assert (held.status, held.attempts, held.next_attempt_at) == ("pending", 0, morning)
    assert row(urgent).status == "sent" and len(emulator.calls_to("template_send")) == 1
    assert drain(channels, night + timedelta(hours=1), policy) == {}
    assert drain(channels, morning, policy) == {"claimed": 1, "sent": 1}


def test_an_expired_message_is_skipped_not_sent(channels, policy, emulator):
    expires = (NOW + timedelta(minutes=30)).isoformat()
    late = queue(member(name="ann"), tag="late", expires=expires)[0]
    later = NOW + timedelta(minutes=31)
    fine = queue(member(name="bob"), tag="fine", now=later, expires=later.isoformat())[0]
    assert drain(channels, later, policy) == {"claimed": 2, "skipped": 1, "sent": 1}
    assert (row(late).status, row(late).last_error) == ("skipped", "已过期，未发送")
    assert row(fine).status == "sent"
    assert [c.body["touser"] for c in emulator.calls_to("template_send")] == ["oa-bob"]


def test_a_message_the_quiet_hours_would_hold_past_its_expiry_is_skipped(
    channels, policy, emulator
):
    night = clock.to_utc(datetime(2026, 12, 1, 23, 0))
    expires = clock.to_utc(datetime(2026, 12, 2, 7, 30)).isoformat()
    (n,) = queue(
        member(name="ann"), now=clock.to_utc(datetime(2026, 12, 1, 20, 0)), expires=expires
    )
    assert drain(channels, night, policy) == {"claimed": 1, "skipped": 1}
    assert row(n).last_error == "已过期，未发送" and emulator.calls == []


def test_an_activity_reminder_held_up_until_the_start_is_not_sent(channels, policy, emulator):
    team = make_team()
    ann = member(name="ann", team=team)
    activity = make_activity(team, starts_at=NOW + timedelta(minutes=50))
    Enrollment.create(activity=activity, member=ann, created_at=NOW)
    assert remind_activities(NOW, ReminderRules())["queued"] == 1
    started = activity.starts_at + timedelta(minutes=1)  # the sender was down until after it
    assert drain(channels, started, policy) == {"claimed": 1, "skipped": 1}
    assert Notification.get().last_error == "已过期，未发送" and emulator.calls == []


# --- a grant held since the message was queued (a broadcast's) -----------------------------


def held(name: str, **kw) -> tuple[Member, int]:
    """A member whose only grant was taken when their message was queued."""
    person = member(name=name, **kw)
    grants.add(person.id, MP_TEMPLATE, NOW)
    assert held_grants.hold(person.id, MP_TEMPLATE)
    (n,) = queue(person, kind="broadcast", tag=name, grant=MP_TEMPLATE)
    return person, n


def left(person: Member) -> int:
    return grants.remaining(person.id, (MP_TEMPLATE,))[MP_TEMPLATE]


def test_a_held_grant_is_sent_on_not_spent_twice(channels, policy, emulator):
    ann, n = held("ann")
    assert drain(channels, NOW, policy) == {"claimed": 1, "sent": 1}
    assert (row(n).channel, left(ann)) == ("mp_subscribe", 0)
    assert "grant" not in row(n).payload
    assert sends(emulator)["subscribe_send"] == 1


def test_a_held_grant_stays_with_its_row_while_wechat_is_busy(channels, policy, emulator):
    ann, n = held("ann")
    emulator.inject("subscribe_send", -1)
    assert drain(channels, NOW, policy) == {"claimed": 1, "retry": 1}
    assert (row(n).payload["grant"], left(ann)) == (MP_TEMPLATE, 0)  # no other message takes it
    later = NOW + timedelta(minutes=5)
    (other,) = queue(ann, now=later, tag="reminder")  # a reminder finds no grant left
    assert drain(channels, later, policy) == {"claimed": 2, "sent": 2}
    assert (row(n).channel, row(other).channel, left(ann)) == ("mp_subscribe", "oa_template", 0)


def test_a_held_grant_wechat_says_is_gone_is_not_given_back(channels, policy, emulator):
    ann, n = held("ann")
    emulator.inject("subscribe_send", 43101)
    assert drain(channels, NOW, policy) == {"claimed": 1, "sent": 1}
    assert (row(n).channel, left(ann)) == ("oa_template", 0)
    assert "grant" not in row(n).payload


@pytest.mark.parametrize("how", ["another_channel", "skipped"])
def test_a_held_grant_unused_goes_back_to_the_member(channels, policy, emulator, how):
    ann, n = held("ann", active=how != "skipped")
    without_mp = {k: v for k, v in channels.items() if k != "mp_subscribe"}
    drain(without_mp, NOW, policy)
    assert row(n).status == {"another_channel": "sent", "skipped": "skipped"}[how]
    assert left(ann) == 1 and "grant" not in row(n).payload


class Overtaken:
    """A channel that sends, while another sender claims the row (this one's lease lapsed)."""

    def __init__(self, channel):
        self.channel = channel

    def __getattr__(self, name):
        return getattr(self.channel, name)

    def send(self, d):
        Notification.update(claimed_until=NOW + timedelta(hours=1)).execute()
        return self.channel.send(d)


def test_a_held_grant_is_not_given_back_by_a_sender_that_lost_the_row(channels, policy, emulator):
    ann, n = held("ann")
    overtaken = {k: Overtaken(v) for k, v in channels.items() if k != "mp_subscribe"}
    drain(overtaken, NOW, policy)
    assert left(ann) == 0  # the sender holding the row now may still send on the grant
    assert row(n).payload["grant"] == MP_TEMPLATE
