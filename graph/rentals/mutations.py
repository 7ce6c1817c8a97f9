"""Counter mutations: rentFilm, returnRental, recordPayment. Resolvers only translate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from domain import errors as d
from domain.rentals.counter import RecordPayment, RentFilm, RentingService
from graph.customers.loaders import served
from graph.errors import UserError, register_error
from graph.mutations import Payload, run_mutation
from graph.rentals.types import Payment, Rental
from graph.writing import Info, caller, read_back, write_uow


@strawberry.type(description="No copy is available: every copy at the store is rented out.")
class NotInStockError(UserError):
    pass


@strawberry.type(description="The rental was already returned.")
class AlreadyReturnedError(UserError):
    pass


@strawberry.type(description="The customer is inactive and cannot rent.")
class CustomerInactiveError(UserError):
    pass


register_error(d.NotInStock, NotInStockError)
register_error(d.AlreadyReturned, AlreadyReturnedError)
register_error(d.CustomerInactive, CustomerInactiveError)


def renting(info: Info) -> RentingService:
    return RentingService(write_uow(info), events=info.context.publisher)


async def _rental(info: Info, rental_id: int) -> Rental:
    return await read_back(info, Rental, lambda uow: uow.rentals, rental_id)


# --- rentFilm ------------------------------------------------------------------------------


@strawberry.input(description="Rent one copy: give `filmId` (any free copy) or `inventoryId`.")
class RentFilmInput:
    customer_id: int = strawberry.field(description="Who rents.")
    store_id: int = strawberry.field(description="The store handing out the copy.")
    film_id: int | None = strawberry.field(
        default=None, description="Rent any available copy of this film at the store."
    )
    inventory_id: int | None = strawberry.field(default=None, description="Rent this very copy.")
    staff_id: int | None = strawberry.field(
        default=None, description="Staff member recorded on the rental; default: the caller."
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Retrying with the same key returns the first result instead of renting "
        "again (at most 255 characters).",
    )


@strawberry.type
class RentFilmPayload(Payload):
    rental: Rental | None = strawberry.field(default=None, description="The new rental.")


# --- returnRental --------------------------------------------------------------------------


@strawberry.input
class ReturnRentalInput:
    rental_id: int
    returned_at: dt.datetime | None = strawberry.field(
        default=None,
        description="When the copy came back, with a UTC offset; default: now. Not in the "
        "future, not before the rental.",
    )


@strawberry.type
class ReturnRentalPayload(Payload):
    rental: Rental | None = strawberry.field(default=None, description="Now returned.")
    charge: Decimal | None = strawberry.field(
        default=None, description="Rental rate plus late fee at the return moment, in dollars."
    )
    paid: Decimal | None = strawberry.field(
        default=None, description="Payments already recorded for this rental."
    )
    amount_due: Decimal | None = strawberry.field(
        default=None, description="`charge` minus `paid`, never negative."
    )


# --- recordPayment -------------------------------------------------------------------------


@strawberry.input
class RecordPaymentInput:
    customer_id: int
    amount: Decimal = strawberry.field(description="Dollars and cents, more than 0.")
    rental_id: int | None = strawberry.field(
        default=None, description="The rental paid for; default: the customer's latest rental."
    )
    staff_id: int | None = strawberry.field(
        default=None, description="Staff member taking the payment; default: the caller."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retrying with the same key records the payment only once."
    )


@strawberry.type
class RecordPaymentPayload(Payload):
    payment: Payment | None = None


@strawberry.type
class RentalsMutation:
    @strawberry.mutation(
        description="Rent a copy to a customer (staff, at their store), or to yourself "
        "(a signed-in customer, at any store)."
    )
    async def rent_film(self, info: Info, input: RentFilmInput) -> RentFilmPayload:
        command = RentFilm(
            customer_id=input.customer_id,
            store_id=input.store_id,
            film_id=input.film_id,
            inventory_id=input.inventory_id,
            staff_id=input.staff_id,
            idempotency_key=input.idempotency_key,
        )

        async def action() -> RentFilmPayload:
            rental = await renting(info).rent_film(caller(info), command)
            served(info.context, rental.customer_id)
            return RentFilmPayload(rental=await _rental(info, rental.rental_id))

        return await run_mutation(RentFilmPayload, action)

    @strawberry.mutation(
        description="Take a copy back (staff; or a customer, their own rental); says what the "
        "rental costs."
    )
    async def return_rental(self, info: Info, input: ReturnRentalInput) -> ReturnRentalPayload:
        async def action() -> ReturnRentalPayload:
            service = renting(info)
            receipt = await service.return_rental(caller(info), input.rental_id, input.returned_at)
            served(info.context, receipt.rental.customer_id)
            return ReturnRentalPayload(
                rental=await _rental(info, receipt.rental.rental_id),
                charge=receipt.charge,
                paid=receipt.paid,
                amount_due=receipt.amount_due,
            )

        return await run_mutation(ReturnRentalPayload, action)

    @strawberry.mutation(description="Record a customer's payment (staff).")
    async def record_payment(self, info: Info, input: RecordPaymentInput) -> RecordPaymentPayload:
        command = RecordPayment(
            customer_id=input.customer_id,
            amount=input.amount,
            rental_id=input.rental_id,
            staff_id=input.staff_id,
            idempotency_key=input.idempotency_key,
        )

        async def action() -> RecordPaymentPayload:
            payment = await renting(info).record_payment(caller(info), command)
            found = await read_back(info, Payment, lambda uow: uow.payments, payment.payment_id)
            return RecordPaymentPayload(payment=found)

        return await run_mutation(RecordPaymentPayload, action)
