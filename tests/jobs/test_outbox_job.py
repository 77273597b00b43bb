"""The sender job: jobs.outbox.drain_outbox(now) in an app context, in demo mode too."""

from datetime import timedelta

import pytest

from jobs.outbox import drain_outbox
from models import Notification
from services import clock
from services.outbox import Message, enqueue
from tests.factories import make_member


@pytest.fixture
def settings_overrides(settings_overrides):
    """Demo mode on the test emulator: the demo template ids stand in for configured ones."""
    return settings_overrides | {"app": settings_overrides["app"] | {"demo": "true"}}


def queue(now, count=3):
    members = [make_member(oa_openid=f"oa-{i}") for i in range(count)]
    payload = {"title": "走访提醒"}
    messages = [Message(m.id, "visit_reminder", payload, f"v:{m.id}") for m in members]
    enqueue(messages, now, "off")


def test_the_job_sends_what_is_due_with_the_demo_templates(app, emulator):
    now = clock.now_utc()
    queue(now)
    with app.app_context():
        assert drain_outbox(now) == {"claimed": 3, "sent": 3}
        assert drain_outbox(now + timedelta(minutes=1)) == {}
    calls = emulator.calls_to("template_send")
    assert {c.body["template_id"] for c in calls} == {"demo-oa-notice"} and len(calls) == 3
    assert {n.status for n in Notification.select()} == {"sent"}


def test_a_run_that_died_holding_rows_leaves_them_to_a_later_run(app, emulator, settings):
    now = clock.now_utc()
    queue(now, count=2)
    lease = timedelta(seconds=settings.notifications.lease_seconds)
    Notification.update(claimed_until=now + lease - timedelta(seconds=1)).execute()  # a dead run
    with app.app_context():
        assert drain_outbox(now) == {}
        assert drain_outbox(now + lease) == {"claimed": 2, "sent": 2}
    assert len(emulator.calls_to("template_send")) == 2
