"""Checks of a loaded Settings, so a wrong value stops start-up with one sentence naming the
key instead of failing later mid-request."""

from __future__ import annotations

import math
import re

from services.notification_texts import MEMBER_KINDS, OFFICE_KINDS

from .sections import (
    _TEMPLATE_KEY,
    CHANNELS,
    FIELD_SOURCES,
    NotificationSettings,
    Settings,
    known_keys,
    parse_channel_overrides,
    parse_channels,
    parse_fields,
)


class ConfigError(Exception):
    """A configuration value is missing or wrong; the message names the key."""


CHOICES = {
    "app.demo": {"auto", "true", "false"},
    "wechat.official_account.message_mode": {"plain", "compatible", "safe"},
    "wechat.token_storage": {"auto", "memory", "redis"},
    "storage.backend": {"local"},
    "app.log_level": {"DEBUG", "INFO", "WARNING", "ERROR"},
    "scheduler.lock": {"auto", "database", "redis"},
}
MIN_SECRET_KEY = 16
MIN_HISTORY_KEY = 32  # an HMAC key: 32 random characters carry well over 128 bits
_AES_KEY = re.compile(r"^[A-Za-z0-9]{43}$")
_HHMM_RANGE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _get(settings: Settings, dotted: str):
    value = settings
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


def validate(settings: Settings) -> None:
    for dotted, allowed in CHOICES.items():
        if _get(settings, dotted) not in allowed:
            raise ConfigError(f"config key {dotted} must be one of {', '.join(sorted(allowed))}")
    for key in ("encoding_aes_key", "previous_encoding_aes_key"):
        _check_aes_key(settings, "wechat.official_account." + key)
    oa = settings.wechat.official_account
    if oa.message_mode != "plain" and not oa.encoding_aes_key:
        raise ConfigError(
            "config key wechat.official_account.encoding_aes_key is required "
            f"when message_mode is {oa.message_mode}"
        )
    _check_pairs(settings)
    _check_secrets(settings)
    if settings.rules.team_size_min > settings.rules.team_size_max:
        raise ConfigError("config key rules.team_size_min must not exceed rules.team_size_max")
    _check_numbers(settings)
    _check_notifications(settings.notifications)
    _check_lease(settings)
    if settings.rules.quiet_hours != "off" and not _HHMM_RANGE.match(settings.rules.quiet_hours):
        raise ConfigError('config key rules.quiet_hours must look like 21:00-08:00, or be "off"')
    _check_jobs(settings)
    _check_assessment(settings)
    url = settings.database.url
    if not url.startswith(("sqlite:///", "postgresql://", "postgres://", "postgresql+pool://")):
        raise ConfigError(
            "config key database.url must start with sqlite:///, postgresql:// "
            "or postgresql+pool://"
        )
    public = settings.feedback.public_url
    if public and not public.startswith(("https://", "http://")):
        raise ConfigError("config key feedback.public_url must start with https:// or http://")
    if settings.redis.url and not settings.redis.url.startswith(("redis://", "rediss://")):
        raise ConfigError("config key redis.url must start with redis:// or rediss://")
    if settings.wechat.token_storage == "redis" and not settings.redis.url:
        raise ConfigError("config key redis.url is required when wechat.token_storage is redis")


def _check_secrets(settings: Settings) -> None:
    """The keys demo mode makes up (and keeps in data_dir) when they are left empty."""
    if settings.is_demo:
        return
    if len(settings.app.secret_key) < MIN_SECRET_KEY:
        raise ConfigError(
            f"config key app.secret_key is required outside demo mode "
            f"(at least {MIN_SECRET_KEY} random characters)"
        )
    if len(settings.register.history_key) < MIN_HISTORY_KEY:
        raise ConfigError(
            f"config key register.history_key is required outside demo mode (at least "
            f"{MIN_HISTORY_KEY} random characters, e.g. from "
            '`python -c "import secrets; print(secrets.token_urlsafe(32))"`)'
        )


def _check_jobs(settings: Settings) -> None:
    """The scheduled jobs' own keys: a wall-clock time, a share, and a lock that can exist."""
    if not _HHMM.match(settings.rules.activity_reminder_evening):
        raise ConfigError("config key rules.activity_reminder_evening must look like 19:00")
    if settings.rules.spot_check_share > 1:
        raise ConfigError("config key rules.spot_check_share must be at most 1 (a share)")
    if settings.scheduler.lock == "redis" and not settings.redis.url:
        raise ConfigError("config key redis.url is required when scheduler.lock is redis")


def _check_aes_key(settings: Settings, dotted: str) -> None:
    value = _get(settings, dotted)
    if value and not _AES_KEY.match(value):
        raise ConfigError(
            f"config key {dotted} must be exactly 43 characters, letters A-Z a-z and digits only "
            f"(got {len(value)} characters)"
        )


def _check_pairs(settings: Settings) -> None:
    """An app id without its secret (or the reverse) is a half-configured account."""
    for section in ("wechat.official_account", "wechat.mini_program"):
        app_id, secret = (
            _get(settings, section + ".app_id"),
            _get(settings, section + ".app_secret"),
        )
        if bool(app_id) != bool(secret):
            given, missing = ("app_id", "app_secret") if app_id else ("app_secret", "app_id")
            raise ConfigError(f"config key {section}.{missing} is required when {given} is set")
    oa = settings.wechat.official_account
    if oa.app_id and not oa.token:
        raise ConfigError("config key wechat.official_account.token is required with app_id")


