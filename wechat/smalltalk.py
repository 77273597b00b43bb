"""Everyday texts that name no command: 「收到」, 「好的」, 「谢谢」, 👍, 「我不去了」 and 「不了」.

They are the commonest replies members send (「收到」 answers every notice from a leader),
and a few of them look like a keyword with one character changed (收到/签到, 是的/我的,
对/结对): wechat.matching never guesses them as a command, and the router answers them
kindly, reminding the member of what a conversation under way still waits for.

A text is small talk when, besides blanks, punctuation and emoji, it holds nothing but words
of the table and particles (「好的好的」, 「收到，谢谢！」, 「我知道了哦」, 「👍👍」)."""

import unicodedata

from . import phrasing

ACK, THANKS, WITHDRAW, DECLINE = "ack", "thanks", "withdraw", "decline"
STUCK = "stuck"  # "it doesn't work", of nothing named: the router says how and whom to ask
WORDS = {
    **dict.fromkeys(
        ("收到", "好", "好的", "好滴", "好哒", "好嘞", "嗯", "嗯呢", "哦", "噢", "行", "可以"),
        ACK,
    ),
    # 「恩」 is 「嗯」 as commonly mistyped; 「是滴」 a playful 「是的」.
    **dict.fromkeys(("恩", "恩呢", "是滴"), ACK),
    **dict.fromkeys(
        ("知道", "知道了", "晓得", "明白", "明白了", "清楚", "了解", "是", "是的", "对", "对的"),
        ACK,
    ),
    **dict.fromkeys(("没问题", "ok", "okay", "妥", "妥了"), ACK),
    # Coming as asked, the usual answer to a notice: 「好的，明天准时到」.
    **dict.fromkeys(("准时到", "按时到", "一定到", "会到", "准时参加", "一定去", "会去"), ACK),
    **dict.fromkeys(("谢谢", "谢谢你", "谢谢您", "多谢", "感谢", "辛苦了", "辛苦"), THANKS),
    **dict.fromkeys(("thanks", "thankyou", "thx"), THANKS),
    # Not coming to an activity: enrolment is withdrawn with 「取消报名 序号」, which the router
    # points to; 「不去了」 must not read as 「不要了」 (取消) and seem to have done it.
    **dict.fromkeys(("不去", "不去了", "去不了", "去不成", "不参加", "不参加了"), WITHDRAW),
    **dict.fromkeys(("参加不了", "参加不成", "来不了", "不来", "不来了", "不想去"), WITHDRAW),
    **dict.fromkeys(("不想参加", "没空去", "没时间去"), WITHDRAW),
    # "No, thanks": no to what a conversation asks (wechat.text_route reads it as each step
    # defines no), and nothing to do when none is open. 「不了」 is no typo of 「不要了」 (取消).
    **dict.fromkeys(("不了", "不用", "不必", "不需要"), DECLINE),
    # Something not working, of nothing named (「签到不了」 names check-in: wechat.matching).
    **dict.fromkeys(("不行", "用不了", "不好用", "不管用", "不好使", "弄不了", "搞不定"), STUCK),
    **dict.fromkeys(("不会用", "不会弄", "没反应", "出错了", "还是不行", "还不行"), STUCK),
    # Said around the words, answered by none of them on their own: whom the member addresses
    # (「谢谢队长」) and when (「收到，明天去」).
    **dict.fromkeys(("队长", "书记", "老师", "同志", "主任", "大家", "各位"), None),
    **dict.fromkeys(("通知", "消息"), None),  # 「通知收到了」: what is acknowledged
    **dict.fromkeys(("今天", "明天", "后天", "上午", "下午", "晚上", "明早", "去", "到"), None),
}
GESTURES = {
    **dict.fromkeys("👍👌👏🤝💪✌😊🙂☺😀😄🫡", ACK),
    **dict.fromkeys("🙏🌹💐🌷❤💕", THANKS),
}
# May stand around the words: 「我知道了哦」, 「好的呀」, 「收到啦」.
PARTICLES = "我也都就了啦吧呢啊呀哦嘛哈嘞呐"
_LONGEST_FIRST = sorted(WORDS, key=len, reverse=True)
# What a mixed text is answered as: 「好的，谢谢」 is thanks, 「不用了，谢谢」 a no.
_ORDER = (WITHDRAW, STUCK, DECLINE, THANKS, ACK)


