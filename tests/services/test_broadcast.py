"""Broadcasts: one per request key, one outbox message per active team member, and a
delivery report per member that only the team's leader and the office may read."""

import dataclasses
import threading
from datetime import datetime, timedelta

import pytest

from models import Broadcast, Member, Notification, db
from services import broadcast, broadcast_reach, broadcast_text, clock, grants
from services import broadcast_reading as reading
from services.actors import Actor
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.notification_texts import CUSTOM_TEXT_BYTES, render_text
from tests.factories import BROADCAST_POLICY as POLICY
from tests.factories import NOW, make_member, make_team, office_actor

QUIET = POLICY.quiet_hours


@pytest.fixture
def team(database):
    """Three members following the Official Account, and their leader."""
    team = make_team(members=3)
    follow(team)
    return team


@pytest.fixture
def leader(team):
    return Member.get((Member.team == team) & (Member.role == "leader"))


def test_a_broadcast_queues_one_message_per_active_member(team, leader):
    make_member(team=team, active=False)
    make_member(team=make_team())
    sent = broadcast.send(leader, "  周六九点集合  ", "api:1:r1", NOW, POLICY)
    assert sent.created and sent.recipients == 3
    assert (sent.broadcast.text, sent.broadcast.team_id) == ("周六九点集合", team.id)
    rows = list(Notification.select())
    assert {n.member.team_id for n in rows} == {team.id} and leader.id not in {
        n.member_id for n in rows
    }
    assert {(n.kind, n.broadcast_id, n.urgent) for n in rows} == {
        ("broadcast", sent.broadcast.id, False)
    }
    assert rows[0].payload == {
        "title": "队长通知",
        "body": "周六九点集合",
        "sender": leader.name,
        "page": f"pages/notice/index?id={rows[0].broadcast_id}",
        "reach": {"channel": "oa_template"},  # the plan it was queued with
    }


def test_the_same_request_queues_nothing_more(leader):
    first = broadcast.send(leader, "集合", "api:1:r1", NOW, POLICY)
    again = broadcast.send(leader, "集合", "api:1:r1", NOW + timedelta(minutes=1), POLICY)
    assert not again.created and again.broadcast.id == first.broadcast.id
    assert again.recipients == 3 and Notification.select().count() == 3
    with pytest.raises(Conflict):
        broadcast.send(leader, "另一条", "api:1:r1", NOW, POLICY)


def test_the_same_request_twice_at_once_makes_one_broadcast(leader):
    start, made = threading.Barrier(4), []

    def request():
        with db.connection_context():
            start.wait()
            made.append(broadcast.send(leader, "集合", "chat:42", NOW, POLICY))

    threads = [threading.Thread(target=request) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [m.created for m in made].count(True) == 1
    assert Broadcast.select().count() == 1 and Notification.select().count() == 3


def test_urgent_broadcasts_skip_the_quiet_hours(leader):
    night = NOW + timedelta(hours=13)  # 23:00 in Shanghai
    broadcast.send(leader, "紧急：明早停水", "k1", night, POLICY, urgent=True)
    broadcast.send(leader, "周末活动", "k2", night, POLICY)
    times = {n.urgent: n.next_attempt_at for n in Notification.select()}
    assert times[True] == night and times[False] == NOW + timedelta(hours=22)  # 08:00 next day


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty_text"),
        ("   ", "empty_text"),
        ("a\x07b", "bad_text"),
    ],
)
def test_the_text_is_checked(leader, text, code):
    with pytest.raises(Invalid) as raised:
        broadcast.send(leader, text, "k", NOW, POLICY)
    assert raised.value.code == code and Broadcast.select().count() == 0


LIMIT = broadcast_text.MAX_BYTES  # UTF-8 bytes left by a customer-service text's frame


