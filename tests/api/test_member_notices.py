"""Through the API: cancelling, assigning and rejecting queue their notices once (nothing on a
refusal), the cancel reason comes back with the activity, and the sender job delivers the
notices to the emulator: a cancellation on a subscribe grant, a rejection sparing it."""

import threading
from datetime import timedelta

import pytest

from jobs.outbox import drain_outbox
from models import Activity, Enrollment, Member, Notification, ServiceRecord, SubscriptionGrant, db
from services import activity_reminders, clock, grants, outbox, outbox_delivery, review
from services.activities import cancel_activity
from services.actors import Actor
from settings import RulesSettings
from tests.factories import make_activity, make_member, make_team, quiet_hours_around_now
from tests.register_world import checked_in

MP_TEMPLATE, OA_TEMPLATE = "tmpl-mp", "tmpl-oa"


@pytest.fixture
def settings_overrides(settings_overrides):
    notes = {"mp_template_id": MP_TEMPLATE, "oa_template_id": OA_TEMPLATE}
    return settings_overrides | {"notifications": notes}


@pytest.fixture
def texts_only(settings_overrides):
    """Cancellations go by customer-service text only."""
    notes = settings_overrides["notifications"] | {
        "channels_by_kind": "activity_cancelled=oa_custom"
    }
    settings_overrides["notifications"] = notes


@pytest.fixture
def team(app):
    team = make_team()
    Member.update(mp_openid="mp-leader").where(Member.team == team).execute()
    for name in ("alice", "bob"):
        make_member(name=name, team=team, mp_openid=f"mp-{name}", oa_openid=f"oa-{name}")
    return team


def member(name: str) -> Member:
    return Member.get(Member.name == name)


@pytest.fixture
def activity(team):
    """Tomorrow's activity with both members enrolled."""
    found = make_activity(team, starts_at=clock.now_utc() + timedelta(days=1), title="义诊")
    for name in ("alice", "bob"):
        Enrollment.create(activity=found, member=member(name), created_at=clock.now_utc())
    return found


def kinds() -> list[tuple[str, int]]:
    rows = Notification.select().order_by(Notification.kind, Notification.member)
    return [(n.kind, n.member_id) for n in rows]


def test_cancelling_returns_the_reason_and_queues_once(api, team, activity):
    leader = api("mp-leader")
    path = f"/activities/{activity.id}/cancel"
    first = leader.post(path, json={"reason": "天气原因"})
    body = first.get_json()
    assert first.status_code == 200
    assert (body["status"], body["cancel_reason"]) == ("cancelled", "天气原因")
    again = leader.post(path, json={"reason": "天气原因"})
    assert again.status_code == 200 and again.get_json() == body
    other = leader.post(path, json={"reason": "场地临时被占用"})
    assert other.status_code == 409
    assert other.get_json()["error"] == {
        "code": "activity_cancelled",
        "message": "该活动已经取消（原因：天气原因），不能再以其他原因取消。",
    }
    alice, bob = member("alice"), member("bob")
    assert kinds() == [("activity_cancelled", alice.id), ("activity_cancelled", bob.id)]
    seen = api(alice).get(f"/activities/{activity.id}").get_json()
    assert seen["cancel_reason"] == "天气原因"


def test_another_team_s_leader_cannot_cancel_and_nobody_is_told(api, team, activity):
    other = make_team()
    Member.update(mp_openid="mp-other").where(Member.team == other).execute()
    refused = api("mp-other").post(f"/activities/{activity.id}/cancel", json={"reason": "x"})
    assert refused.status_code == 403
    assert kinds() == [] and Activity.get_by_id(activity.id).status == "scheduled"


def test_the_office_s_ad_hoc_task_tells_each_assigned_member(office, team):
    start = clock.now_utc() + timedelta(days=2)
    ids = [member("alice").id, member("bob").id]
    body = {
        "title": "防汛突击",
        "kind": "adhoc",
        "starts_at": start.isoformat() + "+00:00",
        "ends_at": (start + timedelta(hours=2)).isoformat() + "+00:00",
        "lat": 34.75,
        "lng": 113.62,
        "member_ids": ids,
    }
    assert office.post("/activities", json=body).status_code == 201
    assert kinds() == [("task_assigned", i) for i in ids]
    refused = office.post("/activities", json=body | {"member_ids": [*ids, 10**6]})
    assert refused.status_code == 400 and len(kinds()) == 2


