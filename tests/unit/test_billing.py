"""The late-fee rule, without a database (the property test against SQL lives with issue 5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from domain.rentals.billing import (
    ChargeableRental,
    PaymentMade,
    RentalTerms,
    balance,
    is_overdue,
    late_fee,
    overdue_days,
    rental_charge,
)

UTC = dt.UTC
T0 = dt.datetime(2022, 5, 1, 10, 0, tzinfo=UTC)
TERMS = RentalTerms(
    rental_rate=Decimal("2.99"), rental_duration=3, replacement_cost=Decimal("19.99")
)


def rental(days_kept: float | None) -> ChargeableRental:
    returned = None if days_kept is None else T0 + dt.timedelta(days=days_kept)
    return ChargeableRental(TERMS, T0, returned)


def test_on_time_costs_the_rate() -> None:
    assert rental_charge(rental(3), T0 + dt.timedelta(days=30)) == Decimal("2.99")


def test_each_started_late_day_costs_a_dollar() -> None:
    as_of = T0 + dt.timedelta(days=30)
    assert overdue_days(rental(3.01), as_of) == 1
    assert late_fee(rental(5), as_of) == Decimal("2.00")
    assert rental_charge(rental(5.5), as_of) == Decimal("5.99")


def test_more_than_twice_the_duration_overdue_charges_replacement_instead() -> None:
    as_of = T0 + dt.timedelta(days=30)
    assert late_fee(rental(3 + 6), as_of) == Decimal("6.00")  # exactly 2x: still per day
    assert late_fee(rental(3 + 6.5), as_of) == Decimal("19.99")


def test_unreturned_rental_accrues_until_as_of() -> None:
    out = rental(None)
    assert late_fee(out, T0 + dt.timedelta(days=4)) == Decimal("1.00")
    assert late_fee(out, T0 + dt.timedelta(days=100)) == Decimal("19.99")


def test_return_after_as_of_counts_as_still_out() -> None:
    assert late_fee(rental(20), T0 + dt.timedelta(days=5)) == Decimal("2.00")


def test_rentals_and_payments_after_as_of_are_ignored() -> None:
    as_of = T0 + dt.timedelta(days=10)
    later = ChargeableRental(TERMS, as_of + dt.timedelta(days=1), None)
    payments = [
        PaymentMade(Decimal("2.99"), T0),
        PaymentMade(Decimal("50.00"), as_of + dt.timedelta(seconds=1)),
    ]
    assert balance([rental(3), later], payments, as_of) == Decimal("0.00")


def test_is_overdue_only_while_out_and_past_due() -> None:
    assert is_overdue(T0, None, 3, T0 + dt.timedelta(days=3, seconds=1))
    assert not is_overdue(T0, None, 3, T0 + dt.timedelta(days=3))
    assert not is_overdue(T0, T0 + dt.timedelta(days=9), 3, T0 + dt.timedelta(days=10))
