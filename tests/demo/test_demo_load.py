"""The demo programme loads completely, as the operators and the mini-program expect it,
and loading it again changes nothing."""

import hashlib
from datetime import timedelta

import pytest

from models import (
    Account,
    Activity,
    AuditLog,
    BindCode,
    Branch,
    Community,
    Enrollment,
    Feedback,
    Household,
    Member,
    MemberSpell,
    Pairing,
    Photo,
    QuarterlyReport,
    ServiceRecord,
    Team,
)
from models.activity import CATEGORIES
from services import geo
from services.accounts import check_password
from services.binding import live_bind_code
from services.checkin_rules import CheckinRules
from services.clock import local_today
from services.demo import is_demo_database, load_demo
from services.demo_data import ROSTER_DAYS_AGO
from services.photos import open_photo
from services.spells import on_roster
from tests.factories import NOW

DEMO_MODELS = (
    Branch, Community, Team, Member, MemberSpell, Household, Pairing, Activity, Enrollment,
    ServiceRecord, Photo, BindCode, Account, AuditLog, Feedback, QuarterlyReport,
)  # fmt: skip


@pytest.fixture
def loaded(database, photo_root):
    return load_demo(photo_root, NOW)


def member(number):
    return Member.get(Member.phone == f"138000000{number:02d}")


def snapshot():
    """Every demo row's id, per table."""
    return {m.__name__: sorted(r.id for r in m.select(m.id)) for m in DEMO_MODELS}


def test_three_communities_in_zhengzhou_each_with_one_team(loaded):
    assert Community.select().count() == 3
    for community in Community.select():
        assert 34.7 <= community.lat <= 34.8 and 113.6 <= community.lng <= 113.7
        assert (community.coord_type, community.radius_m) == ("gcj02", 300)
        assert [t.name for t in community.teams] and community.address.startswith("郑州市")
    names = [t.name for t in Team.select().order_by(Team.id)]
    assert names == ["第一党员志愿者服务队", "第二党员志愿者服务队", "第三党员志愿者服务队"]


def test_the_configured_radius_is_the_communities_and_their_activities(database, photo_root):
    """[rules] checkin_radius_m is the radius of the communities the demo makes (and so of
    their activities, as an activity created in one takes the community's)."""
    load_demo(photo_root, NOW, rules=CheckinRules(radius_m=800))
    assert {c.radius_m for c in Community.select()} == {800}
    assert {a.radius_m for a in Activity.select()} == {800}


