"""Check-in throughput and latency under gunicorn, beside a bare Flask upload endpoint.

Both apps run under gunicorn with the same workers (sync by default; --threads N for gthread)
and receive the same realistic phone photo (1920x1440 JPEG, 300-500 KB) from the same number
of concurrent clients, in the same run. Goal (issue 3): check-in p95 <= 150 ms and >= 40% of
the bare endpoint's throughput.

Two more columns run beside them:
- bare+parser: the bare endpoint on our app's upload parser (api.form_request, faster than
  Flask's own), to show how much of our ratio the parser alone gives;
- the floor (bench.bare_upload.floor_app): on our parser, the photo checked and stored as the
  issue asks and one raw row, nothing else; how far trimming ours could go on this machine.

The photos and the SQLite file go in a scratch folder inside the checkout's instance/ folder,
where the service keeps them by default (config.example.toml: photo_dir = "instance/photos"), or
under --scratch. The run prints what storing one photo file costs there: on this shared machine,
creating a file costs from under 0.2 ms to over 1 ms of CPU depending on the folder and the hour
(the same disk throughout; /tmp is often the slowest), which moves the check-in and the floor but
not the bare uploads.

Rounds of the bare uploads, the floor and check-ins alternate, so a busy moment on a shared machine
moves one round of each alike; the figure is the median round's ratio. Each round also reports
the CPU time the app's gunicorn processes spent per request, which moves less than throughput
when other work shares the machine.

Run: .venv/bin/python -m bench.bench_checkin [--clients 8] [--workers 2] [--per-client 40]
     [--rounds 5]
     [--database-url postgresql+pool://postgres@127.0.0.1:5432/test]
     [--scratch /tmp]   (the scratch folder's place)
"""

import argparse
import contextlib
import io
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
MEMBERS_PER_CLIENT = 4  # 8 clients x 4 = 32 of the demo's 33 bound members
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def phone_photo() -> bytes:
    """A 1920x1440 JPEG of 300-500 KB: smooth gradients with noise, like a real scene."""
    rng = random.Random(7)
    small = Image.new("RGB", (96, 72))
    small.putdata(
        [(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(96 * 72)]
    )
    image = small.resize((1920, 1440), Image.Resampling.BICUBIC)
    noise = Image.effect_noise((1920, 1440), 24).convert("RGB")
    image = Image.blend(image, noise, 0.12)
    for quality in (85, 80, 75, 70, 65, 60):
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality)
        if buffer.tell() <= 500_000:
            return buffer.getvalue()
    return buffer.getvalue()


def variant(photo: bytes, n: int) -> bytes:
    """The same photo with a JPEG comment holding n after its start marker, so every upload is
    new and still a valid JPEG (bytes changed in the image data can form a bogus marker)."""
    return photo[:2] + b"\xff\xfe\x00\x0a" + n.to_bytes(8, "big") + photo[2:]


