"""The ASGI application: GraphQL at /graphql, liveness at /healthz, readiness at /readyz, and the
customers' page (static files built from web/, docs/web.md) at /."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, nullcontext
from functools import partial
from pathlib import Path
from typing import Any

from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, GraphQLRequestProtocol
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType
from typing_extensions import override

from agents.observability import RunObservers
from agents.service import AgentRunner
from config.logging import configure_logging, get_logger, request_id_var
from config.settings import Settings, get_settings
from domain.auth import ANONYMOUS, Principal
from domain.errors import RateLimited, Unauthenticated
from domain.events import EventHub
from domain.identity import IdentityKit
from domain.read_plan import PreparedRead
from domain.units import UnitOfWorkFactory
from graph.compiled import Compiler, Statement
from graph.compiled_writes import HandedOver, WriteLane
from graph.context import Context, Settled, operation_scope
from graph.errors import SERVICE_UNAVAILABLE
from graph.observability import OperationReport
from graph.rate_limits import LimitKind
from graph.schema import build_schema
from pagila_graph.auth import Authenticator, JwtAuthenticator
from pagila_graph.bodylimit import BodySizeLimitMiddleware
from pagila_graph.cors import Cors
from pagila_graph.events import LocalEventHub, event_hub
from pagila_graph.fast_path import SETTLED, WRITTEN, FastEntry, FastKey, FastLane, FastPathMemo
from pagila_graph.files import FileEndpoints
from pagila_graph.heap import tuned_collector
from pagila_graph.hosts import TrustedHosts
from pagila_graph.http_caching import ConditionalGetMiddleware
from pagila_graph.http_protocol import (
    APPLICATION_JSON,
    GRAPHQL_RESPONSE_JSON,
    RequestRefused,
    SpecView,
    media_type_of,
)
from pagila_graph.persisted_queries import PersistedQueryRefused, persisted_queries_from_settings
from pagila_graph.rate_limiter import (
    AuthenticateOnce,
    RateLimiter,
    RateLimitMiddleware,
)
from pagila_graph.request_ids import new_request_id
from pagila_graph.response_cache import (
    InvalidatingHub,
    ResponseCache,
    cache_key,
    response_cache,
)
from pagila_graph.security import JwtCodec, identity_kit
from pagila_graph.telemetry import (
    Metrics,
    Observers,
    OperationNamesForLog,
    collect_operation_names,
    stop_collecting_operation_names,
)
from pagila_graph.tracing import Tracing, tracing_from_env
from persistence.db import Database, create_engine, is_unavailable
from persistence.migrate import current_revision, head_revision
from persistence.read_sql import ENTITIES, ReadCompiler, denials, needs_fallback
from persistence.unit_of_work import SqlAlchemyUnitOfWork, SqlUnitOfWorkFactory

log = get_logger(__name__)

# The page's build output (web/ → `npm run build`), committed so that the server needs no Node.
WEB_APP_DIR = Path(__file__).parent / "static" / "app"


class WebAppFiles(StaticFiles):
    """The page's files; revalidated on every load (ETag) since their names do not change."""

    @override
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["cache-control"] = "no-cache"
        response.headers["x-content-type-options"] = "nosniff"
        return response


def web_app_routes(directory: Path = WEB_APP_DIR) -> list[BaseRoute]:
    """`/` serves the page when its build is present (it is in the package)."""
    if not (directory / "index.html").is_file():
        log.warning("web_app.missing", directory=str(directory))
        return []
    return [Mount("/", WebAppFiles(directory=directory, html=True), name="web")]


#: room for a multipart request's parts besides the file (operations, map, boundaries)
MULTIPART_OVERHEAD_BYTES = 64 * 1024


#: Probes and scrapes: not logged per request.
QUIET_PATHS = ("/healthz", "/readyz", "/metrics")


