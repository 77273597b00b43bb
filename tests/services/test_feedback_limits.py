"""The ceiling on a day's held ratings: a script cannot fill the office's moderation queue
without end, while residents rating as residents do never meet it."""

from datetime import timedelta

import pytest

from models import Feedback
from services.errors import TooMany
from services.feedback import Sender
from services.feedback_limits import address_key
from services.feedback_targets import code_for
from settings.sections import FeedbackSettings
from tests.factories import NOW, make_member, make_team
from tests.services.test_feedback import SECRET, rate

PUBLIC = "114.114.114.114"  # a phone's own (public) address, as the page may see it
TIGHT = FeedbackSettings(per_target_per_hour=1, held_per_target_per_day=3, held_per_ip_per_day=4)
UNFIT = "加微信领取免费礼品"  # held by the local filter whatever the hour's count


@pytest.fixture
def codes(database):
    team = make_team(name="第一服务队")
    members = [make_member(name=name, team=team) for name in ("王建国", "李红")]
    return [code_for("member", m.id, NOW) for m in members]


def bot(n: int, address: str = "") -> Sender:
    return Sender(SECRET, f"bot{n}", address)


def refused(code, who, comment="", now=NOW, limits=TIGHT) -> bool:
    try:
        rate(code, 1, comment, who=who, now=now, limits=limits)
    except TooMany as exc:
        assert exc.code == "feedback_held_full" and exc.status == 429
        assert "明天" in exc.message
        return True
    return False


def test_past_a_targets_ceiling_a_rating_that_would_be_held_is_refused(codes):
    code, other = codes
    outcomes = [refused(code, bot(n)) for n in range(6)]
    assert outcomes == [False] * 4 + [True] * 2  # one approved, three held, then no more
    assert refused(code, bot(9), UNFIT)  # held by the filter: refused too
    held = Feedback.select().where(Feedback.moderation == "pending")
    assert (Feedback.select().count(), held.count()) == (4, 3)
    # A rating judged as usual is still taken: the hour after, or another target.
    assert not refused(code, bot(10), now=NOW + timedelta(hours=1))
    assert not refused(other, bot(11))
    assert Feedback.get(Feedback.client_key == bot(10).key).moderation == "approved"
    # The next Shanghai day (00:00 there is 16:00 UTC) takes held ratings again.
    midnight = NOW.replace(hour=16)
    assert refused(code, bot(12), UNFIT, now=midnight - timedelta(minutes=1))
    assert not refused(code, bot(13), UNFIT, now=midnight)


def test_the_office_deciding_does_not_reopen_the_day(codes):
    """The ceiling counts the day's held ratings, also those the office has decided since:
    a script cannot keep the queue full by outpacing the clerk."""
    from services.feedback_review import moderate
    from tests.factories import office_actor

    code, _ = codes
    for n in range(4):
        rate(code, 1, who=bot(n), limits=TIGHT)
    clerk = office_actor()
    for row in Feedback.select().where(Feedback.moderation == "pending"):
        moderate(clerk, row.id, "reject", "刷分", NOW)
    assert refused(code, bot(9))


def test_changing_a_held_rating_is_never_refused(codes):
    code, _ = codes
    for n in range(4):
        rate(code, 1, who=bot(n), limits=TIGHT)
    assert not refused(code, bot(3), "改一下留言", now=NOW + timedelta(minutes=5))
    assert Feedback.get(Feedback.client_key == bot(3).key).comment == "改一下留言"


def test_past_an_addresss_ceiling_held_ratings_from_it_are_refused(codes):
    """Held ratings from one public address, over all targets, up to the address's ceiling;
    the same targets still take them from other addresses."""
    code, other = codes
    limits = FeedbackSettings(
        per_target_per_hour=1, held_per_target_per_day=100, held_per_ip_per_day=3
    )
    rate(code, 5, who=bot(0, PUBLIC), limits=limits)  # approved: not counted
    rate(other, 5, who=bot(1), limits=limits)
    outcomes = [
        refused(c, bot(n, PUBLIC), limits=limits) for n, c in enumerate([code, other] * 2, 2)
    ]
    assert outcomes == [False, False, False, True]
    assert not refused(other, bot(9, "1.2.4.8"), limits=limits)
    assert not refused(other, bot(10), limits=limits)  # no address seen
    keys = {f.ip_key for f in Feedback.select().where(Feedback.moderation == "pending")}
    assert keys == {address_key(SECRET, PUBLIC), address_key(SECRET, "1.2.4.8"), ""}
    assert PUBLIC not in str(keys)


