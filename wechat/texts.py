"""Every Chinese sentence the Official Account chat says, in one place.

Texts with {placeholders} are filled in with str.format by the handlers; the handlers decide
what to say, this module only how it reads."""

from services.record_names import ENTRY_TITLES

MINI_PROGRAM = "「先锋」小程序"
# How a member fills in the register later: in this chat first (「补登」), as a member using
# only the chat may never open the mini-program.
FILL_LATER = f"发送「补登」补充（也可以在{MINI_PROGRAM}中填写）"
MORE_IN_MINI_PROGRAM = f"……更多内容请在{MINI_PROGRAM}中查看。"

# --- help, binding -------------------------------------------------------------------------

HELP_UNBOUND = (
    "您好！这里是党员志愿服务助手。\n"
    "请先绑定党员身份：向办公室领取绑定码后发送\n"
    "「绑定 手机号 绑定码」，例如：绑定 13800000000 482913\n"
    "也可以扫描办公室提供的绑定二维码。"
)
HELP_MEMBER = (
    "{name}同志您好，可以发送：\n"
    "「签到」活动签到（位置+照片，也可以先发照片）\n"
    "「签退」结束服务\n"
    "「分散活动」个人服务签到（位置+照片）\n"
    "「走访」结对家庭走访登记\n"
    "「活动」近期活动和地点，「报名 序号」报名，「取消报名 序号」取消报名\n"
    "「我的」服务时长和走访情况\n"
    "「结对」我的结对家庭\n"
    "「通知」队长发的通知，「通知 序号」看全文\n"
    "「补登」补填最近一次服务的登记\n"
    "「取消」退出当前操作"
)
REFILL_NOTHING = "您最近的服务登记都已填写完整，不用补登。"
# The latest entry, left blank, was rejected: it cannot be filled in, and only whoever
# rejected it can change that.
REFILL_REJECTED = (
    "您最近的服务登记「{what}」已被{who}退回（未通过审核），不计入服务时长，不能再补登；"
    "如有疑问请联系{who}。"
)
REFILL_INTRO = "补充登记「{what}」："
REFILL_LEAD = "{question}"
HELP_LEADER_EXTRA = (
    "\n队长专用：\n「通知 内容」向本队群发通知（队长看通知请发送「看通知」）\n"
    "「紧急通知 内容」不能等的急事，免打扰时段也立即发出\n"
    "「待审」待审核的签到\n「报告」本季度报告状态"
)
NEEDS_BINDING = "您还没有绑定党员身份。\n" + HELP_UNBOUND
MEMBER_INACTIVE = "您已离队，如有疑问，请联系办公室。"  # services.actors.MEMBER_LEFT
BIND_USAGE = "请按格式发送：绑定 手机号 绑定码\n例如：绑定 13800000000 482913"
BIND_FAILED = "绑定未成功：{reason}"
BIND_DONE = "绑定成功！{name}同志，欢迎使用党员志愿服务助手。发送「帮助」查看可用功能。"
ALREADY_BOUND = "您已绑定为{name}，无需重复绑定。如需更换请联系办公室。"
BIND_SCENE_EXPIRED = "该绑定二维码已失效，请向办公室重新领取绑定码。"
WELCOME_BOUND = "欢迎回来，{name}同志！发送「帮助」查看可用功能。"

# --- conversations in general -----------------------------------------------------------------

