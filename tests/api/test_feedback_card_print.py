"""The office prints the feedback cards it picks at one go: GET /office/feedback/cards.pdf (A4,
six a page) and cards.zip (the same cards as PNGs, whose numbered names show which were
picked and in what order)."""

import io
import zipfile
from datetime import timedelta
from urllib.parse import quote

import pytest
from PIL.PdfParser import PdfParser

from api.feedback import OPENAPI
from models import Activity, Member
from services import clock
from services import feedback_card_pick as card_pick
from tests.factories import make_activity, make_member, make_team, pair

PUBLIC = "https://xf.example.cn"


@pytest.fixture
def settings_overrides(settings_overrides):
    settings_overrides["feedback"] = {"public_url": PUBLIC}
    return settings_overrides


@pytest.fixture
def world(app):
    """Team A: its leader, 王丽 (paired), 李强 (not paired), an activity tomorrow, one next
    month, one cancelled, one last week. Team B: its leader, 赵敏 (paired), an activity the
    day after tomorrow. And an office task with no team tomorrow."""
    now = clock.now_utc()
    a, b = make_team(name="第一服务队"), make_team(name="第二服务队")
    wang, li = make_member(name="王丽", team=a), make_member(name="李强", team=a)
    zhao = make_member(name="赵敏", team=b)
    for member in (wang, zhao):
        pair(member)
    days = {"tomorrow": 1, "next_month": 30, "cancelled": 1, "last_week": -7}
    acts = {name: make_activity(a, now + timedelta(days=d), title=name) for name, d in days.items()}
    Activity.update(status="cancelled").where(Activity.id == acts["cancelled"].id).execute()
    acts["b_soon"] = make_activity(b, now + timedelta(days=2), title="b_soon")
    acts["office_task"] = make_activity(a, now + timedelta(days=1), title="office_task")
    Activity.update(team=None).where(Activity.id == acts["office_task"].id).execute()
    acts["office_task"] = Activity.get_by_id(acts["office_task"].id)
    return {"a": a, "b": b, "wang": wang, "li": li, "zhao": zhao, "acts": acts, "now": now}


def picked(office, query="") -> list[str]:
    """The names of the cards a pick gives, in order, read from the ZIP."""
    answer = office.get(f"/office/feedback/cards.zip{query}")
    assert answer.status_code == 200, answer.get_json()
    assert answer.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(answer.get_data())) as archive:
        return [name.split("_", 1)[1].removesuffix(".png") for name in archive.namelist()]


def day(world, days: int) -> str:
    return (clock.local_today(world["now"]) + timedelta(days=days)).isoformat()


def activity(world, name: str) -> str:
    found = world["acts"][name]
    team = found.team.name if found.team else found.community.name
    return f"{team}_活动{found.id}_{name}"


def test_everything_team_by_team_the_teams_card_first(world, office):
    assert picked(office) == [
        "第一服务队_服务队",
        "第一服务队_王丽",
        activity(world, "tomorrow"),
        activity(world, "next_month"),
        "第二服务队_服务队",
        "第二服务队_赵敏",
        activity(world, "b_soon"),
        activity(world, "office_task"),  # no team: last, named after its community
    ]


def test_one_team(world, office):
    team = world["a"].id
    assert picked(office, f"?team_id={team}") == [
        "第一服务队_服务队",
        "第一服务队_王丽",
        activity(world, "tomorrow"),
        activity(world, "next_month"),
    ]
    assert picked(office, f"?team_id={team}&kind=member") == ["第一服务队_王丽"]


def test_the_paired_members_only_while_active_and_paired(world, office):
    assert picked(office, "?kind=member") == ["第一服务队_王丽", "第二服务队_赵敏"]
    Member.update(active=False).where(Member.id == world["zhao"].id).execute()
    assert picked(office, "?kind=member") == ["第一服务队_王丽"]


def test_the_teams_only(world, office):
    assert picked(office, "?kind=team") == ["第一服务队_服务队", "第二服务队_服务队"]


def test_activities_of_a_date_range_never_a_cancelled_one(world, office):
    query = f"?kind=activity&from={day(world, -7)}&to={day(world, 1)}"
    names = picked(office, query)
    expected = ["last_week", "tomorrow", "office_task"]
    assert names == [activity(world, name) for name in expected]
    only_to = picked(office, f"?kind=activity&to={day(world, -1)}")
    assert only_to == [activity(world, "last_week")]  # no start: every day up to `to`
    assert picked(office, f"?kind=activity&from={day(world, 2)}&team_id={world['b'].id}") == [
        activity(world, "b_soon")
    ]


def test_the_pdf_has_a4_pages_of_six_cards_named_for_the_pick(world, office):
    answer = office.get(f"/office/feedback/cards.pdf?team_id={world['a'].id}")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.headers["Cache-Control"] == "private, no-store"
    name = f"评价卡_第一服务队_全部_{clock.local_today(world['now']).isoformat()}.pdf"
    disposition = f"attachment; filename*=UTF-8''{quote(name, safe='')}"
    assert answer.headers["Content-Disposition"] == disposition
    parser = PdfParser(buf=answer.get_data())
    assert len(parser.pages) == 1  # four cards
    box = parser.read_indirect(parser.pages[0])[b"MediaBox"]
    assert box[2] == pytest.approx(595.28, abs=0.5) and box[3] == pytest.approx(841.89, abs=0.5)
    everything = PdfParser(buf=office.get("/office/feedback/cards.pdf").get_data())
    assert len(everything.pages) == 2  # eight cards


def test_a_pick_over_the_limit_is_refused_in_chinese_before_drawing(world, office, monkeypatch):
    monkeypatch.setattr(card_pick, "CARDS_MAX", 8)
    assert len(picked(office)) == 8  # exactly the limit is fine
    make_member(name="钱多", team=world["b"])
    pair(Member.get(Member.name == "钱多"))
    answer = office.get("/office/feedback/cards.pdf")
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["code"] == "too_many_cards"
    assert error["message"].startswith("一次最多打印 8 张评价卡，这次选中了 9 张。")


def test_the_real_limit_is_the_documented_one():
    text = OPENAPI["/office/feedback/cards.pdf"]["get"]["description"]
    assert f"一次最多 {card_pick.CARDS_MAX} 张" in text
    assert 50 <= card_pick.CARDS_MAX <= 200  # a sitting at the printer, a bounded render


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("?kind=household", 400, "bad_target_kind"),
        ("?team_id=99999", 404, "team_not_found"),
        ("?from=2026-12-10&to=2026-12-01", 400, "bad_window"),
        ("?from=2025-01-01&to=2026-12-01", 400, "bad_window"),  # over a year apart
        ("?kind=activity&from=2020-01-01&to=2020-01-31", 404, "no_cards"),
        ("?colour=red", 400, "unknown_field"),
    ],
)
def test_bad_picks_are_refused(world, office, query, status, code):
    for suffix in ("pdf", "zip"):
        answer = office.get(f"/office/feedback/cards.{suffix}{query}")
        assert answer.status_code == status, answer.get_json()
        error = answer.get_json()["error"]
        assert error["code"] == code and error["message"]


def test_no_cards_without_a_public_address_outside_demo_mode(settings_overrides, request):
    settings_overrides["feedback"]["public_url"] = ""
    office = request.getfixturevalue("office")
    make_team()
    answer = office.get("/office/feedback/cards.pdf")
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "public_url_missing"
