"""Checking what a file says about members who leave (状态 离队, 离队日期): that the quarters
can count them, that a day of leaving does not undo a return, that entries of the register
after it are not left unnoticed, that their pairing ends rather than blocks the file, and
that no team is left led by someone who can no longer log in. Part of roster_check, which
calls these."""

from datetime import date, timedelta

from models import ServiceRecord

from . import clock
from .roster_parse import Entry, Parsed
from .roster_schema import Problem
from .roster_state import FinalMember, Snapshot, gone, resolve_pairings


def gone_before_added(parsed: Parsed, snap: Snapshot, today: date) -> list[Problem]:
    """A member the import adds is on the roster from the import day (their first spell,
    services.spells, begins then), which is what the quarters count by: one added as gone
    since an earlier day would count in no quarter. The file does not say when they joined,
    and a guess would change quarters already reported, so such a row is refused."""
    problems = []
    for entry in parsed["党员"]:
        if _added_as_gone_earlier(entry, snap, today):
            phone, left_on = entry.values["phone"], entry.values["left_on"]
            message = (
                f"系统中还没有手机号为 {phone} 的党员，不能登记其在导入之前（{left_on}）离队："
                "新增的党员从导入当天起才在名册上。已离队的党员不必导入，请删除这一行；"
                "如果是系统中已有的党员，请核对手机号"
            )
            problems.append(entry.problem("left_on", message))
    return problems


def _added_as_gone_earlier(entry: Entry, snap: Snapshot, today: date) -> bool:
    """A row adding a member gone since before today (with 在册 it is check_leaving's)."""
    phone, left_on = entry.values.get("phone"), entry.values.get("left_on")
    is_new = phone is not None and snap.member(phone) is None
    return (
        is_new
        and left_on is not None
        and left_on < today
        and entry.values.get("active") is not True
    )


def left_before_return(snap: Snapshot, members: dict[str, FinalMember]) -> list[Problem]:
    """A member can leave only on or after the day their present spell began: the day they
    came back (a file kept from before their return, most often), or the day they were
    added. An earlier day would end that spell before it began. The earlier absences are
    kept as they were (services.spells)."""
    problems = []
    for member in members.values():
        entry = member.entry
        if entry is None or member.active or "left_on" not in entry.values:
            continue
        message = _before_spell(snap, member)
        if message:
            problems.append(entry.problem("left_on", message))
    return problems


def _before_spell(snap: Snapshot, member: FinalMember) -> str | None:
    who, left_on = f"{member.name}（{member.phone}）", member.left_on
    back, added = snap.back_on.get(member.phone), snap.added_on.get(member.phone)
    if back and left_on < back:
        return (
            f"{who}已于 {back} 回到队里，离队日期 {left_on} 早于这一天：请填写 {back} 或之后"
            "的日期（这之前的离队已有记录，不必再填）"
        )
    if added and left_on < added:
        return (
            f"{who}于 {added} 加入名册，离队日期 {left_on} 早于这一天：请填写 {added} 或之后的日期"
        )
    return None


def entries_after_leaving(snap: Snapshot, members: dict[str, FinalMember]) -> list[Problem]:
    """A row that makes a member leave, or moves their day of leaving, on a day before entries
    of theirs in the register (a leader registered a visit on the 30th; the file says the
    20th): either the day or the entries are wrong, and only the clerk can tell which, so it
    is a reminder at the cell. The figures are not changed by it: whoever served in a period
    counts in it (services.report_stats), so the reminder says those entries still count.
    Rejected entries count nowhere and are not named; a file that changes nothing about the
    member is not checked again (the clerk was told when it did)."""
    problems = []
    for phone, member in members.items():
        current = snap.rows["党员"].get((phone,))
        if current is None or not _moves_leaving(member, current.values):
            continue
        after = _entries_after(current.id, member.left_on)
        if after:
            problems.append(_entries_after_problem(member, after))
    return problems


def _moves_leaving(member: FinalMember, current: dict) -> bool:
    """The member's row makes them leave, or gives another day of leaving."""
    stays = (current["active"], current["left_on"]) == (member.active, member.left_on)
    return member.entry is not None and not member.active and not stays


