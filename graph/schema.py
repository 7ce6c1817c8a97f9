"""The schema: root types, extensions and limits."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import AddValidationRules, SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.types.execution import PreExecutionError
from typing_extensions import override

from config.logging import get_logger
from config.settings import Settings
from domain.outcomes import OutcomeUnknown
from graph.agents.schema import AgentsMutation, AgentsQuery, AgentsSubscription
from graph.catalogue.mutations import CatalogMutation
from graph.catalogue.posters import PostersMutation
from graph.catalogue.schema import CatalogQuery
from graph.compiled_writes import replay_settled
from graph.context import OperationScopeExtension
from graph.customers.mutations import CustomersMutation
from graph.customers.schema import CustomersQuery
from graph.documents import DocumentGate, DocumentGateExtension, DocumentLimits
from graph.errors import (
    GRAPHQL_PARSE_FAILED,
    USER_ERROR_TYPES,
    ErrorFormatter,
    StandardErrorCodes,
    add_code,
    is_unexpected,
    never,
)
from graph.identity.mutations import IdentityMutation
from graph.identity.schema import IdentityQuery
from graph.inputs import InputStrings
from graph.limits import limit_extensions
from graph.live.schema import LiveSubscription
from graph.nodes import NodeQuery
from graph.observability import ObserveOperations
from graph.permissions import protect
from graph.rate_limits import WebSocketRateLimitExtension
from graph.rentals.mutations import RentalsMutation
from graph.rentals.schema import RentalsQuery
from graph.reports.schema import ReportsQuery
from graph.stores.schema import StoresQuery

log = get_logger(__name__)


#: Each business area contributes its root fields; the schema merges them.
QUERIES: tuple[type, ...] = (
    NodeQuery,
    CatalogQuery,
    CustomersQuery,
    StoresQuery,
    RentalsQuery,
    ReportsQuery,
    AgentsQuery,
    IdentityQuery,
)
MUTATIONS: tuple[type, ...] = (
    RentalsMutation,
    CatalogMutation,
    PostersMutation,
    CustomersMutation,
    AgentsMutation,
    IdentityMutation,
)
SUBSCRIPTIONS: tuple[type, ...] = (AgentsSubscription, LiveSubscription)

Query = merge_types("Query", QUERIES)
Mutation = merge_types("Mutation", MUTATIONS) if MUTATIONS else None
Subscription = merge_types("Subscription", SUBSCRIPTIONS) if SUBSCRIPTIONS else None


def _declare_permissions() -> None:
    """Guards every protected field from the permission matrix (graph/permissions.py).

    Called by `build_schema`, not on import: importing a module changes nothing. The guards sit
    on the field definitions every schema shares; `protect` adds each one once, however many
    schemas are built."""
    found_in = strawberry.Schema(
        query=Query, mutation=Mutation, subscription=Subscription, types=USER_ERROR_TYPES
    )
    missing = protect(found_in)
    if missing:
        raise RuntimeError(f"The permission matrix names fields the schema lacks: {missing}")


class PagilaSchema(strawberry.Schema):
    #: the document gate its operations (and the compiled read path) share
    gate: DocumentGate | None = None
    #: tells a dependency's failure (logged in one line: expected, and frequent during an
    #: outage) from a bug (logged with its traceback)
    unavailable: Callable[[BaseException], bool] = staticmethod(never)

    @override
    async def _prepare_operation_async(
        self, context: ExecutionContext, extensions_runner: SchemaExtensionsRunner
    ) -> PreExecutionError | None:
        """A document refused while the parsing hooks are entered (the document gate parses
        there) is a request error like any other. Strawberry lets that exception escape, which
        over graphql-transport-ws ended the subscription with a bare `complete`."""
        try:
            return await super()._prepare_operation_async(context, extensions_runner)
        except GraphQLError as error:
            if context.graphql_document is None:
                add_code([error], GRAPHQL_PARSE_FAILED)
            context.pre_execution_errors = [error]
            return PreExecutionError(data=None, errors=[error])

    @override
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            if not is_unexpected(error):
                continue
            original = error.original_error
            if isinstance(original, OutcomeUnknown):
                cause = original.__cause__
                if cause is not None and not self.unavailable(cause):
                    log.error("graphql.outcome_unknown", path=error.path, exc_info=cause)
                else:
                    log.warning(
                        "graphql.outcome_unknown",
                        path=error.path,
                        committed=original.committed,
                        error=f"{type(cause).__name__}: {cause}"[:300],
                    )
            elif original is not None and self.unavailable(original):
                log.warning(
                    "graphql.service_unavailable",
                    path=error.path,
                    error=f"{type(original).__name__}: {original}"[:300],
                )
            else:
                log.error(
                    "graphql.unexpected_error",
                    path=error.path,
                    exc_info=error.original_error,
                )


def document_limits(settings: Settings) -> DocumentLimits:
    return DocumentLimits(
        max_bytes=settings.max_document_bytes,
        max_tokens=settings.max_document_tokens,
        max_selections=settings.max_document_selections,
        max_depth=settings.max_query_depth,
        max_aliases=settings.max_aliases,
        # suggestions name fields: where the schema is not public, neither are they
        hide_suggestions=not settings.introspection_enabled,
    )


#: What Strawberry accepts in `extensions=`: an extension class, or a function making one.
SchemaExtensionFactory = Callable[[], SchemaExtension] | type[SchemaExtension]


def build_schema(
    settings: Settings,
    unavailable: Callable[[BaseException], bool] = never,
    extra_extensions: Sequence[SchemaExtensionFactory] = (),
) -> PagilaSchema:
    """`unavailable` tells failures of a dependency (retry later) from bugs; the composition
    root passes persistence's classifier. `extra_extensions` (the composition root's, e.g.
    tracing) run just inside `ObserveOperations`, around everything else."""
    _declare_permissions()
    gate = DocumentGate(document_limits(settings))
    extensions: list[SchemaExtensionFactory] = [
        # first: its end runs last, after the errors got their codes
        ObserveOperations,
        *extra_extensions,
        StandardErrorCodes,  # next: every error has its code before ObserveOperations counts it
        OperationScopeExtension,
        # parse and validate within budgets, large documents off the event loop, verdicts cached
        lambda: DocumentGateExtension(gate),
        *limit_extensions(settings),
        # NUL, lone surrogates and over-long strings refused before anything runs
        lambda: InputStrings(settings.max_input_string_length),
        lambda: ErrorFormatter(unavailable),
    ]
    if settings.rate_limits_enabled:
        extensions.append(WebSocketRateLimitExtension)
    if not settings.introspection_enabled:
        extensions.append(lambda: AddValidationRules([NoSchemaIntrospectionCustomRule]))
    schema = PagilaSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=USER_ERROR_TYPES,
        extensions=extensions,
    )
    schema.gate = gate
    schema.unavailable = unavailable
    # an operation whose writes ran in the compiled lane is answered by the executor without
    # running them again (graph/compiled_writes.py)
    replay_settled(schema._schema)
    return schema


#: The schema as code sees it, for SDL export (limits do not change the SDL).
def sdl() -> str:
    return build_schema(Settings()).as_str()
