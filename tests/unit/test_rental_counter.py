"""The counter's rules with in-memory fakes: no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from domain.auth import ANONYMOUS, Principal, Role
from domain.errors import (
    AlreadyReturned,
    CustomerInactive,
    InvalidInput,
    NotFound,
    NotInStock,
    PermissionDenied,
    Unauthenticated,
    ValidationFailed,
)
from domain.idempotency import IdempotencyKeyReused
from domain.rentals.billing import RentalTerms
from domain.rentals.counter import Copy, CustomerStanding, RecordPayment, RentFilm, RentingService
from tests.unit.fakes import FakeRentingUoW, World

T0 = dt.datetime(2026, 1, 10, 12, 0, tzinfo=dt.UTC)
CLERK = Principal(role=Role.STAFF, staff_id=1, store_id=1)
TERMS = RentalTerms(Decimal("2.99"), 3, Decimal("19.99"))


def world() -> World:
    return World(
        customers={
            10: CustomerStanding(10, 1, True),
            11: CustomerStanding(11, 1, False),
            12: CustomerStanding(12, 2, True),
        },
        staff={1: 1, 2: 2},
        stores={1, 2},
        films={100: TERMS},
        copies={1000: Copy(1000, 100, 1), 1001: Copy(1001, 100, 1), 2000: Copy(2000, 100, 2)},
    )


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now


def service(w: World, clock: Clock | None = None) -> tuple[RentingService, FakeRentingUoW]:
    uow = FakeRentingUoW(w)
    return RentingService(uow, clock or Clock()), uow


async def test_rent_by_film_takes_the_first_free_copy_of_the_store() -> None:
    w = world()
    svc, uow = service(w)
    first = await svc.rent_film(CLERK, RentFilm(customer_id=10, store_id=1, film_id=100))
    second = await svc.rent_film(CLERK, RentFilm(customer_id=12, store_id=1, film_id=100))
    assert (first.inventory_id, second.inventory_id) == (1000, 1001)
    assert first.staff_id == 1 and first.rented_at == T0 and uow.commits == 2
    with pytest.raises(NotInStock) as refused:
        await svc.rent_film(CLERK, RentFilm(customer_id=10, store_id=1, film_id=100))
    assert refused.value.field == "film_id"
    assert len(w.rentals) == 2


async def test_refusals_write_nothing() -> None:
    w = world()
    svc, uow = service(w)
    cases = [
        (RentFilm(customer_id=11, store_id=1, film_id=100), CustomerInactive),
        (RentFilm(customer_id=99, store_id=1, film_id=100), NotFound),
        (RentFilm(customer_id=10, store_id=1, film_id=999), NotFound),
        (RentFilm(customer_id=10, store_id=1, inventory_id=2000), InvalidInput),
        (RentFilm(customer_id=10, store_id=1, film_id=100, staff_id=2), PermissionDenied),
        (RentFilm(customer_id=10, store_id=2, film_id=100), PermissionDenied),
    ]
    for command, error in cases:
        with pytest.raises(error):
            await svc.rent_film(CLERK, command)
    assert w.rentals == {} and uow.commits == 0


async def test_permissions() -> None:
    svc, _ = service(world())
    command = RentFilm(customer_id=10, store_id=1, film_id=100)
    with pytest.raises(Unauthenticated):
        await svc.rent_film(ANONYMOUS, command)
    with pytest.raises(PermissionDenied):  # customer 12 renting for customer 10
        await svc.rent_film(Principal(role=Role.CUSTOMER, customer_id=12), command)
    admin = Principal(user_id=1, role=Role.ADMIN)
    with pytest.raises(InvalidInput):  # an admin is no staff member: name one
        await svc.rent_film(admin, command)
    rental = await svc.rent_film(admin, RentFilm(10, 2, film_id=100, staff_id=2))
    assert rental.inventory_id == 2000


async def test_several_bad_inputs_at_once() -> None:
    svc, _ = service(world())
    with pytest.raises(ValidationFailed) as failed:
        await svc.rent_film(
            CLERK, RentFilm(customer_id=0, store_id=-1, idempotency_key=" " + "x" * 300)
        )
    assert [p.field for p in failed.value.problems] == [
        "customer_id",
        "store_id",
        "film_id",
        "idempotency_key",
    ]


async def test_return_charges_rate_plus_late_fee_and_refuses_twice() -> None:
    w = world()
    clock = Clock()
    svc, _ = service(w, clock)
    rental = await svc.rent_film(CLERK, RentFilm(customer_id=10, store_id=1, film_id=100))
    await svc.record_payment(CLERK, RecordPayment(customer_id=10, amount=Decimal("1.00")))
    clock.now = T0 + dt.timedelta(days=5, hours=1)  # 3 started days late
    receipt = await svc.return_rental(CLERK, rental.rental_id)
    assert receipt.rental.returned_at == clock.now
    assert (receipt.charge, receipt.paid, receipt.amount_due) == (
        Decimal("5.99"),
        Decimal("1.00"),
        Decimal("4.99"),
    )
    with pytest.raises(AlreadyReturned):
        await svc.return_rental(CLERK, rental.rental_id)
    # the copy is free again
    again = await svc.rent_film(CLERK, RentFilm(customer_id=12, store_id=1, inventory_id=1000))
    assert again.inventory_id == 1000


async def test_idempotent_rent_and_payment() -> None:
    w = world()
    svc, _ = service(w)
    command = RentFilm(customer_id=10, store_id=1, film_id=100, idempotency_key="k1")
    assert await svc.rent_film(CLERK, command) == await svc.rent_film(CLERK, command)
    assert len(w.rentals) == 1
    pay = RecordPayment(customer_id=10, amount=Decimal("2.00"), idempotency_key="k1")
    assert await svc.record_payment(CLERK, pay) == await svc.record_payment(CLERK, pay)
    assert len(w.payments) == 1
    with pytest.raises(IdempotencyKeyReused):
        await svc.record_payment(
            CLERK, RecordPayment(customer_id=10, amount=Decimal("3.00"), idempotency_key="k1")
        )
    # scoped per caller
    other = Principal(role=Role.STAFF, staff_id=2, store_id=1)
    await svc.record_payment(
        other, RecordPayment(10, Decimal("2.00"), staff_id=1, idempotency_key="k1")
    )
    assert len(w.payments) == 2


@pytest.mark.parametrize("amount", ["-0.01", "0", "0.001", "1000.00", "NaN"])
async def test_payment_amounts(amount: str) -> None:
    svc, _ = service(world())
    with pytest.raises(InvalidInput) as bad:
        await svc.record_payment(CLERK, RecordPayment(customer_id=10, amount=Decimal(amount)))
    assert bad.value.field == "amount"


# --- self-service: a customer renting for themself and returning their own (decision 0120) ---

SELF = {10: Principal(role=Role.CUSTOMER, customer_id=10, store_id=1)}
SELF[12] = Principal(role=Role.CUSTOMER, customer_id=12, store_id=2)


@pytest.mark.parametrize("renter", [10, 12])
@pytest.mark.parametrize("store_id", [1, 2])
@pytest.mark.parametrize("named_staff", [None, 1, 2])
async def test_a_customer_rents_for_themself_at_any_store(
    renter: int, store_id: int, named_staff: int | None
) -> None:
    w = world()
    svc, uow = service(w)
    command = RentFilm(customer_id=renter, store_id=store_id, film_id=100, staff_id=named_staff)
    if named_staff is not None and named_staff != store_id:  # staff 1 works at 1, 2 at 2
        with pytest.raises(PermissionDenied):
            await svc.rent_film(SELF[renter], command)
        assert w.rentals == {} and uow.commits == 0
        return
    rental = await svc.rent_film(SELF[renter], command)
    # the fake's manager of store N is its first staff member, N
    assert (rental.customer_id, rental.staff_id) == (renter, store_id)
    assert w.copies[rental.inventory_id].store_id == store_id


@pytest.mark.parametrize(("renter", "victim"), [(10, 12), (12, 10), (10, 11)])
async def test_a_customer_cannot_rent_for_someone_else(renter: int, victim: int) -> None:
    w = world()
    svc, uow = service(w)
    with pytest.raises(PermissionDenied):
        await svc.rent_film(SELF[renter], RentFilm(customer_id=victim, store_id=1, film_id=100))
    assert w.rentals == {} and uow.commits == 0


async def test_a_customer_returns_only_their_own_rentals() -> None:
    w = world()
    svc, _ = service(w)
    mine = await svc.rent_film(SELF[10], RentFilm(customer_id=10, store_id=1, film_id=100))
    theirs = await svc.rent_film(SELF[12], RentFilm(customer_id=12, store_id=2, film_id=100))
    with pytest.raises(PermissionDenied):
        await svc.return_rental(SELF[10], theirs.rental_id)
    assert w.rentals[theirs.rental_id].returned_at is None
    receipt = await svc.return_rental(SELF[10], mine.rental_id)
    assert receipt.rental.returned_at == T0 and receipt.charge == TERMS.rental_rate
    with pytest.raises(Unauthenticated):
        await svc.return_rental(ANONYMOUS, theirs.rental_id)


async def test_a_store_without_staff_cannot_record_a_customers_own_rental() -> None:
    w = world()
    w.stores.add(3)
    w.copies[3000] = Copy(3000, 100, 3)
    svc, uow = service(w)
    with pytest.raises(InvalidInput) as refused:
        await svc.rent_film(SELF[10], RentFilm(customer_id=10, store_id=3, film_id=100))
    assert refused.value.field == "store_id"
    assert w.rentals == {} and uow.commits == 0
