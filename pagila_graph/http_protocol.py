"""The GraphQL-over-HTTP spec at our door (docs/api.md "HTTP protocol", decision 0111).

* **Media types.** A client that accepts `application/graphql-response+json` gets it; anyone
  else (no `Accept`, `*/*`, `application/json`) gets `application/json`.
* **Request errors** — the document does not parse or validate, a variable cannot be coerced, a
  limit refuses the operation — mean nothing was executed: the answer has no `data` entry, and
  under `application/graphql-response+json` its status is 4xx (400, 429 for a rate limit), so
  caches and clients can tell it from a partial result. Under `application/json` it stays 200,
  as the spec asks for legacy clients.
* **Refusals before GraphQL** (a body that is not JSON, not an object, invalid UTF-8, nested too
  deep, a wrong content type or method) are GraphQL-shaped JSON with a code and the request id,
  never a `text/plain` 500.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property, lru_cache

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, GraphQLRequestProtocol
from strawberry.http.base import BaseRequestProtocol
from strawberry.http.parse_content_type import parse_content_type
from strawberry.http.streaming import HTTPStreamTransport
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from typing_extensions import override

from config.logging import get_logger, request_id_var
from graph.context import Context

log = get_logger(__name__)

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"

#: Request errors whose status is not 400 under application/graphql-response+json.
STATUS_BY_CODE: Mapping[str, int] = {
    "RATE_LIMITED": 429,
    "UNAUTHENTICATED": 401,
    "INVALID_TOKEN": 401,
    "PERSISTED_QUERY_NOT_FOUND": 400,
    "SERVICE_UNAVAILABLE": 503,
    "INTERNAL_SERVER_ERROR": 500,
}


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    ranges: list[tuple[str, float]] = []
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if not media:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append((media.lower(), quality))
    return ranges


def negotiate(accept: str | None) -> str:
    """The response media type for an `Accept` header: graphql-response+json when the client
    accepts it at least as much as application/json, else application/json."""
    if not accept:
        return APPLICATION_JSON
    ranges = dict(_media_ranges(accept))
    graphql_response = ranges.get(GRAPHQL_RESPONSE_JSON, 0.0)
    json_ = max(ranges.get(APPLICATION_JSON, 0.0), ranges.get("*/*", 0.0) * 0.999)
    return (
        GRAPHQL_RESPONSE_JSON
        if graphql_response > 0 and graphql_response >= json_
        else (APPLICATION_JSON)
    )


def content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8" if media_type == GRAPHQL_RESPONSE_JSON else media_type


def is_request_error(data: object, errors: Sequence[GraphQLError] | None) -> bool:
    """Errors raised before execution started: no data, and no error at a response path."""
    return data is None and bool(errors) and all(error.path is None for error in errors or ())


def request_error_status(errors: Sequence[GraphQLError]) -> int:
    for error in errors:
        code = (error.extensions or {}).get("code")
        if isinstance(code, str) and code in STATUS_BY_CODE:
            return STATUS_BY_CODE[code]
    return 400


#: distinct header values remembered by the parsers below (clients send a handful)
HEADER_CACHE_SIZE = 256


@lru_cache(maxsize=HEADER_CACHE_SIZE)
def media_type_of(content_type: str) -> str:
    """The media type of a Content-Type value. Strawberry parses it with the email module (slow),
    so recent values are remembered (bounded: odd values only evict each other)."""
    return parse_content_type(content_type)[0]


class RequestRefused(Exception):
    """A request refused before GraphQL runs it: answered as a GraphQL error with `code`."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: Mapping[str, str] | None = None,
        *,
        request_error: bool = False,
        extensions: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        #: more `extensions` entries besides `code` and `requestId` (e.g. `retryAfterSeconds`)
        self.extensions = dict(extensions or {})
        #: a GraphQL request error (e.g. PERSISTED_QUERY_NOT_FOUND) rather than a malformed
        #: request: application/json clients get it with status 200, as other request errors
        self.request_error = request_error


#: Strawberry's own refusals (HTTPException) carry a status only: their code by status.
CODE_BY_STATUS: Mapping[int, str] = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


