"""Domain events: what a committed write changed, for live subscribers (decision 0100).

The write services publish events through the `EventPublisher` port *after* their unit of work
committed: a write that rolls back (a refusal, an error, a failed commit) publishes nothing.
The composition root chooses the adapter (in process, or Redis pub/sub shared by every
process); the services never know which.

Subscribers get events through the `EventFeed` port, and see only what the permission matrix
lets them see: a store's rental events are for its staff, a customer's account events for that
customer, a film's availability for anyone (`LiveEvents` checks; graph/live renders).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from domain.auth import Principal, Role, require_authenticated, require_staff
from domain.errors import DomainError, PermissionDenied


class EventKind(StrEnum):
    RENTED = "rented"  # a copy went out
    RETURNED = "returned"  # a copy came back
    PAID = "paid"  # a payment was recorded
    FILM_CHANGED = "film_changed"  # a film's details, actors or categories (or it was deleted)
    INVENTORY_CHANGED = "inventory_changed"  # a copy was added to or removed from a store
    CUSTOMER_CHANGED = "customer_changed"  # a customer's details or streaming subscription


#: Kinds that change how many copies of a film are in stock.
STOCK_KINDS = frozenset({EventKind.RENTED, EventKind.RETURNED, EventKind.INVENTORY_CHANGED})


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """One committed change. The ids it names are the ones the change touched; `change` says
    which part (e.g. "deleted", "actors", "subscription")."""

    kind: EventKind
    occurred_at: dt.datetime
    film_id: int | None = None
    store_id: int | None = None
    customer_id: int | None = None
    rental_id: int | None = None
    inventory_id: int | None = None
    payment_id: int | None = None
    amount: Decimal | None = None
    change: str | None = None

    def to_json(self) -> str:
        values = asdict(self)
        values["kind"] = self.kind.value
        values["occurred_at"] = self.occurred_at.isoformat()
        values["amount"] = None if self.amount is None else str(self.amount)
        return json.dumps(values, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> DomainEvent:
        """Raises ValueError (or KeyError/TypeError) for anything that is not an event."""
        values: dict[str, Any] = json.loads(text)
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in values.items() if k in known}  # tolerate newer producers
        values["kind"] = EventKind(values["kind"])
        values["occurred_at"] = dt.datetime.fromisoformat(values["occurred_at"])
        if values.get("amount") is not None:
            values["amount"] = Decimal(values["amount"])
        return cls(**values)


class EventPublisher(Protocol):
    async def publish(self, events: Sequence[DomainEvent]) -> None:
        """Hand committed events on, in order. Never raises: the write is committed already,
        so a delivery problem is logged by the adapter, not reported to the writer."""
        ...


class EventsLost(DomainError):
    """A subscriber fell so far behind that events were dropped: it must resubscribe."""

    code = "EVENTS_LOST"


class EventFeed(Protocol):
    def subscribe(self) -> AbstractAsyncContextManager[AsyncIterator[DomainEvent]]:
        """Every event published from now on (by any process sharing the feed), in the order
        published; the subscription is in place once the block is entered. Iteration raises
        `EventsLost` if this subscriber fell too far behind."""
        ...


class NoEvents:
    """A publisher that drops everything (unit tests of services that do not look at events)."""

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        return None


NO_EVENTS: EventPublisher = NoEvents()


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- who sees which events ----------------------------------------------------------------

EventFilter = Callable[[DomainEvent], bool]

_STORE_KINDS = frozenset({EventKind.RENTED, EventKind.RETURNED, EventKind.PAID})
_ACCOUNT_KINDS = frozenset(
    {EventKind.RENTED, EventKind.RETURNED, EventKind.PAID, EventKind.CUSTOMER_CHANGED}
)


class LiveEvents:
    """The rules of the three subscriptions: who may follow what, and which events it gets."""

    def __init__(self, principal: Principal) -> None:
        self._principal = principal

    def of_store(self, store_id: int) -> EventFilter:
        """Rentals, returns and payments at a store: its staff and managers, admins."""
        require_staff(self._principal)
        if self._principal.role is not Role.ADMIN and self._principal.store_id != store_id:
            raise PermissionDenied("Staff may only follow their own store's events.")
        return lambda event: event.kind in _STORE_KINDS and event.store_id == store_id

    def of_my_account(self) -> tuple[int, EventFilter]:
        """The signed-in customer's rentals, returns, payments and account changes."""
        require_authenticated(self._principal)
        customer_id = self._principal.customer_id
        if self._principal.role is not Role.CUSTOMER or customer_id is None:
            raise PermissionDenied("Only a signed-in customer has account events.")
        return customer_id, (
            lambda event: event.kind in _ACCOUNT_KINDS and event.customer_id == customer_id
        )

    @staticmethod
    def of_film_stock(film_id: int) -> EventFilter:
        """Anything that may change how many copies of the film are in stock (public)."""
        return lambda event: (
            event.film_id == film_id
            and (event.kind in STOCK_KINDS or (event.kind is EventKind.FILM_CHANGED))
        )


class EventHub(EventPublisher, EventFeed, Protocol):
    """Both ends, as the composition root hands them to the API."""
