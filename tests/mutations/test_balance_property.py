"""Property: domain/rentals/billing.balance equals Pagila's `get_customer_balance` on generated
rentals.

Each example inserts a fresh customer with generated films, copies, rentals and payments inside a
transaction that is rolled back, asks the SQL function for the balance at a generated moment and
compares it with the Python rule on the same data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import asyncpg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.rentals.billing import ChargeableRental, PaymentMade, RentalTerms, balance

BASE = dt.datetime(2022, 1, 1, tzinfo=dt.UTC)  # payments before 2022-01 and after 2022-07 land
DAY = 86400  # in the DEFAULT partition, the ones between in upstream's monthly partitions

cents = st.integers(min_value=0, max_value=9999).map(lambda c: Decimal(c).scaleb(-2))
moments = st.integers(min_value=-30 * DAY, max_value=300 * DAY).map(
    lambda s: BASE + dt.timedelta(seconds=s)
)
terms = st.builds(
    RentalTerms,
    rental_rate=st.integers(min_value=0, max_value=999).map(lambda c: Decimal(c).scaleb(-2)),
    rental_duration=st.integers(min_value=1, max_value=10),
    replacement_cost=cents,
)


@dataclass(frozen=True)
class Case:
    rentals: list[ChargeableRental]
    payments: list[PaymentMade]
    as_of: dt.datetime


@st.composite
def cases(draw: st.DrawFn) -> Case:
    rentals = []
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        rented_at = draw(moments)
        kept = draw(st.none() | st.integers(min_value=0, max_value=45 * DAY))
        # edge cases: returned exactly at the due date, and a second after
        returned_at = None if kept is None else rented_at + dt.timedelta(seconds=kept)
        rentals.append(ChargeableRental(draw(terms), rented_at, returned_at))
    payments = [
        PaymentMade(draw(cents), draw(moments))
        for _ in range(draw(st.integers(min_value=0, max_value=4)))
    ]
    as_of = draw(st.one_of(moments, st.sampled_from([r.rented_at for r in rentals] or [BASE])))
    return Case(rentals, payments, as_of)


async def _sql_balance(conn: asyncpg.Connection, case: Case) -> Decimal:
    store_id, staff_id = await conn.fetchrow("SELECT store_id, staff_id FROM staff LIMIT 1")
    customer = await conn.fetchval(
        "INSERT INTO customer (store_id, first_name, last_name, address_id) "
        "VALUES ($1, 'PROPERTY', 'TEST', 1) RETURNING customer_id",
        store_id,
    )
    rental_ids = []
    for rental in case.rentals:
        film = await conn.fetchval(
            "INSERT INTO film (title, language_id, rental_rate, rental_duration, replacement_cost)"
            " VALUES ('PROPERTY FILM', 1, $1, $2, $3) RETURNING film_id",
            rental.terms.rental_rate,
            rental.terms.rental_duration,
            rental.terms.replacement_cost,
        )
        copy = await conn.fetchval(
            "INSERT INTO inventory (film_id, store_id) VALUES ($1, $2) RETURNING inventory_id",
            film,
            store_id,
        )
        rental_ids.append(
            await conn.fetchval(
                "INSERT INTO rental (rental_date, inventory_id, customer_id, return_date, "
                "staff_id) VALUES ($1, $2, $3, $4, $5) RETURNING rental_id",
                rental.rented_at,
                copy,
                customer,
                rental.returned_at,
                staff_id,
            )
        )
    any_rental = (
        rental_ids[0] if rental_ids else await conn.fetchval("SELECT min(rental_id) FROM rental")
    )
    for payment in case.payments:
        await conn.execute(
            "INSERT INTO payment (customer_id, staff_id, rental_id, amount, payment_date) "
            "VALUES ($1, $2, $3, $4, $5)",
            customer,
            staff_id,
            any_rental,
            payment.amount,
            payment.paid_at,
        )
    result: Decimal = await conn.fetchval(
        "SELECT get_customer_balance($1, $2)", customer, case.as_of
    )
    return result


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=cases())
async def test_balance_rule_equals_get_customer_balance(
    sql: asyncpg.Connection, case: Case
) -> None:
    transaction = sql.transaction()
    await transaction.start()
    try:
        expected = await _sql_balance(sql, case)
    finally:
        await transaction.rollback()
    assert balance(case.rentals, case.payments, case.as_of) == expected
