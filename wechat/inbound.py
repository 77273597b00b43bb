"""What the Official Account endpoint hands the chat: one parsed push, whatever its type.

The endpoint (wechat/endpoint.py) verifies, decrypts, parses and deduplicates a push, then calls
`wechat.router.handle(message)` and renders what it returns. The chat never sees XML."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Inbound:
    """One push from WeChat. `kind` is the message type ('text', 'image', 'voice', 'video',
    'shortvideo', 'location', 'link', ...) or, for events, 'event' with `event` set
    ('subscribe', 'unsubscribe', 'scan', 'location', 'click', 'view',
    'templatesendjobfinish', 'subscribe_msg_popup_event', ...; lower case)."""

    openid: str
    kind: str
    create_time: int  # the push's epoch CreateTime (not wechatpy's create_time)
    msg_id: int | None = None
    content: str = ""  # text, or what WeChat heard in a voice message (its Recognition)
    event: str = ""
    event_key: str = ""  # CLICK key, VIEW url, scene (qrscene_ prefix removed), ...
    lat: float | None = None  # location message (Location_X) or LOCATION event (Latitude)
    lng: float | None = None
    precision: float | None = None
    label: str = ""
    media_id: str = ""
    pic_url: str = ""
    status: str = ""  # TEMPLATESENDJOBFINISH status
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    """What to answer: text (None or '' means answer 'success'), and optional follow-up work
    to run after the answer is sent (slow work such as downloading a photo); its result goes to
    the user as a customer-service message."""

    text: str | None = None
    after: tuple = ()  # (callable, args) pairs, run by wechat.deferred after replying