class RequestIdMiddleware:
    """Binds a request id (the caller's `X-Request-ID`, or a new one) to every log line, and
    writes the request's `http.request` line (when this module logs at INFO)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.logger = logging.getLogger(__name__)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = ""
        for name, value in scope.get("headers") or ():
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
        request_id = incoming if 0 < len(incoming) <= 128 else new_request_id()
        token = request_id_var.set(request_id)
        # the line is built only when it will be written (isEnabledFor is cached by logging)
        logged = (
            scope["type"] == "http"
            and scope.get("path") not in QUIET_PATHS
            and self.logger.isEnabledFor(logging.INFO)
        )
        operations, operations_token = collect_operation_names() if logged else ([], None)
        started = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", ()),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if logged:
                log.info(
                    "http.request",
                    method=scope.get("method"),
                    path=scope.get("path"),
                    operation=",".join(operations) or None,
                    status=status,
                    ms=round((time.perf_counter() - started) * 1000, 2),
                )
            if operations_token is not None:
                stop_collecting_operation_names(operations_token)
            request_id_var.reset(token)


def wholly_unavailable(result: ExecutionResult) -> bool:
    """No field was answered and every error says a dependency is unavailable."""
    errors = result.errors or []
    data = result.data
    if not errors or (data is not None and any(v is not None for v in data.values())):
        return False
    return all((e.extensions or {}).get("code") == SERVICE_UNAVAILABLE for e in errors)


class CredentialRejected(RequestRefused):
    """A bad access token on HTTP: 401 with a GraphQL error body (RFC 6750 `invalid_token`)."""

    def __init__(self, error: Unauthenticated) -> None:
        super().__init__(
            401, error.code, error.message, {"WWW-Authenticate": 'Bearer error="invalid_token"'}
        )
        self.error = error


def _hands_back(data: str) -> bool:
    """Whether a compiled read's answer holds a mark only the executor may answer."""
    return needs_fallback(data) or bool(denials(data)[1])


def _raw_body(result: CompiledResult) -> bytes:
    """A compiled result's response body: its data JSON as PostgreSQL wrote it."""
    errors = b"" if result.errors_json is None else b',"errors":' + result.errors_json.encode()
    return b'{"data":' + result.data_json.encode() + errors + b"}"


class CompiledResult(ExecutionResult):
    """A response whose `data` PostgreSQL built (graph/compiled.py): its JSON text, unparsed."""

    def __init__(
        self,
        data_json: str,
        operation_name: str | None = None,
        errors_json: str | None = None,
        statement: Statement | None = None,
    ) -> None:
        super().__init__(data=None, errors=None)
        self.data_json = data_json
        self.operation_name = operation_name
        #: fields refused to the caller: the `errors` list as the executor writes it
        self.errors_json = errors_json
        #: the statement that built it (None: from the response cache)
        self.statement = statement


def _cacheable_json(result: object) -> str | None:
    """The `data` JSON of an answer without errors (what the response cache keeps)."""
    if isinstance(result, CompiledResult):
        return result.data_json if result.errors_json is None else None
    if isinstance(result, ExecutionResult) and not result.errors and result.data is not None:
        return json.dumps(result.data, separators=(",", ":"))
    return None


class RawResponse(dict[str, object]):
    """`{"data": …}` already encoded; `encode_json` writes it out as is."""

    def __init__(self, body: bytes) -> None:
        super().__init__()
        self.body = body


#: Where GraphiQL's page and its vendored files live (built by tools/graphiql, decision 0114).
GRAPHIQL_DIR = Path(__file__).parent / "static" / "graphiql"
GRAPHIQL_HTML = (GRAPHIQL_DIR / "index.html").read_text(encoding="utf-8")
#: The page at /graphql loads its files from here (relative URLs: `graphiql-assets/...`).
GRAPHIQL_ASSETS_PATH = "/graphiql-assets"


