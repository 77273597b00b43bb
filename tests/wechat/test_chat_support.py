"""What the chat tests share: a user chatting with the router directly, as the endpoint
would call it, and the customer-service messages the emulator received for them.

(Named test_chat_* so it sits with the chat tests; it holds no tests itself.)"""

import itertools
import time
from datetime import timedelta

import pytest

from models import Enrollment
from services import clock
from tests.factories import make_activity, make_member, make_team
from tests.wechat import oa
from wechat import deferred, router
from wechat.chat import state
from wechat.inbound import Inbound, Reply

_ids = itertools.count(7_000_000_000_000_000_001)
_media = itertools.count(1)
NEAR = 0.00027  # about 30 m north of a place


class Chat:
    """One WeChat user (an openid) talking to the Official Account."""

    def __init__(self, openid: str, emulator):
        self.openid, self.emulator = openid, emulator

    def push(self, kind: str, **fields) -> Reply:
        fields.setdefault("create_time", int(time.time()))
        if kind != "event":
            fields.setdefault("msg_id", next(_ids))
        reply = router.handle(Inbound(self.openid, kind, **fields))
        assert isinstance(reply, Reply)
        if reply.text:
            assert len(reply.text.encode()) <= 2000
        return reply

    def say(self, content: str) -> str:
        return self.push("text", content=content).text

    def location(self, lat: float, lng: float) -> str:
        return self.push("location", lat=lat, lng=lng, label="").text

    def photo(self, content: bytes, run_after: bool = True) -> Reply:
        media_id = f"media-{next(_media)}"
        self.emulator.add_media(media_id, content)
        reply = self.push("image", media_id=media_id, pic_url="http://example/pic")
        if run_after:
            after(reply)
        return reply

    def event(self, event: str, key: str = "", **fields) -> Reply:
        return self.push("event", event=event, event_key=key, **fields)

    def pushed(self) -> list[str]:
        """The customer-service texts sent to this user, oldest first."""
        calls = self.emulator.calls_to("custom_send")
        return [c.body["text"]["content"] for c in calls if c.body.get("touser") == self.openid]


def conversation_state(openid: str) -> str | None:
    """The state of the openid's live conversation, or None."""
    live = state.current(openid, clock.now_utc())
    return live.state if live else None


def after(reply: Reply) -> None:
    """Run a reply's follow-up work, as wechat.deferred does once the reply is sent."""
    for work, args in reply.after:
        work(*args)


def enrolled_activity(member, title: str = "义诊"):
    """An activity going on now that the member enrolled in: 「签到」 would start at once."""
    now = clock.now_utc()
    activity = make_activity(member.team, starts_at=now - timedelta(minutes=10), title=title)
    Enrollment.create(activity=activity, member=member, created_at=now)
    return activity


class Pushes:
    """One WeChat user talking to /wechat as WeChat does: signed XML pushes, the passive
    replies read back, and the deferred work (a photo's check) run once a response is
    closed, as a server closes it after sending."""

    def __init__(self, client, app, openid: str, emulator):
        self.client, self.app, self.openid, self.emulator = client, app, openid, emulator

    def say(self, content: str) -> str | None:
        return oa.reply_text(oa.push(self.client, oa.text(self.openid, content)))

    def location(self, lat: float, lng: float) -> str | None:
        return oa.reply_text(oa.push(self.client, oa.location(self.openid, lat, lng)))

    def photo(self, content: bytes, msg_id: int | None = None, close: bool = True):
        """Send a photo; the response (its text: oa.reply_text), left open with close=False
        so its check waits until it is closed."""
        media_id = f"media-{next(_media)}"
        self.emulator.add_media(media_id, content)
        xml = oa.image(self.openid, media_id, msg_id)
        return oa.push(self.client, xml, close=close)

    def settle(self) -> None:
        """Wait for the deferred work started so far; it must not have failed."""
        assert deferred.wait_idle(self.app) and deferred.errors(self.app) == []

    def pushed(self) -> list[str]:
        """The customer-service texts sent to this user, oldest first."""
        calls = self.emulator.calls_to("custom_send")
        return [c.body["text"]["content"] for c in calls if c.body.get("touser") == self.openid]


def chat_member(openid: str, name: str | None = None):
    """A chat test file's `member` fixture: a member of a new team bound to this Official
    Account openid, the app context open for the whole test (`member = chat_member(...)`)."""
    named = {"name": name} if name else {}

    @pytest.fixture
    def member(app):
        with app.app_context():
            yield make_member(team=make_team(), oa_openid=openid, **named)

    return member


def chat_user(openid: str, name: str | None = None):
    """A chat test file's `member` and `user` fixtures: the member (chat_member) and Pushes
    talking as them through /wechat (`member, user = chat_user("oa-li", "李梅")`)."""

    @pytest.fixture
    def user(client, app, member, emulator):
        return Pushes(client, app, openid, emulator)

    return chat_member(openid, name), user


def chat_direct(openid: str, name: str | None = None):
    """A chat test file's `member` and `chat` fixtures: the member (chat_member) and a Chat
    talking as them to the router directly (`member, chat = chat_direct("oa-bob", "王强")`)."""

    @pytest.fixture
    def chat(member, emulator):
        return Chat(openid, emulator)

    return chat_member(openid, name), chat