def refusal_response(refused: RequestRefused, accept: str | None) -> Response:
    """The JSON answer to a refused request, with its code and the request id: one shape for
    every refusal, from a malformed body to the rate limit's 429 and the body limit's 413."""
    extensions = {**refused.extensions, "code": refused.code, "requestId": request_id_var.get()}
    body = {"errors": [{"message": refused.message, "extensions": extensions}]}
    media_type = negotiate(accept)
    # a malformed request gets its 4xx whatever the client accepts
    legacy = refused.request_error and media_type == APPLICATION_JSON
    return Response(
        orjson.dumps(body),
        status_code=200 if legacy else refused.status,
        headers={**refused.headers, "content-type": content_type(media_type), "vary": "Accept"},
    )


def accept_of(scope: Scope) -> str | None:
    """The `Accept` header of an ASGI scope (for middlewares that refuse before any view)."""
    for name, value in scope.get("headers") or ():
        if name == b"accept":
            return bytes(value).decode("latin-1")
    return None


async def send_refusal(refused: RequestRefused, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer a request refused by a middleware (rate limit, body limit) like any other."""
    await refusal_response(refused, accept_of(scope))(scope, receive, send)


class SpecView(GraphQL[Context, None]):
    """Strawberry's ASGI view, answering as the GraphQL-over-HTTP spec says (module docstring).
    The app's view (pagila_graph/app.py) builds on it."""

    #: Operations in one batch (a JSON array); 0: batching is off, an array is refused.
    max_batch_operations: int = 0

    @override
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        receive_failed = False

        async def receiving() -> Message:
            nonlocal receive_failed
            try:
                return await receive()
            except BaseException:
                receive_failed = True
                raise

        request = Request(scope, receiving)
        try:
            response = await self.fast_response(request)
            if response is None:
                response = await self.run(request)
        except RequestRefused as exc:
            response = refusal_response(exc, request.headers.get("accept"))
        except HTTPException as exc:  # Strawberry's own refusals: a status and a reason
            code = CODE_BY_STATUS.get(exc.status_code, "BAD_REQUEST")
            response = refusal_response(
                RequestRefused(exc.status_code, code, exc.reason), request.headers.get("accept")
            )
        except Exception:
            if receive_failed:  # the body's reader (a size limit, a disconnect): not ours
                raise
            # a bug of ours: logged with the request id, answered as JSON
            log.exception("graphql.http_failed")
            message = f"Internal server error (request id {request_id_var.get()})."
            response = refusal_response(
                RequestRefused(500, "INTERNAL_SERVER_ERROR", message),
                request.headers.get("accept"),
            )
        await response(scope, receive, send)

    async def fast_response(self, request: Request) -> Response | None:
        """An answer without Strawberry's view (the app's fast path), or None: the view answers.
        Its failures are answered as the view's are."""
        return None

    @override
    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """Browsers asking for HTML; not a GET that carries an operation (a persisted query
        sends only `extensions`) nor a client accepting `*/*`."""
        if request.method != "GET":  # before the query string is parsed: a POST never is
            return False
        params = request.query_params
        return (
            params.get("query") is None
            and params.get("extensions") is None
            and "text/html" in request.headers.get("accept", "")
        )

    @override
    def decode_json(self, data: str | bytes) -> object:
        # orjson refuses invalid UTF-8, lone surrogates and nesting deeper than 1,024 levels
        # with a JSONDecodeError (a 400), where json.loads would raise RecursionError (a 500)
        return orjson.loads(data)

    @override
    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = negotiate(request.headers.get("accept"))
        request.state.graphql_sub_response = sub_response
        return sub_response

    @override
    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        response.headers["content-type"] = content_type(sub_response.media_type or APPLICATION_JSON)
        response.headers.add_vary_header("Accept")
        return response

    @override
    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        if not is_request_error(result.data, result.errors):
            return response
        response.pop("data", None)  # nothing was executed: no `data` entry at all
        sub_response: Response | None = getattr(request.state, "graphql_sub_response", None)
        batch = getattr(request.state, "graphql_batch", False)
        if (
            sub_response is not None
            and sub_response.media_type == GRAPHQL_RESPONSE_JSON
            and not (batch)
        ):
            sub_response.status_code = request_error_status(result.errors or [])
        return response

    @override
    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        try:
            return await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        except HTTPException as exc:
            cause = exc.__cause__
            if isinstance(cause, InvalidOperationTypeError) and request_adapter.method == "GET":
                raise RequestRefused(
                    405, "METHOD_NOT_ALLOWED", exc.reason, {"allow": "POST"}
                ) from exc
            if isinstance(cause, CannotGetOperationTypeError):
                raise RequestRefused(400, "OPERATION_RESOLUTION_FAILURE", exc.reason) from exc
            raise

    @cached_property
    def _transports_by_accept(self) -> dict[str, HTTPStreamTransport | None]:
        return {}

    @override
    def _get_stream_transport_from_headers(
        self, headers: Mapping[str, str]
    ) -> HTTPStreamTransport | None:
        """Strawberry's choice, remembered per Accept value (bounded): each streaming transport
        parses the header with the email module, which was ~15 % of a small query's CPU."""
        accept = next((value for key, value in headers.items() if key.lower() == "accept"), "")
        known = self._transports_by_accept
        if accept in known:
            return known[accept]
        transport = super()._get_stream_transport_from_headers(headers)
        if len(known) < HEADER_CACHE_SIZE:
            known[accept] = transport
        return transport

    @override
    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        media_type = media_type_of(request.content_type or "")
        transport = self._get_stream_transport_from_headers(request.headers)
        protocol: GraphQLRequestProtocol = transport.protocol if transport else "http"
        if request.method == "GET":
            data: object = self.parse_query_params(request.query_params)
        elif media_type == APPLICATION_JSON:
            data = self.parse_json(await request.get_body())
        elif self.multipart_uploads_enabled and media_type == "multipart/form-data":
            # file uploads (GraphQL multipart request spec): uploadFilmPoster (decision 0115)
            data = await self.parse_multipart(request)
        else:
            raise RequestRefused(
                415,
                "UNSUPPORTED_MEDIA_TYPE",
                "Send the operation as application/json (POST) or in the query string (GET), "
                "or as multipart/form-data with files (GraphQL multipart request spec).",
            )
        if not isinstance(data, list):
            return await self.request_data(data, protocol)
        if self.max_batch_operations <= 0:
            raise RequestRefused(400, "BATCHING_DISABLED", "Batching is off on this server.")
        if protocol != "http":
            raise RequestRefused(400, "BAD_REQUEST", "A batch cannot be streamed.")
        if not 0 < len(data) <= self.max_batch_operations:
            raise RequestRefused(
                400,
                "BATCH_TOO_LARGE" if data else "BAD_REQUEST",
                f"A batch holds 1 to {self.max_batch_operations} operations, not {len(data)}.",
            )
        return [await self.request_data(item, protocol) for item in data]

    async def request_data(
        self, data: object, protocol: GraphQLRequestProtocol
    ) -> GraphQLRequestData:
        """One operation of the body, its members checked (override to resolve persisted
        queries)."""
        if not isinstance(data, dict):
            raise RequestRefused(
                400,
                "BAD_REQUEST",
                "The body must be a JSON object: {query, variables?, operationName?, extensions?}"
                " (an array of them where batching is on).",
            )
        for key, kinds, what in _MEMBERS:
            if not isinstance(data.get(key), kinds):
                raise RequestRefused(400, "BAD_REQUEST", f"`{key}` must be {what}, if provided.")
        return GraphQLRequestData(
            query=data.get("query"),
            variables=data.get("variables"),
            operation_name=data.get("operationName"),
            extensions=data.get("extensions"),
            protocol=protocol,
        )


_MEMBERS: tuple[tuple[str, tuple[type, ...], str], ...] = (
    ("query", (str, type(None)), "a string"),
    ("variables", (dict, type(None)), "an object"),
    ("operationName", (str, type(None)), "a string"),
    ("extensions", (dict, type(None)), "an object"),
)
