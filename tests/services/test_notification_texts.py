"""Messages render the payload convention on every channel, within WeChat's field rules."""

import os
from datetime import datetime

import pytest

from services import clock
from services.notification_texts import (
    CUSTOM_TEXT_BYTES,
    KIND_NAMES,
    MEMBER_KINDS,
    OFFICE_KINDS,
    delivery_failure_text,
    fit_value,
    payload_time,
    reason_text,
    render_template,
    render_text,
    template_id,
)
from settings import FIELD_SOURCES, NotificationSettings, load_settings
from wechat.emulator.rules import check_template_data

CREATED = clock.to_utc(datetime(2026, 12, 1, 9, 5))
FIELDS = (("thing1", "title"), ("thing2", "summary"), ("time3", "time"), ("name4", "sender"))


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("thing1", "短", "短"),
        ("thing1", "一" * 20, "一" * 20),
        ("thing1", "一" * 21, "一" * 19 + "…"),
        ("thing2", "两行\n文字", "两行 文字"),
        ("thing3", "", "无"),
        ("name1", "欧阳娜娜娜娜娜娜娜娜娜", "欧阳娜娜娜娜娜娜娜娜"),
        ("name1", "Alexander Hamilton Jr", "Alexander Hamilton J"),
        ("phrase2", "已签退，待确认", "已签退待确"),
        ("phrase2", "OK", "通知"),
        ("character_string5", "A" * 40, "A" * 32),
        ("time3", "2026年12月1日 09:05", "2026年12月1日 09:05"),
        ("keyword1", "长" * 300, "长" * 199 + "…"),
    ],
)
def test_values_fit_the_key_type(key, value, expected):
    assert fit_value(key, value) == expected


@pytest.mark.parametrize("kind", [*KIND_NAMES, "something_new"])
def test_every_kind_renders_data_wechat_accepts(kind):
    payload = {"title": "标题" * 20, "lines": {"地点": "幸福社区" * 10}, "sender": "张" * 12}
    message = render_template("tmpl", FIELDS, kind, payload, CREATED)
    check_template_data(message.data)  # raises as WeChat's 47003 would
    text = render_text(kind, payload, CREATED).text
    assert text.startswith("【标题") and "地点：幸福社区" in text


def test_defaults_come_from_the_kind_and_the_time_queued():
    message = render_template("tmpl", FIELDS, "visit_reminder", {}, CREATED)
    assert {k: v["value"] for k, v in message.data.items()} == {
        "thing1": "走访提醒",
        "thing2": "走访提醒",
        "time3": "2026年12月1日 09:05",
        "name4": "志愿服务办公室",
    }
    assert message.page is None


def test_the_payload_time_and_page():
    payload = {"body": "集合", "time": "2026-12-05T01:30:00", "page": "/pages/a/b?id=1"}
    message = render_template("tmpl", FIELDS, "activity_reminder", payload, CREATED)
    assert message.data["time3"]["value"] == "2026年12月5日 09:30"
    assert message.page == "pages/a/b?id=1"
    aware = {"time": "2026-12-05T09:30:00+08:00"}
    assert render_text("x", aware, CREATED).text.endswith("2026年12月5日 09:30")


@pytest.mark.parametrize(
    ("body", "whole"),
    [("长" * 600, True), ("🎉" * 500, False), ("a" * 1900 + "长" * 30, False)],
    ids=["600_chinese", "500_emoji", "mixed"],
)
def test_a_customer_service_text_is_held_to_wechat_s_limit_in_bytes(body, whole):
    """600 Chinese characters fit; 500 emoji, fewer characters but 2,000 bytes, do not."""
    text = render_text("broadcast", {"title": "队长通知", "body": body}, CREATED).text
    assert len(text.encode()) <= CUSTOM_TEXT_BYTES
    assert (body in text) is whole and text.endswith("2026年12月1日 09:05") is whole
    if not whole:
        assert text.endswith("…") and "\ufffd" not in text  # never cut inside a character


def test_no_template_renders_nothing():
    assert render_template("", FIELDS, "broadcast", {}, CREATED) is None