def test_one_ipv6_network_counts_as_one_address(codes):
    """A phone picks a new IPv6 address within its network's /64 at will: the ceiling counts
    the /64, and another /64 is another address."""
    code, other = codes
    limits = FeedbackSettings(
        per_target_per_hour=1, held_per_target_per_day=100, held_per_ip_per_day=3
    )
    rate(code, 5, who=bot(0), limits=limits)
    rate(other, 5, who=bot(1), limits=limits)
    home = [f"240e:3a1:1234:5678::{n:x}" for n in range(2, 6)]
    outcomes = [
        refused(c, bot(n, a), limits=limits)
        for n, (c, a) in enumerate(zip([code, other] * 2, home, strict=True), 2)
    ]
    assert outcomes == [False, False, False, True]
    assert not refused(other, bot(9, "240e:3a1:1234:5679::9"), limits=limits)


@pytest.mark.parametrize(
    ("address", "same_as"),
    [
        ("::ffff:114.114.114.114", PUBLIC),  # IPv4 as a dual-stack socket reports it
        ("240e:3a1:1234:5678:abcd:ef01:2345:6789", "240e:3a1:1234:5678::1"),
    ],
)
def test_an_address_is_keyed_by_the_client_it_names(address, same_as):
    assert address_key(SECRET, address) == address_key(SECRET, same_as) != ""


@pytest.mark.parametrize(
    "address",
    [
        *("127.0.0.1", "10.0.0.8", "192.168.1.20", "172.16.0.1", "100.64.1.1", "::1"),
        *("::ffff:100.64.1.1", "::ffff:10.0.0.8", "::ffff:127.0.0.1", "fd00::8", "", "unknown"),
    ],
)
def test_a_proxys_address_is_not_the_residents_and_never_counts(codes, address):
    """Behind the reverse proxy every phone comes from the proxy's address: counting it
    would let one script shut out everybody, so only the target's ceiling holds."""
    code, other = codes
    limits = FeedbackSettings(
        per_target_per_hour=1, held_per_target_per_day=100, held_per_ip_per_day=2
    )
    outcomes = [refused(c, bot(n, address), limits=limits) for n, c in enumerate([code, other] * 4)]
    assert not any(outcomes) and address_key(SECRET, address) == ""
    assert {f.ip_key for f in Feedback.select()} == {""}


def test_an_approved_rating_keeps_no_address(codes):
    code, _ = codes
    rate(code, 5, who=bot(0, PUBLIC))
    assert Feedback.get().ip_key == ""


def test_a_busy_day_of_residents_never_meets_the_defaults(codes):
    """A big activity's card on a busy day: 150 residents in an hour rate it (most held as a
    burst), 30 of them from one public address (the event's Wi-Fi), and a few comments the
    filter holds: every one is taken with the default limits."""
    code, _ = codes
    for n in range(150):
        address = PUBLIC if n < 30 else f"36.{n}.1.1"
        comment = UNFIT if n % 25 == 0 else ""
        at = NOW + timedelta(seconds=20 * n)
        rate(code, 1 + n % 5, comment, who=bot(n, address), now=at, limits=FeedbackSettings())
    assert Feedback.select().count() == 150


def test_the_ceilings_come_from_the_settings():
    import os

    from settings import ConfigError, load_settings

    env = {
        "XIANFENG_FEEDBACK_HELD_PER_TARGET_PER_DAY": "7",
        "XIANFENG_FEEDBACK_HELD_PER_IP_PER_DAY": "9",
    }
    limits = load_settings(os.devnull, env=env).feedback
    assert (limits.held_per_target_per_day, limits.held_per_ip_per_day) == (7, 9)
    with pytest.raises(ConfigError, match="held_per_ip_per_day"):
        load_settings(os.devnull, env={"XIANFENG_FEEDBACK_HELD_PER_IP_PER_DAY": "0"})