def test_a_rejection_through_the_api_is_told_once(api, team, activity):
    entry = checked_in(member("alice"), activity, status="flagged")
    leader, path = api("mp-leader"), f"/records/{entry.id}/review"
    for comment in ("照片模糊", "照片模糊，请重拍"):
        response = leader.post(path, json={"decision": "reject", "comment": comment})
        assert response.status_code == 200
    assert kinds() == [("record_rejected", member("alice").id)]
    refused = api(member("bob")).post(path, json={"decision": "reject", "comment": "x"})
    assert refused.status_code == 404 and len(kinds()) == 1


def test_the_sender_delivers_a_cancellation_on_a_grant_and_a_rejection_beside_it(
    app, api, team, activity, emulator
):
    """A grant a member gave carries the cancellation, which cannot wait; the rejection goes
    as an Official Account template message and leaves the member's second grant alone."""
    alice, now = member("alice"), clock.now_utc()
    grants.add(alice.id, MP_TEMPLATE, now)
    grants.add(alice.id, MP_TEMPLATE, now)
    entry = checked_in(alice, activity, status="flagged")
    leader = api("mp-leader")
    leader.post(f"/records/{entry.id}/review", json={"decision": "reject", "comment": "照片模糊"})
    leader.post(f"/activities/{activity.id}/cancel", json={"reason": "天气原因"})
    with app.app_context():
        assert drain_outbox(clock.now_utc()) == {"claimed": 3, "sent": 3}
    (subscribe,) = emulator.calls_to("subscribe_send")
    assert subscribe.body["touser"] == "mp-alice" and subscribe.body["template_id"] == MP_TEMPLATE
    assert subscribe.body["data"]["thing1"]["value"] == "已取消：义诊"
    assert subscribe.body["data"]["thing2"]["value"] == "天气原因"
    assert subscribe.body["page"] == f"pages/activity/detail?id={activity.id}"
    templates = {c.body["touser"]: c.body["data"] for c in emulator.calls_to("template_send")}
    assert templates["oa-bob"]["thing1"]["value"] == "已取消：义诊"
    assert templates["oa-alice"]["thing1"]["value"] == "未通过：义诊"
    assert templates["oa-alice"]["thing2"]["value"] == "照片模糊"
    assert SubscriptionGrant.get(SubscriptionGrant.member == alice).remaining == 1
    with app.app_context():
        assert drain_outbox(clock.now_utc() + timedelta(minutes=1)) == {}


def test_the_configured_quiet_hours_hold_every_notice(settings_overrides, request):
    """Cancelling, assigning and rejecting through the API queue by the configured quiet
    hours, never the settings' default: chosen so that the two would give different times."""
    now, default = clock.now_utc(), RulesSettings().quiet_hours
    waits = outbox.deliver_after(now, default, urgent=False) > now
    quiet = "off" if waits else quiet_hours_around_now(-1, 2)
    settings_overrides["rules"] = {"quiet_hours": quiet}
    api, office = request.getfixturevalue("api"), request.getfixturevalue("office")
    activity = request.getfixturevalue("activity")  # tomorrow: nothing is urgent
    entry = checked_in(member("alice"), activity, status="flagged")
    leader = api("mp-leader")
    leader.post(f"/records/{entry.id}/review", json={"decision": "reject", "comment": "照片模糊"})
    leader.post(f"/activities/{activity.id}/cancel", json={"reason": "天气原因"})
    start = now + timedelta(days=2)
    task = {"title": "防汛突击", "kind": "adhoc", "lat": 34.75, "lng": 113.62}
    task |= {"starts_at": start.isoformat() + "+00:00", "member_ids": [member("bob").id]}
    task["ends_at"] = (start + timedelta(hours=2)).isoformat() + "+00:00"
    assert office.post("/activities", json=task).status_code == 201
    due = {n.kind: n.next_attempt_at for n in Notification.select()}
    assert set(due) == {"record_rejected", "activity_cancelled", "task_assigned"}
    expected = outbox.deliver_after(now, quiet, urgent=False)
    assert expected != outbox.deliver_after(now, default, urgent=False)
    assert all(abs(at - expected) < timedelta(minutes=1) for at in due.values())


