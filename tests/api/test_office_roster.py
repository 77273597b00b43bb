"""The roster import through the API (名单导入): the template, a check, the import of the file
checked and of no other, a re-import that changes nothing, the problems of a bad row, files
that are not workbooks, and two clerks importing at the same moment."""

import hashlib
import io
import threading
import zipfile

import openpyxl
import pytest
import requests
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from models import AuditLog, Community, Household, Member, Pairing, Team
from services.roster_io import MAX_ROWS
from services.roster_schema import SHEETS
from services.roster_upload import MAX_UPLOAD_BYTES
from tests.factories import make_member, make_team
from tests.services.roster_files import base_roster, edit, write_xlsx

URL = "/office/roster/import"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(tmp_path, roster=None, name="名单.xlsx") -> bytes:
    return write_xlsx(tmp_path / name, roster or base_roster()).read_bytes()


def send(client, content: bytes, dry_run="true", digest=None, name="名单.xlsx"):
    form = {"file": FileStorage(io.BytesIO(content), name), "dry_run": dry_run}
    if digest is not None:
        form["digest"] = digest
    return post_form(client, form)


def post_form(client, form: dict):
    """The form encoded in memory (the test client would spool a large one to a file)."""
    boundary, body = encode_multipart(form)
    return client.post(URL, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def check_then_import(client, content: bytes):
    checked = send(client, content)
    assert checked.status_code == 200, checked.get_json()
    return send(client, content, "false", checked.get_json()["digest"])


def test_the_template_is_the_commands_workbook(office):
    response = office.get("/office/roster/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert "attachment" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert [spec.name for spec in SHEETS] == book.sheetnames[1:]
    assert book["党员"]["B1"].value == "手机号*"


@pytest.fixture
def wide_radius(settings_overrides):
    settings_overrides["rules"]["checkin_radius_m"] = 800


def test_a_community_without_a_radius_takes_the_configured_one(wide_radius, office, tmp_path):
    assert check_then_import(office, workbook(tmp_path)).status_code == 200
    assert {c.name: c.radius_m for c in Community.select()} == {"幸福社区": 300, "和平社区": 800}


def test_a_check_lists_the_changes_and_writes_nothing(office, tmp_path):
    content = workbook(tmp_path)
    body = send(office, content).get_json()
    assert body["dry_run"] is True and body["applied"] is False and body["errors"] == []
    assert body["digest"] == hashlib.sha256(content).hexdigest()
    created = [c["label"] for c in body["changes"] if c["action"] == "created"]
    assert any("13800000003" in label and "张三" in label for label in created)
    members = next(c for c in body["counts"] if c["sheet"] == "党员")
    assert (members["created"], members["updated"], members["unchanged"]) == (6, 0, 0)
    assert "试运行" in body["verdict"]
    assert Member.select().count() == 0


def test_the_import_writes_the_checked_file_and_records_who(office, tmp_path):
    body = check_then_import(office, workbook(tmp_path)).get_json()
    assert body["applied"] is True and body["dry_run"] is False
    assert Member.select().count() == 6 and Household.select().count() == 6
    assert Member.get(phone="13800000004").role == "leader"
    audit = AuditLog.get(action="roster_import")
    assert audit.actor.startswith("office:")
    assert audit.detail["file"] == "名单.xlsx" and audit.detail["changes"] == len(body["changes"])
    assert audit.detail["sha256"] == body["digest"]


def test_the_import_refuses_a_file_not_checked(office, tmp_path):
    content = workbook(tmp_path)
    unchecked = send(office, content, "false")
    assert unchecked.status_code == 409
    assert unchecked.get_json()["error"]["code"] == "roster_not_checked"
    other = edit(base_roster(), "党员", 3, "姓名", "张贰")
    digest_of_other = send(office, workbook(tmp_path, other, "other.xlsx")).get_json()["digest"]
    mismatch = send(office, content, "false", digest_of_other)
    assert mismatch.status_code == 409
    assert "不是同一个" in mismatch.get_json()["error"]["message"]
    assert Member.select().count() == 0 and AuditLog.select().count() == 0


def test_importing_the_same_file_again_changes_nothing(office, tmp_path):
    content = workbook(tmp_path)
    check_then_import(office, content)
    before = [(m.id, m.name, m.team_id, m.role, m.active) for m in Member.select()]
    pairings = Pairing.select().count()
    again = send(office, content).get_json()
    assert again["changes"] == [] and again["errors"] == []
    assert all(c["created"] == c["updated"] == 0 for c in again["counts"])
    body = send(office, content, "false", again["digest"]).get_json()
    assert body["applied"] is True and body["changes"] == []
    assert [(m.id, m.name, m.team_id, m.role, m.active) for m in Member.select()] == before
    assert Pairing.select().count() == pairings


def test_a_bad_row_is_named_and_nothing_is_imported(office, tmp_path):
    roster = edit(base_roster(), "党员", 4, "服务队", "第九服务队")
    content = workbook(tmp_path, roster)
    body = send(office, content).get_json()
    assert body["applied"] is False and body["changes"] == []
    problem = next(p for p in body["errors"] if p["row"] == 4)
    assert (problem["sheet"], problem["column"], problem["column_letter"]) == (
        "党员",
        "服务队",
        "D",
    )
    assert "第九服务队" in problem["message"]
    assert body["verdict"].startswith("有错误")
    imported = send(office, content, "false", body["digest"]).get_json()
    assert imported["applied"] is False and imported["errors"]
    assert Member.select().count() == 0 and AuditLog.select().count() == 0


def test_a_leaver_is_listed_as_an_update(office, tmp_path):
    check_then_import(office, workbook(tmp_path))
    roster = base_roster()
    roster["党员"][0] += ["状态"]
    for row in roster["党员"][1:]:
        row.append("离队" if row[1] == "13800000003" else "在册")
    body = send(office, workbook(tmp_path, roster, "leaver.xlsx")).get_json()
    assert body["errors"] == []
    leaver = next(c for c in body["changes"] if "13800000003" in c["label"])
    assert leaver["action"] == "updated" and any("离队" in d for d in leaver["details"])


def zip_of(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in entries.items():
            package.writestr(name, data)
    return out.getvalue()


def bomb(content: bytes) -> bytes:
    """The workbook with a sheet padded by 60 MB of blanks: a few hundred kilobytes packed."""
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        entries = {info.filename: package.read(info) for info in package.infolist()}
    sheet = next(name for name in entries if name.startswith("xl/worksheets/"))
    entries[sheet] = entries[sheet].replace(b"<sheetData>", b"<sheetData>" + b" " * 60 * 2**20)
    return zip_of(entries)


def long_sheet(tmp_path) -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "党员"
    book.active.append(["姓名", "手机号"])
    book.active.cell(MAX_ROWS + 5, 1, "张三")
    return write_to(book, tmp_path / "long.xlsx")


def write_to(book, path) -> bytes:
    book.save(path)
    return path.read_bytes()


BAD_FILES = {
    "text renamed": (lambda p: "姓名,手机号\n张三,13800000001\n".encode(), "not_xlsx"),
    "csv": (lambda p: "姓名,手机号\r\n张三,13800000001\r\n".encode("gbk"), "not_xlsx"),
    "old xls": (lambda p: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "not_xlsx"),
    "empty": (lambda p: b"", "not_xlsx"),
    "cut off": (lambda p: workbook(p)[:2000], "roster_unreadable"),
    "a zip of something else": (lambda p: zip_of({"a.txt": b"hello"}), "roster_unreadable"),
    "zip bomb": (lambda p: bomb(workbook(p)), "roster_too_large"),
    "too many rows": (long_sheet, "roster_too_large"),
    "over the size limit": (lambda p: b"PK\x03\x04" + b"\0" * MAX_UPLOAD_BYTES, "roster_too_large"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_what_is_not_a_roster_workbook_is_a_clear_400(office, tmp_path, case):
    make, code = BAD_FILES[case]
    response = send(office, make(tmp_path), name="名单.xlsx")
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])
    assert Member.select().count() == 0


@pytest.mark.parametrize(
    ("form", "status", "code"),
    [
        ({"dry_run": "true"}, 400, "missing_field"),
        ({"dry_run": "maybe", "file": FileStorage(io.BytesIO(b"x"), "a.xlsx")}, 400, "bad_field"),
        ({"file": FileStorage(io.BytesIO(b"x"), "a.xlsx"), "sheet": "党员"}, 400, "unknown_field"),
    ],
)
def test_a_form_without_what_it_needs_is_refused(office, form, status, code):
    response = post_form(office, form)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code


def test_a_json_body_is_refused_as_not_a_form(office):
    response = office.post(URL, json={"dry_run": True})
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "not_multipart"


@pytest.mark.parametrize("path", ["/office/roster/template.xlsx", URL])
def test_only_the_office_may_import(api, tmp_path, path):
    team = make_team()
    leader = team.members.where(Member.role == "leader").get()
    Member.update(mp_openid="mp-roster-leader").where(Member.id == leader.id).execute()
    member = make_member(team=team, mp_openid="mp-roster-member")
    for who in ("mp-roster-leader", member):
        client = api(who)
        if path == URL:
            response = send(client, workbook(tmp_path))
        else:
            response = client.get(path)
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "office_only"
    assert Team.select().count() == 1


def test_two_clerks_importing_at_once_never_half_apply(office, server, tmp_path):
    content = workbook(tmp_path)
    digest = send(office, content).get_json()["digest"]
    barrier, outcomes, lock = threading.Barrier(2), [], threading.Lock()

    def clerk():
        barrier.wait()
        response = requests.post(
            server + "/api/v1" + URL,
            headers={"Authorization": f"Bearer {office.token}"},
            files={"file": ("名单.xlsx", content, XLSX)},
            data={"dry_run": "false", "digest": digest},
            timeout=60,
        )
        body = response.json()
        outcome = body.get("error", {}).get("code") or ("applied", len(body["changes"]))
        with lock:
            outcomes.append((response.status_code, outcome))

    threads = [threading.Thread(target=clerk) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert len(outcomes) == 2
    applied = [o for o in outcomes if o[0] == 200]
    refused = {(409, "roster_import_conflict"), (503, "unavailable")}
    assert applied and all(o in refused for o in outcomes if o[0] != 200), outcomes
    # One import wrote everything; a second that ran after it found nothing to change.
    assert sorted(changes for _, (_, changes) in applied)[:-1] in ([], [0]), outcomes
    assert Member.select().count() == 6 and Team.select().count() == 2
    assert Household.select().count() == 6
    assert Pairing.select().where(Pairing.ended_on.is_null()).count() == 6
    assert AuditLog.select().where(AuditLog.action == "roster_import").count() == len(applied)
