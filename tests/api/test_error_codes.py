"""The documented error codes (api/error_codes.py) hold every code raised in services/ and
api/ that an API call can meet, with its status; the README and the OpenAPI document show
them. The raise sites are read from the source, so a new code fails here until listed."""

import ast
import re
from pathlib import Path

from api import error_codes
from api.openapi import DESCRIPTION

ROOT = Path(__file__).resolve().parents[2]
STATUSES = {
    "DomainError": 400,
    "Invalid": 400,
    "Unauthorized": 401,
    "Forbidden": 403,
    "NotFound": 404,
    "Conflict": 409,
}
FIELD_NAMES = ("title", "place", "description", "capacity", "radius_m", "category", "kind")
BAD_FIELDS = {(f"bad_{name}", 400) for name in (*FIELD_NAMES, "reason")}
# Sites that pass the code in an expression, by file and expression, with the codes they get.
BIND_REFUSALS = {("bad_bind_code", 400), ("bind_code_void", 400)}
INDIRECT = {
    ("services/binding.py", "*refusal"): BIND_REFUSALS,
    ("services/activities.py", "code"): {("unknown_team", 400), ("unknown_community", 400)},
    ("services/activities.py", "*MANAGE_REFUSALS[stand]"): {
        ("office_only", 403),
        ("other_team_activity", 403),
        ("leader_only", 403),
    },
    ("services/activity_fields.py", "f'bad_{name}'"): BAD_FIELDS,
    ("services/activity_locks.py", "*refusal"): {
        ("activity_ended_locked", 409),
        ("activity_closed", 409),
        ("activity_checked_in_locked", 409),
    },
    ("services/leader_registration.py", "*NOT_ON_ACTIVITY[_stand(activity)]"): {
        ("other_team_activity", 403),
        ("not_assigned", 403),
        ("not_enrolled", 403),
    },
    ("api/auth.py", "*_refusal(token.scope, scopes)"): {
        ("office_only", 403),
        ("member_only", 403),
        ("scope_not_allowed", 403),
    },
    ("services/report_review.py", "*REFUSALS[report.status]"): {
        ("report_not_submitted", 409),
        ("report_returned", 409),
        ("report_accepted", 409),
    },
    ("services/report_review.py", "*REFUSALS['draft']"): {("report_not_submitted", 409)},
    ("services/review.py", "*REGISTRATION_REFUSALS[record.registered_by_id == me.id]"): {
        ("own_registration", 403),
        ("leader_registration", 403),
    },
    ("api/login.py", "refused.code"): {("wechat_code_rejected", 400), ("phone_code_rejected", 400)},
}
# Raised only by the chat or the command line, never in answer to an API call.
OFF_API = {
    ("bad_bind_scene", 400),  # a QR code scanned in the Official Account
    ("invalid", 400),  # roster import (command line)
    ("already_sealed", 409),  # register seal
    ("bad_username", 400),  # create-account
    ("bad_display_name", 400),
    ("weak_password", 400),
    ("username_taken", 409),
    ("bad_template_name", 400),  # import-template
    ("no_such_folder", 400),
    ("file_exists", 409),
    ("cannot_write", 400),
    ("bad_phone", 400),  # bind-code
    ("account_not_found", 404),  # reset-password
    ("not_sqlite", 400),  # backup
    ("backup_onto_database", 400),
    ("bad_backup_name", 400),
    ("backup_failed", 400),
    # the resident's feedback page (/r/<code>), which answers pages, not the API
    ("feedback_code_unknown", 404),
    ("activity_not_started", 409),
    ("bad_rating", 400),
    ("comment_too_long", 400),
    ("bad_form", 403),
    ("form_expired", 400),
    ("no_cookie", 403),
    ("form_too_fast", 400),
    ("feedback_held_full", 429),
}
# Raised by Flask before a view runs, answered by api/errors.py.
HTTP = {("bad_request", 400), ("not_found", 404), ("method_not_allowed", 405)}
HTTP |= {("request_entity_too_large", 413), ("internal_error", 500), ("unavailable", 503)}


