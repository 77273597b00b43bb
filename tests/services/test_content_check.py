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


@pytest.mark.parametrize(
    "text",
    [
        "这个人就是个混蛋，傻逼，滚蛋！",
        "傻 逼",
        "傻Ｂ一个",
        "什么王八蛋",
        "SB 干部",
        "操你妈",
        "一群人渣",
        "服务个狗屁",
        "真是白痴",
        "脑残",
        "去他妈的！",
        "太差了他妈的",
    ],
)
def test_insults_are_caught(text):
    assert is_locally_refused(text)


@pytest.mark.parametrize(
    "text",
    [
        "王同志帮忙清理了垃圾，分类得很好",
        "社区组织回收废物，环境干净多了",
        "他经常去看望他妈的老朋友",
        "我去他妈家里送了米",
        "今天是我生日你们都来了，谢谢",
        "早上带我们做操，你们辛苦了",
        "帮我修好了USB接口",
        "滚动屏幕上的字很清楚",
        "把鸡蛋和面粉混在一起做了蛋糕",
        "电脑残旧了，王同志帮忙修好",
        "遛狗日常很规律",
        "傻傻地等了半天，结果他们很快就来了",
        "智障人士也得到了照顾",
        "节日你妈妈身体还好吗",
    ],
)
def test_ordinary_words_are_not_caught(text):
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
