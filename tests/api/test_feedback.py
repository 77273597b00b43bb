"""Residents' feedback through the API: the office lists, filters and moderates it and fetches
a target's QR code; a leader reads the team's approved feedback, nothing else."""

import io
from datetime import date, datetime, time, timedelta
from urllib.parse import quote

import pytest
import segno
from PIL import Image

from models import AuditLog, Feedback, FeedbackCode, Member
from services import clock, spells
from services.feedback_cards import QR_BORDER, QR_SCALE
from tests.factories import make_activity, make_household, make_member, make_team, pair


def at(day: date, hour: int = 10) -> datetime:
    return clock.to_utc(datetime.combine(day, time(hour)))


def given(day=date(2026, 11, 20), rating=5, comment="", moderation="approved", **target):
    kind = next(iter(target))
    return Feedback.create(
        target_kind=kind, rating=rating, comment=comment, moderation=moderation,
        created_at=at(day), **target,
    )  # fmt: skip


PUBLIC = "https://xf.example.cn"
LONG = "长" * 301


@pytest.fixture
def settings_overrides(settings_overrides):
    """Cards point at a public address, given with a trailing slash (which is dropped)."""
    settings_overrides["feedback"] = {"public_url": PUBLIC + "/"}
    return settings_overrides


@pytest.fixture
def world(app, api):
    """Team A (its leader, 王丽, an activity) and team B (its leader), rated by residents."""
    a, b = make_team(name="第一服务队"), make_team(name="第二服务队")
    leaders = {t: t.members.where(Member.role == "leader").get() for t in (a, b)}
    for team, leader in leaders.items():
        Member.update(mp_openid=f"mp-leader-{team.id}").where(Member.id == leader.id).execute()
    alice = make_member(name="王丽", team=a, mp_openid="mp-alice")
    activity = make_activity(a, starts_at=at(date(2026, 11, 10)), title="义诊")
    rows = {
        "alice": given(rating=5, comment="很热心，电话13812345678", member=alice),
        "activity": given(date(2026, 11, 12), 4, "义诊很好", activity=activity),
        "team_a": given(date(2026, 11, 1), 3, team=a),
        "held": given(rating=1, comment="加微信领取免费礼品", moderation="pending", member=alice),
        "rejected": given(rating=2, comment="x", moderation="rejected", team=a),
        "team_b": given(rating=2, comment="B 队", team=b),
    }
    Feedback.update(held_reason="content_filter").where(Feedback.id == rows["held"].id).execute()
    return {
        "a": a,
        "b": b,
        "rows": rows,
        "leader_a": api(f"mp-leader-{a.id}"),
        "leader_b": api(f"mp-leader-{b.id}"),
        "alice": api("mp-alice"),
        "alice_id": alice.id,
        "activity": activity,
    }


def ids(body) -> set[int]:
    return {item["id"] for item in body["items"]}


def test_the_office_lists_everything_newest_first(world, office):
    body = office.get("/office/feedback").get_json()
    assert body["total"] == 6 and len(body["items"]) == 6
    dates = [item["created_at"] for item in body["items"]]
    assert dates == sorted(dates, reverse=True)
    held = next(i for i in body["items"] if i["id"] == world["rows"]["held"].id)
    assert held["moderation"] == "pending" and held["held_reason"] == "content_filter"
    assert held["target"]["name"] == "王丽" and held["resident_sees"] == "王同志"
    assert held["team"]["name"] == "第一服务队" and held["moderated_by"] is None


def test_the_office_can_have_the_held_ones_first(world, office):
    body = office.get("/office/feedback?held_first=true&limit=4").get_json()
    rest = office.get("/office/feedback?held_first=true&limit=4&offset=4").get_json()
    items = body["items"] + rest["items"]
    assert items[0]["id"] == world["rows"]["held"].id and body["total"] == 6
    others = [i["created_at"] for i in items[1:]]
    assert others == sorted(others, reverse=True) and len(set(ids(body) | ids(rest))) == 6
    newest = office.get("/office/feedback").get_json()["items"]
    assert newest[0]["id"] != world["rows"]["held"].id  # the default order is the time alone


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("moderation=pending", {"held"}),
        ("moderation=rejected", {"rejected"}),
        ("team_id={b}", {"team_b"}),
        ("team_id={a}&moderation=approved", {"alice", "activity", "team_a"}),
        ("from=2026-11-10&to=2026-11-12", {"activity"}),
        ("to=2026-11-01", {"team_a"}),
    ],
)
def test_the_office_filters(world, office, query, expected):
    query = query.format(a=world["a"].id, b=world["b"].id)
    body = office.get(f"/office/feedback?{query}").get_json()
    assert ids(body) == {world["rows"][name].id for name in expected}


