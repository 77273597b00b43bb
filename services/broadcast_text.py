"""The text of a leader's notice: what a notice may say before it is queued."""

from .errors import Invalid

MAX_TEXT = 500


def check_text(text: str) -> str:
    """The notice without surrounding blanks; Invalid when empty, too long or unprintable."""
    text = (text or "").strip()
    if not text:
        raise Invalid("通知内容不能为空。", "empty_text")
    if len(text) > MAX_TEXT:
        raise Invalid(f"通知内容过长，请控制在 {MAX_TEXT} 字以内。", "text_too_long")
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise Invalid("通知内容含有无效字符。", "bad_text")
    return text