CANCELLED = "已取消当前操作。发送「帮助」查看可用功能。"
NOTHING_TO_CANCEL = "当前没有进行中的操作。发送「帮助」查看可用功能。"
NOTHING_TO_CONFIRM = "当前没有需要确认的内容。"
# A text a free-text step did not take as its answer, followed by the question again.
COMMAND_IN_ANSWER = (
    "「{word}」没有当作这一项的回答。如要先办别的事，请发送「取消」退出本次登记。\n"
    "请直接写下您的回答：{question}"
)
# 「签退」 there, with another entry of the list the check-out was picked from still open.
CHECKOUT_IN_ANSWER = (
    "「{word}」没有当作这一项的回答。如要签退刚才列表中的另一项，请回复它的序号；"
    "如要先办别的事，请发送「取消」退出本次登记。\n请直接写下您的回答：{question}"
)
# A lone number (「1」, 「第2条」) there: nobody served 「1」.
NUMBER_IN_ANSWER = (
    "「{word}」只是一个序号，没有作为这一项的回答。如要先办别的事，请发送「取消」退出本次登记"
    "（已填的会保存）。\n请直接写下您的回答：{question}"
)
# A number from the check-out's list after CHECKOUT_IN_ANSWER: that entry is checked out next
# (its location asked after this), or, checked out already, the question stays.
REGISTER_LEFT_FOR_CHECKOUT = (
    "好的，本次登记先到这里，已填写的已保存，没填的请稍后发送「补登」补充。"
)
LISTED_CHECKED_OUT = "「{title}」已经签退了。请直接写下您的回答：{question}"
NEGATION_IN_ANSWER = (
    "「{word}」没有作为本次登记的回答。如要退出本次登记，请发送「取消」。\n"
    "请直接写下您的回答：{question}"
)
# A command that only reads (帮助, 我的) answered in the middle of a step: what is still awaited.
STILL_ASKING = "刚才的问题还在等您回答：{question}"
AWAITING_NUMBER = "刚才的列表还在等您回复序号。"
AWAITING_LOCATION = "刚才的登记还在等您发送位置。"
AWAITING_PHOTO = "刚才的登记还在等您发送现场照片。"
AWAITING_CHECKOUT_LOCATION = "刚才的签退还在等您发送位置（或回复「跳过」）。"
SMALLTALK_IN_ANSWER = "好的。这一项还没有填写，请直接写下您的回答：{question}"
BLANK_ANSWER = "这一项还没有填写，请直接写下您的回答：{question}"
QUESTION_IN_ANSWER = (
    "「{word}」像是一个问题，没有作为本次登记的回答。如要先办别的事，请发送「取消」退出本次登记"
    "（已填的会保存）。\n请直接写下您的回答：{question}"
)
GREETING_IN_ANSWER = "在的。这一项还没有填写，请直接写下您的回答：{question}"
NOT_UNDERSTOOD = "抱歉，没有理解您的意思。发送「帮助」查看可用功能，或点击下方菜单。"
# A text that named nothing but is near one command's keyword, or two as near
# (wechat.near_miss.closest): what the command does, asked about, and the keyword to send.
# A yes to the one (wechat.text_route._agreed) starts it.
NOT_UNDERSTOOD_ONE = (
    "抱歉，没有理解您的意思。您是想{first_doing}吗？是的话，请回复「是」或发送「{first}」。"
    "发送「帮助」可以查看全部功能。"
)
NOT_UNDERSTOOD_TWO = (
    "抱歉，没有理解您的意思。您是想{first_doing}，还是{second_doing}？"
    "请发送「{first}」或「{second}」。发送「帮助」可以查看全部功能。"
)
# What each command that may be suggested does, as a suggestion asks about it
# (「您是想查看服务时长吗？」).
DOING = {
    "help": "查看可用功能",
    "bind": "绑定身份",
    "checkin": "签到",
    "checkout": "签退",
    "visit": "登记入户走访",
    "individual": "登记个人服务（分散活动）",
    "activities": "查看近期活动",
    "enroll": "报名参加活动",
    "unenroll": "取消活动报名",
    "mine": "查看服务时长",
    "pairing": "查看结对家庭",
    "refill": "补登服务记录",
    "broadcast": "给队员发通知",
    "urgent": "给队员发紧急通知",
    "pending": "查看待审核的记录",
    "report": "查看季度报告",
    "notices": "查看队里的通知",
}
UNSUPPORTED_KIND = "暂时只能识别文字、位置和图片消息。发送「帮助」查看可用功能。"
LEADER_ONLY = "该功能仅限队长使用。发送「帮助」查看可用功能。"
PICK_NUMBER = "请回复序号（1-{count}），或发送「取消」。"
# A location sent where a number was asked for: kept, and the number asked again.
PICK_FIRST = "已收到位置。请先回复序号（1-{count}）选择是哪一项，或发送「取消」。"
# A location push whose position is unreadable or no place on Earth.
BAD_LOCATION = "没能读出您发来的位置，请重新发送：点击输入框旁的「+」，选择「位置」后发送。"
# A photo sent where a number was asked for: at check-in it is kept (the latest photo is
# the one used); a check-out needs none.
PICK_PHOTO_KEPT = "收到照片，将使用这一张。请回复序号（1-{count}）选择是哪一项，或发送「取消」。"
CHECKOUT_NO_PHOTO = "签退不需要照片。请回复序号（1-{count}）选择要签退的一项，或发送「取消」。"
# A location or photo sent where the step waits for typed words (a visit's notes, the
# register's questions after 签退): the question follows.
WORDS_PLEASE = "这一步请直接输入文字回答：{question}"
ASK_LOCATION_AGAIN = "请发送位置：点击输入框旁的「+」，选择「位置」后发送。发送「取消」可退出。"
ASK_PHOTO_AGAIN = "请发送一张现场照片（拍照或从相册选择）。发送「取消」可退出。"
SERVICE_ERROR = "操作未成功：{reason}"
# The next step sent after its conversation timed out (wechat.chat.lapsed): which step, and
# how to start it again; an answer to a question that timed out is not written, and the
# question is asked again (ASK_AGAIN).
LAPSED = "刚才的{name}已超时（超过 {minutes} 分钟），请重新发送「{word}」。"
LAPSED_UNSAVED = "刚才的{name}已超时（超过 {minutes} 分钟），这条消息没有记下。"
# By whether the notice was urgent: the leader hears the command that sends it as it was.
LAPSED_NOTICE = {
    False: "刚才的通知已超时（超过 {minutes} 分钟），这条消息没有发送。"
    "如需发通知，请发送「通知 内容」。",
    True: "刚才的紧急通知已超时（超过 {minutes} 分钟），这条消息没有发送。"
    "如需发紧急通知，请发送「紧急通知 内容」。",
}
ASK_AGAIN = "请再回答一次：{question}"
ANSWER_TOO_LONG = "{label}最多可写 {room} 个字，您发送了 {count} 个字。请精简后重新发送。"
TRY_LATER = "系统繁忙，请稍后再试。"

# --- small talk (「收到」, 「谢谢」, 「我不去了」) and what a conversation waits for ---------

SMALLTALK_ACK = "好的。"
SMALLTALK_THANKS = "不客气！"
SMALLTALK_DECLINE = "好的。"
SMALLTALK_IDLE = "需要时请发送「帮助」查看可用功能，或点击下方菜单。"
WITHDRAW_LISTED = "如要取消报名，请回复「取消报名 序号」，例如：取消报名 1"
WITHDRAW_HOW = "如要取消报名，请先发送「活动」查看列表，再回复「取消报名 序号」，例如：取消报名 1"

# --- a command refused (「不签到了」) or not working (「签到不了」) -------------------------------

