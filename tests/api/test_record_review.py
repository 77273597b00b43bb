"""Reviews and corrections as the member reads them: the comment shown is always the reason
for the status shown."""

from datetime import timedelta

import pytest

from services import clock
from tests.register_world import FILLED, build_world, checked_in


@pytest.fixture
def world(app):
    return build_world(with_openids=True)


@pytest.fixture
def entry(world):
    at = clock.now_utc() - timedelta(days=1)
    return checked_in(world.alice, at=at, status="flagged", flags=["out_of_range"])


def test_after_the_offices_corrections_the_member_reads_the_latest_reason(
    api, office, world, entry
):
    path = f"/records/{entry.id}"
    rejection = {"decision": "reject", "comment": "重新看了一下"}
    api(world.leader_a).post(f"{path}/review", json=rejection)
    office.patch(path, json={"status": "rejected", "reason": "抽查发现照片与活动无关"})
    office.patch(path, json={"status": "verified", "reason": "复核后确认"})
    body = api(world.alice).get(path).get_json()
    assert (body["status_name"], body["review_comment"]) == ("已核验", "复核后确认")


def test_a_repeated_verify_without_a_comment_keeps_the_comment(api, world, entry):
    leader, path = api(world.leader_a), f"/records/{entry.id}/review"
    leader.post(path, json={"decision": "verify", "comment": "已电话核实"})
    again = leader.post(path, json={"decision": "verify"}).get_json()
    assert again["review_comment"] == "已电话核实"
    assert [h["action"] for h in again["history"]] == ["checkin", "checkout", "review"]


def _registration(world) -> dict:
    end = clock.now_utc() - timedelta(hours=2)
    return {
        "member_id": world.alice.id,
        "reason": "老人不会用智能手机",
        "kind": "individual",
        "checkin_at": (end - timedelta(hours=2)).isoformat() + "Z",
        "checkout_at": end.isoformat() + "Z",
    } | FILLED


def test_a_leaders_registration_is_named_as_waiting_for_the_office(api, office, world):
    registered = api(world.leader_a).post("/records", json=_registration(world)).get_json()
    seen = api(world.alice).get(f"/records/{registered['id']}").get_json()
    assert (seen["status"], seen["status_name"]) == ("pending", "待办公室审核")
    assert seen["awaiting_review_by"] == "office" and seen["counts_toward_hours"] is True
    verified = office.post(f"/records/{registered['id']}/review", json={"decision": "verify"})
    assert verified.get_json()["status_name"] == "已核验"
    assert verified.get_json()["awaiting_review_by"] is None


@pytest.mark.parametrize(
    ("owner", "waiting_for", "name"),
    [("alice", "leader", "待队长审核"), ("leader_a", "office", "待办公室审核")],
)
def test_a_flagged_entry_is_named_by_whose_review_it_waits_for(
    api, world, owner, waiting_for, name
):
    member = getattr(world, owner)
    flagged = checked_in(member, status="flagged", flags=["out_of_range"])
    body = api(member).get(f"/records/{flagged.id}").get_json()
    assert (body["awaiting_review_by"], body["status_name"]) == (waiting_for, name)


def _rejected_by_office(office, path: str) -> None:
    rejected = office.patch(path, json={"status": "rejected", "reason": "本人不在现场"})
    assert rejected.status_code == 200, rejected.get_json()


def _rejected_by_office_review(office, path: str) -> None:
    rejected = office.post(f"{path}/review", json={"decision": "reject", "comment": "本人不在现场"})
    assert rejected.status_code == 200, rejected.get_json()


def _confirmed_by_office(office, path: str) -> None:
    """The leader rejected; the office confirmed it: the decision is the office's now."""
    confirmed = office.post(f"{path}/review", json={"decision": "reject", "comment": "同意"})
    assert confirmed.status_code == 200, confirmed.get_json()


@pytest.mark.parametrize("office_decides", [_rejected_by_office, _rejected_by_office_review])
def test_a_member_is_sent_to_the_office_when_the_office_rejected(
    api, office, world, entry, office_decides
):
    """The tester's case: the office rejected the entry; the member's fill-in is refused and
    sent to the office, since the leader cannot act on it (403 office_decided)."""
    path = f"/records/{entry.id}"
    office_decides(office, path)
    refused = api(world.alice).patch(path, json={"outcome": "我当时在现场"})
    assert refused.status_code == 409
    assert refused.get_json()["error"] == {
        "code": "record_rejected",
        "message": "该记录未通过审核，不能再修改；如有异议请联系办公室。",
    }
    leader = api(world.leader_a).post(f"{path}/review", json={"decision": "verify"})
    assert leader.status_code == 403 and leader.get_json()["error"]["code"] == "office_decided"


@pytest.mark.parametrize("then", [None, _confirmed_by_office])
def test_a_member_is_sent_to_whoever_decided_a_leaders_rejection(api, office, world, entry, then):
    """The leader's rejection stands: ask the leader, who can review it again; once the office
    confirmed it, the office."""
    path = f"/records/{entry.id}"
    api(world.leader_a).post(f"{path}/review", json={"decision": "reject", "comment": "照片模糊"})
    if then is not None:
        then(office, path)
    refused = api(world.alice).patch(path, json={"outcome": "我当时在现场"})
    who = "队长" if then is None else "办公室"
    assert refused.get_json()["error"]["message"] == (
        f"该记录未通过审核，不能再修改；如有异议请联系{who}。"
    )
