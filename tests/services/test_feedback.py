"""Residents' ratings from QR cards: targets and codes, the form id, idempotency, the rate
limit, the content filter, and refusals for members who left and cancelled activities."""

from datetime import timedelta

import pytest

from models import Feedback, FeedbackCode, Member
from services import feedback, feedback_forms
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.feedback import Sender, submit
from services.feedback_targets import code_for, display_name, target_by_code
from settings.sections import FeedbackSettings
from tests.factories import NOW, make_activity, make_member, make_team

LIMITS = FeedbackSettings()
OPENED = NOW - timedelta(seconds=5)  # when the resident opened the form: a person's pace
SECRET = "test-secret-key-0123456789"


@pytest.fixture
def world(database):
    team = make_team(name="第一服务队")
    member = make_member(name="王建国", team=team)
    return team, member


def sender(cookie="cookie-a") -> Sender:
    return Sender(SECRET, cookie)


def rate(code, rating=5, comment="", who=None, now=NOW, form_id=None, limits=LIMITS):
    who = who or sender()
    form_id = form_id or who.new_form_id(code, now - timedelta(seconds=5))
    return submit(code, rating, comment, form_id, who, now, limits)


# --- targets and codes --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shown"), [("王建国", "王同志"), ("欧阳明华", "欧阳同志"), (" 李 ", "李同志")]
)
def test_a_member_is_named_by_surname_only(name, shown):
    assert display_name(name) == shown


def test_each_target_has_one_random_code(world):
    team, member = world
    code = code_for("member", member.id, NOW)
    assert code == code_for("member", member.id, NOW)
    assert code != str(member.id) and len(code) >= 16
    assert code != code_for("team", team.id, NOW)
    target = target_by_code(code, NOW)
    assert (target.kind, target.id, target.title) == ("member", member.id, "王同志")
    assert member.phone not in repr(target) and "建国" not in repr(target)


@pytest.mark.parametrize("code", ["", "x", "../../etc", "A" * 40, "AAAAAAAAAAAAAAAA", None])
def test_an_unknown_code_is_not_found(world, code):
    with pytest.raises(NotFound) as refused:
        target_by_code(code, NOW)
    assert refused.value.code == "feedback_code_unknown"


def test_codes_only_for_targets_that_exist(world):
    with pytest.raises(NotFound):
        code_for("member", 10**6, NOW)
    with pytest.raises(Invalid):
        code_for("household", 1, NOW)


def test_a_member_who_left_cannot_be_rated(world):
    _, member = world
    code = code_for("member", member.id, NOW)
    Member.update(active=False).where(Member.id == member.id).execute()
    with pytest.raises(Conflict) as refused:
        rate(code)
    assert refused.value.code == "member_left" and "王同志" in refused.value.message
    assert Feedback.select().count() == 0


def test_a_cancelled_activity_cannot_be_rated(world):
    team, _ = world
    activity = make_activity(team, starts_at=NOW - timedelta(hours=1), status="cancelled")
    with pytest.raises(Conflict) as refused:
        rate(code_for("activity", activity.id, NOW))
    assert refused.value.code == "activity_cancelled"


def test_an_activity_is_rated_from_its_start(world):
    team, _ = world
    activity = make_activity(team, starts_at=NOW + timedelta(hours=1))
    code = code_for("activity", activity.id, NOW)
    with pytest.raises(Conflict) as refused:
        rate(code)
    assert refused.value.code == "activity_not_started"
    assert rate(code, now=NOW + timedelta(hours=1)).feedback.activity_id == activity.id


# --- submitting ---------------------------------------------------------------------------


def test_a_rating_with_a_clean_comment_is_approved_at_once(world):
    _, member = world
    done = rate(code_for("member", member.id, NOW), 4, "  王同志帮我修好了水管，\r\n很热心。  ")
    row = Feedback.get_by_id(done.feedback.id)
    assert (row.target_kind, row.member_id, row.rating) == ("member", member.id, 4)
    assert row.comment == "王同志帮我修好了水管，\n很热心。"
    assert (row.moderation, row.held_reason, row.created_at) == ("approved", "", NOW)
    assert row.client_key and "cookie-a" not in row.client_key and not done.repeated