class GraphQLApp(SpecView):
    def __init__(
        self,
        settings: Settings,
        database: Database,
        units: UnitOfWorkFactory,
        authenticator: Authenticator,
        *,
        rate_limiter: RateLimiter | None = None,
        identity: IdentityKit | None = None,
        events: EventHub | None = None,
        metrics: Metrics | None = None,
        agents: AgentRunner | None = None,
        cache: ResponseCache | None = None,
        tracing: Tracing | None = None,
        **kwargs: Any,
    ) -> None:
        schema = build_schema(
            settings,
            unavailable=is_unavailable,
            extra_extensions=tracing.schema_extensions() if tracing else (),
        )
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphiql_enabled else None,
            # agentStream over WebSocket (both protocols) or plain HTTP (multipart/mixed)
            subscription_protocols=(
                GRAPHQL_TRANSPORT_WS_PROTOCOL,
                GRAPHQL_WS_PROTOCOL,
                "multipart-subscription",
            ),
            # uploadFilmPoster (GraphQL multipart request spec). A cross-site form may POST
            # multipart, but cannot add the Bearer token the staff-only mutation needs (no
            # cookie sign-in exists), so it arrives anonymous and is refused.
            multipart_uploads_enabled=True,
            **kwargs,
        )
        self.settings = settings
        self.database = database
        self.units = units
        self.agents = agents
        self.authenticator = authenticator
        self.rate_limiter = rate_limiter
        self.identity = identity
        self.events = events
        self.metrics = metrics
        self.cache = cache
        self.observer = Observers(
            OperationNamesForLog(), *(o for o in (metrics, tracing) if o is not None)
        )
        reads = ReadCompiler(database.engine.dialect)
        self.compiler = (
            Compiler(schema, settings, reads.prepare, ENTITIES.keys(), template_plan=reads.keyed)
            if settings.compiled_reads
            else None
        )
        #: mutations run without the executor where their payloads allow (decision 0169)
        self.writes = (
            WriteLane(self.compiler, self.compiler.compile_plan, settings.max_input_string_length)
            if self.compiler is not None and settings.compiled_writes
            else None
        )
        self.persisted_queries = persisted_queries_from_settings(settings)
        self.max_batch_operations = settings.batch_max_operations
        #: repeated compiled POSTs answered without the view (decision 0133)
        self.fast_path = (
            FastPathMemo() if self.compiler is not None and settings.compiled_fast_path else None
        )

    @property
    @override
    def graphql_ide_html(self) -> str:
        """GraphiQL from files inside the package (pagila_graph/static/graphiql), not a CDN."""
        return GRAPHIQL_HTML

    @override
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and self.metrics is not None:
            with self.metrics.websocket():
                await super().__call__(scope, receive, send)
        else:  # HTTP: SpecView answers refusals (CredentialRejected too) as JSON
            await super().__call__(scope, receive, send)

    @override
    async def execute_operation(
        self,
        request: Request,
        request_adapter: Any,  # cross_web.AsyncHTTPRequestAdapter (not ours to import)
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: Context,
        root_value: None,
        sub_response: Response,
    ) -> Any:
        """A cacheable catalogue read (decision 0116) may be answered from the cache; a
        compilable query (COMPILED_READS) is answered by one statement; any other operation,
        or any doubt, goes to the normal executor unchanged. A batch runs its operations one
        after the other, each as if it came alone."""
        key = self._cache_key(request_data, context)
        if key is None:
            return await self._execute(
                request, request_adapter, request_data, context, root_value, sub_response
            )
        assert self.cache is not None and isinstance(request_data, GraphQLRequestData)
        found, versioned = await self.cache.get(key)
        if found is not None:
            return CompiledResult(found, request_data.operation_name)
        result = await self._execute(
            request, request_adapter, request_data, context, root_value, sub_response
        )
        data_json = _cacheable_json(result)
        if versioned is not None and data_json is not None:
            await self.cache.put(versioned, data_json)
        return result

    def _cache_key(
        self, request_data: GraphQLRequestData | list[GraphQLRequestData], context: Context
    ) -> str | None:
        if (
            self.cache is None
            or not isinstance(request_data, GraphQLRequestData)
            or request_data.query is None
            or request_data.protocol != "http"
        ):
            return None
        return self._role_cache_key(
            request_data.query,
            request_data.operation_name,
            request_data.variables,
            context.principal,
        )

    def _role_cache_key(
        self,
        query: str,
        operation_name: str | None,
        variables: dict[str, Any] | None,
        principal: Principal,
    ) -> str | None:
        """The response cache's key of an HTTP query for this caller's role (decision 0116)."""
        if self.cache is None:
            return None
        role = principal.role
        return cache_key(
            query, operation_name, variables, "anonymous" if role is None else role.value
        )

    async def _execute(  # noqa: PLR0917 (Strawberry's arguments, passed on)
        self,
        request: Request,
        request_adapter: Any,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: Context,
        root_value: None,
        sub_response: Response,
    ) -> Any:
        if isinstance(request_data, list):
            request.state.graphql_batch = True
            return [
                await self._batched(request, request_adapter, data, index, root_value, sub_response)
                for index, data in enumerate(request_data)
            ]
        if (
            self.writes is not None
            and context.settled is None
            and isinstance(request_data, GraphQLRequestData)
            and request_data.query is not None
            and request_data.protocol == "http"
            and request.method == "POST"
            and self.writes.compiler.is_mutation(request_data.query, request_data.operation_name)
        ):
            written = await self._written(request, request_data, context)
            if written is not None:
                return written
        elif (
            self.compiler is not None
            and isinstance(request_data, GraphQLRequestData)
            and request_data.query is not None
            and request_data.protocol == "http"
        ):
            with self.observer.operation(OperationReport(path="compiled")) as report:
                compiled = await self._compiled(request_data, context)
                report.discarded = compiled is None
                report.name = compiled.operation_name if compiled is not None else None
                report.type = "query"
            if compiled is not None:
                self._remember(request, request_data, context, compiled.statement)
                return compiled
        result = await super().execute_operation(
            request, request_adapter, request_data, context, root_value, sub_response
        )
        if isinstance(result, ExecutionResult) and wholly_unavailable(result):
            # nothing was answered and the cause is a dependency: 503 (under the spec's media
            # type; legacy application/json keeps 200), so that clients and proxies retry; the
            # body says SERVICE_UNAVAILABLE, retryable, per error either way
            sub_response.headers["Retry-After"] = "1"
            if sub_response.media_type == GRAPHQL_RESPONSE_JSON:
                sub_response.status_code = 503
        return result

    async def _batched(  # noqa: PLR0917
        self,
        request: Request,
        request_adapter: Any,
        request_data: GraphQLRequestData,
        index: int,
        root_value: None,
        sub_response: Response,
    ) -> ExecutionResult:
        """One operation of a batch: its own context (its own unit of work and loaders), its
        own cost check, and one more hit on the rate limit (the request itself was counted by
        the middleware as the first)."""
        context = await self.get_context(request, sub_response)
        if index > 0 and self.rate_limiter is not None:
            identity = self.rate_limiter.identity(context.principal, request)
            verdict = await self.rate_limiter.hit(LimitKind.REQUESTS, identity)
            if not verdict.allowed:
                refusal = RateLimited(verdict.retry_after_seconds)
                error = GraphQLError(
                    refusal.message,
                    extensions={
                        "code": refusal.code,
                        "retryAfterSeconds": verdict.retry_after_seconds,
                    },
                )
                return ExecutionResult(data=None, errors=[error])
        try:
            result: ExecutionResult = await self.execute_operation(
                request, request_adapter, request_data, context, root_value, sub_response
            )
        except RequestRefused as refused:  # this operation's, not the whole batch's
            error = GraphQLError(refused.message, extensions={"code": refused.code})
            return ExecutionResult(data=None, errors=[error])
        return result

    async def request_data(
        self, data: object, protocol: GraphQLRequestProtocol
    ) -> GraphQLRequestData:
        """Persisted queries: the query of a hash, or the hash checked and stored."""
        request_data = await super().request_data(data, protocol)
        try:
            request_data.query = await self.persisted_queries.resolve(
                request_data.query, request_data.extensions
            )
        except PersistedQueryRefused as refused:
            raise RequestRefused(
                400, refused.code, refused.message, request_error=refused.request_error
            ) from refused
        return request_data

    async def _compiled(
        self, request_data: GraphQLRequestData, context: Context
    ) -> CompiledResult | None:
        assert self.compiler is not None and request_data.query is not None
        try:
            statement = self.compiler.compile(
                request_data.query,
                request_data.operation_name,
                request_data.variables,
                context.principal,
            )
        except Exception:  # a compiler bug must not cost the client its answer
            log.exception("compiled.failed")
            return None
        if statement is None:
            return None
        answer = await self._fetch(statement, quiet=False)
        if answer is None:
            return None
        data, errors_json = answer
        return CompiledResult(data, statement.operation_name, errors_json, statement)

    async def _written(
        self, request: Request, request_data: GraphQLRequestData, context: Context
    ) -> CompiledResult | None:
        """A mutation answered by the write lane (graph/compiled_writes.py), or None: the
        executor answers — with `context.settled` when writes already ran, so that it does not
        run them again. A plain POST's answer is marked for `FastLane` (decision 0172)."""
        assert request_data.query is not None
        outcome = await self._write(
            request_data.query, request_data.operation_name, request_data.variables, context
        )
        if isinstance(outcome, Settled):
            context.settled = outcome
            return None
        if outcome is not None and self._plain_post(request, request_data, context):
            request.scope.setdefault("state", {})[WRITTEN] = (
                request_data.query,
                request_data.operation_name,
            )
        return outcome

    async def _write(
        self,
        query: str,
        operation_name: str | None,
        variables: dict[str, Any] | None,
        context: Context,
    ) -> CompiledResult | Settled | None:
        """The write lane's answer, the writes it ran for the executor to answer (`Settled`),
        or None: nothing ran, the executor serves the request."""
        assert self.writes is not None
        try:
            prepared = self.writes.prepare(query, operation_name, variables, context.principal)
        except Exception:  # a planner bug must not cost the client its answer
            log.exception("compiled_writes.failed")
            return None
        if prepared is None:
            return None
        name = prepared.plan.operation_name
        with self.observer.operation(OperationReport(path="compiled", name=name)) as report:
            report.type = "mutation"
            async with operation_scope(context):
                outcome = await self.writes.run(
                    prepared, context, partial(self._read_back, context), _hands_back
                )
            report.discarded = isinstance(outcome, HandedOver)
        if isinstance(outcome, HandedOver):
            return outcome.settled
        return CompiledResult(outcome.data_json, name)

    async def written_body(
        self,
        scope: Scope,
        receive: Receive,
        key: FastKey,
        *,
        query: str,
        operation_name: str | None,
        variables: dict[str, Any] | None,
    ) -> bytes | Settled | None:
        """FastLane's answer to a mutation whose document the write lane answered for this
        caller before (decision 0172): the body, the writes that ran for the executor to
        answer, or None (nothing ran: the view serves the request)."""
        if self.writes is None or not self.writes.compiler.is_mutation(query, operation_name):
            return None
        context = self._context(Request(scope, receive), None, key[1])
        outcome = await self._write(query, operation_name, variables, context)
        if outcome is None or isinstance(outcome, Settled):
            return outcome
        return _raw_body(outcome)

    async def _read_back(self, context: Context, prepared: PreparedRead) -> str:
        """A mutation payload's compiled read, on the primary (it reads what was written): on
        the operation's read connection, which the deferred read-backs use too when the
        operation is handed over (decision 0176) — a request holding one connection while
        asking the pool for another could wait for ever once every request does (32 clients,
        20 connections)."""
        uow = await context.scope.uow()
        if isinstance(uow, SqlAlchemyUnitOfWork):
            return await uow.fetch_json(prepared.text, prepared.params)
        return await self.database.fetch_json(prepared.text, prepared.params)

    async def _fetch(self, statement: Statement, *, quiet: bool) -> tuple[str, str | None] | None:
        """A compiled statement's data JSON and the response's `errors` JSON, or None: the
        normal executor must answer (the database failed — it reports that —, a cursor could
        not be written exactly, refusals whose order only the executor knows). `quiet`: the
        caller falls back to a path that runs the statement again and logs its failure."""
        if statement.replica is None and self.database.replica is not None:
            return None  # reports (from the replica) beside other reads: the executor's split
        try:
            data = await self.database.fetch_json(
                statement.sql, statement.params, replica=bool(statement.replica)
            )
        except Exception as exc:
            if quiet:
                pass
            elif is_unavailable(exc):  # the normal path reports it (SERVICE_UNAVAILABLE)
                log.warning("compiled.database_unavailable", error=type(exc).__name__)
            else:
                log.exception("compiled.failed")
            return None
        if needs_fallback(data):
            return None
        data, denied = denials(data)
        answered, errors_json = statement.errors_with(denied)
        return (data, errors_json) if answered else None

    def _remember(
        self,
        request: Request,
        request_data: GraphQLRequestData,
        context: Context,
        statement: Statement | None,
    ) -> None:
        """Remember the statement of a plain single-operation POST (decision 0133): not a
        batch's operation, not a persisted query (its extension stores or resolves a hash)."""
        key: FastKey | None = getattr(request.state, "fast_path_key", None)
        if (
            statement is None
            or key is None
            or self.fast_path is None
            or not self._plain_post(request, request_data, context)
        ):
            return
        self.fast_path.put(
            key,
            FastEntry(
                statement,
                self._cache_key(request_data, context),
                document=(request_data.query, request_data.operation_name)
                if request_data.query is not None
                else None,
            ),
        )

    def _plain_post(
        self, request: Request, request_data: GraphQLRequestData, context: Context
    ) -> bool:
        """A single-operation POST `FastLane` may answer next time: its key known, not a
        batch's operation, not a persisted query (its extension stores or resolves a hash)."""
        key: FastKey | None = getattr(request.state, "fast_path_key", None)
        return not (
            self.fast_path is None
            or key is None
            or request_data.extensions
            or getattr(request.state, "graphql_batch", False)
            or key[1] != context.principal
        )

    async def fast_response(self, request: Request) -> Response | None:  # SpecView's hook
        """A POST remembered by `_remember`: its statement run and answered as the view
        would (pagila_graph/fast_path.py). Anything else, or any doubt: None, the view."""
        found_entry = await self._fast_entry(request)
        if found_entry is None:
            return None
        result = await self._remembered_result(*found_entry)
        return None if result is None else await self._fast_answer(request, result)

    def authenticate(self, request: Request) -> Awaitable[Principal]:  # FastLane's
        return self.authenticator.authenticate(request)

    async def remembered_body(self, key: FastKey, entry: FastEntry) -> bytes | None:
        """FastLane's answer: the body `_fast_answer` would write (`process_result`'s raw
        JSON, which `encode_json` passes through), or None: the view answers."""
        result = await self._remembered_result(key, entry)
        return None if result is None else _raw_body(result)

    async def document_body(
        self, key: FastKey, query: str, operation_name: str | None, variables: dict[str, Any] | None
    ) -> bytes | None:
        """FastLane's answer to a new body of a document answered compiled before (decision
        0166): compiled as `_compiled` compiles it (the document's verdict cached; variables
        coerced, costs checked, planned and compiled per request), read as `remembered_body`
        reads (the response cache first), and remembered by its body. None: the view answers
        (not compilable with these variables, a statement handing it to the executor)."""
        assert self.compiler is not None and self.fast_path is not None
        principal = key[1]
        try:
            statement = self.compiler.compile(query, operation_name, variables, principal)
        except Exception:  # a compiler bug must not cost the client its answer
            log.exception("compiled.failed")
            return None
        if statement is None:
            return None
        versioned_key = self._role_cache_key(query, operation_name, variables, principal)
        entry = FastEntry(statement, versioned_key, document=(query, operation_name))
        result = await self._remembered_result(key, entry)
        if result is None:
            return None
        if not self.compiler.keyed_only(query, operation_name, variables):
            # a body whose variables are all lookup keys is not kept (decision 0173): asked
            # once, it would push out the bodies other clients repeat
            self.fast_path.put(key, entry)
        return _raw_body(result)

    async def _remembered_result(self, key: FastKey, entry: FastEntry) -> CompiledResult | None:
        statement = entry.statement
        versioned = None
        if self.cache is not None and entry.cache_key is not None:
            found, versioned = await self.cache.get(entry.cache_key)
            if found is not None:
                return CompiledResult(found)
        with self.observer.operation(OperationReport(path="compiled")) as report:
            answer = await self._fetch(statement, quiet=True)
            report.discarded = answer is None
            report.name = statement.operation_name
            report.type = "query"
        if answer is None:  # the view runs it again, and reports what it finds
            if self.fast_path is not None:
                self.fast_path.discard(key)
            return None
        data, errors_json = answer
        result = CompiledResult(data, statement.operation_name, errors_json)
        if self.cache is not None and versioned is not None and errors_json is None:
            await self.cache.put(versioned, data)
        return result

    async def _fast_entry(self, request: Request) -> tuple[FastKey, FastEntry] | None:
        """The request's key (kept in its state for `_remember`) and its entry, if any."""
        if self.fast_path is None or request.method != "POST":
            return None
        headers = request.headers
        content_type = headers.get("content-type")
        if content_type is None or media_type_of(content_type) != APPLICATION_JSON:
            return None
        body = await request.body()
        try:
            principal = await self.authenticator.authenticate(request)
        except Unauthenticated:
            return None  # the view refuses it
        key = self.fast_path.key(body, principal, headers.get("accept"))
        if key is None:
            return None
        request.state.fast_path_key = key
        entry = self.fast_path.get(key)
        return None if entry is None else (key, entry)

    async def _fast_answer(self, request: Request, result: CompiledResult) -> Response:
        """The view's response to a compiled result: the same body, status and headers."""
        sub_response = await self.get_sub_response(request)
        return self.create_response(await self.process_result(request, result), sub_response)

    @override
    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        if isinstance(result, CompiledResult):
            return RawResponse(_raw_body(result))  # type: ignore[return-value]
        return await super().process_result(request, result)

    @override
    def encode_json(self, data: object) -> str | bytes:
        if isinstance(data, RawResponse):
            return data.body
        if isinstance(data, list) and any(isinstance(item, RawResponse) for item in data):
            # a batch with compiled answers among its own: each encoded as it comes alone
            parts = [self._encoded(item) for item in data]
            return b"[" + b",".join(parts) + b"]"
        return super().encode_json(data)

    def _encoded(self, data: object) -> bytes:
        encoded = self.encode_json(data)
        return encoded.encode() if isinstance(encoded, str) else encoded

    @override
    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        try:
            principal = await self.authenticator.authenticate(request)
        except Unauthenticated as exc:
            if isinstance(request, WebSocket):
                principal = ANONYMOUS  # its credential comes with connection_init
            else:
                raise CredentialRejected(exc) from exc
        context = self._context(request, response, principal)
        if isinstance(request, Request):  # writes FastLane ran (decision 0172)
            context.settled = request.scope.get("state", {}).get(SETTLED)
        return context

    def _context(
        self,
        request: Request | WebSocket,
        response: Response | WebSocket | None,
        principal: Principal,
    ) -> Context:
        return Context(
            request=request,
            response=response,
            settings=self.settings,
            units=self.units,
            principal=principal,
            rate_limiter=self.rate_limiter,
            identity=self.identity,
            events=self.events,
            observer=self.observer,
            agents=self.agents,
        )

    @override
    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """`connection_init`: its payload names the caller of every operation on the socket."""
        try:
            context.principal = await self.authenticator.authenticate(
                context.request, context.connection_params
            )
        except Unauthenticated as exc:
            raise ConnectionRejectionError({"code": exc.code, "message": exc.message}) from exc
        unset: UnsetType = UNSET
        return unset


