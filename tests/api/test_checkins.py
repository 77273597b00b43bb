"""Check-in and check-out over the API: multipart uploads, retries, bad input, access."""

import io
import itertools
import threading
from datetime import timedelta

import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from api.checkins import CHECKIN_FORM
from models import Enrollment, Member, Photo, RecordHistory, ServiceRecord
from services import clock
from services.checkin_closing import close_open_checkins
from tests import images
from tests.api.conftest import ApiClient
from tests.factories import make_activity, make_household, make_member, make_team, pair

SEEDS = itertools.count(1)


@pytest.fixture
def member(app):
    return make_member(team=make_team(), mp_openid="mp-checkin")


@pytest.fixture
def activity(member):
    """An activity that started ten minutes ago, the member enrolled."""
    now = clock.now_utc()
    activity = make_activity(member.team, starts_at=now - timedelta(minutes=10), hours=2)
    Enrollment.create(activity=activity, member=member, created_at=now)
    return activity


@pytest.fixture
def me(api, member):
    return api(member)


def checkin_form(activity=None, photo=None, filename="photo.jpg", **fields) -> dict:
    """A check-in form 30 m from the activity; fields=None drops a field."""
    lat, lng = (activity.lat, activity.lng) if activity else (34.7466, 113.6253)
    data = {
        "activity_id": str(activity.id) if activity else None,
        "lat": str(lat + 0.00027),
        "lng": str(lng),
        "coord": "gcj02",
        "accuracy": "12",
        "request_id": f"req-{next(SEEDS)}",
    } | fields
    photo = images.jpeg(seed=next(SEEDS)) if photo is None else photo
    data["photo"] = (io.BytesIO(photo), filename, "image/jpeg")
    return {k: v for k, v in data.items() if v is not None}


def encoded(form: dict) -> tuple[str, bytes]:
    """(boundary, body) of the form as multipart, encoded in memory (the test client's own
    encoder spools large uploads to a temporary file it never closes); a MultiDict may give
    a field twice."""
    fields = MultiDict(
        (k, FileStorage(*v[:2], content_type=v[2]) if isinstance(v, tuple) else v)
        for k, v in (form.items(multi=True) if isinstance(form, MultiDict) else form.items())
    )
    return encode_multipart(fields)


