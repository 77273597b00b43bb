"""The baselines of the /wechat benchmark, served by gunicorn beside the real app.

`bare_app()`: a Flask app that reads the push and answers one fixed text reply, in any mode.
`werobot_app(mode)`: WeRoBot 1.13 echoing every text back, mounted in Flask with
`werobot.contrib.flask.make_view`, the way WeRoBot's docs show; in 'safe' mode it verifies
msg_signature, decrypts the push and encrypts its reply. Its session storage (a SQLite file
by default) is off: this baseline does nothing but echo.

Both use the benchmark's Official Account (TOKEN, APP_ID, AES_KEY), so the same signed and
encrypted pushes are valid for all three apps.
"""

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
