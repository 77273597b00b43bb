"""Schema steps: they build exactly the models' schema, and move a populated database forward
without losing anything. The data tests run on the suite's database (SQLite, or PostgreSQL
with XIANFENG_TEST_POSTGRES_URL), since a step's back-fill queries must work on both."""

from datetime import date, datetime, timedelta

import peewee
import pytest
from playhouse.migrations import _resolve_diff

from models import (
    Activity,
    Assessment,
    BindCode,
    Feedback,
    FeedbackForm,
    Member,
    MemberSpell,
    ServiceRecord,
    db,
)
from models.database import (
    bind,
    make_database,
    pending_migrations,
    release,
    runner,
    schema_version,
)
from services import clock

ADDED = "2026-01-01 00:00:00"  # when the rows below were written


def sql(query: str, *params) -> None:
    """Run one statement written with ? placeholders, on either database."""
    db.execute_sql(query.replace("?", db.obj.param), params)


@pytest.fixture
def upgrade_from(empty_database_url):
    """An empty database bound to the models, connection open, and a function that brings it
    to an older step with one community and one team in it: a test writes rows as they were
    at that step, runs the later steps (runner().up()) and reads what they made of them."""
    bind(make_database(empty_database_url))

    def at_step(step: str) -> None:
        runner().up(target=step)
        sql(
            "INSERT INTO community (name, address, lat, lng, coord_type, radius_m) "
            "VALUES ('老社区', '', 34.7, 113.6, 'gcj02', 300)"
        )
        sql("INSERT INTO team (name, community_id) VALUES ('老队', 1)")

    with db.connection_context():
        yield at_step
    release()


def add_member(n: int, active: bool = True, seen: str | None = None, added: str = ADDED):
    """Member n (ids count from 1) of the team, as the first step wrote members."""
    sql(
        "INSERT INTO member (name, phone, team_id, role, active, oa_reachable, "
        "last_interaction_at, created_at) VALUES (?, ?, 1, 'member', ?, ?, ?, ?)",
        f"党员{n}",
        f"1380000000{n}",
        active,
        True,
        seen,
        added,
    )


def add_check_in(member_id: int, at: str) -> None:
    sql(
        "INSERT INTO service_record (member_id, kind, checkin_at, checkin_coord_type, "
        "content, target, outcome, status, flags, source, registration_reason, "
        "created_at, updated_at) VALUES (?, 'individual', ?, 'gcj02', '清扫', '居民', "
        "'干净', 'verified', '[]', 'mp', '', ?, ?)",
        member_id,
        at,
        at,
        at,
    )


def test_schema_steps_build_exactly_the_models(database):
    assert not _resolve_diff(db.obj, "models:MODELS")
    # the newest step's number: steps made on branches side by side may leave a gap
    assert schema_version() == int(runner().migrations()[-1].name[:4])


def test_upgrade_keeps_data_written_at_version_1(upgrade_from):
    upgrade_from("0001_initial")
    assert schema_version() == 1
    add_member(0)
    add_check_in(1, "2026-01-02 01:00:00")
    assert pending_migrations()
    runner().up()
    assert pending_migrations() == []
    record = ServiceRecord.get()
    assert record.member.name == "党员0"
    assert record.content == "清扫"
    assert record.review_comment == ""
    assert record.distance_m is None


def test_the_newest_step_goes_down_and_up_again(database):
    newest = runner().migrations()[-1].name
    runner().down()  # the most recent step only
    assert pending_migrations() == [newest]
    runner().up()
    assert pending_migrations() == [] and not _resolve_diff(db.obj, "models:MODELS")


def test_version_9_names_the_office_login_that_published_each_earlier_activity(upgrade_from):
    """Filled in from the audit log where the login still exists; a leader's activity, one
    whose login is gone and one the log does not mention stay without an office login."""
    upgrade_from("0008_activity_cancel_reason")
    sql(
        "INSERT INTO account (username, display_name, password_hash, role, active, "
        "failed_logins, created_at) VALUES ('clerk', '李科员', '-', 'office', ?, 0, ?)",
        True,
        ADDED,
    )
    for n in range(1, 5):
        sql(
            "INSERT INTO activity (title, category, kind, description, starts_at, ends_at, "
            "place, coord_type, status, cancel_reason, created_at) VALUES (?, 'other', "
            "'adhoc', '', '2026-01-02 01:00:00', '2026-01-02 03:00:00', '', 'gcj02', "
            "'scheduled', '', ?)",
            f"任务{n}",
            ADDED,
        )
    for actor, activity_id in (("office:1", 1), ("member:7", 2), ("office:9", 3)):
        sql(
            "INSERT INTO audit_log (at, actor, action, object_type, object_id, detail) "
            "VALUES (?, ?, 'activity_create', 'activity', ?, '{}')",
            ADDED,
            actor,
            str(activity_id),
        )
    runner().up()
    published = dict(Activity.select(Activity.id, Activity.created_by_account).tuples())
    assert published == {1: 1, 2: None, 3: None, 4: None}


