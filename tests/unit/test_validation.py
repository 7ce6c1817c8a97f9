"""The input checker: paths, trimming, limits, money, time zones."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from domain.errors import InvalidInput, ValidationFailed
from domain.validation import Checks


def test_text_is_trimmed_and_limited() -> None:
    checks = Checks()
    assert checks.text("title", "  Dune  ", 4) == "Dune"
    assert checks.optional_text("note", "   ", 10) is None
    checks.text("title", "x" * 5, 4)
    checks.text("name", "  ", 4)
    assert [(p.field, p.message) for p in checks.problems] == [
        ("title", "`title` must be at most 4 characters."),
        ("name", "`name` must not be empty."),
    ]
    with pytest.raises(ValidationFailed):
        checks.done()


@pytest.mark.parametrize(
    ("amount", "ok"),
    [
        ("0.00", True),
        ("99.99", True),
        ("100.00", False),
        ("-0.01", False),
        ("1.005", False),
        ("Infinity", False),
    ],
)
def test_money(amount: str, ok: bool) -> None:
    checks = Checks()
    checks.money("rental_rate", Decimal(amount), max_digits=4)
    assert (checks.problems == []) is ok
    if not ok:
        with pytest.raises(InvalidInput) as bad:
            checks.done()
        assert bad.value.field == "rental_rate"


def test_datetimes_need_an_offset() -> None:
    checks = Checks()
    checks.aware("when", dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert checks.problems == []
    checks.aware("when", dt.datetime(2026, 1, 1))
    assert [p.field for p in checks.problems] == ["when"]


def test_email_shape() -> None:
    checks = Checks()
    assert checks.email("email", " a@b.org ") == "a@b.org"
    checks.email("email", "a@b")
    checks.email("email", "@b.org")
    assert len(checks.problems) == 2
