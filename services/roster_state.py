"""The roster as the database holds it, and as it will stand once a file's rows are applied.

Both the checks and the plan judge the *resulting* roster (the database overlaid with the
file), so a file may list only part of the programme: rows it does not mention stay as they
are, except where the file's rows displace them (a new leader, a pairing moved).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from models import Branch, Community, Household, Member, Pairing, Team

from .roster_parse import Entry, Parsed
from .spells import leavings_recorded_on, spells_of


@dataclass(frozen=True)
class Current:
    """A row already in the database, with its values in the file's terms (names, not ids)."""

    id: int
    values: dict[str, Any]


@dataclass(frozen=True)
class ActivePairing:
    id: int
    phone: str
    household: tuple[str, str]  # (community name, address)
    started_on: date


@dataclass(frozen=True)
class Snapshot:
    branches: frozenset[str]
    rows: dict[str, dict[tuple, Current]]  # sheet -> natural key -> current row
    pairings: tuple[ActivePairing, ...]
    back_on: dict[str, date]  # phone -> the day a member came back, in their latest spell
    added_on: dict[str, date]  # phone -> the day a member with one spell was added
    left_recorded_on: dict[str, date]  # phone -> the day the import recorded they left

    @classmethod
    def load(cls) -> "Snapshot":
        """Read the whole roster (it is small: a few dozen members) from the database."""
        branches = {b.id: b.name for b in Branch.select()}
        communities = {c.id: c.name for c in Community.select()}
        teams = {t.id: t.name for t in Team.select()}
        members = list(Member.select())
        spells = spells_of(Member.select(Member.id))
        households = {h.id: h for h in Household.select()}
        keys = {h.id: (communities[h.community_id], h.address) for h in households.values()}
        phones = {m.id: m.phone for m in members}
        rows = {
            "社区": {(c.name,): _community(c) for c in Community.select()},
            "服务队": {(t.name,): Current(t.id, _team(t, communities)) for t in Team.select()},
            "党员": {
                (m.phone,): Current(m.id, _member(m, branches, teams, spells[m.id]))
                for m in members
            },
            "结对家庭": {
                keys[h_id]: Current(h_id, _household(h, communities))
                for h_id, h in households.items()
            },
        }
        pairings = tuple(
            ActivePairing(p.id, phones[p.member_id], keys[p.household_id], p.started_on)
            for p in Pairing.select().where(Pairing.ended_on.is_null())
        )
        back_on = {phone: spells[m][-1][0] for m, phone in phones.items() if len(spells[m]) > 1}
        added_on = {phone: spells[m][0][0] for m, phone in phones.items() if len(spells[m]) == 1}
        recorded = {phones[m]: day for m, day in leavings_recorded_on().items()}
        return cls(frozenset(branches.values()), rows, pairings, back_on, added_on, recorded)

    def get(self, sheet: str, key: tuple | None) -> Current | None:
        return self.rows[sheet].get(key) if key else None

    def member(self, phone: str | None) -> dict[str, Any] | None:
        current = self.rows["党员"].get((phone,))
        return current.values if current else None


def _community(c: Community) -> Current:
    fields = ("name", "address", "lat", "lng", "coord_type", "radius_m")
    return Current(c.id, {field: getattr(c, field) for field in fields})


def _team(t: Team, community_names: dict[int, str]) -> dict[str, Any]:
    return {"name": t.name, "community": community_names[t.community_id]}


def _member(m: Member, branches: dict, teams: dict, spells: list[tuple]) -> dict[str, Any]:
    """The member's row; `left_on` is the day they last left, for one who is away."""
    left_on = spells[-1][1] if spells and not m.active else None
    return {
        "name": m.name,
        "phone": m.phone,
        "branch": branches.get(m.branch_id),
        "team": teams.get(m.team_id),
        "role": m.role,
        "active": m.active,
        "left_on": left_on,
    }


def _household(h: Household, community_names: dict[int, str]) -> dict[str, Any]:
    fields = ("head_name", "phone", "address", "size", "situation", "lat", "lng", "coord_type")
    return {"community": community_names[h.community_id]} | {f: getattr(h, f) for f in fields}


@dataclass(frozen=True)
class FinalMember:
    phone: str
    name: str
    team: str | None
    role: str
    active: bool
    left_on: date | None
    entry: Entry | None  # the file's row, or None for a member the file does not list


