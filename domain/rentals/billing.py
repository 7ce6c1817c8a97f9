"""What a rental costs: the late-fee rule, stated once.

Same semantics as `get_customer_balance` (migration 0005), which a property test checks:
* every rental made on or before the as-of moment costs the film's rental rate;
* each *started* day it is (or was) kept past `rental_duration` days costs LATE_FEE_PER_DAY;
* once more than 2 * rental_duration days overdue, the replacement cost is charged instead of
  the per-day fee (the copy counts as bought);
* payments made on or before the as-of moment are subtracted.
A rental returned after the as-of moment is treated as still out at that moment.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

LATE_FEE_PER_DAY = Decimal("1.00")
#: more than this many rental durations late: the replacement cost instead of the daily fee
REPLACED_AFTER_DURATIONS = 2
SECONDS_PER_DAY = 86400
CENTS = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class RentalTerms:
    """The film's terms a rental was made under."""

    rental_rate: Decimal
    rental_duration: int  # days
    replacement_cost: Decimal


@dataclass(frozen=True, slots=True)
class ChargeableRental:
    terms: RentalTerms
    rented_at: dt.datetime
    returned_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class PaymentMade:
    amount: Decimal
    paid_at: dt.datetime


def due_date(rented_at: dt.datetime, rental_duration: int) -> dt.datetime:
    return rented_at + dt.timedelta(seconds=rental_duration * SECONDS_PER_DAY)


def is_overdue(
    rented_at: dt.datetime, returned_at: dt.datetime | None, rental_duration: int, now: dt.datetime
) -> bool:
    """Still out and past its due date."""
    return returned_at is None and now > due_date(rented_at, rental_duration)


def overdue_days(rental: ChargeableRental, as_of: dt.datetime) -> int:
    """Started days past the due date, as of `as_of` (0 when on time)."""
    end = min(rental.returned_at or as_of, as_of)
    late = end - due_date(rental.rented_at, rental.terms.rental_duration)
    return max(0, math.ceil(late.total_seconds() / SECONDS_PER_DAY))


def late_fee(rental: ChargeableRental, as_of: dt.datetime) -> Decimal:
    days = overdue_days(rental, as_of)
    if days > REPLACED_AFTER_DURATIONS * rental.terms.rental_duration:
        return rental.terms.replacement_cost
    return (LATE_FEE_PER_DAY * days).quantize(CENTS)


def rental_charge(rental: ChargeableRental, as_of: dt.datetime) -> Decimal:
    """Rental rate plus late fee; zero for a rental made after `as_of`."""
    if rental.rented_at > as_of:
        return Decimal("0.00")
    return (rental.terms.rental_rate + late_fee(rental, as_of)).quantize(CENTS)


def balance(
    rentals: Iterable[ChargeableRental], payments: Iterable[PaymentMade], as_of: dt.datetime
) -> Decimal:
    """What the customer owes at `as_of` (negative: in credit)."""
    charged = sum((rental_charge(r, as_of) for r in rentals), Decimal("0.00"))
    paid = sum((p.amount for p in payments if p.paid_at <= as_of), Decimal("0.00"))
    return (charged - paid).quantize(CENTS)
