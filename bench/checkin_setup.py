"""Data for the check-in benchmark: the demo programme plus ad-hoc tasks happening now, with
every benchmark member assigned to each, so every check-in is a legitimate one."""

import json
import sys
from datetime import timedelta
from pathlib import Path

from app import create_app
from models import Activity, Enrollment, Member, db
from models.database import upgrade
from services import clock
from services.demo import load_demo

ACTIVITY_POINT = (34.7512, 113.6338)  # GCJ-02, near the demo's 文化路社区


def setup(activities: int, members: int) -> list[int]:
    """Create the tasks and print their ids as JSON; returns them too."""
    app = create_app()
    settings = app.config["SETTINGS"]
    now = clock.now_utc()
    with app.app_context(), db.connection_context():
        upgrade()
        load_demo(Path(settings.storage.photo_dir), now)
        phones = [f"138000000{n:02d}" for n in range(1, members + 1)]
        people = list(Member.select().where(Member.phone.in_(phones)).order_by(Member.phone))
        ids = [_task(n, people, now).id for n in range(activities)]
    print(json.dumps(ids))
    return ids


def _task(n: int, people: list[Member], now) -> Activity:
    with db.atomic():
        task = Activity.create(
            title=f"压力测试任务{n + 1}",
            kind="adhoc",
            category="other",
            starts_at=now - timedelta(minutes=10),
            ends_at=now + timedelta(hours=3),
            lat=ACTIVITY_POINT[0],
            lng=ACTIVITY_POINT[1],
            radius_m=300,
            created_at=now,
        )
        rows = [
            {"activity": task, "member": m, "assigned": True, "created_at": now} for m in people
        ]
        Enrollment.insert_many(rows).execute()
    return task


if __name__ == "__main__":
    setup(int(sys.argv[1]), int(sys.argv[2]))
