"""The register over the API: the access table (role × endpoint → status), listing with
filters and paging, fill-in, review, correction, a leader's registration, and the JSON
errors for bad input. Every change made here must leave the register verifiable."""

from datetime import timedelta

import pytest
from peewee import fn

from models import Member, ServiceRecord
from services import clock, register_check, spells
from tests.register_world import FILLED, build_world, checked_in

ROLES = ("alice", "leader_a", "leader_b", "bob", "office")


@pytest.fixture
def world(app):
    return build_world(with_openids=True)


@pytest.fixture
def as_role(api, world, request):
    """A logged-in client for a role: a member of the world by name, or the office."""

    def login(role):
        return request.getfixturevalue("office") if role == "office" else api(getattr(world, role))

    return login


@pytest.fixture
def entry(world):
    """Alice's flagged entry from yesterday, checked out, not filled in."""
    at = clock.now_utc() - timedelta(days=1)
    return checked_in(world.alice, at=at, status="flagged", flags=["out_of_range"])


def _register_body(world, **kw):
    end = clock.now_utc() - timedelta(hours=2)
    return {
        "member_id": world.alice.id,
        "reason": "老人不会用智能手机",
        "kind": "individual",
        "checkin_at": (end - timedelta(hours=2)).isoformat() + "Z",
        "checkout_at": end.isoformat() + "Z",
        **FILLED,
    } | kw


# Who may do what to Alice's entry (Alice and Bob are in team A led by leader_a; leader_b leads
# team B). 404: may not see it; 403: may see it but not do this.
ACCESS = {
    ("get", "/records/{id}", None): {
        "alice": 200,
        "leader_a": 200,
        "leader_b": 404,
        "bob": 404,
        "office": 200,
    },
    ("patch", "/records/{id}", "fill"): {
        "alice": 200,
        "leader_a": 403,
        "leader_b": 404,
        "bob": 404,
        "office": 200,
    },
    ("post", "/records/{id}/review", "verify"): {
        "alice": 403,
        "leader_a": 200,
        "leader_b": 404,
        "bob": 404,
        "office": 200,
    },
    ("get", "/records?member_id={member}", None): {
        "alice": 200,
        "leader_a": 200,
        "leader_b": 403,
        "bob": 403,
        "office": 200,
    },
    # No member has the id: 404 for a leader and the office, not the 403 another team's member
    # gets; a plain member hears 403 for any id but their own, so they cannot probe for ids.
    ("get", "/records?member_id={nobody}", None): {
        "alice": 403,
        "leader_a": 404,
        "leader_b": 404,
        "bob": 403,
        "office": 404,
    },
    ("get", "/records/export.xlsx?member_id={nobody}", None): {
        "alice": 403,
        "leader_a": 404,
        "leader_b": 404,
        "bob": 403,
        "office": 404,
    },
    ("get", "/records?team_id={team}", None): {
        "alice": 403,
        "leader_a": 200,
        "leader_b": 403,
        "bob": 403,
        "office": 200,
    },
    ("post", "/records", "registration"): {
        "alice": 403,
        "leader_a": 201,
        "leader_b": 403,
        "bob": 403,
        "office": 403,
    },
}
# The office may change the text only as a correction with a reason; a member's reason is ignored.
BODIES = {
    "fill": {"content": "清理楼道", "reason": "按签到表更正"},
    "verify": {"decision": "verify"},
}
CASES = [(*key, role, status) for key, row in ACCESS.items() for role, status in row.items()]


@pytest.mark.parametrize(("method", "path", "body", "role", "status"), CASES)
def test_access_table(as_role, world, entry, method, path, body, role, status):
    nobody = Member.select(fn.MAX(Member.id)).scalar() + 1
    path = path.format(id=entry.id, member=world.alice.id, team=world.team_a.id, nobody=nobody)
    body = _register_body(world) if body == "registration" else BODIES.get(body)
    response = getattr(as_role(role), method)(path, **({"json": body} if body else {}))
    assert response.status_code == status, response.get_json()
    if status >= 400:
        assert set(response.get_json()["error"]) == {"code", "message"}
    assert register_check.verify(clock.now_utc()) == []


