"""Misspellings of the chat's keywords that members often send: many are elderly and write
with handwriting or pinyin input, which picks a character that sounds (签倒 for 签到, 签推
and 签腿 for 签退) or looks (签至) like the one meant. difflib (wechat.near_miss) cannot tell
these from other words, as a two-character keyword shares one character with them, so the
obvious ones are listed here, each with the keyword it stands for (wechat.commands).

A misspelling is read as its keyword only where the keyword would be a command on its
own: at the start of the text (after openers and a wish: 「我要签倒」, or a negation: 「我不想
签倒」), as a whole word, with nothing after it but particles, punctuation and words saying
it is not working or not wanted (「签倒了」, 「签倒不了」, 「签推算了」: wechat.phrasing.AFTER) or,
before a command's arguments, a blank, a separator or a digit (「抱名 2」, 「抱名2」). Inside
other words it is left alone: 「报明天的活动」 holds 报明 but is no enrolment. So a misspelt
keyword is read as refused or in trouble as the keyword is (wechat.matching).
"""

import unicodedata

from . import phrasing

MISSPELLINGS = {
    # 签到 qiandao
    **dict.fromkeys(("签倒", "签导", "签岛", "签刀", "签至", "千到"), "签到"),
    # 签退 qiantui
    **dict.fromkeys(("签推", "签腿", "签褪", "千退"), "签退"),
    # 走访 zoufang
    **dict.fromkeys(("走仿", "走纺", "走坊", "走房", "走放", "走芳", "奏访"), "走访"),
    # 活动 huodong
    **dict.fromkeys(("活洞", "活冻", "活栋"), "活动"),
    # 报名 baoming
    **dict.fromkeys(("抱名", "报明", "报鸣", "保名", "宝名", "包名"), "报名"),
    # 帮助 bangzhu
    **dict.fromkeys(("帮住", "帮主", "邦助", "帮祝"), "帮助"),
    # 结对 jiedui
    **dict.fromkeys(("结队", "接对", "结兑"), "结对"),
    # 补登 budeng
    **dict.fromkeys(("补灯", "补瞪", "布登"), "补登"),
    # 我的 wode: 我得 is left out, as 「我得了」 (I have got…) is a sentence of its own.
    # 绑定 bangding
    **dict.fromkeys(("帮定", "邦定", "绑订", "榜定"), "绑定"),
    # 取消 quxiao
    **dict.fromkeys(("取销",), "取消"),
}
# What may follow a misspelling standing alone: particles and punctuation (「签倒了！」).
TRAILING = "我了啦吧呢啊呀哦嘛吗一下"
_LONGEST_FIRST = sorted(MISSPELLINGS, key=len, reverse=True)
_AFTER_LONGEST_FIRST = sorted(phrasing.AFTER, key=len, reverse=True)


def corrected(text: str) -> str:
    """The text with a misspelt keyword it starts with (after a negation, if any) written as
    the keyword (「签倒了」 -> 「签到了」, 「不想签倒」 -> 「不想签到」, 「抱名 2」 -> 「报名 2」),
    the rest as typed; else the text as it was."""
    for body in dict.fromkeys((text.lstrip(), phrasing.without_wish(text).lstrip())):
        lead = phrasing.negation_lead(body)
        start = len(lead)
        for wrong in _LONGEST_FIRST:
            head, rest = body[start : start + len(wrong)], body[start + len(wrong) :]
            if phrasing.fold(head) == wrong and _stands_alone(rest):
                return lead + MISSPELLINGS[wrong] + rest
    return text


def _stands_alone(rest: str) -> bool:
    """Whether what follows a misspelling leaves it a word of its own: nothing but particles,
    punctuation, emoji and words of trouble or refusal (「不了」, 「算了」), or a blank,
    punctuation or a digit (a list's number: 「抱名2」) before anything else."""
    if not rest or not _is_letter(rest[0]) or unicodedata.category(rest[0]) == "Nd":
        return True
    letters = phrasing.fold("".join(ch for ch in rest if _is_letter(ch)))
    for word in _AFTER_LONGEST_FIRST:
        letters = letters.replace(word, "")
    return all(ch in TRAILING for ch in letters)


def _is_letter(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LN"