def test_every_field_source_is_rendered():
    sources = render_template(
        "t", tuple((f"thing{i}", s) for i, s in enumerate(FIELD_SOURCES)), "x", {}, CREATED
    )
    assert len(sources.data) == len(FIELD_SOURCES)
    defaults = NotificationSettings()
    assert defaults.fields_for("mp_subscribe") == (
        ("thing1", "title"),
        ("thing2", "summary"),
        ("time3", "time"),
    )


def test_reasons_read_as_chinese():
    assert reason_text("oa_template", "not_following", "43004") == (
        "公众号模板消息：队员未关注公众号（43004）"
    )
    assert reason_text("", "inactive") == "队员已离队"
    assert reason_text("", "expired") == "已过期，未发送"


@pytest.mark.parametrize(
    ("reason", "detail", "expected"),
    [
        ("busy", "-1", "微信系统繁忙（-1）"),
        ("http", "HTTP 502", "微信接口异常（HTTP 502）"),
        ("http", "not JSON", "微信接口异常（应答无法识别）"),
        ("timeout", "ReadTimeout", "微信响应超时（等待应答超时）"),
        ("network", "NameResolutionError", "无法连接微信服务器（域名无法解析）"),
        ("http", "TooManyRedirects", "微信接口异常（微信返回：TooManyRedirects）"),
    ],
)
def test_details_read_as_chinese(reason, detail, expected):
    assert reason_text("", reason, detail) == expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("failed:user block", "队员已拒收公众号模板消息"),
        ("failed: user block", "队员已拒收公众号模板消息"),
        ("failed: system failed", "微信发送失败"),
        ("failed:freq limit", "发送过于频繁，被微信限制"),
        ("failed:quota", "微信返回：failed:quota"),
    ],
)
def test_delivery_reports_read_as_chinese(status, expected):
    assert delivery_failure_text(status) == f"公众号模板消息：{expected}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-12-01T01:00:00", datetime(2026, 12, 1, 1, 0)),
        ("2026-12-01T09:00:00+08:00", datetime(2026, 12, 1, 1, 0)),
        ("tomorrow", None),
        (None, None),
        (20261201, None),
    ],
)
def test_payload_times_are_naive_utc(value, expected):
    assert payload_time(value) == expected


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"app": {"demo": "true"}}, ("demo-mp-notice", "demo-oa-notice")),
        (
            {
                "app": {"demo": "false", "secret_key": "k" * 20},
                "register": {"history_key": "h" * 32},
            },
            ("", ""),
        ),
        (
            {
                "app": {"demo": "true"},
                "notifications": {"mp_template_id": "m", "oa_template_id": "o"},
            },
            ("m", "o"),
        ),
    ],
)
def test_template_ids_come_from_settings_or_the_demo(overrides, expected):
    settings = load_settings(os.devnull, env={}, overrides=overrides)
    assert (template_id(settings, "mp_subscribe"), template_id(settings, "oa_template")) == expected
    assert template_id(settings, "oa_custom") == ""


def test_every_kind_the_services_queue_has_a_chinese_name():
    from services import (
        activity_reminders,
        broadcast,
        change_notices,
        checkin_closing,
        member_notices,
        report_review,
        spot_check,
        urgent_audit,
    )
    from services import visit_reminders as visits
    from services.notification_texts import DEFAULT_KIND_NAME, kind_name

    kinds = [activity_reminders.KIND, broadcast.KIND, checkin_closing.KIND, spot_check.KIND]
    kinds += [visits.MEMBER_KIND, visits.LEADER_KIND, "report_deadline", "report_late"]
    kinds += ["report_no_leader"]
    kinds += [member_notices.CANCELLED, member_notices.ASSIGNED, member_notices.REJECTED]
    kinds += [change_notices.CHANGED, urgent_audit.KIND]
    kinds += [kind for kind, _ in report_review.NOTICES.values()]
    assert [k for k in kinds if kind_name(k) == DEFAULT_KIND_NAME] == []
    assert set(MEMBER_KINDS) | set(OFFICE_KINDS) == set(kinds) == set(KIND_NAMES)
    assert spot_check.KIND in OFFICE_KINDS and not set(MEMBER_KINDS) & set(OFFICE_KINDS)


