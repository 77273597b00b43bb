"""An error's message is shown to the member as is: the fields it names are named in Chinese,
and a field nobody knows keeps its own name, said plainly. The codes stay as they were."""

import io
from datetime import timedelta

import pytest

from api import MODULES
from api.openapi import body_rules, document, query_names
from models import Enrollment
from services import clock
from services.field_labels import LABELS
from tests.api.test_checkins import checkin_form, post_checkin
from tests.factories import make_activity, make_member, make_team
from tests.images import damaged, encode, jpeg, picture, with_fill_bytes


@pytest.fixture
def member(app):
    return make_member(team=make_team(), mp_openid="mp-labels")


@pytest.fixture
def activity(member):
    """An activity under way, the member enrolled."""
    now = clock.now_utc()
    activity = make_activity(member.team, starts_at=now - timedelta(minutes=10), hours=2)
    Enrollment.create(activity=activity, member=member, created_at=now)
    return activity


@pytest.fixture
def me(api, member):
    return api(member)


def test_every_field_the_document_lists_has_a_chinese_name():
    doc = document(MODULES)
    fields = {n for names in query_names(doc).values() for n in names}
    fields |= {n for _, names in body_rules(doc).values() for n in names}
    assert sorted(fields - set(LABELS)) == []


@pytest.mark.parametrize(
    ("fields", "code", "message"),
    [
        ({"lat": "北纬34度"}, "bad_field", "纬度应为数字。"),
        ({"lng": "东经"}, "bad_field", "经度应为数字。"),
        ({"accuracy": "good"}, "bad_field", "定位精度应为数字。"),
        ({"request_id": None}, "missing_field", "缺少请求编号。"),
        ({"lat": None}, "missing_field", "缺少纬度。"),
        ({"outcom": "帮老人打扫了院子"}, "unknown_field", "无法识别的字段：outcom。"),
        ({"request_id": "a\x00b"}, "bad_field", "请求编号含有无效字符。"),
    ],
    ids=["lat", "lng", "accuracy", "no request_id", "no lat", "misspelt outcome", "nul"],
)
def test_a_check_in_refusal_names_the_field_for_a_member(me, activity, fields, code, message):
    form = {k: v for k, v in (checkin_form(activity) | fields).items() if v is not None}
    response = post_checkin(me, form)
    assert response.status_code == 400
    assert response.get_json()["error"] == {"code": code, "message": message}


def test_a_photo_cut_short_is_asked_for_again_not_called_no_photo(me, activity):
    whole = jpeg(seed=3)
    form = checkin_form(activity)
    form["photo"] = (io.BytesIO(whole[: len(whole) // 2]), "photo.jpg", "image/jpeg")
    response = post_checkin(me, form)
    assert response.status_code == 400
    assert response.get_json()["error"] == {
        "code": "not_a_photo",
        "message": "照片上传不完整，请重试。",
    }


@pytest.mark.parametrize(
    "layout", [lambda data: data, with_fill_bytes], ids=["plain", "fill-bytes"]
)
def test_a_whole_photo_that_cannot_be_decoded_asks_for_another_not_a_retry(me, activity, layout):
    broken = layout(damaged("JPEG", seed=3))
    assert len(broken) >= len(encode(picture(3))) and broken.endswith(b"\xff\xd9")  # all there
    form = checkin_form(activity)
    form["photo"] = (io.BytesIO(broken), "photo.jpg", "image/jpeg")
    response = post_checkin(me, form)
    assert response.status_code == 400
    assert response.get_json()["error"] == {
        "code": "not_a_photo",
        "message": "照片文件已损坏，无法打开，请重新拍摄或换一张照片。",
    }


def test_a_file_that_is_no_photo_is_still_called_so(me, activity):
    form = checkin_form(activity)
    form["photo"] = (io.BytesIO("这是一段文字".encode()), "photo.jpg", "image/jpeg")
    response = post_checkin(me, form)
    assert response.get_json()["error"]["message"] == "请上传照片（JPG、PNG 或 WebP）。"
