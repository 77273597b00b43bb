"""The daily jobs' scans over a large roster: the visit-reminder scan and the quarterly
statistics, in seconds per run and SQL statements per run, at two sizes (statement counts
must not grow with the roster). Issue 5's goal: under 2 s each on SQLite at 100,000 members.

The data: teams of 15 (one leader), on the roster since 2025 (one spell each; 2% of the
members left during 2026), each member paired with a household since 2025, ten
register entries per member in 2026 (five activity entries, three household visits, two of
their own; mostly verified, some pending, flagged or rejected), twelve activities per team,
residents' ratings. Visits are spread so that on the scan day (20 December 2026) about 60% of
the members are overdue and about 20% past twice the interval: a bad month, chosen so the
reminder runs write tens of thousands of messages.

What is measured (the dataset is built once, outside the timings, and cached):
- visit scan: the grouped query alone (who is overdue), nothing written;
- visit run, first: the whole job with an empty outbox, so every overdue member and every
  leader gets a message (the worst day: the first run after deployment);
- visit run, next day: the job the day after a run, the ordinary day (only members whose
  weekly period starts that day get a new message);
- quarter figures: the statistics of every team for Q4 2026;
- quarter run, draft: the job on 1 January 2027 drafting every team's report (figures and
  inserts); quarter run, next day: the same job with nothing left to draft.
Each figure is the median of --repeat runs after one warm-up run. Statement counts include
the outbox's batched writes (one statement per 500 messages), which follow the number of
messages written, not the roster; the scans themselves are constant.

Run: .venv/bin/python -m bench.bench_jobs [--sizes 10000,100000] [--repeat 3]
     [--postgres postgresql://postgres@127.0.0.1:5432/test] [--rebuild]
"""

import argparse
import io
import math
import random
import statistics
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import peewee

from models import (
    Activity,
    Community,
    Feedback,
    Household,
    Member,
    MemberSpell,
    Notification,
    Pairing,
    QuarterlyReport,
    ServiceRecord,
    Team,
    db,
)
from models.database import bind, create_if_missing, make_database, release, upgrade
from services import clock
from services.report_deadlines import run_quarterly
from services.report_stats import team_stats
from services.reports import ReportRules
from services.visit_reminders import overdue_members, remind_overdue_visits

CACHE = Path("/tmp/xianfeng-bench-jobs")
VERSION = 3  # bump when the generated data change
TEAM_SIZE, RECORDS_PER_MEMBER, SEED = 15, 10, 5
INTERVAL, REPEAT_DAYS, DEADLINE_DAYS = 30, 7, 10
SCAN_NOW = clock.to_utc(datetime(2026, 12, 20, 10))
QUARTER_NOW = clock.to_utc(datetime(2027, 1, 1, 10))
CREATED = datetime(2025, 1, 1)
STATUSES = ["verified"] * 85 + ["pending"] * 8 + ["flagged"] * 4 + ["rejected"] * 3
FILLED = {"content": "清理楼道杂物", "target": "3号楼住户", "outcome": "楼道整洁"}


# --- the dataset ----------------------------------------------------------------------------


def row(model, **values) -> tuple:
    """A row in the table's column order, defaults filled in as peewee would store them."""
    out = []
    for f in model._meta.sorted_fields:
        value = values[f.name] if f.name in values else f.default
        value = value() if callable(value) else value
        out.append(f.db_value(value) if value is not None else None)
    return tuple(out)


def roster(members: int, rng: random.Random) -> dict[type, list[tuple]]:
    teams = math.ceil(members / TEAM_SIZE)
    data = {Community: [], Team: [], Member: [], MemberSpell: [], Household: [], Pairing: []}
    for t in range(1, teams + 1):
        data[Community].append(row(Community, id=t, name=f"社区{t}", lat=34.7, lng=113.6))
        data[Team].append(row(Team, id=t, name=f"第{t}服务队", community=t))
    for i in range(1, members + 1):
        team = (i - 1) // TEAM_SIZE + 1
        role = "leader" if (i - 1) % TEAM_SIZE == 0 else "member"
        active = role == "leader" or rng.random() > 0.02
        person = {"name": f"党员{i}", "phone": f"1{i:010d}", "team": team, "role": role}
        data[Member].append(row(Member, id=i, active=active, created_at=CREATED, **person))
        left = None if active else date(2026, 1, 1) + timedelta(days=i % 365)  # no draw: same data
        spell = {"member": i, "joined_on": CREATED.date(), "left_on": left}
        data[MemberSpell].append(row(MemberSpell, id=i, **spell))
        home = {"head_name": f"居民{i}", "address": f"幸福路{i}号", "created_at": CREATED}
        data[Household].append(row(Household, id=i, community=team, **home))
        start = date(2025, 1, 1) + timedelta(days=rng.randrange(540))
        data[Pairing].append(row(Pairing, id=i, member=i, household=i, started_on=start))
    return data