def test_an_unfit_comment_is_kept_but_held_for_the_office(world):
    _, member = world
    done = rate(code_for("member", member.id, NOW), 1, "加微信领取免费礼品")
    row = Feedback.get_by_id(done.feedback.id)
    assert (row.moderation, row.held_reason) == ("pending", "content_filter")
    assert row.comment == "加微信领取免费礼品"


@pytest.mark.parametrize("rating", [0, 6, "五", None, "", True, 4.5, "3.0"])
def test_a_rating_is_one_to_five(world, rating):
    _, member = world
    with pytest.raises(Invalid) as refused:
        rate(code_for("member", member.id, NOW), rating)
    assert refused.value.code == "bad_rating" and Feedback.select().count() == 0


def test_a_rating_may_come_as_text_from_a_form(world):
    _, member = world
    assert rate(code_for("member", member.id, NOW), "3").feedback.rating == 3


def test_a_comment_has_a_limit(world):
    _, member = world
    code = code_for("member", member.id, NOW)
    assert rate(code, 5, "好" * feedback.COMMENT_LIMIT).feedback.comment
    with pytest.raises(Invalid) as refused:
        rate(code, 5, "好" * (feedback.COMMENT_LIMIT + 1))
    assert refused.value.code == "comment_too_long"


def test_the_same_form_records_once(world):
    _, member = world
    code = code_for("member", member.id, NOW)
    form_id = sender().new_form_id(code, OPENED)
    first = rate(code, 5, "很好", form_id=form_id)
    again = rate(code, "5", " 很好 ", form_id=form_id, now=NOW + timedelta(days=2))
    assert again.repeated and again.feedback.id == first.feedback.id
    assert again.feedback.rating == 5 and Feedback.select().count() == 1


def test_a_form_id_is_for_its_card_and_browser_only(world):
    team, member = world
    code = code_for("member", member.id, NOW)
    other_card = sender().new_form_id(code_for("team", team.id, NOW), OPENED)
    other_browser = sender(cookie="cookie-b").new_form_id(code, OPENED)
    for form_id in (other_card, other_browser, "forged.123.abc", "", "a.b.c"):
        with pytest.raises(Forbidden) as refused:
            rate(code, form_id=form_id or "x")
        assert refused.value.code == "bad_form"
    assert Feedback.select().count() == 0


def test_a_stale_form_asks_to_scan_again(world):
    _, member = world
    code = code_for("member", member.id, NOW)
    form_id = sender().new_form_id(code, OPENED)
    late = NOW + feedback_forms.FORM_TTL + timedelta(minutes=1)
    with pytest.raises(Invalid) as refused:
        rate(code, form_id=form_id, now=late)
    assert refused.value.code == "form_expired"


def test_a_later_rating_the_same_day_replaces_the_earlier(world):
    """Rate 4, Back, a fresh form, rate 2: one row, the later answer, its time."""
    _, member = world
    code = code_for("member", member.id, NOW)
    first = rate(code, 4, "还行")
    later = rate(code, 2, "后来想想不太满意", now=NOW + timedelta(hours=3))
    assert later.replaced and not later.repeated and later.feedback.id == first.feedback.id
    row = Feedback.get()
    assert Feedback.select().count() == 1
    assert (row.rating, row.comment) == (2, "后来想想不太满意")
    assert row.created_at == NOW + timedelta(hours=3)


def test_the_same_form_with_another_answer_replaces_it(world):
    """Back to the very same page (the browser's cache keeps its form id), other stars."""
    _, member = world
    code = code_for("member", member.id, NOW)
    form_id = sender().new_form_id(code, OPENED)
    rate(code, 4, form_id=form_id)
    changed = rate(code, 2, "改主意了", form_id=form_id, now=NOW + timedelta(minutes=1))
    assert changed.replaced and not changed.repeated
    assert [(r.rating, r.comment) for r in Feedback.select()] == [(2, "改主意了")]
    again = rate(code, 2, "改主意了", form_id=form_id, now=NOW + timedelta(minutes=2))
    assert again.repeated and Feedback.select().count() == 1


def test_changing_ones_mind_never_hits_a_daily_wall(world):
    _, member = world
    code = code_for("member", member.id, NOW)
    for minutes in range(10):
        done = rate(code, 1 + minutes % 5, now=NOW + timedelta(minutes=minutes))
    assert done.feedback.rating == 5 and Feedback.select().count() == 1