def wait_ready(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def start_gunicorn(
    app_spec: str, port: int, workers: int, threads: int, env: dict
) -> subprocess.Popen:
    """gunicorn with sync workers (threads=1) or gthread workers, the same for both apps."""
    kind = ["-k", "gthread", "--threads", str(threads)] if threads > 1 else ["-k", "sync"]
    command = [GUNICORN, "-w", str(workers), *kind, "-b", f"127.0.0.1:{port}"]
    command += ["--log-level", "warning", app_spec]
    return subprocess.Popen(command, cwd=ROOT, env=env)


@contextlib.contextmanager
def scratch_database(url: str, tmp: str):
    """A SQLite file in tmp, or a fresh schema of its own in the PostgreSQL named by url."""
    from models.database import create_if_missing, make_database

    if not url:
        create_if_missing(f"sqlite:///{tmp}/bench.db")  # connecting never makes one
        yield f"sqlite:///{tmp}/bench.db"
        return

    schema = f"xianfeng_bench_{os.getpid()}"
    admin = make_database(url)
    admin.execute_sql(f"CREATE SCHEMA {schema}")
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        admin.execute_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


def prepare(env: dict, activities: int, members: int) -> list[int]:
    """The demo programme plus enough tasks happening now for every check-in (in a child
    process with the servers' environment); returns the task ids."""
    command = [sys.executable, "-m", "bench.checkin_setup", str(activities), str(members)]
    done = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_clients(send, clients: int, per_client: int) -> tuple[list[float], float, int]:
    """Latencies (s), wall time (s) and error count of clients x per_client requests."""
    latencies, errors, lock = [], [0], threading.Lock()

    def worker(c: int):
        session = requests.Session()
        for i in range(per_client):
            start = time.perf_counter()
            ok = send(session, c, i)
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                errors[0] += 0 if ok else 1

    threads = [threading.Thread(target=worker, args=(c,)) for c in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, time.perf_counter() - start, errors[0]


def file_creation_cost(folder: str, photo: bytes, count: int = 200) -> float:
    """CPU seconds to store one photo-sized file in folder the way services.photos does (a new
    temporary file, then a rename), the median of a few rounds."""
    from services.photos import write_once

    rounds = []
    for r in range(5):
        start = time.process_time()
        for i in range(count):
            write_once(Path(folder) / f"cost-{r}-{i}.jpg", photo)
        rounds.append((time.process_time() - start) / count)
    for path in Path(folder).glob("cost-*.jpg"):
        path.unlink()
    return statistics.median(rounds)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def line(name, latencies, wall, errors) -> tuple[str, float]:
    rate = len(latencies) / wall
    text = (
        f"{name:12} {len(latencies):5} requests  {rate:7.1f} req/s  "
        f"p50 {statistics.median(latencies) * 1000:6.1f} ms  "
        f"p95 {percentile(latencies, 0.95) * 1000:6.1f} ms  errors {errors}"
    )
    return text, rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="per worker; 1 = sync workers")
    parser.add_argument("--per-client", type=int, default=40, help="requests per client a round")
    parser.add_argument("--rounds", type=int, default=5, help="bare and check-in, alternating")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--scratch", default=str(ROOT / "instance"), help="photos' folder")
    args = parser.parse_args()
    photo = phone_photo()
    Path(args.scratch).mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(dir=args.scratch, prefix="bench-") as tmp,
        scratch_database(args.database_url, tmp) as database_url,
    ):
        port, bare_port, floor_port, parser_port = (free_port() for _ in range(4))
        env = {k: v for k, v in os.environ.items() if not k.startswith("XIANFENG_")} | {
            "XIANFENG_DATABASE_URL": database_url,
            "XIANFENG_STORAGE_PHOTO_DIR": f"{tmp}/photos",
            "XIANFENG_APP_SECRET_KEY": "bench-secret-0123456789",
            "XIANFENG_APP_DATA_DIR": tmp,
            "XIANFENG_APP_LOG_LEVEL": "WARNING",
            "XIANFENG_SCHEDULER_EMBEDDED": "false",
            "XIANFENG_SERVER_PORT": str(port),
        }
        members = args.clients * MEMBERS_PER_CLIENT
        per_client = args.per_client * args.rounds
        activity_ids = prepare(env, per_client // MEMBERS_PER_CLIENT + 1, members)
        servers = [
            start_gunicorn("app:create_app()", port, args.workers, args.threads, env),
            start_gunicorn("bench.bare_upload:app", bare_port, args.workers, args.threads, env),
            start_gunicorn(
                "bench.bare_upload:same_parser_app()", parser_port, args.workers, args.threads, env
            ),
            start_gunicorn(
                f"bench.bare_upload:floor_app('{tmp}')", floor_port, args.workers, args.threads, env
            ),
        ]
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(base + "/healthz")
            wait_ready(f"http://127.0.0.1:{bare_port}/")
            wait_ready(f"http://127.0.0.1:{floor_port}/")
            wait_ready(f"http://127.0.0.1:{parser_port}/")
            tokens = [login(base, n) for n in range(1, members + 1)]
            print(
                f"photo {len(photo) // 1024} KB, {args.clients} clients, "
                f"{args.workers} gunicorn workers, database {env['XIANFENG_DATABASE_URL'][:10]}, "
                f"{args.rounds} rounds of {args.clients * args.per_client} requests each"
            )
            cost = file_creation_cost(tmp, photo)
            print(f"scratch folder {tmp}: storing a photo file costs {cost * 1000:.2f} ms of CPU")
            ours, bare, parser, floor = (server.pid for server in servers)
            senders = {
                "bare": (bare_sender(bare_port, photo), bare),
                "bare+parser": (bare_sender(parser_port, photo), parser),
                "floor": (bare_sender(floor_port, photo), floor),
                "check-in": (
                    checkin_sender(base, tokens, activity_ids, photo, args.clients),
                    ours,
                ),
            }
            rounds = [measure_round(senders, r * args.per_client, args) for r in range(args.rounds)]
            summarize(rounds)
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=10)


