"""An urgent notice leaves an audit line, and one sent inside the quiet hours one message in
the office's inbox, however often its request is retried; the office lists every team's
notices with their urgency and counts, in a number of queries that does not grow."""

import itertools
from datetime import date, datetime, timedelta

import pytest

from models import AuditLog, Member, Notification, Team
from services import broadcast, broadcast_audit, outbox_report, urgent_audit
from services.actors import Actor
from services.broadcast_audit import BroadcastFilter
from services.errors import Forbidden, Invalid, NotFound
from services.outbox_delivery import Policy
from tests.factories import BROADCAST_POLICY as POLICY
from tests.factories import NOW, make_member, make_team, office_actor
from tests.statements import count_queries

QUIET = POLICY.quiet_hours
NIGHT = datetime(2026, 11, 28, 15, 30)  # 23:30 in Shanghai, inside the quiet hours
DAY = NOW  # 10:00 in Shanghai
_logins = itertools.count(1)


def shanghai(text: str) -> datetime:
    return datetime.fromisoformat(text) - timedelta(hours=8)


def following_team(name: str, members: int = 3) -> tuple[Team, Member]:
    """A team whose members follow the Official Account, and its leader."""
    team = make_team(name=name, members=members)
    for m in team.members:
        Member.update(oa_openid=f"oa-{m.id}").where(Member.id == m.id).execute()
    return team, Member.get((Member.team == team) & (Member.role == "leader"))


@pytest.fixture
def leader(database):
    return following_team("第一服务队")[1]


def inbox() -> list[Notification]:
    return list(Notification.select().where(Notification.member.is_null()))


def audit_lines() -> list[AuditLog]:
    return list(AuditLog.select().where(AuditLog.action == urgent_audit.ACTION))


def test_an_urgent_notice_at_night_tells_the_office_once(leader):
    sent = broadcast.send(leader, "今晚暴雨，请检查结对家庭", "api:1:n1", NIGHT, POLICY, True)
    again = broadcast.send(leader, "今晚暴雨，请检查结对家庭", "api:1:n1", NIGHT, POLICY, True)
    assert sent.created and not again.created
    [message] = inbox()
    assert (message.kind, message.dedupe_key) == (
        "broadcast_urgent_quiet",
        f"broadcast_urgent_quiet:{sent.broadcast.id}",
    )
    [item], total = outbox_report.office_inbox(office_actor(), unread_only=True)
    assert total == 1 and item.title == "免打扰时段发出紧急通知"
    assert item.kind_name == "免打扰时段紧急通知" and item.time == NIGHT
    assert dict(item.lines) == {
        "服务队": "第一服务队",
        "队长": leader.name,
        "发送时间": "2026年11月28日 23:30",
        "接收人数": "3 人（微信可送达 3 人）",
        "通知内容": "今晚暴雨，请检查结对家庭",
    }
    [line] = audit_lines()
    assert (line.actor, line.object_type, line.object_id, line.at) == (
        f"member:{leader.id}",
        "broadcast",
        str(sent.broadcast.id),
        NIGHT,
    )
    assert line.detail == {
        "team_id": leader.team_id,
        "in_quiet_hours": True,
        "quiet_hours": QUIET,
        "recipients": 3,
        "reachable": 3,
    }


def test_the_office_message_quotes_only_the_start_of_a_long_notice(leader):
    broadcast.send(leader, "长" * 100, "api:1:long", NIGHT, POLICY, True)
    [item], _ = outbox_report.office_inbox(office_actor())
    assert dict(item.lines)["通知内容"] == "长" * 59 + "…"


@pytest.mark.parametrize(
    ("at", "urgent", "lines"),
    [
        (NIGHT, False, 0),  # waits for the morning: nobody woken
        (DAY, True, 1),  # urgent in the daytime: audited, no message to the office
        (shanghai("2026-11-29T08:00"), True, 1),  # the quiet hours have just ended
        (shanghai("2026-11-28T20:59"), True, 1),  # not yet begun
    ],
)
def test_no_office_message_unless_urgent_inside_the_quiet_hours(leader, at, urgent, lines):
    broadcast.send(leader, "明天上午集合", "api:1:d1", at, POLICY, urgent)
    assert inbox() == []
    assert [line.detail["in_quiet_hours"] for line in audit_lines()] == [False] * lines


def test_an_urgent_notice_just_inside_the_quiet_hours_counts(leader):
    broadcast.send(leader, "立即集合", "api:1:q1", shanghai("2026-11-28T21:00"), POLICY, True)
    assert len(inbox()) == 1


def test_with_quiet_hours_off_nothing_is_at_night(leader):
    off = Policy(orders={}, default_order=POLICY.default_order, quiet_hours="off")
    broadcast.send(leader, "立即集合", "api:1:o1", NIGHT, off, True)
    assert inbox() == [] and [line.detail["in_quiet_hours"] for line in audit_lines()] == [False]


def test_a_refused_urgent_notice_leaves_no_trace(database):
    team = make_team(members=2)  # nobody follows: WeChat reaches none of them
    leader = Member.get((Member.team == team) & (Member.role == "leader"))
    with pytest.raises(Invalid):
        broadcast.send(leader, "立即集合", "api:1:x1", NIGHT, POLICY, True)
    assert inbox() == [] and audit_lines() == []


# --- the office's list -----------------------------------------------------------------