def test_one_rating_per_phone_per_shanghai_day(world):
    """07:30 and 23:59 in Shanghai are one day (though not one UTC day); 00:01 the next."""
    team, member = world
    code = code_for("member", member.id, NOW)
    early = NOW - timedelta(hours=2, minutes=30)  # 07:30 Shanghai, 23:30 UTC the day before
    rate(code, 3, now=early)
    rate(code, 4, now=NOW + timedelta(hours=13, minutes=59))  # 23:59 Shanghai
    rate(code, 5, now=NOW + timedelta(hours=14, minutes=1))  # 00:01 the next day
    assert sorted(r.rating for r in Feedback.select()) == [4, 5]
    rate(code, 1, who=sender(cookie="neighbour"), now=NOW)  # another phone
    rate(code_for("team", team.id, NOW), 2, now=NOW)  # another target
    assert Feedback.select().count() == 4


def test_a_replaced_comment_is_judged_again(world):
    _, member = world
    code = code_for("member", member.id, NOW)
    rate(code, 1, "这个人就是个混蛋，傻逼，滚蛋！")
    assert Feedback.get().moderation == "pending"
    rate(code, 3, "刚才太生气了，其实还可以。", now=NOW + timedelta(minutes=5))
    row = Feedback.get()
    assert (row.moderation, row.held_reason, row.rating) == ("approved", "", 3)
    rate(code, 1, "混蛋！", now=NOW + timedelta(minutes=6))
    row = Feedback.get()
    assert (row.moderation, row.held_reason) == ("pending", "content_filter")


def test_an_unchanged_comment_keeps_the_offices_decision(world):
    from services.feedback_review import moderate
    from tests.factories import office_actor

    _, member = world
    code = code_for("member", member.id, NOW)
    rate(code, 1, "都是骗人的")
    moderate(office_actor(), Feedback.get().id, "reject", "不实", NOW)
    rate(code, 2, "都是骗人的", now=NOW + timedelta(minutes=5))
    row = Feedback.get()
    assert (row.rating, row.moderation, row.moderation_note) == (2, "rejected", "不实")
    rate(code, 2, "王同志其实很负责", now=NOW + timedelta(minutes=6))
    row = Feedback.get()
    assert (row.moderation, row.moderation_note, row.moderated_by_id) == ("approved", "", None)


def test_views_and_the_quarterly_report_count_a_changed_rating_once(world):
    from services.actors import Actor
    from services.feedback_review import FeedbackFilters, member_feedback, team_feedback
    from services.report_stats import team_stats

    team, member = world
    leader = Member.get((Member.team == team) & (Member.role == "leader"))
    code = code_for("member", member.id, NOW)
    rate(code, 4, "很好")
    rate(code, 2, "一般般", now=NOW + timedelta(minutes=10))
    later = NOW + timedelta(hours=1)
    _, items, total, ratings = team_feedback(Actor(member=leader), None, FeedbackFilters())
    assert (total, [v.rating for v in items]) == (1, [2])
    items, total, _ = member_feedback(Actor(member=member), FeedbackFilters())
    assert (total, [v.comment for v in items]) == (1, ["一般般"])
    stats = team_stats(2026, 4, later, 30, [team.id])[team.id]
    assert stats["ratings"] == {"count": 1, "average": 2.0}


def test_a_post_without_the_pages_cookie_is_refused(world):
    """Every form id is issued for a cookie; a post that brings none is not the resident's."""
    _, member = world
    code = code_for("member", member.id, NOW)
    form_id = sender(cookie="cookie-a").new_form_id(code, OPENED)
    with pytest.raises(Forbidden):
        rate(code, form_id=form_id, who=sender(cookie=""))
    assert Feedback.select().count() == 0