def post_checkin(client: ApiClient, form: dict):
    """Post the form as multipart."""
    boundary, body = encoded(form)
    return client.post(
        "/checkins", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def test_check_in_answers_201_with_the_record_and_200_on_a_retry(me, activity):
    photo = images.jpeg(seed=1)
    first = post_checkin(me, checkin_form(activity, photo, request_id="tap-1"))
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert (body["kind"], body["status"], body["flags"]) == ("activity", "verified", [])
    assert body["activity"]["id"] == activity.id
    assert body["location"]["distance_m"] == pytest.approx(30, abs=1)
    assert body["checkin_at"].endswith("+08:00")
    assert body["photos"][0]["url"].startswith("/api/v1/photos/")
    assert body["counts_toward_hours"] is False
    again = post_checkin(me, checkin_form(activity, photo, request_id="tap-1"))
    assert again.status_code == 200
    assert again.get_json()["id"] == body["id"]
    assert ServiceRecord.select().count() == Photo.select().count() == 1


def test_a_realistic_phone_photo_with_exif_is_accepted(me, activity):
    now = clock.now_utc()
    photo = images.phone_jpeg(seed=2, taken=now - timedelta(minutes=3), gps=(34.745, 113.62))
    assert 250_000 < len(photo) < 600_000
    response = post_checkin(me, checkin_form(activity, photo))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "verified"
    assert (body["photos"][0]["width"], body["photos"][0]["height"]) == (1920, 1440)
    assert body["photos"][0]["taken_at"] is not None


def test_doubts_are_returned_as_flags(me, activity):
    photo = images.jpeg(seed=3, taken=clock.now_utc() - timedelta(days=2))
    form = checkin_form(activity, photo, lat=str(activity.lat + 0.01))
    body = post_checkin(me, form).get_json()
    assert body["status"] == "flagged"
    assert body["flags"] == ["out_of_range", "exif_time_off"]


def test_a_visit_and_an_individual_service(me, member):
    pair(member, make_household(community=member.team.community, lat=34.75, lng=113.63))
    visit = post_checkin(me, checkin_form(kind="visit", lat="34.7501", lng="113.63"))
    assert visit.status_code == 201, visit.get_json()
    assert (visit.get_json()["kind"], visit.get_json()["flags"]) == ("visit", [])
    details = {"content": "代购药品", "target": "独居老人王大爷", "outcome": "药已送到"}
    own = post_checkin(me, checkin_form(kind="individual", **details))
    assert own.status_code == 201
    body = own.get_json()
    assert (body["kind"], body["content"], body["target"]) == (
        "individual",
        "代购药品",
        details["target"],
    )
    out = me.post(f"/checkins/{body['id']}/checkout")
    assert out.status_code == 200
    assert out.get_json()["counts_toward_hours"] is True  # checked out and filled in


BAD_INPUT = {
    "no photo": ({"photo": None}, 400, "missing_photo"),
    "text named .jpg": ({"photo": "这是一段文字".encode()}, 400, "not_a_photo"),
    "truncated jpeg": ({"photo": images.truncated_jpeg()}, 400, "not_a_photo"),
    "decompression bomb": ({"photo": images.png_bomb(20000, 20000)}, 400, "photo_too_large"),
    "quiet bomb": ({"photo": images.png_bomb(7000, 7000)}, 400, "photo_too_large"),
    "over 10 MB": ({"photo": b"\xff\xd8" + b"\x00" * (10 * 2**20)}, 400, "photo_too_large"),
    "lat 91": ({"lat": "91"}, 400, "bad_location"),
    "lng 181": ({"lng": "181"}, 400, "bad_location"),
    "lat nan": ({"lat": "nan"}, 400, "bad_location"),
    "lat inf": ({"lat": "1e999"}, 400, "bad_location"),
    "lat text": ({"lat": "北纬34度"}, 400, "bad_field"),
    "no lat": ({"lat": None}, 400, "missing_field"),
    "bd09": ({"coord": "bd09"}, 400, "bad_coord_type"),
    "no coord": ({"coord": None}, 400, "missing_field"),
    "accuracy < 0": ({"accuracy": "-3"}, 400, "bad_location"),
    "accuracy text": ({"accuracy": "good"}, 400, "bad_field"),
    "no request id": ({"request_id": None}, 400, "missing_field"),
    "long request id": ({"request_id": "x" * 65}, 400, "bad_request_id"),
    "request id nul": ({"request_id": "a\x00b"}, 400, "bad_field"),
    "activity id text": ({"activity_id": "one"}, 400, "bad_field"),
    "activity id 1.5": ({"activity_id": "1.5"}, 400, "bad_field"),
    "activity id huge": ({"activity_id": "9" * 30}, 400, "bad_field"),
    "activity id beyond ids": ({"activity_id": str(2**31)}, 400, "bad_field"),
    "activity id 0": ({"activity_id": "0"}, 400, "bad_field"),
    "activity id -1": ({"activity_id": "-1"}, 400, "bad_field"),
    "no target": ({"activity_id": None}, 400, "missing_field"),
    "unknown kind": ({"kind": "party"}, 400, "bad_field"),
    "visit with activity": ({"kind": "visit"}, 400, "bad_field"),
    "target too long": ({"target": "人" * 201}, 400, "text_too_long"),
    "content nul": ({"content": "a\x00"}, 400, "bad_text"),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_is_a_json_error_and_stores_nothing(me, activity, case):
    fields, status, code = BAD_INPUT[case]
    form = checkin_form(activity, **{k: v for k, v in fields.items() if k != "photo"})
    if "photo" in fields:
        photo = fields["photo"]
        form = {k: v for k, v in form.items() if k != "photo"}
        if photo is not None:
            form["photo"] = (io.BytesIO(photo), "photo.jpg", "image/jpeg")
    response = post_checkin(me, form)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"] == code
    assert response.get_json()["error"]["message"]
    assert ServiceRecord.select().count() == Photo.select().count() == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"extra": "1"}, "无法识别的字段：extra。"),
        ({"outcom": "帮老人打扫了院子"}, "无法识别的字段：outcom。"),
        (
            {"foto": (io.BytesIO(images.jpeg(seed=9)), "b.jpg", "image/jpeg")},
            "无法识别的字段：foto。",
        ),
    ],
    ids=["extra", "misspelt outcome", "misspelt photo"],
)
def test_a_form_field_the_document_does_not_list_is_refused(me, activity, extra, message):
    """A misspelt field would otherwise be lost and the check-in answered 201."""
    response = post_checkin(me, checkin_form(activity) | extra)
    assert response.status_code == 400
    assert response.get_json()["error"] == {"code": "unknown_field", "message": message}
    assert ServiceRecord.select().count() == Photo.select().count() == 0