def kind(text: str) -> str | None:
    """ACK, THANKS, WITHDRAW, DECLINE or STUCK when the text is small talk, else None (also
    for a text of addresses and times alone, 「明天」, which answers nothing)."""
    folded = phrasing.fold(text)  # 「謝謝」 is 「谢谢」
    found = {GESTURES[ch] for ch in folded if ch in GESTURES}
    words = "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")
    while words:
        word = next((w for w in _LONGEST_FIRST if words.startswith(w)), None)
        if word is not None:
            found.add(WORDS[word])
        elif words[0] not in PARTICLES:
            return None
        words = words[len(word) if word else 1 :]
    return next((k for k in _ORDER if k in found), None)


# A yes to a question the chat just asked (「您是想签到吗？」), nothing else said: 「是」,
# 「对的」, 「嗯嗯」, 「好的呀」, 👍. 「收到」 and 「知道了」 acknowledge; they say no yes.
YES = ("是", "是的", "对", "对的", "嗯", "好", "好的", "行", "可以", "要", "没错", "ok", "没问题")
# 「恩」 (「嗯」 mistyped), 「是滴」, pinyin 「shi」; 「记吧」, 「记上」 answer 「要记为…吗？」
# (NO has 「不记」).
YES += ("恩", "是滴", "shi", "dui", "记", "记上", "记下", "要记")
YES_GESTURES = "👍👌"


def is_yes(text: str, thanked: bool = False) -> bool:
    """Whether the text is nothing but a yes (YES, said once or repeated, with particles).
    Thanks after it (「是的，谢谢」) may be `thanked` only where the chat asked a yes-or-no
    question: after a guess at a command (「您是想签到吗？」) 「好的谢谢」 is thanks, no yes."""
    folded = phrasing.fold(text)
    words = "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN").strip(PARTICLES)
    if thanked:
        words = _unthanked(words).strip(PARTICLES)
    if not words:
        return bool(folded.strip()) and all(ch in YES_GESTURES for ch in folded.strip())
    return any(words == word * (len(words) // len(word)) for word in YES)


# A no to such a question, nothing else said: 「不是」, 「不用了」, 「算了吧」, 「不记了」.
# Read only where the chat asked a yes-or-no question (wechat.text_route.YES_NO): elsewhere
# 「算了」 is 取消 and 「不用」 a refusal of what a step does.
NO = ("不是", "不是的", "不对", "不", "否", "没有", "不用", "不要", "不必", "不需要", "算了")
NO += ("不记", "别记", "不用记", "都不是")
# The photo was sent by mistake: 「发错了」, 「错了」, 「弄错了」.
NO += ("错", "发错", "弄错", "搞错", "传错", "拍错", "点错")
_NOT_LE = PARTICLES.replace("了", "")  # 「算了」 stripped of its 了 would be 「算」, a yes


THANKED = ("谢谢您", "谢谢你", "谢谢", "谢了")  # 「不是，谢谢」, longest first


def is_no(text: str) -> bool:
    """Whether the text is nothing but a no (NO, said once or repeated, with particles and
    thanks)."""
    letters = "".join(ch for ch in phrasing.fold(text) if unicodedata.category(ch)[0] in "LN")
    words = _unthanked(letters)
    cores = {words.strip(PARTICLES), words.strip(_NOT_LE)}
    return any(core and core == no * (len(core) // len(no)) for core in cores for no in NO)


def _unthanked(words: str) -> str:
    """Thanks said after a yes or a no (「不是，谢谢」) add nothing to the answer."""
    for word in THANKED:
        words = words.removesuffix(word)
    return words
