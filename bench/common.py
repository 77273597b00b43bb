"""Timing helpers: every figure is a ratio against a bare Flask app measured in the same run,
so a noisy shared machine moves both sides alike."""

import statistics
import time

from flask import Flask


def bare_app() -> Flask:
    """The baseline: a Flask app that answers a constant JSON body."""
    app = Flask("bare")

    @app.get("/")
    def index():
        return {"status": "ok"}

    return app


def time_requests(client, path: str, count: int) -> float:
    """Seconds per request, the median of five rounds of `count` requests."""
    rounds = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(count):
            response = client.get(path)
            assert response.status_code == 200, response.status_code
        rounds.append((time.perf_counter() - start) / count)
    return statistics.median(rounds)


def report(name: str, seconds: float, baseline: float) -> str:
    return (
        f"{name:28} {seconds * 1e6:9.1f} µs/request  "
        f"{seconds / baseline:6.2f}x bare Flask ({baseline * 1e6:.1f} µs)"
    )
