"""The scheduler's and the jobs' config keys are checked at start-up, naming the key."""

import os

import pytest

from settings import ConfigError, load_settings


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"scheduler": {"lock": "zookeeper"}}, "scheduler.lock"),
        ({"scheduler": {"lock": "redis"}}, "redis.url"),
        ({"scheduler": {"lock_ttl_seconds": 0}}, "scheduler.lock_ttl_seconds"),
        ({"scheduler": {"standby_retry_seconds": -1}}, "scheduler.standby_retry_seconds"),
        ({"rules": {"activity_reminder_evening": "7pm"}}, "rules.activity_reminder_evening"),
        ({"rules": {"activity_reminder_before_min": 0}}, "rules.activity_reminder_before_min"),
        ({"rules": {"auto_checkout_after_hours": 0}}, "rules.auto_checkout_after_hours"),
        ({"rules": {"spot_check_share": 1.5}}, "rules.spot_check_share"),
        ({"rules": {"spot_check_share": 0}}, "rules.spot_check_share"),
    ],
)
def test_a_bad_job_setting_names_its_key(overrides, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_settings(os.devnull, env={}, overrides={"app": {"demo": "true"}} | overrides)


def test_the_defaults_hold():
    settings = load_settings(os.devnull, env={})
    assert settings.scheduler.lock == "auto"
    assert settings.rules.activity_reminder_evening == "19:00"
    assert 0 < settings.rules.spot_check_share <= 1
