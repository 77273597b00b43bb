"""`python app.py feedback cards`: a printable PNG per paired member (or one activity) whose
QR code holds the page's address, read back from the pixels and compared with what segno
encodes for that address (no QR decoder is installed here)."""

import io
from datetime import timedelta

import pytest
import segno
from PIL import Image

from models import FeedbackCode, Member
from services import clock
from services.feedback_cards import QR_BORDER, QR_SCALE, qr_box
from tests.api.test_feedback import read_modules
from tests.factories import make_activity, make_household, make_member, make_team, pair

PUBLIC = "https://xf.example.cn"


@pytest.fixture
def settings_overrides(settings_overrides):
    settings_overrides["feedback"] = {"public_url": PUBLIC}
    return settings_overrides


@pytest.fixture
def world(app):
    """Team 1: 王丽 and 李强 paired, 陈静 not, 赵刚 paired but gone; the leader not paired."""
    team = make_team(name="第一服务队")
    people = {}
    for name, paired, active in (
        ("王丽", True, True),
        ("李强", True, True),
        ("陈静", False, True),
        ("赵刚", True, False),
    ):
        member = make_member(name=name, team=team, active=active)
        if paired:
            pair(member, make_household(community=team.community))
        people[name] = member
    return team, people


def decoded_url(path, kind, target_id) -> str:
    """The address the card's code must hold, checked against the card's pixels."""
    code = FeedbackCode.get(FeedbackCode.target_key == f"{kind}:{target_id}").code
    url = f"{PUBLIC}/r/{code}"
    image = Image.open(path).convert("L")
    left, top, side = qr_box(url)
    assert image.width >= left + side and image.height > top + side
    expected = segno.make(url, error="m").matrix
    offset = QR_BORDER * QR_SCALE
    assert read_modules(image, left + offset, top + offset, len(expected)) == expected
    return url


def test_a_card_for_every_paired_member_still_serving(runner, world, tmp_path, client):
    team, people = world
    out = tmp_path / "cards"
    result = runner.invoke(args=["feedback", "cards", str(out)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == ["第一服务队_李强.png", "第一服务队_王丽.png"]
    assert "已生成 2 张评价卡" in result.output and PUBLIC in result.output
    url = decoded_url(out / "第一服务队_王丽.png", "member", people["王丽"].id)
    page = client.get(url.removeprefix(PUBLIC)).get_data(as_text=True)
    assert "王同志" in page


def test_cards_printed_again_keep_their_codes_and_are_not_overwritten(runner, world, tmp_path):
    out = tmp_path / "cards"
    assert runner.invoke(args=["feedback", "cards", str(out)]).exit_code == 0
    codes = {c.target_key: c.code for c in FeedbackCode.select()}
    before = (out / "第一服务队_王丽.png").read_bytes()
    again = runner.invoke(args=["feedback", "cards", str(out)])
    assert again.exit_code == 1 and "已经存在" in again.output and "--force" in again.output
    forced = runner.invoke(args=["feedback", "cards", str(out), "--force"])
    assert forced.exit_code == 0 and (out / "第一服务队_王丽.png").read_bytes() == before
    assert {c.target_key: c.code for c in FeedbackCode.select()} == codes


def test_an_activity_card(runner, world, tmp_path):
    team, _ = world
    activity = make_activity(team, starts_at=clock.now_utc() + timedelta(days=1), title="义诊")
    out = tmp_path / "cards"
    result = runner.invoke(args=["feedback", "cards", str(out), "--activity", str(activity.id)])
    assert result.exit_code == 0, result.output
    (card,) = out.iterdir()
    assert card.name == f"第一服务队_活动{activity.id}_义诊.png"
    decoded_url(card, "activity", activity.id)
    assert Image.open(io.BytesIO(card.read_bytes())).format == "PNG"


def test_no_card_for_a_cancelled_activity(runner, world, tmp_path):
    """Residents scanning it would only read 无需评价: the clerk is told so, nothing written."""
    team, _ = world
    starts = clock.now_utc() + timedelta(days=1)
    activity = make_activity(team, starts_at=starts, title="义诊", status="cancelled")
    out = tmp_path / "cards"
    result = runner.invoke(args=["feedback", "cards", str(out), "--activity", str(activity.id)])
    assert result.exit_code == 1 and "「义诊」已取消" in result.output, result.output
    assert "无需评价" in result.output and not out.exists()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--activity", "9999"], "没有编号为 9999 的活动"),
        (["--activity", "x"], "is not a valid integer"),
    ],
)
def test_bad_options_are_one_sentence(runner, world, tmp_path, args, words):
    result = runner.invoke(args=["feedback", "cards", str(tmp_path / "cards"), *args])
    assert result.exit_code != 0 and words in result.output
    assert "Traceback" not in result.output


def test_a_missing_parent_folder_is_named(runner, world, tmp_path):
    result = runner.invoke(args=["feedback", "cards", str(tmp_path / "no" / "cards")])
    assert result.exit_code == 1 and "不存在" in result.output


def test_no_cards_without_a_public_address(settings_overrides, request, tmp_path):
    settings_overrides["feedback"]["public_url"] = ""
    runner = request.getfixturevalue("runner")
    make_member(team=make_team())
    result = runner.invoke(args=["feedback", "cards", str(tmp_path / "cards")])
    assert result.exit_code == 1 and "public_url" in result.output
    assert not (tmp_path / "cards").exists() and Member.select().count() > 0