@pytest.mark.parametrize("twice", ["lat", "photo"])
def test_a_form_field_given_twice_is_refused(me, activity, twice):
    """The view reads one value: the other (a second photo, a second position) would be
    dropped without a word."""
    form = MultiDict(list(checkin_form(activity).items()))
    second = checkin_form(activity)[twice]
    form.add(twice, second)
    boundary, body = encoded(form)
    response = me.post(
        "/checkins", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == {
        "code": "repeated_field",
        "message": f"{ {'lat': '纬度', 'photo': '照片'}[twice] }重复提交，每项只能填一次。",
    }
    assert ServiceRecord.select().count() == 0


def test_every_field_the_document_lists_is_taken(me, activity):
    form = checkin_form(activity, kind="activity", content="清扫", target="居民", outcome="干净")
    assert set(form) == set(CHECKIN_FORM["properties"])
    response = post_checkin(me, form)
    assert response.status_code == 201, response.get_json()


def test_an_unknown_field_without_a_login_is_401_first(client, activity):
    boundary, body = encoded(checkin_form(activity, extra="1"))
    content_type = f"multipart/form-data; boundary={boundary}"
    response = client.post("/api/v1/checkins", data=body, content_type=content_type)
    assert response.get_json()["error"]["code"] == "login_required"


def test_a_50_mb_upload_is_413_json(me, activity):
    form = checkin_form(activity, photo=b"\xff\xd8" + b"\x00" * (50 * 2**20))
    response = post_checkin(me, form)
    assert response.status_code == 413
    assert response.get_json()["error"]["message"] == "上传的内容太大。"
    assert ServiceRecord.select().count() == 0


def test_a_json_body_is_not_a_check_in(me, activity):
    response = me.post("/checkins", json={"activity_id": activity.id, "lat": 34.7})
    assert response.status_code == 415
    error = response.get_json()["error"]
    assert error["code"] == "not_multipart" and "表单" in error["message"]


@pytest.mark.parametrize(
    ("photo", "message"),
    [
        pytest.param(
            images.png_bomb(30000, 30000),
            "照片像素过多，请直接用手机相机拍摄后上传。",
            id="30000x30000-png-of-100-KB",
        ),
        pytest.param(
            b"\xff\xd8" + b"\x00" * (11 * 2**20), "照片不能超过 10MB。", id="file-of-11-MB"
        ),
    ],
)
def test_a_photo_too_large_says_whether_pixels_or_bytes(me, activity, photo, message):
    """Both are photo_too_large, but the member fixes each differently: too many pixels is no
    camera's photo (take one with the camera), too many bytes a file to send smaller."""
    response = post_checkin(me, checkin_form(activity, photo=photo))
    assert response.status_code == 400
    assert response.get_json()["error"] == {"code": "photo_too_large", "message": message}


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ("cancelled", 409, "activity_cancelled"),
        ("other_team", 403, "other_team"),
        ("not_enrolled", 403, "not_enrolled"),
        ("too_late", 409, "checkin_closed"),
    ],
)
def test_refusals_for_the_activity(me, activity, change, status, code):
    if change == "cancelled":
        activity.status = "cancelled"
    elif change == "other_team":
        activity.team = make_team()
    elif change == "too_late":
        activity.starts_at -= timedelta(hours=5)
        activity.ends_at -= timedelta(hours=5)
    else:
        Enrollment.delete().execute()
    activity.save()
    response = post_checkin(me, checkin_form(activity))
    assert (response.status_code, response.get_json()["error"]["code"]) == (status, code)
    assert ServiceRecord.select().count() == 0