def test_list_shape_filters_and_paging(api, world, entry):
    for days in range(2, 6):
        checked_in(world.alice, at=clock.now_utc() - timedelta(days=days))
    checked_in(world.bob)
    alice = api(world.alice)
    page = alice.get("/records?limit=2&offset=1").get_json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (5, 2, 1, 2)
    assert {item["member"]["id"] for item in page["items"]} == {world.alice.id}
    flagged = alice.get("/records?status=flagged").get_json()
    assert [item["id"] for item in flagged["items"]] == [entry.id]
    assert flagged["items"][0]["checkin_at"].endswith("+08:00")
    team = api(world.leader_a).get("/records").get_json()
    assert team["total"] == 6  # Alice's five and Bob's one
    assert api(world.leader_a).get("/records?mine=true").get_json()["total"] == 0


def test_the_office_lists_one_teams_entries(office, world, entry):
    carols = checked_in(world.carol)
    by_team = {
        team: office.get(f"/records?team_id={team.id}").get_json()
        for team in (world.team_a, world.team_b)
    }
    assert [item["id"] for item in by_team[world.team_a]["items"]] == [entry.id]
    assert [item["id"] for item in by_team[world.team_b]["items"]] == [carols.id]
    refused = office.get("/records?team_id=0")
    assert refused.get_json()["error"]["code"] == "bad_filter"
    unknown = office.get(f"/records?team_id={world.team_b.id + 100}")
    assert (unknown.status_code, unknown.get_json()["error"]["code"]) == (404, "team_not_found")


def test_a_member_that_does_not_exist_is_not_found_and_another_team_s_is_refused(api, world):
    leader = api(world.leader_a)
    nobody = Member.select(fn.MAX(Member.id)).scalar() + 1
    missing = leader.get(f"/records?member_id={nobody}")
    assert missing.status_code == 404
    assert missing.get_json()["error"] == {"code": "member_not_found", "message": "没有这位党员。"}
    refused = leader.get(f"/records?member_id={world.carol.id}")
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "record_scope"


@pytest.mark.parametrize("path", ["/records", "/records/export.xlsx"])
def test_a_member_naming_anyone_else_is_refused_alike_whether_they_exist_or_not(api, world, path):
    """A plain member cannot tell from the answer which member ids exist."""
    alice = api(world.alice)
    nobody = Member.select(fn.MAX(Member.id)).scalar() + 1
    answers = [
        alice.get(f"{path}?member_id={member_id}")
        for member_id in (nobody, world.bob.id, world.carol.id)
    ]
    assert {(a.status_code, a.get_json()["error"]["code"]) for a in answers} == {
        (403, "record_scope")
    }
    assert {a.get_json()["error"]["message"] for a in answers} == {"您只能查看本人的登记。"}
    assert alice.get(f"{path}?member_id={world.alice.id}").status_code == 200


@pytest.mark.parametrize(
    ("who", "team", "message"),
    [
        (
            "alice",
            "team_a",
            "只有队长和办公室可以按服务队（team_id）筛选登记，您可以查看本人的登记。",
        ),
        ("leader_a", "team_b", "队长只能查看本队的登记。"),
    ],
)
def test_a_refused_team_filter_says_why(api, world, who, team, message):
    response = api(getattr(world, who)).get(f"/records?team_id={getattr(world, team).id}")
    assert response.status_code == 403
    assert response.get_json()["error"] == {"code": "record_scope", "message": message}