def test_version_10_keeps_void_the_codes_the_old_rule_voided(upgrade_from):
    """Five wrong tries voided a code for good, and its holder was told so: the step expires
    such a code, unused and not yet expired, rather than let the new 200-try life open it
    again. Codes with fewer tries, used codes and codes already expired stay as they were."""
    upgrade_from("0009_activity_created_by_account")
    live, gone = datetime(2099, 1, 1), datetime(2026, 1, 2)
    codes = [  # (failed tries, used, expires)
        (5, None, live),  # voided by the old rule: expired by the step
        (9, None, live),  # the same
        (4, None, live),  # still good
        (7, ADDED, live),  # used to bind: its time left is no matter
        (6, None, gone),  # expired before: keeps its time
    ]
    for n, (tries, used, expires) in enumerate(codes, 1):
        add_member(n)
        sql(
            "INSERT INTO bind_code (member_id, code, expires_at, used_at, failed_attempts, "
            "created_at) VALUES (?, '123456', ?, ?, ?, ?)",
            n,
            str(expires),
            used,
            tries,
            ADDED,
        )
    before = clock.now_utc()
    runner().up()
    after = clock.now_utc() + timedelta(seconds=1)
    expires = [c.expires_at for c in BindCode.select().order_by(BindCode.id)]
    assert all(before <= t <= after for t in expires[:2]), expires
    assert expires[2:] == [live, live, gone]


def test_members_already_inactive_get_the_last_day_they_were_known_to_be_there(upgrade_from):
    """Step 11 keeps the day a member left; those who had left before it get the Shanghai day
    of their latest check-in or WeChat interaction, or the day they were added."""
    upgrade_from("0001_initial")
    add_member(0, True, "2026-09-01 02:00:00")  # still active
    add_member(1, False, "2026-03-31 17:00:00")  # 1 April in Shanghai
    add_member(2, False)  # a check-in later than any interaction
    add_member(3, False, added="2026-02-01 00:00:00")  # nothing but the day added
    for day in ("2026-05-01 01:00:00", "2026-06-20 16:30:00"):  # the later: 21 June
        add_check_in(3, day)
    runner().up(target="0011_member_left_on")
    left = [row[0] for row in db.execute_sql("SELECT left_on FROM member ORDER BY id")]
    assert [day and clock.as_date(day) for day in left] == [
        None,
        date(2026, 4, 1),
        date(2026, 6, 21),
        date(2026, 2, 1),
    ]


def test_version_13_keeps_the_ratings_given_before_it(upgrade_from):
    """Step 13 adds the feedback pages' columns: earlier ratings keep their state, have no
    form id (several may lack one) and were moderated by nobody."""
    upgrade_from("0012_subscription_reports")
    for rating, moderation in ((5, "approved"), (2, "pending")):
        sql(
            "INSERT INTO feedback (target_kind, team_id, rating, comment, moderation, "
            "created_at) VALUES ('team', 1, ?, '好', ?, ?)",
            rating,
            moderation,
            ADDED,
        )
    runner().up()
    rows = [
        (f.rating, f.moderation, f.form_id, f.client_key, f.moderated_by_id)
        for f in Feedback.select().order_by(Feedback.id)
    ]
    assert rows == [(5, "approved", None, "", None), (2, "pending", None, "", None)]


def test_version_15_gives_page_ratings_their_day_and_keeps_the_later_of_a_race(upgrade_from):
    """Step 15 makes one rating per phone per target a day the database's rule: a page
    rating gets its target and Shanghai day; where a race had left a phone two ratings of
    a target on one day, the later stands and the earlier goes. Ratings without a phone's
    key (before the pages) get no day, however many."""
    upgrade_from("0014_report_review")
    add_member(1)
    rows = [  # (member rated or the team, phone's key, rating, when)
        (None, "phone-a", 2, "2026-03-01 16:30:00"),  # 00:30 on 2 March in Shanghai
        (None, "phone-a", 4, "2026-03-02 15:00:00"),  # 23:00 the same day: stands
        (None, "phone-a", 5, "2026-03-02 16:30:00"),  # 00:30 on 3 March
        (None, "phone-b", 3, "2026-03-02 01:00:00"),  # another phone
        (1, "phone-a", 1, "2026-03-02 01:00:00"),  # another target
        (None, "", 5, ADDED),  # before the pages: no key
        (None, "", 4, ADDED),
    ]
    for member, key, rating, at in rows:
        kind = "member" if member else "team"
        sql(
            "INSERT INTO feedback (target_kind, member_id, team_id, rating, comment, "
            "moderation, created_at, client_key, held_reason, moderation_note) "
            "VALUES (?, ?, ?, ?, '', 'approved', ?, ?, '', '')",
            kind,
            member,
            None if member else 1,
            rating,
            at,
            key,
        )
    runner().up()
    kept = [
        (f.rating, f.target_key, f.rated_on, f.ip_key)
        for f in Feedback.select().order_by(Feedback.id)
    ]
    assert kept == [
        (4, "team:1", date(2026, 3, 2), ""),
        (5, "team:1", date(2026, 3, 3), ""),
        (3, "team:1", date(2026, 3, 2), ""),
        (1, "member:1", date(2026, 3, 2), ""),
        (5, "team:1", None, ""),
        (4, "team:1", None, ""),
    ]