def _metrics(
    settings: Settings, db: Database, limiter: RateLimiter | None, agents: AgentRunner
) -> Metrics | None:
    """The app's metrics, told about SQL statements, agent runs and rate-limit refusals."""
    if not settings.metrics_enabled:
        return None
    metrics = Metrics(settings.metrics_max_operation_names)
    metrics.watch_database(db.engine)
    agents.observer = metrics
    if limiter is not None:
        limiter.on_refused = metrics.refused
    return metrics


def _database_of(settings: Settings) -> Database:
    if not settings.database_url:
        raise RuntimeError("DATABASE_URL is not set; `pagila-graph serve` starts one for you.")

    def engine(url: str) -> AsyncEngine:
        return create_engine(
            url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            statement_timeout_ms=settings.db_statement_timeout_ms,
            pool_timeout_s=settings.db_pool_timeout_s,
            connect_timeout_s=settings.db_connect_timeout_s,
            command_timeout_s=settings.db_command_timeout_s,
        )

    replica = engine(settings.database_read_url) if settings.database_read_url else None
    return Database(engine(settings.database_url), replica=replica)


def _response_cache(settings: Settings) -> ResponseCache | None:
    if not settings.response_cache_enabled:
        return None
    return response_cache(
        settings.redis_url,
        settings.rate_limit_key_prefix,
        settings.response_cache_ttl_s,
        settings.response_cache_max_entries,
    )


