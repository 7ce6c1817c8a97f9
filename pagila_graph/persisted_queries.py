"""Persisted queries (docs/api.md "Persisted queries", decision 0112).

Apollo's automatic persisted queries (APQ): a client sends `extensions.persistedQuery =
{version: 1, sha256Hash}` without the query; we answer from the store, or with
`PERSISTED_QUERY_NOT_FOUND`, and the client sends the query once more with the hash, which we
check and store. Hash-only queries can go by GET, so CDNs and browsers can cache them.

Two kinds of entries, in Redis when `REDIS_URL` is set (shared by every worker), in process
memory otherwise:

* **registered** operations — the allow-list: written by `pagila-graph register-operations`
  from a client's `.graphql` files into the manifest file (Apollo's persisted-query manifest
  format, read at start-up) and, with Redis, into Redis (seen at once by running servers);
* **automatic** ones — cached from clients' requests; bounded (an LRU in memory, a TTL in Redis).

`PERSISTED_QUERIES=only` (for production) runs registered operations only: a hash that is not
registered is `PERSISTED_QUERY_NOT_FOUND`, a query text whose normalised form is not registered
is `PERSISTED_QUERY_NOT_ALLOWED`. `automatic` (the default) runs anything and caches; `off`
answers every persisted-query request with `PERSISTED_QUERY_NOT_SUPPORTED` (clients then send
full queries).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    OperationDefinitionNode,
    parse,
    print_ast,
    visit,
)
from graphql.language import Visitor

from config.logging import get_logger
from config.settings import PersistedQueriesMode, Settings

log = get_logger(__name__)

SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
MANIFEST_FORMAT = "apollo-persisted-query-manifest"
#: After Redis fails, how long to use memory only before trying Redis again.
REDIS_RETRY_AFTER_S = 5.0
REDIS_TIMEOUT_S = 0.5


class PersistedQueryRefused(Exception):
    """A persisted-query request we cannot run: `code` says why."""

    def __init__(self, code: str, message: str, *, request_error: bool = True) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        #: a GraphQL request error (200 for application/json clients) rather than a bad request
        self.request_error = request_error


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalised(query: str) -> str:
    """The canonical text of a document (graphql-core's printer, the same as graphql-js's)."""
    return print_ast(parse(query, no_location=True))


# --- operations of .graphql files -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Operation:
    name: str | None
    type: str
    body: str

    @property
    def id(self) -> str:
        return sha256_hex(self.body)


def _spread_names(node: Any) -> set[str]:
    names: set[str] = set()

    class Spreads(Visitor):
        def enter_fragment_spread(self, spread: FragmentSpreadNode, *_: object) -> None:
            names.add(spread.name.value)

    visit(node, Spreads())
    return names


def operations_of(document: DocumentNode) -> list[Operation]:
    """Each operation of a document, with the fragments it uses (transitively), printed in
    canonical form: the text a client sends for it."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    found: list[Operation] = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        needed: list[str] = []
        pending = sorted(_spread_names(definition))
        while pending:
            name = pending.pop(0)
            if name in needed:
                continue
            if name not in fragments:
                raise GraphQLError(f"Unknown fragment {name!r}.")
            needed.append(name)
            pending.extend(sorted(_spread_names(fragments[name]) - set(needed)))
        document_of_one = DocumentNode(
            definitions=(definition, *(fragments[name] for name in needed))
        )
        found.append(
            Operation(
                name=definition.name.value if definition.name else None,
                type=definition.operation.value,
                body=print_ast(document_of_one),
            )
        )
    return found


