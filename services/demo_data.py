"""The demo programme's content as tables: three Zhengzhou communities, their teams, 36
members with their paired households, activities and a few register entries.

Everything here is invented but looks real, so the dashboard and the mini-program can be
shown to people without exposing anyone. Member NN (01-36, in team order) has phone
138000000NN; members 01-33 are bound to WeChat as mp-demo-NN / oa-demo-NN.
"""

import io
import random
from datetime import datetime
from typing import NamedTuple

from PIL import ExifTags, Image, ImageDraw


class CommunitySpec(NamedTuple):
    name: str
    address: str
    lat: float  # GCJ-02, as a map picker in China gives it
    lng: float
    district: str
    streets: tuple[str, ...]


COMMUNITIES = (
    CommunitySpec(
        "文化路社区", "郑州市金水区文化路街道文化路85号", 34.7818, 113.6672, "金水区",
        ("文化路", "红专路", "黄河路"),
    ),
    CommunitySpec(
        "大学路社区", "郑州市二七区淮河路街道大学路45号", 34.7386, 113.6512, "二七区",
        ("大学路", "淮河路", "兴华南街"),
    ),
    CommunitySpec(
        "建设路社区", "郑州市中原区建设路街道建设西路56号", 34.7597, 113.6378, "中原区",
        ("建设西路", "伊河路", "工人路"),
    ),
)  # fmt: skip

# Team i is paired with COMMUNITIES[i]; its first member is its leader.
TEAMS = ("第一党员志愿者服务队", "第二党员志愿者服务队", "第三党员志愿者服务队")
TEAM_SIZE = 12

BRANCHES = ("机关第一党支部", "机关第二党支部", "机关第三党支部")

# Members 01-36 in team order: 01-12 team 1, 13-24 team 2, 25-36 team 3.
MEMBER_NAMES = (
    "王建国", "李秀英", "张伟", "刘洋", "陈静", "杨帆",
    "赵丽华", "黄志强", "周敏", "吴磊", "徐红梅", "孙浩",
    "马俊峰", "朱玉兰", "胡军", "郭晓燕", "何涛", "高雪",
    "林国庆", "罗婷", "郑宏伟", "梁晨", "谢芳", "宋振华",
    "韩立新", "唐海燕", "冯刚", "于娜", "董明", "萧桂芝",
    "程亮", "曹丹", "袁文博", "邓丽娟", "许志刚", "傅晓东",
)  # fmt: skip
BOUND_UP_TO = 33  # members 34-36 are on the roster but have not bound WeChat yet


def member_phone(number: int) -> str:
    """The demo phone of member NN: 138000000NN."""
    return f"138000000{number:02d}"


def household_phone(number: int) -> str:
    """The demo phone of the household paired with member NN: 159037100NN."""
    return f"159037100{number:02d}"


# The head of the household paired with member NN is HOUSEHOLD_HEADS[NN - 1].
HOUSEHOLD_HEADS = (
    "张桂兰", "李德福", "王淑珍", "刘长海", "陈秀兰", "杨玉珍",
    "赵宝山", "黄凤英", "周德明", "吴淑华", "徐有才", "孙秀芳",
    "马春花", "朱福生", "胡桂英", "郭玉梅", "何金山", "高素芬",
    "林桂香", "罗德顺", "郑秀云", "梁凤琴", "谢长林", "宋淑英",
    "韩桂珍", "唐永福", "冯秀梅", "于春生", "董玉兰", "萧德胜",
    "程淑芬", "曹广才", "袁秀珍", "邓福来", "许桂芳", "傅金凤",
)  # fmt: skip