async def _close_live(events: LocalEventHub, cache: ResponseCache | None) -> None:
    await events.aclose()
    if cache is not None:
        await cache.aclose()


def _readyz(db: Database, timeout_s: float) -> Callable[[Request], Awaitable[Response]]:
    """`/readyz`: the database answers (within `timeout_s`) and its schema is at the head
    revision."""

    async def readyz(_: Request) -> Response:
        checks: dict[str, str] = {}
        try:  # bounded: a frozen database must not hang the probe
            revision = await asyncio.wait_for(current_revision(db.engine), timeout_s)
            checks["database"] = "ok"
            head = head_revision()
            checks["migrations"] = "ok" if revision == head else f"at {revision}, head is {head}"
        except Exception as exc:  # any failure to reach the database means not ready
            log.warning("readyz.database_unreachable", error=str(exc))
            checks["database"] = "unreachable"
        ready = all(v == "ok" for v in checks.values()) and len(checks) == 2
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": checks},
            status_code=200 if ready else 503,
        )

    return readyz


def _add_cors(app: Starlette, settings: Settings) -> None:
    origins, origin_regex = settings.cors_origins
    app.add_middleware(
        Cors,
        allow_origins=origins,
        allow_origin_regex=origin_regex,
        allow_credentials=settings.cors_allow_credentials,
        allow_methods=settings.cors_allow_methods,
        allow_headers=["authorization", "content-type", "x-request-id"],
        expose_headers=["retry-after", "x-request-id"],
        max_age=600,
    )