NEGATED = "好的，知道了。以后需要时，请再发送「{word}」。"
TROUBLE = "抱歉给您添麻烦了。{tip}\n{contact}"
# Whom to ask when it still does not work, by whether the member is a leader: a leader is
# not sent to himself.
TROUBLE_CONTACT = {
    False: "如果还是不行，请联系队长或办公室帮忙。",
    True: "如果还是不行，请联系办公室帮忙。",
}
# 「用不了」, 「不行」 said of nothing named (wechat.smalltalk.STUCK), with nothing under way.
STUCK_TIP = "请发送「帮助」查看可用功能，再按提示一步一步操作。"
TROUBLE_TIP = "请发送「{word}」，再按提示一步一步操作。"
TROUBLE_TIPS = {
    "checkout": "签退请发送「签退」，再发送您的位置，或回复「跳过」直接签退。",
    "visit": "走访请发送「走访」，按提示发送位置和一张走访现场照片，再简单写几句情况。",
    "enroll": "报名请先发送「活动」查看近期活动，再回复「报名 序号」，例如：报名 1。",
    "unenroll": "取消报名请先发送「活动」查看列表，再回复「取消报名 序号」，例如：取消报名 1。",
    "broadcast": (
        "发通知请发送「通知」加上通知内容，例如：通知 周六上午九点集合；看到预览后回复「确认」。"
    ),
    "urgent": (
        "发紧急通知请发送「紧急通知」加上通知内容，例如：紧急通知 今晚暴雨，请检查结对家庭；"
        "看到预览后回复「确认」。"
    ),
    "bind": (
        "绑定请发送「绑定 手机号 绑定码」，例如：绑定 13800000000 482913。绑定码请向办公室领取。"
    ),
}

# Check-in not working (「我签不上」), by where the member stands (wechat.chat.checkin).
CHECKIN_TROUBLE_OPEN = (
    "现在可以签到「{titles}」。请这样做：\n1. 发送「签到」；\n"
    "2. 点击输入框旁的「+」，选择「位置」，发送您的位置；\n3. 拍一张佩戴党徽的现场照片发送。"
)
CHECKIN_TROUBLE_DONE = "您已经签到了「{title}」，不用再签。服务结束后请发送「签退」。"
CHECKIN_TROUBLE_NONE = (
    "现在没有您已报名、可以签到的活动：要先报名，活动开始前后才能签到。"
    "发送「活动」可以查看近期活动并报名。"
)
CHECKIN_BY_LEADER = "\n不方便用手机的，可以请队长帮您登记签到。"
# 「帮李秀英签到」, 「代签 李秀英」 (wechat.chat.proxy): nobody is checked in by it.
PROXY_LEADER = (
    "聊天中不能为队员签到（这条消息也没有为您本人签到）。要为{who}登记，"
    f"请在{MINI_PROGRAM}中使用「代为登记」：选择队员和活动、写明原因，活动结束后提交，"
    "由办公室审核。"
)
PROXY_SOMEBODY = "队员"
PROXY_MEMBER = "只有队长可以为队员代为登记。您自己签到，请发送「签到」。"

# --- check-in, check-out ----------------------------------------------------------------------

