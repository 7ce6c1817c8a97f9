"""The unit of work: one connection, one transaction; commit is explicit, the rest rolls back."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar, cast

from domain.outcomes import (
    OutcomeUnknown,
    note_commit_confirmed,
    note_commit_refused,
    note_commit_sent,
)
from domain.units import ReadUnit, WriteUnit
from persistence.db import Database, refused_by_server
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
from persistence.repositories.posters import SqlPosterRepository
from persistence.repositories.rental_counter import (
    SqlDirectory,
    SqlIdempotencyStore,
    SqlPaymentRepository,
    SqlRentalRepository,
)
from persistence.repositories.rentals import SqlPaymentListRepository, SqlRentalListRepository
from persistence.repositories.reports import SqlReportRepository
from persistence.repositories.stores import SqlStaffRepository, SqlStoreRepository

R = TypeVar("R")


class SqlAlchemyUnitOfWork:
    """One connection (checked out on the first statement), one transaction. Repositories are
    made on first use and forgotten when the unit is left: a GraphQL operation or a tool call
    pays only for the ones it touches."""

    def __init__(
        self, database: Database, *, read_only: bool = False, replica: bool = False
    ) -> None:
        """`read_only`: statements run in autocommit, sparing the BEGIN/ROLLBACK round trips
        that a GraphQL read would otherwise pay; `commit()` is then refused."""
        self._database = database
        self._read_only = read_only or replica
        #: reads on the read replica (DATABASE_READ_URL), when there is one
        self._replica = replica
        self._runner: StatementRunner | None = None
        self._made: dict[Callable[[StatementRunner], Any], object] = {}

    def _repository(self, kind: Callable[[StatementRunner], R]) -> R:
        made = self._made.get(kind)
        if made is None:
            if self._runner is None:
                raise RuntimeError("Enter the unit of work before using its repositories.")
            made = kind(self._runner)
            self._made[kind] = made
        return cast(R, made)

    @property
    def posters(self) -> SqlPosterRepository:
        return self._repository(SqlPosterRepository)

    @property
    def films(self) -> SqlFilmRepository:
        return self._repository(SqlFilmRepository)

    @property
    def actors(self) -> SqlActorRepository:
        return self._repository(SqlActorRepository)

    @property
    def categories(self) -> SqlCategoryRepository:
        return self._repository(SqlCategoryRepository)

    @property
    def languages(self) -> SqlLanguageRepository:
        return self._repository(SqlLanguageRepository)

    @property
    def inventory(self) -> SqlInventoryRepository:
        return self._repository(SqlInventoryRepository)

    @property
    def customers(self) -> SqlCustomerRepository:
        return self._repository(SqlCustomerRepository)

    @property
    def subscriptions(self) -> SqlSubscriptionRepository:
        return self._repository(SqlSubscriptionRepository)

    @property
    def addresses(self) -> SqlAddressRepository:
        return self._repository(SqlAddressRepository)

    @property
    def cities(self) -> SqlCityRepository:
        return self._repository(SqlCityRepository)

    @property
    def countries(self) -> SqlCountryRepository:
        return self._repository(SqlCountryRepository)

    @property
    def stores(self) -> SqlStoreRepository:
        return self._repository(SqlStoreRepository)

    @property
    def staff(self) -> SqlStaffRepository:
        return self._repository(SqlStaffRepository)

    @property
    def rentals(self) -> SqlRentalListRepository:
        return self._repository(SqlRentalListRepository)

    @property
    def payments(self) -> SqlPaymentListRepository:
        return self._repository(SqlPaymentListRepository)

    @property
    def lookups(self) -> SqlDirectory:
        return self._repository(SqlDirectory)

    @property
    def rental_writes(self) -> SqlRentalRepository:
        return self._repository(SqlRentalRepository)

    @property
    def payment_writes(self) -> SqlPaymentRepository:
        return self._repository(SqlPaymentRepository)

    @property
    def idempotency(self) -> SqlIdempotencyStore:
        return self._repository(SqlIdempotencyStore)

    @property
    def catalogue_writes(self) -> SqlCatalogueWrites:
        return self._repository(SqlCatalogueWrites)

    @property
    def stock(self) -> SqlStockRepository:
        return self._repository(SqlStockRepository)

    @property
    def accounts(self) -> SqlAccountRepository:
        return self._repository(SqlAccountRepository)

    @property
    def rental_terms(self) -> SqlRentalTermsRepository:
        return self._repository(SqlRentalTermsRepository)

    @property
    def reports(self) -> SqlReportRepository:
        return self._repository(SqlReportRepository)

    @property
    def customer_writes(self) -> SqlCustomerWrites:
        return self._repository(SqlCustomerWrites)

    @property
    def conversations(self) -> SqlConversationRepository:
        return self._repository(SqlConversationRepository)

    @property
    def identities(self) -> SqlIdentityStore:
        return self._repository(SqlIdentityStore)

    @property
    def catalogue_links(self) -> SqlCatalogueLinkRepository:
        return self._repository(SqlCatalogueLinkRepository)

    async def __aenter__(self) -> Self:
        self._runner = StatementRunner(
            self._database.unit_connection(read_only=self._read_only, replica=self._replica)
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._runner is not None
        try:
            await self._runner.connection.close()  # rolls back what was not committed
        finally:
            self._runner = None
            self._made.clear()

    async def fetch_json(self, sql: str, params: Sequence[Any]) -> str:
        """A compiled read's `data` JSON text (persistence/read_sql.py) on this unit's
        connection: a mutation's payloads read where its read-backs ran, without taking a
        second connection (decision 0172)."""
        assert self._runner is not None
        rows = await self._runner.text(sql, params)
        return str(rows[0][0])

    async def commit(self) -> None:
        """Sends COMMIT (every statement ran already: the repositories run Core statements, no
        ORM flush). A failure before COMMIT leaves nothing written; one while it is under way
        may have saved everything (issue 14 item 12): unless the server refused it with an
        error of its own, that is `OutcomeUnknown`, and the operation's write log
        (domain/outcomes.py) says so to whoever answers the client."""
        assert self._runner is not None
        if self._read_only:
            raise RuntimeError("A read-only unit of work cannot commit.")
        note_commit_sent()
        try:
            await self._runner.connection.commit()
        except Exception as exc:
            if refused_by_server(exc):
                note_commit_refused()
                raise
            raise OutcomeUnknown(committed=None) from exc
        note_commit_confirmed()


class SqlUnitOfWorkFactory:
    """The `UnitOfWorkFactory` over one database, built once by the composition root."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def read_only(self) -> ReadUnit:
        return SqlAlchemyUnitOfWork(self.database, read_only=True)

    def read_write(self) -> WriteUnit:
        return SqlAlchemyUnitOfWork(self.database)

    def for_reports(self) -> ReadUnit:
        return SqlAlchemyUnitOfWork(self.database, replica=True)
