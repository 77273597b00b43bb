"""The local content filter: a short list, found however a word is cased, widened or spaced."""

import pytest

from services import content_check
from services.content_check import REFUSED, ContentRefused, is_locally_refused, parse_rules
from tests.factories import make_member

TESTERS = ["通知 法轮功 测试", "通知 加我微信 wx123 领取免费礼品 http://t.cn/abc"]


@pytest.mark.parametrize(
    "text",
    [
        *TESTERS,
        "法 轮 功",
        "法·轮·功",
        "加微信领取",
        "免费领取礼品",
        "兼职刷单日结",
        "详情见 T.CN/abc",
        "详情见 ｔ．ｃｎ／ａｂｃ",  # full width
        "戳 https://bit.ly/x",
        "加 V信 免费 送红包",
    ],
)
def test_the_default_list_refuses(text):
    assert is_locally_refused(text)


@pytest.mark.parametrize(
    "text",
    [
        "周六上午九点社区集合",
        "请大家加我微信，方便联系",
        "明天去敬老院，大家带好红马甲",
        "打扫卫生后到活动室领取手套",
        "资料见 https://example.cn/notice",
        "反诈宣传：不要轻信陌生来电",
        "到 at.cnpc.com 查看",  # a host that merely contains t.cn
    ],
)
def test_harmless_notices_pass(text):
    assert not is_locally_refused(text)


def test_a_list_takes_words_and_patterns_and_skips_comments():
    rules = parse_rules(["# note", "", "ＡＢＣ", "re:^x\\d+$"])
    assert rules.words == ("abc",) and len(rules.patterns) == 1
    assert is_locally_refused("a b c", rules) and is_locally_refused("X12", rules)
    assert not is_locally_refused("x12y", rules)


def test_a_refusal_does_not_repeat_the_word(app):
    with pytest.raises(ContentRefused) as refused:
        content_check.check_content(make_member(), TESTERS[0])
    assert refused.value.code == "content_refused" and refused.value.status == 400
    assert refused.value.message == REFUSED and "法轮功" not in refused.value.message


def test_without_an_openid_wechat_is_not_asked(app):
    asked = []
    member = make_member(mp_openid=None)
    assert content_check.check_content(member, "周六集合", lambda *a: asked.append(a)) is None
    assert asked == []
