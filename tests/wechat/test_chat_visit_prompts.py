"""A household visit asks each of its questions once, through /wechat as deployed: the reply
to the photo asks what was seen, and the photo's result (a customer-service message after
the reply) only tells the result; it does not ask again."""

import pytest

from models import ServiceRecord
from tests import images
from tests.factories import pair
from tests.wechat import oa
from tests.wechat.test_chat_support import Pushes, chat_member
from wechat import texts

SEEN = "老人腿脚不便，独自居住"
HELPED = "帮忙打扫卫生"


member = chat_member("oa-qian", "钱芳")


@pytest.fixture
def user(client, app, member, emulator):
    pair(member)
    return Pushes(client, app, "oa-qian", emulator)


def times_asked(messages: list[str], question: str) -> int:
    return sum(message.count(question) for message in messages)


def test_the_photo_result_does_not_ask_what_was_seen_again(user):
    user.say("走访")
    user.location(34.7466, 113.6253)
    replies = [oa.reply_text(user.photo(images.jpeg(seed=301)))]
    assert replies[0] == texts.ASK_VISIT_SEEN
    user.settle()
    result = user.pushed()[-1]
    assert result.startswith("走访照片已核验") and "家庭情况" not in result
    replies.append(user.say(SEEN))
    replies.append(user.say(HELPED))
    assert replies[-1] == texts.VISIT_SAVED
    seen = [*replies, *user.pushed()]
    assert times_asked(seen, texts.VISIT_SEEN_QUESTION) == 1
    assert times_asked(seen, texts.VISIT_HELP_QUESTION) == 1
    record = ServiceRecord.get()
    assert (record.content, record.outcome) == ("入户走访：" + SEEN, HELPED)


def test_a_note_given_during_the_check_is_not_asked_for_again_by_its_result(user):
    """The first note answered while the photo is checked: the reply to it asked for the
    help given, and the result, coming after, does not ask a second time."""
    user.say("走访")
    user.location(34.7466, 113.6253)
    held = user.photo(images.jpeg(seed=302), close=False)  # its check waits
    asked = user.say(SEEN)
    assert asked == texts.ASK_VISIT_HELP
    held.close()
    user.settle()
    result = user.pushed()[-1]
    assert result.startswith("走访照片已核验") and "帮助" not in result
    assert times_asked([asked, result], texts.VISIT_HELP_QUESTION) == 1
    assert user.say(HELPED) == texts.VISIT_SAVED
    assert ServiceRecord.get().content == "入户走访：" + SEEN
