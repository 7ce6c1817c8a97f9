"""The fast path for repeated compiled POSTs (decision 0133).

A single-operation POST whose document the compiled path answered (graph/compiled.py) is
remembered by everything that decides its answer: the body's bytes, the caller (the principal
the authenticator yields, once per request), and the `Accept` header (the response's media type
and streaming transport). The same request again runs the remembered statement and is answered
with the bytes the view would write, without parsing the body, building a context or going
through Strawberry's view. The memo belongs to one view, so to one schema and one compiler: a
new schema is a new view and an empty memo.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import orjson
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.auth import Principal
from domain.errors import Unauthenticated
from graph.compiled import Statement
from graph.context import Settled
from pagila_graph.http_protocol import APPLICATION_JSON, media_type_of

#: bodies larger than this are not remembered (the memo keeps its keys' bytes)
MAX_BODY_BYTES = 8 * 1024
#: entries kept: the least recently used goes first
MAX_ENTRIES = 1024

#: (body, caller, Accept header)
FastKey = tuple[bytes, Principal, str | None]
#: (query, operation name, caller, Accept header): a document compiled for a caller
DocumentKey = tuple[str, str | None, Principal, str | None]


#: `scope["state"]` keys: the view marks a request its write lane answered (the document's
#: (query, operation name)), and the lane hands the view an operation whose writes it ran
#: (`Settled`, decision 0172)
WRITTEN = "pagila.written_document"
SETTLED = "pagila.settled"

#: a response's status and headers, as the layers below the lane wrote them; the
#: `content-length` value is left out (the index where it goes is kept)
Head = tuple[int, tuple[tuple[bytes, bytes], ...], int]


@dataclass
class FastEntry:
    """What the normal path compiled for one request."""

    statement: Statement
    #: the response cache's key for it (decision 0116), None when it is not cacheable
    cache_key: str | None = None
    #: the response's head the first time it was answered (`FastLane`), once known
    head: Head | None = field(default=None, compare=False)
    #: the request's (query, operation name): its head serves the same document with other
    #: variables (`FastLane`, decision 0166); None: not a plain request
    document: tuple[str, str | None] | None = field(default=None, compare=False)


V = TypeVar("V")


def _recent(lru: OrderedDict[Any, V], key: Any) -> V | None:
    """The value of `key`, which becomes the most recently used; None when absent."""
    value = lru.get(key)
    if value is not None:
        lru.move_to_end(key)
    return value


def _bounded_put(lru: OrderedDict[Any, Any], key: Any, value: Any, max_entries: int) -> None:
    """Put `key` last (the most recently used) and drop the least recently used past the bound."""
    lru[key] = value
    lru.move_to_end(key)
    while len(lru) > max_entries:
        lru.popitem(last=False)


class FastPathMemo:
    """A bounded LRU of requests the compiled path answered."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self.entries: OrderedDict[FastKey, FastEntry] = OrderedDict()
        #: requests found (for tests and measurements)
        self.hits = 0
        #: of those, answered by `FastLane` (for tests)
        self.lane_answers = 0
        #: the head of a compiled answer per document and caller (decision 0166)
        self.heads: OrderedDict[DocumentKey, Head] = OrderedDict()
        #: requests `FastLane` answered from a remembered document with new variables
        self.document_answers = 0
        #: the head of a mutation the write lane answered, per document and caller (0172)
        self.write_heads: OrderedDict[DocumentKey, Head] = OrderedDict()
        #: mutations `FastLane` answered through the write lane
        self.write_answers = 0

    def head_for(self, key: DocumentKey) -> Head | None:
        return _recent(self.heads, key)

    def put_head(self, key: DocumentKey, head: Head) -> None:
        _bounded_put(self.heads, key, head, self.max_entries)

    def write_head_for(self, key: DocumentKey) -> Head | None:
        return _recent(self.write_heads, key)

    def put_write_head(self, key: DocumentKey, head: Head) -> None:
        _bounded_put(self.write_heads, key, head, self.max_entries)

    @staticmethod
    def key(body: bytes, principal: Principal, accept: str | None) -> FastKey | None:
        """The request's key, or None when it is not to be remembered."""
        if len(body) > MAX_BODY_BYTES:
            return None
        return (body, principal, accept)

    def get(self, key: FastKey) -> FastEntry | None:
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
            self.hits += 1
        return entry

    def put(self, key: FastKey, entry: FastEntry) -> None:
        _bounded_put(self.entries, key, entry, self.max_entries)

    def discard(self, key: FastKey) -> None:
        self.entries.pop(key, None)

    def __len__(self) -> int:
        return len(self.entries)


