"""Mini-program subscribe-message grants: one accepted `wx.requestSubscribeMessage` allows one
send of that template to that member, and WeChat answers 43101 to a send without one.

The mini-program reports each request's results; an accept adds a grant, anything else adds
nothing (a reject does not cancel grants given before: WeChat keeps those). A report carries
the client's request_id: the same id again (a retry over a bad network) adds nothing, so one
tap is never counted twice. The id is optional, so a mini-program version that sends none
keeps working, each of its reports counted as before. The sender spends a grant with one
conditional UPDATE before it sends, so two senders can never spend the same one, and a
member who granted nothing is never sent a subscribe message.
"""

from datetime import datetime

import peewee as pw

from models import SubscriptionGrant, SubscriptionReport, db

from .errors import Conflict, Invalid
from .rows import check_request_id

#: More than this is not kept: WeChat's own count is what counts, and a member who tapped
#: "accept" fifty times does not want fifty reminders.
MAX_GRANTS = 20
ACCEPTED = frozenset({"accept", "acceptWithAudio", "acceptWithAlert"})
NOT_ACCEPTED = frozenset({"reject", "ban", "filter"})
MAX_RESULTS = 10  # wx.requestSubscribeMessage takes at most 3 templates per call
TEMPLATE_ID_MAX = 64
#: The key wx.requestSubscribeMessage puts beside the results ("requestSubscribeMessage:ok").
ERRMSG_KEY = "errMsg"

G = SubscriptionGrant


def check_results(results) -> dict[str, str]:
    """The results object from the mini-program, checked: {template_id: result word}."""
    if not isinstance(results, dict):
        raise Invalid("参数 results 应为对象：模板编号 → 订阅结果。", "bad_field")
    results = {k: v for k, v in results.items() if k != ERRMSG_KEY}
    if not results or len(results) > MAX_RESULTS:
        raise Invalid(f"参数 results 应包含 1–{MAX_RESULTS} 个模板的订阅结果。", "bad_field")
    for template_id, result in results.items():
        if not _is_template_id(template_id):
            raise Invalid("参数 results 中的模板编号无效。", "bad_field")
        if not isinstance(result, str) or result not in ACCEPTED | NOT_ACCEPTED:
            raise Invalid(
                "订阅结果应为 accept、reject、ban 或 filter 之一。", "bad_subscription_result"
            )
    return results


def _is_template_id(value: str) -> bool:
    """Printable ASCII, as WeChat's template ids are (and safe to echo back)."""
    return 0 < len(value) <= TEMPLATE_ID_MAX and all(" " < c <= "~" for c in value)


def record_results(
    member_id: int,
    results: dict,
    templates: tuple[str, ...],
    now: datetime,
    request_id: str | None = None,
) -> list[str]:
    """Add a grant per accepted template we use, once per request_id; returns the template
    ids we do not use (ignored, so an old mini-program version asking for a retired template
    does no harm). A report seen before under its request_id adds nothing and answers the
    same; the id reused for other results is request_id_reused."""
    results = check_results(results)
    if request_id is not None:
        check_request_id(request_id)
    unknown = [t for t in results if t not in templates]
    with db.atomic():
        if request_id is not None and not _first_report(member_id, request_id, results, now):
            return unknown
        for template_id, result in results.items():
            if result in ACCEPTED and template_id in templates:
                add(member_id, template_id, now)
    return unknown


def _first_report(member_id: int, request_id: str, results: dict, now: datetime) -> bool:
    """Keep the report under its id; False when the member reported it before (then the
    same results must come with it). The unique key decides between two retries at once."""
    try:
        with db.atomic():
            SubscriptionReport.create(
                member=member_id, request_id=request_id, results=results, reported_at=now
            )
        return True
    except pw.IntegrityError:
        earlier = SubscriptionReport.get(
            (SubscriptionReport.member == member_id) & (SubscriptionReport.request_id == request_id)
        )
    if earlier.results != results:
        raise Conflict("该请求编号已用于另一次订阅结果。", "request_id_reused")
    return False


def add(member_id: int, template_id: str, now: datetime) -> None:
    """One more grant, up to MAX_GRANTS; the first creates the row (an upsert, so two
    reports at once both count)."""
    capped = pw.Case(None, [(G.remaining >= MAX_GRANTS, MAX_GRANTS)], G.remaining + 1)
    (
        G.insert(member=member_id, template_id=template_id, remaining=1, updated_at=now)
        .on_conflict(
            conflict_target=[G.member, G.template_id],
            update={G.remaining: capped, G.updated_at: now},
        )
        .execute()
    )


def spend(member_id: int, template_id: str) -> bool:
    """Use one grant; False when none is left (then no subscribe message may be sent)."""
    return bool(
        G.update(remaining=G.remaining - 1)
        .where((G.member == member_id) & (G.template_id == template_id) & (G.remaining > 0))
        .execute()
    )


def refund(member_id: int, template_id: str, now: datetime) -> None:
    """Give back a grant spent on a send WeChat did not take."""
    add(member_id, template_id, now)


def clear(member_id: int, template_id: str) -> None:
    """WeChat says none is left (43101): believe it."""
    G.update(remaining=0).where((G.member == member_id) & (G.template_id == template_id)).execute()


def remaining(member_id: int, templates: tuple[str, ...]) -> dict[str, int]:
    """Grants left per template we use (0 for those never granted)."""
    query = G.select(G.template_id, G.remaining).where(
        (G.member == member_id) & G.template_id.in_(templates)
    )
    left = {row.template_id: row.remaining for row in query}
    return {template_id: left.get(template_id, 0) for template_id in templates}


def holders(member_ids: list[int], template_id: str) -> set[int]:
    """Which of these members have a grant left for the template, in one query."""
    if not member_ids or not template_id:
        return set()
    query = G.select(G.member).where(
        G.member.in_(member_ids) & (G.template_id == template_id) & (G.remaining > 0)
    )
    return {row.member_id for row in query}
