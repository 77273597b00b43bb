"""`python app.py export records|report`, run as the office would: the workbook written, its
filters, no overwriting without --force, and a Chinese sentence (no traceback) for a path
that cannot be written or an option that makes no sense."""

import os
from datetime import date, datetime, time, timedelta

import pytest
from openpyxl import load_workbook

from models import Member
from services import clock
from tests.factories import make_household, make_member, make_record, make_team, pair

FILLED = {"content": "清理楼道杂物", "target": "3号楼住户", "outcome": "楼道整洁"}


def at(day: date, hour: int = 10) -> datetime:
    return clock.to_utc(datetime.combine(day, time(hour)))


@pytest.fixture
def world(app):
    """Team 1: 王丽 served in November and visited her household in December; team 2: 陈静."""
    team_a, team_b = make_team(name="第一服务队"), make_team(name="第二服务队")
    alice = make_member(name="王丽", phone="13900000001", team=team_a)
    household = make_household(community=team_a.community, head_name="王建华")
    pair(alice, household)
    start = at(date(2026, 11, 20))
    done = {"checkout_at": start + timedelta(hours=2), "duration_minutes": 120}
    make_record(alice, checkin_at=start, status="verified", **done, **FILLED)
    visited = {"kind": "visit", "household": household}
    make_record(alice, checkin_at=at(date(2026, 12, 1)), **visited)
    make_record(make_member(name="陈静", team=team_b), checkin_at=at(date(2026, 12, 2)))
    return team_a, team_b


def rows(path) -> list[list]:
    sheet = load_workbook(path)["登记记录"]
    return [[c.value for c in row] for row in sheet.iter_rows(2)]


def test_export_records_with_filters(runner, world, tmp_path):
    team_a, _ = world
    out = tmp_path / "out.xlsx"
    args = ["export", "records", "--from", "2026-10-01", "--to", "2026-12-31"]
    result = runner.invoke(args=[*args, "--team", str(team_a.id), str(out)])
    assert result.exit_code == 0, result.output
    assert "已导出 2 条登记记录" in result.output
    found = rows(out)
    assert [row[1] for row in found] == ["王丽", "王丽"]
    assert found[0][4] == datetime(2026, 11, 20, 10) and found[0][6] == 2
    assert found[1][3] == "结对家庭 王建华户"  # the office's command line sees it whole


@pytest.mark.parametrize(
    ("options", "members"),
    [
        (["--team", "第二服务队"], ["陈静"]),
        (["--status", "已核验"], ["王丽"]),
        (["--kind", "visit"], ["王丽"]),
        (["--member", "13900000001", "--kind", "结对走访"], ["王丽"]),
        (["--from", "2026-12-02"], ["陈静"]),
    ],
)
def test_options_narrow_the_export(runner, world, tmp_path, options, members):
    out = tmp_path / "out.xlsx"
    result = runner.invoke(args=["export", "records", *options, str(out)])
    assert result.exit_code == 0, result.output
    assert [row[1] for row in rows(out)] == members


@pytest.fixture
def waiting(world):
    """Beside the world's entries: 王丽's flagged one (her leader's review), one her leader
    registered for her (pending: the office's), the leader's own flagged one (the office's)."""
    team_a, _ = world
    alice = Member.get(Member.name == "王丽")
    leader = team_a.members.where(Member.role == "leader").get()
    day = at(date(2026, 11, 21))
    made = {
        "flagged": make_record(alice, checkin_at=day, status="flagged"),
        "registered": make_record(
            alice, checkin_at=day, status="pending", source="leader", registered_by=leader
        ),
        "leaders_own": make_record(leader, checkin_at=day, status="flagged"),
    }
    return {name: r.id for name, r in made.items()}