class LaneView(Protocol):
    """What the lane asks of the GraphQL view (pagila_graph/app.py `GraphQLApp`)."""

    fast_path: FastPathMemo | None

    def authenticate(self, request: Request) -> Awaitable[Principal]: ...

    def remembered_body(self, key: FastKey, entry: FastEntry) -> Awaitable[bytes | None]: ...

    def document_body(
        self, key: FastKey, query: str, operation_name: str | None, variables: dict[str, Any] | None
    ) -> Awaitable[bytes | None]: ...

    def written_body(
        self,
        scope: Scope,
        receive: Receive,
        key: FastKey,
        *,
        query: str,
        operation_name: str | None,
        variables: dict[str, Any] | None,
    ) -> Awaitable[bytes | Settled | None]: ...


class FastLane:
    """ASGI: a remembered POST (above) answered below the request-id, trusted-hosts, CORS and
    rate-limit layers — they ran — and above the layers that have nothing to do for it: the
    body limit (the lane reads only a declared length within both limits), conditional GET
    (POST), Starlette's exception handling and router, Strawberry's view (decision 0160).

    The head (status and headers) is the one the view wrote when it first answered that same
    request — same body, caller and `Accept` —; only `content-length` is written anew. Anything
    else, or any doubt (no declared length, a cross-origin request, a statement handed back to
    the executor), goes down the normal path with the body it read replayed, unchanged."""

    def __init__(
        self, app: ASGIApp, view: LaneView, path: str = "/graphql", max_body_bytes: int = 0
    ) -> None:
        self.app = app
        self.view = view
        self.path = path
        self.max_body_bytes = min(max_body_bytes or MAX_BODY_BYTES, MAX_BODY_BYTES)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        memo = self.view.fast_path
        if (
            memo is None
            or scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] != self.path
        ):
            await self.app(scope, receive, send)
            return
        declared = -1
        json_body = False
        accept: str | None = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = int(value) if value.isdigit() else -1
            elif name == b"content-type":
                # the view's own test of the media type (remembered per value)
                json_body = media_type_of(value.decode("latin-1")) == APPLICATION_JSON
            elif name == b"accept" and accept is None:
                accept = value.decode("latin-1")
            elif name == b"origin":  # CORS decorates the head: the normal path answers
                json_body = False
                break
        if not json_body or not 0 <= declared <= self.max_body_bytes:
            await self.app(scope, receive, send)
            return
        read, body = await _read_body(receive, declared)
        replay = _replaying(read, receive)
        if body is None:
            await self.app(scope, replay, send)
            return
        try:
            principal = await self.view.authenticate(Request(scope))
        except Unauthenticated:  # the view refuses it
            await self.app(scope, replay, send)
            return
        key = (body, principal, accept)
        entry = memo.entries.get(key)
        if entry is not None and entry.head is not None:
            memo.get(key)  # counted, and the most recently used
            answer = await self.view.remembered_body(key, entry)
            if answer is not None:
                memo.lane_answers += 1
                await _send(send, entry.head, answer)
                return
        elif entry is None and await self._document(scope, replay, key, send):
            return
        state = scope.setdefault("state", {})
        await self.app(scope, replay, _recording(send, memo, key, state))

    async def _document(self, scope: Scope, receive: Receive, key: FastKey, send: Send) -> bool:
        """A new body of a document the view answered compiled for this caller (decision
        0166): compiled with its variables and answered with that answer's head — a compiled
        answer's status and headers depend on the `Accept` header alone (200: it always has
        `data`). Whether it was answered."""
        memo = self.view.fast_path
        assert memo is not None
        plain = _plain_request(key[0])
        if plain is None:
            return False
        query, operation_name, variables = plain
        document = (query, operation_name, key[1], key[2])
        head = memo.head_for(document)
        if head is None:
            return await self._written(
                scope, receive, key, document=document, variables=variables, send=send
            )
        answer = await self.view.document_body(key, query, operation_name, variables)
        if answer is None:
            return False
        remembered = memo.entries.get(key)
        if remembered is not None and remembered.head is None:
            remembered.head = head
        memo.document_answers += 1
        await _send(send, head, answer)
        return True

    async def _written(
        self,
        scope: Scope,
        receive: Receive,
        key: FastKey,
        *,
        document: DocumentKey,
        variables: dict[str, Any] | None,
        send: Send,
    ) -> bool:
        """A mutation whose document the view's write lane answered for this caller and
        `Accept` (decision 0172): run through the write lane and answered with that answer's
        head (the lane's answers are all 200 with `data`, no `errors`). An operation the lane
        handed over after its writes ran goes down the normal path with them settled
        (`SETTLED`): the view's executor answers without running them again. Whether it was
        answered here."""
        memo = self.view.fast_path
        assert memo is not None
        head = memo.write_head_for(document)
        if head is None:
            return False
        # `receive` replays the body read, then the client's next message: a resolver may
        # watch for the client leaving (askAgent), as on the normal path
        outcome = await self.view.written_body(
            scope, receive, key, query=document[0], operation_name=document[1], variables=variables
        )
        if outcome is None:
            return False
        if isinstance(outcome, Settled):
            scope.setdefault("state", {})[SETTLED] = outcome
            return False
        memo.write_answers += 1
        await _send(send, head, outcome)
        return True