# (家庭人口, 家庭情况), used in turn.
SITUATIONS = (
    (1, "独居老人，年近八旬，患高血压，子女在外地工作。"),
    (2, "残疾人家庭，户主肢体二级残疾，行动不便。"),
    (3, "低保户，家中一人长期患病，收入微薄。"),
    (2, "空巢老人，老两口身体尚可，需定期关心。"),
    (4, "困难家庭，孩子上学，父亲务工收入不稳定。"),
    (1, "独居老人，患糖尿病，需要帮助购药、就医。"),
    (3, "残疾人家庭，子女智力残疾，需办理相关补贴。"),
    (2, "退役军人家庭，老人腿脚不便，很少下楼。"),
    (5, "低保户，三代同住，住房较为拥挤。"),
)
# Paired long enough that the whole quarter before the one the demo is loaded in owes its
# visits (it began at most 183 days ago, on the last day of a quarter).
PAIRING_DAYS_AGO = 200
ROSTER_DAYS_AGO = 207  # members and households were entered a week before pairing


def household_address(spec: CommunitySpec, k: int) -> str:
    """A distinct 住址 for the k-th household (0-11) of a community."""
    street = spec.streets[k % len(spec.streets)]
    floor, room = k % 7 + 1, k % 2 + 1
    return f"{spec.district}{street}{20 + 3 * k}号院{k % 6 + 1}号楼{k % 3 + 1}单元{floor}0{room}"