LONG_TITLE = "老年人权益维护与防诈骗宣讲进社区志愿服务"  # 20 characters: cut after the short title
LONG_WHY = "暴雨红色预警，原定活动取消，改期时间另行通知，请大家注意安全"  # 30 characters


def shown_time(at) -> str:
    local = clock.to_local(at)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def test_each_notice_reaches_wechat_with_what_the_member_must_learn_first(
    app, api, team, activity, emulator
):
    """A long name and a long reason or comment: the template's title field names the
    activity or service after a short title, the summary field the reason, comment or place,
    the time field its date; each links to the page with the full text."""
    alice, bob, now = member("alice"), member("bob"), clock.now_utc()
    Activity.update(title=LONG_TITLE).where(Activity.id == activity.id).execute()
    for _ in range(2):
        grants.add(bob.id, MP_TEMPLATE, now)  # bob's notices go as subscribe messages
    cleanup = make_activity(team, starts_at=now - timedelta(hours=3), title="楼院环境卫生集中整治")
    entry = checked_in(alice, cleanup, status="flagged")
    leader, start = api("mp-leader"), now + timedelta(days=2)
    task = {"title": "河道沿线汛期危险点位突击排查与群众转移演练", "place": "建设路社区服务站"}
    task |= {"starts_at": start.isoformat() + "+00:00", "member_ids": [bob.id]}
    task["ends_at"] = (start + timedelta(hours=2)).isoformat() + "+00:00"
    assigned = leader.post("/activities", json=task).get_json()
    leader.post(f"/records/{entry.id}/review", json={"decision": "reject", "comment": LONG_WHY})
    leader.post(f"/activities/{activity.id}/cancel", json={"reason": LONG_WHY})
    with app.app_context():
        assert drain_outbox(clock.now_utc()) == {"claimed": 4, "sent": 4}

    def values(call) -> tuple:
        return tuple(call.body["data"][key]["value"] for key in ("thing1", "thing2", "time3"))

    cancelled = (f"已取消：{LONG_TITLE[:15]}…", f"{LONG_WHY[:19]}…", shown_time(activity.starts_at))
    subscribe = {c.body["page"]: values(c) for c in emulator.calls_to("subscribe_send")}
    assert subscribe == {
        f"pages/activity/detail?id={activity.id}": cancelled,
        f"pages/activity/detail?id={assigned['id']}": (
            "新安排：河道沿线汛期危险点位突击排查与…",
            "建设路社区服务站",
            shown_time(start),
        ),
    }
    templates = emulator.calls_to("template_send")
    assert {c.body["touser"] for c in templates} == {"oa-alice"}
    oa = {c.body["miniprogram"]["pagepath"]: values(c) for c in templates}
    assert {c.body["miniprogram"]["appid"] for c in templates} == {"wx_test_mp"}
    assert oa == {
        f"pages/activity/detail?id={activity.id}": cancelled,
        f"pages/record/detail?id={entry.id}": (
            "未通过：楼院环境卫生集中整治",
            f"{LONG_WHY[:19]}…",
            shown_time(entry.checkin_at),
        ),
    }
    assert emulator.calls_to("custom_send") == []


def test_a_customer_service_text_carries_every_line_and_the_time_once(
    texts_only, app, api, activity, emulator
):
    """Told by customer-service text only, a member reads the whole reason, and the time once."""
    alice = member("alice")
    Member.update(last_interaction_at=clock.now_utc()).where(Member.id == alice.id).execute()
    Activity.update(title=LONG_TITLE).where(Activity.id == activity.id).execute()
    api("mp-leader").post(f"/activities/{activity.id}/cancel", json={"reason": LONG_WHY})
    with app.app_context():
        assert drain_outbox(clock.now_utc())["sent"] == 1  # bob has not written: skipped
    (text,) = emulator.calls_to("custom_send")
    assert text.body["touser"] == "oa-alice"
    assert text.body["text"]["content"] == "\n".join(
        [
            "【活动已取消】",
            f"活动：{LONG_TITLE}",
            f"原因：{LONG_WHY}",
            f"时间：{activity_reminders.when_text(Activity.get_by_id(activity.id))}",
        ]
    )