def test_the_office_pages(world, office):
    assert office.get("/office/feedback?limit=100").status_code == 200
    first = office.get("/office/feedback?limit=4").get_json()
    second = office.get("/office/feedback?limit=4&offset=4").get_json()
    assert len(first["items"]) == 4 and len(second["items"]) == 2
    assert not ids(first) & ids(second) and first["total"] == second["total"] == 6


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("moderation=held", "bad_filter"),
        ("limit=0", "bad_filter"),
        ("limit=101", "bad_filter"),
        ("from=2026-12-01&to=2026-11-01", "bad_window"),
        ("from=yesterday", "bad_date"),
        ("teamid=1", "unknown_field"),
    ],
)
def test_bad_filters_are_refused(world, office, query, code):
    answer = office.get(f"/office/feedback?{query}")
    assert answer.status_code == 400 and answer.get_json()["error"]["code"] == code


def test_the_openapi_page_limit_is_the_one_enforced(office):
    spec = office.get("/openapi.json").get_json()
    params = spec["paths"]["/office/feedback"]["get"]["parameters"]
    limit = next(p for p in params if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 100


def test_an_unknown_team_is_404(world, office):
    answer = office.get("/office/feedback?team_id=9999")
    assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "team_not_found"


def test_the_office_approves_a_held_comment_recording_who_and_when(world, office):
    held = world["rows"]["held"]
    answer = office.post(f"/office/feedback/{held.id}", json={"decision": "approve"})
    body = answer.get_json()
    assert answer.status_code == 200 and body["moderation"] == "approved"
    assert body["moderated_by"]["name"] == "办公室" and body["moderated_at"]
    again = office.post(f"/office/feedback/{held.id}", json={"decision": "approve"})
    assert again.get_json()["moderated_at"] == body["moderated_at"]  # a repeat
    lines = AuditLog.select().where(AuditLog.action == "feedback_moderate")
    assert [(line.object_id, line.detail["to"]) for line in lines] == [(str(held.id), "approved")]


def test_a_rejection_needs_a_reason(world, office):
    row = world["rows"]["alice"]
    refused = office.post(f"/office/feedback/{row.id}", json={"decision": "reject"})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "note_required"
    done = office.post(
        f"/office/feedback/{row.id}", json={"decision": "reject", "note": "留言含个人电话"}
    )
    body = done.get_json()
    assert body["moderation"] == "rejected" and body["moderation_note"] == "留言含个人电话"
    assert Feedback.get_by_id(row.id).moderated_by_id is not None


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/office/feedback/{id}", {"decision": "maybe"}, 400, "bad_decision"),
        ("/office/feedback/{id}", {"decision": "approve", "note": LONG}, 400, "text_too_long"),
        ("/office/feedback/{id}", {"decision": "approve", "reason": "x"}, 400, "unknown_field"),
        ("/office/feedback/99999", {"decision": "approve"}, 404, "feedback_not_found"),
        ("/office/feedback/99999999999", {"decision": "approve"}, 404, "feedback_not_found"),
    ],
)
def test_bad_moderations_are_refused(world, office, path, body, status, code):
    answer = office.post(path.format(id=world["rows"]["held"].id), json=body)
    assert answer.status_code == status and answer.get_json()["error"]["code"] == code
    assert Feedback.get_by_id(world["rows"]["held"].id).moderation == "pending"


def test_a_leader_sees_only_the_teams_approved_feedback_without_phone_numbers(world):
    body = world["leader_a"].get("/team/feedback").get_json()
    rows = world["rows"]
    assert ids(body) == {rows[name].id for name in ("alice", "activity", "team_a")}
    assert body["team"]["name"] == "第一服务队"
    assert body["ratings"] == {"count": 3, "average": 4.0}
    alice = next(i for i in body["items"] if i["id"] == rows["alice"].id)
    assert alice["comment"] == "很热心，电话138****5678" and "13812345678" not in str(body)
    assert set(alice) == {"id", "target", "rating", "comment", "created_at"}
    activity = next(i for i in body["items"] if i["id"] == rows["activity"].id)
    assert activity["target"] == {
        "kind": "activity", "kind_name": "活动", "id": world["activity"].id, "name": "义诊",
    }  # fmt: skip


PERSONAL = (
    "李秀英",
    "幸福路12号3单元",
    "13700001111",
    "010-65123456",
    "张桂兰",
    "和平里5号",
    "65123456",
)


