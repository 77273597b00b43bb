"""Who may do what, as one table: role x endpoint -> allowed or refused.

The world: team A (leader_a, alice, bob) and team B (leader_b, carol); alice owns the
household, the enrolment, the check-in and the register entry every row points at. An allowed
call answers 2xx; a refused one 401, 403 or 404 (404 where saying 403 would reveal that a
record exists). Nothing else is acceptable, and never a 5xx."""

from datetime import date, timedelta

import pytest
from peewee import fn

from models import (
    Account,
    Enrollment,
    Feedback,
    Member,
    Notification,
    QuarterlyReport,
    SpotCheck,
)
from services import auth, broadcast, clock, history
from services.outbox import Message, enqueue
from services.outbox_delivery import Policy
from tests.api.conftest import ApiClient
from tests.factories import make_activity, make_household, make_member, make_record, make_team, pair

ROLES = ["anonymous", "alice", "bob", "leader_a", "leader_b", "carol", "office"]
MEMBERS = {"alice", "bob", "leader_a", "leader_b", "carol"}
TEAM_A = {"alice", "bob", "leader_a"}
FILLED = {"content": "清理楼道", "target": "3号楼住户", "outcome": "楼道整洁"}

# (name, method, path, body, roles allowed). {activity} and {record} are alice's. A role in
# INVALID for a row is allowed to call it but must say more (a 400), e.g. the office's reason.
TABLE = [
    ("my profile", "get", "/me", None, MEMBERS),
    ("my summary", "get", "/me/summary", None, MEMBERS),
    ("my household", "get", "/me/household", None, {"alice"}),
    ("activity list", "get", "/activities", None, MEMBERS | {"office"}),
    ("team A activity", "get", "/activities/{activity}", None, TEAM_A | {"office"}),
    (
        "edit activity",
        "patch",
        "/activities/{activity}",
        {"title": "新标题"},
        {"leader_a", "office"},
    ),
    ("cancel activity", "post", "/activities/{activity}/cancel", {}, {"leader_a", "office"}),
    (
        "activity in team B's community",
        "post",
        "/activities",
        {"title": "义诊", "starts_at": "{later}", "ends_at": "{later_end}", "community_id": "{b}"},
        {"leader_b", "office"},
    ),
    ("enrol", "post", "/activities/{activity}/enrollment", None, TEAM_A),
    ("record list", "get", "/records", None, MEMBERS | {"office"}),
    ("alice's records", "get", "/records?member_id={alice}", None, {"alice", "leader_a", "office"}),
    # 404 for leaders and the office; 403 for a member (any id but their own)
    ("no member's records", "get", "/records?member_id={nobody}", None, set()),
    ("alice's record", "get", "/records/{record}", None, {"alice", "leader_a", "office"}),
    ("fill in", "patch", "/records/{record}", {"content": "补充"}, {"alice"}),
    (
        "correction with a reason",
        "patch",
        "/records/{record}",
        {"content": "更正", "reason": "核实"},
        {"alice", "office"},
    ),
    ("review", "post", "/records/{record}/review", {"decision": "verify"}, {"leader_a", "office"}),
    ("check out", "post", "/checkins/{record}/checkout", {}, {"alice"}),
    ("register check", "get", "/register/check", None, {"office"}),
    (
        "register for bob",
        "post",
        "/records",
        {
            "member_id": "{bob}",
            "reason": "不会用手机",
            "kind": "individual",
            "checkin_at": "{start}",
            "checkout_at": "{end}",
            **FILLED,
        },
        {"leader_a"},
    ),
    ("my subscriptions", "get", "/me/subscriptions", None, MEMBERS),
    (
        "report subscriptions",
        "post",
        "/me/subscriptions",
        {"results": {"tmpl-access": "accept"}},
        MEMBERS,
    ),
    (
        "broadcast",
        "post",
        "/team/broadcasts",
        {"text": "明早九点集合", "request_id": "access-1"},
        {"leader_a", "leader_b"},
    ),
    ("broadcast list", "get", "/team/broadcasts", None, {"leader_a", "leader_b", "office"}),
    ("team A broadcast", "get", "/team/broadcasts/{broadcast}", None, {"leader_a", "office"}),
    ("team A notice in full", "get", "/me/notices/{broadcast}", None, TEAM_A),
    ("team members", "get", "/team/members", None, {"leader_a", "leader_b"}),
    ("team A members", "get", "/team/members?team_id={team_a}", None, {"leader_a", "office"}),
    ("this quarter's report", "get", "/team/reports/{quarter}", None, {"leader_a", "leader_b"}),
    (
        "team A report",
        "get",
        "/team/reports/{quarter}?team_id={team_a}",
        None,
        {"leader_a", "office"},
    ),
    (
        "last quarter's summary",
        "put",
        "/team/reports/{last_quarter}",
        {"summary": "本季度开展活动三次。"},
        {"leader_a", "leader_b"},
    ),
    ("register export", "get", "/records/export.xlsx", None, MEMBERS | {"office"}),
    ("no member's register export", "get", "/records/export.xlsx?member_id={nobody}", None, set()),
    (
        "team A register export",
        "get",
        "/records/export.xlsx?team_id={team_a}",
        None,
        {"leader_a", "office"},  # as the list reads team_id: members see only their own
    ),
    (
        "team A report export",
        "get",
        "/team/reports/{last_quarter}/export.xlsx?team_id={team_a}",
        None,
        {"leader_a", "office"},
    ),
    ("undelivered notifications", "get", "/office/notifications", None, {"office"}),
    ("office inbox", "get", "/office/inbox", None, {"office"}),
    ("every team's broadcasts", "get", "/office/broadcasts?urgent=true", None, {"office"}),
    ("read an office message", "post", "/office/inbox/{office_message}/read", None, {"office"}),
    ("office overview", "get", "/office/overview", None, {"office"}),
    ("spot checks", "get", "/office/spot-checks?result=pending", None, {"office"}),
    (
        "record a spot check",
        "post",
        "/office/spot-checks/{spot_check}",
        {"result": "confirmed"},
        {"office"},
    ),
    (
        "accept team A's report",
        "post",
        "/office/reports/{team_a}/{older_quarter}",
        {"decision": "accept"},
        {"office"},
    ),
    ("residents' feedback", "get", "/office/feedback", None, {"office"}),
    (
        "moderate feedback",
        "post",
        "/office/feedback/{feedback}",
        {"decision": "approve"},
        {"office"},
    ),
    ("a member's QR code", "get", "/office/feedback/qr/member/{alice}", None, {"office"}),
    ("feedback cards to print", "get", "/office/feedback/cards.pdf", None, {"office"}),
    (
        "team A's feedback cards as PNGs",
        "get",
        "/office/feedback/cards.zip?team_id={team_a}&kind=member",
        None,
        {"office"},
    ),
    ("my feedback", "get", "/me/feedback", None, MEMBERS),
    ("team feedback", "get", "/team/feedback", None, {"leader_a", "leader_b"}),
    ("team A feedback", "get", "/team/feedback?team_id={team_a}", None, {"leader_a", "office"}),
    ("annual assessment", "get", "/office/annual/{year}", None, {"office"}),
    (
        "annual decision",
        "post",
        "/office/annual/{year}/members/{alice}",
        {"grade": "pass", "commended": True},
        {"office"},
    ),
    ("annual final", "post", "/office/annual/{last_year}/final", None, {"office"}),
    ("annual export", "get", "/office/annual/{year}/export.xlsx", None, {"office"}),
    ("roster template", "get", "/office/roster/template.xlsx", None, {"office"}),
    ("roster import", "post", "/office/roster/import", None, {"office"}),
]
INVALID = {
    ("fill in", "office"): "reason_required",
    ("this quarter's report", "office"): "",
    ("team members", "office"): "missing_field",  # the office names the team
    ("team feedback", "office"): "missing_field",
    ("roster import", "office"): "not_multipart",  # the workbook travels in a form
    ("annual final", "office"): "assessment_empty",  # nobody was on last year's roster
}
INVALID_STATUS = {("roster import", "office"): 415, ("annual final", "office"): 409}
OFFICE = {"username": "access-office", "display_name": "办公室", "password_hash": "-"}