def measure_round(senders: dict, offset: int, args) -> dict:
    """One round of each sender in turn (request numbers from offset on, so no round repeats
    a request_id or a task), each printed; their results."""
    results = {}
    for name, (send, server) in senders.items():
        cpu_before, database_before = server_cpu(server), database_cpu()
        latencies, wall, errors = run_clients(
            lambda session, c, i, send=send: send(session, c, offset + i),
            args.clients,
            args.per_client,
        )
        cpu = (server_cpu(server) - cpu_before) / len(latencies)
        text, rate = line(name, latencies, wall, errors)
        database = ""
        if args.database_url:
            spent = (database_cpu() - database_before) / len(latencies)
            database = f"  postgres cpu {spent * 1000:5.2f} ms/request"
        print(f"{text}  server cpu {cpu * 1000:5.2f} ms/request{database}")
        results[name] = (latencies, rate, errors, cpu)
    return results


def server_cpu(pid: int) -> float:
    """CPU seconds used so far by a gunicorn master and its workers (Linux /proc): a steadier
    measure than throughput on a shared machine, since time spent waiting for the CPU is not
    counted."""
    return _cpu(lambda proc, name, parent: proc == str(pid) or parent == str(pid))


def database_cpu() -> float:
    """CPU seconds used so far by every PostgreSQL process on this machine: with the database
    on the benchmark's own cores, its work competes with the workers' as SQLite's, done inside
    the workers, does not."""
    return _cpu(lambda proc, name, parent: name == "postgres")


def _cpu(chosen) -> float:
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, _, tail = stat.read_text().rpartition(")")
        except OSError:  # the process ended while we looked
            continue
        fields = tail.split()
        if chosen(stat.parent.name, head.partition("(")[2], fields[1]):
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def summarize(rounds: list[dict]) -> None:
    """The median round's ratio, and the p95 over every check-in of every round."""
    ratios = sorted(r["check-in"][1] / r["bare"][1] for r in rounds)
    floor = statistics.median(r["floor"][1] / r["bare"][1] for r in rounds)
    same_parser = statistics.median(r["check-in"][1] / r["bare+parser"][1] for r in rounds)
    latencies = [t for r in rounds for t in r["check-in"][0]]
    errors = sum(r[name][2] for r in rounds for name in r)
    p95 = percentile(latencies, 0.95) * 1000
    print(f"ratios by round: {', '.join(f'{x:.0%}' for x in ratios)}; errors {errors}")
    print(
        f"check-in throughput = {statistics.median(ratios):.0%} of bare (Flask's own parser, "
        f"the issue's baseline), median of {len(ratios)} rounds (goal >= 40%); "
        f"p95 {p95:.0f} ms (goal <= 150 ms)"
    )
    print(
        f"{same_parser:.0%} of bare+parser (the bare endpoint on our parser); "
        f"the floor: {floor:.0%} of bare"
    )
    cpu = {name: statistics.median(r[name][3] for r in rounds) * 1000 for name in rounds[0]}
    print("server cpu per request, median: " + ", ".join(f"{k} {v:.2f} ms" for k, v in cpu.items()))


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def login(base: str, n: int) -> str:
    response = requests.post(
        base + "/api/v1/auth/login", json={"code": f"code:mp-demo-{n:02d}"}, timeout=10
    )
    response.raise_for_status()
    return response.json()["token"]


def bare_sender(port: int, photo: bytes):
    url = f"http://127.0.0.1:{port}/upload"

    def send(session, c, i):
        files = {"photo": ("photo.jpg", variant(photo, c * 100_000 + i), "image/jpeg")}
        data = {"request_id": f"bare-{c}-{i}", "lat": "34.75", "lng": "113.62"}
        return session.post(url, data=data, files=files, timeout=30).status_code == 201

    return send


def checkin_sender(base: str, tokens: list[str], activity_ids: list[int], photo: bytes, clients):
    """Client c checks in as members c, c+clients, ... in turn, each to the next task, so no
    member ever has two open check-ins for one task."""
    from bench.checkin_setup import ACTIVITY_POINT

    url = base + "/api/v1/checkins"

    def send(session, c, i):
        member = c + clients * (i % MEMBERS_PER_CLIENT)
        activity = activity_ids[i // MEMBERS_PER_CLIENT]
        request_id = f"bench-{c}-{i}"
        files = {"photo": ("photo.jpg", variant(photo, c * 100_000 + i), "image/jpeg")}
        data = {
            "activity_id": str(activity),
            "lat": str(ACTIVITY_POINT[0] + 0.0003),  # ~33 m from the task's point
            "lng": str(ACTIVITY_POINT[1]),
            "coord": "gcj02",
            "accuracy": "15",
            "request_id": request_id,
        }
        response = session.post(
            url, data=data, files=files, headers=auth(tokens[member]), timeout=30
        )
        if response.status_code != 201:
            print(f"check-in {request_id}: {response.status_code} {response.text[:200]}")
        return response.status_code == 201

    return send


if __name__ == "__main__":
    main()