def create_app(
    settings: Settings | None = None,
    database: Database | None = None,
    authenticator: Authenticator | None = None,
    agents: AgentRunner | None = None,
    tracing: Tracing | None = None,
) -> Starlette:
    """Build the app: the composition root. Without `database`, the engine is made from
    `settings.database_url` at start-up (run `pagila-graph serve` to get the embedded server when
    no URL is set). The unit-of-work factory and the agents' runner (unless `agents` brings one,
    e.g. over another chat service) are built here once and reach the layers through the
    GraphQL context. `tracing`: by default as the OTEL_* variables ask (pagila_graph/tracing.py)."""
    settings = settings or get_settings()
    tracing = tracing or tracing_from_env()
    owns_database = database is None
    db = database if database is not None else _database_of(settings)
    # asked by the rate-limit middleware and by the GraphQL context: authenticate once
    codec = JwtCodec.from_settings(settings)  # refuses to start in production without a key
    authenticator = AuthenticateOnce(authenticator or JwtAuthenticator(codec))
    rate_limiter = RateLimiter.from_settings(settings)
    events = event_hub(settings.redis_url, settings.events_channel)
    cache = _response_cache(settings)
    units = SqlUnitOfWorkFactory(db)
    agents = agents or AgentRunner(settings, units)
    metrics = _metrics(settings, db, rate_limiter, agents)
    if tracing is not None:
        agents.observer = RunObservers(agents.observer, tracing)
    graphql = GraphQLApp(
        settings,
        db,
        units,
        authenticator,
        rate_limiter=rate_limiter,
        identity=identity_kit(settings, codec),
        # writes move the cache's generation before the subscribers hear of them
        events=events if cache is None else InvalidatingHub(events, cache),
        metrics=metrics,
        agents=agents,
        cache=cache,
        tracing=tracing,
    )

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        log.info("app.started", graphiql=settings.graphiql_enabled)
        if settings.agent_warm_up:
            # before the app serves anything (readiness included): the first customer's
            # question does not pay for imports and the model's first prompt
            await agents.warm_up()
        # last: the heap that start-up built is complete (decision 0130)
        with tuned_collector() if settings.gc_tuning_enabled else nullcontext():
            try:
                yield
            finally:
                await _close_live(events, cache)
                if owns_database:
                    await db.dispose()

    routes: list[BaseRoute] = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        *FileEndpoints(db, authenticator).routes(),
        Route("/healthz", healthz),
        Route("/readyz", _readyz(db, settings.db_connect_timeout_s)),
    ]
    if settings.graphiql_enabled:
        routes.append(Mount(GRAPHIQL_ASSETS_PATH, StaticFiles(directory=GRAPHIQL_DIR)))
    if metrics is not None:
        routes.append(Route("/metrics", metrics.endpoint))
    routes.extend(web_app_routes())  # last: it answers every path the others do not
    app = Starlette(routes=routes, lifespan=lifespan)
    _add_middlewares(app, settings, graphql, rate_limiter, authenticator)
    if tracing is not None:
        tracing.instrument(app, db.engine)
    app.state.database = db
    app.state.settings = settings
    app.state.rate_limiter = rate_limiter
    app.state.events = events
    app.state.metrics = metrics
    return app