def test_residents_personal_data_in_comments_is_masked_for_leaders_and_members(world, office):
    """The rated member's paired household, and the households of the team's community, are
    masked where a comment names them; so is any phone number, landline too."""
    alice = Member.get_by_id(world["alice_id"])
    home = make_household(head_name="李秀英", address="幸福路12号3单元", phone="13700001111")
    pair(alice, home)
    make_household(world["a"].community, head_name="张桂兰", address="和平里5号")
    about_alice = given(
        comment="我是李秀英，住幸福路12号3单元，电话13700001111，座机010-65123456",
        member=alice,
    )
    about_event = given(comment="张桂兰家住和平里5号，家里电话65123456", activity=world["activity"])
    for reader, path in ((world["leader_a"], "/team/feedback"), (world["alice"], "/me/feedback")):
        body = reader.get(path).get_json()
        assert about_alice.id in ids(body) and not [w for w in PERSONAL if w in str(body)]
        mine = next(i for i in body["items"] if i["id"] == about_alice.id)
        assert mine["comment"].startswith("我是李") and "137****1111" in mine["comment"]
    leader = world["leader_a"].get("/team/feedback").get_json()
    assert about_event.id in ids(leader)
    everything = str(office.get("/office/feedback").get_json())
    assert all(word in everything for word in PERSONAL)  # the office reads them whole


def test_a_clerk_never_silently_overwrites_another_clerks_decision(world, office):
    held = world["rows"]["held"]
    path = f"/office/feedback/{held.id}"
    first = office.post(path, json={"decision": "approve", "expected": "pending"})
    assert first.status_code == 200 and first.get_json()["moderation"] == "approved"
    late = office.post(path, json={"decision": "reject", "note": "广告", "expected": "pending"})
    error = late.get_json()["error"]
    assert late.status_code == 409 and error["code"] == "feedback_changed"
    assert "其他人" in error["message"] and Feedback.get_by_id(held.id).moderation == "approved"
    same = office.post(path, json={"decision": "approve", "expected": "pending"})
    assert same.status_code == 200  # the same verdict again is a repeat, not a conflict
    bad = office.post(path, json={"decision": "approve", "expected": "maybe"})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "bad_decision"
    seen = office.post(path, json={"decision": "reject", "note": "广告", "expected": "approved"})
    assert seen.status_code == 200 and seen.get_json()["moderation"] == "rejected"
    legacy = office.post(path, json={"decision": "approve"})  # no `expected`: as before
    assert legacy.status_code == 200 and legacy.get_json()["moderation"] == "approved"


def test_a_leader_cannot_read_another_team(world):
    answer = world["leader_b"].get(f"/team/feedback?team_id={world['a'].id}")
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "other_team"
    own = world["leader_b"].get("/team/feedback").get_json()
    assert ids(own) == {world["rows"]["team_b"].id}


def test_the_office_reads_a_team_as_its_leader_does(world, office):
    body = office.get(f"/team/feedback?team_id={world['a'].id}").get_json()
    assert body["total"] == 3 and "电话138****5678" not in str(body)  # the office sees it whole


@pytest.mark.parametrize(
    ("who", "method", "path", "code"),
    [
        ("leader_a", "post", "/office/feedback/{held}", "office_only"),
        ("leader_a", "get", "/office/feedback", "office_only"),
        ("alice", "get", "/office/feedback", "office_only"),
        ("alice", "get", "/team/feedback", "leader_only"),
        ("leader_a", "get", "/office/feedback/qr/member/{alice_id}", "office_only"),
    ],
)
def test_who_may_not(world, who, method, path, code):
    path = path.format(held=world["rows"]["held"].id, alice_id=world["alice_id"])
    kwargs = {"json": {"decision": "approve"}} if method == "post" else {}
    answer = getattr(world[who], method)(path, **kwargs)
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == code
    assert Feedback.get_by_id(world["rows"]["held"].id).moderation == "pending"


def test_the_office_fetches_a_members_qr_code_that_opens_the_rating_page(world, office, client):
    answer = office.get(f"/office/feedback/qr/member/{world['alice_id']}")
    assert answer.status_code == 200 and answer.mimetype == "image/png"
    assert answer.headers["Cache-Control"] == "private, no-store"
    name = quote(f"评价二维码_结对党员{world['alice_id']}_王丽.png", safe="")
    assert answer.headers["Content-Disposition"] == f"inline; filename*=UTF-8''{name}"
    code = FeedbackCode.get(FeedbackCode.target_key == f"member:{world['alice_id']}").code
    url = f"{PUBLIC}/r/{code}"
    assert read_qr(answer.get_data()) == segno.make(url, error="m").matrix
    assert "王同志" in client.get(f"/r/{code}").get_data(as_text=True)
    again = office.get(f"/office/feedback/qr/member/{world['alice_id']}")
    assert again.get_data() == answer.get_data()  # one code per target, however often fetched


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/office/feedback/qr/household/1", 400, "bad_target_kind"),
        ("/office/feedback/qr/member/99999", 404, "target_not_found"),
        ("/office/feedback/qr/team/99999999999", 404, "target_not_found"),
    ],
)
def test_bad_qr_targets_are_refused(world, office, path, status, code):
    answer = office.get(path)
    assert answer.status_code == status and answer.get_json()["error"]["code"] == code


