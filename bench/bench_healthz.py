"""GET /healthz (a connection, a query, the schema version) against a bare Flask app.

Run: .venv/bin/python -m bench.bench_healthz [--database-url URL] [--count N]
"""

import argparse
import tempfile

from app import create_app
from bench.common import bare_app, report, time_requests
from models import db
from models.database import create_if_missing, upgrade


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--count", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        create_if_missing(url)  # connecting never makes one
        app = create_app(
            {"database": {"url": url}, "app": {"secret_key": "bench", "data_dir": tmp}}
        )
        with db.connection_context():
            upgrade()
        baseline = time_requests(bare_app().test_client(), "/", args.count)
        seconds = time_requests(app.test_client(), "/healthz", args.count)
        print(f"database: {url.split('://')[0]}, {args.count} requests x 5 rounds")
        print(report("GET /healthz", seconds, baseline))


if __name__ == "__main__":
    main()
