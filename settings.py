"""One config loader: defaults < TOML file < XIANFENG_* environment < test mapping.

The result is a frozen, typed Settings object validated once at start-up, so a bad key
stops the service with one sentence naming it instead of failing later mid-request.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

from services.notification_texts import MEMBER_KINDS, OFFICE_KINDS

ENV_PREFIX = "XIANFENG_"


class ConfigError(Exception):
    """A configuration value is missing or wrong; the message names the key."""


@dataclass(frozen=True)
class AppSettings:
    secret_key: str = ""
    data_dir: str = "instance"
    public_url: str = ""
    log_level: str = "INFO"
    max_content_mb: int = 12
    demo: str = "auto"


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 5000


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = "sqlite:///instance/xianfeng.db"
    busy_timeout_ms: int = 15000


@dataclass(frozen=True)
class RedisSettings:
    url: str = ""
    key_prefix: str = "xianfeng"


@dataclass(frozen=True)
class OfficialAccountSettings:
    app_id: str = ""
    app_secret: str = ""
    token: str = ""
    encoding_aes_key: str = ""
    previous_encoding_aes_key: str = ""
    message_mode: str = "plain"


@dataclass(frozen=True)
class MiniProgramSettings:
    app_id: str = ""
    app_secret: str = ""


@dataclass(frozen=True)
class WechatSettings:
    api_base_url: str = ""
    timeout_seconds: float = 5.0
    token_storage: str = "auto"
    official_account: OfficialAccountSettings = field(default_factory=OfficialAccountSettings)
    mini_program: MiniProgramSettings = field(default_factory=MiniProgramSettings)


@dataclass(frozen=True)
class StorageSettings:
    backend: str = "local"
    photo_dir: str = "instance/photos"
    max_photo_mb: int = 10
    signed_url_ttl_seconds: int = 600


@dataclass(frozen=True)
class SchedulerSettings:
    embedded: bool = True
    misfire_grace_seconds: int = 3600
    lock: str = "auto"
    lock_ttl_seconds: float = 30.0
    standby_retry_seconds: float = 10.0


@dataclass(frozen=True)
class RulesSettings:
    visit_interval_days: int = 30
    visit_reminder_repeat_days: int = 7
    checkin_radius_m: int = 300
    accuracy_cap_m: int = 200
    checkin_open_before_min: int = 30
    checkin_close_after_min: int = 30
    checkin_hard_limit_hours: float = 2.0
    photo_time_tolerance_hours: float = 2.0
    max_travel_speed_kmh: float = 120.0
    photo_similar_max_bits: int = 8
    max_service_hours: float = 12.0
    report_deadline_days: int = 10
    quiet_hours: str = "21:00-08:00"
    team_size_min: int = 10
    team_size_max: int = 15
    bind_code_ttl_days: int = 14
    token_ttl_hours: int = 72
    activity_reminder_evening: str = "19:00"
    activity_reminder_before_min: int = 60
    auto_checkout_after_hours: float = 3.0
    spot_check_share: float = 0.05


#: The outbound channels, in the default order tried (see services/outbox_delivery.py).
CHANNELS = ("mp_subscribe", "oa_template", "oa_custom")
#: What a template field can show (services/notification_texts.py renders each).
FIELD_SOURCES = frozenset({"title", "summary", "time", "sender", "kind"})
_TEMPLATE_KEY = re.compile(r"^[a-z_]+\d*$")


@dataclass(frozen=True)
class NotificationSettings:
    """How the outbox delivers: channel order (default and per kind), the one generic
    template per channel with its field mapping, retries, and the sender's lease and batch.

    The loader only takes scalars, so lists are written as text: channels
    "mp_subscribe,oa_template,oa_custom", channels_by_kind "broadcast=oa_template,oa_custom;
    checkin_closed=oa_custom", fields "thing1=title,thing2=summary,time3=time"."""

    channels: str = ",".join(CHANNELS)
    channels_by_kind: str = ""
    mp_template_id: str = ""
    mp_template_fields: str = "thing1=title,thing2=summary,time3=time"
    oa_template_id: str = ""
    oa_template_fields: str = "thing1=title,thing2=summary,time3=time"
    max_attempts: int = 6
    backoff_base_seconds: int = 60
    lease_seconds: int = 300
    batch_size: int = 500

    def order_for(self, kind: str) -> tuple[str, ...]:
        """The channels to try for a kind of message, first to last."""
        return self.kind_orders().get(kind, parse_channels(self.channels))

    def kind_orders(self) -> dict[str, tuple[str, ...]]:
        """The kinds with an order of their own."""
        return parse_channel_overrides(self.channels_by_kind)

    def fields_for(self, channel: str) -> tuple[tuple[str, str], ...]:
        """(template key, source) pairs of a channel's template, e.g. ('thing1', 'title')."""
        spec = {"mp_subscribe": self.mp_template_fields, "oa_template": self.oa_template_fields}
        return parse_fields(spec.get(channel, ""))


