"""The register's hash-chained history: legitimate changes verify, edits made behind the
service's back (to an entry or to its history) are found by register_check.verify."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest

from models import RecordHistory, ServiceRecord, db
from services import history, register_check, review
from services.leader_registration import Attendance, register_attendance
from tests.conftest import HISTORY_KEY
from tests.factories import NOW, QUIET, RULES, make_activity, make_record
from tests.register_world import (
    build_world,
    checked_in,
    counted_queries,
    hmac_under,
    plain_sha256,
    rewrite_history,
    without_foreign_keys,
)

LATER = NOW + timedelta(hours=3)


@pytest.fixture
def world(database):
    return build_world()


@pytest.fixture
def entry(world):
    """Alice's entry: checked in, checked out, filled in (three history lines)."""
    return checked_in(world.alice, filled=True, status="flagged", flags=["out_of_range"])


def _sql(statement: str, entry) -> None:
    """Run a statement straight on the database, for this entry (or its history) only."""
    column = "record_id" if "record_history" in statement else "id"
    joiner = "AND" if "WHERE" in statement else "WHERE"
    db.execute_sql(f"{statement} {joiner} {column} = {int(entry.id)}")


def test_legitimate_changes_through_the_services_verify(world, entry):
    review.fill_in(world.actor("alice"), entry.id, LATER, outcome="又清理了两层")
    review.review(world.actor("leader_a"), entry.id, "verify", "", LATER, QUIET)
    review.correct(
        world.actor("office"),
        entry.id,
        LATER,
        reason="按签到表更正",
        duration_minutes=80,
        quiet_hours=QUIET,
        rules=RULES,
    )
    attendance = Attendance(world.bob.id, "手机损坏", kind="individual", **_times())
    register_attendance(world.actor("leader_a"), attendance, LATER)
    actions = [h.action for h in entry.history.order_by(RecordHistory.seq)]
    assert actions == ["checkin", "checkout", "fill", "fill", "review", "correct"]
    assert register_check.verify(LATER) == []


def _times():
    return {"checkin_at": NOW - timedelta(hours=4), "checkout_at": NOW - timedelta(hours=2)}


def test_each_entry_hash_covers_the_previous_one(entry):
    rows = list(entry.history.order_by(RecordHistory.seq))
    assert rows[0].prev_hash == history.GENESIS
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
    assert len({r.hash for r in rows}) == len(rows)


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        ("UPDATE service_record SET duration_minutes = 600", "服务时长（分钟） "),
        (
            "UPDATE service_record SET status = 'verified', flags = '[]'",
            "审核状态 待审核 → 已核验；异常标记 位置不在服务地点范围内 → 空",
        ),
        ("UPDATE service_record SET outcome = '帮扶十户'", "→ 帮扶十户"),
        ("UPDATE service_record SET registration_reason = '补登'", "代登记原因 空 → 补登"),
        ("UPDATE record_history SET reason = '改过' WHERE seq = 2", "第 2 条历史写入后被改动"),
        ("UPDATE record_history SET state = '{}' WHERE seq = 3", "第 3 条历史不是本系统写下的"),
        ("UPDATE record_history SET prev_hash = hash WHERE seq = 2", "第 2 条历史被改动或替换"),
        ("DELETE FROM record_history WHERE seq = 1", "第 1 条历史缺失（已被删除）"),
        ("DELETE FROM record_history WHERE seq = 2", "第 2 条历史缺失（已被删除）"),
        ("DELETE FROM record_history WHERE seq < 3", "第 1–2 条历史缺失（已被删除）"),
        (
            "DELETE FROM record_history WHERE seq = 3",
            "记录被绕过系统修改：服务内容 空 → ",
        ),
        ("DELETE FROM record_history", "没有登记历史"),
    ],
)
def test_changes_behind_the_service_are_found(world, entry, statement, problem):
    checked_in(world.bob, filled=True, status="flagged", flags=["out_of_range"])
    untouched = checked_in(world.carol, filled=True)
    _sql(statement, entry)
    found = register_check.verify(LATER)
    assert [t.record_id for t in found] == [entry.id]
    assert problem in found[0].problem
    assert history.verify_record(ServiceRecord.get_by_id(untouched.id)) is None


