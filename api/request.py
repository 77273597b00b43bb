"""Reading request input: JSON bodies and form fields with types, or a clear Invalid."""

from flask import request

from services.errors import Invalid

_TYPE_NAMES = {str: "文字", int: "整数", float: "数字", bool: "是/否", list: "列表", dict: "对象"}


def json_body() -> dict:
    """The request's JSON object, or Invalid for a missing or malformed body."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Invalid("请求内容须为 JSON 对象。", "bad_json")
    return data


def field(data: dict, name: str, kind: type, required: bool = True, default=None):
    """One typed value from a JSON object; ints are accepted where numbers are expected."""
    if name not in data or data[name] is None:
        if required:
            raise Invalid(f"缺少参数 {name}。", "missing_field")
        return default
    value = data[name]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        try:
            value = float(value)
        except OverflowError:
            raise Invalid(f"参数 {name} 超出范围。", "bad_field") from None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise Invalid(f"参数 {name} 应为{_TYPE_NAMES[kind]}。", "bad_field")
    return value


def form_value(name: str, kind: type, required: bool = True, default=None):
    """One typed value from a multipart/urlencoded form."""
    raw = request.form.get(name)
    if raw is None or raw.strip() == "":
        if required:
            raise Invalid(f"缺少参数 {name}。", "missing_field")
        return default
    try:
        return kind(raw.strip())
    except (ValueError, OverflowError):
        raise Invalid(f"参数 {name} 应为{_TYPE_NAMES[kind]}。", "bad_field") from None


def query_value(name: str, kind: type, default=None):
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        return kind(raw)
    except (ValueError, OverflowError):
        raise Invalid(f"参数 {name} 应为{_TYPE_NAMES[kind]}。", "bad_field") from None
