"""The baselines of the /wechat benchmark, served by gunicorn beside the real app.

`bare_app()`: a Flask app that reads the push and answers one fixed text reply, in any mode.
`werobot_app(mode)`: WeRoBot 1.13 echoing every text back, mounted in Flask with
`werobot.contrib.flask.make_view`, the way WeRoBot's docs show; in 'safe' mode it verifies
msg_signature, decrypts the push and encrypts its reply. Its session storage (a SQLite file
by default) is off: this baseline does nothing but echo.

`floor_app(mode, path)`: the goal's work done with nothing else (see its docstring): how far
any trimming of ours could go on this machine.

All use the benchmark's Official Account (TOKEN, APP_ID, AES_KEY), so the same signed and
encrypted pushes are valid for every app.
"""

import sqlite3
import time

from flask import Flask, Response, request

TOKEN = "benchtoken"
APP_ID = "wx_bench"
APP_SECRET = "bench-app-secret"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as WeChat gives

FIXED_REPLY = (
    "<xml><ToUserName><![CDATA[oa-demo-01]]></ToUserName>"
    "<FromUserName><![CDATA[gh_bench_oa]]></FromUserName>"
    "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
    "<Content><![CDATA[收到]]></Content></xml>"
)


def bare_app() -> Flask:
    """A Flask app whose POST /wechat reads the body and answers a fixed text reply."""
    app = Flask("bare_wechat")

    @app.post("/wechat")
    def wechat():
        request.get_data()
        return Response(FIXED_REPLY, mimetype="application/xml")

    return app


def werobot_app(mode: str = "plain") -> Flask:
    """WeRoBot echoing texts at /wechat; mode 'safe' adds the AES key (and encryption)."""
    from werobot import WeRoBot
    from werobot.contrib.flask import make_view

    keys = {"app_id": APP_ID, "encoding_aes_key": AES_KEY} if mode == "safe" else {}
    robot = WeRoBot(token=TOKEN, SESSION_STORAGE=False, **keys)

    @robot.text
    def echo(message):
        return message.content

    app = Flask("werobot_wechat")
    app.add_url_rule("/wechat", "werobot", make_view(robot), methods=["GET", "POST"])
    return app


FLOOR_MEMBERS = 33  # as the demo binds: oa-demo-01 .. oa-demo-33


def prepare_floor(path: str) -> None:
    """The floor's SQLite file: a member table holding the benchmark's senders and a push table
    keyed by MsgId, in WAL mode as ours runs."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(
        "CREATE TABLE IF NOT EXISTS member (id INTEGER PRIMARY KEY, oa_openid TEXT UNIQUE,"
        " name TEXT, role TEXT, active INTEGER)"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS inbound (dedupe_key TEXT PRIMARY KEY, openid TEXT,"
        " reply TEXT, received_at REAL)"
    )
    members = [(f"oa-demo-{n:02d}", "王建国", "member", 1) for n in range(1, FLOOR_MEMBERS + 1)]
    db.executemany(
        "INSERT OR IGNORE INTO member (oa_openid, name, role, active) VALUES (?, ?, ?, ?)", members
    )
    db.close()


def floor_app(mode: str, path: str) -> Flask:
    """The least any /wechat can do for the goal's work, as a bound on what trimming ours could
    reach: the signature and replay window, the push parsed (our parser), the sender looked up
    and the push recorded by MsgId in SQLite, both in raw sqlite3 with no ORM, no conversation
    state, no router and no error handling, then a reply naming the sender; in 'safe' mode the
    push is decrypted and the reply encrypted with wechatpy. Nobody would ship this."""
    from wechatpy.crypto import WeChatCrypto

    from wechat.protocol import check_timestamp, is_signed, parse, render_text

    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID) if mode == "safe" else None
    db = sqlite3.connect(path, isolation_level=None, timeout=5, check_same_thread=False)
    db.execute("PRAGMA synchronous=NORMAL")
    app = Flask("floor_wechat")

    @app.post("/wechat")
    def wechat():
        args, now = request.args, int(time.time())
        stamp = args.get("timestamp", ""), args.get("nonce", "")
        if not is_signed(args.get("signature", ""), TOKEN, *stamp):
            return Response("", status=403)
        check_timestamp(stamp[0], now)
        text = request.get_data(as_text=True)
        if crypto is not None:
            text = crypto.decrypt_message(text, args.get("msg_signature", ""), *stamp)
        message = parse(text)
        row = db.execute(
            "SELECT id, name, role, active FROM member WHERE oa_openid = ?", (message.openid,)
        ).fetchone()
        reply = f"{row[1]}同志您好，可以发送：「签到」活动签到"
        db.execute(
            "INSERT INTO inbound VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (f"msg:{message.raw.get('MsgId')}", message.openid, reply, time.time()),
        )
        xml = render_text(message, reply, now)
        if crypto is not None:
            xml = crypto.encrypt_message(xml, stamp[1], str(now))
        return Response(xml, mimetype="application/xml")

    return app
