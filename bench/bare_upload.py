"""The baselines of the check-in benchmark.

`app`: a bare Flask endpoint that only receives the same multipart upload and answers a small
JSON body, with Flask's own form parser. `same_parser_app`: the same endpoint on the parser our
app uses (api.form_request), to show how much of our ratio that parser gives.
`floor_app(folder)`: the least a check-in can do, as a bound on what trimming ours could
reach: the upload received on our app's parser, the photo checked and stored as the issue asks
(services.photos.store_photo: decoded, hashed, written) and one row inserted with raw sqlite3;
no token, no rules, no duplicate or distance checks, no history. Nobody would ship it."""

import sqlite3
import time
from datetime import UTC, datetime

from flask import Flask, request

app = Flask("bare_upload")


@app.post("/upload")
def upload():
    photo = request.files["photo"].read()
    return {"ok": True, "bytes": len(photo), "request_id": request.form.get("request_id")}, 201


def same_parser_app() -> Flask:
    from api.form_request import FormRequest

    bare = Flask("bare_upload_same_parser")
    bare.request_class = FormRequest
    bare.post("/upload")(upload)
    return bare


def floor_app(folder: str) -> Flask:
    from api.form_request import FormRequest
    from services.photos import store_photo

    floor = Flask("floor_upload")
    floor.request_class = FormRequest
    db = sqlite3.connect(
        f"{folder}/floor.db", isolation_level=None, timeout=5, check_same_thread=False
    )
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(
        "CREATE TABLE IF NOT EXISTS entry (id INTEGER PRIMARY KEY, request_id TEXT UNIQUE,"
        " photo TEXT, phash TEXT, lat REAL, lng REAL, at REAL)"
    )

    @floor.post("/upload")
    def checkin():
        form = request.form
        stored = store_photo(request.files["photo"].read(), folder, datetime.now(UTC))
        row = (form["request_id"], stored.storage_key, stored.phash, form["lat"], form["lng"])
        db.execute(
            "INSERT INTO entry (request_id, photo, phash, lat, lng, at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (*row, time.time()),
        )
        return {"ok": True, "photo": stored.storage_key, "request_id": form["request_id"]}, 201

    return floor
