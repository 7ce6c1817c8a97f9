"""`Customer`: the signed-in caller's own rentals, balance and subscription, as tools.

Given to the SearchAgent only when the caller is signed in; every call still goes through the
domain services with the caller's Principal, so the API's permission rules apply unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

from semantic_kernel.functions import kernel_function

from agents.plugins.film_search import error_json
from domain.auth import Principal, require_authenticated
from domain.customers.balance import BalanceQuery, BalanceService
from domain.customers.reads import CustomerService, SubscriptionsOf
from domain.errors import DomainError, PermissionDenied
from domain.pagination import PageRequest, SortDirection, SortKey
from domain.reading import sort_key
from domain.rentals.reads import (
    RENTAL_SORT_TYPES,
    RentalFilter,
    RentalOrderField,
    RentalService,
    RentalStatus,
)
from domain.units import UnitOfWorkFactory

PLUGIN_NAME = "Customer"
SUBSCRIPTIONS_NEWEST_FIRST = SortKey("ID", SortDirection.DESC, ())


class CustomerPlugin:
    def __init__(self, units: UnitOfWorkFactory, principal: Principal) -> None:
        self._units = units
        self._principal = principal

    def _customer_id(self) -> int:
        require_authenticated(self._principal)
        if self._principal.customer_id is None:
            raise PermissionDenied("Only a customer has rentals, a balance and a subscription.")
        return self._principal.customer_id

    @kernel_function(
        name="my_rentals",
        description="The caller's own most recent rentals (film ids, dates, returned or not).",
    )
    async def my_rentals(
        self, outstanding_only: Annotated[bool, "Only rentals not yet returned"] = False
    ) -> str:
        try:
            customer_id = self._customer_id()
            async with self._units.read_only() as uow:
                rental_filter = RentalFilter(
                    customer_id=customer_id,
                    status=RentalStatus.OUTSTANDING if outstanding_only else None,
                )
                sort = sort_key(RentalOrderField.RENTAL_DATE, SortDirection.DESC, RENTAL_SORT_TYPES)
                page = await RentalService(uow, self._principal).rentals(
                    rental_filter, PageRequest(sort, 10), dt.datetime.now(dt.UTC)
                )
        except DomainError as exc:
            return error_json(exc)
        return json.dumps(
            {
                "rentals": [
                    {
                        "rental_id": r.id,
                        "film_id": r.film_id,
                        "rented": r.rental_date.date().isoformat(),
                        "returned": r.return_date.date().isoformat() if r.return_date else None,
                    }
                    for r in page.items
                ]
            }
        )

    @kernel_function(name="my_balance", description="What the caller owes now, in dollars.")
    async def my_balance(self) -> str:
        try:
            customer_id = self._customer_id()
            async with self._units.read_only() as uow:
                (result,) = await BalanceService(uow, self._principal).balances(
                    [BalanceQuery(customer_id)]
                )
        except DomainError as exc:
            return error_json(exc)
        if isinstance(result, DomainError):
            return error_json(result)
        return json.dumps({"balance": None if result is None else str(result)})

    @kernel_function(name="my_subscription", description="The caller's streaming subscriptions.")
    async def my_subscription(self) -> str:
        try:
            customer_id = self._customer_id()
            async with self._units.read_only() as uow:
                service = CustomerService(uow, self._principal)
                (customer,) = await service.get_many([customer_id])  # the permission check
                if isinstance(customer, DomainError):
                    raise customer
                found = await uow.subscriptions.page_for(
                    SubscriptionsOf.CUSTOMER,
                    [customer_id],
                    PageRequest(SUBSCRIPTIONS_NEWEST_FIRST, 5),
                )
        except DomainError as exc:
            return error_json(exc)
        items = found.get(customer_id)
        return json.dumps(
            {
                "subscriptions": [
                    {
                        "plan": s.plan_name,
                        "start": s.start_date.isoformat(),
                        "end": s.end_date.isoformat() if s.end_date else None,
                    }
                    for s in (items.items if items else [])
                ]
            }
        )
