"""The reach rule: which channel can reach a member before anything is sent, and why a member
no channel can reach is unreachable, as a leader is told."""

from datetime import timedelta

import pytest

from services import grants, reach
from services.reach import Recipient
from tests.factories import NOW, make_member
from tests.statements import count_queries

ORDER = ("mp_subscribe", "oa_template", "oa_custom")
TEMPLATE = "tmpl-mp"


def person(**changes) -> Recipient:
    fields = {
        "member_id": 1,
        "name": "王芳",
        "mp_openid": "mp-1",
        "oa_openid": "oa-1",
        "oa_reachable": True,
        "last_interaction_at": NOW - timedelta(hours=1),
        "has_grant": True,
    }
    return Recipient(**(fields | changes))


@pytest.mark.parametrize(
    ("channel", "changes", "reason"),
    [
        ("mp_subscribe", {}, None),
        ("mp_subscribe", {"mp_openid": None}, "no_openid"),
        ("mp_subscribe", {"has_grant": False}, "no_grant"),
        ("oa_template", {"last_interaction_at": None}, None),
        ("oa_template", {"oa_openid": None}, "no_openid"),
        ("oa_template", {"oa_reachable": False}, "not_following"),
        ("oa_custom", {"last_interaction_at": NOW - timedelta(hours=47.9)}, None),
        ("oa_custom", {"last_interaction_at": NOW - timedelta(hours=48)}, "window_closed"),
        ("oa_custom", {"last_interaction_at": None}, "window_closed"),
        ("oa_custom", {"oa_reachable": False}, "not_following"),
        ("oa_custom", {"oa_openid": None, "oa_reachable": False}, "no_openid"),
    ],
)
def test_each_channel_s_refusal(channel, changes, reason):
    assert reach.refusal(channel, person(**changes), NOW) == reason


NOBODY = {"mp_openid": None, "oa_openid": None}
MP_ONLY = {"oa_openid": None, "has_grant": False}
UNFOLLOWED = {"mp_openid": None, "oa_reachable": False}


@pytest.mark.parametrize(
    ("changes", "order", "why"),
    [
        ({}, ORDER, None),
        ({"has_grant": False}, ORDER, None),  # the Official Account still reaches them
        ({"mp_openid": None, "oa_reachable": False, "has_grant": False}, ORDER, "not_following"),
        ({**UNFOLLOWED, "mp_openid": "mp-1", "has_grant": False}, ORDER, "not_following"),
        ({**UNFOLLOWED, "mp_openid": "mp-1"}, ORDER, None),  # a grant left
        (NOBODY, ORDER, "not_bound"),
        (MP_ONLY, ORDER, "no_grant"),
        ({"mp_openid": None, "last_interaction_at": None}, ("oa_custom",), "window_closed"),
        ({"oa_openid": None}, ("oa_template", "oa_custom"), "no_openid"),  # bound elsewhere
        (NOBODY, ("oa_custom",), "not_bound"),
    ],
)
def test_why_no_channel_reaches_a_member(changes, order, why):
    assert reach.why_unreachable(person(**changes), order, NOW) == why


NO_TEMPLATES = ("oa_custom",)  # the Official Account set up, no template configured
NO_MP_TEMPLATE = ("oa_template", "oa_custom")


@pytest.mark.parametrize(
    ("channel", "changes", "set_up", "reason"),
    [
        ("mp_subscribe", {}, NO_MP_TEMPLATE, "not_set_up"),
        ("mp_subscribe", {"mp_openid": None}, NO_MP_TEMPLATE, "no_openid"),  # not theirs anyway
        ("oa_template", {}, NO_TEMPLATES, "not_set_up"),
        ("oa_template", {"oa_reachable": False}, NO_TEMPLATES, "not_set_up"),
        ("oa_custom", {}, NO_TEMPLATES, None),
    ],
)
def test_a_channel_not_set_up_refuses_whom_it_could_address(channel, changes, set_up, reason):
    assert reach.refusal(channel, person(**changes), NOW, set_up) == reason


OUT_OF_WINDOW = {"last_interaction_at": NOW - timedelta(hours=50)}


@pytest.mark.parametrize(
    ("changes", "set_up", "why"),
    [
        ({"mp_openid": None}, NO_TEMPLATES, None),  # within the window: a text reaches them
        ({"mp_openid": None, **OUT_OF_WINDOW}, NO_TEMPLATES, "not_set_up"),  # not their doing
        ({**MP_ONLY, "has_grant": True}, NO_MP_TEMPLATE, "not_set_up"),  # not 「未开启提醒」
        ({**MP_ONLY, **OUT_OF_WINDOW}, NO_MP_TEMPLATE, "not_set_up"),
        ({**UNFOLLOWED, **OUT_OF_WINDOW}, NO_TEMPLATES, "not_following"),  # theirs first
        (MP_ONLY, ("mp_subscribe",), "no_grant"),  # no OA set up, but they are not bound there
        (NOBODY, NO_TEMPLATES, "not_bound"),
    ],
)
def test_a_setup_gap_is_told_as_such_not_blamed_on_the_member(changes, set_up, why):
    assert reach.why_unreachable(person(**changes), ORDER, NOW, set_up) == why


def test_the_window_is_judged_at_the_time_given():
    quiet = person(mp_openid=None, last_interaction_at=NOW - timedelta(hours=40))
    assert reach.why_unreachable(quiet, ("oa_custom",), NOW) is None
    assert reach.why_unreachable(quiet, ("oa_custom",), NOW + timedelta(hours=9)) == (
        "window_closed"
    )


def test_members_are_read_with_their_grants_in_one_go(database):
    granted = make_member(mp_openid="mp-a")
    spent = make_member(mp_openid="mp-b")
    other = make_member(mp_openid="mp-c")
    plain = make_member(oa_openid="oa-d")
    for member in (granted, spent):
        grants.add(member.id, TEMPLATE, NOW)
    grants.spend(spent.id, TEMPLATE)
    grants.add(other.id, "another-template", NOW)
    with count_queries() as statements:
        people = reach.recipients([granted, spent, other, plain], TEMPLATE)
    assert len(statements) == 1  # the grants of all four, not a query per member
    assert [(r.member_id, r.has_grant) for r in people] == [
        (granted.id, True),
        (spent.id, False),
        (other.id, False),
        (plain.id, False),
    ]
    with count_queries() as statements:
        assert not any(r.has_grant for r in reach.recipients([granted], ""))  # no template
    assert statements == []


def test_an_audience_counts_the_reachable_and_names_the_rest():
    people = [
        person(member_id=1, name="甲"),
        person(member_id=2, name="乙", **NOBODY),
        person(member_id=3, name="丙", **UNFOLLOWED),
        person(member_id=4, name="丁", oa_openid=None),
    ]
    audience = reach.audience(people, ORDER, NOW)
    assert (audience.reachable, audience.total) == (2, 4)
    assert [(u.member_id, u.name, u.reason) for u in audience.unreached] == [
        (2, "乙", "not_bound"),
        (3, "丙", "not_following"),
    ]
