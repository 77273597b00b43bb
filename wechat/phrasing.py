"""How members phrase a request around the keyword (wechat.matching reads the keyword).

New members rarely send a bare 「签到」. They greet first (「您好，我想签个到」), say what they
want (「我想报名」, 「怎么报名」), write in traditional characters (「簽到」), or state a fact
(「我到了」, 「我走了」). Each is a table here, so a phrasing is added by adding a word:

- OPENERS: polite openers and forms of address that stand before a request and change
  nothing about it; a text of nothing but openers (「在吗」, 「Hi」) asks for help.
- WISHES: words of wanting or asking how, dropped only when a keyword follows them, so
  「我想报名」 is read as 「报名」 while 「我要不要签到」 is left to the negation rules.
- SAID: whole texts (besides SAID_PARTICLES) that state a fact meaning a command where one
  fits (wechat.chat.arrivals decides whether one does): 「到了」 is a check-in only with
  an activity open to it.
- PROXY: a check-in asked for somebody else (「帮李秀英签到」, 「代签 李秀英」): never the
  sender's own check-in, whatever keyword it holds (wechat.chat.proxy answers it).
- TRADITIONAL: the traditional characters of the keywords, small talk and openers, folded
  to simplified ones; a full conversion table (OpenCC) is not needed for a few dozen
  words, and every other character is left as typed.
"""

import re
import unicodedata

DO, REFUSE, TROUBLE = "do", "refuse", "trouble"  # what a text asks of the command it names
# A word just before a keyword (the longest there counts): 「不想签到」 refuses the command,
# 「不能签到」 says it is not working. 没 is left out: 「还没签到」 means "not yet", and the
# command is the answer to it. The last words end as a negation does but negate nothing.
BEFORE = {
    **dict.fromkeys(("不", "不要", "不想", "不想要", "不打算", "不用", "不必", "不需要"), REFUSE),
    **dict.fromkeys(("无需", "别", "甭"), REFUSE),
    **dict.fromkeys(("不能", "不会", "无法", "没法", "没办法"), TROUBLE),
    **dict.fromkeys(("要不", "特别", "分别", "个别", "区别"), DO),
}
# A word just after a keyword: 「签到不了」, 「打卡失败」, 「签到算了」.
AFTER = {
    **dict.fromkeys(("不了", "不上", "不成", "不行", "失败"), TROUBLE),
    **dict.fromkeys(("算了", "就算了", "不要了", "不用了"), REFUSE),
}
# What may stand before a command's keyword (or its misspelling: wechat.misspellings) and
# negate it: every word of BEFORE that negates.
NEGATIONS = tuple(word for word, mood in BEFORE.items() if mood != DO)
OPENERS = (
    *("您好", "你好", "您们好", "你们好", "大家好", "在吗", "在不在", "在么"),
    *("队长好", "书记好", "老师好", "主任好", "队长", "书记"),
    *("hi", "hello", "hey", "哈喽", "嗨", "打扰了", "打扰一下", "请问", "问一下", "问下"),
    *("早上好", "上午好", "中午好", "下午好", "晚上好"),
)
WISHES = (
    *("我想要", "我要", "我想", "想要", "我来", "我需要", "帮我", "给我", "麻烦", "我"),
    *("怎么", "如何", "怎样", "我该怎么", "我怎么", "在哪里", "在哪"),
)
# The whole text (without SAID_PARTICLES) -> the command it may mean. 了 is kept: 「到」
# alone is too short to read as anything (it shares one character with 签到).
SAID = {
    **dict.fromkeys(("到了", "已到", "已经到了", "到场了", "已到达", "到达了"), "arrived"),
    **dict.fromkeys(
        ("走了", "先走了", "回去了", "先回去了", "回家了", "撤了", "先撤了"), "leaving"
    ),
    **dict.fromkeys(("结束了", "完事了", "服务完了"), "leaving"),
}
SAID_PARTICLES = "我啦呀啊哦嘛吧呢哈"
# A mobile number and a six-digit code, nothing else: what the office's slip says to bind with,
# sent without 「绑定」 in front (「13800000034 830537」).
BIND_PAIR = re.compile(r"1\d{2}[\s-]?\d{4}[\s-]?\d{4}[\s,，;；/]+\d{6}")