def test_list_by_shanghai_dates(api, world):
    record = checked_in(
        world.alice,
        at=clock.to_utc(
            clock.to_local(clock.now_utc()).replace(
                hour=0, minute=30, second=0, microsecond=0, tzinfo=None
            )
        ),
    )
    today = clock.to_local(record.checkin_at).date().isoformat()
    alice = api(world.alice)
    assert alice.get(f"/records?from={today}&to={today}").get_json()["total"] == 1
    assert alice.get(f"/records?to={today}").get_json()["total"] == 1


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("limit=0", "bad_filter"),
        ("limit=101", "bad_filter"),
        ("limit=abc", "bad_field"),
        ("offset=-3", "bad_filter"),
        ("offset=99999999999999999999999", "bad_filter"),
        ("status=approved", "bad_filter"),
        ("from=2026-13-01", "bad_date"),
        ("from=2026-12-01&to=2026-11-01", "bad_window"),
        ("mine=maybe", "bad_field"),
        ("member_id=0", "bad_filter"),
    ],
)
def test_bad_list_queries_are_json_errors(api, world, query, code):
    response = api(world.alice).get(f"/records?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == code


def test_detail_has_the_history_in_shanghai_time(api, world, entry):
    alice = api(world.alice)
    alice.patch(f"/records/{entry.id}", json=FILLED)
    body = alice.get(f"/records/{entry.id}").get_json()
    assert [h["action"] for h in body["history"]] == ["checkin", "checkout", "fill"]
    first = body["history"][0]
    assert first["at"].endswith("+08:00") and first["actor"] == world.alice.name
    assert first["actor_role"] == "member"
    assert first["changes"]["checkin_at"][1] == body["checkin_at"]
    assert body["history"][2]["changes"]["content"] == ["", FILLED["content"]]


@pytest.mark.parametrize(
    ("role", "sees"), [("alice", False), ("leader_a", False), ("office", True)]
)
def test_only_the_office_reads_the_photo_files_the_history_keeps(as_role, world, entry, role, sees):
    """The history's photo keys and hashes are what the office's register check compares; a
    member or leader has no use for them (photos are served by signed links)."""
    first = as_role(role).get(f"/records/{entry.id}").get_json()["history"][0]
    assert ("photos" in first["changes"]) is sees


@pytest.mark.parametrize("body", [{"decision": "approve"}, {"decision": "reject"}])
def test_a_member_who_may_not_review_hears_so_whatever_the_decision(api, world, entry, body):
    response = api(world.alice).post(f"/records/{entry.id}/review", json=body)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "leader_only"


def test_fill_in_then_review_then_correct(api, office, world, entry):
    filled = api(world.alice).patch(f"/records/{entry.id}", json=FILLED).get_json()
    assert filled["counts_toward_hours"] is True and filled["content"] == FILLED["content"]
    reviewed = api(world.leader_a).post(
        f"/records/{entry.id}/review", json={"decision": "reject", "comment": "照片不是现场"}
    )
    assert reviewed.get_json()["status"] == "rejected"
    assert reviewed.get_json()["counts_toward_hours"] is False
    closed = api(world.alice).patch(f"/records/{entry.id}", json={"content": "改"})
    assert closed.status_code == 409
    corrected = office.patch(
        f"/records/{entry.id}",
        json={"reason": "复核后确认在现场", "status": "verified", "duration_minutes": 75},
    ).get_json()
    assert (corrected["status"], corrected["duration_minutes"]) == ("verified", 75)
    assert corrected["history"][-1]["action"] == "correct"
    assert corrected["history"][-1]["actor"] == "办公室"
    assert register_check.verify(clock.now_utc()) == []


def test_a_corrected_duration_clears_the_short_service_flag(api, office, world):
    """The office sets the hours of a tap in and out: the doubt goes in the correction's line,
    the entry waits for its leader without it, and the register check still holds."""
    at = clock.now_utc() - timedelta(days=1)
    short = checked_in(world.alice, at=at, minutes=3, status="flagged", flags=["short_service"])
    body = {"reason": "队员实际服务两小时，签退误操作", "duration_minutes": 120}
    corrected = office.patch(f"/records/{short.id}", json=body).get_json()
    assert (corrected["flags"], corrected["flag_names"]) == ([], [])
    assert (corrected["status"], corrected["status_name"]) == ("pending", "待队长审核")
    line = corrected["history"][-1]
    assert (line["action"], line["reason"]) == ("correct", body["reason"])
    assert line["changes"] == {
        "duration_minutes": [3, 120],
        "status": ["flagged", "pending"],
        "flags": [["short_service"], []],
    }
    assert corrected["register_check"] == {"ok": True, "problem": None}
    assert register_check.verify(clock.now_utc()) == []
    verify = {"decision": "verify"}
    reviewed = api(world.leader_a).post(f"/records/{short.id}/review", json=verify)
    assert reviewed.get_json()["status"] == "verified"


def test_a_correction_weighs_the_flags_by_the_configured_minimum(settings_overrides, request):
    """A programme asking for at least 30 minutes: a correction to 20 is a short service."""
    settings_overrides["rules"]["min_service_minutes"] = 30  # before the app is made
    world, office = request.getfixturevalue("world"), request.getfixturevalue("office")
    entry = checked_in(world.alice, at=clock.now_utc() - timedelta(days=1), minutes=90)
    body = {"reason": "按签到表更正", "duration_minutes": 20}
    corrected = office.patch(f"/records/{entry.id}", json=body).get_json()
    assert (corrected["status"], corrected["flags"]) == ("flagged", ["short_service"])
    assert corrected["register_check"]["ok"] is True


def test_a_leader_cannot_overturn_the_offices_rejection(api, office, world, entry):
    path = f"/records/{entry.id}/review"
    rejected = office.post(path, json={"decision": "reject", "comment": "照片不是现场"})
    assert rejected.get_json()["status"] == "rejected"
    overturned = api(world.leader_a).post(path, json={"decision": "verify"})
    assert overturned.status_code == 403
    assert overturned.get_json()["error"] == {
        "code": "office_decided",
        "message": "该记录已由办公室审核，如需更改请联系办公室。",
    }
    assert ServiceRecord.get_by_id(entry.id).status == "rejected"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"content": 5}, 400, "bad_field"),
        ({"content": "字" * 501}, 400, "text_too_long"),
        ({"target": "a\u0000b"}, 400, "bad_field"),
        ({"duration_minutes": 600}, 403, "office_only_field"),
        ({"status": "verified"}, 403, "office_only_field"),
        ({"contents": "清理楼道"}, 400, "unknown_field"),  # a typo is not a silent 200
    ],
)
def test_bad_fill_ins(api, world, entry, body, status, code):
    response = api(world.alice).patch(f"/records/{entry.id}", json=body)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert ServiceRecord.get_by_id(entry.id).content == ""