def test_one_open_check_in_per_activity_is_409(me, activity):
    assert post_checkin(me, checkin_form(activity)).status_code == 201
    second = post_checkin(me, checkin_form(activity))
    assert (second.status_code, second.get_json()["error"]["code"]) == (409, "already_checked_in")


def test_a_second_open_visit_is_409_and_counts_once(me, member):
    """A double tap on 走访 with two request ids: one visit on the member's screen, and a
    retry of the first still answers 200 with it."""
    pair(member)
    first = checkin_form(kind="visit", request_id="visit-1")
    assert post_checkin(me, first).status_code == 201
    second = post_checkin(me, checkin_form(kind="visit", request_id="visit-2"))
    error = second.get_json()["error"]
    assert (second.status_code, error["code"]) == (409, "already_checked_in")
    assert error["message"] == "您已签到本次走访，请先签退。"
    retry = post_checkin(me, checkin_form(kind="visit", request_id="visit-1"))
    assert retry.status_code == 200
    assert me.get("/me/summary").get_json()["quarter"]["visits"] == 1


def test_a_visit_without_a_paired_household_is_refused(me):
    response = post_checkin(me, checkin_form(kind="visit"))
    assert (response.status_code, response.get_json()["error"]["code"]) == (409, "no_pairing")


@pytest.mark.parametrize("who", ["nobody", "office", "bind", "forged"])
def test_only_members_check_in(api, office, activity, who):
    clients = {
        "nobody": api(),
        "office": office,
        "bind": api("mp-not-bound"),
        "forged": ApiClient(api().client, "forged-token"),
    }
    response = post_checkin(clients[who], checkin_form(activity))
    assert response.status_code == (403 if who in ("office", "bind") else 401)
    assert "error" in response.get_json()
    assert ServiceRecord.select().count() == 0