def household_offset(k: int) -> tuple[float, float]:
    """Where the k-th household lives relative to the community centre (within ~250 m)."""
    return ((k % 4) - 1.5) * 0.0009, ((k // 4) - 1) * 0.0011


class ActivitySpec(NamedTuple):
    days: int  # from today in Shanghai; team i shifts it by i days
    hour: int  # local start time
    minutes: int
    category: str
    title: str
    description: str
    place: str  # formatted with community= and street=
    offset: tuple[float, float]  # from the community centre
    capacity: int


ACTIVITIES = (
    ActivitySpec(
        -40, 9, 150, "policy_legal", "政策法律法规进社区咨询",
        "设咨询台，解答居民关于养老保险、医保报销、邻里纠纷调解等问题，发放宣传资料。",
        "{community}党群服务中心门前广场", (0.0004, 0.0003), 12,
    ),
    ActivitySpec(
        -21, 8, 120, "environment", "楼院环境卫生集中整治",
        "清理楼道堆放杂物和卫生死角，整治小广告，规范非机动车停放。",
        "{street}沿线老旧小区楼院", (-0.0012, 0.0015), 15,
    ),
    ActivitySpec(
        -7, 9, 180, "health", "“送医进社区”巡诊义诊",
        "联合社区卫生服务站为居民测量血压血糖，开展健康咨询和慢病用药指导。",
        "{community}卫生服务站", (0.0008, -0.0006), 12,
    ),
    ActivitySpec(
        4, 9, 150, "rights", "老年人权益维护与防诈骗宣讲",
        "讲解老年人合法权益保障和常见养老诈骗手法，现场解答居民疑问。",
        "{community}党群服务中心二楼会议室", (0.0004, 0.0003), 10,
    ),
    ActivitySpec(
        11, 15, 120, "assistance", "困难家庭走访慰问与救助政策宣传",
        "走访辖区困难家庭，宣传临时救助、低保和医疗救助政策，帮助办理申请材料。",
        "{community}党群服务中心", (0.0004, 0.0003), 15,
    ),
)  # fmt: skip

# Open from the day the demo is loaded for PRACTICE_DAYS, the same days for every team, with
# the whole team enrolled: whoever tries the demo can 签到 at any hour (the others keep fixed
# days, some of them past).
PRACTICE_DAYS = 30
PRACTICE = ActivitySpec(
    0, 0, PRACTICE_DAYS * 24 * 60, "other", "签到体验：社区志愿服务（演示）",
    "演示用活动：30 天内随时可以签到、签退，试用签到流程。",
    "{community}党群服务中心", (0.0004, 0.0003), 15,
)  # fmt: skip

# Team-local member indexes (0-11) enrolled in each upcoming activity, by ACTIVITIES index.
UPCOMING_ENROLLMENTS = {3: range(0, 9), 4: range(2, 9)}


class RecordSpec(NamedTuple):
    member: int  # team-local index 0-11 (all bound members)
    activity: int | None  # ACTIVITIES index, or None for a visit to the member's household
    source: str


RECORDS = (
    RecordSpec(0, 2, "mp"),
    RecordSpec(1, 2, "mp"),
    RecordSpec(2, 2, "mp"),
    RecordSpec(3, 1, "chat"),
    RecordSpec(4, None, "mp"),
    RecordSpec(5, None, "mp"),
)
# (team index, RECORDS index) of the entries checked in too far away, left for a human to judge.
FLAGGED = {(0, 5), (1, 3), (2, 2)}
VISIT_DAYS_AGO = (12, 26)  # for the two visits per team, in RECORDS order


def recent_visit_days() -> dict[int, int]:
    """Team-local seat → how many days before the load its visit among RECORDS was."""
    seats = [spec.member for spec in RECORDS if spec.activity is None]
    return dict(zip(seats, VISIT_DAYS_AGO, strict=True))


VISIT_HOUR, VISIT_MINUTES = 15, 60
VISIT_OFFSET = (0.00006, -0.00004)  # where in the home the phone reported (~8 m off its point)

# (服务内容, 服务对象, 取得成效) by activity category, and for household visits.
RECORD_TEXTS = {
    "environment": (
        "清理楼道杂物和卫生死角，铲除小广告，劝导居民规范停放电动车。",
        "楼院居民",
        "清运杂物两车，规范停放电动车四十余辆，楼道恢复整洁。",
    ),
    "health": (
        "协助卫生服务站为居民测量血压、血糖，登记健康信息，讲解慢病用药注意事项。",
        "辖区老年居民",
        "为三十余名居民免费测量血压血糖，发放健康手册五十份。",
    ),
}
VISIT_TEXTS = (
    (
        "入户走访结对家庭，了解老人近期身体和生活情况，检查燃气和用电安全。",
        "结对家庭",
        "排除用电隐患一处，帮助预约社区医生上门随访。",
    ),
    (
        "入户走访结对家庭，帮助整理低保年审材料，宣传医疗救助政策。",
        "结对家庭",
        "协助准备年审材料，已提交社区，家属表示感谢。",
    ),
    (
        "入户走访结对家庭，陪老人聊天，帮助在手机上预约挂号，讲解医保报销流程。",
        "结对家庭",
        "帮助预约门诊一次，老人已学会查看医保余额。",
    ),
    (
        "入户走访结对家庭，了解孩子上学情况，宣传教育救助和临时救助政策。",
        "结对家庭",
        "为孩子联系社区四点半课堂，家长已提交临时救助申请。",
    ),
)

# The quarter before the one the demo is first loaded in, as it went (services.demo_quarter).
# Visits to the paired household per team (by team-local seat 0-11): about one a month, a few
# missed, against the three a whole quarter owes (team 2's seat 8 was seconded elsewhere, as its
# report says). Team 3's seats 9-11 (members 34-36, not bound to WeChat) had theirs registered
# by their leader.
QUARTER_VISITS = (
    (3, 3, 3, 2, 3, 3, 3, 2, 3, 3, 1, 3),
    (3, 2, 3, 3, 3, 3, 2, 3, 0, 2, 3, 3),
    (3, 3, 2, 3, 2, 3, 3, 1, 3, 2, 2, 1),
)
QUARTER_VISIT_DAYS = (12, 41, 70)  # the quarter's day (0: its first), shifted by seat and team
QUARTER_VISIT_HOURS = (19, 15, 16, 14)  # local start, afternoons and evenings (after work)
QUARTER_VISIT_MINUTES = (50, 60, 75, 90)
QUARTER_CHAT_SEATS = frozenset({3, 7})  # checked in through the Official Account chat
QUARTER_REGISTRATION_REASON = "该党员尚未绑定微信，无法用手机签到，由队长根据走访情况代为登记。"
# Days after the quarter's last day each team's leader submitted its report (never past the
# deadline), and the hour.
REPORT_DAYS_AFTER = (3, 5, 8)
REPORT_HOUR = 17
# Written to hold whatever else the quarter had (the recent activities fall in it only when
# the demo is loaded early in a quarter): the visits, and the plans.
REPORT_SUMMARIES = (
    "本季度队员按月入户走访结对家庭，帮助独居老人排查用电、燃气隐患，协助低保家庭准备年审材料，"
    "为行动不便的老人预约社区医生上门随访。个别队员因出差未能按期走访，已安排下季度补访。"
    "下季度计划结合走访开展老年人防诈骗宣传。",
    "本季度队员坚持入户走访结对家庭，了解困难群众生活情况，协助办理残疾人补贴和医疗救助申请。"
    "一名队员因借调外单位未能走访，已由队长与社区联系代为关心。"
    "下季度将加强周末走访，方便上班的家庭。",
    "本季度服务队结合社区需求开展结对走访，三名尚未绑定微信的队员由队长代为登记走访情况。"
    "部分队员走访次数不足，主要是工作日时间冲突，下季度将调整走访安排，"
    "确保每户每月至少走访一次。",
)


class FeedbackSpec(NamedTuple):
    """A resident's rating: of member `seat` (team-local 0-11), of ACTIVITIES[`activity`],
    or of the team when both are None."""

    seat: int | None
    activity: int | None
    rating: int
    comment: str
    days_ago: int


# Per team, so each leader sees some and the office all. The last one's comment is held by
# the local filter, for the office to approve or reject.
FEEDBACK = (
    FeedbackSpec(1, None, 5, "党员同志每个月都来看望我们老两口，还帮忙修好了水管，非常感谢！", 9),
    FeedbackSpec(4, None, 4, "很热心，就是工作日来不了，希望周末能多来几次。", 15),
    FeedbackSpec(None, 2, 5, "义诊很及时，量了血压还讲了用药，医生和党员同志都很耐心。", 6),
    FeedbackSpec(None, 1, 3, "楼道干净多了，不过电动车还是有人乱停。", 20),
    FeedbackSpec(None, None, 5, "", 3),
    FeedbackSpec(2, None, 1, "加微信领取免费礼品", 2),
)

OFFICE_USERNAME = "office"
OFFICE_PASSWORD = "demo1234"
OFFICE_DISPLAY_NAME = "办公室"


def scene_jpeg(seed: int, taken_at: datetime) -> bytes:
    """A small JPEG of a street scene with volunteers wearing the red badge, different per
    seed, with the EXIF capture time a phone in Shanghai writes (taken_at is local)."""
    rng = random.Random(seed)
    image = Image.new("RGB", (800, 600), (rng.randint(120, 200), rng.randint(170, 220), 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 380, 800, 600), fill=(rng.randint(90, 150), rng.randint(90, 140), 90))
    sun_x = rng.randint(40, 760)
    draw.ellipse((sun_x - 35, 40, sun_x + 35, 110), fill=(255, 220, 120))
    for _ in range(rng.randint(3, 6)):
        x, w, h = rng.randint(-40, 720), rng.randint(70, 170), rng.randint(120, 300)
        draw.rectangle((x, 380 - h, x + w, 380), fill=tuple(rng.randint(150, 230) for _ in "rgb"))
    for _ in range(rng.randint(2, 5)):
        x, y = rng.randint(40, 740), rng.randint(400, 480)
        draw.ellipse((x - 14, y - 70, x + 14, y - 42), fill=(240, 200, 170))
        draw.rectangle((x - 20, y - 42, x + 20, y + 40), fill=(rng.randint(20, 80), 60, 120))
        draw.ellipse((x + 6, y - 34, x + 14, y - 26), fill=(220, 20, 30))  # the party badge
    exif = Image.Exif()
    details = exif.get_ifd(ExifTags.IFD.Exif)
    details[ExifTags.Base.DateTimeOriginal] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
    details[ExifTags.Base.OffsetTimeOriginal] = "+08:00"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, exif=exif)
    return buffer.getvalue()
