"""A customer's account: what they owe (`Customer.balance`), by the rule in
domain/rentals/billing.py.

Balances are customer data (`domain.auth.require_customer_access`): a customer sees their own,
staff and managers their store's customers, admins everyone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from domain.auth import Principal, can_see_customer, require_authenticated
from domain.errors import DomainError, InvalidInput, PermissionDenied
from domain.rentals import billing


@dataclass(frozen=True, slots=True)
class CustomerAccount:
    """Everything the balance rule needs about one customer."""

    customer_id: int
    store_id: int
    rentals: tuple[billing.ChargeableRental, ...]
    payments: tuple[billing.PaymentMade, ...]


@dataclass(frozen=True, slots=True)
class BalanceQuery:
    customer_id: int
    as_of: dt.datetime | None = None  # None: now


class AccountRepository(Protocol):
    async def accounts(self, customer_ids: Sequence[int]) -> Mapping[int, CustomerAccount]:
        """The accounts of these customers (absent: no such customer), in one statement."""
        ...


class AccountReader(Protocol):
    @property
    def accounts(self) -> AccountRepository: ...


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class BalanceService:
    def __init__(
        self,
        uow: AccountReader,
        principal: Principal,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._uow = uow
        self.principal = principal
        self._clock = clock

    async def balances(self, queries: Sequence[BalanceQuery]) -> list[Decimal | DomainError | None]:
        """Each balance; None for an unknown customer, a refusal where the caller may not see
        it. Raises when the caller is not signed in or an `as_of` lacks a time zone."""
        require_authenticated(self.principal)
        for query in queries:
            if query.as_of is not None and query.as_of.tzinfo is None:
                raise InvalidInput("`asOf` must carry a time zone.", field="asOf")
        accounts = await self._uow.accounts.accounts(sorted({q.customer_id for q in queries}))
        now = self._clock()
        result: list[Decimal | DomainError | None] = []
        for query in queries:
            account = accounts.get(query.customer_id)
            if account is None:
                result.append(None)
            elif not can_see_customer(self.principal, account.customer_id, account.store_id):
                result.append(
                    PermissionDenied("You may only see your own (or your store's) customer data.")
                )
            else:
                as_of = query.as_of or now
                result.append(billing.balance(account.rentals, account.payments, as_of))
        return result
