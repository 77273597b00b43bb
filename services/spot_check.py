"""The office's daily spot check (日常抽查): each morning a share of the previous day's verified
register entries, closed (checked out), is picked at random and queued for the office to
look at.

"Yesterday" is the Shanghai day before `now`. The sample is drawn from a generator seeded by
a secret and the day: members cannot predict it, yet a repeat run that sees the same
entries picks the same ones, so even two runs at the same moment write one sample (the
spot check's unique record id keeps one row each). A later run on the same day adds
nothing: the day already has its sample (sampled_on). The message names only the record ids;
the inbox names the entries when it is read (services.outbox_report), and the office records
what it found in each through services.spot_check_results.
"""

import math
import random
from datetime import datetime, timedelta

from models import ServiceRecord, SpotCheck, db

from . import clock, outbox

KIND = "spot_check"


def sample_spot_checks(now: datetime, share: float, seed: str, quiet_hours: str) -> dict:
    """Pick today's sample (at least one entry when there are any) and tell the office; a
    day sampled already says how many were picked then (`already_sampled`), not a count of
    verified entries it did not look at."""
    today = clock.local_today(now)
    day = today - timedelta(days=1)
    earlier = SpotCheck.select().where(SpotCheck.sampled_on == today).count()
    if earlier:
        return {"day": day.isoformat(), "already_sampled": earlier}
    pool = _verified_on(day)
    picked = pick(pool, share, f"{seed}:{day.isoformat()}")
    if picked:
        with db.atomic():
            rows = [{"record": record_id, "sampled_on": today} for record_id in picked]
            SpotCheck.insert_many(rows).on_conflict_ignore().execute()
            outbox.enqueue([_notice(today, day, picked, len(pool))], now, quiet_hours)
    return {"day": day.isoformat(), "verified": len(pool), "sampled": len(picked)}


def pick(pool: list[int], share: float, seed: str) -> list[int]:
    """A random `share` of the ids (rounded up), the same for the same pool and seed."""
    count = math.ceil(len(pool) * share)
    return sorted(random.Random(seed).sample(sorted(pool), count))


def _verified_on(day) -> list[int]:
    """Ids of the entries checked in on a Shanghai day that are ready to be checked: closed
    (checked out) and verified. An open entry is `verified` only because its check-in raised
    no doubt; its check-out may still (late, short, away from the place), and its hours and
    register fields are not there yet, so the office would check half an entry."""
    R = ServiceRecord
    low, high = clock.local_midnight(day), clock.local_midnight(day + timedelta(days=1))
    query = R.select(R.id).where(
        (R.status == "verified")
        & R.checkout_at.is_null(False)
        & (R.checkin_at >= low)
        & (R.checkin_at < high)
    )
    return [row.id for row in query]


def _notice(today, day, picked: list[int], verified: int) -> outbox.Message:
    """The office's message; its title names the day sampled, not 今日: the inbox keeps it,
    and read a day later 今日抽查 would name the wrong day."""
    payload = {
        "title": f"{today.month}月{today.day}日抽查",
        "lines": {
            "抽查日期": f"{today.month}月{today.day}日",
            "抽取记录": f"{len(picked)} 条（{day.month}月{day.day}日已核验 {verified} 条）",
        },
        "record_ids": picked,
    }
    return outbox.Message(None, KIND, payload, f"{KIND}:{today.isoformat()}")
