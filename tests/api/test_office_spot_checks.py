"""The daily spot check end to end, as the office's app does it: the morning's inbox message
names the sampled entries (and gives their ids to open), GET /office/spot-checks lists them,
POST /office/spot-checks/{id} records what was found."""

from datetime import datetime, timedelta

import pytest

from models import Member, Notification, RecordHistory, SpotCheck
from services import clock
from services.outbox import Message, enqueue
from services.spot_check import sample_spot_checks
from tests.factories import make_activity, make_household, make_member, make_team, pair
from tests.register_world import checked_in


def shanghai(day, hour: int, minute: int = 0) -> datetime:
    return clock.to_utc(datetime(day.year, day.month, day.day, hour, minute))


@pytest.fixture
def sampled(app):
    """Yesterday (Shanghai): 王芳 at 「社区义诊」 just after midnight, 李强's household visit and
    赵敏's own service, all verified; this morning's job samples all three."""
    now = clock.now_utc()
    yesterday = clock.local_today(now) - timedelta(days=1)
    team = make_team(name="第一服务队")
    wang, li = make_member(name="王芳", team=team), make_member(name="李强", team=team)
    zhao = make_member(name="赵敏", team=team)
    pair(li, make_household(community=team.community))
    activity = make_activity(team, starts_at=shanghai(yesterday, 0, 5), title="社区义诊")
    entries = {
        "wang": checked_in(wang, activity, at=shanghai(yesterday, 0, 20), filled=True),
        "li": checked_in(li, at=shanghai(yesterday, 15, 5), kind="visit"),
        "zhao": checked_in(zhao, at=shanghai(yesterday, 20, 30), kind="individual"),
    }
    sample_spot_checks(now, 1.0, "secret", "off")
    checks = {c.record_id: c.id for c in SpotCheck.select()}
    return {
        "day": yesterday,
        "entries": entries,
        "checks": {who: checks[e.id] for who, e in entries.items()},
        "message": Notification.get(kind="spot_check").id,
    }


def _spot_message(office) -> dict:
    items = office.get("/office/inbox").get_json()["items"]
    return next(item for item in items if item["kind"] == "spot_check")


def test_the_inbox_names_the_sampled_entries_and_gives_their_ids(office, sampled):
    item = _spot_message(office)
    day, entries = sampled["day"], sampled["entries"]
    assert sorted(item["record_ids"]) == sorted(e.id for e in entries.values())
    by_name = {r["member"]["name"]: r for r in item["records"]}
    wang, li, zhao = by_name["王芳"], by_name["李强"], by_name["赵敏"]
    md = f"{day.month}月{day.day}日"
    assert wang["label"] == f"王芳 {md} 00:20 社区义诊"
    assert wang["date"] == day.isoformat()  # just after midnight: Shanghai's day, not UTC's
    assert wang["activity"]["title"] == "社区义诊" and wang["kind_name"] == "集中活动"
    assert li["label"] == f"李强 {md} 15:05 结对家庭走访" and li["activity"] is None
    assert zhao["label"] == f"赵敏 {md} 20:30 个人服务（分散活动）"
    assert wang["team"] == "第一服务队" and wang["status"] == "verified"
    assert wang["spot_check"] == {
        "id": sampled["checks"]["wang"],
        "result": "pending",
        "result_name": "待抽查",
    }
    lines = {line["label"]: line["value"] for line in item["lines"]}
    assert lines[f"记录 #{entries['wang'].id}"] == wang["label"]
    assert lines["抽取记录"] == f"3 条（{md}已核验 3 条）"
    for record_id in item["record_ids"]:  # each opens
        assert office.get(f"/records/{record_id}").status_code == 200


def test_a_message_naming_entries_no_longer_there_keeps_their_ids(office, app):
    payload = {"title": "今日抽查", "lines": {"抽取记录": "1 条"}, "record_ids": [13, "x", -1]}
    enqueue([Message(None, "spot_check", payload, "spot_check:old")], clock.now_utc(), "off")
    item = _spot_message(office)
    assert item["record_ids"] == [13] and item["records"] == []
    assert item["lines"] == [{"label": "抽取记录", "value": "1 条"}]


