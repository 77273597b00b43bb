"""The settings' sections as frozen dataclasses: every key, its type and its default."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import get_type_hints

from services.notification_texts import GRANT_LAST_KINDS


@dataclass(frozen=True)
class AppSettings:
    secret_key: str = ""
    data_dir: str = "instance"
    public_url: str = ""
    log_level: str = "INFO"
    max_content_mb: int = 12
    demo: str = "auto"


@dataclass(frozen=True)
class RegisterSettings:
    """The key that signs the register's history chain (HMAC-SHA256), kept out of the database
    so that whoever can write to the database cannot recompute the chain after an edit. Its own
    key, not app.secret_key: that one may be changed at any time (photo links), while changing
    this one means re-signing the whole register (`register seal`, with the old key as
    previous_history_key)."""

    history_key: str = ""
    previous_history_key: str = ""


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
    min_service_minutes: int = 5
    photo_min_side_px: int = 320
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


@dataclass(frozen=True)
class FeedbackSettings:
    """Residents' ratings from QR cards (services.feedback): where the cards point, how many
    new ratings a target takes in an hour before the further ones wait for the office (one
    phone holds one rating per target a day, so it needs no limit of its own), how long
    a form must stand open before its post is taken, the ceilings on a day's held
    ratings, per target and per address (services.feedback_limits), and how many days a
    rating keeps the keyed hashes of its phone and address (services.housekeeping; the
    page's footer says so)."""

    public_url: str = ""
    per_target_per_hour: int = 10
    min_form_seconds: float = 2.0
    held_per_target_per_day: int = 200
    held_per_ip_per_day: int = 300
    key_keep_days: int = 30


@dataclass(frozen=True)
class AssessmentSettings:
    """The annual assessment's suggested grade (services.annual_grades): the least a member
    does in a year for each grade. Hours and months with a visit are for a whole year on the
    roster and scale down for a member who joined or left during it; a rating limit applies
    only to a member residents rated; entries rejected count against the two upper grades.
    The office decides: this is only a suggestion with its reason."""

    excellent_hours: float = 40.0
    excellent_visit_months: int = 10
    excellent_min_rating: float = 4.5
    excellent_max_rejected: int = 0
    pass_hours: float = 20.0
    pass_visit_months: int = 6
    pass_min_rating: float = 3.0
    pass_max_rejected: int = 3
    basic_hours: float = 8.0
    basic_visit_months: int = 3


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
        """The kinds with an order of their own: as configured, else, for the kinds that
        spare the member's subscribe grants, the default order with that channel last."""
        spared = dict.fromkeys(GRANT_LAST_KINDS, grant_last(parse_channels(self.channels)))
        return spared | parse_channel_overrides(self.channels_by_kind)

    def fields_for(self, channel: str) -> tuple[tuple[str, str], ...]:
        """(template key, source) pairs of a channel's template, e.g. ('thing1', 'title')."""
        spec = {"mp_subscribe": self.mp_template_fields, "oa_template": self.oa_template_fields}
        return parse_fields(spec.get(channel, ""))


def parse_channels(text: str) -> tuple[str, ...]:
    """'mp_subscribe, oa_custom' -> ('mp_subscribe', 'oa_custom')."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def grant_last(channels: tuple[str, ...]) -> tuple[str, ...]:
    """The channels with mp_subscribe (if among them) moved to the end."""
    return tuple(sorted(channels, key=lambda name: name == "mp_subscribe"))


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
    register: RegisterSettings = field(default_factory=RegisterSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    redis: RedisSettings = field(default_factory=RedisSettings)
    wechat: WechatSettings = field(default_factory=WechatSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    rules: RulesSettings = field(default_factory=RulesSettings)
    notifications: NotificationSettings = field(default_factory=NotificationSettings)
    feedback: FeedbackSettings = field(default_factory=FeedbackSettings)
    assessment: AssessmentSettings = field(default_factory=AssessmentSettings)

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
