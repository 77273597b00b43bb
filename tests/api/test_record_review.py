"""Reviews and corrections as the member reads them: the comment shown is always the reason
for the status shown."""

from datetime import timedelta

import pytest

from services import clock
from tests.register_world import build_world, checked_in


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
