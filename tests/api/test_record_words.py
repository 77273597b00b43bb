"""The register's words on the screen and in the Excel file: a visit names its household
(whole for the office, masked for the leader, as the file does), an entry says how it was
registered in the file's words, and the list filters by whose review an entry waits for."""

import io

from openpyxl import load_workbook

from models import Member
from tests.factories import make_activity, make_household, make_member, make_record, make_team


def _world():
    team = make_team()
    leader = team.members.where(Member.role == "leader").get()
    Member.update(mp_openid="mp-words-leader").where(Member.id == leader.id).execute()
    member = make_member(team=team, name="李红")
    household = make_household(community=team.community, head_name="杨玉珍")
    visit = make_record(member, kind="visit", household=household, status="flagged")
    by_leader = make_record(
        member,
        activity=make_activity(team, title="重阳节义诊"),
        source="leader",
        registered_by=leader,
        registration_reason="不会用手机",
        status="pending",
    )
    own = make_record(leader, status="pending")
    return team, leader, visit, by_leader, own


def _excel_rows(client) -> dict[int, dict]:
    answer = client.get("/records/export.xlsx")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    return {row[-1]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}


def test_the_screen_and_the_file_name_a_visit_and_a_registration_alike(app, api, office):
    team, leader, visit, by_leader, own = _world()
    for who, head in ((office, "杨玉珍"), (api("mp-words-leader"), "杨**")):
        items = {r["id"]: r for r in who.get("/records").get_json()["items"]}
        file = _excel_rows(who)
        assert items[visit.id]["served"] == f"结对家庭 {head}户" == file[visit.id]["活动/对象"]
        assert items[by_leader.id]["served"] == "重阳节义诊" == file[by_leader.id]["活动/对象"]
        assert items[own.id]["served"] == "个人服务（分散活动）" == file[own.id]["活动/对象"]
        for entry in (visit, by_leader):
            assert items[entry.id]["registration_name"] == file[entry.id]["登记方式"]
        assert items[visit.id]["registration_name"] == "本人签到"
        assert items[by_leader.id]["registration_name"] == f"队长{leader.name}代登记：不会用手机"
    detail = office.get(f"/records/{visit.id}").get_json()
    assert detail["served"] == "结对家庭 杨玉珍户"


def test_the_list_filters_by_whose_review_an_entry_waits_for(app, office):
    team, leader, visit, by_leader, own = _world()
    verified = make_record(leader, status="verified")
    for who, expected in (("office", {by_leader.id, own.id}), ("leader", {visit.id})):
        body = office.get(f"/records?team_id={team.id}&awaiting_review_by={who}").get_json()
        assert {r["id"] for r in body["items"]} == expected
        assert body["total"] == len(expected)
        assert all(r["awaiting_review_by"] == who for r in body["items"])
    everything = office.get(f"/records?team_id={team.id}").get_json()
    assert verified.id in {r["id"] for r in everything["items"]}
    refused = office.get("/records?awaiting_review_by=nobody")
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "bad_filter"
