"""Writes of the chat state from two threads on the real SQLite file: a photo's check
forgetting its photo after the reply (wechat.chat.last_photo.forget, from a background
thread) while the member answers the visit's questions must not write back the step it
read and undo the answer (wechat.chat.state._write compares and sets)."""

import threading

from models import ChatState
from models.base import db
from services import clock
from tests import images
from tests.factories import pair
from tests.wechat.test_chat_support import chat_user, conversation_state
from wechat import texts
from wechat.chat import last_photo, state

member, user = chat_user("oa-race", "钱红")


class PausedRead:
    """ChatState.get_or_none that, in one thread and at its `nth` call there, returns the row
    read and then waits until released: the moment between a read and the write after it."""

    def __init__(self, monkeypatch, nth: int):
        self.original, self.nth, self.calls = ChatState.get_or_none, nth, 0
        self.thread: threading.Thread | None = None
        self.read, self.go = threading.Event(), threading.Event()
        monkeypatch.setattr(ChatState, "get_or_none", staticmethod(self))

    def __call__(self, *args, **kwargs):
        row = self.original(*args, **kwargs)
        if threading.current_thread() is self.thread:
            self.calls += 1
            if self.calls == self.nth:
                self.read.set()
                assert self.go.wait(10)
        return row


def in_thread(app, work, paused: PausedRead) -> threading.Thread:
    def run():
        with app.app_context(), db.connection_context():
            work()

    paused.thread = threading.Thread(target=run)
    paused.thread.start()
    assert paused.read.wait(10)
    return paused.thread


def test_forgetting_the_photo_does_not_undo_an_answer_given_meanwhile(
    app, user, member, monkeypatch
):
    pair(member)
    user.say("走访")
    user.location(34.7466, 113.6253)
    user.photo(images.jpeg(seed=341))
    user.settle()
    assert conversation_state("oa-race") == "visit_seen"
    sent = state.kept("oa-race", state.LAST_PHOTO)
    paused = PausedRead(monkeypatch, nth=2)  # forget: kept(), then _write's read
    thread = in_thread(app, lambda: last_photo.forget("oa-race", sent["request_id"]), paused)
    try:
        assert "提供了哪些帮助" in user.say("老人身体不错")  # the answer, between read and write
    finally:
        paused.go.set()
        thread.join(10)
    assert not thread.is_alive()
    assert conversation_state("oa-race") != "visit_seen"  # the answer stands
    assert state.kept("oa-race", state.LAST_PHOTO) is None  # and the photo is forgotten
    assert user.say("送去米面油") == texts.VISIT_SAVED


def test_a_row_whose_json_is_spaced_otherwise_is_still_written(app, member):
    now = clock.now_utc()
    state.start("oa-race", "visit_seen", {"a": 1}, now)
    raw = '{"a":1}'  # as another writer (or a hand fix) may have spaced it
    db.execute_sql(f"UPDATE chat_state SET data = {db.param}", (raw,))
    state.keep("oa-race", state.LAST_PHOTO, {"request_id": "r"}, now)
    assert state.kept("oa-race", state.LAST_PHOTO) == {"request_id": "r"}
    assert conversation_state("oa-race") == "visit_seen"
