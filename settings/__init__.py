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
from pathlib import Path
from typing import Any, get_type_hints

from .checks import CHOICES, ConfigError, validate
from .sections import (
    CHANNELS,
    FIELD_SOURCES,
    AppSettings,
    AssessmentSettings,
    DatabaseSettings,
    MiniProgramSettings,
    NotificationSettings,
    OfficialAccountSettings,
    RedisSettings,
    RegisterSettings,
    RulesSettings,
    SchedulerSettings,
    ServerSettings,
    Settings,
    StorageSettings,
    WechatSettings,
    known_keys,
    parse_channel_overrides,
    parse_channels,
    parse_fields,
)

__all__ = [
    "CHANNELS",
    "FIELD_SOURCES",
    "ConfigError",
    "AppSettings",
    "AssessmentSettings",
    "DatabaseSettings",
    "MiniProgramSettings",
    "NotificationSettings",
    "OfficialAccountSettings",
    "RedisSettings",
    "RegisterSettings",
    "RulesSettings",
    "SchedulerSettings",
    "ServerSettings",
    "Settings",
    "StorageSettings",
    "WechatSettings",
    "config_source",
    "env_name",
    "known_keys",
    "load_settings",
    "parse_channel_overrides",
    "parse_channels",
    "parse_fields",
    "redact_url",
    "with_demo_accounts",
    "with_history_key",
    "with_secret_key",
    "with_server",
    "DEMO_MINI_PROGRAM",
    "DEMO_OFFICIAL_ACCOUNT",
]

ENV_PREFIX = "XIANFENG_"


def load_settings(
    path: str | os.PathLike | None = None,
    env: dict[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Settings:
    """Build Settings from the TOML file, the environment and an optional test mapping."""
    env = os.environ if env is None else env
    config_path = _config_path(path, env)
    data = _read_toml(config_path)
    for dotted, value in _env_overrides(env).items():
        _set_dotted(data, dotted, value)
    for dotted, value in _flatten(overrides or {}).items():
        _set_dotted(data, dotted, value)
    settings = _build(Settings, data, "")
    validate(settings)
    return _with_fixed_paths(settings, config_path)


def paths_base(config_path: Path | None) -> Path:
    """What relative paths in the settings start at: the folder of the config file in use or,
    with no config file (defaults and environment only), the working directory at start-up."""
    if config_path is not None and Path(config_path).is_file():  # not os.devnull
        return Path(config_path).resolve().parent
    return Path.cwd()


SQLITE = "sqlite:///"


def _with_fixed_paths(settings: Settings, config_path: Path | None) -> Settings:
    """The settings with the SQLite file, app.data_dir and the photo folder absolute, all from
    one base (paths_base). The data folder holds the demo's history key and the register's
    checkpoint, which belong to one database: a command run from another folder with the
    config named by XIANFENG_CONFIG must open the same database, key, checkpoint and photos,
    or it would sign with a second key and check against no checkpoint. The config file's
    folder is fixed for a deployment and is where an operator expects the paths written in
    that file to start; without a config file the working directory is, as for any command."""
    base = paths_base(config_path)
    app = dataclasses.replace(settings.app, data_dir=str(_under(base, settings.app.data_dir)))
    storage = dataclasses.replace(
        settings.storage, photo_dir=str(_under(base, settings.storage.photo_dir))
    )
    url = settings.database.url
    if url.startswith(SQLITE) and not url.startswith(SQLITE + ":memory:"):
        url = SQLITE + str(_under(base, url.removeprefix(SQLITE)))
    database = dataclasses.replace(settings.database, url=url)
    return dataclasses.replace(settings, app=app, storage=storage, database=database)


def _under(base: Path, path: str) -> Path:
    given = Path(path).expanduser()
    return given if given.is_absolute() else base / given


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
            if isinstance(value, bool) and {"true", "false"} <= CHOICES.get(dotted, set()):
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


def with_history_key(settings: Settings, history_key: str) -> Settings:
    return dataclasses.replace(
        settings, register=dataclasses.replace(settings.register, history_key=history_key)
    )


def redact_url(url: str) -> str:
    """A URL fit for logs and banners: any password replaced by ***."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


def config_source(env=None) -> str:
    """Which config file is in use, for the banner (the working directory matters)."""
    path = _config_path(None, os.environ if env is None else env)
    return str(path.resolve()) if path else "none (defaults and environment)"