def assign(leader, *members) -> int:
    """The leader's activity tomorrow, the members assigned to it; its id."""
    start = clock.now_utc() + timedelta(days=1)
    body = {"title": "楼院环境卫生集中整治", "member_ids": [m.id for m in members]}
    body |= {"starts_at": start.isoformat() + "+00:00"}
    body["ends_at"] = (start + timedelta(hours=2)).isoformat() + "+00:00"
    created = leader.post("/activities", json=body)
    assert created.status_code == 201
    return created.get_json()["id"]


def titles_sent(emulator) -> list[tuple[str, str]]:
    calls = emulator.calls_to("subscribe_send") + emulator.calls_to("template_send")
    return sorted((c.body["touser"], c.body["data"]["thing1"]["value"][:3]) for c in calls)


def test_an_activity_cancelled_before_its_assignments_went_out_tells_nobody(
    app, api, team, emulator
):
    leader = api("mp-leader")
    activity_id = assign(leader, member("alice"), member("bob"))
    leader.post(f"/activities/{activity_id}/cancel", json={"reason": "建错了"})
    with app.app_context():
        assert drain_outbox(clock.now_utc()) == {}
    assert titles_sent(emulator) == []
    rows = Notification.select().order_by(Notification.member)
    assert [(n.kind, n.status, n.last_error) for n in rows] == 2 * [
        ("task_assigned", "skipped", "活动已取消，未发送")
    ]


def test_members_told_of_an_activity_are_told_of_its_cancellation(app, api, team, emulator):
    leader = api("mp-leader")
    activity_id = assign(leader, member("alice"), member("bob"))
    with app.app_context():
        assert drain_outbox(clock.now_utc()) == {"claimed": 2, "sent": 2}
    leader.post(f"/activities/{activity_id}/cancel", json={"reason": "暴雨预警"})
    with app.app_context():
        assert drain_outbox(clock.now_utc()) == {"claimed": 2, "sent": 2}
    told = [(f"oa-{who}", title) for who in ("alice", "bob") for title in ("新安排", "已取消")]
    assert titles_sent(emulator) == sorted(told)