NO_ACTIVITY_TODAY = (
    "今天没有您已报名、可以签到的活动。\n发送「活动」查看近期活动并报名。\n"
    "如果是您自己开展的个人服务（分散活动），请回复「是」或发送「分散活动」。"
)
# After an own service's check-in result: its register fields, asked at once.
INDIVIDUAL_FIELDS_LEAD = "趁现在记得，请简单登记一下：{question}"
# 「签到」 (or 「我签到了吗」) with nothing left to check in to, once checked in.
ALREADY_CHECKED_IN = "您已于 {time} 签到「{title}」，服务结束后发送「签退」。"
# Another entry asked for while one is still checked in: 签退 first, then the way in again.
ANOTHER_ENTRY = "如要登记另一项服务，请先发送「签退」，再重新发送{what}。"
# 「签到」, 「走访」 or 「分散活动」 ({word}) while an entry is open ({told}: ALREADY_CHECKED_IN),
# said before the location is asked for, as a photo sent first hears it (PHOTO_WHILE_OPEN).
CHECKIN_WHILE_OPEN = "{told}\n" + ANOTHER_ENTRY.format(what="「{word}」")
# The same while the open entry was checked in on an earlier Shanghai day: most likely
# forgotten (the auto-close not run yet), and a 签退 now would count the days since as service,
# so the member is sent to whoever corrects it; 签退 still closes it (services.checkin.check_out
# takes it), so the way on stays open.
CHECKIN_OPEN_FROM_EARLIER_DAY = (
    "您于 {time} 签到「{title}」，至今还没有签退。这是之前某天的签到，现在签退会把之后的时间"
    "都算作服务时长，请联系队长或办公室更正。\n"
    "如要先结束它、登记新的服务，请发送「签退」，再重新发送「{word}」。"
)
# A question about check-in with nothing open (「谁没签到」, 「签到了吗」): where to look.
CHECKIN_QUESTION_MEMBER = (
    "签到请发送「签到」，按提示发位置和照片。自己的签到记录，发送「我的」查看。"
)
CHECKIN_QUESTION_LEADER = (
    f"本队的签到情况请在{MINI_PROGRAM}中查看，待审核的签到发送「待审」查看。"
    "自己签到请发送「签到」。"
)
PICK_ACTIVITY = "今天可签到的活动："
ACTIVITY_LINE = "{n}. {title}（{span}）"
# When an activity runs: within one day, else from one date to another.
SPAN_HOURS = "{start}-{end}"
SPAN_DAYS = "{start} 至 {end}"
ASK_CHECKIN_LOCATION = "签到「{title}」：请发送您的当前位置（点击输入框旁的「+」，选择「位置」）。"
# The location refused (「不发位置了」, 「不用」, 「跳过」) at a check-in or a visit, which cannot
# do without it (the position proves where the service happened), or not managed (「定位没开」).
CHECKIN_NEEDS_LOCATION = (
    "不好意思，签到要用到您的位置，用来确认您在活动现场，这一步不能跳过。"
    "请点输入框旁边的「+」，选「位置」，再点「发送」。如果不签到了，请发送「取消」。"
)
VISIT_NEEDS_LOCATION = (
    "不好意思，走访登记要用到您的位置，用来确认您在结对家庭，这一步不能跳过。"
    "请点输入框旁边的「+」，选「位置」，再点「发送」。如果不登记了，请发送「取消」。"
)
PICKED_ASK_PHOTO = "签到「{title}」：已收到位置。请拍一张佩戴党徽的服务现场照片发送。"
CHECKIN_PHOTO_PLEASE = "请拍一张佩戴党徽的服务现场照片发送。"
PICKED_VISIT_ASK_PHOTO = "走访结对家庭 {head}户：已收到位置。请拍一张走访现场照片发送。"
ASK_CHECKIN_PHOTO = "已收到位置。" + CHECKIN_PHOTO_PLEASE
# Another location at the photo step: it replaces the first, and the photo is asked for.
LOCATION_UPDATED = "已更新您的位置。"
CHECKING_PHOTO = "正在核验照片…稍后告诉您结果。"
CHECKIN_VERIFIED = "签到成功！「{title}」，签到时间 {time}。服务结束后请发送「签退」。"
CHECKIN_FLAGGED = (
    "已签到「{title}」，签到时间 {time}。\n以下情况需要{who}审核：{reasons}。\n"
    "服务结束后请发送「签退」。"
)
CHECKIN_FAILED = "签到未成功：{reason}"
# A visit's photo result: the visit's questions go on in the chat, no 签退 is needed.
VISIT_VERIFIED = "走访照片已核验（{time}）。"
VISIT_FLAGGED = "走访照片已收到（{time}），以下情况需要{who}审核：{reasons}。"
PHOTO_DOWNLOAD_FAILED = "照片下载失败，请重新发送一张佩戴党徽的服务现场照片。发送「取消」可退出。"
# A photo the service cannot read (wechat.chat.photo_check.UNREADABLE): what happened, by the
# service's code, in plain words, and what to send instead.
PHOTO_UNREADABLE_WHY = {
    "not_a_photo": "没能打开这张图片",
    "photo_too_large": "这张图片太大，没能打开",
}
PHOTO_UNREADABLE = "{why}，请直接用手机相机拍一张佩戴党徽的现场照片再发送。发送「取消」可退出。"
VISIT_PHOTO_UNREADABLE = "{why}，请直接用手机相机拍一张走访现场照片再发送。发送「取消」可退出。"
# A photo sent before the location: kept, and checked once the location comes.
PHOTO_KEPT_ASK_LOCATION = (
    "已收到照片。还需要您的位置，请发送位置：点击输入框旁的「+」，选择「位置」后发送，"
    "收到后即核验这张照片。发送「取消」可退出。"
)
LOCATION_THEN_PHOTO = "已收到位置。"
# A photo sent with nothing under way (wechat.chat.photo_first): kept for what it can check in
# to today, the location asked for next; with nothing to check in to, it is not used.
PHOTO_FIRST_ONE = (
    "已收到照片，将用于签到「{title}」。请再发送您的当前位置：点击输入框旁的「+」，"
    "选择「位置」后发送。如果是您自己开展的个人服务，请回复「分散活动」；都不是请发送「取消」。"
)
PHOTO_FIRST_VISIT = (
    "已收到照片，将用于走访结对家庭 {head}户。请再发送您的当前位置：点击输入框旁的「+」，"
    "选择「位置」后发送。如果是您自己开展的个人服务，请回复「分散活动」；都不是请发送「取消」。"
)
# With nothing else to check in to, the photo may be for the member's own service: asked
# first, as a location sent out of habit must not record a service they never meant.
OWN_SERVICE_QUESTION = "这张照片要记为分散活动（个人服务）吗？"
PHOTO_FIRST_OWN = (
    "收到照片。今天没有您可以签到的活动。"
    + OWN_SERVICE_QUESTION
    + "回复「是」继续，回复「不是」就不记。"
)
# Anything but a yes or a no to it: the question again (a location is kept for after a yes).
OWN_SERVICE_ASK_AGAIN = OWN_SERVICE_QUESTION + "请回复「是」或「不是」。"
OWN_SERVICE_LOCATION_KEPT = "已收到位置。请先回复「是」或「不是」：" + OWN_SERVICE_QUESTION
OWN_SERVICE_PHOTO_KEPT = "已收到照片，将使用这一张。" + OWN_SERVICE_ASK_AGAIN
# A yes or no to that question after it timed out: nothing was recorded, the photo is gone.
LAPSED_OWN_PHOTO = (
    "刚才的问题已超时（超过 {minutes} 分钟），照片没有使用，也没有记录。如需登记，请重新发送照片。"
)
OWN_SERVICE_DECLINED = "好的，这张照片不记了。需要登记时，请发送「签到」或「分散活动」。"
PHOTO_FIRST_PICK = "已收到照片。这张照片是哪一项的？"
PHOTO_FIRST_LINE = "{n}. {title}"
# A location sent first near an activity by a member who may mean a visit: which is asked.
LOCATION_FIRST_PICK = "已收到位置。您要登记的是哪一项？"
PHOTO_FIRST_PICKED = (
    "好的，照片用于「{title}」。请再发送您的当前位置：点击输入框旁的「+」，选择「位置」后发送。"
)
VISIT_LABEL = "走访结对家庭 {head}户"
# Nothing to check in to: another check-in is still open (said after this).
PHOTO_FIRST_NOTHING = "收到照片。现在没有您可以签到的活动，这张照片没有使用。"
# A photo sent first while an entry is still checked in ({told}: ALREADY_CHECKED_IN).
PHOTO_WHILE_OPEN = "收到照片。{told}\n签到后不用再发照片，这张没有使用。"
PHOTO_WHILE_OPEN += ANOTHER_ENTRY.format(what="照片")
# A kept photo's conversation timed out: the photo went with it.
PHOTO_NOT_USED = "先发的照片没有使用，请按提示重新发送。"
# Another photo sent while the first is checked, or just after it registered the check-in or
# visit ({what}: 签到 or 走访; wechat.chat.last_photo): the first is used, this one is not.
PHOTO_STILL_CHECKING = (
    "您先发的照片正在核验，本次{what}就用那一张，这张照片不会重复登记。核验结果稍后发给您。"
)
PHOTO_ALREADY_USED = (
    "本次{what}已经用您先发的照片登记好了（{time}），这张照片不会重复登记，不用再发了。"
)
# Two photos sent at the same moment: the one checked second hears the other was used.
PHOTO_USED_ANOTHER = "这张照片没有重复登记：本次{what}已经用您发的另一张照片登记好了（{time}）。"
# 「我发不了照片」 at the photo step: how to send one, and (to a member) who can register instead.
PHOTO_HOW = "发照片：点输入框右边的「+」，选「拍摄」或「相册」，选好照片后发送。"
PHOTO_BY_LEADER = "\n还是发不了的，可以请队长代为登记。"
PHOTO_CHECK_BROKE = "系统繁忙，照片未能核验，请稍后重新发送照片。发送「取消」可退出。"
PHOTO_NOT_RECORDED = "刚才的签到照片未能核验，本次签到没有记录。如需签到，请重新发送「签到」。"
VISIT_TITLE = ENTRY_TITLES["visit"]
INDIVIDUAL_TITLE = ENTRY_TITLES["individual"]
# A register entry is named by its activity's title, else by its kind (common.record_label).
KIND_TITLES = {"activity": "活动", "visit": VISIT_TITLE, "individual": INDIVIDUAL_TITLE}
NOTHING_TO_CHECK_OUT = "您当前没有需要签退的签到。"
# 签退 with nothing open, for a recent entry someone else settled: which, and why.
CHECKOUT_REFUSED = "您{month}月{day}日签到的「{title}」：{reason}"
PICK_CHECKOUT = "您有以下未签退的服务："
CHECKOUT_LINE = "{n}. {title}，{time}签到"
ASK_CHECKOUT_LOCATION = "签退「{title}」：请发送您的当前位置，或回复「跳过」直接签退。"
# Asked how to send the location, or told it is not working (「定位没开」), at check-out.
CHECKOUT_LOCATION_HOW = (
    "发送位置：点击输入框旁的「+」，选择「位置」后发送（手机定位需打开）。"
    "发送不了也没关系，回复「跳过」即可直接签退。"
)
CHECKOUT_DONE = "签退成功！「{title}」服务时长 {minutes} 分钟。"
CHECKOUT_FLAGGED = "已签退「{title}」，服务时长 {minutes} 分钟；{reasons}，需{who}审核。"
SKIP_WORDS = ("跳过", "不用", "直接签退")
# The register's questions; after 签退 the first is led by REGISTER_LEAD.
REGISTER_LEAD = "请补充登记：{question}"
ASK_REGISTER_TARGET = "这次服务的对象是谁？（如：幸福社区老年居民；回复「跳过」稍后再填）"
ASK_REGISTER_CONTENT = "这次做了哪些服务？（如：为独居老人上门代购药品；回复「跳过」稍后再填）"
ASK_REGISTER_OUTCOME = "取得了什么成效？（如：为20位居民测量血压；回复「跳过」稍后再填）"
# A household visit's register questions after 签退, as the visit flow asks them (its target
# is the household's, never asked).
ASK_REGISTER_VISIT_SEEN = "这次走访看到的家庭情况怎么样？（回复「跳过」稍后再填）"
ASK_REGISTER_VISIT_HELP = "您为这户家庭提供了哪些帮助？（回复「跳过」稍后再填）"
REGISTER_LABELS = {"target": "服务对象", "content": "服务内容", "outcome": "取得的成效"}
# An answer to a field filled meanwhile (in the mini-program): not written over it.
# Not where: the member in the mini-program, or the office correcting the entry.
REGISTER_FILLED_MEANWHILE = "{label}已经填写过了，以已填写的为准，这次的回答没有保存。"
# The same words sent again right after an answer (wechat.chat.repeats), in the words a photo
# sent twice hears: not taken as the next answer, and the question still waiting asked again.
REPEAT_RECEIVED = "这句话刚才已经收到了，不会重复登记，不用再发了。"
ANSWER_REPEATED = REPEAT_RECEIVED + "请接着回答：{question}"
# 「跳过」 with no question waiting (the questions were skipped or answered already).
NOTHING_TO_SKIP = "好的。现在没有等您回答的问题，不用再跳过了。需要补充登记时，请发送「补登」。"
REGISTER_SAVED = "登记已完成，本次服务将计入您的服务时长。"
# The same for an entry still open (a visit's notes given with 「补登」): it counts once
# checked out.
REGISTER_SAVED_OPEN = "已记下，谢谢！离开时请发送「签退」，签退后计入服务时长。"
REGISTER_SKIPPED_OPEN = (
    f"{{opening}}没填的{{fields}}可以在签退时填写，也可以稍后{FILL_LATER}。离开时请发送「签退」。"
)
# The entry was rejected while its questions were asked: nothing more can be written. {who}
# is whoever rejected it (services.record_names.DECIDER_NAMES), the one who can change it.
REGISTER_REJECTED = (
    "这条服务记录已被{who}退回（未通过审核），不能再填写，本次登记已结束。"
    "如有疑问或需要重新登记，请联系{who}。"
)
REGISTER_SKIPPED = (
    f"{{opening}}请稍后发送「补登」补充{{fields}}（也可以在{MINI_PROGRAM}中填写），"
    "填好后计入服务时长。"
)
# How the reply to questions left for later opens: after 「跳过」, or after 「取消」 (answers given
# or not), which keeps what was answered as 「跳过」 does.
REGISTER_SKIPPED_OPENING = "好的，"
REGISTER_LEFT_OPENING = "已退出本次登记，您已填写的内容已保存。"
REGISTER_LEFT_EMPTY_OPENING = "已退出本次登记。"
# The same for an entry a reviewer has to review first (status flagged, as its check-out said);
# {who} is whoever reviews it, as the API's awaiting_review_by names them (common.reviewer).
# A flagged entry counts while it waits for the leader (services.records.counts_toward_hours);
# only a rejection takes it out again.
REGISTER_SAVED_FLAGGED = (
    "登记已完成，本次服务已计入您的服务时长；因需{who}审核，如审核不通过将不再计入。"
)
REGISTER_SKIPPED_FLAGGED = (
    f"{{opening}}请稍后发送「补登」补充{{fields}}（也可以在{MINI_PROGRAM}中填写），"
    "填好后计入服务时长；"
    "本次服务需{who}审核，如审核不通过将不再计入。"
)
NEARBY_OFFER = (
    "您在今天的活动「{title}」附近。如需签到，请直接发送一张佩戴党徽的现场照片；"
    "不签到请发送「取消」。"
)
LOCATION_NOTED = "已收到您的位置。发送「签到」「签退」或「走访」开始登记。"
# A location with nothing under way but a check-in still open: no new check-in is offered.
LOCATION_NOTED_OPEN = "已收到您的位置。您在「{title}」的签到还没有签退，离开时请发送「签退」。"

