"""Text-message throughput and latency of POST /wechat under gunicorn, beside three baselines.

In one run, for plaintext and for safe (AES) mode: our app (signature, replay window, parse,
durable dedupe by MsgId, member lookup, chat router, reply, encryption in safe mode), a bare
Flask app answering a fixed reply, WeRoBot's echo robot mounted in Flask, and the floor: the
goal's work (signature, parse, member lookup, durable write by MsgId) in raw sqlite3 and
nothing else, always on a SQLite file, the bound on what trimming ours could reach. Every server
has 2 sync gunicorn workers; a bounded client in this process sends `--connections` x
`--per-connection` signed pushes from the demo's bound members, every one a new MsgId, over
fresh loopback connections (sync workers close each one). The pushes say '帮助' by default:
the issue's work, a durable dedupe write and the member lookup (the help is tailored to member
or leader); `--texts 帮助,我的` alternates with '我的', which also sums the member's hours.
Pushes are built and encrypted before the clock starts, and sent and read over raw sockets, so
the client spends as little of the machine's CPU as possible.

Goal (issue 4): ours ahead of WeRoBot-in-Flask, never below 0.5x bare, p99 under 50 ms.
Ratios are medians of per-round ratios; latencies are pooled over every round.

Run: .venv/bin/python -m bench.bench_wechat [--connections 32] [--per-connection 60]
     [--rounds 5] [--texts 帮助,我的]
     [--database-url postgresql+pool://postgres@127.0.0.1:5432/test]
"""

import argparse
import contextlib
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from urllib.parse import urlencode

import xmltodict
from wechatpy.crypto import WeChatCrypto

from bench.bench_checkin import free_port, percentile, prepare, scratch_database, wait_ready
from bench.wechat_baselines import AES_KEY, APP_ID, APP_SECRET, TOKEN, prepare_floor
from wechat.protocol import sign

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
MODES = ("plain", "safe")
APPS = ("bare", "werobot", "floor", "ours")
BOUND_MEMBERS = 33  # the demo binds oa-demo-01 .. oa-demo-33
OA_USER = "gh_bench_oa"
_msg_ids = count(8_000_000_000_000_000_001)


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    errors: int = 0
    round_rates: list[float] = field(default_factory=list)

    def add_round(self, other: "Result") -> None:
        self.latencies += other.latencies
        self.wall += other.wall
        self.errors += other.errors
        self.round_rates.append(other.rate)

    def ratio(self, other: "Result") -> float:
        """The median over rounds of this rate over the other's in the same round."""
        pairs = zip(self.round_rates, other.round_rates, strict=True)
        return statistics.median(a / b for a, b in pairs)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall


def start_gunicorn(app_spec: str, port: int, workers: int, env: dict) -> subprocess.Popen:
    """gunicorn with sync workers, the deployment the issue measures."""
    command = [GUNICORN, "-w", str(workers), "-k", "sync", "-b", f"127.0.0.1:{port}"]
    command += ["--log-level", "warning", app_spec]
    return subprocess.Popen(command, cwd=ROOT, env=env)


def our_env(base: dict, mode: str, port: int) -> dict:
    """The app's settings: a real-looking Official Account in `mode`, demo emulator kept."""
    oa = "XIANFENG_WECHAT_OFFICIAL_ACCOUNT_"
    return base | {
        "XIANFENG_SERVER_PORT": str(port),
        "XIANFENG_APP_DEMO": "true",
        oa + "APP_ID": APP_ID,
        oa + "APP_SECRET": APP_SECRET,
        oa + "TOKEN": TOKEN,
        oa + "ENCODING_AES_KEY": AES_KEY,
        oa + "MESSAGE_MODE": mode,
    }


