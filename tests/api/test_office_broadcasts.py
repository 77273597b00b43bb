"""The office hears of urgent notices sent in the quiet hours (one inbox message per notice,
however often its request is retried), and reads every team's notices at GET
/office/broadcasts; leaders and members are refused."""

import pytest

from models import Member
from services import clock
from tests.factories import make_member, make_team, quiet_hours_around_now

NOW_INSIDE = (-1, 2)  # quiet hours around the time the test runs
NOW_OUTSIDE = (2, 3)  # quiet hours later today: now is outside them


@pytest.fixture
def settings_overrides(settings_overrides):
    return settings_overrides | {"notifications": {"oa_template_id": "tmpl-oa"}}


def quiet(settings_overrides, hours: tuple[int, int]) -> None:
    """Set the quiet hours before the app is made (the fixtures below make it)."""
    settings_overrides["rules"] = {"quiet_hours": quiet_hours_around_now(*hours)}


def team_with_leader(api, name: str, openid: str):
    """A team of two following members, and an API client for its leader."""
    team = make_team(name=name)
    Member.update(mp_openid=openid, name=f"{name}队长").where(Member.team == team).execute()
    for n in range(2):
        make_member(team=team, oa_openid=f"oa-{openid}-{n}")
    return team, api(openid)


def send(leader, request_id="r-1", urgent=True, text="今晚暴雨，请检查结对家庭"):
    body = {"text": text, "request_id": request_id, "urgent": urgent}
    return leader.post("/team/broadcasts", json=body)


def inbox(office) -> dict:
    response = office.get("/office/inbox")
    assert response.status_code == 200
    return response.get_json()


def test_an_urgent_notice_in_the_quiet_hours_reaches_the_office_once(settings_overrides, request):
    quiet(settings_overrides, NOW_INSIDE)
    api, office = request.getfixturevalue("api"), request.getfixturevalue("office")
    _, leader = team_with_leader(api, "第一服务队", "mp-lead-1")
    assert send(leader).status_code == 201
    assert send(leader).status_code == 200  # the same request, retried
    body = inbox(office)
    assert body["total"] == 1
    [item] = body["items"]
    assert (item["kind"], item["title"]) == ("broadcast_urgent_quiet", "免打扰时段发出紧急通知")
    lines = {line["label"]: line["value"] for line in item["lines"]}
    local = clock.to_local(clock.now_utc())
    assert lines["服务队"] == "第一服务队" and lines["队长"] == "第一服务队队长"
    assert lines["发送时间"].startswith(f"{local.year}年{local.month}月{local.day}日")
    assert lines["接收人数"] == "2 人（微信可送达 2 人）"
    assert send(leader, "r-2", text="另一条紧急通知").status_code == 201
    assert inbox(office)["total"] == 2  # each urgent notice once


@pytest.mark.parametrize(("hours", "urgent"), [(NOW_INSIDE, False), (NOW_OUTSIDE, True)])
def test_no_office_message_for_a_plain_notice_or_an_urgent_one_by_day(
    settings_overrides, request, hours, urgent
):
    quiet(settings_overrides, hours)
    api, office = request.getfixturevalue("api"), request.getfixturevalue("office")
    _, leader = team_with_leader(api, "第二服务队", "mp-lead-2")
    assert send(leader, urgent=urgent).status_code == 201
    assert inbox(office)["total"] == 0


def test_the_office_lists_notices_with_urgency_counts_and_the_quarter(settings_overrides, request):
    quiet(settings_overrides, NOW_INSIDE)
    api, office = request.getfixturevalue("api"), request.getfixturevalue("office")
    team_a, leader_a = team_with_leader(api, "甲队", "mp-lead-a")
    team_b, leader_b = team_with_leader(api, "乙队", "mp-lead-b")
    send(leader_a, "a-1", urgent=True)
    send(leader_a, "a-2", urgent=False, text="周六集合")
    send(leader_b, "b-1", urgent=True, text="乙队紧急")
    everything = office.get("/office/broadcasts").get_json()
    assert everything["total"] == 3 and (everything["limit"], everything["offset"]) == (20, 0)
    local = clock.to_local(clock.now_utc())
    assert everything["this_quarter"] == {
        "period": f"{local.year}-Q{(local.month - 1) // 3 + 1}",
        "teams": [
            {"team": {"id": team_a.id, "name": "甲队"}, "urgent": 1},
            {"team": {"id": team_b.id, "name": "乙队"}, "urgent": 1},
        ],
    }
    urgent_a = office.get(f"/office/broadcasts?urgent=true&team_id={team_a.id}").get_json()
    [item] = urgent_a["items"]
    assert urgent_a["total"] == 1
    assert (item["text"], item["urgent"], item["in_quiet_hours"]) == (
        "今晚暴雨，请检查结对家庭",
        True,
        True,
    )
    assert (item["team"]["name"], item["sender"]["name"], item["recipients"]) == (
        "甲队",
        "甲队队长",
        2,
    )
    assert item["counts"] == {"pending": 2, "sent": 0, "skipped": 0, "failed": 0}
    plain = office.get(f"/office/broadcasts?urgent=false&team_id={team_a.id}").get_json()
    assert [(i["urgent"], i["in_quiet_hours"]) for i in plain["items"]] == [
        (False, None),
        (True, True),
    ]
    today = local.date().isoformat()
    assert office.get(f"/office/broadcasts?from={today}&to={today}").get_json()["total"] == 3
    assert office.get("/office/broadcasts?to=2026-01-01").get_json()["total"] == 0
    assert office.get("/office/broadcasts?limit=1&offset=2").get_json()["items"][0]["text"] == (
        "今晚暴雨，请检查结对家庭"
    )


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("?team_id=99999", 404, "team_not_found"),
        ("?urgent=maybe", 400, "bad_field"),
        ("?from=2026-13-01", 400, "bad_date"),
        ("?from=2026-12-02&to=2026-12-01", 400, "bad_window"),
        ("?limit=101", 400, "bad_filter"),
    ],
)
def test_a_bad_filter_gets_the_json_error(office, query, status, code):
    response = office.get(f"/office/broadcasts{query}")
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code


def test_leaders_and_members_are_refused(app, api):
    team, leader = team_with_leader(api, "丙队", "mp-lead-c")
    member = api(make_member(team=team, mp_openid="mp-member-c"))
    for who in (leader, member):
        response = who.get("/office/broadcasts")
        assert response.status_code == 403
        error = response.get_json()["error"]
        assert error["code"] == "office_only" and set(error) == {"code", "message"}
        assert "办公室" in error["message"]