def _entries_after(member_id: int, left_on: date) -> list:
    """The check-in times of the member's entries after that Shanghai day, latest first."""
    R = ServiceRecord
    after = clock.local_midnight(left_on + timedelta(days=1))
    query = R.select(R.checkin_at).where(
        (R.member == member_id) & (R.checkin_at >= after) & (R.status != "rejected")
    )
    return [at for (at,) in query.order_by(R.checkin_at.desc()).tuples()]


def _entries_after_problem(member: FinalMember, after: list) -> Problem:
    latest = clock.to_local(after[0]).date()
    day = f"{latest.month}月{latest.day}日"
    if latest.year != member.left_on.year:
        day = clock.cn_date(latest)
    message = (
        f"{member.name}（{member.phone}）在离队日期 {member.left_on} 之后还有 {len(after)} 条"
        f"登记（最近一条在 {day}），请核对离队日期；日期无误的话，这些登记仍计入统计，"
        "请与队长核实"
    )
    field = "left_on" if "left_on" in member.entry.values else "active"
    return member.entry.problem(field, message, "warning")


def paired_with_gone(
    parsed: Parsed, snap: Snapshot, members: dict[str, FinalMember]
) -> list[Problem]:
    """A 结对家庭 row that names a member who leaves: the file the clerk keeps still names
    them. Their pairing ends on the day they left (roster_plan), so the cell only earns a
    reminder; it is an error where the household keeps another member, whom the cell would
    replace by one who left (a pairing can end with a leaver, never begin)."""
    final = resolve_pairings(parsed, snap, gone(members))
    current = {pairing.household: pairing.phone for pairing in snap.pairings}
    problems = []
    for entry in parsed["结对家庭"]:
        member = members.get(entry.values.get("member_phone"))
        if member is None or member.active:
            continue
        who, kept = f"{member.name}（{member.phone}）", final.get(entry.key)
        if kept:
            message = (
                f"结对党员 {who}已离队，不能与这户结对：这户现在与 {members[kept].name}"
                f"（{kept}）结对，请改填其手机号或其他在册党员的手机号，或清空这一格"
            )
            problems.append(entry.problem("member_phone", message))
            continue
        ends = current.get(entry.key) == member.phone and member.left_on
        message = (
            f"结对党员 {who}已于 {member.left_on} 离队，这户与其的结对到这一天结束"
            if ends
            else f"结对党员 {who}已离队，不会与这户结对"
        )
        message += "；要为这户结对新的党员，请改填其手机号"
        problems.append(entry.problem("member_phone", message, "warning"))
    return problems


def inactive_leaders(parsed: Parsed, members: dict[str, FinalMember]) -> list[Problem]:
    """A team always ends with an active leader, never with one who can no longer log in: a
    leader who leaves hands the team over in the same file, and a member who has left cannot
    be named leader. Each such leader is reported once, at the cell that makes them leave,
    else at the cell that names them."""
    naming = {(e.values.get("leader_phone"), e.values.get("name")): e for e in parsed["服务队"]}
    return [
        problem
        for member in members.values()
        if member.role == "leader" and not member.active
        for problem in _inactive_leader(member, naming.get((member.phone, member.team)))
    ]


def _inactive_leader(member: FinalMember, team_row: Entry | None) -> list[Problem]:
    entry = member.entry
    leaving = [f for f in ("active", "left_on") if entry and f in entry.values]
    if leaving:  # the member's row makes them leave
        how = (
            f"在服务队表第 {team_row.row} 行把队长手机号改为新队长的"
            if team_row  # naming another by role would only make two leaders
            else "在服务队表填新队长手机号，或把新队长的角色填为 队长"
        )
        message = (
            f"{member.name} 是「{member.team}」的队长，不能直接标为离队：请同时指定新队长（{how}）"
        )
        return [entry.problem(leaving[0], message)]
    left = f"已于 {member.left_on} 离队" if member.left_on else "已离队"
    who = f"{member.name}（{member.phone}）{left}，不能担任队长"
    if team_row:
        return [team_row.problem("leader_phone", f"队长 {who}：请填写在册党员的手机号")]
    if entry and entry.values.get("role") == "leader":
        message = f"{who}：请把角色改为 队员，另指定一名在册党员为队长"
        return [entry.problem("role", message)]
    return []  # a leader who left before this rule, whom the file does not name