def read_manifest(path: Path) -> dict[str, str]:
    """hash → query of a persisted-query manifest; empty when the file does not exist."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != MANIFEST_FORMAT or data.get("version") != 1:
        raise ValueError(f"{path} is not an {MANIFEST_FORMAT} (version 1)")
    operations = {str(op["id"]): str(op["body"]) for op in data["operations"]}
    for hash_, body in operations.items():
        if sha256_hex(body) != hash_:
            raise ValueError(f"{path}: operation {hash_} does not hash to its id")
    return operations


def write_manifest(path: Path, operations: Iterable[Operation]) -> int:
    """Adds `operations` to the manifest at `path` (created if missing); returns how many it
    holds now."""
    entries: dict[str, dict[str, Any]] = {}
    if path.exists():
        for entry in json.loads(path.read_text(encoding="utf-8"))["operations"]:
            entries[entry["id"]] = entry
    for operation in operations:
        entries[operation.id] = {
            "id": operation.id,
            "name": operation.name,
            "type": operation.type,
            "body": operation.body,
        }
    path.parent.mkdir(parents=True, exist_ok=True)
    manifest = {"format": MANIFEST_FORMAT, "version": 1, "operations": list(entries.values())}
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return len(entries)


# --- where queries are kept -------------------------------------------------------------------


class QueryStore(Protocol):
    async def get(self, kind: str, hash_: str) -> str | None: ...

    async def put(self, kind: str, hash_: str, query: str) -> None: ...


#: Characters of automatic entries kept in memory, whatever their number.
MEMORY_MAX_CHARS = 16 * 1024 * 1024


class MemoryStore:
    """Registered entries without bound (the operator chose them); automatic ones in an LRU
    bounded in entries and in characters, so that clients cannot grow the process."""

    def __init__(self, max_automatic: int, max_chars: int = MEMORY_MAX_CHARS) -> None:
        self.max_automatic = max_automatic
        self.max_chars = max_chars
        self._registered: dict[str, str] = {}
        self._automatic: OrderedDict[str, str] = OrderedDict()
        self._chars = 0

    async def get(self, kind: str, hash_: str) -> str | None:
        if kind == "registered":
            return self._registered.get(hash_)
        query = self._automatic.get(hash_)
        if query is not None:
            self._automatic.move_to_end(hash_)
        return query

    async def put(self, kind: str, hash_: str, query: str) -> None:
        if kind == "registered":
            self._registered[hash_] = query
            return
        previous = self._automatic.pop(hash_, None)
        self._chars -= len(previous or "")
        self._automatic[hash_] = query
        self._chars += len(query)
        while self._automatic and (
            len(self._automatic) > self.max_automatic or self._chars > self.max_chars
        ):
            _, dropped = self._automatic.popitem(last=False)
            self._chars -= len(dropped)


class RedisStore:
    """Redis keys `<prefix>:pq:<kind>:<sha256>`; automatic ones expire after `ttl_s`. When Redis
    fails, the memory store answers (and keeps what is written) until Redis is back."""

    def __init__(self, url: str, prefix: str, ttl_s: int, fallback: MemoryStore) -> None:
        import coredis

        self._redis: coredis.Redis[str] = coredis.Redis.from_url(
            url,
            decode_responses=True,
            connect_timeout=REDIS_TIMEOUT_S,
            stream_timeout=REDIS_TIMEOUT_S,
        )
        self.prefix = prefix
        self.ttl_s = ttl_s
        self.fallback = fallback
        self._down_until = 0.0

    def _key(self, kind: str, hash_: str) -> str:
        return f"{self.prefix}:pq:{kind}:{hash_}"

    def _failed(self, exc: Exception) -> None:
        self._down_until = time.monotonic() + REDIS_RETRY_AFTER_S
        log.warning("persisted_queries.redis_unavailable", error=str(exc), fallback="memory")

    async def get(self, kind: str, hash_: str) -> str | None:
        if time.monotonic() >= self._down_until:
            try:
                value = await self._redis.get(self._key(kind, hash_))
                return None if value is None else str(value)
            except Exception as exc:  # coredis' errors, OSError, timeouts: memory answers
                self._failed(exc)
        return await self.fallback.get(kind, hash_)

    async def put(self, kind: str, hash_: str, query: str) -> None:
        await self.fallback.put(kind, hash_, query)
        if time.monotonic() < self._down_until:
            return
        try:
            ttl = None if kind == "registered" else self.ttl_s
            await self._redis.set(self._key(kind, hash_), query, ex=ttl)
        except Exception as exc:
            self._failed(exc)


# --- the rules --------------------------------------------------------------------------------


class PersistedQueries:
    def __init__(
        self,
        mode: PersistedQueriesMode,
        store: QueryStore,
        registered: Mapping[str, str] | None = None,
        max_query_bytes: int = 100_000,
    ) -> None:
        self.mode = mode
        self.store = store
        #: larger queries are run (the document gate refuses them) but never stored
        self.max_query_bytes = max_query_bytes
        self._manifest = dict(registered or {})

    async def _registered(self, hash_: str) -> str | None:
        if self._manifest:  # the manifest read at start-up, into the store at the first use
            manifest, self._manifest = self._manifest, {}
            for registered_hash, query in manifest.items():
                await self.store.put("registered", registered_hash, query)
        return await self.store.get("registered", hash_)

    async def resolve(self, query: str | None, extensions: Mapping[str, Any] | None) -> str | None:
        """The query to run for a request's `query` and `extensions`; raises
        `PersistedQueryRefused`."""
        persisted = (extensions or {}).get("persistedQuery")
        if persisted is None:
            if self.mode is PersistedQueriesMode.ONLY and query is not None:
                await self._check_allowed(query)
            return query
        hash_ = _hash_of(persisted)
        if self.mode is PersistedQueriesMode.OFF:
            raise PersistedQueryRefused(
                "PERSISTED_QUERY_NOT_SUPPORTED", "Persisted queries are off on this server."
            )
        if query is None:
            found = await self._registered(hash_)
            if found is None and self.mode is PersistedQueriesMode.AUTOMATIC:
                found = await self.store.get("automatic", hash_)
            if found is None:
                raise PersistedQueryRefused("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
            return found
        if sha256_hex(query) != hash_:
            raise PersistedQueryRefused(
                "BAD_REQUEST", "The query does not hash to its sha256Hash.", request_error=False
            )
        if self.mode is PersistedQueriesMode.ONLY:
            if await self._registered(hash_) is None:
                await self._check_allowed(query)
        elif len(query) <= self.max_query_bytes and await self._registered(hash_) is None:
            await self.store.put("automatic", hash_, query)
        return query

    async def _check_allowed(self, query: str) -> None:
        try:
            canonical = sha256_hex(normalised(query))
        except GraphQLError:
            canonical = None
        if canonical is None or await self._registered(canonical) is None:
            raise PersistedQueryRefused(
                "PERSISTED_QUERY_NOT_ALLOWED",
                "This server runs registered operations only (PERSISTED_QUERIES=only).",
            )


def persisted_queries_from_settings(settings: Settings) -> PersistedQueries:
    memory = MemoryStore(settings.persisted_queries_cache_size)
    store: QueryStore = memory
    if settings.redis_url:
        store = RedisStore(
            settings.redis_url,
            settings.rate_limit_key_prefix,
            settings.persisted_queries_ttl_s,
            memory,
        )
    registered = read_manifest(settings.persisted_queries_manifest_path)
    return PersistedQueries(
        settings.persisted_queries, store, registered, settings.max_document_bytes
    )


def _hash_of(persisted: object) -> str:
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise PersistedQueryRefused(
            "BAD_REQUEST",
            "extensions.persistedQuery must be {version: 1, sha256Hash: <64 hex digits>}.",
            request_error=False,
        )
    hash_ = persisted.get("sha256Hash")
    if not isinstance(hash_, str) or not SHA256_HEX.match(hash_):
        raise PersistedQueryRefused(
            "BAD_REQUEST",
            "extensions.persistedQuery.sha256Hash must be 64 lower-case hex digits.",
            request_error=False,
        )
    return hash_
