"""A small programme for register tests: two teams with a leader and members each, the office,
and entries made the way the check-in service makes them (with their first history line)."""

import hashlib
import hmac
import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import peewee as pw

from models import Account, Member, RecordHistory, ServiceRecord, Team, db
from services import history
from services.actors import Actor
from tests.factories import NOW, make_member, make_record, make_team

FILLED = {"content": "清理楼道杂物", "target": "3号楼住户", "outcome": "楼道畅通整洁"}


@dataclass
class World:
    team_a: Team
    team_b: Team
    leader_a: Member
    alice: Member  # team A
    bob: Member  # team A
    leader_b: Member
    carol: Member  # team B
    office: Account

    def actor(self, who: str) -> Actor:
        """'office' or the name of a member attribute, e.g. 'leader_a'."""
        if who == "office":
            return Actor(account=self.office)
        return Actor(member=getattr(self, who))


def build_world(with_openids: bool = False) -> World:
    def person(team, name, role="member"):
        openid = {"mp_openid": f"mp-{name}"} if with_openids else {}
        if role == "leader":
            member = Member.get((Member.team == team) & (Member.role == "leader"))
            if openid:
                Member.update(**openid).where(Member.id == member.id).execute()
            return Member.get_by_id(member.id)
        return make_member(name=name, team=team, **openid)

    team_a, team_b = make_team(), make_team()
    office = Account.create(
        username=f"register-office-{team_a.id}",
        display_name="办公室",
        password_hash="-",
        created_at=NOW,
    )
    return World(
        team_a=team_a,
        team_b=team_b,
        leader_a=person(team_a, "leader_a", "leader"),
        alice=person(team_a, "alice"),
        bob=person(team_a, "bob"),
        leader_b=person(team_b, "leader_b", "leader"),
        carol=person(team_b, "carol"),
        office=office,
    )


def checked_in(member, activity=None, at=NOW, minutes=90, filled=False, **kw) -> ServiceRecord:
    """An entry as a phone check-in leaves it: its first history line, then (unless minutes is
    None) a check-out with its own line, then (filled) the three fields with theirs."""
    record = make_record(member, activity, checkin_at=at, status=kw.pop("status", "verified"), **kw)
    history.append(record, f"member:{member.id}", "checkin", at, {})
    if minutes is not None:
        out = at + timedelta(minutes=minutes)
        _change(record, "checkout", out, checkout_at=out, duration_minutes=minutes)
    if filled:
        _change(record, "fill", at + timedelta(minutes=(minutes or 0) + 1), **FILLED)
    return record


def _change(record: ServiceRecord, action: str, at: datetime, **values) -> None:
    before = history.state_of(record)
    for name, value in values.items():
        setattr(record, name, value)
    record.updated_at = at
    record.save()
    history.append(record, f"member:{record.member_id}", action, at, before)


def plain_sha256(message: bytes) -> str:
    """The chain's hash before it was keyed; what anyone can compute."""
    return hashlib.sha256(message).hexdigest()


def hmac_under(key: str):
    """A chain hash under some key (the right one only in the service's hands)."""
    return lambda message: hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def rewrite_history(record: ServiceRecord, sign, **values) -> None:
    """Rewrite an entry's history as whoever can write to the database (and has read the
    code) can: each value put into every line that carries it, in its state and in the changes
    it lists, then every hash recomputed with `sign`, written independently of the service."""
    prev_hash = "0" * 64
    for h in (
        RecordHistory.select().where(RecordHistory.record == record.id).order_by(RecordHistory.seq)
    ):
        for name, value in values.items():
            if name in h.changes:
                h.changes[name][1] = value
            if h.state.get(name) is not None:
                h.state[name] = value
        link = {"record": record.id, "seq": h.seq, "at": h.at.isoformat(sep=" ")}
        link |= {"actor": h.actor, "action": h.action, "changes": h.changes}
        link |= {"reason": h.reason, "state": h.state}
        body = json.dumps(link, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        h.prev_hash, h.hash = prev_hash, sign((prev_hash + body).encode())
        h.save()
        prev_hash = h.hash


def without_foreign_keys(statement: str) -> None:
    """Run a statement as a database tool that does not enforce foreign keys would (SQLite's
    default): an entry deleted while its history stays."""
    if isinstance(db.obj, pw.SqliteDatabase):
        db.execute_sql("PRAGMA foreign_keys = OFF")
        db.execute_sql(statement)
        db.execute_sql("PRAGMA foreign_keys = ON")
        return
    with db.atomic():
        db.execute_sql("SET LOCAL session_replication_role = replica")  # triggers, FKs off
        db.execute_sql(statement)


@contextmanager
def counted_queries(monkeypatch):
    """Count the SQL statements run inside the block (the calls still reach the database)."""
    calls = []
    real = db.obj.execute_sql

    def counting(sql, params=None, *args, **kw):
        calls.append(sql)
        return real(sql, params, *args, **kw)

    monkeypatch.setattr(db.obj, "execute_sql", counting)
    yield calls
    monkeypatch.undo()
