"""The [notifications] settings: channel orders and template fields are checked at start-up."""

import os

import pytest

from settings import ConfigError, load_settings


def notes(**values):
    return load_settings(os.devnull, env={}, overrides={"notifications": values}).notifications


def test_defaults_and_per_kind_orders():
    n = notes(channels_by_kind="broadcast = oa_template, oa_custom; report_late=oa_template")
    assert n.order_for("visit_reminder") == ("mp_subscribe", "oa_template", "oa_custom")
    assert n.order_for("broadcast") == ("oa_template", "oa_custom")
    assert n.order_for("report_late") == ("oa_template",)


def test_the_environment_sets_them_too():
    env = {
        "XIANFENG_NOTIFICATIONS_CHANNELS": "oa_custom",
        "XIANFENG_NOTIFICATIONS_MAX_ATTEMPTS": "9",
    }
    n = load_settings(os.devnull, env=env).notifications
    assert (n.order_for("x"), n.max_attempts) == (("oa_custom",), 9)


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"channels": "mp_subscribe,sms"}, "unknown: sms"),
        ({"channels": ""}, "notifications.channels"),
        ({"channels": "oa_custom,oa_custom"}, "distinct"),
        ({"channels_by_kind": "broadcast=email"}, "unknown: email"),
        ({"channels_by_kind": "broadcast"}, "channels_by_kind must look like"),
        ({"channels_by_kind": "=oa_custom"}, "channels_by_kind must look like"),
        ({"mp_template_fields": "thing1=colour"}, "wrong: thing1=colour"),
        ({"oa_template_fields": "Thing 1=title"}, "notifications.oa_template_fields"),
        ({"oa_template_fields": ""}, "notifications.oa_template_fields"),
        ({"lease_seconds": 0}, "notifications.lease_seconds must be greater than 0"),
    ],
)
def test_mistakes_stop_the_start(values, named):
    with pytest.raises(ConfigError, match=named):
        notes(**values)
