"""Planning an import: what each row changes, as steps in an order the unique indexes accept.

Order matters twice. A team has one leader (a partial unique index): every leader who stops
leading, or leaves the team, is demoted before anyone is moved or promoted. A member and a
household each have one active pairing: every pairing that stops is ended before any new
one is created.
"""

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from . import roster_seats
from .checkin_rules import CheckinRules
from .clock import local_today, now_utc
from .errors import Invalid
from .roster_check import check
from .roster_io import RosterData
from .roster_parse import Entry, Parsed, parse
from .roster_schema import ROLE_LABELS, SHEET_BY_NAME, SHEETS, show
from .roster_state import (
    ActivePairing,
    FinalMember,
    Snapshot,
    gone,
    resolve_members,
    resolve_pairings,
)

MODELS = {"社区": "community", "服务队": "team", "党员": "member", "结对家庭": "household"}
STORED = {  # the fields a row writes (role and pairings are planned on their own)
    "社区": ("name", "address", "lat", "lng", "coord_type", "radius_m"),
    "服务队": ("name", "community"),
    "党员": ("name", "phone", "branch", "team"),
    "结对家庭": ("community", "address", "head_name", "phone", "size", "situation", "lat", "lng")
    + ("coord_type",),
}
# A community's radius left blank: the configured check-in radius ([rules] checkin_radius_m),
# given to the planner (see _Planner.defaults).
DEFAULT_RADIUS_M = CheckinRules.radius_m
DEFAULTS = {
    "社区": {"address": "", "coord_type": "gcj02"},
    "服务队": {},
    "党员": {"role": "member"},
    "结对家庭": {"phone": "", "situation": "", "coord_type": "gcj02"},
}
LABELS = {
    "社区": lambda v: f"社区 {v['name']}",
    "服务队": lambda v: f"服务队 {v['name']}",
    "党员": lambda v: f"党员 {v['phone']} {v['name']}",
    "结对家庭": lambda v: f"结对家庭 {v['head_name']}（{v['community']} {v['address']}）",
}


@dataclass(frozen=True)
class Change:
    """One row's change, for people: 党员 13800000001 张三: 服务队 第一服务队 → 第二服务队."""

    sheet: str
    action: str  # "created", "updated" or "withdrawn" (a leaver's place in an activity)
    label: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    """One write: create a row, or update the row with this natural key (a pairing: its id)."""

    model: str  # branch, community, team, member, household, pairing, seat or spell
    # "create" or "update"; a seat's: "withdraw" (key: activity id, member phone); a spell's:
    # the services.spells function that writes it (key: the member's phone)
    op: str
    key: tuple
    values: Mapping[str, Any]  # references to other rows by natural key, not by id


@dataclass(frozen=True)
class SheetCount:
    sheet: str
    created: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...]
    counts: tuple[SheetCount, ...]
    steps: tuple[Step, ...]


def plan(
    data: RosterData,
    today: date | None = None,
    now: datetime | None = None,
    radius_m: int = DEFAULT_RADIUS_M,
) -> Plan:
    """The changes importing this file would make, without writing; Invalid if it has errors.
    `radius_m`: the check-in radius of a new community whose cell is blank."""
    now = now or now_utc()
    today = today or local_today(now)
    if any(problem.is_error for problem in check(data, today=today)):
        raise Invalid("名单有错误，无法列出变更；请先按检查结果改正")
    return plan_checked(data, today, now, radius_m)


def plan_checked(
    data: RosterData, today: date, now: datetime | None = None, radius_m: int = DEFAULT_RADIUS_M
) -> Plan:
    """The plan for a file the caller has just checked and found free of errors."""
    parsed, _ = parse(data, today)
    return _Planner(parsed, Snapshot.load(), today, now or now_utc(), radius_m).run()