@pytest.mark.parametrize(
    ("lines", "last_line"),
    [
        (
            {"活动": "义诊", "时间": "12月4日（周五）09:00-11:30"},
            "时间：12月4日（周五）09:00-11:30",
        ),
        ({"服务": "义诊", "审核意见": "照片模糊", "日期": "12月4日"}, "日期：12月4日"),
        ({"服务": "义诊", "签退时间": "12月04日 12:00"}, "签退时间：12月04日 12:00"),
        ({"结对家庭": "张**家"}, "2026年12月4日 09:00"),  # no line says when: the time does
    ],
)
def test_a_customer_service_text_says_the_time_once(lines, last_line):
    payload = {"title": "活动已取消", "lines": lines, "time": "2026-12-04T01:00:00"}
    text = render_text("activity_cancelled", payload, CREATED).text
    assert text.splitlines()[-1] == last_line
    assert text.count("12月4日") + text.count("12月04日") == 1


LONG_NAME = "老年人权益维护与防诈骗宣讲进社区志愿服务"  # 20 characters
LONG_WHY = "暴雨红色预警，原定活动取消，改期时间另行通知，请大家注意安全"


@pytest.mark.parametrize(
    ("kind", "title", "lines", "expected"),
    [
        (
            "activity_cancelled",
            "活动已取消",
            {"活动": LONG_NAME, "原因": LONG_WHY, "时间": "12月4日（周五）09:00-11:30"},
            ("已取消：老年人权益维护与防诈骗宣讲进社…", "暴雨红色预警，原定活动取消，改期时间另…"),
        ),
        (
            "activity_cancelled",
            "活动已取消",
            {"活动": LONG_NAME, "时间": "12月4日（周五）09:00-11:30"},  # no reason given
            ("已取消：老年人权益维护与防诈骗宣讲进社…", LONG_NAME),
        ),
        (
            "task_assigned",
            "新的临时任务",
            {"任务": "防汛突击", "地点": "建设路社区服务站", "时间": "12月4日（周五）09:00-11:30"},
            ("新任务：防汛突击", "建设路社区服务站"),
        ),
        (
            "task_assigned",
            "新的活动安排",
            {"任务": LONG_NAME, "时间": "12月4日（周五）09:00-11:30"},
            ("新安排：老年人权益维护与防诈骗宣讲进社…", LONG_NAME),
        ),
        (
            "record_rejected",
            "记录未通过审核",
            {"服务": "楼院环境卫生集中整治", "审核意见": LONG_WHY, "日期": "12月4日"},
            ("未通过：楼院环境卫生集中整治", "暴雨红色预警，原定活动取消，改期时间另…"),
        ),
    ],
)
def test_a_member_notice_leads_with_what_the_member_must_learn(kind, title, lines, expected):
    """The name in the title field, the reason or comment (else the name) in the summary,
    the date in the time field; a text still carries every line."""
    payload = {"title": title, "lines": lines, "time": "2026-12-04T01:00:00", "page": "p/a?id=1"}
    message = render_template("tmpl", FIELDS, kind, payload, CREATED)
    check_template_data(message.data)
    values = {k: v["value"] for k, v in message.data.items()}
    assert (values["thing1"], values["thing2"]) == expected
    assert (values["time3"], message.page) == ("2026年12月4日 09:00", "p/a?id=1")
    text = render_text(kind, payload, CREATED).text
    assert text.startswith(f"【{title}】") and all(v in text for v in lines.values())


def test_other_kinds_keep_the_title_and_the_lines_as_summary():
    payload = {"title": "明日活动提醒", "lines": {"活动": "义诊", "地点": "文化路"}}
    message = render_template("tmpl", FIELDS, "activity_reminder", payload, CREATED)
    assert message.data["thing1"]["value"] == "明日活动提醒"
    assert message.data["thing2"]["value"] == "活动：义诊；地点：文化路"
