"""The places a member who leaves gives up: their enrolments and assignments in activities not
started yet. Those held seats against the capacity and filled the leader's list, and the
reminders and assignment notices about them would go to someone who has left. Activities
under way, over or cancelled keep theirs: that is the record of who was there and who was told;
so does one not started that the member has checked in for already (check-in opens before the
start).

The roster import lists them in its plan (services.roster_plan) and gives them up when it
applies it, in the same transaction.
"""

from dataclasses import dataclass
from datetime import datetime

import peewee as pw
from peewee import fn

from models import Activity, Enrollment, Member, ServiceRecord

from . import member_notices
from .activity_reminders import when_text

REASON = "member_left"  # notification_texts.REASONS: withdrawn, 「队员已离队，未发送」


@dataclass(frozen=True)
class Seat:
    """A member's place in an activity that has not started."""

    activity_id: int
    title: str
    when: str  # as members read it: 12月1日（周二）09:00-11:00
    phone: str
    assigned: bool  # put there by the office or a leader, not enrolled by themselves


def seats_held(phones: set[str], now: datetime) -> list[Seat]:
    """The places these members hold in activities starting after `now` and not cancelled,
    by start time; but not where the member has checked in already (check-in opens before
    the start, services.checkin): the entry and its enrolment are the record that they came."""
    if not phones:
        return []
    query = (
        Enrollment.select(Enrollment.assigned, Activity, Member.phone)
        .join(Activity)
        .switch(Enrollment)
        .join(Member)
        .where(
            Member.phone.in_(sorted(phones))
            & (Activity.starts_at > now)
            & (Activity.status != "cancelled")
            & ~fn.EXISTS(_entries_of(Enrollment))
        )
        .order_by(Activity.starts_at, Activity.id, Member.id)
    )
    return [_seat(row) for row in query]


def _entries_of(enrolment) -> pw.Select:
    """The enrolled member's register entries in its activity."""
    return ServiceRecord.select(ServiceRecord.id).where(
        (ServiceRecord.activity == enrolment.activity) & (ServiceRecord.member == enrolment.member)
    )


def _seat(row: Enrollment) -> Seat:
    activity = row.activity
    return Seat(activity.id, activity.title, when_text(activity), row.member.phone, row.assigned)


def give_up(activity_id: int, member_id: int, now: datetime) -> None:
    """Remove the member's place in the activity and withdraw the notices about it that have
    not gone out (services.member_notices.withdraw_about)."""
    mine = (Enrollment.activity == activity_id) & (Enrollment.member == member_id)
    Enrollment.delete().where(mine).execute()
    member_notices.withdraw_about(activity_id, member_id, now, REASON)
