"""Reading query parameters: one rule for booleans, wherever an endpoint takes one."""

import pytest
from flask import Flask

from api.request import query_flag, query_value
from services.errors import Invalid


def read(query: str, reader):
    with Flask(__name__).test_request_context(f"/?{query}"):
        return reader()


@pytest.mark.parametrize(
    ("query", "value"),
    [
        ("flag=true", True),
        ("flag=TRUE", True),
        ("flag=1", True),
        ("flag=%20true%20", True),
        ("flag=false", False),
        ("flag=False", False),
        ("flag=0", False),
        ("flag=", False),
        ("", False),
    ],
)
def test_a_flag_is_true_or_false(query, value):
    assert read(query, lambda: query_flag("flag")) is value
    assert read(query, lambda: query_value("flag", bool, False)) is value  # not bool("false")


def test_an_absent_flag_takes_the_default():
    assert read("", lambda: query_flag("flag", True)) is True
    assert read("", lambda: query_value("flag", bool)) is None


@pytest.mark.parametrize("raw", ["yes", "no", "2", "tru"])
def test_anything_else_is_refused(raw):
    with pytest.raises(Invalid) as raised:
        read(f"flag={raw}", lambda: query_flag("flag"))
    assert raised.value.code == "bad_field" and "true 或 false" in raised.value.message
