"""Input types every area's filters share."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry


@strawberry.input(description="An inclusive range of whole numbers; leave an end out for open.")
class IntRange:
    min: int | None = None
    max: int | None = None


@strawberry.input(description="An inclusive range of amounts; leave an end out for open.")
class DecimalRange:
    min: Decimal | None = None
    max: Decimal | None = None


@strawberry.input(
    description="A period: from `from` (inclusive) up to `to` (exclusive). Give time zones."
)
class DateTimeRange:
    from_: dt.datetime | None = strawberry.field(default=None, name="from")
    to: dt.datetime | None = None


def ids(values: list[int] | None) -> tuple[int, ...] | None:
    return None if values is None else tuple(values)