@pytest.fixture
def settings_overrides(settings_overrides):
    """An address for the feedback QR codes (outside demo mode they need one)."""
    settings_overrides["feedback"] = {"public_url": "https://xf.example.cn"}
    return settings_overrides


@pytest.fixture
def world(app, client):
    """Alice's programme, and a function giving an API client for a role. Tokens are issued
    directly (logging in is tested elsewhere), so each case costs only what it checks."""
    now = clock.now_utc()
    team_a, team_b = make_team(), make_team()
    people = {
        "leader_a": team_a.members.where(Member.role == "leader").get(),
        "alice": make_member(team=team_a),
        # the notice reaches him: a customer-service text (no template is configured)
        "bob": make_member(team=team_a, oa_openid="oa-access-bob", last_interaction_at=now),
        "leader_b": team_b.members.where(Member.role == "leader").get(),
        "carol": make_member(team=team_b, oa_openid="oa-access-carol", last_interaction_at=now),
    }
    alice = people["alice"]
    pair(alice, make_household(community=team_a.community))
    activity = make_activity(team_a, starts_at=now - timedelta(minutes=20))
    Enrollment.create(activity=activity, member=alice, created_at=now)
    record = make_record(alice, activity, checkin_at=now - timedelta(minutes=10))
    history.append(record, f"member:{alice.id}", "checkin", now, {})
    policy = Policy.from_settings(app.config["SETTINGS"])
    notice = broadcast.send(people["leader_a"], "周六集合", "access-notice", now, policy)
    office_note = Message(None, "report_late", {"title": "季度报告逾期未交"}, "access-late")
    enqueue([office_note], now, "off")
    year, quarter = clock.quarter_of(last_quarter(now))
    for team in (team_a, team_b):
        QuarterlyReport.create(
            team=team, year=year, quarter=quarter, deadline=now.date(), updated_at=now
        )
    older = date(year, 3 * quarter - 2, 1) - timedelta(days=1)  # the quarter before
    year, quarter = clock.quarter_of(older)
    submitted = {"status": "submitted", "submitted_at": now, "summary": "已交。"}
    QuarterlyReport.create(
        team=team_a, year=year, quarter=quarter, deadline=older, updated_at=now, **submitted
    )

    def client_for(role: str) -> ApiClient:
        if role == "anonymous":
            return ApiClient(client)
        if role == "office":
            owner = {"account": Account.create(**OFFICE, created_at=now)}
        else:
            openid = f"mp-{role}"
            Member.update(mp_openid=openid).where(Member.id == people[role].id).execute()
            owner = {"member": Member.get_by_id(people[role].id), "openid": openid}
        scope = "office" if role == "office" else "member"
        return ApiClient(client, auth.issue_token(now, timedelta(hours=1), scope, **owner).token)

    ids = {"activity": activity.id, "record": record.id, "alice": alice.id, "bob": people["bob"].id}
    ids |= {"start": iso(now - timedelta(hours=3)), "end": iso(now - timedelta(hours=2))}
    ids |= {
        "later": iso(now + timedelta(days=1)),
        "later_end": iso(now + timedelta(days=1, hours=2)),
    }
    ids |= {"broadcast": notice.broadcast.id, "team_a": team_a.id, "b": team_b.community_id}
    ids |= {"nobody": Member.select(fn.MAX(Member.id)).scalar() + 1}
    ids |= {"office_message": Notification.get(dedupe_key="access-late").id}
    ids |= {"spot_check": SpotCheck.create(record=record, sampled_on=now.date()).id}
    rated = {"target_kind": "member", "member": alice, "rating": 5, "created_at": now}
    ids |= {"feedback": Feedback.create(**rated).id}
    ids |= {"quarter": period(clock.local_today(now)), "last_quarter": period(last_quarter(now))}
    ids |= {"older_quarter": period(older)}
    this_year = clock.local_today(now).year
    ids |= {"year": this_year, "last_year": this_year - 1}
    return client_for, ids