def parse_channels(text: str) -> tuple[str, ...]:
    """'mp_subscribe, oa_custom' -> ('mp_subscribe', 'oa_custom')."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def parse_channel_overrides(text: str) -> dict[str, tuple[str, ...]]:
    """'broadcast=oa_template,oa_custom; checkin_closed=oa_custom' -> {kind: channels}."""
    overrides = {}
    for item in filter(str.strip, text.split(";")):
        kind, _, channels = item.partition("=")
        overrides[kind.strip()] = parse_channels(channels)
    return overrides


def parse_fields(text: str) -> tuple[tuple[str, str], ...]:
    """'thing1=title,time3=time' -> (('thing1', 'title'), ('time3', 'time'))."""
    pairs = (part.partition("=") for part in text.split(",") if part.strip())
    return tuple((key.strip(), source.strip()) for key, _, source in pairs)


@dataclass(frozen=True)
class Settings:
    app: AppSettings = field(default_factory=AppSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    redis: RedisSettings = field(default_factory=RedisSettings)
    wechat: WechatSettings = field(default_factory=WechatSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    rules: RulesSettings = field(default_factory=RulesSettings)
    notifications: NotificationSettings = field(default_factory=NotificationSettings)

    @property
    def has_wechat_credentials(self) -> bool:
        """True when a real WeChat account is configured (then no emulator is used)."""
        oa, mp = self.wechat.official_account, self.wechat.mini_program
        return bool(oa.app_id or mp.app_id)

    @property
    def is_demo(self) -> bool:
        """Demo mode: the built-in emulator stands in for WeChat and demo data is loaded."""
        if self.app.demo == "auto":
            return not self.has_wechat_credentials
        return self.app.demo == "true"


def load_settings(
    path: str | os.PathLike | None = None,
    env: dict[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Settings:
    """Build Settings from the TOML file, the environment and an optional test mapping."""
    env = os.environ if env is None else env
    data = _read_toml(_config_path(path, env))
    for dotted, value in _env_overrides(env).items():
        _set_dotted(data, dotted, value)
    for dotted, value in _flatten(overrides or {}).items():
        _set_dotted(data, dotted, value)
    settings = _build(Settings, data, "")
    _validate(settings)
    return settings


def _config_path(path, env) -> Path | None:
    if path is not None:
        return Path(path)
    named = env.get(ENV_PREFIX + "CONFIG")
    if named:
        return Path(named)
    default = Path("config.toml")
    return default if default.exists() else None


def _read_toml(path: Path | None) -> dict:
    if path is None:
        return {}
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))  # Notepad adds a BOM
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def known_keys(cls=Settings, prefix: str = "") -> dict[str, type]:
    """Every dotted key with its type, e.g. {'wechat.official_account.token': str}."""
    keys = {}
    for name, kind in get_type_hints(cls).items():
        dotted = prefix + name
        if dataclasses.is_dataclass(kind):
            keys.update(known_keys(kind, dotted + "."))
        else:
            keys[dotted] = kind
    return keys


def env_name(dotted: str) -> str:
    """The environment variable that overrides a dotted key."""
    return ENV_PREFIX + dotted.replace(".", "_").upper()


# XIANFENG_* variables that are not config keys: the config file's name, and the test suite's.
_OTHER_ENV = ("XIANFENG_CONFIG", "XIANFENG_TEST_")


def _env_overrides(env) -> dict[str, str]:
    """The config keys set in the environment; a misspelt XIANFENG_ name is an error, not
    a setting silently ignored."""
    names = {env_name(dotted): dotted for dotted in known_keys()}
    for name in env:
        if name.startswith(ENV_PREFIX) and name not in names and not name.startswith(_OTHER_ENV):
            raise ConfigError(f"unknown environment variable {name} (not a config key)")
    return {dotted: env[name] for name, dotted in names.items() if name in env}


def _flatten(mapping: dict, prefix: str = "") -> dict[str, Any]:
    flat = {}
    for key, value in mapping.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[prefix + key] = value
    return flat


def _set_dotted(data: dict, dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[leaf] = value


def _build(cls, data: Any, prefix: str):
    if not isinstance(data, dict):
        raise ConfigError(f"config key [{prefix.rstrip('.')}] must be a table")
    hints = get_type_hints(cls)
    unknown = set(data) - set(hints)
    if unknown:
        raise ConfigError(f"unknown config key {prefix}{sorted(unknown)[0]}")
    values = {}
    for name, kind in hints.items():
        if name not in data:
            continue
        dotted = prefix + name
        if dataclasses.is_dataclass(kind):
            values[name] = _build(kind, data[name], dotted + ".")
        else:
            values[name] = _coerce(dotted, kind, data[name])
    return cls(**values)


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


_KIND_WORDS = {int: "a whole number", float: "a number", bool: "true or false", str: "text"}


def _coerce(dotted: str, kind: type, value: Any):
    """Turn TOML or environment values into the declared type; strings stay strings."""
    try:
        if kind is bool:
            return _to_bool(value)
        if kind is str:
            if isinstance(value, bool) and {"true", "false"} <= _CHOICES.get(dotted, set()):
                return str(value).lower()  # demo = false, written as a TOML boolean
            if not isinstance(value, str):
                raise ValueError
            return value
        if isinstance(value, bool) or (kind is int and isinstance(value, float)):
            raise ValueError
        number = kind(value)
        if not math.isfinite(number):
            raise ValueError
        return number
    except (TypeError, ValueError):
        raise ConfigError(
            f"config key {dotted} must be {_KIND_WORDS[kind]}, got {value!r}"
        ) from None


def _to_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise ValueError


_CHOICES = {
    "app.demo": {"auto", "true", "false"},
    "wechat.official_account.message_mode": {"plain", "compatible", "safe"},
    "wechat.token_storage": {"auto", "memory", "redis"},
    "storage.backend": {"local"},
    "app.log_level": {"DEBUG", "INFO", "WARNING", "ERROR"},
    "scheduler.lock": {"auto", "database", "redis"},
}
MIN_SECRET_KEY = 16
_AES_KEY = re.compile(r"^[A-Za-z0-9]{43}$")
_HHMM_RANGE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _get(settings: Settings, dotted: str):
    value = settings
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


def _validate(settings: Settings) -> None:
    for dotted, allowed in _CHOICES.items():
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
    if not settings.is_demo and len(settings.app.secret_key) < MIN_SECRET_KEY:
        raise ConfigError(
            f"config key app.secret_key is required outside demo mode "
            f"(at least {MIN_SECRET_KEY} random characters)"
        )
    if settings.rules.team_size_min > settings.rules.team_size_max:
        raise ConfigError("config key rules.team_size_min must not exceed rules.team_size_max")
    _check_numbers(settings)
    _check_notifications(settings.notifications)
    _check_lease(settings)
    if settings.rules.quiet_hours != "off" and not _HHMM_RANGE.match(settings.rules.quiet_hours):
        raise ConfigError('config key rules.quiet_hours must look like 21:00-08:00, or be "off"')
    _check_jobs(settings)
    url = settings.database.url
    if not url.startswith(("sqlite:///", "postgresql://", "postgres://", "postgresql+pool://")):
        raise ConfigError(
            "config key database.url must start with sqlite:///, postgresql:// "
            "or postgresql+pool://"
        )
    if settings.redis.url and not settings.redis.url.startswith(("redis://", "rediss://")):
        raise ConfigError("config key redis.url must start with redis:// or rediss://")
    if settings.wechat.token_storage == "redis" and not settings.redis.url:
        raise ConfigError("config key redis.url is required when wechat.token_storage is redis")


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


def _check_numbers(settings: Settings) -> None:
    positive = [
        dotted
        for dotted, kind in known_keys().items()
        if kind in (int, float) and dotted != "server.port"
    ]
    for dotted in positive:
        if _get(settings, dotted) <= 0:
            raise ConfigError(f"config key {dotted} must be greater than 0")
    if not 0 < settings.server.port < 65536:
        raise ConfigError("config key server.port must be between 1 and 65535")


# The emulator's demo accounts (wechat/emulator knows them too).
DEMO_OFFICIAL_ACCOUNT = {"app_id": "wx_demo_oa", "app_secret": "demo-oa-secret", "token": "demo"}
DEMO_MINI_PROGRAM = {"app_id": "wx_demo_mp", "app_secret": "demo-mp-secret"}


def with_demo_accounts(settings: Settings) -> Settings:
    """In demo mode the accounts left unconfigured get the emulator's demo credentials (with a
    token, so /wechat and /dev/chat work); outside demo mode nothing changes."""
    if not settings.is_demo:
        return settings
    oa, mp = settings.wechat.official_account, settings.wechat.mini_program
    if not oa.app_id:
        oa = dataclasses.replace(oa, **DEMO_OFFICIAL_ACCOUNT)
    if not mp.app_id:
        mp = dataclasses.replace(mp, **DEMO_MINI_PROGRAM)
    wechat = dataclasses.replace(settings.wechat, official_account=oa, mini_program=mp)
    app = dataclasses.replace(settings.app, demo="true")  # the accounts are set now
    return dataclasses.replace(settings, wechat=wechat, app=app)


def with_server(settings: Settings, host: str, port: int) -> Settings:
    """The settings with the address the service actually listens on."""
    return dataclasses.replace(settings, server=ServerSettings(host=host, port=port))


def with_secret_key(settings: Settings, secret_key: str) -> Settings:
    return dataclasses.replace(
        settings, app=dataclasses.replace(settings.app, secret_key=secret_key)
    )


def redact_url(url: str) -> str:
    """A URL fit for logs and banners: any password replaced by ***."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


def config_source(env=None) -> str:
    """Which config file is in use, for the banner (the working directory matters)."""
    path = _config_path(None, os.environ if env is None else env)
    return str(path.resolve()) if path else "none (defaults and environment)"