def _check_notifications(notes: NotificationSettings) -> None:
    """Channel names, kinds and template fields are checked here, not at the first send."""
    orders = {"notifications.channels": parse_channels(notes.channels)}
    for kind, channels in parse_channel_overrides(notes.channels_by_kind).items():
        if not kind or not channels:
            raise ConfigError(
                "config key notifications.channels_by_kind must look like "
                '"broadcast=oa_template,oa_custom; checkin_closed=oa_custom"'
            )
        _check_kind(kind)
        orders[f"notifications.channels_by_kind ({kind})"] = channels
    for dotted, channels in orders.items():
        unknown = [name for name in channels if name not in CHANNELS]
        if unknown or not channels or len(set(channels)) != len(channels):
            raise ConfigError(
                f"config key {dotted} must list distinct channels from {', '.join(CHANNELS)}"
                + (f" (unknown: {unknown[0]})" if unknown else "")
            )
    for prefix in ("mp", "oa"):
        dotted = f"notifications.{prefix}_template_fields"
        pairs = parse_fields(getattr(notes, f"{prefix}_template_fields"))
        bad = [f"{k}={s}" for k, s in pairs if not _TEMPLATE_KEY.match(k) or s not in FIELD_SOURCES]
        if bad or not pairs:
            raise ConfigError(
                f"config key {dotted} must look like thing1=title,thing2=summary,time3=time "
                f"with sources from {', '.join(sorted(FIELD_SOURCES))}"
                + (f" (wrong: {bad[0]})" if bad else "")
            )


def _check_kind(kind: str) -> None:
    """A kind in channels_by_kind must be one members receive: a misspelt one would never
    match, and the office's own kinds are never sent through WeChat."""
    if kind in OFFICE_KINDS:
        raise ConfigError(
            f"config key notifications.channels_by_kind: {kind} goes to the office's inbox and "
            "is never sent through WeChat; remove it"
        )
    if kind not in MEMBER_KINDS:
        raise ConfigError(
            f"config key notifications.channels_by_kind names an unknown kind {kind} "
            f"(kinds: {', '.join(MEMBER_KINDS)})"
        )


#: A send may take a token fetch plus a few timeouts, and the sender stops using its claim at
#: 80% of the lease: a shorter lease lets a second sender take a row still being sent.
LEASE_TIMEOUTS = 10


def _check_lease(settings: Settings) -> None:
    timeout, lease = settings.wechat.timeout_seconds, settings.notifications.lease_seconds
    if lease < LEASE_TIMEOUTS * timeout:
        raise ConfigError(
            f"config key notifications.lease_seconds must be at least {LEASE_TIMEOUTS} x "
            f"wechat.timeout_seconds ({math.ceil(LEASE_TIMEOUTS * timeout)}), got {lease}"
        )


#: Numbers that may be 0 (a check turned off).
MAY_BE_ZERO = {
    "feedback.min_form_seconds",
    "assessment.excellent_max_rejected",
    "assessment.pass_max_rejected",
}
# The grades' limits from the highest grade down: each at least the next one's.
GRADE_LADDERS = (
    ("excellent_hours", "pass_hours", "basic_hours"),
    ("excellent_visit_months", "pass_visit_months", "basic_visit_months"),
    ("excellent_min_rating", "pass_min_rating"),
    ("pass_max_rejected", "excellent_max_rejected"),  # a lower grade forgives as many or more
)
# The assessment limits that have a ceiling: twelve months, five stars.
GRADE_CEILINGS = {"excellent_visit_months": 12, "excellent_min_rating": 5}


def _check_numbers(settings: Settings) -> None:
    positive = [
        dotted
        for dotted, kind in known_keys().items()
        if kind in (int, float) and dotted != "server.port"
    ]
    for dotted in positive:
        if dotted in MAY_BE_ZERO and _get(settings, dotted) < 0:
            raise ConfigError(f"config key {dotted} must be 0 or more")
        if dotted not in MAY_BE_ZERO and _get(settings, dotted) <= 0:
            raise ConfigError(f"config key {dotted} must be greater than 0")
    if not 0 < settings.server.port < 65536:
        raise ConfigError("config key server.port must be between 1 and 65535")


def _check_assessment(settings: Settings) -> None:
    """A higher grade asks at least as much as a lower one (GRADE_LADDERS); months and
    ratings within range (GRADE_CEILINGS)."""
    a = settings.assessment
    for ladder in GRADE_LADDERS:
        for higher, lower in zip(ladder, ladder[1:], strict=False):
            if getattr(a, higher) < getattr(a, lower):
                raise ConfigError(
                    f"config key assessment.{higher} must be at least assessment.{lower}"
                )
    for name, ceiling in GRADE_CEILINGS.items():
        if getattr(a, name) > ceiling:
            raise ConfigError(f"config key assessment.{name} must be at most {ceiling}")
