"""The [notifications] settings: channel orders and template fields are checked at start-up."""

import os

import pytest

from services.notification_texts import MEMBER_KINDS
from settings import ConfigError, load_settings


def notes(**values):
    return load_settings(os.devnull, env={}, overrides={"notifications": values}).notifications


def test_defaults_and_per_kind_orders():
    n = notes(channels_by_kind="broadcast = oa_template, oa_custom; checkin_closed=oa_custom")
    assert n.order_for("visit_reminder") == ("mp_subscribe", "oa_template", "oa_custom")
    assert n.order_for("broadcast") == ("oa_template", "oa_custom")
    assert n.order_for("checkin_closed") == ("oa_custom",)


def test_a_rejection_spares_the_member_s_subscribe_grants_unless_configured():
    """News that keeps tries the subscribe message last; news that cannot wait, first."""
    assert notes().order_for("record_rejected") == ("oa_template", "oa_custom", "mp_subscribe")
    spare = notes(channels="mp_subscribe,oa_custom").order_for("record_rejected")
    assert spare == ("oa_custom", "mp_subscribe")
    assert notes(channels="oa_template").order_for("record_rejected") == ("oa_template",)
    configured = notes(channels_by_kind="record_rejected=mp_subscribe")
    assert configured.order_for("record_rejected") == ("mp_subscribe",)
    for kind in ("activity_cancelled", "task_assigned"):
        assert notes().order_for(kind) == ("mp_subscribe", "oa_template", "oa_custom")


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
        (
            {"lease_seconds": 49},
            r"lease_seconds must be at least 10 x wechat.timeout_seconds \(50\)",
        ),
        ({"channels_by_kind": "report_late=oa_template"}, "report_late goes to the office's inbox"),
        ({"channels_by_kind": "spot_check=oa_custom"}, "spot_check goes to the office's inbox"),
        ({"channels_by_kind": "visit_reminders=oa_custom"}, "unknown kind visit_reminders"),
    ],
)
def test_mistakes_stop_the_start(values, named):
    with pytest.raises(ConfigError, match=named):
        notes(**values)


def with_lease(timeout: float, lease: int):
    overrides = {"wechat": {"timeout_seconds": timeout}, "notifications": {"lease_seconds": lease}}
    return load_settings(os.devnull, env={}, overrides=overrides)


@pytest.mark.parametrize(("timeout", "lease"), [(5.0, 50), (30.0, 300), (0.5, 5)])
def test_a_lease_of_ten_timeouts_is_enough(timeout, lease):
    assert with_lease(timeout, lease).notifications.lease_seconds == lease


def test_a_slower_wechat_needs_a_longer_lease():
    with pytest.raises(ConfigError, match=r"timeout_seconds \(310\), got 300"):
        with_lease(31.0, 300)


def test_every_kind_members_receive_can_have_its_own_order():
    spec = "; ".join(f"{kind}=oa_custom" for kind in MEMBER_KINDS)
    assert notes(channels_by_kind=spec).kind_orders() == dict.fromkeys(MEMBER_KINDS, ("oa_custom",))