def is_bind_pair(text: str) -> bool:
    return BIND_PAIR.fullmatch(unicodedata.normalize("NFKC", text).strip()) is not None


# A check-in (or check-out) asked for somebody else, on the compact text: 「帮李秀英签到」,
# 「替老张打个卡」, 「代签 李秀英」, 「代为登记」. The name is what stands between; a name that is
# the sender themself (「帮我签到」) or no name (「帮忙签到」, 「帮助签到」) is no proxy.
PROXY = (
    re.compile(r"(?:代签到?|代为签到|代为登记|代登记|代打卡)(?P<name>.{0,8})"),
    re.compile(r"(?:帮|替|给|代)(?P<name>.{1,8}?)(?:签个?到|打个?卡|签退|登记)(?:一下|下)?"),
)
PROXY_LEADS = ("帮忙", "麻烦", "请", "我")  # may stand before it: 「我帮忙给李秀英签到」
NOT_PROXY_NAMES = ("我", "我们", "自己", "我自己", "本人", "忙", "助", "为", "一下", "下")


def proxy_name(text: str) -> str | None:
    """The name a check-in for somebody else names ('' for none), or None when the text
    asks no such thing."""
    compact = _compact(text)
    while lead := next((word for word in PROXY_LEADS if compact.startswith(word)), None):
        compact = compact.removeprefix(lead)
    for pattern in PROXY:
        found = pattern.fullmatch(compact)
        if found is not None and found["name"] not in NOT_PROXY_NAMES:
            return found["name"]
    return None


# A notice marked urgent by a word set apart at its start: bracketed (「【紧急】…」, 「【急】…」),
# or followed by punctuation, a blank or nothing (「紧急：明早停水」, 「紧急！…」, 「紧急」
# alone; 急 only with a colon or an exclamation mark: 「急！…」). It is 「紧急通知」 with the rest
# as its text. 「紧急情况怎么办」 and 「急死了」 name nothing; 「紧急通知…」 and 「急 通知…」 are
# keywords (wechat.commands), read as such first.
_URGENT = r"(?:[紧緊]急|加急|特急)"
URGENT_MARKS = (
    re.compile(rf"[\[【(（〔]\s*(?:{_URGENT}|急)\s*[\]】)）〕]"),
    re.compile(rf"{_URGENT}(?:\s*[:：!！,，、。;；]|\s|$)"),
    re.compile(r"急\s*[:：!！]"),
)
URGENT_AFTER = " \u3000:：,，、"  # may stand between the mark and the text


def urgent_notice(text: str) -> str | None:
    """The text after an urgent mark that leads it (URGENT_MARKS), as typed, or None."""
    text = (text or "").strip()
    found = next(filter(None, (mark.match(text) for mark in URGENT_MARKS)), None)
    return text[found.end() :].lstrip(URGENT_AFTER).rstrip() if found else None


# While a preview waits for 「确认」, a short text asking to make that notice urgent:
# 「紧急」, 「改成紧急」, 「紧急的」, 「要加急」 (wechat.chat.leader re-shows it, urgent).
URGENT_WORDS = ("紧急", "加急", "特急", "急", "紧急通知", "紧急发", "急发", "加急发")
URGENT_ASKING = ("改成", "改为", "换成", "变成", "设成", "设为", "改", "要", "是", "算", "按")
URGENT_ENDINGS = "的了吧啊呀哦呢一下"


def asks_urgent(text: str) -> bool:
    """Whether a text is nothing but a wish to make the notice waiting urgent."""
    letters = "".join(ch for ch in fold(text or "") if unicodedata.category(ch)[0] in "LN")
    letters = letters.replace("緊", "紧").rstrip(URGENT_ENDINGS)
    for lead in URGENT_ASKING:
        letters = letters.removeprefix(lead)
    return letters.rstrip(URGENT_ENDINGS) in URGENT_WORDS


