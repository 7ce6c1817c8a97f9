"""The units of work the layers above receive: ports, implemented by persistence/ and built once
by the composition root (docs/decisions/0006-composition-root.md).

* `ReadUnit`: one read-only unit — its statements run in autocommit, and it offers no commit.
  The GraphQL read path keeps one per operation; the agents' tools open one per call.
* `WriteUnit`: one transaction (decision 0035): everything a read unit offers, the write
  repositories, and `commit`; leaving it without a commit rolls back.
* `UnitOfWorkFactory`: what graph/ (through its context) and agents/ (through the runner and
  the plugins) are given instead of a database.

A service still asks for the narrow protocol of its own module (`FilmReader`,
`RentingUnitOfWork`, …); these ports are the union the factory must provide.
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from domain.catalogue.admin import CatalogueUnitOfWork
from domain.catalogue.availability import StockRepository
from domain.catalogue.films import FilmRepository
from domain.catalogue.links import CatalogueLinkRepository
from domain.catalogue.posters import PosterRepository
from domain.catalogue.reads import (
    ActorRepository,
    CategoryRepository,
    InventoryRepository,
    LanguageRepository,
)
from domain.conversations import ConversationRepository
from domain.customers.admin import CustomerUnitOfWork
from domain.customers.balance import AccountRepository
from domain.customers.reads import (
    AddressRepository,
    CityRepository,
    CountryRepository,
    CustomerRepository,
    SubscriptionRepository,
)
from domain.identity import IdentityLookup, IdentityStore, IdentityUnitOfWork
from domain.rentals.counter import RentingUnitOfWork
from domain.rentals.due_dates import RentalDurationRepository
from domain.rentals.reads import PaymentRepository, RentalRepository
from domain.reports import ReportRepository
from domain.stores import StaffRepository, StoreRepository


class CatalogueReads(Protocol):
    """The catalogue's read repositories: films and what hangs off them."""

    @property
    def films(self) -> FilmRepository: ...

    @property
    def actors(self) -> ActorRepository: ...

    @property
    def categories(self) -> CategoryRepository: ...

    @property
    def languages(self) -> LanguageRepository: ...

    @property
    def inventory(self) -> InventoryRepository: ...

    @property
    def stock(self) -> StockRepository: ...

    @property
    def catalogue_links(self) -> CatalogueLinkRepository:
        """Titles, people and categories a question names (the agents' linking, decision 0065)."""
        ...


class CustomerReads(Protocol):
    """Customers, their subscriptions, addresses and balances."""

    @property
    def customers(self) -> CustomerRepository: ...

    @property
    def subscriptions(self) -> SubscriptionRepository: ...

    @property
    def addresses(self) -> AddressRepository: ...

    @property
    def cities(self) -> CityRepository: ...

    @property
    def countries(self) -> CountryRepository: ...

    @property
    def accounts(self) -> AccountRepository: ...


class RentalReads(Protocol):
    """Rentals, payments and the terms their due dates follow."""

    @property
    def rentals(self) -> RentalRepository: ...

    @property
    def payments(self) -> PaymentRepository: ...

    @property
    def rental_terms(self) -> RentalDurationRepository: ...


class StoreReads(Protocol):
    @property
    def stores(self) -> StoreRepository: ...

    @property
    def staff(self) -> StaffRepository: ...


class ReadUnit(CatalogueReads, CustomerReads, RentalReads, StoreReads, Protocol):
    """A read-only unit of work: entered once, left once; no commit."""

    @property
    def reports(self) -> ReportRepository: ...

    @property
    def posters(self) -> PosterRepository: ...

    @property
    def conversations(self) -> ConversationRepository: ...

    @property
    def identities(self) -> IdentityLookup: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class WriteUnit(
    ReadUnit,
    RentingUnitOfWork,
    CatalogueUnitOfWork,
    CustomerUnitOfWork,
    IdentityUnitOfWork,
    Protocol,
):
    """A read-write unit of work: one transaction, made durable by `commit`."""

    @property
    def identities(self) -> IdentityStore: ...


class UnitOfWorkFactory(Protocol):
    def read_only(self) -> ReadUnit:
        """A fresh read-only unit, not yet entered."""
        ...

    def read_write(self) -> WriteUnit:
        """A fresh transaction, not yet entered."""
        ...

    def for_reports(self) -> ReadUnit:
        """A fresh read-only unit for reads that tolerate a read replica's lag (the reports):
        on the replica when one is configured (DATABASE_READ_URL), else as `read_only`."""
        ...
