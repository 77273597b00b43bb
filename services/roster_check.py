"""Checking a roster file against itself and the database: every problem, each where it is."""

from collections import defaultdict
from datetime import date

from .clock import local_today
from .roster_cells import plain_name
from .roster_io import RosterData
from .roster_leavers import (
    entries_after_leaving,
    gone_before_added,
    inactive_leaders,
    left_before_return,
    paired_with_gone,
)
from .roster_parse import Entry, Parsed, parse
from .roster_schema import SHEET_ORDER, Problem
from .roster_state import (
    FinalMember,
    Snapshot,
    gone,
    member_entries,
    resolve_members,
    resolve_pairings,
    team_communities,
)

# sheet -> (field reported, what a repeat means)
DUPLICATES = {
    "社区": ("name", "社区名称与第 {row} 行重复"),
    "服务队": ("name", "服务队名称与第 {row} 行重复"),
    "党员": ("phone", "手机号与第 {row} 行重复：一个手机号只能对应一名党员"),
    "结对家庭": (
        "address",
        "与第 {row} 行是同一社区同一住址的家庭：一户只能出现一次、结对一名党员",
    ),
}
# (sheet, field, sheet it must name a row of, message)
REFERENCES = (
    ("服务队", "community", "社区", "结对社区「{value}」在社区表和系统中都没有"),
    ("党员", "team", "服务队", "服务队「{value}」在服务队表和系统中都没有"),
    ("结对家庭", "community", "社区", "所属社区「{value}」在社区表和系统中都没有"),
    ("结对家庭", "member_phone", "党员", "结对党员手机号 {value} 在党员表和系统中都没有"),
    ("服务队", "leader_phone", "党员", "队长手机号 {value} 在党员表和系统中都没有"),
)


def check(
    data: RosterData, team_size: tuple[int, int] = (10, 15), today: date | None = None
) -> list[Problem]:
    """Every error and warning in the file, in sheet and row order; errors block the import."""
    today = today or local_today()
    parsed, problems = parse(data, today)
    snap = Snapshot.load()
    members = resolve_members(parsed, snap, today)
    problems += _duplicates(parsed)
    problems += _references(parsed, snap)
    problems += _identities(parsed, snap)
    problems += gone_before_added(parsed, snap, today)
    problems += left_before_return(snap, members)
    problems += entries_after_leaving(snap, members)
    problems += _paired_twice(parsed)
    problems += paired_with_gone(parsed, snap, members)
    problems += _leaders(parsed, snap, members)
    problems += inactive_leaders(parsed, members)
    problems += _team_sizes(parsed, snap, members, team_size)
    problems += _pairing_warnings(parsed, snap, members)
    if not any(parsed.values()):
        problems.append(Problem("warning", "文件", None, None, None, "没有任何数据行"))
    return sorted(problems, key=_position)


def _position(problem: Problem) -> tuple:
    letter = problem.column_letter or ""
    return (SHEET_ORDER.get(problem.sheet, -1), problem.row or 0, len(letter), letter)


def _duplicates(parsed: Parsed) -> list[Problem]:
    problems = []
    for sheet, (field, message) in DUPLICATES.items():
        first: dict[tuple, Entry] = {}
        for entry in parsed[sheet]:
            earlier = first.get(entry.key) if entry.key else None
            if earlier is not None:
                problems.append(_repeat(entry, earlier, field, message))
            elif entry.key:
                first[entry.key] = entry
    return problems


def _repeat(entry: Entry, earlier: Entry, field: str, message: str) -> Problem:
    """A row naming what an earlier row names: the whole row when it is a copy (pasted
    twice), else the cell that repeats."""
    if (entry.values, entry.failed) == (earlier.values, earlier.failed):
        return Problem(
            "error",
            entry.sheet,
            entry.row,
            None,
            None,
            f"第 {entry.row} 行与第 {earlier.row} 行完全相同，请删除其中一行。",
        )
    return entry.problem(field, message.format(row=earlier.row))


def _references(parsed: Parsed, snap: Snapshot) -> list[Problem]:
    problems = []
    for sheet, field, target, message in REFERENCES:
        known = {e.key for e in parsed[target] if e.key} | set(snap.rows[target])
        for entry in parsed[sheet]:
            value = entry.values.get(field)
            if value and (value,) not in known:
                problems.append(entry.problem(field, message.format(value=value)))
    return problems


def _identities(parsed: Parsed, snap: Snapshot) -> list[Problem]:
    """A phone already on someone else, and a namesake who may have changed phones."""
    listed = set(member_entries(parsed))
    by_name = defaultdict(list)  # names as the file's are read (a stored one may have spaces)
    for (phone,), current in snap.rows["党员"].items():
        by_name[plain_name(current.values["name"])].append(phone)
    problems = []
    for entry in parsed["党员"]:
        phone, name = entry.values.get("phone"), entry.values.get("name")
        current = snap.member(phone)
        if current and name and plain_name(current["name"]) != name:
            message = (
                f"系统中手机号 {phone} 属于「{current['name']}」，与本行姓名「{name}」不符；"
                "如果是同一人改名，请先在后台修改姓名，否则请核对手机号"
            )
            problems.append(entry.problem("phone", message))
        namesakes = [p for p in by_name.get(name, []) if p not in listed and p != phone]
        if phone and not current and namesakes:
            message = (
                f"系统中已有同名党员「{name}」（手机号 {'、'.join(namesakes)}），"
                "本行将新增一名党员；如果是换了手机号，请先在后台修改手机号"
            )
            problems.append(entry.problem("name", message, "warning"))
    return problems


