"""The same words sent twice in a row to a question taking the member's own words: a double
tap, or a message resent because the reply was slow, not the answer to the next question.
WeChat gives the two texts different message ids, so the endpoint's dedupe cannot tell; the
conversation keeps the last answer and when it came, and the same text within WINDOW is a
repeat. After that the same words are taken: a member may mean them for two fields."""

from datetime import datetime, timedelta

WINDOW = timedelta(seconds=60)
# Where a conversation's data keeps the last answer and its time (ISO, naive UTC).
TEXT, AT = "last_answer", "last_answer_at"


def noted(text: str, now: datetime) -> dict:
    """What the conversation keeps of an answer just taken."""
    return {TEXT: text, AT: now.isoformat()}


def is_repeat(data: dict, text: str, now: datetime) -> bool:
    """Whether `text` is the answer just taken, sent again within WINDOW."""
    if data.get(TEXT) != text or not data.get(AT):
        return False
    return now - datetime.fromisoformat(data[AT]) <= WINDOW