def test_a_fill_in_naming_a_field_twice_changes_nothing(api, world, entry):
    body = '{"content": "清理楼道", "content": "入户走访"}'
    response = api(world.alice).patch(
        f"/records/{entry.id}", data=body, content_type="application/json"
    )
    assert (response.status_code, response.get_json()["error"]["code"]) == (400, "repeated_field")
    assert ServiceRecord.get_by_id(entry.id).content == ""


@pytest.mark.parametrize(
    ("who", "body", "message"),
    [
        ("alice", {"content": "a", "target": None}, "服务对象应为文字。"),
        ("office", {"reason": "更正", "status": None}, "状态应为文字。"),
        (
            "office",
            {"reason": "更正", "duration_minutes": None},
            "服务时长（分钟）应为整数。",
        ),
    ],
    ids=["member_text", "office_status", "office_duration"],
)
def test_null_is_no_value_for_a_change(api, office, world, entry, who, body, message):
    """Absent leaves a field as it is; null is a wrong type, not a silent 200 doing nothing."""
    client = office if who == "office" else api(world.alice)
    response = client.patch(f"/records/{entry.id}", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"] == {"code": "bad_field", "message": message}
    assert [h.action for h in entry.history] == ["checkin", "checkout"]  # nothing changed


@pytest.mark.parametrize(
    ("method", "path", "kw", "status", "code"),
    [
        (
            "patch",
            "/records/{id}",
            {"data": "{no", "content_type": "application/json"},
            400,
            "bad_json",
        ),
        ("patch", "/records/{id}", {"json": ["content"]}, 400, "bad_json"),
        ("post", "/records/{id}/review", {"json": {}}, 400, "missing_field"),
        ("post", "/records/{id}/review", {"json": {"decision": "ok"}}, 400, "bad_decision"),
        ("post", "/records/{id}/review", {"json": {"decision": "reject"}}, 400, "comment_required"),
        ("get", "/records/abc", {}, 404, "not_found"),
        ("get", "/records/99999999999999999999", {}, 404, "record_not_found"),
        ("get", "/records/0", {}, 404, "record_not_found"),
    ],
)
def test_bad_requests_are_json_errors(api, world, entry, method, path, kw, status, code):
    client = api(world.leader_a)
    response = getattr(client, method)(path.format(id=entry.id), **kw)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code


def test_office_correction_needs_a_reason(office, entry):
    response = office.patch(f"/records/{entry.id}", json={"duration_minutes": 600})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "reason_required"


def test_leader_registration(api, world):
    leader = api(world.leader_a)
    response = leader.post("/records", json=_register_body(world, request_id="reg-1"))
    assert response.status_code == 201
    body = response.get_json()
    assert (body["source"], body["registered_by"], body["status"]) == (
        "leader",
        {"id": world.leader_a.id, "name": world.leader_a.name},
        "pending",
    )
    assert body["registration_reason"] == "老人不会用智能手机"
    assert body["photos"] == [] and body["counts_toward_hours"] is True
    assert body["duration_minutes"] == 120
    assert [(h["action"], h["reason"]) for h in body["history"]] == [
        ("register", "老人不会用智能手机")
    ]
    again = leader.post("/records", json=_register_body(world, request_id="reg-1"))
    assert (again.status_code, again.get_json()["id"]) == (200, body["id"])  # as /checkins
    assert ServiceRecord.select().count() == 1
    own_review = leader.post(f"/records/{body['id']}/review", json={"decision": "verify"})
    assert own_review.get_json()["error"]["code"] == "own_registration"


def test_registering_for_a_member_who_has_left_says_they_left(api, world):
    spells.leave(world.alice.id, clock.local_today())
    response = api(world.leader_a).post("/records", json=_register_body(world))
    assert response.status_code == 409
    assert response.get_json()["error"] == {
        "code": "member_inactive",
        "message": "该党员已离队，不能为其登记。",
    }
    assert ServiceRecord.select().count() == 0


def test_registration_times_without_offset_are_shanghai_time(api, world):
    local_end = clock.to_local(clock.now_utc() - timedelta(hours=1)).replace(tzinfo=None)
    body = _register_body(
        world,
        checkin_at=(local_end - timedelta(minutes=45)).isoformat(),
        checkout_at=local_end.isoformat(),
    )
    created = api(world.leader_a).post("/records", json=body).get_json()
    assert created["checkout_at"] == clock.to_local(clock.to_utc(local_end)).isoformat()
    assert created["duration_minutes"] == 45


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"member_id": "12"}, "bad_field"),
        ({"reason": None}, "missing_field"),
        ({"checkin_at": "yesterday"}, "bad_field"),
        ({"checkin_at": "0001-01-01T00:00:00+08:00"}, "bad_field"),
        ({"checkout_at": "9999-12-31T23:59:59-12:00"}, "bad_field"),
        ({"kind": "party"}, "bad_kind"),
        ({"member_id": 2**70}, "member_not_found"),
    ],
)
def test_bad_registrations_are_json_errors(api, world, changes, code):
    response = api(world.leader_a).post("/records", json=_register_body(world, **changes))
    assert 400 <= response.status_code < 500
    assert response.get_json()["error"]["code"] == code
    assert ServiceRecord.select().count() == 0