def test_the_office_lists_and_records_a_spot_check(office, sampled):
    listed = office.get("/office/spot-checks?result=pending").get_json()
    assert listed["total"] == 3
    wang_id = sampled["checks"]["wang"]
    wang = next(i for i in listed["items"] if i["id"] == wang_id)
    assert wang["record"]["member"]["name"] == "王芳" and wang["result_name"] == "待抽查"
    assert wang["sampled_on"] == clock.local_today().isoformat()
    response = office.post(f"/office/spot-checks/{wang_id}", json={"result": "confirmed"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["result"] == "confirmed" and body["checked_by"]["name"] == "办公室"
    assert body["checked_at"].endswith("+08:00") and len(body["history"]) == 1
    again = office.post(f"/office/spot-checks/{wang_id}", json={"result": "confirmed"})
    assert again.get_json() == body  # the same result twice is one result
    assert office.get("/office/spot-checks?result=pending").get_json()["total"] == 2
    named = {r["member"]["name"]: r for r in _spot_message(office)["records"]}
    assert named["王芳"]["spot_check"]["result_name"] == "抽查无误"
    assert named["李强"]["spot_check"]["result"] == "pending"
    today = clock.local_today().isoformat()
    dated = office.get(f"/office/spot-checks?from={today}&to={today}").get_json()
    assert dated["total"] == 3


def test_a_problem_flags_the_entry_for_review_with_the_reason_in_its_history(office, sampled):
    li_id, record_id = sampled["checks"]["li"], sampled["entries"]["li"].id
    note = {"result": "problem", "note": "照片中未见结对家庭"}
    body = office.post(f"/office/spot-checks/{li_id}", json=note).get_json()
    assert body["result_name"] == "发现问题" and body["record"]["status"] == "flagged"
    entry = office.get(f"/records/{record_id}").get_json()
    assert entry["status"] == "flagged" and entry["flag_names"] == ["办公室抽查发现问题"]
    assert body["record"]["status_name"] == entry["status_name"] == "待队长审核"
    last = entry["history"][-1]
    assert (last["action_name"], last["actor"]) == ("更正", "办公室")
    assert last["reason"] == "日常抽查发现问题：照片中未见结对家庭"
    change = {"result": "confirmed", "note": "复核：照片无误"}
    changed = office.post(f"/office/spot-checks/{li_id}", json=change).get_json()
    assert [h["result"] for h in changed["history"]] == ["problem", "confirmed"]
    # The office took the problem back: a line of its own, the flag gone, verified again.
    withdrawn = office.get(f"/records/{record_id}").get_json()
    assert len(withdrawn["history"]) == len(entry["history"]) + 1
    last = withdrawn["history"][-1]
    assert (last["action_name"], last["actor"]) == ("更正", "办公室")
    assert last["reason"] == "日常抽查发现的问题已撤回：复核：照片无误"
    assert (withdrawn["status"], withdrawn["flag_names"]) == ("verified", [])
    assert changed["record"]["status"] == "verified"
    again = office.post(f"/office/spot-checks/{li_id}", json=change)
    assert again.status_code == 200
    assert RecordHistory.select().where(RecordHistory.record == record_id).count() == len(
        withdrawn["history"]
    )


def test_an_amended_problem_is_shown_in_the_entrys_history_once(api, office, sampled):
    """The entry still waits for the leader when the office rewrites the problem: the leader
    reads the new wording, who wrote it and when; a retry of the same request adds nothing."""
    li_id, record_id = sampled["checks"]["li"], sampled["entries"]["li"].id
    first = {"result": "problem", "note": "照片中未见结对家庭"}
    office.post(f"/office/spot-checks/{li_id}", json=first)
    before = len(office.get(f"/records/{record_id}").get_json()["history"])
    amended = {"result": "problem", "note": "照片中未见结对家庭，签到地点距该户 3 公里"}
    for _ in range(2):  # the second is a retry
        assert office.post(f"/office/spot-checks/{li_id}", json=amended).status_code == 200
    leader = sampled["entries"]["li"].member.team.members.where(Member.role == "leader").get()
    leader.mp_openid = "mp-spot-leader"
    leader.save()
    entry = api(leader).get(f"/records/{record_id}").get_json()
    assert entry["status_name"] == "待队长审核" and len(entry["history"]) == before + 1
    line = entry["history"][-1]
    assert (line["action_name"], line["actor"], line["changes"]) == ("更正", "办公室", {})
    assert line["reason"] == "日常抽查发现的问题已更新：照片中未见结对家庭，签到地点距该户 3 公里"
    assert line["at"].endswith("+08:00")
    assert office.get(f"/records/{record_id}").get_json()["register_check"]["ok"] is True


def test_a_new_problem_after_the_leader_verified_sends_the_entry_back(api, office, sampled):
    """Spot check recorded as problem, the leader verifies, the office finds more: the entry
    goes back to the leader with the new note in its history."""
    wang_id, record_id = sampled["checks"]["wang"], sampled["entries"]["wang"].id
    first = {"result": "problem", "note": "照片与活动无关"}
    assert office.post(f"/office/spot-checks/{wang_id}", json=first).status_code == 200
    leader = sampled["entries"]["wang"].member.team.members.where(Member.role == "leader").get()
    leader.mp_openid = "mp-spot-leader"
    leader.save()
    verified = api(leader).post(f"/records/{record_id}/review", json={"decision": "verify"})
    assert verified.status_code == 200 and verified.get_json()["status"] == "verified"
    again = {"result": "problem", "note": "复核：签到时间与活动时间不符"}
    body = office.post(f"/office/spot-checks/{wang_id}", json=again).get_json()
    assert body["result"] == "problem" and body["record"]["status"] == "flagged"
    entry = office.get(f"/records/{record_id}").get_json()
    assert entry["status"] == "flagged" and entry["history"][-1]["reason"] == (
        "日常抽查发现问题：复核：签到时间与活动时间不符"
    )


def test_an_entry_at_an_activity_published_as_individual_is_named_as_the_register_names_it(
    office, app
):
    """The spot check and the inbox name the service the entry counts as, as GET /records and
    the reports do: a check-in to an activity published as 分散活动 is a 分散活动."""
    now = clock.now_utc()
    yesterday = clock.local_today(now) - timedelta(days=1)
    team = make_team(name="第二服务队")
    own = make_activity(team, starts_at=shanghai(yesterday, 9), title="送药上门", kind="individual")
    entry = checked_in(make_member(name="孙丽", team=team), own, at=shanghai(yesterday, 9, 10))
    sample_spot_checks(now, 1.0, "secret", "off")
    listed = office.get("/office/spot-checks").get_json()["items"]
    record = office.get(f"/records/{entry.id}").get_json()
    named = (record["kind"], record["counted_kind"], record["kind_name"])
    assert named == ("activity", "individual", "分散活动")
    (inbox_entry,) = _spot_message(office)["records"]
    for shown in (listed[0]["record"], inbox_entry):
        assert (shown["kind"], shown["counted_kind"], shown["kind_name"]) == named
        assert shown["activity"]["title"] == "送药上门"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"result": "problem"}, "note_required"),
        ({"result": "pending"}, "bad_result"),
        ({"result": "confirmed", "note": "字" * 301}, "text_too_long"),
        ({"result": "confirmed", "extra": 1}, "unknown_field"),
        ({"note": "无误"}, "missing_field"),
        ({"result": 1}, "bad_field"),
    ],
)
def test_bad_results_are_a_400(office, sampled, body, code):
    response = office.post(f"/office/spot-checks/{sampled['checks']['zhao']}", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == code
    assert SpotCheck.get_by_id(sampled["checks"]["zhao"]).result == "pending"


def test_an_unknown_spot_check_is_a_404(office, sampled):
    response = office.post("/office/spot-checks/987654", json={"result": "confirmed"})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "spot_check_not_found"


@pytest.mark.parametrize(
    "query", ["result=x", "from=yesterday", "from=2026-12-02&to=2026-12-01", "limit=0", "offset=-1"]
)
def test_bad_list_queries_are_a_400(office, app, query):
    response = office.get(f"/office/spot-checks?{query}")
    assert response.status_code == 400
    assert set(response.get_json()["error"]) == {"code", "message"}


def test_members_and_leaders_are_refused(api, sampled):
    leader = make_team().members.get()
    leader.mp_openid = "mp-spot-leader"
    leader.save()
    member = make_member(mp_openid="mp-spot-member")
    wang_id = sampled["checks"]["wang"]
    for who in (api(member), api(leader)):
        for response in (
            who.get("/office/spot-checks"),
            who.post(f"/office/spot-checks/{wang_id}", json={"result": "problem", "note": "x"}),
        ):
            assert response.status_code == 403
            assert response.get_json()["error"]["code"] == "office_only"
    assert api().get("/office/spot-checks").status_code == 401
    assert SpotCheck.get_by_id(wang_id).result == "pending"


def test_a_spot_checked_entry_names_its_status_as_the_register_does(office, app):
    """A leader's own entry and one a leader registered wait for the office, as /records says."""
    now = clock.now_utc()
    yesterday = clock.local_today(now) - timedelta(days=1)
    team = make_team()
    leader = team.members.where(Member.role == "leader").get()
    member = make_member(team=team)
    registered = {"source": "leader", "registered_by": leader}
    entries = {
        "leader": checked_in(leader, at=shanghai(yesterday, 9)),
        "member": checked_in(member, at=shanghai(yesterday, 10)),
        "registered": checked_in(member, at=shanghai(yesterday, 14), **registered),
    }
    sample_spot_checks(now, 1.0, "secret", "off")
    waiting = {"leader": "待办公室审核", "member": "待队长审核", "registered": "待办公室审核"}
    for who, entry in entries.items():
        check = SpotCheck.get(record=entry.id).id
        note = {"result": "problem", "note": "时间不符"}
        found = office.post(f"/office/spot-checks/{check}", json=note).get_json()["record"]
        listed = office.get(f"/records/{entry.id}").get_json()
        assert found["status_name"] == listed["status_name"] == waiting[who], who
    named = {r["id"]: r["status_name"] for r in _spot_message(office)["records"]}
    assert named == {entries[who].id: name for who, name in waiting.items()}


def walk(office, path: str, limit: int) -> list[dict]:
    """Every page of a list, as the dashboard's 更多 reads it; each page says the total."""
    items, offset = [], 0
    while True:
        page = office.get(f"{path}limit={limit}&offset={offset}").get_json()
        assert (page["limit"], page["offset"]) == (limit, offset)
        items += page["items"]
        offset += limit
        if offset >= page["total"]:
            return items


def test_pages_of_spot_checks_reach_the_oldest_each_once(app, office):
    member = make_member(team=make_team())
    today = clock.local_today()
    for n in range(7):  # three a day: the pages split days, ordered by id within one
        record = checked_in(member, at=shanghai(today - timedelta(days=n + 1), 9))
        SpotCheck.create(record=record, sampled_on=today - timedelta(days=n // 3))
    wanted = SpotCheck.select().order_by(SpotCheck.sampled_on.desc(), SpotCheck.id)
    for limit in (1, 2, 3, 50):
        items = walk(office, "/office/spot-checks?result=pending&", limit)
        assert [i["id"] for i in items] == [c.id for c in wanted]
    past = office.get("/office/spot-checks?limit=2&offset=7").get_json()
    assert (past["items"], past["total"]) == ([], 7)