def test_concurrent_retries_over_http_make_one_record(app, me, activity):
    photo, form_fields = images.jpeg(seed=50), {"request_id": "retry-storm"}
    barrier, responses = threading.Barrier(6), [None] * 6

    def tap(i):
        client = ApiClient(app.test_client(), me.token)
        barrier.wait()
        responses[i] = post_checkin(client, checkin_form(activity, photo, **form_fields))

    threads = [threading.Thread(target=tap, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in responses) == [200] * 5 + [201]
    assert len({r.get_json()["id"] for r in responses}) == 1
    assert ServiceRecord.select().count() == Photo.select().count() == 1


# --- check-out ------------------------------------------------------------------------------


@pytest.fixture
def checked_in(me, activity) -> dict:
    response = post_checkin(me, checkin_form(activity))
    assert response.status_code == 201
    return response.get_json()


def test_check_out_answers_the_record_with_its_duration(me, checked_in):
    point = {"lat": 34.7468, "lng": 113.6253, "coord": "gcj02", "accuracy": 9}
    out = me.post(f"/checkins/{checked_in['id']}/checkout", json=point)
    assert out.status_code == 200, out.get_json()
    body = out.get_json()
    assert body["checkout_at"].endswith("+08:00") and body["duration_minutes"] == 0
    stored = ServiceRecord.get_by_id(checked_in["id"])
    assert (stored.checkout_lat, stored.checkout_lng) == (34.7468, 113.6253)
    again = me.post(f"/checkins/{checked_in['id']}/checkout")
    assert again.status_code == 200 and again.get_json()["checkout_at"] == body["checkout_at"]
    assert RecordHistory.select().count() == 2


def test_the_check_out_position_is_returned_like_the_check_ins_rounded(me, activity):
    """Check-out keeps its point converted to GCJ-02, which leaves float noise; both points
    come back rounded to 6 decimals (about 0.1 m)."""
    body = post_checkin(me, checkin_form(activity, lat="34.782700000000006")).get_json()
    assert body["location"]["lat"] == 34.7827
    assert body["checkout_location"] == {"lat": None, "lng": None, "coord": None}
    wgs84 = {"lat": 34.7817, "lng": 113.6195, "coord": "wgs84", "accuracy": 9}
    out = me.post(f"/checkins/{body['id']}/checkout", json=wgs84).get_json()
    stored = ServiceRecord.get_by_id(body["id"])
    assert out["checkout_location"] == {
        "lat": round(stored.checkout_lat, 6),
        "lng": round(stored.checkout_lng, 6),
        "coord": "gcj02",
    }
    assert stored.checkout_lat != out["checkout_location"]["lat"]  # the noise is only dropped
    assert out["checkout_location"]["lat"] == pytest.approx(stored.checkout_lat, abs=1e-6)
    line = me.get(f"/records/{body['id']}").get_json()["history"][-1]
    assert line["changes"]["checkout_lat"] == [None, out["checkout_location"]["lat"]]


def test_checking_out_an_entry_the_system_closed_is_409(me, checked_in):
    """The member's own check-out retried is 200 (above); an entry closed by the closing job
    is not the member's success: they are told to ask the office, which corrects hours."""
    close_open_checkins(clock.now_utc() + timedelta(hours=6))
    closed = ServiceRecord.get_by_id(checked_in["id"])
    assert closed.flags == ["auto_checkout"]
    out = me.post(f"/checkins/{checked_in['id']}/checkout", json={})
    assert out.status_code == 409
    assert out.get_json()["error"] == {
        "code": "auto_checked_out",
        "message": "这次签到未及时签退，已由系统自动签退；如需更正服务时长，请联系办公室。",
    }
    assert RecordHistory.select().count() == 2  # check-in and the system's check-out only


def test_whom_the_auto_checked_out_answer_names_can_correct_the_time(api, office, checked_in):
    """The leader cannot change hours (403 office_only_field); the office can, with a reason
    kept in the history; the leader then reviews the entry as usual."""
    close_open_checkins(clock.now_utc() + timedelta(hours=6))
    team = ServiceRecord.get_by_id(checked_in["id"]).member.team
    leader = team.members.where(Member.role == "leader").get()
    leader.mp_openid = "mp-checkin-leader"
    leader.save()
    path = f"/records/{checked_in['id']}"
    refused = api(leader).patch(path, json={"duration_minutes": 90})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "office_only_field"
    assert "只有办公室" in refused.get_json()["error"]["message"]
    fixed = office.patch(path, json={"duration_minutes": 90, "reason": "队员当天实际服务 1.5 小时"})
    assert fixed.status_code == 200, fixed.get_json()
    assert fixed.get_json()["duration_minutes"] == 90
    line = office.get(path).get_json()["history"][-1]
    assert line["changes"]["duration_minutes"][1] == 90
    assert line["reason"] == "队员当天实际服务 1.5 小时"
    verified = api(leader).post(f"{path}/review", json={"decision": "verify"})
    assert verified.get_json()["status"] == "verified"


def test_hours_the_office_set_on_an_open_entry_survive_the_members_check_out(
    me, office, checked_in, monkeypatch
):
    """The tester's case: the member did not check out, the office set the hour it found out
    (200, history line correct), the member then taps 签退: 409 office_checked_out, and the
    office's 60 minutes stay. Too early (the hour has not passed), the office is refused."""
    path = f"/records/{checked_in['id']}"
    fix = {"duration_minutes": 60, "reason": "未签退，核实1小时"}
    early = office.patch(path, json=fix)
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "still_in_service"
    later = clock.now_utc() + timedelta(minutes=70)
    monkeypatch.setattr(clock, "now_utc", lambda: later)
    fixed = office.patch(path, json=fix)
    assert fixed.status_code == 200, fixed.get_json()
    assert fixed.get_json()["duration_minutes"] == 60 and fixed.get_json()["checkout_at"]
    assert fixed.get_json()["history"][-1]["action"] == "correct"
    out = me.post(f"/checkins/{checked_in['id']}/checkout", json={})
    assert out.status_code == 409
    assert out.get_json()["error"] == {
        "code": "office_checked_out",
        "message": "办公室已核定这次服务的时长（60 分钟），这次签到已结束，无需再签退；"
        "如有疑问，请联系办公室。",
    }
    entry = office.get(path).get_json()
    assert entry["duration_minutes"] == 60
    assert [h["action"] for h in entry["history"]] == ["checkin", "correct"]
    assert entry["register_check"] == {"ok": True, "problem": None}


def test_a_rejected_entry_cannot_be_checked_out(me, office, checked_in):
    """The tester's case: the office rejects an entry still open; the member's check-out is
    refused as the fill-in of a rejected entry is (409 record_rejected, naming whom to ask),
    and the entry gets no check-out, no hours and no doubt from it."""
    path = f"/records/{checked_in['id']}"
    rejected = office.post(f"{path}/review", json={"decision": "reject", "comment": "照片不清"})
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    out = me.post(f"/checkins/{checked_in['id']}/checkout", json={})
    assert out.status_code == 409
    assert out.get_json()["error"] == {
        "code": "record_rejected",
        "message": "该记录未通过审核，不能再修改；如有异议请联系办公室。",
    }
    entry = ServiceRecord.get_by_id(checked_in["id"])
    assert entry.checkout_at is None and entry.duration_minutes is None
    assert "short_service" not in entry.flags
    assert [h["action"] for h in office.get(path).get_json()["history"]] == ["checkin", "review"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("[1, 2]", "bad_json"),
        ("{not json", "bad_json"),
        ('{"lat": 34.7}', "missing_field"),
        ('{"lat": "34.7", "lng": 113.6, "coord": "gcj02"}', "bad_field"),
        ('{"lat": 95, "lng": 113.6, "coord": "gcj02"}', "bad_location"),
        ('{"lat": 34.7, "lng": 113.6, "coord": "baidu"}', "bad_coord_type"),
        ('{"lat": 34.7, "lng": 113.6}', "missing_field"),
        ('{"lat": 34.7, "lng": 113.6, "coord": "gcj02", "accurcy": 9}', "unknown_field"),
        ('{"latitude": 34.7, "longitude": 113.6}', "unknown_field"),  # not "no position"
    ],
)
def test_a_bad_check_out_body_is_400(me, checked_in, body, code):
    response = me.post(
        f"/checkins/{checked_in['id']}/checkout", data=body, content_type="application/json"
    )
    assert (response.status_code, response.get_json()["error"]["code"]) == (400, code)
    assert ServiceRecord.get_by_id(checked_in["id"]).checkout_at is None


