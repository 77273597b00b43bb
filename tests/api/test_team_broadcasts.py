"""POST/GET /team/broadcasts: a leader's notice to the team through the outbox, and who got
it, for that team's leader and the office only."""

from datetime import timedelta

import pytest

from jobs.outbox import drain_outbox
from models import Broadcast, Member, Notification
from services import broadcast_text, clock, grants
from tests.factories import make_member, make_team, quiet_hours_around_now

MP_TEMPLATE = "tmpl-mp"
LIMIT = broadcast_text.MAX_BYTES


@pytest.fixture
def settings_overrides(settings_overrides):
    notes = {"mp_template_id": MP_TEMPLATE, "oa_template_id": "tmpl-oa"}
    return settings_overrides | {"notifications": notes}


@pytest.fixture
def team(app):
    team = make_team()
    Member.update(mp_openid="mp-leader").where(Member.team == team).execute()
    return team


@pytest.fixture
def leader(api, team):
    return api("mp-leader")


def members(team):
    now = clock.now_utc()
    return [
        make_member(team=team, phone="13800001111", mp_openid="mp-a", oa_openid="oa-a"),
        make_member(team=team, oa_openid="oa-b", oa_reachable=False, last_interaction_at=now),
        make_member(team=team, oa_openid="oa-c", last_interaction_at=now),
    ]


def post(client, text="周六上午九点社区集合", request_id="r-1", **extra):
    return client.post("/team/broadcasts", json={"text": text, "request_id": request_id, **extra})


def test_a_leader_broadcasts_once_per_request_id(leader, team):
    members(team)
    first = post(leader)
    assert first.status_code == 201
    body = first.get_json()
    assert body["text"] == "周六上午九点社区集合" and body["recipients"] == 3
    assert body["counts"] == {"pending": 3, "sent": 0, "skipped": 0, "failed": 0}
    assert body["team"]["id"] == team.id and body["sender"]["name"]
    again = post(leader)
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]
    assert Broadcast.select().count() == 1 and Notification.select().count() == 3
    clash = post(leader, text="别的内容")
    assert clash.status_code == 409 and clash.get_json()["error"]["code"] == "request_reused"


