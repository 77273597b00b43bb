"""Reading request input: JSON bodies and form fields with types, or a clear Invalid."""

import json
from datetime import date, datetime

from flask import request

from services import clock
from services.errors import Invalid
from services.field_labels import label, unknown

_TYPE_NAMES = {str: "文字", int: "整数", float: "数字", bool: "是/否", list: "列表", dict: "对象"}


class _RepeatedKey(ValueError):
    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


def _once_each(pairs: list[tuple[str, object]]) -> dict:
    """An object whose names are all different: `{"content": "a", "content": "b"}` would keep
    only the last one, and the client would never learn the first was dropped."""
    found = dict(pairs)
    if len(found) < len(pairs):
        names = [name for name, _ in pairs]
        raise _RepeatedKey(next(n for n in names if names.count(n) > 1))
    return found


def json_body() -> dict:
    """The request's JSON object, or Invalid for a missing, malformed or absurdly nested body
    (the JSON parser's recursion limit is a RecursionError, not a ValueError), or one that
    names a field twice at any depth."""
    try:
        data = json.loads(request.get_data() or b"null", object_pairs_hook=_once_each)
    except _RepeatedKey as repeated:
        raise _repeated([repeated.name]) from None
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        raise Invalid("请求内容须为 JSON 对象。", "bad_json")
    return data


def _clean_text(name: str, value: str) -> str:
    """Refuse text no database can store: NUL, and lone surrogates (not valid Unicode)."""
    if any(c == "\x00" or "\ud800" <= c <= "\udfff" for c in value):
        raise Invalid(f"{label(name)}含有无效字符。", "bad_field")
    return value


def known_fields(data: dict, allowed) -> dict:
    """The object, refusing names the endpoint does not take (a typo would otherwise be
    answered 200 with nothing changed)."""
    names = sorted(set(data) - set(allowed))
    if names:
        raise Invalid(unknown(names), "unknown_field")
    return data


def given_once(counts: dict[str, int]) -> None:
    """Refuse a parameter given more than once: the views read one value, and the others
    would be dropped without a word (?from=2026-10-01&from=2026-12-01)."""
    repeated = sorted(name for name, n in counts.items() if n > 1)
    if repeated:
        raise _repeated(repeated)


def _repeated(names: list[str]) -> Invalid:
    named = "、".join(label(name) for name in names)
    return Invalid(f"{named}重复提交，每项只能填一次。", "repeated_field")


def known_query(allowed: frozenset[str]) -> None:
    """The query string holds only parameters the operation takes, each once."""
    known_fields(request.args, allowed)
    given_once({name: len(values) for name, values in request.args.lists()})


UNNAMED = "（无名称）"  # a form part without a name, as the refusal names it


def known_form(allowed: frozenset[str]) -> None:
    """The multipart form (text fields and files) holds only fields the operation takes,
    each once: a misspelt `outcom` would otherwise be lost, a second photo ignored."""
    counts: dict[str, int] = {}
    for part in (request.form, request.files):
        for name, values in part.lists():
            name = name or UNNAMED
            counts[name] = counts.get(name, 0) + len(values)
    known_fields(counts, allowed)
    given_once(counts)


def empty_body() -> None:
    """Nothing, or an empty JSON object (mini-programs often send `{}`), for an operation
    that takes no body: a field sent there would be ignored, and malformed JSON is a
    client's mistake worth hearing about."""
    if request.get_data().strip():
        known_fields(json_body(), ())


def field(
    data: dict, name: str, kind: type, required: bool = True, default=None, nullable: bool = True
):
    """One typed value from a JSON object; ints are accepted where numbers are expected.

    null counts as absent unless `nullable` is False: in a change, where absent means "leave
    it", a null would otherwise be answered 200 with nothing changed; it is a wrong type."""
    if name not in data or (data[name] is None and nullable):
        if required:
            raise Invalid(f"缺少{label(name)}。", "missing_field")
        return default
    value = data[name]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        try:
            value = float(value)
        except OverflowError:
            raise Invalid(f"{label(name)}超出范围。", "bad_field") from None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise Invalid(f"{label(name)}应为{_TYPE_NAMES[kind]}。", "bad_field")
    return _clean_text(name, value) if kind is str else value


def form_value(name: str, kind: type, required: bool = True, default=None):
    """One typed value from a multipart/urlencoded form."""
    raw = request.form.get(name)
    if raw is None or raw.strip() == "":
        if required:
            raise Invalid(f"缺少{label(name)}。", "missing_field")
        return default
    try:
        return kind(_clean_text(name, raw.strip()))
    except (ValueError, OverflowError):
        raise Invalid(f"{label(name)}应为{_TYPE_NAMES[kind]}。", "bad_field") from None


def query_value(name: str, kind: type, default=None):
    """One typed value from the query string; absent or empty, the default. Booleans are
    read by query_flag (bool("false") would be True)."""
    if kind is bool:
        return query_flag(name, default)
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        return kind(_clean_text(name, raw))
    except (ValueError, OverflowError):
        raise Invalid(f"{label(name)}应为{_TYPE_NAMES[kind]}。", "bad_field") from None


def query_date(name: str) -> date | None:
    """A calendar day from the query string (2026-12-01); absent or empty, None. Every list
    reads its dates here and checks its window in services.date_window, so one mistake gets
    one code on every endpoint."""
    raw = request.args.get(name, "")
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        raise Invalid(f"{name} 应为日期，如 2026-12-01。", "bad_date") from None


#: How a boolean query parameter may be written, in any case and with blanks around it.
FLAGS = {"true": True, "1": True, "false": False, "0": False}


def query_flag(name: str, default: bool | None = False) -> bool | None:
    """A boolean query parameter: true or false (1 or 0); absent or empty, the default; any
    other value is Invalid rather than quietly false."""
    raw = request.args.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw not in FLAGS:
        raise Invalid(f"{label(name)}应为 true 或 false。", "bad_field")
    return FLAGS[raw]


def moment(raw: str) -> datetime | None:
    """An ISO 8601 time from the client (Shanghai time when it has no offset) as naive UTC;
    None when it is not one (each caller refuses it with its own code: not_a_time)."""
    try:
        return clock.to_utc(datetime.fromisoformat(raw))
    except (ValueError, OverflowError):
        return None


def not_a_time(name: str) -> str:
    return f"{label(name)}格式不对，应如 2026-12-01T09:00:00+08:00。"
