"""Rental and Payment types (customer data: reached only through checked entry points)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, ClassVar

import strawberry

from domain.pagination import SortDirection, SortKey
from domain.rentals.reads import Payment as PaymentEntity
from domain.rentals.reads import PaymentsOf
from domain.rentals.reads import Rental as RentalEntity
from graph.catalogue import loaders as catalog
from graph.catalogue.types import Film, Inventory
from graph.customers.types import Customer, load_customer
from graph.loading import NestedList
from graph.pagination import AFTER, BEFORE, FIRST, LAST, Connection, Info, connection
from graph.relay import Node
from graph.rentals import due, loaders
from graph.stores.types import Staff, load_staff

PAYMENTS_OLDEST_FIRST = SortKey("PAYMENT_DATE", SortDirection.ASC, (dt.datetime,))

RENTAL_PAYMENTS = NestedList(
    "rental.payments", lambda u: u.payments, PaymentsOf.RENTAL, PAYMENTS_OLDEST_FIRST
)


@strawberry.type(description="One copy of a film rented by a customer, returned or still out.")
class Rental(Node):
    KEY: ClassVar[str] = "rental_id"

    rental_id: int = strawberry.field(description="The rental's key in Pagila.")
    rental_date: dt.datetime = strawberry.field(description="When the copy was handed out.")
    return_date: dt.datetime | None = strawberry.field(
        description="When it came back; null while it is still out."
    )
    last_update: dt.datetime = strawberry.field(description="When the row last changed.")
    inventory_id: strawberry.Private[int]
    customer_id: strawberry.Private[int]
    staff_id: strawberry.Private[int]
    due_date = due.due_date
    is_overdue = due.is_overdue
    film_id: strawberry.Private[int]
    store_id: strawberry.Private[int]
    inventory_last_update: strawberry.Private[dt.datetime]

    @strawberry.field(description="The copy rented (its `film` is the film).")
    def inventory(self) -> Inventory:
        # read with the rental (one join), so no DataLoader round trip
        return Inventory(
            inventory_id=self.inventory_id,
            last_update=self.inventory_last_update,
            film_id=self.film_id,
            store_id=self.store_id,
        )

    @strawberry.field(description="The film rented (shortcut for `inventory { film }`).")
    async def film(self, info: Info) -> Film:
        found = await catalog.FILMS.load(info.context, self.film_id)
        assert found is not None  # a foreign key
        return Film.from_entity(found)

    @strawberry.field(description="Who rented it.")
    async def customer(self, info: Info) -> Customer:
        return await load_customer(info, self.customer_id)

    @strawberry.field(description="The staff member who handed it out.")
    async def staff(self, info: Info) -> Staff:
        return await load_staff(info, self.staff_id)

    @strawberry.field(description="Payments made for this rental, oldest first.")
    async def payments(
        self,
        info: Info,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
        last: Annotated[int | None, LAST] = None,
        before: Annotated[str | None, BEFORE] = None,
    ) -> Connection[Payment]:
        page = await RENTAL_PAYMENTS.page(info, self.rental_id, (first, after, last, before))
        return connection(page, Payment.from_entity)

    @classmethod
    def from_entity(cls, rental: RentalEntity) -> Rental:
        return cls(
            rental_id=rental.id,
            rental_date=rental.rental_date,
            return_date=rental.return_date,
            last_update=rental.last_update,
            inventory_id=rental.inventory_id,
            customer_id=rental.customer_id,
            staff_id=rental.staff_id,
            film_id=rental.film_id,
            store_id=rental.store_id,
            inventory_last_update=rental.inventory_last_update,
        )


@strawberry.type(description="Money a customer paid, usually for one rental.")
class Payment(Node):
    KEY: ClassVar[str] = "payment_id"

    payment_id: int = strawberry.field(description="The payment's key in Pagila.")
    amount: Decimal = strawberry.field(description="Amount paid, in dollars.")
    payment_date: dt.datetime = strawberry.field(description="When it was paid.")
    customer_id: strawberry.Private[int]
    staff_id: strawberry.Private[int]
    rental_id: strawberry.Private[int]

    @strawberry.field(description="Who paid.")
    async def customer(self, info: Info) -> Customer:
        return await load_customer(info, self.customer_id)

    @strawberry.field(description="The staff member who took the payment.")
    async def staff(self, info: Info) -> Staff:
        return await load_staff(info, self.staff_id)

    @strawberry.field(description="The rental paid for.")
    async def rental(self, info: Info) -> Rental | None:
        found = await loaders.RENTALS.load(info.context, self.rental_id)
        return None if found is None else Rental.from_entity(found)

    @classmethod
    def from_entity(cls, payment: PaymentEntity) -> Payment:
        return cls(
            payment_id=payment.id,
            amount=payment.amount,
            payment_date=payment.payment_date,
            customer_id=payment.customer_id,
            staff_id=payment.staff_id,
            rental_id=payment.rental_id,
        )