@pytest.fixture
def programme(database):
    """Two teams' notices over two quarters (Shanghai times), oldest first."""
    (a, lead_a), (b, lead_b) = following_team("甲队"), following_team("乙队")
    sent = {}
    for key, leader, at, urgent in [
        ("a-q3", lead_a, "2026-09-30T23:00", True),  # last quarter
        ("a-day", lead_a, "2026-10-10T10:00", True),
        ("a-plain", lead_a, "2026-10-11T22:00", False),
        ("b-night", lead_b, "2026-11-01T23:30", True),
        ("a-night", lead_a, "2026-11-20T06:00", True),
    ]:
        at = shanghai(at)
        sent[key] = broadcast.send(leader, f"通知{key}", f"k:{key}", at, POLICY, urgent).broadcast
    return a, b, sent


def listed(f: BroadcastFilter | None = None, now: datetime = NOW):
    office = office_actor(f"office-{next(_logins)}")
    return broadcast_audit.office_broadcasts(office, f or BroadcastFilter(), now)


def test_the_office_lists_every_team_with_urgency_and_counts(programme):
    a, b, sent = programme
    Notification.update(status="sent").where(Notification.broadcast == sent["b-night"].id).execute()
    items, total, quarter = listed()
    assert total == 5
    assert [(i.view.broadcast.id, i.urgent, i.in_quiet_hours) for i in items] == [
        (sent["a-night"].id, True, True),
        (sent["b-night"].id, True, True),
        (sent["a-plain"].id, False, None),
        (sent["a-day"].id, True, False),
        (sent["a-q3"].id, True, True),
    ]
    assert items[1].view.counts == {"pending": 0, "sent": 3, "skipped": 0, "failed": 0}
    assert items[0].view.counts == {"pending": 3, "sent": 0, "skipped": 0, "failed": 0}
    assert (quarter.year, quarter.quarter) == (2026, 4)
    assert [(t.team_name, t.urgent) for t in quarter.teams] == [("甲队", 2), ("乙队", 1)]


def test_an_urgent_notice_without_an_audit_line_is_urgent_but_unknown(programme):
    """Sent before the audit lines were kept: its deliveries still say it was urgent."""
    _, _, sent = programme
    AuditLog.delete().where(AuditLog.object_id == str(sent["a-night"].id)).execute()
    [item], _, _ = listed(BroadcastFilter(limit=1))
    assert (item.view.broadcast.id, item.urgent, item.in_quiet_hours) == (
        sent["a-night"].id,
        True,
        None,
    )


@pytest.mark.parametrize(
    ("f", "keys"),
    [
        (BroadcastFilter(urgent_only=True), ["a-night", "b-night", "a-day", "a-q3"]),
        (BroadcastFilter(team_id="b"), ["b-night"]),
        (BroadcastFilter(urgent_only=True, team_id="a"), ["a-night", "a-day", "a-q3"]),
        # Shanghai days: 23:00 on 30 September is not October 1st in UTC's eyes either
        (BroadcastFilter(date_from=date(2026, 10, 1)), ["a-night", "b-night", "a-plain", "a-day"]),
        (BroadcastFilter(date_to=date(2026, 9, 30)), ["a-q3"]),
        (
            BroadcastFilter(date_from=date(2026, 10, 11), date_to=date(2026, 11, 1)),
            ["b-night", "a-plain"],
        ),
        (BroadcastFilter(urgent_only=True, limit=2, offset=1), ["b-night", "a-day"]),
    ],
)
def test_the_office_narrows_the_list(programme, f, keys):
    a, b, sent = programme
    teams = {"a": a.id, "b": b.id}
    if f.team_id is not None:
        f = BroadcastFilter(**{**f.__dict__, "team_id": teams[f.team_id]})
    items, total, quarter = listed(f)
    assert [i.view.broadcast.id for i in items] == [sent[k].id for k in keys]
    assert total == (len(keys) if f.limit == 20 else 4)
    assert [t.urgent for t in quarter.teams] == [2, 1]  # whatever the filter


def test_the_count_is_of_the_quarter_now_falls_in(programme):
    _, _, quarter = listed(now=shanghai("2026-09-30T23:59"))
    assert (quarter.quarter, [t.urgent for t in quarter.teams]) == (3, [1, 0])


def test_a_page_costs_the_same_queries_however_many_it_holds(programme):
    a, _, _ = programme
    leader = Member.get((Member.team == a) & (Member.role == "leader"))
    office = office_actor("counting")
    with count_queries() as few:
        broadcast_audit.office_broadcasts(office, BroadcastFilter(limit=1), NOW)
    for n in range(6):
        broadcast.send(leader, f"紧急{n}", f"more:{n}", NIGHT, POLICY, True)
    with count_queries() as many:
        items, _, _ = broadcast_audit.office_broadcasts(office, BroadcastFilter(limit=50), NOW)
    assert len(items) == 11 and len(many) == len(few)


@pytest.mark.parametrize(
    ("f", "error", "code"),
    [
        (BroadcastFilter(team_id=999), NotFound, "team_not_found"),
        (BroadcastFilter(team_id=0), Invalid, "bad_filter"),
        (BroadcastFilter(limit=101), Invalid, "bad_filter"),
        (
            BroadcastFilter(date_from=date(2026, 11, 2), date_to=date(2026, 11, 1)),
            Invalid,
            "bad_window",
        ),
    ],
)
def test_a_bad_filter_is_refused(database, f, error, code):
    with pytest.raises(error) as refused:
        listed(f)
    assert refused.value.code == code


def test_only_the_office_reads_every_team(database):
    _, leader = following_team("丙队")
    for who in (Actor(member=leader), Actor(member=make_member(team=leader.team))):
        with pytest.raises(Forbidden) as refused:
            broadcast_audit.office_broadcasts(who, BroadcastFilter(), NOW)
        assert refused.value.code == "office_only"