def test_a_cancel_racing_the_sender_tells_each_member_of_both_or_of_neither(
    app, api, team, emulator
):
    """The sender drains while the leader cancels: an assignment is either sent, and the
    cancellation sent after it, or withdrawn unsent (by the cancel, or by the sender that held
    it), and no cancellation sent for it."""
    people = [member("alice"), member("bob")]
    people += [make_member(team=team, oa_openid=f"oa-{i}") for i in range(10)]
    leader_id = Member.get((Member.team == team) & (Member.role == "leader")).id
    activity_id = assign(api("mp-leader"), *people)
    start = threading.Barrier(2)

    def sender():
        with app.app_context(), db.connection_context():
            start.wait()
            drain_outbox(clock.now_utc())

    def cancel():
        with db.connection_context():
            start.wait()
            leader = Actor(member=Member.get_by_id(leader_id))
            cancel_activity(leader, activity_id, "建错了", clock.now_utc(), "off")

    threads = [threading.Thread(target=job) for job in (sender, cancel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context():
        drain_outbox(clock.now_utc())
    for person in people:
        mine = Notification.select().where(Notification.member == person)
        sent = {n.kind for n in mine if n.status == "sent"}
        assert sent in ({"task_assigned", "activity_cancelled"}, set())
    calls = emulator.calls_to("template_send")
    assert len(calls) == Notification.select().where(Notification.status == "sent").count()


# --- a rejection decided otherwise before it went out ------------------------------------------


@pytest.fixture
def no_quiet_hours(settings_overrides):
    """Rejections wait out the quiet hours: these tests send them whatever time it is."""
    settings_overrides["rules"] = {"quiet_hours": "off"}


def leader_of(team) -> Actor:
    return Actor(member=Member.get((Member.team == team) & (Member.role == "leader")))


def test_a_rejection_verified_straight_after_tells_the_member_nothing(
    no_quiet_hours, app, api, team, activity, emulator
):
    """The tester's case: 「不通过」 and at once 「通过」; ten seconds later the sender runs."""
    entry = checked_in(member("alice"), activity, status="flagged")
    leader, path = api("mp-leader"), f"/records/{entry.id}/review"
    rejected = leader.post(path, json={"decision": "reject", "comment": "位置不符，未见走访照片"})
    verified = leader.post(path, json={"decision": "verify"})
    assert (rejected.status_code, verified.status_code) == (200, 200)
    assert verified.get_json()["status"] == "verified"
    with app.app_context():
        assert drain_outbox(clock.now_utc() + timedelta(seconds=10)) == {}
    assert titles_sent(emulator) == []
    (row,) = Notification.select()
    assert (row.kind, row.status, row.last_error) == (
        "record_rejected",
        "skipped",
        "审核结论已更改，未发送",
    )


def test_a_rejection_the_sender_holds_is_not_sent_once_the_entry_is_verified(
    no_quiet_hours, app, team, activity, emulator, monkeypatch
):
    """The sender has claimed the rejection when the leader verifies the entry, each in its
    own thread on the SQLite file: the verification cannot withdraw a row a sender holds, so
    the sender, about to send it, finds the rejection no longer stands and skips it."""
    entry = checked_in(member("alice"), activity, status="flagged")
    leader = leader_of(team)
    review.review(leader, entry.id, "reject", "位置不符", clock.now_utc(), "off")
    claimed, decided = threading.Event(), threading.Event()
    recipients, counts = outbox_delivery.reach.recipients, {}

    def held_between_claim_and_send(*args):
        claimed.set()
        assert decided.wait(10)
        return recipients(*args)

    monkeypatch.setattr(outbox_delivery.reach, "recipients", held_between_claim_and_send)

    def sender():
        with app.app_context(), db.connection_context():
            counts.update(drain_outbox(clock.now_utc()))

    def verify():
        with db.connection_context():
            assert claimed.wait(10)
            review.review(leader, entry.id, "verify", "", clock.now_utc(), "off")
            decided.set()

    threads = [threading.Thread(target=job) for job in (sender, verify)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert counts == {"claimed": 1, "skipped": 1}
    assert titles_sent(emulator) == []
    row = Notification.get(Notification.kind == "record_rejected")
    assert (row.status, row.last_error) == ("skipped", "审核结论已更改，未发送")
    assert ServiceRecord.get_by_id(entry.id).status == "verified"


def test_verifications_racing_the_sender_leave_each_rejection_sent_or_withdrawn(
    no_quiet_hours, app, team, activity, emulator
):
    """The sender drains while the leader verifies entry after entry: each rejection is sent
    (the sender had it on its way first) or skipped as decided otherwise, never lost or left
    pending, and WeChat got exactly the ones marked sent."""
    people = [make_member(team=team, oa_openid=f"oa-race-{i}") for i in range(8)]
    leader = leader_of(team)
    entries = [checked_in(p, activity, status="flagged") for p in people]
    for entry in entries:
        review.review(leader, entry.id, "reject", "照片模糊", clock.now_utc(), "off")
    start = threading.Barrier(2)

    def sender():
        with app.app_context(), db.connection_context():
            start.wait()
            drain_outbox(clock.now_utc())

    def verify():
        with db.connection_context():
            start.wait()
            for entry in entries:
                review.review(leader, entry.id, "verify", "", clock.now_utc(), "off")

    threads = [threading.Thread(target=job) for job in (sender, verify)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context():
        drain_outbox(clock.now_utc())
    rows = list(Notification.select())
    assert len(rows) == len(people)
    assert {(n.status, n.last_error) for n in rows} <= {
        ("sent", ""),
        ("skipped", "审核结论已更改，未发送"),
    }
    sent = [n for n in rows if n.status == "sent"]
    assert len(emulator.calls_to("template_send")) == len(sent)


# --- an activity moved ---------------------------------------------------------------------------

LONG_PLACE = "文化路社区东广场（原社区卫生服务中心南侧停车场）"  # 24 characters


def test_a_patch_that_moves_the_activity_tells_its_members_on_wechat(
    no_quiet_hours, app, api, team, activity, emulator
):
    """The tester's case: the leader moves the activity; each enrolled member gets a template
    message leading with the new place, the new start in its time field, linking to the page;
    a description typo fixed afterwards tells nobody."""
    leader, path = api("mp-leader"), f"/activities/{activity.id}"
    start = activity.starts_at + timedelta(days=1)
    moved = leader.patch(
        path,
        json={
            "place": LONG_PLACE,
            "starts_at": start.isoformat() + "+00:00",
            "ends_at": (start + timedelta(hours=2)).isoformat() + "+00:00",
        },
    )
    assert moved.status_code == 200, moved.get_json()
    assert kinds() == [
        ("activity_changed", member("alice").id),
        ("activity_changed", member("bob").id),
    ]
    assert leader.patch(path, json={"description": "请携带血压计"}).status_code == 200
    assert len(kinds()) == 2
    with app.app_context():
        assert drain_outbox(clock.now_utc()) == {"claimed": 2, "sent": 2}
    calls = emulator.calls_to("template_send")
    assert {c.body["touser"] for c in calls} == {"oa-alice", "oa-bob"}
    data = calls[0].body["data"]
    assert data["thing1"]["value"] == "有变更：义诊"
    assert data["thing2"]["value"] == LONG_PLACE[:19] + "…"
    assert data["time3"]["value"] == shown_time(start)
    assert calls[0].body["miniprogram"]["pagepath"] == f"pages/activity/detail?id={activity.id}"


def test_a_change_by_customer_service_text_carries_what_it_was_and_is(
    no_quiet_hours, settings_overrides, request
):
    settings_overrides["notifications"] |= {"channels_by_kind": "activity_changed=oa_custom"}
    app, api, emulator = (request.getfixturevalue(n) for n in ("app", "api", "emulator"))
    activity = request.getfixturevalue("activity")
    alice = member("alice")
    Member.update(last_interaction_at=clock.now_utc()).where(Member.id == alice.id).execute()
    before = activity_reminders.when_text(activity)
    start = activity.starts_at + timedelta(hours=1)
    moved = api("mp-leader").patch(
        f"/activities/{activity.id}", json={"starts_at": start.isoformat() + "+00:00"}
    )
    assert moved.status_code == 200, moved.get_json()
    with app.app_context():
        assert drain_outbox(clock.now_utc())["sent"] == 1  # bob has not written: skipped
    (text,) = emulator.calls_to("custom_send")
    assert text.body["text"]["content"] == "\n".join(
        [
            "【活动有变更】",
            "活动：义诊",
            f"时间：{activity_reminders.when_text(Activity.get_by_id(activity.id))}",
            f"原时间：{before}",
        ]
    )


def test_a_change_notice_the_sender_held_while_the_activity_moved_again_is_not_sent(
    no_quiet_hours, app, api, team, activity, emulator
):
    """A sender claimed the first change notices and stopped (its lease runs out); the
    activity moved again meanwhile: the next run skips the first ones and sends the newer."""
    leader, path = api("mp-leader"), f"/activities/{activity.id}"
    assert leader.patch(path, json={"place": "文化路社区东广场"}).status_code == 200
    now = clock.now_utc()
    outbox_delivery.claim(now, 300, 10)
    assert leader.patch(path, json={"place": "文化路社区西广场"}).status_code == 200
    with app.app_context():
        assert drain_outbox(now + timedelta(minutes=6)) == {"claimed": 4, "sent": 2, "skipped": 2}
    rows = Notification.select().order_by(Notification.id)
    assert [(n.status, n.last_error) for n in rows] == 2 * [
        ("skipped", "活动已再次变更，未发送")
    ] + 2 * [("sent", "")]
    summaries = {c.body["data"]["thing2"]["value"] for c in emulator.calls_to("template_send")}
    assert summaries == {"文化路社区西广场"}


def test_a_member_who_left_the_activity_is_not_sent_its_change(
    no_quiet_hours, app, api, team, activity, emulator
):
    """A sender claimed the change notices and stopped (its lease runs out); alice left the
    activity meanwhile, which could not withdraw the held row: the next run skips hers."""
    path = f"/activities/{activity.id}"
    assert api("mp-leader").patch(path, json={"place": "文化路社区东广场"}).status_code == 200
    now = clock.now_utc()
    outbox_delivery.claim(now, 300, 10)
    assert api("mp-alice").delete(f"{path}/enrollment").status_code == 200
    with app.app_context():
        assert drain_outbox(now + timedelta(minutes=6)) == {"claimed": 2, "sent": 1, "skipped": 1}
    rows = {n.member_id: (n.status, n.last_error) for n in Notification.select()}
    assert rows[member("alice").id] == ("skipped", "队员已退出该活动，未发送")
    assert {c.body["touser"] for c in emulator.calls_to("template_send")} == {"oa-bob"}
