"""What the demo's loaders share (services.demo, services.demo_quarter): rows found by their
natural key before anything is made, counted per table, and an entry's photo kept on disk."""

from collections import Counter
from dataclasses import asdict
from datetime import datetime, time, timedelta
from pathlib import Path

from models import Photo, ServiceRecord
from services import demo_data as data
from services.clock import local_today, to_local, to_utc
from services.photos import store_photo


class Tally:
    """Finds rows by natural key or creates them, counting which happened per table."""

    def __init__(self):
        self.created, self.existing = Counter(), Counter()

    def ensure(self, model, key: dict, **values):
        row = model.get_or_none(*[getattr(model, name) == value for name, value in key.items()])
        if row is not None:
            self.existing[model._meta.table_name] += 1
            return row
        self.created[model._meta.table_name] += 1
        return model.create(**key, **values)


def keep_photo(record: ServiceRecord, seed: int, root: str | Path, tally: Tally) -> None:
    """The record's photo; stored again if its file went missing from the photo folder (the
    same picture for the same seed and time, so the same file under the same key)."""
    photo = Photo.get_or_none(Photo.record == record)
    if photo is not None and (Path(root) / photo.storage_key).is_file():
        tally.existing["photo"] += 1
        return
    image = data.scene_jpeg(seed, to_local(record.checkin_at))
    stored = store_photo(image, root, record.checkin_at)
    tally.ensure(Photo, {"record": record}, **asdict(stored), created_at=record.checkin_at)


def local_at(now: datetime, days: int, hour: int) -> datetime:
    """Naive UTC for `hour` o'clock Shanghai time, `days` from today in Shanghai."""
    return to_utc(datetime.combine(local_today(now) + timedelta(days=days), time(hour)))
