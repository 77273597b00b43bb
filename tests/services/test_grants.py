"""Subscribe-message grants: an accept adds one, a send spends one, never below zero, and two
senders cannot spend the same grant."""

import threading
from datetime import timedelta

import pytest

from models import SubscriptionGrant, SubscriptionReport, db
from services import grants
from services.errors import Invalid
from services.housekeeping import purge_expired
from tests.factories import NOW, make_member

T, OTHER = "tmpl-notice", "tmpl-retired"


@pytest.fixture
def member(database):
    return make_member()


def test_accepts_add_grants_and_other_answers_add_nothing(member):
    ignored = grants.record_results(
        member.id,
        {T: "accept", OTHER: "accept", "errMsg": "requestSubscribeMessage:ok"},
        (T,),
        NOW,
    )
    assert ignored == [OTHER]
    for answer in ("acceptWithAlert", "reject", "ban", "filter"):
        grants.record_results(member.id, {T: answer}, (T,), NOW)
    assert grants.remaining(member.id, (T,)) == {T: 2}
    assert SubscriptionGrant.select().count() == 1


def test_grants_are_capped(member):
    for _ in range(grants.MAX_GRANTS + 5):
        grants.add(member.id, T, NOW)
    assert grants.remaining(member.id, (T,)) == {T: grants.MAX_GRANTS}


def test_a_send_spends_one_and_none_is_spent_twice(member):
    grants.add(member.id, T, NOW)
    assert grants.spend(member.id, T) is True
    assert grants.spend(member.id, T) is False
    assert grants.spend(member.id, OTHER) is False
    grants.refund(member.id, T, NOW)
    assert grants.remaining(member.id, (T, OTHER)) == {T: 1, OTHER: 0}
    grants.clear(member.id, T)
    assert grants.remaining(member.id, (T,)) == {T: 0}


def test_concurrent_senders_spend_exactly_the_grants_there_are(member):
    for _ in range(5):
        grants.add(member.id, T, NOW)
    start, spent = threading.Barrier(8), []

    def sender():
        with db.connection_context():
            start.wait()
            spent.extend(grants.spend(member.id, T) for _ in range(3))

    threads = [threading.Thread(target=sender) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert spent.count(True) == 5 and grants.remaining(member.id, (T,)) == {T: 0}


@pytest.mark.parametrize(
    "results",
    [
        [],
        {},
        {"errMsg": "requestSubscribeMessage:ok"},
        {T: "maybe"},
        {T: ["accept"]},
        {T: None},
        {"": "accept"},
        {"模板": "accept"},
        {"x" * 65: "accept"},
        {f"t{i}": "accept" for i in range(11)},
    ],
)
def test_bad_results_are_refused(member, results):
    with pytest.raises(Invalid):
        grants.record_results(member.id, results, (T,), NOW)
    assert SubscriptionGrant.select().count() == 0


def test_concurrent_retries_of_one_report_count_once(member):
    start, answers = threading.Barrier(6), []

    def retry():
        with db.connection_context():
            start.wait()
            answers.append(grants.record_results(member.id, {T: "accept"}, (T,), NOW, "tap-1"))

    threads = [threading.Thread(target=retry) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [[]] * 6
    assert grants.remaining(member.id, (T,)) == {T: 1}


def test_reports_are_forgotten_after_a_month(member):
    grants.record_results(member.id, {T: "accept"}, (T,), NOW, "tap-1")
    assert purge_expired(NOW + timedelta(days=29))["subscription_reports"] == 0
    grants.record_results(member.id, {T: "accept"}, (T,), NOW, "tap-1")
    assert grants.remaining(member.id, (T,)) == {T: 1}
    assert purge_expired(NOW + timedelta(days=31))["subscription_reports"] == 1
    assert SubscriptionReport.select().count() == 0
