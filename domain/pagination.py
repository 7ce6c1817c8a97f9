"""Keyset pagination as plain values: the order, the page asked for, the opaque cursor, the page.

A cursor encodes the sort key of one row (the values of the ordering columns, then the row's id)
together with the name of the ordering it belongs to. The next page starts strictly after those
values, so PostgreSQL seeks through an index instead of counting past OFFSET rows: page 1,000
costs what page 1 costs. Cursors are validated on the way in: a cursor of another ordering, a
value of the wrong type or a mangled string is an `InvalidInput`, never a database error.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Generic, TypeVar

from domain.errors import InvalidInput

E = TypeVar("E")
E_co = TypeVar("E_co", covariant=True)

#: What one sort column may hold. `None` sorts are avoided by the repositories (coalesce).
CursorValue = int | float | str | bool | Decimal | dt.datetime | dt.date | None


class SortDirection(StrEnum):
    ASC = "ASC"
    DESC = "DESC"


@dataclass(frozen=True, slots=True)
class SortKey:
    """One way to order a list: its name, direction and the types of its values (id excluded:
    the row's integer id always ends the key, which makes the order total and stable)."""

    name: str
    direction: SortDirection
    value_types: tuple[type, ...]

    @property
    def token(self) -> str:
        return f"{self.name}:{self.direction.value}"

    @property
    def descending(self) -> bool:
        return self.direction is SortDirection.DESC


@dataclass(frozen=True, slots=True)
class PageLimits:
    default: int = 20
    maximum: int = 100


@dataclass(frozen=True, slots=True)
class PageRequest:
    """`limit` rows after `after` (forward) or before `before` (backward, when `last` was given).

    `after`/`before` are decoded sort-key values (ordering columns then id)."""

    sort: SortKey
    limit: int
    backward: bool = False
    after: tuple[CursorValue, ...] | None = None
    before: tuple[CursorValue, ...] | None = None

    @property
    def cache_key(self) -> str:
        """Identifies the request among DataLoaders (nested connections batch per request)."""
        return f"{self.sort.token}|{self.limit}|{self.backward}|{self.after!r}|{self.before!r}"


def _bound(value: int | None, name: str, limits: PageLimits) -> None:
    if value is None:
        return
    if value < 0:
        raise InvalidInput(f"`{name}` must not be negative.", field=name)
    if value > limits.maximum:
        raise InvalidInput(f"`{name}` must be at most {limits.maximum}.", field=name)


def page_request(
    sort: SortKey,
    limits: PageLimits,
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> PageRequest:
    """Validate the Relay arguments (before any SQL runs) and decode the cursors."""
    _bound(first, "first", limits)
    _bound(last, "last", limits)
    if first is not None and last is not None:
        raise InvalidInput("Give `first` or `last`, not both.", field="last")
    backward = last is not None
    limit = last if last is not None else (first if first is not None else limits.default)
    return PageRequest(
        sort=sort,
        limit=limit,
        backward=backward,
        after=decode_cursor(after, sort, "after") if after is not None else None,
        before=decode_cursor(before, sort, "before") if before is not None else None,
    )


# --- cursors -----------------------------------------------------------------------------------


def _encode_value(value: CursorValue) -> object:
    if isinstance(value, Decimal):
        return {"d": str(value)}
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"D": value.isoformat()}
    return value


def _decode_value(raw: object) -> CursorValue:
    if isinstance(raw, dict) and len(raw) == 1:
        ((tag, text),) = raw.items()
        if isinstance(text, str):
            if tag == "d":
                return Decimal(text)
            if tag == "t":
                return dt.datetime.fromisoformat(text)
            if tag == "D":
                return dt.date.fromisoformat(text)
        raise ValueError("unknown tagged value")
    if raw is None or isinstance(raw, int | float | str):
        return raw
    raise ValueError("unsupported value")


def encode_cursor(sort: SortKey, values: Sequence[CursorValue]) -> str:
    payload = json.dumps([sort.token, [_encode_value(v) for v in values]], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


#: What a cursor value may hold: what PostgreSQL can compare without an error (a cursor is
#: client input; 10^30, `1e999999`, NaN or a NUL character used to reach the database).
CURSOR_INT_RANGE = 2**63 - 1
CURSOR_DECIMAL_EXPONENT = 1000
CURSOR_TEXT_LENGTH = 10_000


def _text_acceptable(value: str) -> bool:
    if len(value) > CURSOR_TEXT_LENGTH or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _acceptable(value: CursorValue) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -CURSOR_INT_RANGE <= value <= CURSOR_INT_RANGE
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, Decimal):
        return value.is_finite() and abs(value.adjusted()) <= CURSOR_DECIMAL_EXPONENT
    return _text_acceptable(value) if isinstance(value, str) else True


def _fits(value: CursorValue, expected: type) -> bool:
    if not _acceptable(value):
        return False
    if expected is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is dt.date:
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    return isinstance(value, expected)


def decode_cursor(cursor: str, sort: SortKey, field: str) -> tuple[CursorValue, ...]:
    invalid = InvalidInput(f"`{field}` is not a cursor of this list.", field=field)
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        token, raw_values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        values = tuple(_decode_value(v) for v in raw_values)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, InvalidOperation):
        raise invalid from None
    if token != sort.token:
        raise InvalidInput(
            f"`{field}` belongs to another ordering; ask the first page again.", field=field
        )
    expected = (*sort.value_types, int)
    if len(values) != len(expected) or not all(map(_fits, values, expected)):
        raise invalid
    return tuple(float(v) if t is float else v for v, t in zip(values, expected, strict=True))  # type: ignore[arg-type]


# --- pages -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Slice(Generic[E_co]):
    """What a repository returns for one page: rows in order, each row's sort-key values
    (ordering columns then id), and whether more rows lie beyond the page's far end."""

    items: Sequence[E_co]
    keys: Sequence[tuple[CursorValue, ...]]
    has_more: bool


async def _unknown_count() -> int:  # pragma: no cover - replaced by every caller
    raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Page(Generic[E]):
    """One page of a connection. `count` runs the (separate, batched) total count on demand, so
    lists whose `totalCount` nobody selects never pay for it."""

    items: Sequence[E]
    keys: Sequence[tuple[CursorValue, ...]]
    has_next: bool
    has_previous: bool
    sort: SortKey
    count: Callable[[], Awaitable[int]] = _unknown_count

    def cursor(self, index: int) -> str:
        return encode_cursor(self.sort, self.keys[index])


def to_page(found: Slice[E], request: PageRequest, count: Callable[[], Awaitable[int]]) -> Page[E]:
    """Relay's pageInfo from a slice. The side the client came from is known to have rows
    when a cursor was given (that row itself precedes/follows the page)."""
    if request.backward:
        has_next, has_previous = request.before is not None, found.has_more
    else:
        has_next, has_previous = found.has_more, request.after is not None
    return Page(found.items, found.keys, has_next, has_previous, request.sort, count)