def test_version_18_drops_the_unused_commendation_text_and_keeps_the_decisions(upgrade_from):
    """Step 18 drops `commendation`, a text nothing wrote or read since `commended` (step 16)
    took its place; each decision stays whole and the table still refuses a row of neither a
    member nor a team (SQLite rebuilds nothing it need not)."""
    upgrade_from("0016_annual_assessment")
    add_member(1)
    sql(
        "INSERT INTO assessment (year, member_id, commendation, note, grade, commended, "
        "decided_at, version) VALUES (2026, 1, '优秀党员', '全年坚持走访', 'excellent', ?, ?, 2)",
        True,
        ADDED,
    )
    runner().up()
    assert "commendation" not in {c.name for c in db.get_columns("assessment")}
    kept = Assessment.get()
    assert (kept.member_id, kept.grade, kept.commended, kept.note, kept.version) == (
        1,
        "excellent",
        True,
        "全年坚持走访",
        2,
    )
    with pytest.raises(peewee.IntegrityError), db.atomic():
        Assessment.create(year=2026)


def test_version_19_keeps_the_answer_of_the_form_that_last_set_each_rating(upgrade_from):
    """Step 19 remembers each page form's last answer: a rating that still keeps its phone's
    key brings its form's, so a retry of that form after the upgrade is a retry still. A
    rating whose keys were forgotten, or one without a form, brings none."""
    upgrade_from("0018_assessment_without_commendation_text")
    rows = [  # (form id, phone's key, rating, comment)
        ("form-a", "phone-a", 4, "还行"),
        ("form-b", "", 2, ""),  # keys forgotten
        (None, "", 5, "好"),  # before the pages
    ]
    for form_id, key, rating, comment in rows:
        sql(
            "INSERT INTO feedback (target_kind, team_id, rating, comment, moderation, "
            "created_at, form_id, client_key, held_reason, moderation_note, target_key, "
            "ip_key) VALUES ('team', 1, ?, ?, 'approved', ?, ?, ?, '', '', 'team:1', '')",
            rating,
            comment,
            ADDED,
            form_id,
            key,
        )
    runner().up()
    kept = [(f.form_id, f.feedback_id, f.rating, f.comment, f.at) for f in FeedbackForm.select()]
    assert kept == [("form-a", 1, 4, "还行", datetime(2026, 1, 1))]


def test_version_21_gives_each_member_the_spell_the_old_columns_said(upgrade_from):
    """Step 21 keeps every spell: each member gets the one the member row described, from the
    Shanghai day they were added, so every quarter counts whom it counted before. One who
    left before days of leaving were kept, counted in no quarter, gets none."""
    upgrade_from("0020_outbox_held_change")
    add_member(0, added="2026-03-31 17:00:00")  # 1 April in Shanghai
    add_member(1, False, added="2026-01-05 02:00:00")
    add_member(2, False)
    add_member(3, False, added="2026-06-01 00:00:00")  # gone on a day before they were added
    for member_id, day in ((2, "2026-05-20"), (4, "2026-03-01")):
        sql("UPDATE member SET left_on = ? WHERE id = ?", date.fromisoformat(day), member_id)

    runner().up()

    kept = MemberSpell.select(MemberSpell.member, MemberSpell.joined_on, MemberSpell.left_on)
    assert list(kept.order_by(MemberSpell.member).tuples()) == [
        (1, date(2026, 4, 1), None),
        (2, date(2026, 1, 5), date(2026, 5, 20)),
        (4, date(2026, 6, 1), date(2026, 3, 1)),  # counted where it was: by the same rule
    ]
    assert [m.active for m in Member.select().order_by(Member.id)] == [True, False, False, False]


def test_version_21_going_down_puts_back_the_last_day_of_leaving(upgrade_from):
    upgrade_from("0020_outbox_held_change")
    add_member(0)
    add_member(1, False)
    sql("UPDATE member SET left_on = ? WHERE id = 2", date(2026, 1, 20))
    runner().up()
    MemberSpell.create(member=2, joined_on=date(2026, 2, 1), left_on=date(2026, 3, 10))

    runner().down()

    left = [row[0] for row in db.execute_sql("SELECT left_on FROM member ORDER BY id")]
    assert [day and clock.as_date(day) for day in left] == [None, date(2026, 3, 10)]
    assert not db.table_exists("member_spell")
