"""Shared request checks: a list's page."""

import pytest

from services.errors import Invalid
from services.rows import OFFSET_MAX, check_page


@pytest.mark.parametrize(("limit", "offset"), [(1, 0), (50, 0), (1, OFFSET_MAX)])
def test_a_page_within_bounds_passes(limit, offset):
    check_page(limit, offset, 50)


@pytest.mark.parametrize(
    ("limit", "offset", "message"),
    [
        (0, 0, "每页条数 limit 应在 1 到 50 之间。"),
        (51, 0, "每页条数 limit 应在 1 到 50 之间。"),
        (10, -1, "起始位置 offset 应在 0 到 1000000 之间。"),
        (10, OFFSET_MAX + 1, "起始位置 offset 应在 0 到 1000000 之间。"),
        (0, -1, "每页条数 limit 应在 1 到 50 之间。"),  # the limit is named first
    ],
)
def test_a_page_out_of_bounds_names_the_parameter(limit, offset, message):
    with pytest.raises(Invalid) as refused:
        check_page(limit, offset, 50)
    assert (refused.value.code, refused.value.message) == ("bad_filter", message)
