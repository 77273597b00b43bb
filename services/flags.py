"""What each flag on a register entry means, in words for people: one table for every
transport (the chat's replies, the API's flag_names and the OpenAPI enum of flags), so a new
flag is named once. The names say what a reviewer checks, not what anyone did wrong: a
member reads them about their own entry."""

FLAG_NAMES = {
    "out_of_range": "位置不在服务地点范围内",
    "coords_identical": "位置与服务地点坐标完全一致",
    "outside_china": "位置在境外",
    "outside_time_window": "不在活动签到时间内",
    "impossible_travel": "与上次签到地点距离过远",
    "photo_reused": "照片曾被使用过",
    "photo_similar": "照片与以往照片过于相似",
    "exif_time_off": "照片拍摄时间与签到时间不符",
    "late_checkout": "签退时间过晚",
    "overlapping": "同时还有未签退的服务",
    "auto_checkout": "未签退，系统自动签退",
    "repeat_checkin": "同一活动再次签到",
    "repeat_visit": "同一天再次走访同一户",
    "short_service": "服务时长过短",
    "photo_tiny": "照片尺寸过小",
    "edited_after_review": "审核通过后内容被修改",
    "checkout_out_of_range": "签退位置不在服务地点范围内",
    "spot_check_problem": "办公室抽查发现问题",
}


# A flag named by what the entry was for, where the general name reads oddly: a household
# visit's place is the household, not a service point.
KIND_FLAG_NAMES = {
    ("visit", "out_of_range"): "位置离结对家庭较远",
    ("visit", "checkout_out_of_range"): "签退位置离结对家庭较远",
    ("visit", "coords_identical"): "位置与结对家庭坐标完全一致",
}


def flag_names(flags: list[str], kind: str | None = None) -> list[str]:
    """The flags' names in the same order, in the words of the entry's kind when given (an
    unknown flag keeps its code)."""
    return [KIND_FLAG_NAMES.get((kind, flag)) or FLAG_NAMES.get(flag, flag) for flag in flags]