def _sources():
    for folder in ("services", "api"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text())


def _error_classes(trees) -> tuple[dict, dict]:
    """{class: status} and {class: default code} for DomainError and its subclasses."""
    statuses, codes = dict(STATUSES), {}
    for _, tree in trees:
        for node in ast.walk(tree):
            bases = [b.id for b in getattr(node, "bases", []) if isinstance(b, ast.Name)]
            base = next((b for b in bases if b in statuses), None)
            if not isinstance(node, ast.ClassDef) or base is None:
                continue
            statuses[node.name] = statuses[base]
            for line in node.body:
                if isinstance(line, ast.Assign) and isinstance(line.value, ast.Tuple):
                    statuses[node.name], codes[node.name] = ast.literal_eval(line.value)
    return statuses, codes


def _with_own_init(trees, statuses) -> set[str]:
    """Error classes that pass their code to DomainError themselves (see _super_codes)."""
    return {
        node.name
        for _, tree in trees
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        and node.name in statuses
        and any(getattr(line, "name", None) == "__init__" for line in node.body)
    }


def _super_codes(tree, statuses) -> set:
    """(code, status) of `super().__init__(message, "code")` in an error class."""
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef) or node.name not in statuses:
            continue
        for call in ast.walk(node):
            is_super = getattr(getattr(call, "func", None), "attr", None) == "__init__"
            code = _code_argument(call) if is_super else None
            if isinstance(code, ast.Constant):
                found.add((code.value, statuses[node.name]))
    return found


def _code_argument(call: ast.Call):
    for keyword in call.keywords:
        if keyword.arg == "code":
            return keyword.value
    return call.args[1] if len(call.args) > 1 else None


def raised() -> tuple[set, set]:
    """((code, status) of every literal raise site, the indirect sites found)."""
    trees = list(_sources())
    statuses, defaults = _error_classes(trees)
    custom = _with_own_init(trees, statuses)
    found, indirect = set(), set()
    for path, tree in trees:
        for node in ast.walk(tree):
            name = getattr(getattr(node, "func", None), "id", None)
            if not isinstance(node, ast.Call) or name not in statuses:
                continue
            code = _code_argument(node)
            starred = [a for a in node.args if isinstance(a, ast.Starred)]
            if isinstance(code, ast.Constant):
                found.add((code.value, statuses[name]))
            elif code is not None or starred:
                indirect.add((path, ast.unparse(code or starred[0])))
            elif name not in custom:
                found.add((defaults.get(name, "invalid"), statuses[name]))
        found |= _super_codes(tree, statuses)
    return found, indirect


def test_every_indirect_raise_site_is_known():
    assert raised()[1] == set(INDIRECT)


def test_every_code_an_api_call_can_meet_is_documented():
    found, _ = raised()
    reachable = found | HTTP | set().union(*INDIRECT.values())
    reachable -= OFF_API
    assert reachable - error_codes.documented() == set()


def test_the_documented_codes_are_all_raised_somewhere():
    found, _ = raised()
    known = found | HTTP | set().union(*INDIRECT.values())
    assert error_codes.documented() - known == set()


def test_the_openapi_document_shows_every_code_with_its_status():
    for code, status in error_codes.documented():
        assert f"`{code}` {status}" in DESCRIPTION


def _readme_table() -> dict[str, set]:
    """{area: {(code, status)}} read from the README's error-code table, whose rows are
    `| area | `code` status, … |`."""
    rows = {}
    for line in (ROOT / "README.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0] in error_codes.ERROR_CODES:
            pairs = re.findall(r"`(\w+)` (\d{3})", cells[1])
            rows[cells[0]] = {(code, int(status)) for code, status in pairs}
    return rows


def test_the_readme_table_gives_each_area_its_codes_with_their_statuses():
    """Each code with its status, in its area's row, and nothing else: a status changed on
    one side only (or a code moved, added or dropped) fails here."""
    expected = {area: set(pairs) for area, pairs in error_codes.ERROR_CODES.items()}
    assert _readme_table() == expected