def ids(path) -> set[int]:
    return {row[-1] for row in rows(path)}


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("待审核", {"flagged", "registered", "leaders_own"}),  # pending and flagged alike
        ("待队长审核", {"flagged"}),  # the words the file itself shows
        ("待办公室审核", {"registered", "leaders_own"}),
        ("pending", {"registered"}),
        ("flagged", {"flagged", "leaders_own"}),
    ],
)
def test_status_takes_codes_and_every_name_the_app_shows(
    runner, waiting, tmp_path, status, expected
):
    out = tmp_path / "out.xlsx"
    result = runner.invoke(
        args=[
            "export",
            "records",
            "--from",
            "2026-11-21",
            "--to",
            "2026-11-21",
            "--status",
            status,
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    assert ids(out) == {waiting[name] for name in expected}


def test_a_wrong_status_lists_each_choice_once(runner, world, tmp_path):
    result = runner.invoke(args=["export", "records", "--status", "done", str(tmp_path / "o.xlsx")])
    assert result.exit_code == 1
    names = "待审核、已核验、未通过、待队长审核、待办公室审核"
    choices = f"{names}，或代码 pending、verified、flagged、rejected"
    assert f"状态应为：{choices}（收到 done）" in result.output
    shown = runner.invoke(args=["export", "records", "--help"]).output
    assert "".join(choices.split()) in "".join(shown.split())  # click wraps the help


@pytest.mark.parametrize(
    "typed", ["139-0000-0001", "139 0000 0001", "+86 13900000001", "１３９００００００01"]
)
def test_member_phone_is_read_as_the_roster_import_reads_it(runner, world, tmp_path, typed):
    out = tmp_path / "out.xlsx"
    result = runner.invoke(args=["export", "records", "--member", typed, str(out)])
    assert result.exit_code == 0, result.output
    assert {row[1] for row in rows(out)} == {"王丽"}


def test_without_a_name_the_suggested_one_is_used(runner, world, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(args=["export", "records", "--from", "2026-10-01", "--to", "2026-12-31"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "登记簿_全部服务队_2026-10-01至2026-12-31.xlsx").exists()


def test_an_existing_file_is_kept_unless_forced(runner, world, tmp_path):
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"the clerk's own file")
    result = runner.invoke(args=["export", "records", str(out)])
    assert result.exit_code == 1
    assert "已经存在" in result.output and "--force" in result.output
    assert out.read_bytes() == b"the clerk's own file"
    result = runner.invoke(args=["export", "records", "--force", str(out)])
    assert result.exit_code == 0, result.output
    assert len(rows(out)) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{tmp}/no-such-folder/out.xlsx"], "no-such-folder 不存在"),
        (["{tmp}/out.csv"], ".xlsx 结尾"),
        (["--from", "2026-13-01", "{tmp}/out.xlsx"], "--from 应为日期"),
        (["--status", "done", "{tmp}/out.xlsx"], "状态应为"),
        (["--team", "不存在的队", "{tmp}/out.xlsx"], "没有名为「不存在的队」的服务队"),
        (["--team", "999", "{tmp}/out.xlsx"], "没有这个服务队"),
        (["--member", "13000000000", "{tmp}/out.xlsx"], "名册中没有手机号"),
        (["--from", "2026-12-31", "--to", "2026-10-01", "{tmp}/out.xlsx"], "不能晚于结束日期"),
    ],
)
def test_bad_input_is_one_chinese_sentence(runner, world, tmp_path, args, message):
    filled = [a.format(tmp=tmp_path) for a in args]
    result = runner.invoke(args=["export", "records", *filled])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out.xlsx").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_a_folder_without_write_permission(runner, world, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = runner.invoke(args=["export", "records", str(locked / "out.xlsx")])
    finally:
        locked.chmod(0o700)
    assert result.exit_code == 1 and "没有写入权限" in result.output


def test_export_report(runner, world, tmp_path, monkeypatch):
    team_a, _ = world
    monkeypatch.setattr(clock, "now_utc", lambda: clock.to_utc(datetime(2027, 1, 5, 10)))
    out = tmp_path / "report.xlsx"
    result = runner.invoke(args=["export", "report", "2026-Q4", "--team", "第一服务队", str(out)])
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    summary = {row[0].value: row[1].value for row in book["概况"].iter_rows(2)}
    assert summary["服务队"] == "第一服务队" and summary["服务时长（小时）"] == 2
    names = [row[0].value for row in book["队员明细"].iter_rows(2)]
    leader = team_a.members.where(Member.role == "leader").get()
    assert names == [leader.name, "王丽"]
    again = runner.invoke(args=["export", "report", "2026-Q4", "--team", str(team_a.id), str(out)])
    assert again.exit_code == 1 and "已经存在" in again.output
    bad = runner.invoke(args=["export", "report", "2026-Q9", "--team", "1", str(out)])
    assert bad.exit_code == 1 and "季度格式" in bad.output


def test_export_report_without_a_team_says_so_in_chinese(runner, world, tmp_path):
    result = runner.invoke(args=["export", "report", "2026-Q4", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 1
    assert "请用 --team 指明哪个服务队的报告" in result.output
    assert "Missing option" not in result.output
    assert not (tmp_path / "r.xlsx").exists()