@pytest.mark.parametrize(
    ("text", "over"),
    [
        ("长" * (LIMIT // 3) + "a" * (LIMIT % 3), 0),  # mixed, exactly at the limit
        ("长" * (LIMIT // 3) + "a" * (LIMIT % 3 + 1), 1),  # one byte over
        ("a" * LIMIT, 0),
        ("a" * (LIMIT + 1), 1),
        ("长" * (LIMIT // 3 + 1), 1),
        ("长" * 600, 0),  # more characters than the old limit of 500, within the bytes
        ("🎉" * 500, 15),  # fewer characters, 2,000 bytes: WeChat would cut it
    ],
    ids=["mixed_at", "mixed_over", "ascii_at", "ascii_over", "chinese_over", "600", "emoji"],
)
def test_the_text_limit_counts_utf8_bytes_and_speaks_in_chinese_characters(leader, text, over):
    """A notice within the limit goes out whole as a customer-service text, sent as late in
    the year and day as a date gets long; one byte more is refused, in the leader's units."""
    assert (len(text.encode()) > LIMIT) is bool(over)
    if over:
        with pytest.raises(Invalid) as raised:
            broadcast.send(leader, text, "k", NOW, POLICY)
        assert raised.value.code == "text_too_long" and Broadcast.select().count() == 0
        assert raised.value.message == (
            f"通知内容过长：通知最多约 {LIMIT // 3} 个汉字（3 个字母或数字约合 1 个汉字），"
            f"请删减约 {over} 个汉字后再发送。"
        )
        return
    late = clock.to_utc(datetime(2026, 12, 31, 23, 59))
    broadcast.send(leader, text, "k", late, POLICY, urgent=True)
    row = Notification.select().first()
    sent = render_text(row.kind, row.payload, row.created_at).text
    assert text in sent and len(sent.encode()) <= CUSTOM_TEXT_BYTES


def test_only_an_active_leader_with_members_can_broadcast(team, leader):
    member = Member.get((Member.team == team) & (Member.role == "member"))
    with pytest.raises(Forbidden):
        broadcast.send(member, "集合", "k", NOW, POLICY)
    lonely = Member.get(Member.role == "leader", Member.team == make_team())
    with pytest.raises(Invalid, match="暂无可通知"):
        broadcast.send(lonely, "集合", "k", NOW, POLICY)


def listed(actor: Actor, **filters) -> list[int]:
    views, total = reading.list_broadcasts(actor, **filters)
    assert total == len(views)
    return [v.broadcast.id for v in views]


def test_who_may_read_what(team, leader):
    mine = broadcast.send(leader, "本队", "k1", NOW, POLICY).broadcast
    other_team = make_team(members=1)
    follow(other_team)
    other_leader = Member.get((Member.team == other_team) & (Member.role == "leader"))
    theirs = broadcast.send(other_leader, "他队", "k2", NOW, POLICY).broadcast
    me = Actor(member=leader)
    assert listed(me) == [mine.id]
    assert listed(me, team_id=team.id) == [mine.id]
    with pytest.raises(Forbidden):
        listed(me, team_id=other_team.id)
    assert reading.get(me, mine.id).counts == {"pending": 3, "sent": 0, "skipped": 0, "failed": 0}
    for wrong in (theirs.id, 10**12, 0):
        with pytest.raises(NotFound):
            reading.get(me, wrong)
    member = Actor(member=Member.get((Member.team == team) & (Member.role == "member")))
    with pytest.raises(Forbidden):
        reading.get(member, mine.id)
    with pytest.raises(Forbidden):
        reading.list_broadcasts(member)
    boss = office_actor()
    assert set(listed(boss)) == {mine.id, theirs.id}
    assert listed(boss, team_id=other_team.id) == [theirs.id]
    assert reading.get(boss, theirs.id).broadcast.text == "他队"


def test_a_leader_without_a_team_reads_no_team_s_broadcasts(team, leader):
    broadcast.send(leader, "本队", "k1", NOW, POLICY)
    adrift = make_member(role="leader", team=None)
    with pytest.raises(Forbidden):
        reading.list_broadcasts(Actor(member=adrift))


def test_team_members_read_a_notice_in_full_and_its_messages_link_there(team, leader):
    long_text = "周六上午九点在文化路社区集合，请准时参加，佩戴党徽，带好工作证和记录本。"
    sent = broadcast.send(leader, long_text, "k-long", NOW, POLICY).broadcast
    reader = Member.get((Member.team == team) & (Member.role == "member"))
    assert reading.notice_for(Actor(member=reader), sent.id).text == long_text
    message = Notification.get(Notification.member == reader)
    assert message.payload["page"] == f"pages/notice/index?id={sent.id}"
    outsider = make_member(team=make_team())
    for actor, wanted in ((Actor(member=outsider), sent.id), (Actor(member=reader), 10**12)):
        with pytest.raises(NotFound):
            reading.notice_for(actor, wanted)


def test_a_member_reads_the_own_teams_latest_notices_newest_first(team, leader):
    first = broadcast.send(leader, "第一条", "k-1", NOW, POLICY).broadcast
    second = broadcast.send(leader, "第二条", "k-2", NOW + timedelta(minutes=1), POLICY).broadcast
    other_team = make_team(members=1)
    follow(other_team)
    other_leader = Member.get((Member.team == other_team) & (Member.role == "leader"))
    broadcast.send(other_leader, "别队的", "k-3", NOW + timedelta(minutes=2), POLICY)
    reader = Member.get((Member.team == team) & (Member.role == "member"))
    assert [b.id for b in reading.team_notices(Actor(member=reader))] == [second.id, first.id]
    assert [b.id for b in reading.team_notices(Actor(member=reader), limit=1)] == [second.id]
    assert reading.team_notices(Actor(member=make_member())) == []  # in no team
    with pytest.raises(Forbidden):
        reading.team_notices(office_actor())


# --- who a notice reaches ------------------------------------------------------------------


def follow(team, **fields) -> None:
    """Bind every member of the team to the Official Account (following it)."""
    for member in team.members:
        Member.update(oa_openid=f"oa-{member.id}", **fields).where(Member.id == member.id).execute()


def reach_states(team) -> dict[str, Member]:
    """Followers, and a member in each state a leader should hear about, by a short name."""
    follow(team)
    states = {
        "unbound": make_member(team=team, name="王某"),
        "unfollowed": make_member(team=team, name="张某", oa_openid="oa-z", oa_reachable=False),
        "mp_only": make_member(team=team, name="李某", mp_openid="mp-l"),
        "mp_granted": make_member(team=team, name="赵某", mp_openid="mp-g"),
    }
    grants.add(states["mp_granted"].id, "tmpl-mp", NOW)
    return states


def test_a_preview_counts_whom_wechat_can_reach_and_names_the_rest(team, leader):
    states = reach_states(team)
    make_member(team=team, active=False)  # not a recipient at all
    audience = broadcast_reach.preview(leader, POLICY, NOW)
    assert (audience.reachable, audience.total) == (4, 7)  # 3 followers + the granted one
    assert [(u.member_id, u.name, u.reason) for u in audience.unreached] == [
        (states["unbound"].id, "王某", "not_bound"),
        (states["unfollowed"].id, "张某", "not_following"),
        (states["mp_only"].id, "李某", "no_grant"),
    ]


def test_a_preview_is_judged_when_the_notice_would_go_out(team, leader):
    """Members who chatted 40 hours before a notice written at 23:00 are out of the 48-hour
    window by 08:00, when the quiet hours end and a non-urgent notice goes out."""
    follow(team, last_interaction_at=NOW - timedelta(hours=27))
    custom_only = dataclasses.replace(POLICY, default_order=("oa_custom",))
    night = NOW + timedelta(hours=13)  # 23:00 in Shanghai: the notice waits until 08:00
    assert broadcast_reach.preview(leader, custom_only, night, urgent=True).reachable == 3
    assert broadcast_reach.preview(leader, custom_only, night).reachable == 0


def test_after_sending_the_audience_is_that_of_the_members_queued(team, leader):
    states = reach_states(team)
    sent = broadcast.send(leader, "集合", "k1", NOW, POLICY)
    make_member(team=team, name="后来者")  # joined after the notice: not among its recipients
    audience = broadcast_reach.audience_of(sent.broadcast, POLICY)
    assert (audience.reachable, audience.total) == (4, sent.recipients)
    assert [u.member_id for u in audience.unreached] == [
        states[name].id for name in ("unbound", "unfollowed", "mp_only")
    ]
    assert sent.audience == audience  # what the send itself answered


def test_a_notice_nobody_can_receive_is_refused_not_queued(team, leader):
    Member.update(oa_openid=None).where(Member.team == team).execute()
    with pytest.raises(broadcast_reach.NobodyReachable) as raised:
        broadcast.send(leader, "集合", "k1", NOW, POLICY)
    refused = raised.value
    assert isinstance(refused, Invalid) and refused.code == "nobody_reachable"
    assert refused.message == (
        "本队 3 名队员目前都收不到微信消息，通知未发送，请通过电话等其他方式告知。"
    )
    assert [u.reason for u in refused.audience.unreached] == ["not_bound"] * 3
    assert Broadcast.select().count() == 0 and Notification.select().count() == 0


def test_every_retry_hears_the_audience_of_the_notice_as_it_was_sent(team, leader):
    """Members who chatted 27 hours before an urgent notice sent at 23:00 get it at once; a
    retry of the request hears that, whatever its own time and urgent flag."""
    follow(team, last_interaction_at=NOW - timedelta(hours=27))
    custom_only = dataclasses.replace(POLICY, default_order=("oa_custom",))
    night = NOW + timedelta(hours=13)  # 23:00 in Shanghai, inside the quiet hours
    first = broadcast.send(leader, "停水", "k1", night, custom_only, urgent=True)
    assert first.audience.reachable == 3
    for later, urgent in ((night, False), (night + timedelta(minutes=30), True)):
        again = broadcast.send(leader, "停水", "k1", later, custom_only, urgent=urgent)
        assert not again.created and again.audience == first.audience


def test_a_member_the_notice_reached_counts_as_reached_after_its_grant_is_spent(team, leader):
    states = reach_states(team)
    sent = broadcast.send(leader, "集合", "k1", NOW, POLICY)
    granted = states["mp_granted"].id
    Notification.update(status="sent").where(Notification.member == granted).execute()
    grants.spend(granted, "tmpl-mp")  # the delivery used the only grant
    again = broadcast.send(leader, "集合", "k1", NOW, POLICY)
    assert again.audience == sent.audience and again.audience.reachable == 4


def test_only_a_leader_previews_a_notice(team):
    member = Member.get((Member.team == team) & (Member.role == "member"))
    with pytest.raises(Forbidden):
        broadcast_reach.preview(member, POLICY, NOW)


# --- what was queued, not what was previewed -------------------------------------------------


def test_a_grant_spent_between_preview_and_send_is_not_counted(team, leader):
    states = reach_states(team)
    granted = states["mp_granted"].id
    previewed = broadcast_reach.preview(leader, POLICY, NOW)
    assert granted in previewed.reached and previewed.reachable == 4
    other = broadcast.send(leader, "今晚开会", "k-other", NOW, POLICY)  # takes the grant
    assert other.audience == previewed and other.lost == ()
    sent = broadcast.send(leader, "集合", "k1", NOW, POLICY, expected=previewed.channels)
    assert sent.audience.reachable == 3 and granted not in sent.audience.reached
    assert [(u.member_id, u.reason) for u in sent.lost] == [(granted, "grant_used")]
    held = {
        n.broadcast_id: n.payload.get("grant")
        for n in Notification.select().where(Notification.member == granted)
    }
    assert held == {other.broadcast.id: "tmpl-mp", sent.broadcast.id: None}
    again = broadcast.send(leader, "集合", "k1", NOW, POLICY, expected=previewed.channels)
    assert (again.audience, again.lost) == (sent.audience, sent.lost)  # a retry hears the same


def test_a_member_without_the_grant_falls_back_to_the_next_channel_as_queued(team, leader):
    """A follower's grant taken by another notice: the template message still reaches them."""
    follower = Member.get((Member.team == team) & (Member.role == "member"))
    grants.add(follower.id, "tmpl-mp", NOW)
    Member.update(mp_openid="mp-f").where(Member.id == follower.id).execute()
    first = broadcast.send(leader, "一", "k1", NOW, POLICY)
    second = broadcast.send(leader, "二", "k2", NOW, POLICY)
    assert first.audience.reachable == second.audience.reachable == 3
    plans = {
        n.broadcast_id: n.payload["reach"]
        for n in Notification.select().where(Notification.member == follower)
    }
    assert plans == {
        first.broadcast.id: {"channel": "mp_subscribe"},
        second.broadcast.id: {"channel": "oa_template"},
    }


def test_a_dual_bound_member_whose_grant_was_spent_is_told_so_not_that_they_unfollowed(
    team, leader
):
    """Bound in the mini-program and the Official Account, long unfollowed: the preview
    counts them through their grant; another notice spends it. What changed is the grant, not
    the unfollow (which outranks no_grant among a member's reasons)."""
    dual = make_member(team=team, name="钱某", mp_openid="mp-q", oa_openid="oa-q")
    Member.update(oa_reachable=False).where(Member.id == dual.id).execute()
    grants.add(dual.id, "tmpl-mp", NOW)
    previewed = broadcast_reach.preview(leader, POLICY, NOW)
    assert dual.id in previewed.reached
    broadcast.send(leader, "今晚开会", "k-other", NOW, POLICY)  # takes the grant
    sent = broadcast.send(leader, "集合", "k1", NOW, POLICY, expected=previewed.channels)
    assert [(u.member_id, u.reason) for u in sent.lost] == [(dual.id, "grant_used")]


def test_a_dual_bound_member_who_never_granted_is_not_told_a_grant_was_used(team, leader):
    """Bound in both, no grant ever, counted through a customer-service text: their 48-hour
    window closes between the preview and the send. No notice used a grant of theirs."""
    custom = dataclasses.replace(POLICY, default_order=("mp_subscribe", "oa_custom"))
    follow(team, last_interaction_at=NOW)
    dual = make_member(
        team=team,
        name="孙某",
        mp_openid="mp-s",
        oa_openid="oa-s",
        last_interaction_at=NOW - timedelta(hours=47, minutes=50),
    )
    previewed = broadcast_reach.preview(leader, custom, NOW)
    assert dual.id in previewed.reached
    later = NOW + timedelta(minutes=20)
    sent = broadcast.send(leader, "集合", "k1", later, custom, expected=previewed.channels)
    assert [(u.member_id, u.reason) for u in sent.lost] == [(dual.id, "window_closed")]


@pytest.mark.parametrize("known", [True, False], ids=["channels", "ids_only"])
def test_a_grant_spent_long_before_the_preview_is_not_what_changed(team, leader, known):
    """Bound in both, their only grant spent a month ago: the preview counts them through a
    customer-service text, whose 48-hour window then closes. No grant the preview counted was
    used; a preview that named only ids (an older client's) is not taken to have counted one
    either."""
    custom = dataclasses.replace(POLICY, default_order=("mp_subscribe", "oa_custom"))
    follow(team, last_interaction_at=NOW)
    dual = make_member(
        team=team,
        name="周某",
        mp_openid="mp-zh",
        oa_openid="oa-zh",
        last_interaction_at=NOW - timedelta(hours=47, minutes=50),
    )
    grants.add(dual.id, "tmpl-mp", NOW - timedelta(days=30))
    assert grants.spend(dual.id, "tmpl-mp")
    previewed = broadcast_reach.preview(leader, custom, NOW)
    assert previewed.channels[dual.id] == "oa_custom"
    expected = previewed.channels if known else dict.fromkeys(previewed.reached)
    later = NOW + timedelta(minutes=20)
    sent = broadcast.send(leader, "集合", "k1", later, custom, expected=expected)
    assert [(u.member_id, u.reason) for u in sent.lost] == [
        (dual.id, "window_closed" if known else "no_grant")
    ]


def test_a_member_who_had_grants_and_is_reached_otherwise_is_not_lost(team, leader):
    """A follower whose grants are all used: the template message reaches them, so the
    preview's count holds and nobody is named lost."""
    follower = Member.get((Member.team == team) & (Member.role == "member"))
    Member.update(mp_openid="mp-f").where(Member.id == follower.id).execute()
    grants.add(follower.id, "tmpl-mp", NOW)
    grants.spend(follower.id, "tmpl-mp")
    previewed = broadcast_reach.preview(leader, POLICY, NOW)
    sent = broadcast.send(leader, "集合", "k1", NOW, POLICY, expected=previewed.channels)
    assert sent.lost == () and sent.audience.reachable == 3


@pytest.mark.parametrize("same_request", [True, False], ids=["double_tap", "two_notices"])
def test_notices_sent_at_once_never_count_one_grant_twice(team, leader, same_request):
    """Four sends at once, the only grant of a member only the mini-program reaches: one
    holds it and counts them; every other answer names them as no longer reached."""
    only_mp = make_member(team=team, name="赵某", mp_openid="mp-z")
    grants.add(only_mp.id, "tmpl-mp", NOW)
    expected = broadcast_reach.preview(leader, POLICY, NOW).channels
    start, made = threading.Barrier(4), []

    def request(n: int):
        key = "chat:42" if same_request else f"chat:{n}"
        with db.connection_context():
            start.wait()
            made.append(broadcast.send(leader, "集合", key, NOW, POLICY, expected=expected))

    threads = [threading.Thread(target=request, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(made) == 4 and grants.remaining(only_mp.id, ("tmpl-mp",)) == {"tmpl-mp": 0}
    holders = [n.member_id for n in Notification.select() if "grant" in n.payload]
    assert holders == [only_mp.id]
    counted = [only_mp.id in m.audience.reached for m in made]
    if same_request:  # one notice; every tap hears its answer
        assert counted == [True] * 4 and Broadcast.select().count() == 1
    else:
        assert sorted(counted) == [False, False, False, True]
        assert sorted(len(m.lost) for m in made) == [0, 1, 1, 1]