def test_a_registration_without_a_kind_says_what_to_send_in_words(api, world):
    body = {"member_id": world.alice.id, "reason": "不会用手机"}
    response = api(world.leader_a).post("/records", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"] == {
        "code": "bad_kind",
        "message": "请说明服务类型：集中活动请给出活动编号 activity_id；"
        "结对走访 kind 填 visit；分散活动（个人服务）kind 填 individual。",
    }


def test_registering_for_another_teams_activity_gets_the_activities_code(api, world):
    from tests.factories import make_activity

    start = clock.now_utc() - timedelta(hours=4)
    theirs = make_activity(world.team_b, starts_at=start)
    body = {"member_id": world.alice.id, "reason": "不会用手机", "activity_id": theirs.id}
    registered = api(world.leader_a).post("/records", json=body)
    seen = api(world.alice).get(f"/activities/{theirs.id}")
    assert registered.status_code == seen.status_code == 403
    assert registered.get_json()["error"]["code"] == seen.get_json()["error"]["code"]
    assert registered.get_json()["error"]["code"] == "other_team_activity"


def test_the_document_describes_every_records_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()["paths"]
    routes = {
        (rule.rule.replace("/api/v1", "").replace("<int:record_id>", "{record_id}"), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/records")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, m.upper()) for path, ops in document.items() for m in ops}
    assert routes == {r for r in documented if r[0].startswith("/records")}
    assert len(routes) == 6  # with /records/export.xlsx (api/exports.py)


def test_responses_have_the_documented_required_fields(client, api, world, entry):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]

    def required(path, method, status="200"):
        schema = paths[path][method]["responses"][status]["content"]["application/json"]
        return set(schema["schema"]["required"])

    alice = api(world.alice)
    listing = alice.get("/records").get_json()
    assert required("/records", "get") <= set(listing)
    detail = alice.get(f"/records/{entry.id}").get_json()
    assert required("/records/{record_id}", "get") <= set(detail)
    history_required = set(
        paths["/records/{record_id}"]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"
        ]["properties"]["history"]["items"]["required"]
    )
    assert all(history_required <= set(h) for h in detail["history"])


