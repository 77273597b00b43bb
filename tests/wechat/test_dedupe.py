"""WeChat's retries: the handler runs once per push, every retry gets the same reply, also
when the retries arrive at the same time on other threads (other connections)."""

import re
import threading
import time

import pytest

from models import InboundMessage
from tests.factories import make_member, make_team
from tests.statements import count_queries
from wechat import dedupe, deferred, texts
from wechat.inbound import Reply

from . import oa

OPENID = "o_member_dup"


class CountingHandler:
    """A chat stand-in that counts its runs and answers a different text each time."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.runs = []
        self._lock = threading.Lock()

    def __call__(self, message):
        with self._lock:
            self.runs.append(message)
            number = len(self.runs)
        time.sleep(self.delay)
        return Reply(text=f"第{number}次处理]]>")


@pytest.fixture
def handler(app):
    counting = CountingHandler()
    app.extensions["wechat_handler"] = counting
    return counting


def content(response):
    assert response.status_code == 200
    return oa.reply_text(response)


def test_retries_get_the_first_reply_and_the_handler_runs_once(client, handler):
    xml = oa.text(OPENID, "签到", msg_id=1001)
    answers = [content(oa.push(client, xml)) for _ in range(4)]
    assert answers == ["第1次处理]]>"] * 4
    assert len(handler.runs) == 1


def test_different_msg_ids_are_different_pushes(client, handler):
    assert content(oa.push(client, oa.text(OPENID, "a", msg_id=1))) == "第1次处理]]>"
    assert content(oa.push(client, oa.text(OPENID, "a", msg_id=2))) == "第2次处理]]>"


def test_event_retries_are_recognised_by_sender_time_event_and_key(client, handler):
    click = oa.event(OPENID, "CLICK", "MENU_A", CreateTime=1_800_000_000)
    assert content(oa.push(client, click)) == content(oa.push(client, click))
    assert len(handler.runs) == 1
    other_key = oa.event(OPENID, "CLICK", "MENU_B", CreateTime=1_800_000_000)
    other_time = oa.event(OPENID, "CLICK", "MENU_A", CreateTime=1_800_000_001)
    other_user = oa.event("o_someone_else", "CLICK", "MENU_A", CreateTime=1_800_000_000)
    for xml in (other_key, other_time, other_user):
        oa.push(client, xml)
    assert len(handler.runs) == 4


def test_a_msg_id_too_long_for_the_key_column_is_still_deduplicated(client, handler):
    xml = oa.text(OPENID, "签到", msg_id=int("9" * 250))
    assert [oa.push(client, xml).status_code for _ in range(2)] == [200, 200]
    assert len(handler.runs) == 1
    [row] = InboundMessage.select()
    assert row.dedupe_key.startswith("sha1:") and len(row.dedupe_key) <= 200


def test_retry_in_another_mode_is_still_a_retry(settings_overrides, request):
    settings_overrides["wechat"]["official_account"].update(
        encoding_aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", message_mode="compatible"
    )
    app = request.getfixturevalue("app")
    counting = app.extensions["wechat_handler"] = CountingHandler()
    client = app.test_client()
    xml = oa.text(OPENID, "hi", msg_id=555)
    plain, sealed = oa.push(client, xml), oa.push(client, xml, mode="safe")
    assert oa.reply_text(plain) == oa.reply_text(sealed, client) == "第1次处理]]>"
    assert len(counting.runs) == 1


def test_the_reply_is_stored_durably(client, handler):
    oa.push(client, oa.text(OPENID, "hi", msg_id=9))
    row = InboundMessage.get(InboundMessage.dedupe_key == "msg:9")
    assert (row.openid, row.msg_type, row.reply) == (OPENID, "text", "第1次处理]]>")


def test_a_silent_first_answer_makes_silent_retries(app, client):
    runs = []
    app.extensions["wechat_handler"] = lambda message: runs.append(message) or Reply()
    xml = oa.event(OPENID, "LOCATION", Latitude=1.0, Longitude=2.0, Precision=3.0)
    assert [oa.push(client, xml).data for _ in range(3)] == [b"success"] * 3
    assert len(runs) == 1


def test_after_work_runs_once_however_many_retries(app, client):
    done = []
    app.extensions["wechat_handler"] = lambda message: Reply(
        text="处理中", after=((done.append, (message.msg_id,)),)
    )
    xml = oa.image(OPENID, "MEDIA", msg_id=31)
    for _ in range(3):
        assert content(oa.push(client, xml)) == "处理中"
    assert deferred.wait_idle(app, 10)
    assert done == [31]


def test_a_failed_first_delivery_is_not_run_again(app, client):
    app.config["PROPAGATE_TEST_ERRORS"] = False
    runs = []

    def broken(message):
        runs.append(message)
        raise RuntimeError("chat bug")

    app.extensions["wechat_handler"] = broken
    xml = oa.text(OPENID, "hi", msg_id=404)
    assert [oa.push(client, xml).data for _ in range(2)] == [b"success"] * 2
    assert len(runs) == 1


def push_concurrently(app, xml, count=5):
    """Send the same push from `count` threads at once, each its own client and connection."""
    barrier, responses = threading.Barrier(count), [None] * count

    def deliver(index):
        client = app.test_client()
        barrier.wait()
        responses[index] = oa.push(client, xml)

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return responses


def test_concurrent_retries_run_the_handler_once_and_share_its_reply(app):
    counting = app.extensions["wechat_handler"] = CountingHandler(delay=0.5)
    responses = push_concurrently(app, oa.text(OPENID, "签到", msg_id=2024))
    assert [content(response) for response in responses] == ["第1次处理]]>"] * 5
    assert len(counting.runs) == 1


def test_concurrent_event_retries_too(app):
    counting = app.extensions["wechat_handler"] = CountingHandler(delay=0.2)
    xml = oa.event(OPENID, "subscribe", "qrscene_42", CreateTime=1_800_000_123)
    responses = push_concurrently(app, xml, count=4)
    assert {content(response) for response in responses} == {"第1次处理]]>"}
    assert len(counting.runs) == 1


def test_concurrent_different_pushes_all_run(app):
    counting = app.extensions["wechat_handler"] = CountingHandler()
    barrier = threading.Barrier(6)
    answers = []

    def deliver(msg_id):
        client = app.test_client()
        barrier.wait()
        answers.append(content(oa.push(client, oa.text(OPENID, "x", msg_id=msg_id))))

    threads = [threading.Thread(target=deliver, args=(3000 + i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(counting.runs) == 6 and len(set(answers)) == 6


def test_a_slow_first_delivery_leaves_the_retry_with_success(database):
    assert dedupe.claim("msg:77", OPENID, "text") is True
    assert dedupe.claim("msg:77", OPENID, "text") is False
    started = time.monotonic()
    assert dedupe.wait_for_reply("msg:77", timeout=0.3) is None
    assert 0.3 <= time.monotonic() - started < 2
    dedupe.save_reply("msg:77", "好")
    assert dedupe.wait_for_reply("msg:77", timeout=0.3) == "好"


def test_waiting_sees_a_reply_saved_by_another_connection(database):
    dedupe.claim("msg:78", OPENID, "text")

    def finish():
        time.sleep(0.2)
        from models import db

        with db.connection_context():
            dedupe.save_reply("msg:78", "稍后的回复")

    thread = threading.Thread(target=finish)
    thread.start()
    assert dedupe.wait_for_reply("msg:78", timeout=3) == "稍后的回复"
    thread.join()


# A pure command (help, figures) is answered first and recorded with its reply in one write.


class CountingHelp(str):
    """The member help text, numbered each time it is written out."""

    def __new__(cls):
        made = super().__new__(cls, "帮助")
        made.count = 0
        return made

    def format(self, **fields):
        self.count += 1
        return f"帮助第{self.count}次"


@pytest.fixture
def help_text(monkeypatch, app):
    make_member(team=make_team(), oa_openid=OPENID)
    counting = CountingHelp()
    monkeypatch.setattr(texts, "HELP_MEMBER", counting)
    return counting


def inbound_writes(statements) -> list[str]:
    """The kinds of write to the dedupe table (on PostgreSQL each comes after a WITH)."""
    writes = [s.sql for s in statements if "inbound_message" in s.sql]
    kinds = [re.search(r"\b(INSERT|UPDATE|DELETE)\b", sql) for sql in writes]
    return [kind.group(1) for kind in kinds if kind]


def test_a_pure_push_is_recorded_with_its_reply_in_one_write(client, help_text):
    with count_queries() as statements:
        first = content(oa.push(client, oa.text(OPENID, "帮助", msg_id=5001)))
    assert first == "帮助第1次" and inbound_writes(statements) == ["INSERT"]
    assert InboundMessage.get(InboundMessage.dedupe_key == "msg:5001").reply == "帮助第1次"
    with count_queries() as statements:
        checkin = oa.push(client, oa.text(OPENID, "签到", msg_id=5002))
    assert checkin.status_code == 200
    assert inbound_writes(statements) == ["INSERT", "UPDATE"]  # claimed first, saved after


def test_a_retried_pure_push_gets_the_first_reply(client, help_text):
    xml = oa.text(OPENID, "帮助", msg_id=5003)
    assert [content(oa.push(client, xml)) for _ in range(3)] == ["帮助第1次"] * 3


def test_concurrent_pure_deliveries_all_give_the_recorded_reply(app, help_text):
    responses = push_concurrently(app, oa.text(OPENID, "帮助", msg_id=5004), count=4)
    answers = {content(response) for response in responses}
    stored = InboundMessage.get(InboundMessage.dedupe_key == "msg:5004").reply
    assert answers == {stored} and InboundMessage.select().count() == 1
