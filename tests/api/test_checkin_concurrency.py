"""200 check-ins from 50 members at once, each sent twice (a double-tap), over real HTTP to a
threaded server: no 5xx, no lost record, no duplicate, one photo per record. And visits tapped
several times at once, each tap its own request: one open visit per member."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import requests

from models import Enrollment, Photo, ServiceRecord
from services import clock
from tests.factories import make_activity, make_member, make_team, pair
from tests.images import jpeg

MEMBERS, ACTIVITIES = 50, 4


def test_two_hundred_checkins_at_once(app, server):
    now = clock.now_utc()
    team = make_team()
    members = [make_member(team=team, mp_openid=f"mp-load-{n}") for n in range(MEMBERS)]
    activities = [
        make_activity(team, starts_at=now - timedelta(minutes=10), title=f"活动{n}")
        for n in range(ACTIVITIES)
    ]
    for activity in activities:
        for member in members:
            Enrollment.create(activity=activity, member=member, created_at=now)
    tokens = {member.id: _login(server, member) for member in members}
    jobs = [
        (
            member,
            activity,
            f"req-{member.id}-{activity.id}",
            jpeg(member.id * 10 + activity.id, size=(320, 240)),
        )
        for member in members
        for activity in activities
    ]

    def check_in(job):
        member, activity, request_id, photo = job
        response = requests.post(
            f"{server}/api/v1/checkins",
            headers={"Authorization": f"Bearer {tokens[member.id]}"},
            data={
                "activity_id": activity.id,
                "lat": activity.lat + 0.0002,
                "lng": activity.lng,
                "coord": "gcj02",
                "accuracy": 20,
                "request_id": request_id,
            },
            files={"photo": ("photo.jpg", photo, "image/jpeg")},
            timeout=60,
        )
        return request_id, response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=24) as pool:
        results = list(pool.map(check_in, jobs + jobs))  # every check-in sent twice

    statuses = sorted({status for _, status, _ in results})
    assert statuses in ([200, 201], [201]), [r for r in results if r[1] >= 300][:3]
    ids_by_request = {}
    for request_id, _, body in results:
        ids_by_request.setdefault(request_id, set()).add(body["id"])
    assert all(len(ids) == 1 for ids in ids_by_request.values())
    assert ServiceRecord.select().count() == MEMBERS * ACTIVITIES
    assert Photo.select().count() == MEMBERS * ACTIVITIES


def _login(server: str, member) -> str:
    login = requests.post(
        f"{server}/api/v1/auth/login", json={"code": f"code:{member.mp_openid}"}, timeout=10
    )
    return login.json()["token"]


def test_visits_tapped_at_once_make_one_open_visit(app, server):
    members = [make_member(team=make_team(), mp_openid=f"mp-visit-{n}") for n in range(5)]
    for member in members:
        pair(member)
    tokens = {member.id: _login(server, member) for member in members}
    taps = [(member, tap) for member in members for tap in range(4)]

    def visit(job):
        member, tap = job
        response = requests.post(
            f"{server}/api/v1/checkins",
            headers={"Authorization": f"Bearer {tokens[member.id]}"},
            data={"kind": "visit", "lat": 34.7466, "lng": 113.6253, "coord": "gcj02"}
            | {"accuracy": 20, "request_id": f"visit-{member.id}-{tap}"},
            files={"photo": ("photo.jpg", jpeg(member.id * 10 + tap), "image/jpeg")},
            timeout=60,
        )
        return member.id, response.status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(visit, taps))

    for member in members:
        statuses = sorted(status for who, status in results if who == member.id)
        assert statuses == [201, 409, 409, 409], statuses
    assert ServiceRecord.select().where(ServiceRecord.kind == "visit").count() == len(members)
