"""Per-request state for resolvers: settings, the injected ports, and the operation's scope.

The scope (one unit of work and the DataLoaders over it) belongs to one GraphQL operation, not to
one connection: a WebSocket carries many operations, each gets its own. `OperationScopeExtension`
opens it lazily and closes it when the operation ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar, cast

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader
from strawberry.extensions import SchemaExtension
from typing_extensions import override

from agents.service import AgentRunner
from config.settings import Settings
from domain.auth import ANONYMOUS, Principal
from domain.catalogue.films import FilmService, PageLimits
from domain.events import NO_EVENTS, EventHub, EventPublisher
from domain.identity import IdentityKit
from domain.units import ReadUnit, UnitOfWorkFactory
from graph.observability import OperationObserver
from graph.rate_limits import CallerLimiter

K = TypeVar("K")
V = TypeVar("V")


class OperationScope:
    """The unit of work and DataLoaders of one operation, opened on first use."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self._units = context.units
        self._settings = context.settings
        self._uow: ReadUnit | None = None
        self._replica_uow: ReadUnit | None = None
        self._loaders: dict[str, SharedLoader[Any, Any]] = {}
        #: customers a write of this operation served (`Context.viewer`, decision 0150);
        #: those of writes that ran before the executor took the operation over (0169)
        self.served_customers: set[int] = (
            set() if context.settled is None else set(context.settled.served)
        )

    async def uow(self) -> ReadUnit:
        if self._uow is None:
            uow = self._units.read_only()
            await uow.__aenter__()
            self._uow = uow
        return self._uow

    async def replica_uow(self) -> ReadUnit:
        """For reads that tolerate a replica's lag (the reports): the read replica when
        DATABASE_READ_URL is set, else the same database as `uow`."""
        if self._replica_uow is None:
            uow = self._units.for_reports()
            await uow.__aenter__()
            self._replica_uow = uow
        return self._replica_uow

    @property
    def page_limits(self) -> PageLimits:
        return PageLimits(
            default=self._settings.default_page_size, maximum=self._settings.max_page_size
        )

    async def films(self) -> FilmService:
        return FilmService(await self.uow(), self.page_limits)

    def loader(
        self, name: str, batch: Callable[[Context, Sequence[K]], Awaitable[Sequence[V]]]
    ) -> SharedLoader[K, V]:
        """The operation's DataLoader called `name`, created on first use around `batch`.

        One loader per name per operation: every parent asking for the same relation in this
        operation shares one batch, hence one SQL statement.
        """
        loader = self._loaders.get(name)
        if loader is None:
            context = self.context

            async def load(keys: Sequence[K]) -> Sequence[V]:
                return await batch(context, keys)

            loader = SharedLoader(load_fn=load)
            self._loaders[name] = loader
        return loader

    async def close(self) -> None:
        # batches still running for fields the executor dropped (`SharedLoader`) finish on
        # this unit of work before it closes (their errors were, or are, nobody's answer)
        pending = [future for loader in self._loaders.values() for future in loader.pending]
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        if self._uow is not None:
            uow, self._uow = self._uow, None
            await uow.__aexit__(None, None, None)
        if self._replica_uow is not None:
            replica, self._replica_uow = self._replica_uow, None
            await replica.__aexit__(None, None, None)


class SharedLoader(DataLoader[K, V]):
    """A DataLoader whose answers are shared safely. A key's future is cached and handed to
    every field asking for it in the operation; awaited directly, a field that is cancelled —
    graphql-core drops the pending siblings of a field whose error nulls their parent — would
    cancel that shared future too, and an unrelated field elsewhere in the document would get
    its `CancelledError` (the request failed as if the client had gone). Each field waits
    through its own shield instead: a cancelled field stops waiting, the batch goes on."""

    def __init__(self, load_fn: Callable[[Sequence[K]], Awaitable[Sequence[V]]]) -> None:
        super().__init__(load_fn=load_fn)
        #: answers not in yet: the operation's end waits for them (`OperationScope.close`)
        self.pending: set[asyncio.Future[V]] = set()

    @override
    def load(self, key: K) -> Awaitable[V]:
        shared = cast("asyncio.Future[V]", super().load(key))
        if not shared.done():
            self.pending.add(shared)
            shared.add_done_callback(self._settled)
        return asyncio.shield(shared)

    def _settled(self, shared: asyncio.Future[V]) -> None:
        self.pending.discard(shared)
        if not shared.cancelled():
            # an error only dropped fields were waiting for is nobody's answer: retrieved
            # here, so asyncio does not log it as lost (the fields still waiting get it)
            shared.exception()


_scope: ContextVar[OperationScope | None] = ContextVar("graphql_operation_scope", default=None)


@asynccontextmanager
async def operation_scope(context: Context) -> AsyncIterator[OperationScope]:
    """A fresh scope for one operation, closed (with its connection) when it ends."""
    scope = OperationScope(context)
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        try:
            _scope.reset(token)
        except ValueError:
            # A subscription's operation can end in another task's context (Strawberry's
            # legacy graphql-ws handler): there, forget the scope rather than restore.
            _scope.set(None)
        await scope.close()


@dataclass
class Settled:
    """Root mutation fields that already ran (graph/compiled_writes.py, decision 0169): their
    results (a payload, or the error they raised) by response key, which the executor returns
    instead of running them again, and the customers their writes served."""

    results: dict[str, Any]
    served: frozenset[int] = frozenset()


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | WebSocket | None
    settings: Settings
    #: read-only and read-write units of work (persistence's, built by the composition root)
    units: UnitOfWorkFactory
    principal: Principal = ANONYMOUS
    rate_limiter: CallerLimiter | None = None  # None: rate limits are off
    extra: dict[str, Any] = field(default_factory=dict)
    #: password hashing and token signing (issue 7); None only in unit tests
    identity: IdentityKit | None = None
    #: the agents' runner (one per app); None when the app serves no agents
    agents: AgentRunner | None = None
    #: a WebSocket's `connection_init` payload (Strawberry fills it in)
    connection_params: dict[str, object] | None = None
    #: where write services publish domain events and subscriptions read them (decision 0100);
    #: None only in unit tests
    events: EventHub | None = None
    #: root mutation fields that already ran, for the executor to answer (decision 0169)
    settled: Settled | None = None
    #: the write lane runs the root mutation resolvers and reads their payloads' objects
    #: itself: a resolver's read-back of the row it wrote is deferred (`graph.writing.read_back`,
    #: decision 0176)
    read_back_later: bool = False

    @property
    def publisher(self) -> EventPublisher:
        return NO_EVENTS if self.events is None else self.events

    #: told about each operation (metrics, traces); None: nobody watches
    observer: OperationObserver | None = None

    @property
    def viewer(self) -> Principal:
        """The caller as the customer-data checks see them in this operation: with the
        customers a write of it served (decision 0150), so that its payload reads back what
        it wrote. Other operations (and other requests on a WebSocket) never see them."""
        served = self.scope.served_customers
        if not served:
            return self.principal
        return replace(self.principal, served_customers=frozenset(served))

    @property
    def scope(self) -> OperationScope:
        scope = _scope.get()
        if scope is None:  # resolvers run outside an operation only in unit tests
            scope = OperationScope(self)
            _scope.set(scope)
        return scope


class OperationScopeExtension(SchemaExtension):
    """Gives every operation a fresh scope and closes it (and its connection) at the end."""

    @override
    async def on_operation(self) -> AsyncIterator[None]:
        context: Context = self.execution_context.context
        async with operation_scope(context):
            yield