def _plain_request(body: bytes) -> tuple[str, str | None, dict[str, Any] | None] | None:
    """(query, operation name, variables) of a body that holds nothing else (no extensions:
    a persisted query is the view's), parsed strictly; None for anything else."""
    try:
        request = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(request, dict) or not request.keys() <= _PLAIN_KEYS:
        return None
    query = request.get("query")
    operation_name = request.get("operationName")
    variables = request.get("variables")
    if (
        not isinstance(query, str)
        or not (operation_name is None or isinstance(operation_name, str))
        or not (variables is None or isinstance(variables, dict))
    ):
        return None
    return query, operation_name, variables


_PLAIN_KEYS = frozenset({"query", "operationName", "variables"})


async def _read_body(receive: Receive, declared: int) -> tuple[list[Message], bytes | None]:
    """The messages read, and the body when it is exactly the declared length."""
    read: list[Message] = []
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        read.append(message)
        if message["type"] != "http.request":
            return read, None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > declared:
            return read, None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return read, (b"".join(chunks) if size == declared else None)


def _replaying(read: list[Message], receive: Receive) -> Receive:
    pending = list(read)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


def _recording(send: Send, memo: FastPathMemo, key: FastKey, state: dict[str, Any]) -> Send:
    """`send`, keeping the head of a response whose request the view has just remembered, or
    whose mutation its write lane answered (`WRITTEN` in the request's state)."""

    async def recording(message: Message) -> None:
        if message["type"] == "http.response.start":
            entry = memo.entries.get(key)
            if entry is not None and entry.head is None:
                entry.head = _head(message)
                if entry.head is not None and entry.document is not None:
                    memo.put_head((*entry.document, key[1], key[2]), entry.head)
            written = state.get(WRITTEN)
            if written is not None and entry is None:
                head = _head(message)
                if head is not None and head[0] == 200:
                    memo.put_write_head((*written, key[1], key[2]), head)
        await send(message)

    return recording


def _head(message: Message) -> Head | None:
    headers = tuple((bytes(k), bytes(v)) for k, v in message.get("headers", ()))
    at = [i for i, (name, _) in enumerate(headers) if name == b"content-length"]
    if len(at) != 1:  # streamed, or odd: not remembered
        return None
    return message["status"], headers[: at[0]] + headers[at[0] + 1 :], at[0]


async def _send(send: Send, head: Head, body: bytes) -> None:
    status, headers, at = head
    length = (b"content-length", str(len(body)).encode())
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers[:at], length, *headers[at:]],
        }
    )
    await send({"type": "http.response.body", "body": body})