# --- visits ---------------------------------------------------------------------------------

ASK_VISIT_LOCATION = "走访结对家庭 {head}户：请发送您的当前位置（点击「+」选择「位置」）。"
VISIT_PHOTO_PLEASE = "请拍一张走访现场照片发送。"
ASK_VISIT_PHOTO = "已收到位置。" + VISIT_PHOTO_PLEASE
VISIT_SEEN_QUESTION = "这次走访看到的家庭情况怎么样？请简单写几句（回复「跳过」稍后再填）。"
VISIT_HELP_QUESTION = "您为这户家庭提供了哪些帮助？（回复「跳过」稍后再填）"
ASK_VISIT_SEEN = "正在核验照片…\n" + VISIT_SEEN_QUESTION
ASK_VISIT_HELP = "好的。" + VISIT_HELP_QUESTION
ASK_VISIT_HELP_WHILE_CHECKING = (
    "正在核验照片…\n同时请说说您为这户家庭提供了哪些帮助（回复「跳过」稍后再填）。"
)
VISIT_SEEN_LABEL = "看到的家庭情况"
VISIT_HELP_LABEL = "提供的帮助"
VISIT_NOT_READY = "照片还在核验中，请稍等片刻再发送。"
# The help given while the photo is still checked: the check writes it (wechat.chat.photo_check).
VISIT_HELP_HELD = "好的，已记下。照片核验完成后会一并登记到走访记录中。"
VISIT_NOTES_KEPT = "您写的走访情况已一并登记，谢谢！离开时请发送「签退」。"
# A photo sent again with both notes already given: the check writes them.
VISIT_NOTES_WAIT_CHECK = "正在核验照片…\n您写的走访情况会在核验后一并登记。"
VISIT_PHOTO_DOWNLOAD_FAILED = "走访照片下载失败，请重新发送一张走访现场照片。发送「取消」可退出。"
VISIT_PHOTO_NOT_RECORDED = (
    "刚才的走访照片未能核验，本次走访没有记录。如需登记，请重新发送「走访」。"
)
VISIT_FAILED = "走访登记未成功：{reason}"
VISIT_CONTENT = "入户走访：{seen}"
VISIT_SAVED = "走访已登记，谢谢！离开时请发送「签退」。"
# The notes skipped (「跳过」, 「算了」): the visit is registered by its photo all the same.
VISIT_NOTES_LATER = (
    "好的，走访已登记，谢谢！没写的情况可以在签退时填写，"
    f"也可以稍后{FILL_LATER}。离开时请发送「签退」。"
)