class _Planner:
    def __init__(self, parsed: Parsed, snap: Snapshot, today: date, now: datetime, radius_m: int):
        self.parsed, self.snap, self.today, self.now = parsed, snap, today, now
        # A blank cell of a new row takes these; a stored row keeps what it has.
        self.defaults = DEFAULTS | {"社区": DEFAULTS["社区"] | {"radius_m": radius_m}}
        self.members = resolve_members(parsed, snap, today)
        self.steps: list[Step] = []
        self.changes: list[Change] = []
        self.counts = {spec.name: Counter() for spec in SHEETS}

    def run(self) -> Plan:
        self._branches()
        self._rows("社区")
        self._rows("服务队")
        self._members()
        pairing_steps, pairing_details = self._pairings()
        self._rows("结对家庭", pairing_details)
        self._unlisted_households(pairing_details)
        self.steps += pairing_steps
        self._seats()
        counts = tuple(
            SheetCount(s.name, c["created"], c["updated"], c["unchanged"])
            for s, c in zip(SHEETS, self.counts.values(), strict=True)
        )
        return Plan(tuple(self.changes), counts, tuple(self.steps))

    def _record(self, sheet: str, action: str, label: str, details: list[str]) -> None:
        self.counts[sheet][action] += 1
        if action != "unchanged":
            self.changes.append(Change(sheet, action, label, tuple(details)))

    def _branches(self) -> None:
        named = dict.fromkeys(
            e.values["branch"] for e in self.parsed["党员"] if "branch" in e.values
        )
        for name in named:
            if name not in self.snap.branches:
                self.steps.append(Step("branch", "create", (), {"name": name}))
                self.changes.append(Change("党员", "created", f"支部 {name}"))

    def _rows(self, sheet: str, extra: dict[tuple, list[str]] | None = None) -> None:
        """Create or update each row of a sheet by its natural key."""
        extra = extra if extra is not None else {}
        for entry in self.parsed[sheet]:
            values = {f: v for f, v in entry.values.items() if f in STORED[sheet]}
            details = extra.pop(entry.key, [])
            current = self.snap.get(sheet, entry.key)
            if current is None:
                create = Step(MODELS[sheet], "create", (), self.defaults[sheet] | values)
                self.steps.append(create)
                self._record(sheet, "created", LABELS[sheet](entry.values), details)
                continue
            diff = {f: v for f, v in values.items() if current.values[f] != v}
            if diff:
                self.steps.append(Step(MODELS[sheet], "update", entry.key, diff))
            details = [_detail(sheet, f, current.values[f], v) for f, v in diff.items()] + details
            self._record(
                sheet, "updated" if details else "unchanged", LABELS[sheet](entry.values), details
            )

    def _members(self) -> None:
        demote, promote = self._role_steps()
        self.steps += demote
        for entry in self.parsed["党员"]:
            self._member(entry, self.members[entry.values["phone"]])
        for phone, member in self.members.items():
            current = self.snap.member(phone)
            if member.entry is None and current["role"] != member.role:
                detail = _detail("党员", "role", current["role"], member.role)
                self._record(
                    "党员", "updated", LABELS["党员"](current), [f"{detail}（本队换了队长）"]
                )
        self.steps += promote

    def _role_steps(self) -> tuple[list[Step], list[Step]]:
        demote, promote = [], []
        for phone, member in self.members.items():
            current = self.snap.member(phone)
            leads_now = current is not None and current["role"] == "leader"
            same_team = current is not None and current["team"] == member.team
            if leads_now and not (member.role == "leader" and same_team):
                demote.append(Step("member", "update", (phone,), {"role": "member"}))
            if member.role == "leader" and not (leads_now and same_team):
                promote.append(Step("member", "update", (phone,), {"role": "leader"}))
        return demote, promote

    def _member(self, entry: Entry, member: FinalMember) -> None:
        current = self.snap.member(member.phone)
        values = {f: v for f, v in entry.values.items() if f in STORED["党员"]}
        label = LABELS["党员"](entry.values)
        if current is None:
            self.steps.append(Step("member", "create", (), DEFAULTS["党员"] | values))
            self.steps += self._spell_steps(member, None)
            summary = f"服务队 {member.team}，{ROLE_LABELS[member.role]}"
            if not member.active:
                summary += f"，{member.left_on} 离队"
            self._record("党员", "created", label, [summary])
            return
        diff = {f: v for f, v in values.items() if current[f] != v}
        if diff:
            self.steps.append(Step("member", "update", (member.phone,), diff))
        self.steps += self._spell_steps(member, current)
        stay = {"active": member.active, "left_on": member.left_on}
        diff |= {f: v for f, v in stay.items() if current[f] != v}
        details = [_detail("党员", f, current[f], v) for f, v in diff.items()]
        if current["role"] != member.role:
            details.append(_detail("党员", "role", current["role"], member.role))
        if member.active and not current["active"]:
            details.append(self._return_detail(member, current["left_on"]))
        self._record("党员", "updated" if details else "unchanged", label, details)

    def _return_detail(self, member: FinalMember, left_on: date | None) -> str:
        """What a return does to the leaving, for the clerk to tell a mistake undone from a
        member who really was away."""
        left = f"离队日期 {left_on}" if left_on else "未记离队日期"
        if self._undoes_leaving(member):
            return f"撤销 {self.today.month}月{self.today.day}日 录入的离队（{left}）"
        return f"重新加入，此前的离队（{left}）保留"

    def _spell_steps(self, member: FinalMember, current: dict | None) -> list[Step]:
        """The member's spells once the row is applied (services.spells): a new member's
        begins today; leaving ends the open one (recorded as left today), a return opens
        another or, imported the day the leaving was recorded, takes it back; a new day of
        leaving for one away corrects the latest."""

        def step(op: str, **values) -> Step:
            return Step("spell", op, (member.phone,), values)

        recorded = {"recorded_on": self.today, "now": self.now}
        leaving = [] if member.active else [step("leave", on=member.left_on, **recorded)]
        if current is None:
            return [step("join", on=self.today), *leaving]
        if (current["active"], current["left_on"]) == (member.active, member.left_on):
            return []
        if member.active and self._undoes_leaving(member):
            return [step("undo_leaving")]
        if member.active:
            return [step("come_back", on=self.today)]
        return leaving if current["active"] else [step("correct_leaving", on=member.left_on)]

    def _undoes_leaving(self, member: FinalMember) -> bool:
        """A return imported the day the leaving was recorded: a mistake put right."""
        return self.snap.left_recorded_on.get(member.phone) == self.today

    def _pairings(self) -> tuple[list[Step], dict[tuple, list[str]]]:
        """End every pairing that stops, then create the new ones; details per household."""
        final = resolve_pairings(self.parsed, self.snap, gone(self.members))
        current = {p.household: p for p in self.snap.pairings}
        entries = self.parsed["结对家庭"]
        dates = {
            e.key: e.values["started_on"] for e in entries if e.key and "started_on" in e.values
        }
        steps = [
            Step("pairing", "update", (p.id,), {"ended_on": self._ends_on(p)})
            for p in self.snap.pairings
            if final.get(p.household) != p.phone
        ]
        details: dict[tuple, list[str]] = defaultdict(list)
        for household in sorted(set(current) | set(final)):
            old, new = current.get(household), final.get(household)
            if (old.phone if old else None) != new:
                who = f"{self._who(old.phone if old else None)} → {self._who(new)}"
                details[household].append(f"结对党员 {who}")
            if new and (old is None or old.phone != new):
                started_on = dates.get(household, self.today)
                values = {"member": new, "household": household, "started_on": started_on}
                steps.append(Step("pairing", "create", (), values))
            elif new and dates.get(household, old.started_on) != old.started_on:
                steps.append(Step("pairing", "update", (old.id,), {"started_on": dates[household]}))
                details[household].append(
                    _detail("结对家庭", "started_on", old.started_on, dates[household])
                )
        return steps, details

    def _ends_on(self, pairing: ActivePairing) -> date:
        """A pairing stops today, or the day its member left (not before it began): the visits
        it owes are counted up to then (services.report_stats)."""
        member = self.members[pairing.phone]
        if member.active or member.left_on is None:
            return self.today
        return max(min(member.left_on, self.today), pairing.started_on)

    def _seats(self) -> None:
        """Members who leave give up their places in activities not started yet (see
        services.roster_seats), each a line of its own."""
        for seat in roster_seats.seats_held(gone(self.members), self.now):
            self.steps.append(Step("seat", "withdraw", (seat.activity_id, seat.phone), {}))
            label = f"活动「{seat.title}」（{seat.when}）的{'指派' if seat.assigned else '报名'}"
            details = (f"{self._who(seat.phone)}已离队",)
            self.changes.append(Change("党员", "withdrawn", label, details))

    def _who(self, phone: str | None) -> str:
        return f"{self.members[phone].name}（{phone}）" if phone else "（无）"

    def _unlisted_households(self, details: dict[tuple, list[str]]) -> None:
        """Households the file does not list whose pairing ends because a member moved."""
        for household, lines in details.items():
            current = self.snap.get("结对家庭", household)
            self._record("结对家庭", "updated", LABELS["结对家庭"](current.values), lines)


def _detail(sheet: str, field: str, old: Any, new: Any) -> str:
    header = SHEET_BY_NAME[sheet].column(field).header
    return f"{header} {show(field, old)} → {show(field, new)}"