def test_the_office_sees_entries_edited_behind_the_services_back(app, office):
    from models import ServiceRecord
    from services import history
    from tests.factories import NOW, make_member, make_record, make_team

    record = make_record(make_member(team=make_team()), duration_minutes=60)
    history.append(record, "member:1", "checkin", NOW, {})
    assert office.get("/register/check").get_json()["ok"] is True
    ServiceRecord.update(duration_minutes=600).where(ServiceRecord.id == record.id).execute()
    body = office.get("/register/check").get_json()
    assert body["ok"] is False
    [found] = body["problems"]
    assert found["record_id"] == record.id
    assert found["description"] == f"{record.member.name} 2026-11-29 分散活动"
    assert found["problem"] == "记录被绕过系统修改：服务时长（分钟） 60 → 600"


def _visit_seen_by_its_leader(**record_fields):
    """A member's household visit, and the team's leader (bound to the mini-program)."""
    from models import Member
    from tests.factories import make_household, make_member, make_record, make_team, pair

    team = make_team()
    leader = team.members.where(Member.role == "leader").get()
    Member.update(mp_openid="mp-lead-visit").where(Member.id == leader.id).execute()
    member = make_member(team=team, mp_openid="mp-visitor")
    home = make_household(community=team.community, lat=34.75, lng=113.63)
    pair(member, home)
    visit = make_record(member, kind="visit", household=home, **record_fields)
    return visit, member, Member.get_by_id(leader.id)


def test_a_leader_does_not_see_where_a_paired_household_lives(app, api, office):
    from services import history
    from tests.factories import NOW

    visit, member, leader = _visit_seen_by_its_leader(
        checkin_lat=34.7501, checkin_lng=113.6301, checkout_lat=34.7502, checkout_lng=113.6302
    )
    history.append(visit, f"member:{member.id}", "checkin", NOW, {})
    seen_by = {
        "leader": api(leader).get(f"/records/{visit.id}").get_json(),
        "member": api(member).get(f"/records/{visit.id}").get_json(),
        "office": office.get(f"/records/{visit.id}").get_json(),
    }
    assert seen_by["leader"]["location"]["lat"] is None
    assert seen_by["leader"]["checkout_location"]["lat"] is None
    assert "34.750" not in str(seen_by["leader"])  # not in the history either
    for who in ("member", "office"):
        assert seen_by[who]["location"]["lat"] == 34.7501
        assert seen_by[who]["checkout_location"]["lat"] == 34.7502


VISIT_TEXT = {"content": "看望王建华老人，电话13712345678", "target": "王建华", "outcome": "已送药"}


def test_a_leader_reads_a_visits_text_masked_as_the_file_masks_it(app, api, office):
    from services import history
    from services.households import redact
    from tests.factories import NOW

    visit, member, leader = _visit_seen_by_its_leader(checkout_at=NOW)
    visit.household.head_name, visit.household.phone = "王建华", "13712345678"
    visit.household.save()
    history.append(visit, f"member:{member.id}", "checkin", NOW, {})
    before = history.state_of(visit)
    ServiceRecord.update(**VISIT_TEXT).where(ServiceRecord.id == visit.id).execute()
    history.append(ServiceRecord.get_by_id(visit.id), f"member:{member.id}", "fill", NOW, before)
    masked = {"content": "看望王**老人，电话137****5678", "target": "王**", "outcome": "已送药"}
    assert {k: redact(v, visit.household) for k, v in VISIT_TEXT.items()} == masked  # the file's

    def texts(client) -> tuple[dict, dict, dict]:
        detail = client.get(f"/records/{visit.id}").get_json()
        [listed] = client.get("/records?kind=visit").get_json()["items"]
        fill = detail["history"][-1]["changes"]
        return (
            {k: detail[k] for k in VISIT_TEXT},
            {k: listed[k] for k in VISIT_TEXT},
            {k: fill[k][1] for k in VISIT_TEXT},
        )

    assert texts(api(leader)) == (masked, masked, masked)
    assert "13712345678" not in str(api(leader).get(f"/records/{visit.id}").get_json())
    for whole in (api(member), office):
        assert texts(whole) == (VISIT_TEXT, VISIT_TEXT, VISIT_TEXT)


