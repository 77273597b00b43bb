"""The error codes a client can branch on, by endpoint area, with their HTTP status: the list
the OpenAPI document and the README give (a test checks it holds every code raised in
services/ and api/ that an API call can meet)."""

# Every call: the request's shape, the token, the role, and failures of the server itself.
COMMON = (
    ("bad_json", 400), ("missing_field", 400), ("bad_field", 400), ("unknown_field", 400),
    ("repeated_field", 400), ("bad_request", 400), ("login_required", 401), ("invalid_token", 401),
    ("token_expired", 401), ("member_inactive", 401), ("binding_changed", 401),
    ("account_inactive", 401), ("scope_not_allowed", 403), ("member_only", 403),
    ("leader_only", 403), ("office_only", 403), ("not_found", 404),
    ("method_not_allowed", 405), ("request_entity_too_large", 413),
    ("internal_error", 500), ("unavailable", 503),
)  # fmt: skip
ERROR_CODES = {
    "通用（所有接口）": COMMON,
    "登录与绑定 /auth": (
        ("bad_code", 400), ("wechat_code_rejected", 400), ("phone_code_rejected", 400),
        ("phone_not_on_roster", 400), ("bad_bind_code", 400), ("bind_code_void", 400),
        ("bad_credentials", 401), ("member_inactive", 403),
        ("bound_elsewhere", 403), ("too_many_attempts", 403), ("account_locked", 403),
        ("already_bound", 409), ("openid_taken", 409), ("wechat_unavailable", 503),
        ("mini_program_not_configured", 503),
    ),
    "活动与报名 /activities": (
        ("bad_date", 400), ("bad_time", 400), ("bad_times", 400), ("bad_window", 400),
        ("bad_title", 400), ("bad_place", 400), ("bad_description", 400),
        ("bad_capacity", 400), ("bad_radius_m", 400), ("bad_category", 400),
        ("bad_kind", 400), ("bad_reason", 400), ("bad_coordinates", 400),
        ("bad_coord_type", 400), ("outside_china", 400), ("missing_location", 400),
        ("in_the_past", 400), ("would_reopen", 400), ("too_far_ahead", 400),
        ("too_long", 400), ("no_assignees", 400), ("over_capacity", 400),
        ("unknown_member", 400), ("unknown_team", 400), ("unknown_community", 400),
        ("other_team", 403), ("other_team_activity", 403), ("other_team_member", 403),
        ("other_community", 403), ("not_assigned", 403), ("activity_not_found", 404),
        ("activity_cancelled", 409),
        ("activity_closed", 409), ("activity_ended", 409), ("activity_ended_locked", 409),
        ("activity_checked_in_locked", 409), ("activity_full", 409),
        ("already_checked_in", 409), ("assigned", 409), ("capacity_below_enrolled", 409),
        ("checkins_outside_times", 409),
    ),
    "签到与签退 /checkins": (
        ("bad_upload", 400), ("missing_photo", 400), ("not_a_photo", 400),
        ("photo_too_large", 400), ("bad_location", 400), ("bad_coord_type", 400),
        ("bad_target", 400), ("bad_request_id", 400), ("bad_source", 400),
        ("not_enrolled", 403), ("other_team", 403), ("member_inactive", 403),
        ("activity_not_found", 404), ("record_not_found", 404),
        ("activity_cancelled", 409), ("already_checked_in", 409), ("checkin_closed", 409),
        ("checkin_not_open", 409), ("no_pairing", 409), ("request_id_reused", 409),
        ("auto_checked_out", 409), ("office_checked_out", 409), ("record_rejected", 409),
        ("not_multipart", 415),
    ),
    "登记记录 /records": (
        ("bad_date", 400), ("bad_window", 400),
        ("bad_filter", 400), ("bad_decision", 400), ("bad_duration", 400),
        ("bad_status", 400), ("bad_text", 400), ("bad_kind", 400), ("bad_times", 400),
        ("comment_required", 400), ("reason_required", 400), ("text_required", 400),
        ("text_too_long", 400), ("no_pairing", 400), ("outside_activity_time", 400),
        ("times_in_future", 400), ("times_required", 400), ("too_old", 400),
        ("bad_request_id", 400),
        ("correction_reason_required", 403), ("not_author", 403),
        ("office_only_field", 403), ("office_decided", 403), ("own_record", 403),
        ("own_registration", 403), ("leader_registration", 403), ("record_scope", 403),
        ("not_team_member", 403),
        ("other_team_activity", 403), ("not_assigned", 403), ("not_enrolled", 403),
        ("record_not_found", 404), ("activity_not_found", 404), ("member_not_found", 404),
        ("record_rejected", 409), ("register_check_failed", 409), ("still_in_service", 409),
        ("activity_cancelled", 409), ("already_registered", 409), ("member_inactive", 409),
        ("overlapping_record", 409), ("request_id_used", 409),
        # the Excel export (/records/export.xlsx)
        ("export_too_large", 400), ("team_not_found", 404),
    ),
    "照片 /photos": (("bad_photo_key", 400), ("photo_link_invalid", 403), ("not_found", 404)),
    "我的 /me": (("bad_subscription_result", 400), ("bad_request_id", 400), ("not_paired", 404),
               ("broadcast_not_found", 404), ("request_id_reused", 409)),
    "队伍通知 /team/broadcasts": (
        ("empty_text", 400), ("bad_text", 400), ("text_too_long", 400), ("bad_filter", 400),
        ("no_recipients", 400), ("nobody_reachable", 400), ("content_refused", 400),
        ("broadcast_not_found", 404), ("request_reused", 409),
    ),
    "队员名单 /team/members": (("other_team", 403), ("team_not_found", 404)),
    "季度报告 /team/reports": (
        ("bad_period", 400), ("summary_required", 400), ("summary_too_long", 400),
        ("other_team", 403), ("report_not_found", 404), ("team_not_found", 404),
        ("quarter_not_ended", 409), ("report_submitted", 409),
    ),
    "季度报告审阅 /office/reports": (
        ("bad_period", 400), ("bad_decision", 400), ("reason_required", 400), ("bad_text", 400),
        ("text_too_long", 400), ("team_not_found", 404), ("report_not_submitted", 409),
        ("report_returned", 409), ("report_accepted", 409),
    ),
    "办公室 /office": (
        ("bad_date", 400), ("bad_window", 400), ("bad_filter", 400), ("bad_result", 400),
        ("note_required", 400), ("bad_text", 400), ("text_too_long", 400),
        ("notification_not_found", 404),
        ("spot_check_not_found", 404), ("team_not_found", 404),
    ),
    "名单导入 /office/roster": (
        ("missing_field", 400), ("bad_field", 400), ("not_xlsx", 400),
        ("roster_unreadable", 400), ("roster_too_large", 400), ("office_only", 403),
        ("roster_not_checked", 409), ("roster_import_conflict", 409), ("not_multipart", 415),
    ),
    "居民评价 /office/feedback, /team/feedback, /me/feedback": (
        ("bad_date", 400), ("bad_window", 400), ("bad_filter", 400), ("bad_decision", 400),
        ("note_required", 400), ("bad_text", 400), ("text_too_long", 400),
        ("bad_target_kind", 400), ("leader_only", 403), ("other_team", 403),
        ("too_many_cards", 400), ("feedback_not_found", 404), ("target_not_found", 404),
        ("team_not_found", 404), ("no_cards", 404), ("feedback_changed", 409),
        ("public_url_missing", 409), ("member_left", 409), ("activity_cancelled", 409),
    ),
    "年度考核 /office/annual": (
        ("bad_year", 400), ("bad_grade", 400), ("bad_commendation", 400), ("bad_text", 400),
        ("text_too_long", 400), ("member_not_found", 404), ("team_not_found", 404),
        ("assessment_changed", 409), ("assessment_final", 409), ("assessment_undecided", 409),
        ("assessment_empty", 409), ("year_not_ended", 409),
    ),
}  # fmt: skip


def documented() -> set[tuple[str, int]]:
    """Every (code, status) pair the list names, in any area."""
    return {pair for pairs in ERROR_CODES.values() for pair in pairs}


def markdown() -> str:
    """The list as Markdown lines, one per area: `code` (status), …"""
    lines = []
    for area, pairs in ERROR_CODES.items():
        codes = "、".join(f"`{code}` {status}" for code, status in pairs)
        lines.append(f"- {area}：{codes}")
    return "\n".join(lines)
