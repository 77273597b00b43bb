"""An entry's history in the entry's own words (changes_shown): statuses and flags as the
entry names them, people and households by name, no request ids, coordinates or changes
from nothing to nothing; the raw changes stay for those who check the hashes."""

from datetime import timedelta

from models import Member
from services import history
from tests.factories import NOW, make_household, make_member, make_record, make_team


def _visit():
    team = make_team()
    leader = team.members.where(Member.role == "leader").get()
    Member.update(mp_openid="mp-hw-leader").where(Member.id == leader.id).execute()
    member = make_member(team=team, name="李红")
    household = make_household(community=team.community, head_name="杨玉珍")
    record = make_record(
        member,
        kind="visit",
        household=household,
        status="flagged",
        flags=["out_of_range"],
        checkin_lat=31.2304,
        checkin_lng=121.4737,
        checkin_coord_type="gcj02",
        distance_m=812.4,
        request_id="mp:abc-123",
        content="",
        checkout_at=NOW + timedelta(hours=1),
        duration_minutes=60,
    )
    history.append(record, f"member:{member.id}", "checkin", NOW, {})
    return record


def _lines(client, record_id):
    detail = client.get(f"/records/{record_id}").get_json()
    return detail, [{c["label"]: c for c in line["changes_shown"]} for line in detail["history"]]


def test_the_history_reads_as_the_entry_does(app, office):
    record = _visit()
    reviewed = office.post(f"/records/{record.id}/review", json={"decision": "verify"})
    assert reviewed.status_code == 200, reviewed.get_json()
    detail, (checkin, review) = _lines(office, record.id)
    assert checkin["党员"]["after"] == "李红"
    assert checkin["结对家庭"]["after"] == "结对家庭 杨玉珍户"
    assert checkin["异常标记"]["after"] == "位置离结对家庭较远" == detail["flag_names"][0]
    assert checkin["距结对家庭"]["after"] == "812 米"
    assert checkin["审核状态"]["after"] == "待队长审核"
    assert review["审核状态"]["before"] == "待队长审核"
    assert review["审核状态"]["after"] == "已核验" == detail["status_name"]
    shown = {c["field"] for line in detail["history"] for c in line["changes_shown"]}
    assert not shown & {"request_id", "checkin_lat", "checkin_lng", "checkin_coord_type"}
    assert "content" not in shown  # nothing to nothing
    assert detail["history"][0]["changes"]["request_id"] == [None, "mp:abc-123"]  # raw kept


def test_a_leader_reads_the_household_masked(app, api):
    record = _visit()
    _, (checkin,) = _lines(api("mp-hw-leader"), record.id)
    assert checkin["结对家庭"]["after"] == "结对家庭 杨**户"
    assert "签到距离" not in checkin and "距服务地点" not in checkin


def test_an_entry_at_an_activity_published_as_own_service_reads_as_one(app, office):
    """The history names the entry's kind as the entry does: 分散活动, not 集中活动."""
    from tests.factories import make_activity

    team = make_team()
    member = make_member(team=team)
    own = make_activity(team, kind="individual")
    record = make_record(member, own, kind="activity")
    history.append(record, f"member:{member.id}", "checkin", NOW, {})
    detail, (checkin,) = _lines(office, record.id)
    assert checkin["服务类型"]["after"] == "分散活动" == detail["kind_name"]
