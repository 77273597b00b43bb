"""The text of a leader's notice: what a notice may say before it is queued.

A notice goes out whole as a customer-service text, whose limit WeChat counts in UTF-8
bytes (a Chinese character takes three, a letter or digit one, most emoji four); subscribe
and template messages show only its start and link to the whole. So the limit is in bytes,
told to the leader in the unit they count in: Chinese characters.
"""

from math import ceil

from .errors import Invalid
from .notification_texts import KIND_NAMES, URGENT_KIND_NAMES, text_body_room, utf8_size

TITLE = KIND_NAMES["broadcast"]
URGENT_TITLE = URGENT_KIND_NAMES["broadcast"]  # what members see, so they can tell it apart
#: A notice's title, by whether it is urgent.
TITLES = {False: TITLE, True: URGENT_TITLE}
#: What a customer-service text titled 【队长通知】 (or 【紧急通知】) leaves for the notice.
MAX_BYTES = min(text_body_room(title) for title in TITLES.values())
CHINESE_BYTES = 3
#: The limit as a leader counts: Chinese characters.
MAX_CHINESE = MAX_BYTES // CHINESE_BYTES
TOO_LONG = (
    "通知内容过长：通知最多约 {limit} 个汉字（3 个字母或数字约合 1 个汉字），"
    "请删减约 {over} 个汉字后再发送。"
)


def check_text(text: str) -> str:
    """The notice without surrounding blanks; Invalid when empty, too long or unprintable."""
    text = (text or "").strip()
    if not text:
        raise Invalid("通知内容不能为空。", "empty_text")
    over = utf8_size(text) - MAX_BYTES
    if over > 0:
        message = TOO_LONG.format(limit=MAX_CHINESE, over=ceil(over / CHINESE_BYTES))
        raise Invalid(message, "text_too_long")
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise Invalid("通知内容含有无效字符。", "bad_text")
    return text
