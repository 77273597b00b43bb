"""Register entries named for people who pick them out of a list (the office's inbox and its
spot checks), where an id alone says nothing: who served, on which day and at what time in
Shanghai, and what - the activity's title, or a household visit, or a service of one's own.
One query for any number of entries."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import peewee as pw

from models import Activity, Member, ServiceRecord, Team

from . import clock
from .record_names import KIND_NAMES, entry_title
from .records import name_status
from .service_kinds import counted_kind

NO_TITLE = "集中活动"


@dataclass(frozen=True)
class EntryLabel:
    """What a person needs to recognise an entry, and its id to open it."""

    id: int
    member_id: int
    member_name: str
    team_name: str | None
    kind: str
    activity_id: int | None
    activity_title: str | None
    activity_kind: str | None
    checkin_at: datetime  # naive UTC
    status: str
    member_role: str  # with source, says whose review a waiting entry needs
    source: str

    @property
    def day(self) -> date:
        """The Shanghai day of the check-in."""
        return clock.local_today(self.checkin_at)

    @property
    def counted_kind(self) -> str:
        """The kind of service the entry counts as, as the register, summary and reports name
        it (services.service_kinds: an activity published as 分散活动 is a 分散活动)."""
        return counted_kind(self.kind, self.activity_kind)

    @property
    def kind_name(self) -> str:
        """counted_kind in Chinese: 集中活动, 结对走访 or 分散活动."""
        return KIND_NAMES.get(self.counted_kind, self.counted_kind)

    @property
    def what(self) -> str:
        if self.activity_id is not None:
            return self.activity_title or NO_TITLE
        return entry_title(self.kind)

    @property
    def status_name(self) -> str:
        """The status as GET /records names it (待队长审核, 待办公室审核, 已核验...)."""
        return name_status(self.status, self.member_role, self.source)

    @property
    def text(self) -> str:
        """「王建国 11月25日 09:30 社区义诊」."""
        local = clock.to_local(self.checkin_at)
        return f"{self.member_name} {local.month}月{local.day}日 {local:%H:%M} {self.what}"


# In the order of EntryLabel's fields.
COLUMNS = (
    ServiceRecord.id,
    Member.id,
    Member.name,
    Team.name,
    ServiceRecord.kind,
    ServiceRecord.activity,
    Activity.title,
    Activity.kind,
    ServiceRecord.checkin_at,
    ServiceRecord.status,
    Member.role,
    ServiceRecord.source,
)


def label_entries(ids: Iterable[int]) -> dict[int, EntryLabel]:
    """The entries among `ids` still in the register, by id (a deleted one is left out)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    R = ServiceRecord
    query = (
        R.select(*COLUMNS)
        .join(Member, on=(R.member == Member.id))
        .join(Team, pw.JOIN.LEFT_OUTER, on=(Member.team == Team.id))
        .switch(R)
        .join(Activity, pw.JOIN.LEFT_OUTER, on=(R.activity == Activity.id))
        .where(R.id.in_(wanted))
        .tuples()
    )
    return {row[0]: EntryLabel(*row) for row in query}