def period(day: date) -> str:
    year, quarter = clock.quarter_of(day)
    return f"{year}-Q{quarter}"


def last_quarter(now) -> date:
    year, quarter = clock.quarter_of(clock.local_today(now))
    return date(year, 3 * quarter - 2, 1) - timedelta(days=1)


def iso(moment) -> str:
    return clock.to_local(moment).isoformat()


def _fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _typed(body: dict, ids) -> dict:
    """Ids in bodies are integers."""
    filled = _fill(body, ids)
    return {k: int(v) if k.endswith("_id") and v.isdigit() else v for k, v in filled.items()}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "method", "path", "body", "allowed"), TABLE, ids=[r[0] for r in TABLE]
)
def test_access(world, role, name, method, path, body, allowed):
    client_for, ids = world
    kwargs = {} if body is None else {"json": _typed(body, ids)}
    response = getattr(client_for(role), method)(_fill(path, ids), **kwargs)
    if (name, role) in INVALID:
        status = INVALID_STATUS.get((name, role), 400)
        assert response.status_code == status, (role, response.get_json())
    elif role in allowed:
        assert response.status_code < 300, (role, response.get_json())
    else:
        assert response.status_code in (401, 403, 404), (role, response.status_code)
        assert set(response.get_json()["error"]) == {"code", "message"}