def signed_check() -> str:
    """The query of WeChat's URL check (GET /wechat), so readiness probes are not refused."""
    timestamp, nonce = str(int(time.time())), "1"
    query = {"signature": sign(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
    return urlencode({**query, "echostr": "ready"})


def push_xml(openid: str, content: str) -> str:
    now = int(time.time())
    return (
        f"<xml><ToUserName><![CDATA[{OA_USER}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{next(_msg_ids)}</MsgId></xml>"
    )


def http_request(port: int, xml: str, mode: str) -> bytes:
    """The raw HTTP request WeChat would send for `xml`: signed, encrypted in safe mode."""
    timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**9))
    openid = xmltodict.parse(xml)["xml"]["FromUserName"]
    query = {"signature": sign(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
    query["openid"] = openid
    body = xml
    if mode == "safe":
        sealed = WeChatCrypto(TOKEN, AES_KEY, APP_ID).encrypt_message(xml, nonce, timestamp)
        fields = xmltodict.parse(sealed)["xml"]
        query.update(encrypt_type="aes", msg_signature=fields["MsgSignature"])
        body = (
            f"<xml><ToUserName><![CDATA[{OA_USER}]]></ToUserName>"
            f"<Encrypt><![CDATA[{fields['Encrypt']}]]></Encrypt></xml>"
        )
    data = body.encode()
    head = (
        f"POST /wechat?{urlencode(query)} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: text/xml\r\nContent-Length: {len(data)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + data


def exchange(port: int, raw: bytes) -> bytes:
    """Send one request on a fresh connection and read the response until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(raw)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def is_reply(response: bytes) -> bool:
    """HTTP 200 with an XML reply (not 'success', which is what ours answers on an error)."""
    head, _, body = response.partition(b"\r\n\r\n")
    return head.startswith(b"HTTP/1.1 200") and body.lstrip().startswith(b"<xml>")


def requests_for(port: int, mode: str, connections: int, per_connection: int, texts) -> list:
    """Per connection, its pushes: connection c speaks as member c % 33 + 1, texts alternate."""
    plan = []
    for c in range(connections):
        openid = f"oa-demo-{c % BOUND_MEMBERS + 1:02d}"
        said = [texts[(c + i) % len(texts)] for i in range(per_connection)]
        plan.append([http_request(port, push_xml(openid, t), mode) for t in said])
    return plan


def load(port: int, plan: list) -> Result:
    """Send every connection's pushes in its own thread, all starting together."""
    result, lock = Result(), threading.Lock()
    gate = threading.Barrier(len(plan) + 1)

    def client(raws: list[bytes]) -> None:
        latencies, errors = [], 0
        gate.wait()
        for raw in raws:
            start = time.perf_counter()
            try:
                ok = is_reply(exchange(port, raw))
            except OSError:
                ok = False
            latencies.append(time.perf_counter() - start)
            errors += 0 if ok else 1
        with lock:
            result.latencies += latencies
            result.errors += errors

    threads = [threading.Thread(target=client, args=(raws,)) for raws in plan]
    for thread in threads:
        thread.start()
    gate.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    result.wall = time.perf_counter() - start
    return result


def check_reply(port: int, mode: str) -> str:
    """The text our app answers to one '帮助' push (decrypted in safe mode): proof of the path."""
    response = exchange(port, http_request(port, push_xml("oa-demo-01", "帮助"), mode))
    if not is_reply(response):
        raise RuntimeError(f"no reply from our app in {mode} mode: {response[:300]!r}")
    fields = xmltodict.parse(response.partition(b"\r\n\r\n")[2])["xml"]
    if "Encrypt" in fields:
        crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
        plain = crypto.decrypt_message(
            fields, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"]
        )
        fields = xmltodict.parse(plain)["xml"]
    return fields["Content"]


def line(name: str, result: Result, bare: Result) -> str:
    ms = [x * 1000 for x in result.latencies]
    return (
        f"  {name:8} {len(ms):6} requests {result.rate:8.1f} req/s  "
        f"p50 {statistics.median(ms):6.1f} ms  p99 {percentile(ms, 0.99):6.1f} ms  "
        f"errors {result.errors:3}  {result.ratio(bare):5.2f}x bare"
    )


def verdict(results: dict[str, Result]) -> str:
    ours, robot, bare = results["ours"], results["werobot"], results["bare"]
    floor = results["floor"]
    p99 = percentile(ours.latencies, 0.99) * 1000
    goals = [
        ("ahead of WeRoBot", ours.ratio(robot) > 1),
        (">= 0.5x bare", ours.ratio(bare) >= 0.5),
        ("p99 < 50 ms", p99 < 50),
        ("no errors", ours.errors == 0),
    ]
    marks = ", ".join(f"{name} {'yes' if ok else 'NO'}" for name, ok in goals)
    return (
        f"  ours/bare {ours.ratio(bare):.2f}  WeRoBot/bare {robot.ratio(bare):.2f}  "
        f"ours/WeRoBot {ours.ratio(robot):.2f}  floor/WeRoBot {floor.ratio(robot):.2f}  "
        f"goals: {marks}"
    )


@contextlib.contextmanager
def servers(args, tmp: str, database_url: str):
    """Every server of the run, keyed (app, mode) -> port; stopped on the way out."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("XIANFENG_")} | {
        "XIANFENG_DATABASE_URL": database_url,
        "XIANFENG_STORAGE_PHOTO_DIR": f"{tmp}/photos",
        "XIANFENG_APP_SECRET_KEY": "bench-secret-0123456789",
        "XIANFENG_APP_DATA_DIR": tmp,
        "XIANFENG_APP_LOG_LEVEL": "WARNING",
        "XIANFENG_SCHEDULER_EMBEDDED": "false",
    }
    prepare(our_env(base, "plain", free_port()), 0, 0)  # migrations and the demo programme
    specs = {("bare", mode): ("bench.wechat_baselines:bare_app()", base) for mode in MODES}
    floor_db = f"{tmp}/floor.db"
    prepare_floor(floor_db)
    for mode in MODES:
        specs["werobot", mode] = (f"bench.wechat_baselines:werobot_app('{mode}')", base)
        specs["floor", mode] = (f"bench.wechat_baselines:floor_app('{mode}', '{floor_db}')", base)
    ports, processes = {}, []
    try:
        for (app, mode), (spec, env) in specs.items():
            port = ports[app, mode] = free_port()
            processes.append(start_gunicorn(spec, port, args.workers, env))
        for mode in MODES:
            port = ports["ours", mode] = free_port()
            env = our_env(base, mode, port)
            processes.append(start_gunicorn("app:create_app()", port, args.workers, env))
        for port in ports.values():
            wait_ready(f"http://127.0.0.1:{port}/wechat?{signed_check()}")
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=15)


def measure(args, ports: dict) -> dict[str, dict[str, Result]]:
    """Each round runs, per mode, bare then WeRoBot then ours. Ratios are the median over
    rounds of each round's ratio (a busy second on a shared machine moves one round of all three
    apps alike); latencies are pooled over the rounds."""
    results = {mode: {app: Result() for app in APPS} for mode in MODES}
    for mode in MODES:
        for app in APPS:  # warm up: imports on first use, database connections
            load(ports[app, mode], requests_for(ports[app, mode], mode, 4, 5, args.texts))
    for _ in range(args.rounds):
        for mode in MODES:
            for app in APPS:
                port = ports[app, mode]
                plan = requests_for(port, mode, args.connections, args.per_connection, args.texts)
                results[mode][app].add_round(load(port, plan))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--per-connection", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--texts", default="帮助", help="comma-separated, sent in turn")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    args.texts = args.texts.split(",")
    with (
        tempfile.TemporaryDirectory() as tmp,
        scratch_database(args.database_url, tmp) as database_url,
        servers(args, tmp, database_url) as ports,
    ):
        for mode in MODES:
            reply = check_reply(ports["ours", mode], mode).replace("\n", " ")
            print(f"ours ({mode}) answers 帮助 with: {reply[:40]}…")
        results = measure(args, ports)
    print(
        f"{args.connections} connections x {args.per_connection} pushes x {args.rounds} round(s), "
        f"{args.workers} sync gunicorn workers each, {os.cpu_count()} CPUs, "
        f"database {database_url.split(':')[0]}, texts {'/'.join(args.texts)}"
    )
    for mode in MODES:
        print(f"{mode}:")
        bare = results[mode]["bare"]
        for app in APPS:
            print(line(app, results[mode][app], bare))
        print(verdict(results[mode]))


if __name__ == "__main__":
    main()
