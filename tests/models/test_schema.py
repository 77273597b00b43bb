"""Schema steps: they build exactly the models' schema, and move a populated database forward
without losing anything."""

from datetime import date

from playhouse.migrations import _resolve_diff

from models import Activity, Member, ServiceRecord, db
from models.database import (
    bind,
    create_if_missing,
    make_database,
    pending_migrations,
    runner,
    schema_version,
)


def test_schema_steps_build_exactly_the_models(database):
    assert not _resolve_diff(db.obj, "models:MODELS")
    assert schema_version() == len(runner().migrations())


def test_upgrade_keeps_data_written_at_version_1(tmp_path):
    create_if_missing(f"sqlite:///{tmp_path / 'old.db'}")
    bind(make_database(f"sqlite:///{tmp_path / 'old.db'}"))
    with db.connection_context():
        runner().up(target="0001_initial")
        assert schema_version() == 1
        db.execute_sql(
            "INSERT INTO community (name, address, lat, lng, coord_type, radius_m) "
            "VALUES ('老社区', '', 34.7, 113.6, 'gcj02', 300)"
        )
        db.execute_sql("INSERT INTO team (name, community_id) VALUES ('老队', 1)")
        db.execute_sql(
            "INSERT INTO member (name, phone, team_id, role, active, oa_reachable, created_at) "
            "VALUES ('老党员', '13800000000', 1, 'leader', 1, 1, '2026-01-01 00:00:00')"
        )
        db.execute_sql(
            "INSERT INTO service_record (member_id, kind, checkin_at, checkin_coord_type, "
            "content, target, outcome, status, flags, source, registration_reason, "
            "created_at, updated_at) VALUES (1, 'individual', '2026-01-02 01:00:00', 'gcj02', "
            "'清扫', '居民', '干净', 'verified', '[]', 'mp', '', '2026-01-02 01:00:00', "
            "'2026-01-02 01:00:00')"
        )
        assert pending_migrations()
        runner().up()
        assert pending_migrations() == []
        record = ServiceRecord.get()
        assert record.member.name == "老党员"
        assert record.content == "清扫"
        assert record.review_comment == ""
        assert record.distance_m is None


def test_the_newest_step_goes_down_and_up_again(database):
    newest = runner().migrations()[-1].name
    runner().down()  # the most recent step only
    assert pending_migrations() == [newest]
    runner().up()
    assert pending_migrations() == [] and not _resolve_diff(db.obj, "models:MODELS")


def test_version_9_names_the_office_login_that_published_each_earlier_activity(tmp_path):
    """Filled in from the audit log where the login still exists; a leader's activity, one
    whose login is gone and one the log does not mention stay without an office login."""
    create_if_missing(f"sqlite:///{tmp_path / 'old.db'}")
    bind(make_database(f"sqlite:///{tmp_path / 'old.db'}"))
    with db.connection_context():
        runner().up(target="0008_activity_cancel_reason")
        db.execute_sql(
            "INSERT INTO account (username, display_name, password_hash, role, active, "
            "failed_logins, created_at) "
            "VALUES ('clerk', '李科员', '-', 'office', 1, 0, '2026-01-01 00:00:00')"
        )
        for n in range(1, 5):
            db.execute_sql(
                "INSERT INTO activity (title, category, kind, description, starts_at, ends_at, "
                "place, coord_type, status, cancel_reason, created_at) VALUES (?, 'other', "
                "'adhoc', '', '2026-01-02 01:00:00', '2026-01-02 03:00:00', '', 'gcj02', "
                "'scheduled', '', '2026-01-01 00:00:00')",
                (f"任务{n}",),
            )
        for actor, activity_id in (("office:1", 1), ("member:7", 2), ("office:9", 3)):
            db.execute_sql(
                "INSERT INTO audit_log (at, actor, action, object_type, object_id, detail) "
                "VALUES ('2026-01-01 00:00:00', ?, 'activity_create', 'activity', ?, '{}')",
                (actor, str(activity_id)),
            )
        runner().up()
        published = dict(Activity.select(Activity.id, Activity.created_by_account).tuples())
        assert published == {1: 1, 2: None, 3: None, 4: None}


def test_members_already_inactive_get_the_last_day_they_were_known_to_be_there(tmp_path):
    """Step 11 keeps the day a member left; those who had left before it get the Shanghai day
    of their latest check-in or WeChat interaction, or the day they were added."""
    create_if_missing(f"sqlite:///{tmp_path / 'old.db'}")
    bind(make_database(f"sqlite:///{tmp_path / 'old.db'}"))
    with db.connection_context():
        runner().up(target="0001_initial")
        db.execute_sql(
            "INSERT INTO community (name, address, lat, lng, coord_type, radius_m) "
            "VALUES ('老社区', '', 34.7, 113.6, 'gcj02', 300)"
        )
        db.execute_sql("INSERT INTO team (name, community_id) VALUES ('老队', 1)")
        members = [  # (active, last WeChat interaction, added)
            (1, "2026-09-01 02:00:00", "2026-01-01 00:00:00"),  # still active
            (0, "2026-03-31 17:00:00", "2026-01-01 00:00:00"),  # 1 April in Shanghai
            (0, None, "2026-01-01 00:00:00"),  # a check-in later than any interaction
            (0, None, "2026-02-01 00:00:00"),  # nothing but the day added
        ]
        for n, (active, seen, added) in enumerate(members):
            db.execute_sql(
                "INSERT INTO member (name, phone, team_id, role, active, oa_reachable, "
                "last_interaction_at, created_at) VALUES (?, ?, 1, 'member', ?, 1, ?, ?)",
                (f"党员{n}", f"1380000000{n}", active, seen, added),
            )
        for day in ("2026-05-01 01:00:00", "2026-06-20 16:30:00"):  # the later: 21 June
            db.execute_sql(
                "INSERT INTO service_record (member_id, kind, checkin_at, checkin_coord_type, "
                "content, target, outcome, status, flags, source, registration_reason, "
                "created_at, updated_at) VALUES (3, 'individual', ?, 'gcj02', '清扫', '居民', "
                "'干净', 'verified', '[]', 'mp', '', ?, ?)",
                (day, day, day),
            )
        runner().up()
        left = [m.left_on for m in Member.select().order_by(Member.id)]
    assert left == [None, date(2026, 4, 1), date(2026, 6, 21), date(2026, 2, 1)]
