"""The 日常抽查 and 消息 lists a page at a time, in a real headless Chromium against the demo
programme: 「更多」 adds the older items below until all are shown, none twice, and an item
the clerk moves out of the list (a result recorded, a message read) makes the next page skip
none."""

from datetime import timedelta

from models import Member, Notification, SpotCheck
from services import clock
from services.outbox import Message, enqueue
from services.outbox_report import UNREAD
from tests.factories import make_record
from tests.web.browser import screenshot

PAGE = 50  # more.js's page


def _spot_checks(count: int) -> list[int]:
    """As many spot checks, on as many days before today (several a day would do as well)."""
    member = Member.select().where(Member.team.is_null(False)).order_by(Member.id).first()
    now, today = clock.now_utc(), clock.local_today()
    made = []
    for n in range(count):
        checkin = now - timedelta(days=n + 1, hours=1)
        record = make_record(member, checkin_at=checkin, checkout_at=checkin + timedelta(hours=1))
        made.append(SpotCheck.create(record=record, sampled_on=today - timedelta(days=n // 3)).id)
    return made


def _shown(dashboard, css: str, attribute: str) -> list[int]:
    return [int(e.get_attribute(attribute)) for e in dashboard.all(css)]


def _more_until_all(dashboard, css, attribute, total) -> list[int]:
    """Click 更多 until the footer says all are shown; the ids shown, in order."""
    while "已全部显示" not in dashboard.find(".more-info").text:
        before = len(dashboard.all(css))
        dashboard.find("button.more").click()
        dashboard.wait.until(lambda d, n=before: len(dashboard.all(css)) > n)
    assert dashboard.find(".more-info").text == f"共 {total} 条，已全部显示"
    assert not dashboard.find("button.more").is_displayed()
    return _shown(dashboard, css, attribute)


def test_older_spot_checks_are_reached_with_more(served, dashboard):
    _spot_checks(2 * PAGE + 7)
    everything = [
        c.id for c in SpotCheck.select().order_by(SpotCheck.sampled_on.desc(), SpotCheck.id)
    ]
    dashboard.log_in()
    dashboard.shown("#teams")
    dashboard.open("#spot-checks?result=all")
    dashboard.text_in(".more-info", f"共 {len(everything)} 条，已显示 {PAGE} 条")
    card = ".spot-check[data-spot-check-id]"
    assert _shown(dashboard, card, "data-spot-check-id") == everything[:PAGE]
    dashboard.driver.execute_script("arguments[0].scrollIntoView()", dashboard.find(".more-bar"))
    screenshot(dashboard.driver, "office-spot-checks-more.png")
    shown = _more_until_all(dashboard, card, "data-spot-check-id", len(everything))
    assert shown == everything  # newest sample first, every one once


def test_a_result_recorded_on_the_pending_tab_makes_the_next_page_skip_none(served, dashboard):
    _spot_checks(PAGE + 5)
    pending = SpotCheck.select().where(SpotCheck.result == "pending")
    waiting = [c.id for c in pending.order_by(SpotCheck.sampled_on.desc(), SpotCheck.id)]
    dashboard.log_in()
    dashboard.shown("#teams")
    dashboard.open("#spot-checks")  # 待记录结果
    dashboard.text_in(".more-info", f"共 {len(waiting)} 条，已显示 {PAGE} 条")
    first = f'[data-spot-check-id="{waiting[0]}"]'
    dashboard.find(f'{first} [data-verdict="confirmed"]').click()
    dashboard.text_in(first, "已记录：抽查无误")
    dashboard.text_in(".more-info", f"共 {len(waiting) - 1} 条，已显示 {PAGE - 1} 条")
    card = ".spot-check[data-spot-check-id]"
    shown = _more_until_all(dashboard, card, "data-spot-check-id", len(waiting) - 1)
    assert shown == waiting  # the checked one stays where it was, and none is skipped


def _office_messages(count: int) -> list[int]:
    now = clock.now_utc()
    messages = [
        Message(None, "report_late", {"title": f"消息{n}", "lines": {}}, f"lists-{n}")
        for n in range(count)
    ]
    enqueue(messages, now, "off")
    # older ones further back, and some at the very same moment (the order's tie)
    for row in Notification.select().where(Notification.dedupe_key.startswith("lists-")):
        moved = now - timedelta(minutes=int(row.dedupe_key.split("-")[1]) // 2)
        Notification.update(created_at=moved).where(Notification.id == row.id).execute()
    office = Notification.select().where(Notification.member.is_null(True))
    order = (Notification.created_at.desc(), Notification.id.desc())
    return [n.id for n in office.where(Notification.status == UNREAD).order_by(*order)]


def test_the_unread_inbox_reaches_the_oldest_message_after_some_are_read(served, dashboard):
    unread = _office_messages(PAGE + 12)
    dashboard.log_in()
    dashboard.shown("#teams")
    dashboard.open("#inbox?tab=unread")
    dashboard.text_in(".more-info", f"共 {len(unread)} 条，已显示 {PAGE} 条")
    card = ".message[data-message-id]"
    for message_id in unread[:3]:
        dashboard.find(f'[data-message-id="{message_id}"] .mark-read').click()
        dashboard.text_in(f'[data-message-id="{message_id}"] .meta', "已读")
    dashboard.text_in(".more-info", f"共 {len(unread) - 3} 条，已显示 {PAGE - 3} 条")
    shown = _more_until_all(dashboard, card, "data-message-id", len(unread) - 3)
    assert shown == unread  # the three read stay in place; the oldest unread is reached


def test_undelivered_messages_are_paged_too(served, dashboard):
    member = Member.select().order_by(Member.id).first()
    now = clock.now_utc()
    for n in range(PAGE + 3):
        Notification.create(
            member=member,
            kind="report_deadline",
            dedupe_key=f"lists-failed-{n}",
            status="failed",
            last_error="43101",
            next_attempt_at=now,
            created_at=now - timedelta(minutes=n),
        )
    dashboard.log_in()
    dashboard.shown("#teams")
    dashboard.open("#inbox?tab=undelivered")
    total = int(dashboard.text_in(".more-info", "已显示").text.split(" ")[1])
    assert total >= PAGE + 3
    assert len(dashboard.all("#undelivered tbody tr")) == PAGE
    shown = _more_until_all(dashboard, "#undelivered tbody tr", "data-notification-id", total)
    assert len(set(shown)) == len(shown) == total


def test_a_short_list_shows_no_more_button(served, dashboard):
    ids = _spot_checks(2)
    dashboard.log_in()
    dashboard.shown("#teams")
    dashboard.open("#spot-checks?result=all")
    dashboard.text_in(".more-info", "已全部显示")
    assert not dashboard.find("button.more").is_displayed()
    assert set(ids) <= set(
        _shown(dashboard, ".spot-check[data-spot-check-id]", "data-spot-check-id")
    )