VISIT_NOTES_LEFT = (
    "已退出，您写的家庭情况已保存，走访也已登记。提供的帮助可以在签退时填写，"
    f"也可以稍后{FILL_LATER}。离开时请发送「签退」。"
)

# 「取消」 at the notes before any was given: the visit stays registered by its photo.
VISIT_LEFT_WITHOUT_NOTES = (
    "已退出，走访已登记。看到的家庭情况和提供的帮助可以在签退时填写，"
    f"也可以稍后{FILL_LATER}。离开时请发送「签退」。"
)

# --- activities, mine, pairing -------------------------------------------------------------

NO_UPCOMING = "近期没有可报名的活动。"
UPCOMING_HEADER = "近期活动（回复「报名 序号」报名，「取消报名 序号」取消报名）："
# A range asked for by name (「今天的活动有哪些」), and none in it.
TODAY_HEADER = "今天的活动（回复「报名 序号」报名，「取消报名 序号」取消报名）："
TOMORROW_HEADER = "明天的活动（回复「报名 序号」报名，「取消报名 序号」取消报名）："
WEEK_HEADER = "本周的活动（回复「报名 序号」报名，「取消报名 序号」取消报名）："
NONE_IN_RANGE = "这段时间没有可报名的活动。发送「活动」查看近期活动。"
UPCOMING_LINE = "{n}. {date} {title}{mark}"
ENROLLED_MARK = "（已报名）"
FULL_MARK = "（已满）"
ENROLL_USAGE = "请先发送「活动」查看列表，再回复「报名 序号」，例如：报名 1"
UNENROLL_USAGE = "请先发送「活动」查看列表，再回复「取消报名 序号」，例如：取消报名 1"
ENROLL_PICK_NUMBER = "请回复「{keyword} 序号」（列表共 {count} 项），例如：{keyword} 1"
LISTED_HINT = "请回复「报名 序号」报名，或「取消报名 序号」取消报名，例如：报名 1"
LISTED_NOT_UNDERSTOOD = "抱歉，没有理解您的意思。" + LISTED_HINT
NO_SUCH_NUMBER = "列表中没有第 {n} 项（共 {count} 项），请核对序号后重新发送，例如：{keyword} 1"
ENROLLED = "报名成功：「{title}」，{date} {start} 开始。"
ENROLLED_THEN = "\n到场后发送「签到」。"
# Where an activity is (its place, else its community): after an enrolment or check-in's
# first words, and under each activity of the list, set in.
WHERE_LINE = "在哪儿：{place}"
LISTED_WHERE_LINE = "   在哪儿：{place}"
ALREADY_ENROLLED = "您已报名「{title}」。"
UNENROLLED = "已为您取消报名：「{title}」。"
NOT_ENROLLED = "您尚未报名「{title}」，无需取消。"
MINE = (
    "{name}同志的服务情况：\n"
    "本季度（{year}年第{quarter}季度）：{q_services} 次，{q_hours} 小时{q_pending}\n"
    "本年度：{y_services} 次，{y_hours} 小时{y_pending}\n"
    "{visits}"
)
# The part of a period's counted services still waiting for a review (they count until
# rejected), and the member's flagged entries in all, counted or not: the figures of
# GET /me/summary (pending_review, flagged_awaiting_review).
MINE_PERIOD_PENDING = "（其中 {count} 次待审核）"
MINE_PENDING = "\n共有 {count} 条记录等待审核，不通过的不计入服务时长。"
MINE_OPEN = "\n有 {count} 条签到尚未签退，发送「签退」完成。"
VISITS_UNPAIRED = "您还没有结对家庭。"
# Where the member stands with their household, by (visited yet, overdue): a visit overdue
# is said as how long it has been, not as a date already past.
VISITS_LINES = {
    (True, False): "上次走访：{last}；下次走访建议在 {due} 前。",
    (True, True): "上次走访：{last}，已经 {days} 天没有走访了，请尽快走访。",
    (False, False): "还没有走访过结对家庭；第一次走访建议在 {due} 前。",
    (False, True): "还没有走访过结对家庭，请尽快走访。",
}
NEVER_VISITED = "尚未走访"
PAIRING = (
    "您的结对家庭：\n户主：{head}\n电话：{phone}\n地址：{address}\n所在社区：{community}\n"
    "结对时间：{since}\n上次走访：{last}"
)
PAIRING_SIZE = "\n家庭人口：{size} 人"

