"""How much the residents' rating page takes from everybody together: what it holds for the
office, and where it stops taking even that.

- A target's first per_target_per_hour new ratings an hour are judged as usual; the rest of
  that hour are held for the office (services.feedback): an honest resident is never turned
  away, and a script cannot move an average.
- Held ratings count nowhere, but each is a line in the office's moderation queue. So a
  day's held ratings have a ceiling: held_per_target_per_day for one target, and
  held_per_ip_per_day from one address. Past either, a new rating that would be held is
  refused politely (nothing stored; come back tomorrow), while ratings judged as usual are
  still taken. The defaults are far above what a community's residents give in a day.
- The address counts only when it is the resident's own (a public one). Behind the reverse
  proxy every phone comes from the proxy's (loopback or private) address, and counting that
  would turn one script into a wall for everybody: then only the target's ceiling holds. An
  IPv6 address counts by its /64 (a phone changes its address within it at will). The
  address is kept only as a keyed hash, only on held ratings, and only for
  feedback.key_keep_days (services.housekeeping clears it after: the ceilings count today).
"""

import hmac
import ipaddress
from datetime import date

from models import Feedback
from settings.sections import FeedbackSettings

from .errors import TooMany

#: Said when a day's ceiling on held ratings is reached: nothing was stored.
HELD_FULL = "非常抱歉，今天这里收到的评价太多，暂时收不下您的评价。请明天再扫码评价，谢谢您！"


def address_key(secret: str, address: str) -> str:
    """A keyed hash of the resident's own address; '' for none, or one that is not theirs
    (loopback, private, shared: a proxy's or a carrier's)."""
    client = _client(address)
    if not client:
        return ""
    return hmac.new(secret.encode(), b"feedback-address|" + client.encode(), "sha256").hexdigest()


def _client(address: str) -> str:
    """What of a public address names one client: an IPv4 address whole, the IPv4 inside an
    IPv4-mapped one (::ffff:a.b.c.d, as a dual-stack socket reports an IPv4 client, judged
    public or not as that IPv4 is), and an IPv6 address's /64, within which a phone picks a
    new address at will; '' for an address that is not public."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if not ip.is_global:
        return ""
    if ip.version == 6:
        return str(ipaddress.ip_network((ip, 64), strict=False))
    return str(ip)


def check_held_ceiling(target_key: str, ip_key: str, day: date, limits: FeedbackSettings) -> None:
    """TooMany (feedback_held_full) when the day's held ratings of this target, or from this
    address, have reached their ceiling."""
    held = (Feedback.rated_on == day) & (Feedback.held_reason != "")
    ceilings = [(Feedback.target_key == target_key, limits.held_per_target_per_day)]
    if ip_key:
        ceilings.append((Feedback.ip_key == ip_key, limits.held_per_ip_per_day))
    for where, ceiling in ceilings:
        if Feedback.select().where(held & where).count() >= ceiling:
            raise TooMany(HELD_FULL, "feedback_held_full")
