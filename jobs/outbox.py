"""The sender: drains the outbox through the WeChat channels (every minute)."""

from datetime import datetime

from flask import current_app

from services import outbox_delivery


def drain_outbox(now: datetime) -> dict:
    """Deliver the messages due at `now` (naive UTC); returns counts by outcome.

    Runs inside an app context; two runs at once (a second scheduler by mistake) deliver
    each message once, since rows are claimed one sender at a time."""
    settings = current_app.config["SETTINGS"]
    channels = current_app.extensions["notification_channels"]()  # registered by wechat/
    return outbox_delivery.drain(channels, now, outbox_delivery.Policy.from_settings(settings))