# At a step asking for the location, a short text naming it refuses to send it only with a
# refusal next to the name (「不发位置了」, 「位置不发了」, 「发不了位置」), and then the check-out
# goes on without one, which cannot be undone. Any other negation or a question there
# (「我不知道怎么发位置」, 「定位没开」, 「位置不准怎么办」) is trouble: the member hears how to
# send it and the step stays. LOCATION_SKIPS are whole texts that skip it, 了 and thanks
# after them aside (「不用了，谢谢」): 「跳过」, 「不发了」, and the words for "no need" (「不用」,
# 「不需要」), which at a check-in or visit say why the location is needed and keep the step
# (the check-out goes on without one). 「不了」 and 「不要了」 are no to the whole thing, not to
# the location: they leave as 「取消」 does (wechat.text_route).
LOCATION_WORDS = ("位置", "定位")
LOCATION_REFUSALS = (
    *("不发", "不想发", "不要发", "不用发", "别发", "不发送", "不给", "不想给", "发不了"),
)
LOCATION_TROUBLE = (
    *("怎么", "怎样", "如何", "哪", "吗", "么", "不知道", "没找到", "找不到", "不会"),
    *("不准", "不对", "没开", "打不开", "开不了", "没有", "不行"),
)
LOCATION_NEGATIONS = "不没别无"
LOCATION_SKIPS = (
    *("跳过", "略过", "不发", "不想发", "发不了", "不用发", "不需要发", "不要发"),
    *("不用", "不需要", "不必", "没必要", "用不着", "免"),
)
SKIP_ENDS = ("谢谢您", "谢谢你", "谢谢", "谢了")  # said after a skip: 「不用了，谢谢」
LOCATION_HOW = ("不会发", "怎么发", "不知道怎么发", "在哪发", "在哪里发", "发不出去")
LOCATION_TEXT = 12
# At the step asking for the photo, a short text naming it with a word of trouble (「我发不了
# 照片」, 「照片发不出去」, 「没法拍照」), or a whole text of PHOTO_HOW, says the member cannot
# send it: they hear how to, and the step stays (wechat.text_route.PHOTO_HELP).
PHOTO_WORDS = ("照片", "相片", "图片", "拍照", "拍摄")
PHOTO_TROUBLE = (
    *("发不了", "发不出", "发不上", "传不了", "拍不了", "不会", "没法", "没办法", "不知道"),
    *("怎么", "怎样", "如何", "不行", "打不开"),
)
PHOTO_HOW = ("不会发", "怎么发", "发不了", "发不出去", "不知道怎么发", "不会拍", "拍不了")

# Words that make a text naming a keyword among other words (matching.Found.asked) a question
# about it (「谁没签到」, 「签到表在哪」) rather than a request said at length (「今天签到」).
QUESTION_WORDS = ("谁", "哪", "什么", "啥", "几", "多少", "吗", "么", "有没有", "是否")


# Pairs of a traditional character and its simplified form.
_PAIRS = (
    "簽签 籤签 動动 報报 時时 長长 統统 計计 結结 對对 戶户 訪访 幫帮 單单 確确 認认 發发 審审 "
    "綁绑 務务 個个 這这 麼么 嗎吗 說说 謝谢 問问 請请 沒没 還还 會会 無无 號号 項项 參参 來来 "
    "過过 擾扰 隊队 記记 書书 師师 達达 場场 東东 實实 們们 見见 幾几 題题 體体 總总 聽听 樣样 "
    "開开 關关 間间 週周 後后 給给 裡里 裏里 經经 邊边 為为 從从 該该 覺觉 歡欢 幹干 紹绍 曉晓 "
    "嘍喽 態态 錶表 鐘钟 點点 現现 兒儿 別别 緊紧"
)
TRADITIONAL = str.maketrans({pair[0]: pair[1] for pair in _PAIRS.split()})
GREETING_PARTICLES = "啊呀哦嘛哈呢吧"
# What may stand after an opener before the request: blanks, punctuation, emoji.
_BETWEEN = "PZSC"