def test_a_leader_reads_a_phone_typed_in_full_width_digits_masked(app, api, office):
    """Older members' input methods type full-width digits: the number is the same number."""
    typed = "李大爷一个人住，儿子电话１３６５５５５１２３４"
    visit, member, leader = _visit_seen_by_its_leader(content=typed)
    shown = api(leader).get(f"/records/{visit.id}").get_json()
    assert shown["content"] == "李大爷一个人住，儿子电话１３６****１２３４"
    assert office.get(f"/records/{visit.id}").get_json()["content"] == typed


def test_the_member_edits_their_own_text_as_written(api, world):
    """What the member reads is what they send back: a masked text would overwrite theirs."""
    from tests.factories import make_household, pair

    home = make_household(community=world.team_a.community, head_name="王建华")
    pair(world.alice, home)
    visit = checked_in(world.alice, kind="visit", household=home, content=VISIT_TEXT["content"])
    alice = api(world.alice)
    shown = alice.get(f"/records/{visit.id}").get_json()
    fill = {"content": shown["content"], "target": "王建华", "outcome": "已送药"}
    assert alice.patch(f"/records/{visit.id}", json=fill).status_code == 200
    assert ServiceRecord.get_by_id(visit.id).content == VISIT_TEXT["content"]
    masked = api(world.leader_a).get(f"/records/{visit.id}").get_json()
    assert (masked["content"], masked["target"]) == ("看望王**老人，电话137****5678", "王**")


def test_the_leader_who_registered_an_entry_reads_the_text_they_wrote(api, world):
    body = _register_body(world, content="帮王建华老人买药，电话13712345678")
    leader = api(world.leader_a)
    created = leader.post("/records", json=body)
    assert created.status_code == 201, created.get_json()
    detail = leader.get(f"/records/{created.get_json()['id']}").get_json()
    assert detail["content"] == created.get_json()["content"] == body["content"]


def test_a_leader_sees_a_visits_photo_without_the_position_the_phone_wrote_in_it(app, api, office):
    from dataclasses import asdict
    from io import BytesIO

    from PIL import ExifTags, Image

    from models import Photo
    from services.photos import store_photo
    from tests.factories import NOW
    from tests.images import jpeg

    visit, member, leader = _visit_seen_by_its_leader()
    root = app.config["SETTINGS"].storage.photo_dir
    stored = store_photo(jpeg(size=(800, 600), gps=(34.7501, 113.6301)), root, NOW)
    Photo.create(record=visit, created_at=NOW, **asdict(stored))

    def picture_for(client) -> Image.Image:
        [link] = client.get(f"/records/{visit.id}").get_json()["photos"]
        with app.test_client().get(link["url"]) as response:
            assert response.status_code == 200
            return Image.open(BytesIO(response.data))

    seen = {
        "leader": picture_for(api(leader)),
        "member": picture_for(api(member)),
        "office": picture_for(office),
    }
    assert not seen["leader"].getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert seen["leader"].size == (800, 600)  # the whole picture, only without its metadata
    for who in ("member", "office"):
        assert seen[who].getexif().get_ifd(ExifTags.IFD.GPSInfo), who


def test_the_office_sees_entries_deleted_with_their_history_since_the_checkpoint(app, office):
    from models import db
    from services import history, register_checkpoint
    from services.clock import now_utc
    from tests.factories import make_member, make_record, make_team

    gone = make_record(make_member(team=make_team()), duration_minutes=60)
    history.append(gone, "member:1", "checkin", now_utc(), {})
    data_dir = app.config["SETTINGS"].app.data_dir
    register_checkpoint.advance(register_checkpoint.path_in(data_dir), now_utc())
    db.execute_sql(f"DELETE FROM record_history WHERE record_id = {int(gone.id)}")
    db.execute_sql(f"DELETE FROM service_record WHERE id = {int(gone.id)}")
    body = office.get("/register/check").get_json()
    assert body["ok"] is False
    assert [(p["record_id"], p["description"]) for p in body["problems"]] == [(gone.id, None)]
    assert "记录及其全部登记历史已被删除" in body["problems"][0]["problem"]
