"""`python app.py export annual`, run as the office's scripts run it: the workbook the API's
download gives (read back with openpyxl, cell by cell), a team by number or name, the
suggested name without OUT, no overwriting without --force, and a Chinese sentence (no
traceback) for a year, a team or a path that will not do."""

import io
from datetime import date, datetime, time, timedelta

import pytest
from openpyxl import load_workbook

from models import AssessmentYear
from services import clock
from services.accounts import create_office_account
from tests.factories import make_member, make_record, make_team

NOW = datetime(2027, 1, 6, 2)  # 2026 has ended in Shanghai


def at(day: date) -> datetime:
    return clock.to_utc(datetime.combine(day, time(10)))


@pytest.fixture
def world(app, client, monkeypatch):
    """一队's 阿丽 served all year and is decided 优秀 and commended; 二队's 阿博 is undecided."""
    monkeypatch.setattr(clock, "now_utc", lambda: NOW)
    one, two = make_team(name="一队"), make_team(name="二队")
    alice = make_member(name="阿丽", team=one, created_at=datetime(2025, 12, 1))
    make_member(name="阿博", team=two, created_at=at(date(2026, 7, 2)))
    for month in range(1, 13):
        start = at(date(2026, month, 3))
        make_record(
            alice,
            kind="visit",
            checkin_at=start,
            checkout_at=start + timedelta(hours=3),
            duration_minutes=180,
            status="verified",
        )
    office = _office(client)
    decided = office("POST", f"/office/annual/2026/members/{alice.id}", {
        "grade": "excellent", "commended": True, "note": "全年坚持走访",
    })  # fmt: skip
    assert decided.status_code == 200, decided.get_json()
    return one, two, office


def _office(client):
    """A call to the API as an office login."""
    create_office_account("office1", "办公室", "office-pass-1", clock.now_utc())
    login = {"username": "office1", "password": "office-pass-1"}
    token = client.post("/api/v1/auth/office", json=login).get_json()["token"]

    def call(method, path, body=None):
        headers = {"Authorization": f"Bearer {token}"}
        return client.open("/api/v1" + path, method=method, json=body, headers=headers)

    return call


def cells(book) -> dict[str, list[tuple]]:
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book}


def test_the_file_is_the_one_the_api_gives(runner, world, tmp_path):
    _, _, office = world
    out = tmp_path / "考核.xlsx"
    result = runner.invoke(args=["export", "annual", "2026", str(out)])
    assert result.exit_code == 0, result.output
    made = load_workbook(out)
    members = len(cells(made)["年度考核"]) - 1
    assert f"已导出 2026 年度考核（{members} 名党员，未定稿）：{out}" in result.output
    given = load_workbook(io.BytesIO(office("GET", "/office/annual/2026/export.xlsx").data))
    assert made.sheetnames == ["年度考核", "表彰名单", "说明"]
    assert cells(made) == cells(given)
    names = [row[1] for row in cells(made)["年度考核"][1:]]
    assert "阿丽" in names and "阿博" in names
    assert cells(made)["表彰名单"][1][:4] == (1, "一队", "阿丽", "优秀")
    sheet = made["年度考核"]
    assert sheet.oddHeader.center.text == given["年度考核"].oddHeader.center.text
    assert "未定稿" in sheet.oddHeader.center.text


@pytest.mark.parametrize("team", ["number", "二队"])
def test_team_by_number_or_name(runner, world, tmp_path, team):
    _, two, _ = world
    out = tmp_path / "out.xlsx"
    chosen = str(two.id) if team == "number" else team
    result = runner.invoke(args=["export", "annual", "2026", str(out), "--team", chosen])
    assert result.exit_code == 0, result.output
    names = [row[1] for row in cells(load_workbook(out))["年度考核"][1:]]
    assert "阿博" in names and "阿丽" not in names


def test_without_a_name_the_suggested_one_is_used(runner, world, tmp_path, monkeypatch):
    _, two, _ = world
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(args=["export", "annual", "2026", "--team", str(two.id)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "2026年度考核_二队_未定稿.xlsx").exists()


def test_an_existing_file_is_kept_unless_forced(runner, world, tmp_path):
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"the clerk's own file")
    result = runner.invoke(args=["export", "annual", "2026", str(out)])
    assert result.exit_code == 1
    assert "已经存在" in result.output and "--force" in result.output
    assert out.read_bytes() == b"the clerk's own file"
    result = runner.invoke(args=["export", "annual", "2026", str(out), "--force"])
    assert result.exit_code == 0, result.output
    assert load_workbook(out).sheetnames == ["年度考核", "表彰名单", "说明"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["二〇二六"], "年度应为年份，如 2026（收到 二〇二六）"),
        (["1999"], "年度应为 2000 年至今年之间的年份"),
        (["2028"], "年度应为 2000 年至今年之间的年份"),
        (["2026", "--team", "999"], "没有这个服务队"),
        (["2026", "--team", "三队"], "没有名为「三队」的服务队"),
        (["2026", "{tmp}/out.csv"], ".xlsx 结尾"),
        (["2026", "{tmp}/no-such-folder/out.xlsx"], "no-such-folder 不存在"),
    ],
)
def test_bad_input_is_one_chinese_sentence(runner, world, tmp_path, args, message):
    filled = [a.format(tmp=tmp_path) for a in args]
    if not any(a.endswith((".xlsx", ".csv")) for a in filled):
        filled.insert(1, str(tmp_path / "out.xlsx"))
    result = runner.invoke(args=["export", "annual", *filled])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out.xlsx").exists()


def test_a_final_year_says_so(runner, world, tmp_path):
    AssessmentYear.create(year=2026, finalised_at=NOW)
    out = tmp_path / "out.xlsx"
    result = runner.invoke(args=["export", "annual", "2026", str(out)])
    assert result.exit_code == 0, result.output
    assert "，已定稿）" in result.output
    assert "（定稿）" in load_workbook(out)["年度考核"].oddHeader.center.text