def refuses_location(text: str) -> bool:
    """Whether a short text refuses (or cannot manage) to send the location, or, said at a
    step asking for it, skips it (「跳过」, 「不发了」)."""
    compact = _compact(text)
    if _is_skip(compact):
        return True
    if not names_location(text) or any(word in compact for word in LOCATION_TROUBLE):
        return False
    return any(
        r + w in compact or w + r in compact for r in LOCATION_REFUSALS for w in LOCATION_WORDS
    )


def _is_skip(compact: str) -> bool:
    """Whether a compact text is a skip word (LOCATION_SKIPS), with thanks, 了 and particles
    after it (「不用了，谢谢」); 「发不了」 keeps its 了."""
    for word in SKIP_ENDS:
        compact = compact.removesuffix(word)
    core = compact.strip(SAID_PARTICLES)
    return core in LOCATION_SKIPS or core.removesuffix("了") in LOCATION_SKIPS


def asks_about_location(text: str) -> bool:
    """Whether a short text naming the location asks how to send it or says it is not
    working (「我不知道怎么发位置」, 「定位没开」) rather than refusing it."""
    compact = _compact(text)
    if compact.strip(SAID_PARTICLES) in LOCATION_HOW:
        return True
    if not names_location(text) or refuses_location(text):
        return False
    marks = (*LOCATION_TROUBLE, *LOCATION_NEGATIONS)
    return any(word in compact for word in marks)


def asks_about_photo(text: str) -> bool:
    """Whether a short text says the member cannot send the photo or asks how (「我发不了照
    片」, 「没法拍照」): the photo prompt repeated would not help them."""
    compact = _compact(text)
    if compact.strip(SAID_PARTICLES) in PHOTO_HOW:
        return True
    named = len(compact) <= LOCATION_TEXT and any(w in compact for w in PHOTO_WORDS)
    return named and any(word in compact for word in PHOTO_TROUBLE)


def asks_about(text: str) -> bool:
    """Whether a text holds a question word (QUESTION_WORDS)."""
    compact = _compact(text)
    return any(word in compact for word in QUESTION_WORDS)


def names_location(text: str) -> bool:
    """Whether a short text names the location (「位置」, 「定位」)."""
    compact = _compact(text)
    return len(compact) <= LOCATION_TEXT and any(w in compact for w in LOCATION_WORDS)


def fold(text: str) -> str:
    """Full-width folded, lower case, traditional keyword characters made simplified."""
    return unicodedata.normalize("NFKC", text or "").lower().translate(TRADITIONAL)


def _compact(text: str) -> str:
    return "".join(ch for ch in fold(text) if unicodedata.category(ch)[0] not in "PZSC")


def _drop(text: str, count: int) -> str:
    """The text as typed after its first `count` meaningful characters and what follows them
    up to the next word (blanks, punctuation, emoji)."""
    consumed = 0
    for index, ch in enumerate(text):
        if consumed >= count and unicodedata.category(ch)[0] not in _BETWEEN:
            return text[index:]
        consumed += len(_compact(ch))
    return ""


def _leading(text: str, words) -> str | None:
    compact = _compact(text)
    return max((w for w in words if compact.startswith(w)), key=len, default=None)


def without_openers(text: str) -> tuple[str, bool]:
    """The text as typed after its openers (「您好，我想签个到」 -> 「我想签个到」), and
    whether there were any."""
    rest, greeted = text or "", False
    while (word := _leading(rest, OPENERS)) is not None:
        rest, greeted = _drop(rest, len(word)), True
    return rest, greeted


def is_greeting(text: str) -> bool:
    """Whether the text is nothing but openers (「在吗」, 「您好呀」)."""
    rest, greeted = without_openers(text)
    return greeted and not _compact(rest).strip(GREETING_PARTICLES)


def without_wish(text: str) -> str:
    """The text after a leading wish (「我想报名」 -> 「报名」), or the text itself."""
    word = _leading(text, WISHES)
    return _drop(text, len(word)) if word else text


def negation_lead(text: str) -> str:
    """The negation the text starts with, as typed up to the next word (「不想签倒」 -> 「不想」),
    or ''."""
    word = _leading(text, NEGATIONS)
    return text[: len(text) - len(_drop(text, len(word)))] if word else ""
