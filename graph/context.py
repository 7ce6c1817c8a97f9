"""Per-request state for resolvers: settings, the database, and the operation's scope.

The scope (one unit of work and the DataLoaders over it) belongs to one GraphQL operation, not to
one connection: a WebSocket carries many operations, each gets its own. `OperationScopeExtension`
opens it lazily and closes it when the operation ends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.extensions import SchemaExtension

from domain.films import FilmService, PageLimits
from graph.loaders import Loaders
from pagila_graph.config import Settings
from persistence.db import Database
from persistence.unit_of_work import SqlAlchemyUnitOfWork


class OperationScope:
    """The unit of work and DataLoaders of one operation, opened on first use."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self._database = database
        self._settings = settings
        self._uow: SqlAlchemyUnitOfWork | None = None
        self._loaders: Loaders | None = None

    async def uow(self) -> SqlAlchemyUnitOfWork:
        if self._uow is None:
            uow = SqlAlchemyUnitOfWork(self._database)
            await uow.__aenter__()
            self._uow = uow
        return self._uow

    @property
    def page_limits(self) -> PageLimits:
        return PageLimits(
            default=self._settings.default_page_size, maximum=self._settings.max_page_size
        )

    async def films(self) -> FilmService:
        return FilmService(await self.uow(), self.page_limits)

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            self._loaders = Loaders(self)
        return self._loaders

    async def close(self) -> None:
        if self._uow is not None:
            uow, self._uow = self._uow, None
            await uow.__aexit__(None, None, None)


_scope: ContextVar[OperationScope | None] = ContextVar("graphql_operation_scope", default=None)


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | WebSocket | None
    settings: Settings
    database: Database
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def scope(self) -> OperationScope:
        scope = _scope.get()
        if scope is None:  # resolvers run outside an operation only in unit tests
            scope = OperationScope(self.database, self.settings)
            _scope.set(scope)
        return scope


class OperationScopeExtension(SchemaExtension):
    """Gives every operation a fresh scope and closes it (and its connection) at the end."""

    async def on_operation(self) -> AsyncIterator[None]:
        context: Context = self.execution_context.context
        scope = OperationScope(context.database, context.settings)
        token = _scope.set(scope)
        try:
            yield
        finally:
            _scope.reset(token)
            await scope.close()
