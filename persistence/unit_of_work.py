"""The unit of work: one session, one transaction; commit is explicit, anything else rolls back."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from persistence.db import Database
from persistence.repositories.balance import (
    SqlAccountRepository,
    SqlRentalTermsRepository,
    SqlStockRepository,
)
from persistence.repositories.base import StatementRunner
from persistence.repositories.catalogue import (
    SqlActorRepository,
    SqlCategoryRepository,
    SqlInventoryRepository,
    SqlLanguageRepository,
)
from persistence.repositories.catalogue_admin import SqlCatalogueWrites
from persistence.repositories.catalogue_links import SqlCatalogueLinkRepository
from persistence.repositories.conversations import SqlConversationRepository
from persistence.repositories.customer_admin import SqlCustomerWrites
from persistence.repositories.customers import (
    SqlAddressRepository,
    SqlCityRepository,
    SqlCountryRepository,
    SqlCustomerRepository,
    SqlSubscriptionRepository,
)
from persistence.repositories.films import SqlFilmRepository
from persistence.repositories.identities import SqlIdentityStore
from persistence.repositories.rental_counter import (
    SqlDirectory,
    SqlIdempotencyStore,
    SqlPaymentRepository,
    SqlRentalRepository,
)
from persistence.repositories.rentals import SqlPaymentListRepository, SqlRentalListRepository
from persistence.repositories.reports import SqlReportRepository
from persistence.repositories.stores import SqlStaffRepository, SqlStoreRepository


class SqlAlchemyUnitOfWork:
    films: SqlFilmRepository
    # read API (issue 4)
    actors: SqlActorRepository
    categories: SqlCategoryRepository
    languages: SqlLanguageRepository
    inventory: SqlInventoryRepository
    customers: SqlCustomerRepository
    subscriptions: SqlSubscriptionRepository
    addresses: SqlAddressRepository
    cities: SqlCityRepository
    countries: SqlCountryRepository
    stores: SqlStoreRepository
    staff: SqlStaffRepository
    rentals: SqlRentalListRepository
    payments: SqlPaymentListRepository
    lookups: SqlDirectory
    rental_writes: SqlRentalRepository
    payment_writes: SqlPaymentRepository
    idempotency: SqlIdempotencyStore
    catalogue_writes: SqlCatalogueWrites
    # computed fields and reports (issue 4b)
    stock: SqlStockRepository
    accounts: SqlAccountRepository
    rental_terms: SqlRentalTermsRepository
    reports: SqlReportRepository
    customer_writes: SqlCustomerWrites
    # agent conversations (issue 6)
    conversations: SqlConversationRepository
    # accounts and refresh tokens (issue 7)
    identities: SqlIdentityStore
    # linking agents' questions to the catalogue (issue 13)
    catalogue_links: SqlCatalogueLinkRepository

    def __init__(self, database: Database, *, read_only: bool = False) -> None:
        """`read_only`: statements run in autocommit, sparing the BEGIN/ROLLBACK round trips
        that a GraphQL read would otherwise pay; `commit()` is then refused."""
        self._database = database
        self._read_only = read_only
        self._runner: StatementRunner | None = None

    async def __aenter__(self) -> Self:
        session = self._database.read_session() if self._read_only else self._database.session()
        self._runner = StatementRunner(session)
        self.films = SqlFilmRepository(self._runner)
        self.actors = SqlActorRepository(self._runner)
        self.categories = SqlCategoryRepository(self._runner)
        self.languages = SqlLanguageRepository(self._runner)
        self.inventory = SqlInventoryRepository(self._runner)
        self.customers = SqlCustomerRepository(self._runner)
        self.subscriptions = SqlSubscriptionRepository(self._runner)
        self.addresses = SqlAddressRepository(self._runner)
        self.cities = SqlCityRepository(self._runner)
        self.countries = SqlCountryRepository(self._runner)
        self.stores = SqlStoreRepository(self._runner)
        self.staff = SqlStaffRepository(self._runner)
        self.rentals = SqlRentalListRepository(self._runner)
        self.payments = SqlPaymentListRepository(self._runner)
        self.lookups = SqlDirectory(self._runner)
        self.rental_writes = SqlRentalRepository(self._runner)
        self.payment_writes = SqlPaymentRepository(self._runner)
        self.idempotency = SqlIdempotencyStore(self._runner)
        self.catalogue_writes = SqlCatalogueWrites(self._runner)
        self.stock = SqlStockRepository(self._runner)
        self.accounts = SqlAccountRepository(self._runner)
        self.rental_terms = SqlRentalTermsRepository(self._runner)
        self.reports = SqlReportRepository(self._runner)
        self.customer_writes = SqlCustomerWrites(self._runner)
        self.conversations = SqlConversationRepository(self._runner)
        self.identities = SqlIdentityStore(self._runner)
        self.catalogue_links = SqlCatalogueLinkRepository(self._runner)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._runner is not None
        session = self._runner.session
        try:
            await session.rollback()
        finally:
            await session.close()
            self._runner = None

    async def commit(self) -> None:
        assert self._runner is not None
        if self._read_only:
            raise RuntimeError("A read-only unit of work cannot commit.")
        await self._runner.session.commit()