@pytest.mark.parametrize(
    ("path", "status"),
    [("/checkins/999999/checkout", 404), ("/checkins/" + "9" * 30 + "/checkout", 404)],
)
def test_check_out_of_an_unknown_record_is_404(me, path, status):
    response = me.post(path)
    assert response.status_code == status and "error" in response.get_json()


def test_another_members_record_cannot_be_checked_out_nor_seen_to_exist(api, member, checked_in):
    other = make_member(team=member.team, mp_openid="mp-other")
    response = api(other).post(f"/checkins/{checked_in['id']}/checkout")
    missing = api(other).post("/checkins/999999/checkout")
    assert response.status_code == missing.status_code == 404
    assert response.get_json() == missing.get_json()
    assert ServiceRecord.get_by_id(checked_in["id"]).checkout_at is None


def test_the_office_cannot_check_out_for_a_member(office, checked_in):
    assert office.post(f"/checkins/{checked_in['id']}/checkout").status_code == 403


# --- what the programme fills in at check-out -----------------------------------------------


def _visit(me, member, **details) -> dict:
    home = make_household(member.team.community, head_name="王秀英", lat=34.75, lng=113.63)
    pair(member, home)
    response = post_checkin(me, checkin_form(kind="visit", lat="34.7501", lng="113.63", **details))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_visit_checked_in_and_out_in_the_mini_program_names_the_household(me, member):
    visit = _visit(me, member, content="老人独自居住", outcome="帮忙打扫卫生")
    assert visit["target"] == ""  # open: the programme writes it at check-out
    out = me.post(f"/checkins/{visit['id']}/checkout").get_json()
    assert out["target"] == "结对家庭 王**户"
    assert out["counts_toward_hours"] is True
    assert ServiceRecord.get_by_id(visit["id"]).target == "结对家庭 王**户"


