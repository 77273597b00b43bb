"""Sender throughput: the outbox drained through the real channels to the WeChat emulator,
beside a bare wechatpy loop sending the same number of template messages to the same
emulator in the same run.

Each round queues `--messages` notifications for as many members (every member follows the
Official Account; every other one has granted a mini-program subscribe message, so sends are
mixed and half the rows first try a channel with no grant) and times one drain of them all:
claiming with a lease, loading, rendering, spending grants, sending over HTTP, recording the
outcome. The baseline is wechatpy's own client with a fixed token calling
message.send_template in a plain loop. The ratio is ours / bare in seconds per message, and
the difference is the sender's own cost per message; SQL statements per message are counted.

Run: .venv/bin/python -m bench.bench_sender [--messages 2000] [--rounds 3]
     [--database-url postgresql+pool://postgres@127.0.0.1:5432/test]
"""

import argparse
import os
import statistics
import tempfile
import time

from wechatpy import WeChatClient

from bench.bench_checkin import scratch_database
from models import Member, db
from models.database import bind, make_database, release, upgrade
from services import clock, grants
from services.outbox import Message, enqueue
from services.outbox_delivery import Policy, drain
from settings import load_settings
from wechat.channels import build_channels
from wechat.client import make_clients
from wechat.emulator import serve_emulator

OA = {"app_id": "wx_bench_oa", "app_secret": "bench-oa-secret", "token": "bench"}
MP = {"app_id": "wx_bench_mp", "app_secret": "bench-mp-secret"}
MP_TEMPLATE, OA_TEMPLATE = "tmpl-bench-mp", "tmpl-bench-oa"
PAYLOAD = {
    "title": "活动提醒",
    "lines": {"活动": "环境卫生整治", "时间": "12月5日 09:00", "地点": "幸福社区"},
    "page": "pages/activity/index?id=1",
}
DATA = {"thing1": {"value": "活动提醒"}, "thing2": {"value": "活动：环境卫生整治"}}


class StatementCounter:
    """Counts the SQL statements the database runs (peewee's one entry point)."""

    def __init__(self, database):
        self.count, self._database = 0, database
        self._original = database.execute_sql

    def __enter__(self):
        def counted(*args, **kwargs):
            self.count += 1
            return self._original(*args, **kwargs)

        self._database.execute_sql = counted
        return self

    def __exit__(self, *exc):
        self._database.execute_sql = self._original


def settings_for(database_url: str, emulator_url: str, messages: int):
    overrides = {
        "app": {"secret_key": "bench-secret-key-0123456789", "demo": "false"},
        "register": {"history_key": "bench-history-key-0123456789abcdef"},
        "database": {"url": database_url},
        "rules": {"quiet_hours": "off"},  # measure sending at any hour of the day
        "wechat": {
            "api_base_url": emulator_url,
            "token_storage": "memory",
            "official_account": OA,
            "mini_program": MP,
        },
        "notifications": {
            "mp_template_id": MP_TEMPLATE,
            "oa_template_id": OA_TEMPLATE,
            "batch_size": messages,
        },
    }
    return load_settings(os.devnull, env={}, overrides=overrides)


def make_members(count: int) -> list[int]:
    now = clock.now_utc()
    rows = [
        {
            "name": f"党员{i}",
            "phone": f"139{i:08d}",
            "mp_openid": f"mp-bench-{i}",
            "oa_openid": f"oa-bench-{i}",
            "created_at": now,
        }
        for i in range(count)
    ]
    with db.atomic():
        for start in range(0, count, 500):
            Member.insert_many(rows[start : start + 500]).execute()
    return [m.id for m in Member.select(Member.id).order_by(Member.id)]


def queue(member_ids: list[int], round_no: int, now) -> None:
    messages = [
        Message(mid, "activity_reminder", PAYLOAD, f"bench:{round_no}:{mid}") for mid in member_ids
    ]
    enqueue(messages, now, "off")
    for mid in member_ids[::2]:
        grants.add(mid, MP_TEMPLATE, now)


def time_ours(channels, policy, member_ids, round_no) -> tuple[float, int, dict]:
    now = clock.now_utc()
    queue(member_ids, round_no, now)
    with StatementCounter(db.obj) as statements:
        start = time.perf_counter()
        counts = drain(channels, now, policy, limit=len(member_ids))
        elapsed = time.perf_counter() - start
    assert counts.get("sent") == len(member_ids), counts
    return elapsed, statements.count, counts


def time_bare(emulator_url: str, token: str, count: int) -> float:
    """wechatpy's client, token given, send_template in a loop to the same emulator."""
    client = WeChatClient(OA["app_id"], OA["app_secret"], access_token=token, timeout=5)
    client.API_BASE_URL = emulator_url + "cgi-bin/"
    start = time.perf_counter()
    for i in range(count):
        client.message.send_template(f"oa-bench-{i}", OA_TEMPLATE, DATA)
    elapsed = time.perf_counter() - start
    client._http.close()
    return elapsed


def run(database_url: str, messages: int, rounds: int) -> None:
    emulator = serve_emulator(apps={OA["app_id"]: OA["app_secret"], MP["app_id"]: MP["app_secret"]})
    settings = settings_for(database_url, emulator.url, messages)
    bind(make_database(settings.database.url))
    upgrade()
    clients = make_clients(settings)
    channels = build_channels(clients, settings)
    policy = Policy.from_settings(settings)
    try:
        with db.connection_context():
            member_ids = make_members(messages)
            ours, bare, statements = [], [], []
            for round_no in range(rounds):
                elapsed, count, counts = time_ours(channels, policy, member_ids, round_no)
                ours.append(elapsed)
                statements.append(count)
                token = clients.official_account.access_token
                bare.append(time_bare(emulator.url, token, messages))
                emulator.state.calls.clear()
                print(
                    f"round {round_no + 1}: drain {elapsed:.2f} s {counts}, bare {bare[-1]:.2f} s"
                )
        report(
            messages,
            statistics.median(ours),
            statistics.median(bare),
            statistics.median(statements),
        )
    finally:
        clients.close()
        release()
        emulator.stop()


def report(messages: int, ours: float, bare: float, statements: float) -> None:
    per_ours, per_bare = ours / messages * 1e3, bare / messages * 1e3
    print(f"messages per run            {messages}")
    print(f"outbox drain                {messages / ours:8.0f} messages/s  {per_ours:.2f} ms each")
    print(f"bare wechatpy loop          {messages / bare:8.0f} messages/s  {per_bare:.2f} ms each")
    print(f"ratio (ours / bare)         {ours / bare:8.2f}x time per message")
    print(f"sender's own cost           {per_ours - per_bare:8.2f} ms per message")
    print(f"SQL statements per message  {statements / messages:8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default="", help="PostgreSQL; default a SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, scratch_database(args.database_url, tmp) as url:
        print(f"database: {'postgresql' if args.database_url else 'sqlite'}")
        run(url, args.messages, args.rounds)


if __name__ == "__main__":
    main()
