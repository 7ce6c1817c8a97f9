"""Cursors and page requests, without a database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from domain.errors import InvalidInput
from domain.pagination import (
    PageLimits,
    PageRequest,
    Slice,
    SortDirection,
    SortKey,
    decode_cursor,
    encode_cursor,
    page_request,
    to_page,
)

BY_RATE = SortKey("RENTAL_RATE", SortDirection.ASC, (Decimal,))
BY_DATE = SortKey("RENTAL_DATE", SortDirection.DESC, (dt.datetime,))
BY_DAY = SortKey("CREATE_DATE", SortDirection.ASC, (dt.date,))
BY_RANK = SortKey("RELEVANCE", SortDirection.DESC, (float,))
LIMITS = PageLimits(default=20, maximum=100)


@pytest.mark.parametrize(
    ("sort", "values"),
    [
        (BY_RATE, (Decimal("4.99"), 7)),
        (BY_DATE, (dt.datetime(2022, 5, 24, 22, 53, 30, 123, tzinfo=dt.UTC), 1)),
        (BY_DAY, (dt.date(2022, 2, 14), 3)),
        (BY_RANK, (0.0607927106320858, 12)),
    ],
)
def test_cursors_round_trip_exactly(sort: SortKey, values: tuple[object, ...]) -> None:
    cursor = encode_cursor(sort, values)  # type: ignore[arg-type]
    assert "=" not in cursor
    assert decode_cursor(cursor, sort, "after") == values


def test_a_cursor_of_another_ordering_or_direction_is_refused() -> None:
    cursor = encode_cursor(BY_RATE, (Decimal("0.99"), 1))
    other_direction = SortKey("RENTAL_RATE", SortDirection.DESC, (Decimal,))
    for sort in (BY_DATE, other_direction):
        with pytest.raises(InvalidInput, match="another ordering") as refused:
            decode_cursor(cursor, sort, "after")
        assert refused.value.field == "after"


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!",
        "bm90IGpzb24",  # "not json"
        encode_cursor(BY_RATE, ("0.99", 1)),  # a string where a Decimal belongs
        encode_cursor(BY_RATE, (Decimal("0.99"),)),  # the id is missing
        encode_cursor(BY_RATE, (Decimal("0.99"), True)),  # a bool is not an id
    ],
)
def test_malformed_cursors_are_invalid_input(cursor: str) -> None:
    with pytest.raises(InvalidInput, match="not a cursor"):
        decode_cursor(cursor, BY_RATE, "before")


def test_page_request_bounds() -> None:
    assert page_request(BY_RATE, LIMITS).limit == 20
    assert page_request(BY_RATE, LIMITS, last=5).backward
    for arguments in ({"first": 101}, {"last": 101}, {"first": -1}, {"first": 1, "last": 1}):
        with pytest.raises(InvalidInput):
            page_request(BY_RATE, LIMITS, **arguments)  # type: ignore[arg-type]


async def _never() -> int:
    raise AssertionError("counted")


def test_page_info_flags_follow_the_direction() -> None:
    found = Slice(["a", "b"], [(Decimal(1), 1), (Decimal(2), 2)], has_more=True)
    forward = to_page(found, PageRequest(BY_RATE, 2, after=(Decimal(0), 0)), _never)
    assert (forward.has_next, forward.has_previous) == (True, True)
    first_page = to_page(found, PageRequest(BY_RATE, 2), _never)
    assert (first_page.has_next, first_page.has_previous) == (True, False)
    backward = to_page(found, PageRequest(BY_RATE, 2, backward=True), _never)
    assert (backward.has_next, backward.has_previous) == (False, True)
    assert decode_cursor(first_page.cursor(1), BY_RATE, "after") == (Decimal(2), 2)
