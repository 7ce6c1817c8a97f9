"""When a rental is due back and whether it is overdue (`Rental.dueDate`, `Rental.isOverdue`).

The rule is domain/rentals/billing.py's (`due_date`, `is_overdue`); the film's `rental_duration`
comes from the rented copy's film.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from domain.customers.balance import utc_now
from domain.rentals import billing


@dataclass(frozen=True, slots=True)
class RentalPeriod:
    """What the due-date rule needs from a rental (hashable: a DataLoader key)."""

    inventory_id: int
    rented_at: dt.datetime
    returned_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class RentalDue:
    due_date: dt.datetime
    is_overdue: bool


class RentalDurationRepository(Protocol):
    async def rental_durations(self, inventory_ids: Sequence[int]) -> Mapping[int, int]:
        """Copy → its film's rental_duration in days (one statement)."""
        ...


class RentalTermsReader(Protocol):
    @property
    def rental_terms(self) -> RentalDurationRepository: ...


class DueDateService:
    def __init__(self, uow: RentalTermsReader, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self._uow = uow
        self._clock = clock

    async def due(self, rentals: Sequence[RentalPeriod]) -> list[RentalDue]:
        durations = await self._uow.rental_terms.rental_durations(
            sorted({r.inventory_id for r in rentals})
        )
        now = self._clock()
        result: list[RentalDue] = []
        for rental in rentals:
            days = durations[rental.inventory_id]  # a foreign key: always there
            result.append(
                RentalDue(
                    due_date=billing.due_date(rental.rented_at, days),
                    is_overdue=billing.is_overdue(rental.rented_at, rental.returned_at, days, now),
                )
            )
        return result