# --- leaders --------------------------------------------------------------------------------

BROADCAST_USAGE = "请发送「通知 内容」，例如：通知 周六上午九点在社区集合开展环境整治"
BROADCAST_ASK_TEXT = "请发送要通知本队队员的内容（直接输入文字），发送「取消」退出。"
BROADCAST_NOT_SENT = "抱歉，通知未发送：{reason}"
BROADCAST_PREVIEW = (
    "将通过微信向本队 {count} 名队员发送以下通知：\n——\n{text}\n——\n"
    "{unreached}回复「确认」发送，回复「取消」放弃。"
)
BROADCAST_QUEUED = "通知已进入发送队列，将通过微信发给 {count} 名队员。"
# Members no WeChat channel can reach, by reason (services/notification_texts.py
# UNREACHABLE_NAMES), as many names as fit WeChat's text limit, the rest counted.
BROADCAST_UNREACHED = "另有 {count} 名队员收不到微信消息，请另行通知：{groups}。"
# When not one name fits (a long notice): only the count, and where the list is.
BROADCAST_UNREACHED_COUNT = (
    f"另有 {{count}} 名队员收不到微信消息，名单请在{MINI_PROGRAM}中查看，并请另行通知。"
)
BROADCAST_NOBODY_REACHABLE = (
    "本队 {count} 名队员目前都收不到微信消息，本次未发送。请另行通知：{groups}。"
)
BROADCAST_NOBODY_REACHABLE_COUNT = (
    f"本队 {{count}} 名队员目前都收不到微信消息，本次未发送。名单请在{MINI_PROGRAM}中查看，"
    "并请另行通知。"
)
# Members the preview counted whom the notice, as queued, no longer reaches (a subscribe grant
# another notice spent between the preview and 「确认」).
BROADCAST_LOST = "刚才预览时能收到的 {count} 名队员，现在收不到了，请另行通知：{groups}。"
BROADCAST_LOST_COUNT = (
    "刚才预览时能收到的 {count} 名队员，现在收不到了，"
    f"名单请在{MINI_PROGRAM}中查看，并请另行通知。"
)
# A notice too long to show whole in the preview (WeChat's text limit is in bytes).
BROADCAST_CLIPPED = "……（预览仅显示开头，发送的是全文）"
UNREACHED_GROUP = "{who}（{reason}）"
UNREACHED_SOME = "{names}等 {count} 人"
UNREACHED_COUNT = "{count} 人"
UNREACHED_NAME_SEPARATOR = "、"
UNREACHED_GROUP_SEPARATOR = "；"
# An urgent notice (「紧急通知」): it goes out at once, even in the quiet hours, and the office
# can see it (services.urgent_audit). URGENT_HOURS and URGENT_OFFICE are keyed by whether
# there are quiet hours ("off") and whether they are on now (True) or not (False).
# A yes or 「确认」 where the notice's text is asked for: no notice, and nothing to confirm.
BROADCAST_NO_TEXT_YET = "还没有收到通知内容，「{word}」不会作为通知发出。{question}"
URGENT_ASK_TEXT = "请发送紧急通知的内容（直接输入文字），发送「取消」退出。"
URGENT_PREVIEW = (
    "【紧急通知】确认后立即通过微信发给本队 {count} 名队员{hours}：\n——\n{text}\n——\n"
    "{unreached}{office}回复「确认」发送，回复「取消」放弃。"
)
URGENT_HOURS = {
    "off": "",
    False: "，免打扰时段（{quiet}）也照常送达",
    True: "。现在是免打扰时段（{quiet}），也会立即送达",
}
URGENT_OFFICE = {
    "off": "紧急通知会留存记录，供办公室查阅。\n",
    False: "紧急通知会留存记录，供办公室查阅；在免打扰时段发出的，还会告知办公室。\n",
    True: "发出后会留存记录，并告知办公室。请只用于不能等的急事。\n",
}
URGENT_QUEUED = "紧急通知已进入发送队列，将立即通过微信发给 {count} 名队员。"
URGENT_OFFICE_TOLD = "现在是免打扰时段（{quiet}），已同时告知办公室。"
BROADCAST_QUIET = "现在是免打扰时段（{quiet}），通知将于 {time} 起送达。"
BROADCAST_TRACK = f"送达情况可在{MINI_PROGRAM}中查看。"
CONFIRM_OR_CANCEL = "回复「确认」发送通知，回复「取消」放弃。"
# Another command while a notice waits for 「确认」: the preview is kept, not dropped unsaid.
CONFIRM_FIRST = "您还有一条通知没有发送。请先回复「确认」发送，或回复「取消」放弃，再办别的事。"
BROADCAST_STILL_PENDING = "通知还没有发送。回复「确认」发送，回复「取消」放弃。"
# Words that answer the preview's 「回复「确认」发送」 as 「确认」 does, in that step only.
SEND_WORDS = ("发送", "发", "发出", "确认发送")
NOTICE_WORDS = {False: "通知", True: "紧急通知"}  # the command that sends a notice, by urgency
BROADCAST_LATEST = "\n您最近一条通知「{excerpt}」已于 {time} 进入发送队列。"
BROADCAST_NOT_PENDING = (
    "当前没有待确认的通知，本次未发送任何内容。通知预览 {minutes} 分钟内未确认即失效，"
    "如需发送请重新发送「{word} 内容」。"
)
# A team's notices read in the chat (wechat.chat.notices): 「通知」 lists, 「通知 N」 shows one.
NO_NOTICES = "本队还没有发过通知。"
NOTICES_HEADER = "本队最近的通知："
NOTICE_LINE = "{n}. {time} {sender}：{mark}{excerpt}"
NOTICES_FOOTER = "发送「{word} 序号」查看全文，例如：{word} 1"
NO_SUCH_NOTICE = "请回复「{word} 序号」（共 {count} 条），例如：{word} 1"
NOTICE_SENDING_LEADER_ONLY = (
    "只有队长可以发通知。要看队长发的通知，请发送「通知」；看全文请发送「通知 序号」。"
)
# A notice's heading, by whether it is urgent: members tell an urgent one at a glance.
NOTICE_HEAD = {False: "【队长通知】{sender}，{time}：", True: "【紧急通知】{sender}，{time}："}
NOTICE_URGENT_MARK = {False: "", True: "【紧急】"}  # before an urgent one's excerpt in the list
# Ends each part of a notice too long for one message.
NOTICE_PART = "\n（第 {n}/{count} 段）"
NO_PENDING = "目前没有待审核的签到。"
PENDING_HEADER = "待审核的签到共 {total} 条："
PENDING_LINE = "{n}. {name} {date} {title}：{reasons}"
PENDING_FOOTER = f"请在{MINI_PROGRAM}「待审核」中逐条处理。"
REPORT_RUNNING = "本季度（{year}年第{quarter}季度）的报告将在季度结束后自动起草，届时会提醒您。"
REPORT_STATUS = "{year}年第{quarter}季度报告：{status}，截止日期 {deadline}{lateness}。"
REPORT_OVERDUE = "（已逾期 {days} 天）"
REPORT_SUBMITTED_LATE = "（逾期上报）"
REPORT_TO_DO = f"请在{MINI_PROGRAM}中填写总结并上报。"
REPORT_RETURN_REASON = "\n退回原因：{reason}"
REPORT_STATUS_NAMES = {
    "draft": "草稿（未上报）",
    "submitted": "已上报",
    "late": "逾期未上报",
    "returned": "已退回，请修改后重新上报",
    "accepted": "已通过",
}

# --- the custom menu ----------------------------------------------------------------------

MENU_LABELS = {
    "service": "服务登记",
    "CHECKIN": "签到",
    "CHECKOUT": "签退",
    "VISIT": "走访",
    "INDIVIDUAL": "分散活动",
    "activities": "活动",
    "ACTIVITIES": "近期活动",
    "MINE": "我的时长",
    "PAIRING": "结对家庭",
    "more": "更多",
    "HELP": "使用帮助",
    "PENDING": "待审核(队长)",
    "REPORT": "季度报告(队长)",
}
