"""What the live subscriptions send (decision 0100)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum

import strawberry

from domain.catalogue.availability import StoreStock as StoreStockEntity
from domain.events import DomainEvent, EventKind


@strawberry.enum(description="What happened at the counter.")
class RentalEventKind(Enum):
    RENTED = "rented"
    RETURNED = "returned"
    PAID = "paid"


@strawberry.type(description="A rental, return or payment at a store, once committed.")
class RentalEvent:
    kind: RentalEventKind
    occurred_at: dt.datetime
    store_id: int
    customer_id: int
    rental_id: int | None
    film_id: int | None = strawberry.field(description="Rentals and returns: the film.")
    inventory_id: int | None = strawberry.field(description="Rentals and returns: the copy.")
    payment_id: int | None = strawberry.field(description="Payments: the payment.")
    amount: Decimal | None = strawberry.field(description="Payments: dollars paid.")

    @classmethod
    def of(cls, event: DomainEvent) -> RentalEvent:
        assert event.store_id is not None and event.customer_id is not None
        return cls(
            kind=RentalEventKind(event.kind.value),
            occurred_at=event.occurred_at,
            store_id=event.store_id,
            customer_id=event.customer_id,
            rental_id=event.rental_id,
            film_id=event.film_id,
            inventory_id=event.inventory_id,
            payment_id=event.payment_id,
            amount=event.amount,
        )


@strawberry.type(description="A film's copies at one store.")
class StoreStock:
    store_id: int
    copies: int = strawberry.field(description="Copies the store holds.")
    in_stock: int = strawberry.field(description="Copies not rented out right now.")

    @classmethod
    def of(cls, stock: StoreStockEntity) -> StoreStock:
        return cls(store_id=stock.store_id, copies=stock.copies, in_stock=stock.in_stock)


@strawberry.type(
    description="Copies of a film in stock per store: sent when subscribing, then after every "
    "committed change that may alter them (read when sent, so the last one is current)."
)
class FilmAvailability:
    film_id: int
    stores: list[StoreStock] = strawberry.field(description="Stores holding copies, by store id.")
    in_stock: int = strawberry.field(description="Copies in stock at all stores.")
    cause: str | None = strawberry.field(
        description="What prompted this message: null for the first, else the event's kind "
        "(rented, returned, inventory_changed, film_changed)."
    )
    deleted: bool = strawberry.field(description="The film was deleted; no more messages.")


@strawberry.enum(description="What changed on the account.")
class AccountEventKind(Enum):
    RENTED = "rented"
    RETURNED = "returned"
    PAID = "paid"
    ACCOUNT_CHANGED = "customer_changed"


@strawberry.type(description="A committed change to the signed-in customer's account.")
class AccountEvent:
    kind: AccountEventKind
    occurred_at: dt.datetime
    rental_id: int | None
    film_id: int | None
    payment_id: int | None
    amount: Decimal | None
    change: str | None = strawberry.field(
        description="Account changes: which (updated, deactivated, subscription, ...)."
    )
    balance: Decimal = strawberry.field(
        description="What the customer owes after this change (as `Customer.balance`)."
    )

    @classmethod
    def of(cls, event: DomainEvent, balance: Decimal) -> AccountEvent:
        kind = (
            AccountEventKind.ACCOUNT_CHANGED
            if event.kind is EventKind.CUSTOMER_CHANGED
            else AccountEventKind(event.kind.value)
        )
        return cls(
            kind=kind,
            occurred_at=event.occurred_at,
            rental_id=event.rental_id,
            film_id=event.film_id,
            payment_id=event.payment_id,
            amount=event.amount,
            change=event.change,
            balance=balance,
        )