def register(members: int, rng: random.Random) -> dict[type, list[tuple]]:
    teams = math.ceil(members / TEAM_SIZE)
    activities = []
    for t in range(1, teams + 1):
        for month in range(1, 13):
            starts = clock.to_utc(datetime(2026, month, rng.randrange(1, 29), 9))
            status = "cancelled" if rng.random() < 0.05 else "scheduled"
            activities.append(
                row(
                    Activity,
                    id=len(activities) + 1,
                    team=t,
                    community=t,
                    title="环境卫生整治",
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=2),
                    status=status,
                    created_at=CREATED,
                )
            )
    entries = [
        (when, i, kind, extra)
        for i in range(1, members + 1)
        for when, kind, extra in _entries(i, (i - 1) // TEAM_SIZE + 1, rng)
    ]
    entries.sort(key=lambda entry: entry[0])  # ids follow time, as entries are registered
    records = [
        _record(n, i, when, kind, extra, rng) for n, (when, i, kind, extra) in enumerate(entries, 1)
    ]
    feedback = [_feedback(n, members, teams, rng) for n in range(1, members * 3 // 10 + 1)]
    return {Activity: activities, ServiceRecord: records, Feedback: feedback}


def _entries(member: int, team: int, rng: random.Random):
    """Ten entries: three visits (the last 0-80 days before the scan day), five activity
    entries, two of the member's own."""
    last = datetime(2026, 12, 20, 10) - timedelta(days=rng.randrange(81))
    for n in range(3):
        yield last - timedelta(days=n * rng.randrange(30, 46)), "visit", {"household": member}
    for _ in range(5):
        activity = (team - 1) * 12 + rng.randrange(12) + 1
        yield _day_of_2026(rng), "activity", {"activity": activity}
    for _ in range(2):
        yield _day_of_2026(rng), "individual", {}


def _day_of_2026(rng: random.Random) -> datetime:
    return datetime(2026, 1, 1, 9) + timedelta(days=rng.randrange(365), minutes=rng.randrange(600))


def _record(rid: int, member: int, local: datetime, kind: str, extra: dict, rng) -> tuple:
    at = clock.to_utc(local)
    minutes = rng.randrange(30, 181)
    filled = FILLED if rng.random() < 0.95 else {}
    return row(
        ServiceRecord,
        id=rid,
        member=member,
        kind=kind,
        checkin_at=at,
        checkout_at=at + timedelta(minutes=minutes),
        duration_minutes=minutes,
        status=rng.choice(STATUSES),
        source="mp",
        created_at=at,
        updated_at=at,
        **filled,
        **extra,
    )


def _feedback(n: int, members: int, teams: int, rng: random.Random) -> tuple:
    target = rng.choice(("team", "member", "activity"))
    ids = {
        "team": rng.randrange(1, teams + 1),
        "member": rng.randrange(1, members + 1),
        "activity": rng.randrange(1, teams * 12 + 1),
    }
    return row(
        Feedback,
        id=n,
        target_kind=target,
        rating=rng.choice((3, 4, 4, 5, 5, 5)),
        moderation="approved",
        created_at=clock.to_utc(_day_of_2026(rng)),
        **{target: ids[target]},
    )


def build(url: str, members: int) -> None:
    """Create the schema and load the dataset (the slow part, cached between runs)."""
    create_if_missing(url)
    bind(make_database(url))
    with db.connection_context():
        upgrade()
        rng = random.Random(SEED)
        for data in (roster(members, rng), register(members, rng)):
            for model, rows in data.items():
                load(model, rows)
        db.execute_sql("ANALYZE")  # planner statistics, as a maintained database has
    release()


def load(model, rows: list[tuple]) -> None:
    columns = [f.column_name for f in model._meta.sorted_fields]
    table = model._meta.table_name
    if isinstance(db.obj, peewee.SqliteDatabase):
        marks = ", ".join("?" * len(columns))
        with db.atomic():
            db.connection().executemany(
                f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})', rows
            )
        return
    buffer = io.StringIO()
    for values in rows:
        buffer.write("\t".join(r"\N" if v is None else str(v) for v in values) + "\n")
    buffer.seek(0)
    with db.atomic():
        cursor = db.connection().cursor()
        cursor.copy_expert(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN', buffer)
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {len(rows)})")


def prepared(members: int, postgres: str, rebuild: bool) -> str:
    """The URL of a database holding the dataset for this size, built if missing."""
    name = f"v{VERSION}_{members}"
    if postgres:
        return _prepared_postgres(postgres, f"bench_jobs_{name}", members, rebuild)
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"jobs-{name}.db"
    if rebuild or not path.exists():
        partial = path.with_suffix(".partial")
        for stale in CACHE.glob(f"{partial.name}*"):
            stale.unlink()
        print(f"building {members:,} members into {path} ...", flush=True)
        build(f"sqlite:///{partial}", members)
        partial.rename(path)
    return f"sqlite:///{path}"


def _prepared_postgres(base: str, schema: str, members: int, rebuild: bool) -> str:
    admin = make_database(base)
    exists = admin.execute_sql(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
        (schema, "bench_done"),
    ).fetchone()
    separator = "&" if "?" in base else "?"
    url = f"{base}{separator}options=-csearch_path%3D{schema}"
    if rebuild or not exists:
        print(f"building {members:,} members into schema {schema} ...", flush=True)
        admin.execute_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
        build(url, members)
        admin.execute_sql(f"CREATE TABLE {schema}.bench_done (at timestamp)")
    admin.close()
    return url


# --- measuring -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    seconds: float
    statements: int
    rows: int


@contextmanager
def counting():
    """The SQL statements run inside the block (peewee's query hook)."""
    seen: list = []
    db.obj.query_hooks.append(seen.append)
    try:
        yield seen
    finally:
        db.obj.query_hooks.remove(seen.append)


def measure(run, setup, repeat: int) -> Figure:
    """Median seconds of `repeat` runs after a warm-up; statements and rows of the last run.
    `setup` (not timed) puts the database back where each run should start."""
    times = []
    for n in range(repeat + 1):
        if setup is not None:
            setup()
        with counting() as seen:
            start = time.perf_counter()
            rows = run()
            elapsed = time.perf_counter() - start
        if n:
            times.append(elapsed)
    return Figure(statistics.median(times), len(seen), rows)


def clear_outbox() -> None:
    Notification.delete().execute()


def clear_reports() -> None:
    QuarterlyReport.delete().execute()


def scenarios() -> list[tuple]:
    """(name, what the rows are, the timed run, the untimed setup before each run)."""
    today = clock.local_today(SCAN_NOW)
    rules = ReportRules(DEADLINE_DAYS, INTERVAL)

    def visits(now):
        run = remind_overdue_visits(now, INTERVAL, REPEAT_DAYS, "off")
        return run.reminded + run.leader_messages

    def after_yesterday():
        clear_outbox()
        visits(SCAN_NOW - timedelta(days=1))

    def quarter(now):
        return lambda: run_quarterly(now, rules, "off").drafted

    return [
        ("visit scan", "overdue", lambda: len(overdue_members(today, INTERVAL)), None),
        ("visit run, first", "messages", lambda: visits(SCAN_NOW), clear_outbox),
        ("visit run, next day", "messages", lambda: visits(SCAN_NOW), after_yesterday),
        ("quarter figures", "teams", lambda: len(team_stats(2026, 4, QUARTER_NOW, INTERVAL)), None),
        ("quarter run, draft", "drafted", quarter(QUARTER_NOW), clear_reports),
        ("quarter run, next day", "drafted", quarter(QUARTER_NOW + timedelta(days=1)), None),
    ]


def bench_size(url: str, repeat: int) -> dict[str, Figure]:
    bind(make_database(url))
    with db.connection_context():
        if upgrade():  # a dataset cached before a newer schema step
            db.execute_sql("ANALYZE")
        clear_outbox()
        clear_reports()
        figures = {name: measure(run, setup, repeat) for name, _, run, setup in scenarios()}
        clear_outbox()
        clear_reports()
    release()
    return figures


def print_table(results: dict[int, dict[str, Figure]], database: str, repeat: int) -> None:
    print(f"\ndatabase: {database}; median of {repeat} runs after a warm-up")
    header = f"{'':24}" + "".join(
        f"| {f'{size:,} members, {size * RECORDS_PER_MEMBER:,} records':^38}" for size in results
    )
    print(header)
    print(f"{'run':24}" + f"| {'seconds':>9} {'statements':>11} {'rows':>15} " * len(results))
    print("-" * len(header))
    for name, unit, _, _ in scenarios():
        cells = []
        for figures in results.values():
            f = figures[name]
            cells.append(f"| {f.seconds:9.3f} {f.statements:11d} {f'{f.rows:,} {unit}':>15} ")
        print(f"{name:24}" + "".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="members, comma-separated")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default="", help="a PostgreSQL URL (default: SQLite)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached datasets")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    urls = {size: prepared(size, args.postgres, args.rebuild) for size in sizes}
    results = {size: bench_size(url, args.repeat) for size, url in urls.items()}
    print_table(results, "postgresql" if args.postgres else "sqlite", args.repeat)


if __name__ == "__main__":
    main()
