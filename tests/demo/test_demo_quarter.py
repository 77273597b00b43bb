"""The demo's last quarter as it went: each team's report filed on time by its leader, with
most paired households visited, whatever day (and hour in Shanghai) the demo is loaded on."""

import shutil
from datetime import datetime, timedelta

import pytest

from models import Account, Photo, QuarterlyReport, RecordHistory, ServiceRecord, Team
from models.database import bind, make_database, release
from services import clock, register_check
from services.actors import Actor
from services.demo import load_demo
from services.office_overview import office_overview
from services.report_stats import deadline_of, label, quarter_days, reporting_quarter
from services.report_view import view_report
from services.reports import ReportRules
from tests.conftest import POSTGRES_URL
from tests.factories import NOW

RULES = ReportRules(deadline_days=10, interval_days=30)
R = ServiceRecord


def shanghai(*fields) -> datetime:
    """A Shanghai wall-clock time as the naive UTC the services take."""
    return clock.to_utc(datetime(*fields))


MOMENTS = {
    "mid-quarter": NOW,
    "Shanghai midnight starting a quarter (still the old quarter in UTC)": shanghai(2027, 1, 1),
    "the last second of a quarter": shanghai(2026, 12, 31, 23, 59, 59),
    "noon on a quarter's last day": shanghai(2026, 9, 30, 12),
    "the first morning of a quarter after a 91-day one": shanghai(2026, 7, 1, 8),
    "midnight after a leap year's first quarter": shanghai(2028, 4, 1),
    "the report's deadline day": shanghai(2027, 1, 10, 22),
}


def office() -> Actor:
    return Actor(account=Account.get(Account.username == "office"))


def last_quarter(now: datetime) -> tuple[int, int]:
    return reporting_quarter(clock.local_today(now))


def quarter_visits(now: datetime) -> list[ServiceRecord]:
    first, last = quarter_days(*last_quarter(now))
    start, end = clock.local_midnight(first), clock.local_midnight(last + timedelta(days=1))
    inside = (R.kind == "visit") & (R.checkin_at >= start) & (R.checkin_at < end)
    return list(R.select().where(inside))


@pytest.mark.parametrize("now", MOMENTS.values(), ids=MOMENTS.keys())
def test_every_team_filed_last_quarters_report_on_time(database, photo_root, now):
    load_demo(photo_root, now)
    year, quarter = last_quarter(now)
    day_after_deadline = clock.local_midnight(deadline_of(year, quarter, 10) + timedelta(days=1))
    for moment in (now, day_after_deadline + timedelta(hours=12)):
        overview = office_overview(office(), moment, 30, 10)
        assert overview.report_period == label(year, quarter)
        assert overview.alerts.late_reports == []
        assert [(t.report.status, t.report.late) for t in overview.teams] == [
            ("submitted", False)
        ] * 3
    for team in Team.select():
        view = view_report(office(), label(year, quarter), team.id, now, RULES)
        leader = view.submitted_by
        assert (view.status, view.late, view.live) == ("submitted", False, False)
        assert (leader.team_id, leader.role) == (team.id, "leader") and view.summary
        assert view.submitted_at <= now and view.register_check.found == ()


@pytest.mark.parametrize("now", MOMENTS.values(), ids=MOMENTS.keys())
def test_most_households_were_visited_and_a_few_visits_missed(database, photo_root, now):
    load_demo(photo_root, now)
    period = label(*last_quarter(now))
    for team in Team.select():
        stats = view_report(office(), period, team.id, now, RULES).stats
        visits = stats["visits"]
        assert visits["due"] == 36 and 24 <= visits["done"] < visits["due"]
        assert visits["members_visited"] >= 10 and stats["hours"] > 0
        assert any(m["visits"] < 3 for m in stats["per_member"])


@pytest.mark.parametrize("now", MOMENTS.values(), ids=MOMENTS.keys())
def test_the_quarters_visits_were_checked_in_or_registered_by_the_leader(database, photo_root, now):
    """Made through the check-in and the leader's registration, as a member's phone and a
    leader's screen make them: the register's history holds, and nothing is doubted but the
    demo's deliberate entries checked in out of range."""
    load_demo(photo_root, now)
    visits = quarter_visits(now)
    assert len(visits) >= 3 * 24
    for r in visits:
        first = r.history.order_by(RecordHistory.seq).first()
        assert r.checkout_at is not None and r.content and r.outcome
        assert r.checkout_at <= now
        if r.source == "leader":  # the members who have not bound WeChat
            assert (first.action, r.status, r.member.mp_openid) == ("register", "pending", None)
            assert r.registered_by.role == "leader" and r.registration_reason
        else:
            assert (first.action, first.actor) == ("checkin", f"member:{r.member_id}")
            assert r.status == "verified" or r.flags == ["out_of_range"]
            assert r.photos.get().exif_taken_at == r.checkin_at
    assert {r.source for r in visits} >= {"mp", "chat", "leader"}
    assert register_check.verify(now, photo_root=photo_root) == []  # chains and photo files


def fingerprint() -> tuple:
    """What the demo holds, without ids."""
    records = sorted(
        (r.member.phone, r.kind, r.checkin_at, r.checkout_at, r.status, r.content, r.source)
        for r in R.select()
    )
    photos = sorted(p.sha256 for p in Photo.select())
    reports = sorted(
        (q.team.name, q.year, q.quarter, q.status, q.submitted_at, q.summary, str(q.stats))
        for q in QuarterlyReport.select()
    )
    return records, photos, reports


@pytest.mark.skipif(bool(POSTGRES_URL), reason="two database files side by side: SQLite")
def test_the_same_moment_gives_the_same_demo(database_url, tmp_path):
    """Deterministic: two databases loaded at the same moment hold the same programme."""
    found = []
    for name in ("one", "two"):
        path = tmp_path / f"{name}.db"
        shutil.copy(database_url.removeprefix("sqlite:///"), path)
        bind(make_database(f"sqlite:///{path}"))
        load_demo(tmp_path / f"photos-{name}", NOW)
        found.append(fingerprint())
        release()
    assert found[0] == found[1] and found[0][2]


def test_a_load_in_a_later_quarter_adds_no_quarter(database, photo_root):
    """The demo's quarter is the one before it was first loaded: restarted next quarter, it
    invents no visits and files no report in the quarter the people trying it lived through."""
    load_demo(photo_root, NOW)
    later = NOW + timedelta(days=45)  # next quarter
    again = load_demo(photo_root, later)
    assert again.created == {"bind_code": 3}
    assert [(q.year, q.quarter) for q in QuarterlyReport.select()] == [(2026, 3)] * 3
    assert again.counts["quarterly_report"] == 3


def test_a_quarter_photo_lost_from_disk_is_stored_again(database, photo_root):
    load_demo(photo_root, NOW)
    photo = Photo.select().join(R).where(R.request_id.startswith("demo-2026-Q3")).first()
    (photo_root / photo.storage_key).unlink()
    assert load_demo(photo_root, NOW).created == {}
    assert (photo_root / photo.storage_key).is_file()
