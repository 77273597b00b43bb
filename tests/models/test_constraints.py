"""The database itself refuses data that would make the register untrue."""

from datetime import date

import peewee
import pytest

from models import (
    Assessment,
    Feedback,
    Member,
    Notification,
    Pairing,
    QuarterlyReport,
    SubscriptionGrant,
    Team,
    db,
)
from models.database import pending_migrations, schema_version
from tests.factories import NOW, make_household, make_member, make_team, pair


def refused(create):
    """True when the database raises IntegrityError; the transaction is rolled back."""
    try:
        with db.atomic():
            create()
    except peewee.IntegrityError:
        return True
    return False


def test_schema_is_at_the_newest_version(database):
    assert schema_version() >= 1
    assert pending_migrations() == []


def test_phone_is_unique(database):
    make_member(phone="13800000001")
    assert refused(lambda: make_member(phone="13800000001"))


def test_openids_are_unique_but_may_be_empty(database):
    make_member(mp_openid="mp-1")
    make_member(mp_openid=None)
    make_member(mp_openid=None)
    assert refused(lambda: make_member(mp_openid="mp-1"))


def test_one_leader_per_team(database):
    team = make_team()
    make_member(team=team)
    assert refused(lambda: make_member(team=team, role="leader"))
    other = make_team()
    assert other.members.where(Member.role == "leader").count() == 1


def test_one_active_pairing_per_member_and_per_household(database):
    team = make_team()
    member, other = make_member(team=team), make_member(team=team)
    first = pair(member)
    assert refused(lambda: pair(member))
    assert refused(lambda: pair(other, first.household))
    Pairing.update(ended_on=date(2026, 6, 30)).where(Pairing.id == first.id).execute()
    assert not refused(lambda: pair(member))
    assert not refused(lambda: pair(other, first.household))


def test_foreign_keys_are_enforced(database):
    assert refused(lambda: Member.create(name="x", phone="1", team=999, created_at=NOW))
    team = make_team()
    assert refused(lambda: Team.delete().where(Team.id == team.id).execute())


def test_notification_dedupe_key_is_unique(database):
    def notify():
        Notification.create(
            kind="visit_reminder",
            dedupe_key="visit:1:2026-11",
            next_attempt_at=NOW,
            created_at=NOW,
        )

    notify()
    assert refused(notify)


@pytest.mark.parametrize("rating", [0, 6])
def test_feedback_rating_is_one_to_five(database, rating):
    assert refused(
        lambda: Feedback.create(target_kind="team", team=make_team(), rating=rating, created_at=NOW)
    )


def test_one_report_per_team_and_quarter(database):
    team = make_team()

    def report(quarter=4):
        QuarterlyReport.create(
            team=team, year=2026, quarter=quarter, deadline=date(2027, 1, 10), updated_at=NOW
        )

    report()
    assert refused(report)
    assert refused(lambda: report(quarter=5))


def test_grants_never_go_negative(database):
    grant = SubscriptionGrant.create(
        member=make_member(), template_id="tpl", remaining=1, updated_at=NOW
    )
    query = SubscriptionGrant.update(remaining=SubscriptionGrant.remaining - 2)
    assert refused(lambda: query.where(SubscriptionGrant.id == grant.id).execute())


def test_assessment_is_of_a_member_or_a_team_not_both(database):
    member, team = make_member(), make_team()
    assert refused(lambda: Assessment.create(year=2026, member=member, team=team))
    assert refused(lambda: Assessment.create(year=2026))
    Assessment.create(year=2026, member=member)
    assert refused(lambda: Assessment.create(year=2026, member=member))


def test_household_address_is_unique_within_a_community(database):
    household = make_household(address="幸福路1号")
    assert refused(lambda: make_household(community=household.community, address="幸福路1号"))