def _add_middlewares(
    app: Starlette,
    settings: Settings,
    graphql: GraphQLApp,
    rate_limiter: RateLimiter | None,
    authenticator: Authenticator,
) -> None:
    """Outermost last: request id → trusted hosts → CORS → rate limit → fast lane → body
    limit → conditional GET → routes. CORS wraps the rate limit so that a browser can read a
    429 and its Retry-After."""
    app.add_middleware(ConditionalGetMiddleware, path="/graphql")
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_request_body_bytes,
        # a poster upload (multipart) may carry the poster limit plus the form's own parts
        multipart_max_bytes=settings.max_poster_bytes + MULTIPART_OVERHEAD_BYTES,
    )
    if graphql.fast_path is not None:  # below the rate limit, CORS, hosts, request id (0160)
        app.add_middleware(FastLane, view=graphql, max_body_bytes=settings.max_request_body_bytes)
    if rate_limiter is not None:
        app.add_middleware(
            RateLimitMiddleware, limiter=rate_limiter, authenticator=authenticator, path="/graphql"
        )
    _add_cors(app, settings)
    app.add_middleware(TrustedHosts, allowed_hosts=settings.allowed_hosts)
    app.add_middleware(RequestIdMiddleware)


def create_app_from_env() -> Starlette:
    """uvicorn factory for multi-worker runs: `serve` exports DATABASE_URL before forking."""
    settings = get_settings()
    configure_logging(settings.log_level, json=settings.json_logs)
    return create_app(settings)