@pytest.mark.parametrize(
    "sign",
    [plain_sha256, hmac_under("a-guess-at-the-key-0123456789abcdef"), hmac_under("")],
    ids=["plain-sha256", "hmac-wrong-key", "hmac-empty-key"],
)
def test_a_chain_recomputed_without_the_key_is_found(world, entry, sign):
    """Hours added in the database and the whole history rewritten to match, every hash
    recomputed: a consistent chain in every way but the key."""
    _sql("UPDATE service_record SET duration_minutes = 600", entry)
    rewrite_history(entry, sign, duration_minutes=600)
    rows = list(entry.history.order_by(RecordHistory.seq))
    assert rows[1].state["duration_minutes"] == 600
    assert history.problem(ServiceRecord.get_by_id(entry.id), rows, (sign,)) is None
    found = register_check.verify(LATER)
    assert [(t.record_id, t.problem) for t in found] == [
        (entry.id, "第 1 条历史签名不符（被伪造或改动）")
    ]


def test_only_the_key_holder_can_recompute_a_chain(world, entry):
    """The same rewrite under the service's own key verifies: the key is all that stands
    between a database writer and a forged register, so it must not be in the database."""
    _sql("UPDATE service_record SET duration_minutes = 600", entry)
    rewrite_history(entry, hmac_under(HISTORY_KEY), duration_minutes=600)
    assert register_check.verify(LATER) == []


def test_a_chain_signed_under_another_key_does_not_verify(world, entry):
    history.use_key("another-deployments-history-key-0123456789")
    assert [t.record_id for t in register_check.verify(LATER)] == [entry.id]


def test_nothing_is_signed_without_a_key(world, monkeypatch):
    monkeypatch.setattr(history, "_sign", None)
    with pytest.raises(RuntimeError, match="history key"):
        checked_in(world.alice)
    with pytest.raises(ValueError):
        history.use_key("")


def test_tampering_is_not_laundered_by_a_later_legitimate_change(world, entry):
    """Hours added in the database, then a fill-in through the service: the new history line
    would carry the 600 minutes as if they had always been there, but the chain says not."""
    _sql("UPDATE service_record SET duration_minutes = 600", entry)
    review.fill_in(world.actor("alice"), entry.id, LATER, outcome="又清理了两层")
    problem = history.verify_record(ServiceRecord.get_by_id(entry.id))
    assert problem == "第 4 条历史之前记录被绕过系统修改：服务时长（分钟） 90 → 600"


@pytest.mark.parametrize(
    "correction",
    [{"duration_minutes": 90}, {"status": "verified"}, {"outcome": "楼道畅通"}],
    ids=["the-same-field-put-back", "another-field", "a-text"],
)
def test_tampering_then_correction_still_shows_both_values(world, entry, correction):
    """The office corrects the entry after hours were added in the database: the finding moves
    into the history, with the value the service wrote and the one found instead."""
    _sql("UPDATE service_record SET duration_minutes = 600", entry)
    review.correct(
        world.actor("office"),
        entry.id,
        LATER,
        reason="核对",
        **correction,
        quiet_hours=QUIET,
        rules=RULES,
    )
    found = register_check.verify(LATER)
    assert [t.problem for t in found] == [
        "第 4 条历史之前记录被绕过系统修改：服务时长（分钟） 90 → 600"
    ]


def test_a_forged_line_added_at_the_end_is_named_as_such(world, entry):
    """Hours added and a history line made up to explain them (its hash computed without the
    key, its link to the line before copied right)."""
    last = entry.history.order_by(RecordHistory.seq.desc()).first()
    state = last.state | {"duration_minutes": 600}
    RecordHistory.create(
        record=entry,
        seq=4,
        at=LATER,
        actor="office:1",
        action="correct",
        changes={"duration_minutes": [90, 600]},
        reason="按签到表更正",
        state=state,
        prev_hash=last.hash,
        hash=plain_sha256(b"made up"),
    )
    _sql("UPDATE service_record SET duration_minutes = 600", entry)
    assert history.verify_record(ServiceRecord.get_by_id(entry.id)) == (
        "第 4 条历史不是本系统写下的：是后来加上的伪造历史，或写入后被改动"
    )