def test_36_members_numbered_in_team_order_with_leaders_01_13_25(loaded):
    teams = list(Team.select().order_by(Team.id))
    assert Member.select().count() == 36
    for number in range(1, 37):
        m = member(number)
        assert m.team_id == teams[(number - 1) // 12].id
        assert m.role == ("leader" if number in (1, 13, 25) else "member")
        assert m.branch is not None and m.active
    assert len({m.name for m in Member.select()}) == 36
    assert Branch.select().count() >= 2


def test_members_01_to_33_are_bound_and_34_to_36_have_bind_codes(loaded):
    for number in range(1, 34):
        m = member(number)
        assert (m.mp_openid, m.oa_openid) == (f"mp-demo-{number:02d}", f"oa-demo-{number:02d}")
    unbound = {u.number: u for u in loaded.unbound}
    assert sorted(unbound) == [34, 35, 36]
    for number, entry in unbound.items():
        m = member(number)
        assert (m.mp_openid, m.oa_openid, m.unionid) == (None, None, None)
        assert (entry.name, entry.phone) == (m.name, m.phone)
        live = live_bind_code(m, NOW)
        assert (live.code, live.expires_at) == (entry.bind_code, NOW + timedelta(days=14))
        assert any(entry.bind_code in line for line in loaded.lines())


def test_every_member_is_paired_with_a_household_in_their_community(loaded):
    pairings = list(Pairing.select().where(Pairing.ended_on.is_null()))
    assert len(pairings) == 36 and Household.select().count() == 36
    assert len({p.household_id for p in pairings}) == 36
    for p in pairings:
        household = p.household
        assert household.community_id == p.member.team.community_id
        assert household.head_name and household.phone and household.situation
        assert household.size >= 1 and "号楼" in household.address
        assert abs(household.lat - household.community.lat) < 0.003
        assert p.started_on <= NOW.date() - timedelta(days=60)


def test_every_member_may_check_in_to_practice_at_any_hour_for_a_month(loaded):
    from services.checkin_rules import CheckinRules
    from services.checkin_targets import resolve

    for n in (1, 13, 36):
        for moment in (NOW, NOW + timedelta(hours=13), NOW + timedelta(days=29)):
            (activity,) = [
                e.activity
                for e in member(n).enrollments
                if e.activity.starts_at <= moment <= e.activity.ends_at
            ]
            assert activity.title.startswith("签到体验") and activity.team == member(n).team
            assert resolve(member(n), activity.id, CheckinRules()).activity == activity


def test_each_team_has_past_and_upcoming_activities(loaded):
    for team in Team.select():
        activities = list(team.activities)
        past = [a for a in activities if a.ends_at < NOW]
        upcoming = [a for a in activities if a.starts_at > NOW]
        assert past and upcoming
        for a in activities:
            assert a.category in CATEGORIES and 10 <= a.capacity <= 15
            assert a.community_id == team.community_id and a.place
            assert abs(a.lat - team.community.lat) < 0.005 and a.starts_at < a.ends_at
        for a in upcoming:
            assert 0 < a.enrollments.count() <= a.capacity
            assert all(e.member.team_id == team.id for e in a.enrollments)


def test_records_are_complete_with_photos_on_disk(loaded, photo_root):
    """Each with its photo, but the visits a leader registered for members without WeChat
    (the last quarter's: services.demo_quarter), which wait for the office."""
    records = list(ServiceRecord.select())
    registered = [r for r in records if r.source == "leader"]
    assert 100 <= len(records) <= 120 and Photo.select().count() == len(records) - len(registered)
    assert {r.kind for r in records} == {"activity", "visit"}
    flagged = [r for r in records if r.status == "flagged"]
    assert flagged and all(r.flags == ["out_of_range"] for r in flagged)
    assert {r.status for r in records} == {"verified", "flagged", "pending"}
    assert {r.status for r in registered} == {"pending"}
    for r in records:
        assert r.content and r.target and r.outcome
        assert (r.member.mp_openid is None) == (r in registered)
        assert r.checkout_at > r.checkin_at and r.duration_minutes > 0
        assert (r.activity is None) != (r.household is None)
        if r.activity:
            assert r.checkin_at < NOW and Enrollment.get_or_none(
                activity=r.activity, member=r.member
            )
    photos = list(Photo.select())
    # each a picture of its own: no member hands in the same or a near copy twice
    assert len({p.sha256 for p in photos}) == len(photos)
    assert len({(p.record.member_id, p.phash) for p in photos}) == len(photos)
    for p in photos:
        data = (photo_root / p.storage_key).read_bytes()
        assert hashlib.sha256(data).hexdigest() == p.sha256 and p.size_bytes == len(data)
        assert open_photo(photo_root, p.thumb_key).is_file()
        assert p.exif_taken_at == p.record.checkin_at


def test_every_entry_says_how_far_from_its_place_it_checked_in(loaded):
    """As a real check-in measures it: from the activity's point or the visited household's,
    so a leader reviewing an entry flagged out of range sees how far off it was."""
    records = list(ServiceRecord.select().where(ServiceRecord.source != "leader"))  # no place
    for r in records:
        place = r.activity or r.household
        expected = geo.distance_m(r.checkin_lat, r.checkin_lng, place.lat, place.lng)
        assert r.distance_m == pytest.approx(expected, abs=0.1), r.id
        allowance = 300 + r.checkin_accuracy_m
        assert (r.distance_m > allowance) == (r.flags == ["out_of_range"]), r.id
    far = sorted(r.distance_m for r in records if r.status == "flagged")
    assert len(far) == 3 and far[0] > 600  # one per team, some 650 m north
    assert all(r.flags == [] for r in records if r.status == "verified")


def test_residents_have_rated_each_team_and_one_comment_waits_for_the_office(loaded):
    per_team = len(Feedback.select()) // 3
    assert per_team >= 5 and Feedback.select().count() == 3 * per_team
    kinds = {f.target_kind for f in Feedback.select()}
    assert kinds == {"member", "activity", "team"}
    held = Feedback.select().where(Feedback.moderation == "pending")
    assert held.count() == 3 and {f.held_reason for f in held} == {"content_filter"}
    assert all(f.created_at < NOW for f in Feedback.select())


def test_the_office_can_log_in(loaded):
    account = Account.get(Account.username == "office")
    assert account.display_name == "办公室" and check_password(account, "demo1234")
    assert (loaded.office_username, loaded.office_password) == ("office", "demo1234")


def test_the_summary_counts_what_was_created(loaded):
    assert loaded.is_new and loaded.existing == {}
    assert loaded.counts == {m._meta.table_name: m.select().count() for m in DEMO_MODELS}


def test_loading_twice_changes_nothing(loaded, photo_root):
    before = snapshot()
    again = load_demo(photo_root, NOW + timedelta(days=1))
    assert snapshot() == before
    assert again.created == {} and not again.is_new
    assert again.counts == loaded.counts
    assert [u.bind_code for u in again.unbound] == [u.bind_code for u in loaded.unbound]


def test_expired_bind_codes_are_replaced_on_a_later_load(loaded, photo_root):
    later = NOW + timedelta(days=15)
    again = load_demo(photo_root, later)
    assert again.created == {"bind_code": 3}
    for entry in again.unbound:
        assert live_bind_code(member(entry.number), later).code == entry.bind_code
        assert entry.expires_at == later + timedelta(days=14)


def test_a_photo_file_lost_from_disk_is_stored_again(loaded, photo_root):
    photo = Photo.select().join(ServiceRecord).where(ServiceRecord.request_id == "demo-0").get()
    (photo_root / photo.storage_key).unlink()
    again = load_demo(photo_root, NOW)
    assert again.created == {}
    assert (photo_root / photo.storage_key).is_file()


def test_a_member_who_bound_since_gets_no_new_code(loaded, photo_root):
    bound = member(34)
    BindCode.update(used_at=NOW).where(BindCode.member == bound).execute()
    Member.update(mp_openid="o-real-openid").where(Member.id == bound.id).execute()
    again = load_demo(photo_root, NOW + timedelta(days=1))
    assert [u.number for u in again.unbound] == [35, 36]
    assert live_bind_code(bound, NOW + timedelta(days=1)) is None
    assert again.created == {}


def test_roster_rows_predate_the_pairings_and_the_records(loaded):
    first_record = ServiceRecord.select().order_by(ServiceRecord.checkin_at).first()
    for m in Member.select():
        assert m.created_at < first_record.checkin_at
        assert m.created_at.date() <= m.pairings.get().started_on


def test_the_demo_marks_its_database(loaded):
    assert is_demo_database()


def test_the_demo_register_verifies(loaded):
    from services.history import verify_all

    assert verify_all() == []


def test_every_member_is_on_the_roster_from_the_day_it_was_imported(loaded):
    """The quarter's figures count the demo members (services.spells), as an import would."""
    today = local_today(NOW)
    imported = local_today(NOW - timedelta(days=ROSTER_DAYS_AGO))
    assert Member.select().where(on_roster(today, today)).count() == 36
    assert Member.select().where(on_roster(imported, imported)).count() == 36
    before = imported - timedelta(days=1)
    assert Member.select().where(on_roster(before, before)).count() == 0