def test_urgent_notices_are_marked_urgent(leader, team):
    members(team)
    assert post(leader, urgent=True).status_code == 201
    assert {n.urgent for n in Notification.select()} == {True}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"text": "", "request_id": "r"}, "empty_text"),
        ({"text": "长" * (LIMIT // 3) + "a" * (LIMIT % 3 + 1), "request_id": "r"}, "text_too_long"),
        ({"text": "集合"}, "missing_field"),
        ({"text": "集合", "request_id": "有中文"}, "bad_request_id"),
        ({"text": "集合", "request_id": "x" * 65}, "bad_request_id"),
        ({"text": 5, "request_id": "r"}, "bad_field"),
        ({"text": "集合", "request_id": "r", "urgent": "yes"}, "bad_field"),
    ],
)
def test_bad_input_is_a_400(leader, team, body, code):
    members(team)
    response = leader.post("/team/broadcasts", json=body)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == code
    assert Broadcast.select().count() == 0


def test_the_text_limit_is_wechat_s_in_bytes_and_the_openapi_document_says_so(client, leader, team):
    members(team)
    at_limit = "长" * (LIMIT // 3) + "a" * (LIMIT % 3)  # mixed, exactly at the limit
    assert post(leader, text=at_limit).status_code == 201
    over = post(leader, text=at_limit + "a", request_id="r-2")
    assert over.status_code == 400
    assert f"通知最多约 {LIMIT // 3} 个汉字" in over.get_json()["error"]["message"]
    post_op = client.get("/api/v1/openapi.json").get_json()["paths"]["/team/broadcasts"]["post"]
    text = post_op["requestBody"]["content"]["application/json"]["schema"]["properties"]["text"]
    assert text["x-max-utf8-bytes"] == LIMIT and f"约 {LIMIT // 3} 个汉字" in text["description"]


def test_members_and_the_office_cannot_broadcast(api, office, team):
    (a, *_) = members(team)
    assert post(api(a)).status_code == 403
    assert post(office).status_code == 403
    assert post(api()).status_code == 401


def test_delivery_per_member_after_the_sender_ran(app, leader, team, emulator):
    a, b, c = members(team)
    grants.add(a.id, MP_TEMPLATE, clock.now_utc())
    broadcast_id = post(leader).get_json()["id"]
    with app.app_context():
        assert drain_outbox(clock.now_utc()) == {"claimed": 3, "sent": 2, "skipped": 1}
    body = leader.get(f"/team/broadcasts/{broadcast_id}").get_json()
    assert body["counts"] == {"pending": 0, "sent": 2, "skipped": 1, "failed": 0}
    by_member = {d["member"]["id"]: d for d in body["deliveries"]}
    assert by_member[a.id]["member"]["phone"] == "138****1111"
    assert (by_member[a.id]["status"], by_member[a.id]["channel"]) == ("sent", "mp_subscribe")
    assert by_member[a.id]["channel_name"] == "小程序订阅消息" and by_member[a.id]["sent_at"]
    assert (by_member[b.id]["status"], by_member[b.id]["status_name"]) == ("skipped", "未送达")
    assert "未关注公众号" in by_member[b.id]["reason"] and by_member[b.id]["channel"] is None
    assert (by_member[c.id]["status"], by_member[c.id]["channel"]) == ("sent", "oa_template")
    assert len(emulator.calls_to("subscribe_send")) == 1


def test_phones_in_the_delivery_list_are_whole_for_the_office_only(leader, office, team):
    """As in the team's roster (GET /team/members): a member's phone is personal data."""
    (a, *_) = members(team)
    path = f"/team/broadcasts/{post(leader).get_json()['id']}"
    as_leader, as_office = (
        phones(d["member"] for d in client.get(path).get_json()["deliveries"])
        for client in (leader, office)
    )
    assert (as_leader[a.id], as_office[a.id]) == ("138****1111", "13800001111")
    roster = phones(office.get(f"/team/members?team_id={team.id}").get_json()["members"])
    assert {i: roster[i] for i in as_office} == as_office


def phones(people) -> dict[int, str]:
    return {p["id"]: p["phone"] for p in people}


def test_the_list_shows_the_own_teams_broadcasts(api, leader, office, team):
    members(team)
    post(leader, request_id="r-1")
    post(leader, text="第二条", request_id="r-2")
    other = make_team(members=1)
    Member.update(mp_openid="mp-other").where(
        (Member.team == other) & (Member.role == "leader")
    ).execute()
    Member.update(oa_openid="oa-other").where(
        (Member.team == other) & (Member.role == "member")
    ).execute()
    assert post(api("mp-other"), text="他队", request_id="r-1").status_code == 201
    mine = leader.get("/team/broadcasts").get_json()["items"]
    assert [b["text"] for b in mine] == ["第二条", "周六上午九点社区集合"]
    assert len(leader.get("/team/broadcasts?limit=1").get_json()["items"]) == 1
    refused = leader.get("/team/broadcasts?limit=0")
    assert refused.status_code == 400
    assert refused.get_json()["error"]["message"] == "每页条数 limit 应在 1 到 50 之间。"
    everything = office.get("/team/broadcasts").get_json()["items"]
    assert len(everything) == 3
    only_other = office.get(f"/team/broadcasts?team_id={other.id}").get_json()["items"]
    assert [b["text"] for b in only_other] == ["他队"]


def test_the_list_pages_as_every_list_does(api, leader, office, team):
    members(team)
    for n in range(3):
        post(leader, text=f"第{n}条", request_id=f"r-{n}")
    first = leader.get("/team/broadcasts?limit=2").get_json()
    assert (first["total"], first["limit"], first["offset"]) == (3, 2, 0)
    assert [b["text"] for b in first["items"]] == ["第2条", "第1条"]
    rest = office.get("/team/broadcasts?limit=2&offset=2").get_json()
    assert [b["text"] for b in rest["items"]] == ["第0条"] and rest["total"] == 3
    past_the_end = leader.get("/team/broadcasts?offset=3").get_json()
    assert (past_the_end["items"], past_the_end["total"]) == ([], 3)
    refused = leader.get("/team/broadcasts?offset=-1")
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (400, "bad_filter")


def test_the_team_filter_refuses_as_every_team_screen_does(leader, office, team):
    other = make_team(members=1)
    own = leader.get(f"/team/broadcasts?team_id={team.id}")
    assert own.status_code == 200
    elsewhere = leader.get(f"/team/broadcasts?team_id={other.id}")
    assert (elsewhere.status_code, elsewhere.get_json()["error"]["code"]) == (403, "other_team")
    assert elsewhere.get_json()["error"]["message"] == "队长只能查看本队的通知。"
    nowhere = office.get(f"/team/broadcasts?team_id={other.id + 100}")
    assert (nowhere.status_code, nowhere.get_json()["error"]["code"]) == (404, "team_not_found")


def test_the_document_describes_the_list_s_page(client):
    get = client.get("/api/v1/openapi.json").get_json()["paths"]["/team/broadcasts"]["get"]
    assert {p["name"] for p in get["parameters"]} == {"team_id", "limit", "offset"}
    schema = get["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(schema["required"]) == {"items", "total", "limit", "offset"}


def test_a_broadcast_is_read_by_its_leader_and_the_office_only(api, leader, office, team):
    (a, *_) = members(team)
    broadcast_id = post(leader).get_json()["id"]
    other = make_team(members=1)
    Member.update(mp_openid="mp-other").where(
        (Member.team == other) & (Member.role == "leader")
    ).execute()
    assert api("mp-other").get(f"/team/broadcasts/{broadcast_id}").status_code == 404
    assert api(a).get(f"/team/broadcasts/{broadcast_id}").status_code == 403
    assert api(a).get("/team/broadcasts").status_code == 403
    seen = office.get(f"/team/broadcasts/{broadcast_id}")
    assert seen.status_code == 200 and len(seen.get_json()["deliveries"]) == 3
    assert leader.get("/team/broadcasts/99999").status_code == 404


def test_a_leader_sees_who_a_notice_reaches_before_and_after_sending(app, leader, team):
    a, b, c = members(team)
    d = make_member(team=team, name="王某")  # bound to nothing
    preview = leader.get("/team/broadcasts/audience")
    assert preview.status_code == 200
    expected = {
        "recipients": 4,
        "reachable": 2,
        "reachable_member_ids": [a.id, c.id],
        "reachable_channels": {str(a.id): "oa_template", str(c.id): "oa_template"},
        "unreachable": [
            {
                "member": {"id": b.id, "name": b.name},
                "reason": "not_following",
                "reason_name": "已取消关注公众号",
            },
            {
                "member": {"id": d.id, "name": "王某"},
                "reason": "not_bound",
                "reason_name": "未绑定微信",
            },
        ],
    }
    assert preview.get_json() == expected
    sent = post(leader)
    queued = expected | {"no_longer_reachable": []}
    assert sent.status_code == 201 and sent.get_json()["reach"] == queued
    assert post(leader).get_json()["reach"] == queued  # the same request again
    with app.app_context():
        drain_outbox(clock.now_utc())
    skipped = Notification.select().where(Notification.status == "skipped")
    assert sorted(n.member_id for n in skipped) == [b.id, d.id]  # as the leader was told


OA_ONLY = {"oa_template_id": "tmpl-oa"}
NO_TEMPLATES: dict = {}


@pytest.mark.parametrize(
    ("notes", "reached", "not_set_up"),
    [
        ({"mp_template_id": MP_TEMPLATE, **OA_ONLY}, "甲乙丙", ""),
        (OA_ONLY, "甲乙", "丙"),  # 丙 is not blamed for the missing mini-program template
        (NO_TEMPLATES, "甲", "乙丙"),  # only customer-service texts, within 48 hours
    ],
    ids=["both_templates", "no_mp_template", "no_templates"],
)
def test_the_preview_counts_only_the_channels_set_up_as_the_sender_does(
    settings_overrides, request, notes, reached, not_set_up
):
    settings_overrides["notifications"] = notes
    app, leader, team = (request.getfixturevalue(name) for name in ("app", "leader", "team"))
    now = clock.now_utc()
    people = {
        "甲": make_member(team=team, name="甲", oa_openid="oa-j", last_interaction_at=now),
        "乙": make_member(
            team=team, name="乙", oa_openid="oa-y", last_interaction_at=now - timedelta(hours=50)
        ),
        "丙": make_member(team=team, name="丙", mp_openid="mp-b"),
    }
    grants.add(people["丙"].id, MP_TEMPLATE, now)
    preview = leader.get("/team/broadcasts/audience").get_json()
    assert preview["reachable"] == len(reached)
    assert [(u["member"]["name"], u["reason"]) for u in preview["unreachable"]] == [
        (name, "not_set_up") for name in not_set_up
    ]
    assert {u["reason_name"] for u in preview["unreachable"]} <= {"办公室尚未配置相应的微信消息"}
    post(leader)
    with app.app_context():
        drain_outbox(clock.now_utc())
    sent = Notification.select().where(Notification.status == "sent")
    assert sorted(n.member_id for n in sent) == sorted(people[name].id for name in reached)


def test_a_notice_nobody_can_receive_is_refused_as_in_the_chat(leader, team):
    make_member(team=team, name="王某")  # bound to nothing
    make_member(team=team, name="张某", oa_openid="oa-z", oa_reachable=False)
    assert leader.get("/team/broadcasts/audience").get_json()["reachable"] == 0
    response = post(leader)
    assert response.status_code == 400
    assert response.get_json()["error"] == {
        "code": "nobody_reachable",
        "message": "本队 2 名队员目前都收不到微信消息，通知未发送，请通过电话等其他方式告知。",
    }
    assert Broadcast.select().count() == 0 and Notification.select().count() == 0


def test_a_retry_hears_the_same_reach_whatever_its_own_urgent_flag(settings_overrides, request):
    """In quiet hours, without templates: an urgent notice reaches a member who wrote 47
    hours ago at once, and a retry of its request, sent without the flag, hears the same."""
    settings_overrides["rules"] = {"quiet_hours": quiet_hours_around_now(-1, 2)}
    settings_overrides["notifications"] = NO_TEMPLATES
    leader, team = request.getfixturevalue("leader"), request.getfixturevalue("team")
    now = clock.now_utc()
    make_member(team=team, oa_openid="oa-x", last_interaction_at=now - timedelta(hours=47))
    make_member(team=team, oa_openid="oa-y", last_interaction_at=now)
    first = post(leader, urgent=True)
    assert first.status_code == 201 and first.get_json()["reach"]["reachable"] == 2
    again = post(leader, urgent=False)
    assert again.status_code == 200 and again.get_json()["reach"] == first.get_json()["reach"]


def test_in_quiet_hours_the_urgent_flag_changes_whom_the_preview_counts(
    settings_overrides, request
):
    """Customer-service texts only: a member who wrote 47 hours ago is reached by an urgent
    notice, sent now, but not by one that waits for the quiet hours to end."""
    settings_overrides["rules"] = {"quiet_hours": quiet_hours_around_now(-1, 2)}
    settings_overrides["notifications"] = NO_TEMPLATES
    leader, team = request.getfixturevalue("leader"), request.getfixturevalue("team")
    now = clock.now_utc()
    waiting = make_member(
        team=team, oa_openid="oa-x", last_interaction_at=now - timedelta(hours=47)
    )
    make_member(team=team, oa_openid="oa-y", last_interaction_at=now)
    urgent = leader.get("/team/broadcasts/audience?urgent=true").get_json()
    assert (urgent["reachable"], urgent["unreachable"]) == (2, [])
    for query in ("", "?urgent=false"):
        later = leader.get(f"/team/broadcasts/audience{query}").get_json()
        assert later["reachable"] == 1
        assert [u["member"]["id"] for u in later["unreachable"]] == [waiting.id]


def test_the_preview_is_a_leader_s_and_checks_its_flag(api, office, leader, team):
    (a, *_) = members(team)
    assert api(a).get("/team/broadcasts/audience").status_code == 403
    assert office.get("/team/broadcasts/audience").status_code == 403
    assert leader.get("/team/broadcasts/audience?urgent=true").get_json()["reachable"] == 2
    bad = leader.get("/team/broadcasts/audience?urgent=yes")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "bad_field"


@pytest.mark.parametrize("sent_back", ["reachable_channels", "reachable_member_ids"])
def test_the_answer_counts_what_was_queued_and_names_whom_the_preview_counted_in_vain(
    app, leader, team, sent_back
):
    """The only grant of a member reached only through the mini-program is spent by another
    notice between the preview and the send: the answer counts them out, by name. With the
    preview's channels it can say their grant was used; an older client's ids only say that
    they have none."""
    a, b, c = members(team)
    zhao = make_member(team=team, name="赵某", mp_openid="mp-zhao")
    grants.add(zhao.id, MP_TEMPLATE, clock.now_utc())
    previewed = leader.get("/team/broadcasts/audience").get_json()
    assert previewed["reachable"] == 3 and zhao.id in previewed["reachable_member_ids"]
    assert previewed["reachable_channels"][str(zhao.id)] == "mp_subscribe"
    other = post(leader, text="今晚开会", request_id="r-other").get_json()
    assert other["reach"]["reachable"] == 3  # it took the grant
    sent = post(leader, previewed=previewed[sent_back])
    reach = sent.get_json()["reach"]
    assert sent.status_code == 201 and reach["reachable"] == 2
    why = {
        "reachable_channels": ("grant_used", "小程序消息提醒次数已被其他通知用完"),
        "reachable_member_ids": ("no_grant", "未开启小程序消息提醒"),
    }[sent_back]
    lost = {"member": {"id": zhao.id, "name": "赵某"}, "reason": why[0], "reason_name": why[1]}
    assert reach["no_longer_reachable"] == [lost]
    assert post(leader, previewed=previewed[sent_back]).get_json()["reach"] == reach
    with app.app_context():
        drain_outbox(clock.now_utc())
    mp_sent = Notification.select().where(Notification.channel == "mp_subscribe")
    assert [(n.member_id, n.broadcast_id, n.status) for n in mp_sent] == [
        (zhao.id, other["id"], "sent")
    ]
    assert grants.remaining(zhao.id, (MP_TEMPLATE,)) == {MP_TEMPLATE: 0}


@pytest.mark.parametrize(
    "previewed",
    [
        ["1"],
        [0],
        [True],
        "1,2",
        [1] * 1001,
        {"1": "sms"},
        {"0": "oa_template"},
        {"01": "oa_template"},
        {"x": "oa_template"},
        {"1": None},
        {str(n): "oa_template" for n in range(1, 1002)},
    ],
)
def test_previewed_must_be_the_preview_s_channels_or_member_ids(leader, team, previewed):
    members(team)
    answer = post(leader, previewed=previewed)
    assert answer.status_code == 400 and answer.get_json()["error"]["code"] == "bad_field"