def membership(entry: Entry, current: dict[str, Any] | None, today: date) -> tuple:
    """(active, left_on) once the row is applied. 状态 离队, or a 离队日期 alone, marks a
    member as gone since that day (today when none is given; an earlier day already recorded
    stays unless the row gives another); 在册 brings one back from the import day, their
    earlier spells kept (services.spells); neither keeps what the database holds."""
    active, left_on = (current["active"], current["left_on"]) if current else (True, None)
    status, given = entry.values.get("active"), entry.values.get("left_on")
    if status is None and given is not None:
        status = False
    if status is None:
        return active, left_on
    if status:
        return True, None
    return False, given or (None if active else left_on) or today


def member_entries(parsed: Parsed) -> dict[str, Entry]:
    """The member rows by phone (the last one wins when the file repeats a phone)."""
    return {e.values["phone"]: e for e in parsed["党员"] if "phone" in e.values}


def resolve_members(parsed: Parsed, snap: Snapshot, today: date) -> dict[str, FinalMember]:
    """Every member after the import: team, role and whether they are still active, with
    leaders settled per team."""
    entries = member_entries(parsed)
    declared = declared_leaders(parsed, snap)
    final = {}
    for (phone,), current in snap.rows["党员"].items():
        values = current.values
        role = _unlisted_role(phone, values["role"], declared[values["team"]])
        final[phone] = FinalMember(
            phone, values["name"], values["team"], role, values["active"], values["left_on"], None
        )
    for phone, entry in entries.items():
        current = snap.member(phone)
        team = final_team(entry, current)
        final[phone] = FinalMember(
            phone,
            entry.values.get("name") or (current or {}).get("name", ""),
            team,
            _role(phone, entry, current, team, declared[team]),
            *membership(entry, current, today),
            entry,
        )
    return final


def _unlisted_role(phone: str, role: str, leaders: set) -> str:
    """The role of a member the 党员 sheet does not list: leader when a team row names them
    (队长手机号 alone names the leader), member when the file names someone else."""
    if phone in leaders:
        return "leader"
    return "member" if leaders else role


def _role(phone: str, entry: Entry, current: dict | None, team: str | None, leaders: set) -> str:
    if phone in leaders:
        return "leader"
    if entry.values.get("role"):
        return entry.values["role"]
    keeps_lead = current and current["team"] == team and current["role"] == "leader"
    return "leader" if keeps_lead and not leaders else "member"


def final_team(entry: Entry | None, current: dict | None) -> str | None:
    if entry and entry.values.get("team"):
        return entry.values["team"]
    return current["team"] if current else None


def declared_leaders(parsed: Parsed, snap: Snapshot) -> dict[str | None, set[str]]:
    """Per team, the phones the file names as leader: role 队长, or the team's 队长手机号."""
    entries = member_entries(parsed)
    declared: dict[str | None, set[str]] = defaultdict(set)
    for phone, entry in entries.items():
        if entry.values.get("role") == "leader":
            declared[final_team(entry, snap.member(phone))].add(phone)
    for team in parsed["服务队"]:
        phone, name = team.values.get("leader_phone"), team.values.get("name")
        if phone and name and final_team(entries.get(phone), snap.member(phone)) == name:
            declared[name].add(phone)
    return declared


def gone(members: dict[str, FinalMember]) -> set[str]:
    """The phones of the members who are no longer active after the import."""
    return {phone for phone, member in members.items() if not member.active}


def resolve_pairings(
    parsed: Parsed, snap: Snapshot, gone: set[str] = frozenset()
) -> dict[tuple[str, str], str]:
    """Every active pairing after the import, household key -> member phone. A member who has
    left (a phone in `gone`) keeps no pairing: neither one from the database nor one a row
    names them for (a clerk's file still names them; their pairing ends on the day they
    left). Such a row leaves its household as a blank cell would."""
    wanted = {}
    for entry in parsed["结对家庭"]:
        if entry.key and entry.values.get("member_phone"):
            wanted[entry.key] = entry.values["member_phone"]
    taken = set(wanted.values())
    final = {household: phone for household, phone in wanted.items() if phone not in gone}
    for pairing in snap.pairings:
        if pairing.household not in final and pairing.phone not in taken | gone:
            final[pairing.household] = pairing.phone
    return final


def team_communities(parsed: Parsed, snap: Snapshot) -> dict[str, str]:
    """Each team's community after the import."""
    final = {key[0]: current.values["community"] for key, current in snap.rows["服务队"].items()}
    for entry in parsed["服务队"]:
        if entry.key and "community" in entry.values:
            final[entry.values["name"]] = entry.values["community"]
    return final