def test_no_qr_code_for_a_member_who_left_or_a_cancelled_activity(world, office):
    """Residents who scanned such a card would only be turned away (无需评价): the office is
    told plainly instead of getting a dead card, and no code is made for it."""
    alice = world["alice_id"]
    spells.leave(alice, date(2026, 11, 25))
    cancelled = make_activity(
        world["a"], starts_at=at(date(2026, 11, 28)), title="清洁家园", status="cancelled"
    )
    refused = [
        (f"/office/feedback/qr/member/{alice}", "member_left", "王丽已离队"),
        (f"/office/feedback/qr/activity/{cancelled.id}", "activity_cancelled", "「清洁家园」"),
    ]
    for path, code, words in refused:
        answer = office.get(path)
        error = answer.get_json()["error"]
        assert answer.status_code == 409 and error["code"] == code, error
        assert words in error["message"] and "无需评价" in error["message"]
    assert FeedbackCode.select().count() == 0
    activity = world["activity"]  # one that took place is still a card to print
    assert office.get(f"/office/feedback/qr/activity/{activity.id}").status_code == 200


def test_no_qr_code_without_a_public_address_outside_demo_mode(settings_overrides, request):
    settings_overrides["feedback"]["public_url"] = ""
    app = request.getfixturevalue("app")
    office = request.getfixturevalue("office")
    team = make_team()
    assert not app.config["SETTINGS"].is_demo
    answer = office.get(f"/office/feedback/qr/team/{team.id}")
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "public_url_missing"


def read_qr(png: bytes) -> tuple:
    """The modules of a bare QR PNG written at QR_SCALE with QR_BORDER, read back by pixel."""
    image = Image.open(io.BytesIO(png)).convert("L")
    modules = image.width // QR_SCALE - 2 * QR_BORDER
    assert image.width == image.height == (modules + 2 * QR_BORDER) * QR_SCALE
    return read_modules(image, QR_BORDER * QR_SCALE, QR_BORDER * QR_SCALE, modules)


def read_modules(image, left: int, top: int, modules: int) -> tuple:
    half = QR_SCALE // 2
    return tuple(
        bytearray(
            int(image.getpixel((left + x * QR_SCALE + half, top + y * QR_SCALE + half)) < 128)
            for x in range(modules)
        )
        for y in range(modules)
    )


def test_the_leader_view_leaves_out_feedback_given_outside_the_dates(world):
    body = world["leader_a"].get("/team/feedback?from=2026-11-15").get_json()
    assert ids(body) == {world["rows"]["alice"].id}
    assert body["ratings"] == {"count": 1, "average": 5.0}
    empty = world["leader_a"].get("/team/feedback?from=2026-12-15").get_json()
    assert empty["ratings"] == {"count": 0, "average": None} and empty["items"] == []


def test_a_member_who_moved_team_takes_the_feedback_along(world):
    """A feedback's team is the rated member's team now, as the quarterly report counts it."""
    Member.update(team=world["b"]).where(Member.id == world["alice_id"]).execute()
    b_ids = ids(world["leader_b"].get("/team/feedback").get_json())
    assert world["rows"]["alice"].id in b_ids


def test_the_window_is_shanghai_days(world, office):
    first = given(date(2026, 11, 21), 5, team=world["a"])
    Feedback.update(created_at=at(date(2026, 11, 21), 0)).where(Feedback.id == first.id).execute()
    late = given(date(2026, 11, 21), 5, team=world["a"])
    last = at(date(2026, 11, 22), 0) - timedelta(seconds=1)
    Feedback.update(created_at=last).where(Feedback.id == late.id).execute()
    next_day = given(date(2026, 11, 22), 5, team=world["a"])
    Feedback.update(created_at=at(date(2026, 11, 22), 0)).where(
        Feedback.id == next_day.id
    ).execute()
    body = office.get("/office/feedback?from=2026-11-21&to=2026-11-21").get_json()
    assert ids(body) == {first.id, late.id}


def test_a_member_reads_the_approved_ratings_of_their_own_card(world):
    body = world["alice"].get("/me/feedback").get_json()
    assert ids(body) == {world["rows"]["alice"].id}  # not the held one, nor the team's
    assert body["ratings"] == {"count": 1, "average": 5.0}
    assert body["items"][0]["comment"] == "很热心，电话138****5678"
    assert world["leader_b"].get("/me/feedback").get_json()["total"] == 0


def test_the_office_has_no_card_of_its_own(world, office):
    answer = office.get("/me/feedback")
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "member_only"