def _paired_twice(parsed: Parsed) -> list[Problem]:
    """A member paired on two rows; a household listed twice is _duplicates' to report."""
    first: dict[str, Entry] = {}
    problems = []
    for entry in parsed["结对家庭"]:
        phone = entry.values.get("member_phone")
        earlier = first.get(phone)
        if earlier is not None and earlier.key != entry.key:
            message = f"党员 {phone} 已在第 {earlier.row} 行结对：一名党员只能结对一户"
            problems.append(entry.problem("member_phone", message))
        elif phone and earlier is None:
            first[phone] = entry
    return problems


def _teams_in_play(parsed: Parsed, snap: Snapshot) -> dict[str, Entry]:
    """Known teams the file lists, assigns members to or moves members away from, each with
    the row to point at (a leader moved away must not leave a team silently leaderless)."""
    teams = {e.values["team"]: e for e in reversed(parsed["党员"]) if "team" in e.values}
    for entry in parsed["党员"]:
        current = snap.member(entry.values.get("phone"))
        if current and current.get("team"):
            teams.setdefault(current["team"], entry)
    teams = {name: e for name, e in teams.items() if (name,) in snap.rows["服务队"]}
    teams.update({e.values["name"]: e for e in parsed["服务队"] if "name" in e.values})
    return teams  # an unknown team is reported once, by _references


def _at_team(entry: Entry, field: str, message: str, severity: str = "error") -> Problem:
    """A team-level problem at the team row's `field`, or at a member row's 服务队 cell."""
    return entry.problem(field if entry.sheet == "服务队" else "team", message, severity)


def _leaders(parsed: Parsed, snap: Snapshot, members: dict[str, FinalMember]) -> list[Problem]:
    """Exactly one leader per team once the file is applied (the database insists too)."""
    problems = [p for e in parsed["服务队"] for p in _named_leader(e, members)]
    for team, entry in _teams_in_play(parsed, snap).items():
        leaders = sorted(p for p, m in members.items() if m.team == team and m.role == "leader")
        if len(leaders) > 1:
            names = "、".join(f"{members[p].name}（{p}）" for p in leaders)
            problems.append(_at_team(entry, "leader_phone", f"服务队「{team}」有多名队长：{names}"))
        if not leaders and not entry.values.get("leader_phone"):
            message = (
                f"服务队「{team}」没有队长：请填写队长手机号，或在党员表中把一人的角色填为 队长"
            )
            problems.append(_at_team(entry, "leader_phone", message))
    return problems


def _named_leader(entry: Entry, members: dict[str, FinalMember]) -> list[Problem]:
    """The 队长手机号 of a team row must be a member of that team, not marked 队员."""
    phone, team = entry.values.get("leader_phone"), entry.values.get("name")
    member = members.get(phone)
    if not (phone and team and member):
        return []
    if member.team != team:
        where = f"党员表第 {member.entry.row} 行" if member.entry else "系统中"
        message = (
            f"队长 {member.name}（{phone}）{where}属于「{member.team or '未分队'}」，不是本队队员"
        )
        return [entry.problem("leader_phone", message)]
    if member.entry and member.entry.values.get("role") == "member":
        message = f"队长 {member.name}（{phone}）在党员表第 {member.entry.row} 行的角色是 队员"
        return [entry.problem("leader_phone", message)]
    return []


def _team_sizes(
    parsed: Parsed, snap: Snapshot, members: dict[str, FinalMember], team_size: tuple[int, int]
) -> list[Problem]:
    low, high = team_size
    counts: dict[str | None, int] = defaultdict(int)
    for member in members.values():
        counts[member.team] += member.active
    problems = []
    for team, entry in _teams_in_play(parsed, snap).items():
        count = counts[team]
        if not low <= count <= high:
            message = f"服务队「{team}」导入后有 {count} 名党员，不在 {low}–{high} 人之间"
            problems.append(_at_team(entry, "name", message, "warning"))
    return problems


def _pairing_warnings(
    parsed: Parsed, snap: Snapshot, members: dict[str, FinalMember]
) -> list[Problem]:
    """Households paired across communities, and listed members left without a household."""
    pairings = resolve_pairings(parsed, snap, gone(members))
    communities = team_communities(parsed, snap)
    problems = []
    for entry in parsed["结对家庭"]:
        member = members.get(entry.values.get("member_phone"))
        community = communities.get(member.team) if member and member.active else None
        if community and entry.values.get("community") not in (None, community):
            message = (
                f"结对党员 {member.name} 所在的「{member.team}」结对的是「{community}」，"
                f"而这户在「{entry.values['community']}」"
            )
            problems.append(entry.problem("community", message, "warning"))
    paired = set(pairings.values())
    for phone, entry in member_entries(parsed).items():
        if phone not in paired and members[phone].active:
            message = "这名党员还没有结对家庭（结对家庭表中没有以其手机号结对的一户）"
            problems.append(entry.problem("phone", message, "warning"))
    return problems