def test_an_activity_filled_in_before_check_out_is_said_what_was_done(me, activity):
    entry = post_checkin(me, checkin_form(activity)).get_json()
    fill = {"target": "幸福社区居民", "outcome": "楼道清理干净"}
    assert me.patch(f"/records/{entry['id']}", json=fill).status_code == 200
    out = me.post(f"/checkins/{entry['id']}/checkout").get_json()
    assert out["content"] == f"参加「{activity.title}」"
    assert out["counts_toward_hours"] is True
    actions = [h.action for h in RecordHistory.select().order_by(RecordHistory.seq)]
    assert actions == ["checkin", "fill", "checkout"]  # written in the check-out's own line


def test_an_activity_filled_in_after_check_out_keeps_what_was_done(me, activity):
    entry = post_checkin(me, checkin_form(activity)).get_json()
    me.post(f"/checkins/{entry['id']}/checkout")
    fill = {"target": "幸福社区居民", "outcome": "楼道清理干净"}
    body = me.patch(f"/records/{entry['id']}", json=fill).get_json()
    assert body["content"] == f"参加「{activity.title}」"
    assert body["counts_toward_hours"] is True


@pytest.mark.parametrize("kind", ["activity", "visit"])
def test_text_the_member_wrote_is_never_overwritten(me, member, activity, kind):
    if kind == "activity":
        entry = post_checkin(me, checkin_form(activity, content="为居民量血压")).get_json()
    else:
        entry = _visit(me, member)
        me.patch(f"/records/{entry['id']}", json={"target": "王阿姨一家"})
    out = me.post(f"/checkins/{entry['id']}/checkout").get_json()
    assert (out["content"], out["target"]) == (
        ("为居民量血压", "") if kind == "activity" else ("", "王阿姨一家")
    )


# --- the document ---------------------------------------------------------------------------


def test_both_routes_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    form = paths["/checkins"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["properties"]["photo"] == {
        "type": "string",
        "format": "binary",
        "description": "JPG/PNG/WebP",
    }
    assert set(form["required"]) == {"lat", "lng", "coord", "photo", "request_id"}
    responses = paths["/checkins"]["post"]["responses"]
    assert {"200", "201", "400", "401", "403", "404", "409", "413"} <= set(responses)
    checkout = paths["/checkins/{record_id}/checkout"]["post"]
    assert checkout["parameters"][0]["name"] == "record_id"
    assert checkout["requestBody"]["required"] is False


@pytest.mark.parametrize(
    "damage", ["no boundary", "cut in a field", "cut before the photo", "cut in a large photo"]
)
def test_an_unreadable_form_is_a_bad_upload_not_a_missing_activity(me, activity, damage):
    """The parser reads a broken body as an empty form: the answer says to send it again,
    not that the activity was not picked."""
    boundary, body = encoded(checkin_form(activity, photo=images.jpeg(seed=5) * 200))
    posts = {
        "no boundary": (body, "multipart/form-data"),
        "cut in a field": (body[:60], f"multipart/form-data; boundary={boundary}"),
        "cut before the photo": (
            body[: body.index(b'name="photo"')],
            f"multipart/form-data; boundary={boundary}",
        ),
        "cut in a large photo": (
            body[: len(body) // 2],
            f"multipart/form-data; boundary={boundary}",
        ),
    }
    assert len(body) > 1_000_000  # a photo part larger than Werkzeug keeps in memory
    data, content_type = posts[damage]
    response = me.post("/checkins", data=data, content_type=content_type)
    error = response.get_json()["error"]
    assert (response.status_code, error["code"]) == (400, "bad_upload")
    assert error["message"] == "上传内容不完整，请重新提交。"
    assert ServiceRecord.select().count() == 0
