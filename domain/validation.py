"""Input checks shared by every write: collect all problems, then refuse once.

`Checks` gathers one `InvalidInput` per bad value (each naming the command's field as the
domain does, e.g. `rental_rate`: an `InputField`) and `done()` raises them together as
`ValidationFailed`. The limits follow
the columns (decision 0033): numeric precision from the column type, and for Pagila's `text`
columns (which have no length) the limits in `TextLimits` below.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from domain.errors import InputField, InvalidInput, ValidationFailed

CENTS = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class TextLimits:
    """Maximum lengths (characters) of the text columns we write (decision 0033)."""

    title: int = 255
    description: int = 2000
    name: int = 45  # first/last names, category names (Sakila's varchar(45))
    category_name: int = 25  # Sakila's varchar(25)
    email: int = 254  # RFC 5321 path limit
    address: int = 50  # Sakila's varchar(50)
    district: int = 20  # Sakila's varchar(20)
    postal_code: int = 10  # Sakila's varchar(10)
    phone: int = 20  # Sakila's varchar(20)
    city: int = 50
    country: int = 50
    plan_name: int = 50
    special_feature: int = 50
    idempotency_key: int = 255  # also a CHECK in migration 0006
    search: int = 255  # a search or filter text (`titleContains`, `fulltext`, ...)


LIMITS = TextLimits()


class Checks:
    """Collects invalid inputs; `done()` raises them all at once."""

    def __init__(self, prefix: str = "") -> None:
        self._prefix = prefix
        self.problems: list[InvalidInput] = []

    def path(self, name: str) -> InputField:
        return InputField(f"{self._prefix}.{name}" if self._prefix else name)

    def fail(self, name: str, message: str) -> None:
        self.problems.append(InvalidInput(message, field=self.path(name)))

    def done(self) -> None:
        if len(self.problems) == 1:
            raise self.problems[0]
        if self.problems:
            raise ValidationFailed(list(self.problems))

    # --- text ---------------------------------------------------------------------------

    def present(self, name: str, value: object) -> bool:
        """Whether a required value is there: an update's `null` for a field that cannot be
        empty (omit it to keep the value) is refused here rather than reaching a rule."""
        if value is None:
            self.fail(name, f"`{self.path(name)}` must not be null; omit it to keep the value.")
            return False
        return True

    def text(self, name: str, value: str | None, max_length: int) -> str:
        """Trimmed, non-empty, at most `max_length` characters."""
        if not self.present(name, value):
            return ""
        assert value is not None
        trimmed = value.strip()
        if not trimmed:
            self.fail(name, f"`{self.path(name)}` must not be empty.")
        elif len(trimmed) > max_length:
            self.fail(name, f"`{self.path(name)}` must be at most {max_length} characters.")
        return trimmed

    def optional_text(self, name: str, value: str | None, max_length: int) -> str | None:
        """Trimmed; empty (after trimming) means none."""
        if value is None:
            return None
        trimmed = value.strip()
        if not trimmed:
            return None
        return self.text(name, trimmed, max_length)

    def email(self, name: str, value: str | None) -> str | None:
        address = self.optional_text(name, value, LIMITS.email)
        if address is not None:
            local, at, domain = address.partition("@")
            if not (at and local and "." in domain and " " not in address):
                self.fail(name, f"`{self.path(name)}` is not an e-mail address.")
        return address

    # --- numbers ------------------------------------------------------------------------

    def money(
        self, name: str, value: Decimal, *, max_digits: int, positive: bool = False
    ) -> Decimal:
        """Dollars and cents: at most 2 decimal places, non-negative (or positive), and fitting
        a `numeric(max_digits, 2)` column."""
        try:
            if not value.is_finite():
                raise InvalidOperation
            exact = value.quantize(CENTS)
        except InvalidOperation:
            self.fail(name, f"`{self.path(name)}` must be an amount in dollars and cents.")
            return value
        if exact != value:
            self.fail(name, f"`{self.path(name)}` must have at most 2 decimal places.")
        elif value < 0 or (positive and value == 0):
            kind = "greater than 0" if positive else "0 or more"
            self.fail(name, f"`{self.path(name)}` must be {kind}.")
        elif value >= Decimal(10) ** (max_digits - 2):
            self.fail(
                name, f"`{self.path(name)}` must be less than {Decimal(10) ** (max_digits - 2)}."
            )
        return exact

    def int_range(self, name: str, value: int, low: int, high: int) -> int:
        if not low <= value <= high:
            self.fail(name, f"`{self.path(name)}` must be between {low} and {high}.")
        return value

    def positive_id(self, name: str, value: int | None) -> int:
        if not self.present(name, value):
            return 0
        assert value is not None
        if value <= 0:
            self.fail(name, f"`{self.path(name)}` must be a positive id.")
        return value

    # --- time ---------------------------------------------------------------------------

    def aware(self, name: str, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            self.fail(name, f"`{self.path(name)}` must include a time zone offset.")
        return value


def check_search_text(value: str | None, field: str, limit: int | None = None) -> None:
    """A filter's text: at most `LIMITS.search` characters (a 1 MB `titleContains` used to hold
    a pool connection for 13 s)."""
    maximum = LIMITS.search if limit is None else limit
    if value is not None and len(value) > maximum:
        raise InvalidInput(f"`{field}` may be at most {maximum} characters long.", field=field)