def test_a_burst_past_the_hours_share_is_held_for_the_office_not_refused(world):
    """A script that takes a new cookie for every post cannot lock residents out nor move
    an average: past the hour's share, ratings are recorded but wait for the office."""
    from services.actors import Actor
    from services.feedback_review import FeedbackFilters, team_feedback
    from services.report_stats import team_stats

    team, member = world
    leader = Member.get((Member.team == team) & (Member.role == "leader"))
    code = code_for("member", member.id, NOW)
    limits = FeedbackSettings(per_target_per_hour=2)
    for n in range(5):
        rate(code, rating=1, who=sender(cookie=f"bot{n}"), limits=limits)
    honest = rate(code, rating=5, who=sender(cookie="resident"), limits=limits)
    assert honest.feedback.moderation == "pending"
    states = [(r.moderation, r.held_reason) for r in Feedback.select().order_by(Feedback.id)]
    assert states == [("approved", "")] * 2 + [("pending", "burst")] * 4
    # Changing a held rating (a new comment) does not free it.
    changed = rate(code, rating=5, comment="很好", who=sender(cookie="resident"), limits=limits)
    assert (changed.feedback.moderation, changed.feedback.held_reason) == ("pending", "burst")
    # Another target, and the next hour, are judged as usual.
    elsewhere = rate(code_for("team", team.id, NOW), who=sender(cookie="bot9"), limits=limits)
    assert elsewhere.feedback.moderation == "approved"
    later = rate(code, who=sender(cookie="bot9"), limits=limits, now=NOW + timedelta(hours=1))
    assert later.feedback.moderation == "approved"
    # Held ratings count nowhere: not in the leader's average, not in the quarterly report.
    _, _, total, ratings = team_feedback(Actor(member=leader), None, FeedbackFilters())
    assert (total, ratings.count) == (4, 4)
    stats = team_stats(2026, 4, NOW + timedelta(hours=2), 30, [team.id])[team.id]
    assert stats["ratings"]["count"] == 4


def test_a_form_posted_faster_than_a_person_reads_records_nothing(world):
    _, member = world
    code = code_for("member", member.id, NOW)
    form_id = sender().new_form_id(code, NOW)
    with pytest.raises(Invalid) as refused:
        rate(code, form_id=form_id, now=NOW + timedelta(seconds=1))
    assert refused.value.code == "form_too_fast" and Feedback.select().count() == 0
    assert not rate(code, form_id=form_id, now=NOW + timedelta(seconds=2)).repeated
    assert Feedback.select().count() == 1


def test_a_failed_constraint_other_than_the_form_is_not_taken_for_a_twin(world, monkeypatch):
    """Only a second post of the same form is thanked as already recorded: any other
    integrity failure (here a target gone from under the form) is the database's error."""
    import peewee

    from services.feedback_targets import Target

    _, member = world
    code = code_for("member", member.id, NOW)
    gone = Target("member", member.id + 1000, code, "王同志", "", None)
    monkeypatch.setattr(feedback, "target_by_code", lambda code, now: gone)
    with pytest.raises(peewee.IntegrityError):
        rate(code)
    assert Feedback.select().count() == 0


def test_the_code_is_the_only_way_to_the_target(world):
    """Codes are random, not derived from ids: the next member's code is not the next code."""
    team, member = world
    other = make_member(team=team)
    codes = {code_for("member", m.id, NOW) for m in (member, other)}
    assert len(codes) == 2 and FeedbackCode.select().count() == 2


def test_a_leader_reads_phone_numbers_masked_and_amounts_as_written(world):
    from services.actors import Actor
    from services.feedback_review import FeedbackFilters, team_feedback

    team, member = world
    leader = Member.get((Member.team == team) & (Member.role == "leader"))
    comment = "王同志帮我们申请到2345678元，跑了3456789次，有事打65123456或13812345678"
    rate(code_for("member", member.id, NOW), 5, comment)
    _, items, _, _ = team_feedback(Actor(member=leader), None, FeedbackFilters())
    shown = "王同志帮我们申请到2345678元，跑了3456789次，有事打****3456或138****5678"
    assert [v.comment for v in items] == [shown]


def test_a_leader_reads_a_phone_typed_in_full_width_digits_masked(world):
    """A comment shares the register's rule (services.households.redact), full width too."""
    from services.actors import Actor
    from services.feedback_review import FeedbackFilters, team_feedback

    team, member = world
    leader = Member.get((Member.team == team) & (Member.role == "leader"))
    comment = "很热心，有事打１３８－１２３４－５６７８，捐了５００００００元"
    rate(code_for("member", member.id, NOW), 5, comment)
    _, items, _, _ = team_feedback(Actor(member=leader), None, FeedbackFilters())
    shown = "很热心，有事打１３８－****－５６７８，捐了５００００００元"  # the number as typed
    assert [v.comment for v in items] == [shown]
