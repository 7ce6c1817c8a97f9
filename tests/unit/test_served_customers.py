"""Decision 0150: a customer served at a counter is visible to whoever served them, and only
through the principal that carries the grant."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from domain.auth import ANONYMOUS, Principal, Role, can_see_customer

ids = st.integers(1, 1000)


@given(ids, ids, ids, st.sampled_from([Role.STAFF, Role.MANAGER]))
def test_staff_see_a_served_customer_of_any_store(
    customer: int, home: int, counter: int, role: Role
) -> None:
    caller = Principal(role=role, staff_id=1, store_id=counter)
    assert can_see_customer(caller, customer, home) == (home == counter)
    assert can_see_customer(replace(caller, served_customers=frozenset({customer})), customer, home)
    other = replace(caller, served_customers=frozenset({customer + 1}))
    assert can_see_customer(other, customer, home) == (home == counter)


@given(ids, ids)
def test_the_grant_needs_a_signed_in_caller(customer: int, home: int) -> None:
    assert not can_see_customer(
        replace(ANONYMOUS, served_customers=frozenset({customer})), customer, home
    )