def test_an_entry_without_history_is_reported(world):
    bare = make_record(world.alice)
    assert [(t.record_id, t.problem) for t in register_check.verify(NOW)] == [
        (bare.id, "没有登记历史")
    ]


def test_verify_all_reads_the_register_in_four_queries(world, monkeypatch):
    for _ in range(3):
        checked_in(world.alice, filled=True)
    with counted_queries(monkeypatch) as few:
        assert history.verify_all() == []
    for _ in range(9):
        checked_in(world.bob, filled=True)
    with counted_queries(monkeypatch) as many:
        assert history.verify_all() == []
    assert len(few) == len(many) == 4  # entries, history, photos, history of deleted entries


def test_some_entries_are_checked_in_three_queries_however_many(world, monkeypatch):
    from services.register_check import check_entries

    def alices():
        return ServiceRecord.select(ServiceRecord.id).where(ServiceRecord.member == world.alice.id)

    for _ in range(3):
        checked_in(world.alice, filled=True)
    with counted_queries(monkeypatch) as few:
        assert check_entries(alices()).found == ()
    for _ in range(9):
        checked_in(world.alice, filled=True)
    checked_in(world.bob, filled=True)
    tampered = checked_in(world.alice, filled=True, minutes=45)
    _sql("UPDATE service_record SET duration_minutes = 600", tampered)
    with counted_queries(monkeypatch) as many:
        findings = check_entries(alices())
    assert len(few) == 3  # the entries, their photos, their history
    assert len(many) == 3 + 2  # and naming the one found: its entry, its member (no activity)
    assert [t.record_id for t in findings.found] == [tampered.id]
    assert findings.found[0].entry == "alice 2026-11-29 分散活动"
    assert findings.minutes == 600


def test_report_lines_for_the_command(world, entry):
    assert register_check.report_lines([], NOW) == [
        "2026-11-29 10:00 登记簿核验通过：所有记录与历史一致。"
    ]
    _sql("UPDATE service_record SET duration_minutes = 600", entry)
    lines = register_check.report_lines(register_check.verify(NOW), NOW)
    assert lines == [
        "2026-11-29 10:00 登记簿核验发现 1 条记录有问题：",
        f"  alice 2026-11-29 分散活动（记录 #{entry.id}）："
        f"记录被绕过系统修改：服务时长（分钟） {entry.duration_minutes} → 600",
    ]


def test_a_deleted_entry_is_named_by_what_its_history_last_held(world, entry):
    """The clerk looks an entry up by who, which day and what: a deleted one too."""
    activity = make_activity(world.team_a, title="重阳节义诊")
    # 17:00 UTC on the 23rd: 01:00 on the 24th in Shanghai, the day the clerk's register says
    visit = checked_in(world.bob, activity, at=NOW - timedelta(days=5, hours=9))
    review.correct(
        world.actor("office"),
        visit.id,
        LATER,
        reason="核对",
        outcome="义诊 40 人",
        quiet_hours=QUIET,
        rules=RULES,
    )
    without_foreign_keys(f"DELETE FROM service_record WHERE id IN ({entry.id}, {visit.id})")
    lines = register_check.report_lines(register_check.verify(LATER), LATER)
    assert lines[1:] == [
        f"  alice 2026-11-29 分散活动（记录 #{entry.id}）：{history.DELETED}",
        f"  bob 2026-11-24「重阳节义诊」（记录 #{visit.id}）：{history.DELETED}",
    ]


def test_values_read_as_the_office_knows_them(world, entry):
    """Shanghai times, people and activities by name with their number, not database values."""
    activity = make_activity(world.team_a, title="重阳节义诊")
    moved = {
        "checkin_at": "'2026-11-20 01:00:00'",
        "member_id": str(world.bob.id),
        "activity_id": str(activity.id),
        "kind": "'visit'",
        "source": "'leader'",
    }
    _sql("UPDATE service_record SET " + ", ".join(f"{k} = {v}" for k, v in moved.items()), entry)
    [found] = register_check.verify(LATER)
    alice, bob = world.alice.id, world.bob.id
    assert found.problem == (
        f"记录被绕过系统修改：党员 alice(#{alice}) → bob(#{bob})；服务类型 分散活动 → 结对走访；"
        f"活动 空 → 重阳节义诊(#{activity.id})；签到时间 2026-11-29 10:00 → 2026-11-20 09:00；"
        "登记来源 小程序 → 队长代为登记"
    )


def test_a_no_op_change_adds_no_history(world, entry):
    count = entry.history.count()
    review.fill_in(world.actor("alice"), entry.id, LATER, **{"content": "  清理楼道杂物 "})
    assert entry.history.count() == count


def test_moving_a_check_in_point_behind_the_services_back_is_found(database):
    from models import ServiceRecord
    from services import history
    from tests.factories import NOW, make_member, make_record, make_team

    record = make_record(make_member(team=make_team()), checkin_lat=34.7, checkin_lng=113.6)
    history.append(record, "member:1", "checkin", NOW, {})
    ServiceRecord.update(distance_m=5.0, checkin_accuracy_m=3.0).execute()
    problems = history.verify_all()
    assert len(problems) == 1 and "签到距离 空 → 5.0" in problems[0].problem


def test_an_entry_deleted_behind_the_service_is_reported(world, entry):
    """Deleted in a database tool that does not enforce the foreign key (SQLite's default):
    its history stays, and names it."""
    kept = checked_in(world.bob, filled=True)
    without_foreign_keys(f"DELETE FROM service_record WHERE id = {int(entry.id)}")
    found = register_check.verify(LATER)
    assert [(t.record_id, t.problem) for t in found] == [(entry.id, history.DELETED)]
    assert history.verify_record(ServiceRecord.get_by_id(kept.id)) is None


ROOT = Path(__file__).resolve().parents[2]
# Functions that take the action and pass it on to history.append, by file: the argument
# (position) that carries it. Their callers' actions are what gets written.
PASSING_ON = {"services/review.py": ("_save", 3)}


def _actions_written() -> tuple[set[str], set[tuple[str, str]]]:
    """The actions every history.append call in the code writes (a literal, a module constant,
    or what a function in PASSING_ON is called with), and the sites that pass a variable."""
    found, variables = set(), set()
    for path in sorted(p for d in SOURCE_DIRS for p in (ROOT / d).rglob("*.py")):
        name, tree = path.relative_to(ROOT).as_posix(), ast.parse(path.read_text())
        constants = _string_constants(tree)
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            position = _action_position(name, call.func)
            if position is None or len(call.args) <= position:
                continue
            arg = call.args[position]
            if isinstance(arg, ast.Constant):
                found.add(arg.value)
            elif isinstance(arg, ast.Name) and arg.id in constants:
                found.add(constants[arg.id])
            else:
                variables.add((name, ast.unparse(arg)))
    return found, variables


SOURCE_DIRS = ("services", "api", "jobs", "wechat", "web")


def _string_constants(tree: ast.Module) -> dict[str, str]:
    return {
        node.targets[0].id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    }


def _action_position(path: str, func: ast.expr) -> int | None:
    if isinstance(func, ast.Attribute) and func.attr == "append":
        return 2 if isinstance(func.value, ast.Name) and func.value.id == "history" else None
    passing = PASSING_ON.get(path)
    if passing and isinstance(func, ast.Name) and func.id == passing[0]:
        return passing[1]
    return None


def test_every_action_the_code_writes_is_listed_and_every_listed_one_is_written():
    found, variables = _actions_written()
    assert variables == {("services/review.py", "action")}  # _save, resolved through PASSING_ON
    assert found == set(history.ACTIONS)


def test_an_unlisted_action_is_refused_before_anything_is_written(world):
    record = make_record(world.alice)
    with pytest.raises(ValueError, match="renamed"):
        history.append(record, "member:1", "renamed", NOW, {})
    assert record.history.count() == 0
