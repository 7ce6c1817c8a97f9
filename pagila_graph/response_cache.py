"""Cached answers to public catalogue reads (decision 0116).

A query is cacheable when every root field is a catalogue read (`CATALOGUE_ROOTS`); its key is
the normalised document (printed from its syntax tree), the operation name, the variables (sorted
JSON) and the caller's role, so a field that needs more than public access is only ever served
to callers of the same role. Only answers without errors are kept.

Never stale after a committed write: every key also carries the catalogue's *generation*, a
counter the write path increments before the mutation answers (the cache is the first publisher
of each domain event; `InvalidatingHub`). With Redis the counter and the answers are in Redis,
shared by every process; without it both live in the process. Entries also expire after
`RESPONSE_CACHE_TTL_S`, the bound for writes made outside the API (psql, `load-data`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence
from functools import lru_cache

import redis.asyncio as aioredis
from graphql import FieldNode, OperationDefinitionNode, OperationType, parse, print_ast
from graphql.error import GraphQLError
from redis.exceptions import RedisError

from config.logging import get_logger
from domain.events import DomainEvent, EventHub, EventKind

log = get_logger(__name__)

#: root fields whose answers depend on the catalogue alone (and on the caller's role)
CATALOGUE_ROOTS = frozenset(
    {
        "film",
        "films",
        "actor",
        "actors",
        "category",
        "categories",
        "language",
        "languages",
        "store",
        "stores",
        "inventoryItem",
        "inventory",
        "__typename",
    }
)
#: events that may change a catalogue answer (availability, films, copies)
CATALOGUE_KINDS = frozenset(
    {EventKind.RENTED, EventKind.RETURNED, EventKind.FILM_CHANGED, EventKind.INVENTORY_CHANGED}
)
#: after Redis failed, this process bypasses the cache for this long
REDIS_RETRY_AFTER_S = 5.0
#: the longest one Redis call of the cache may take (connect, or a command's answer)
REDIS_TIMEOUT_S = 0.5


@lru_cache(maxsize=1024)
def normalised(document: str, operation_name: str | None) -> str | None:
    """The printed document when its operation is a query of catalogue roots only; else None."""
    try:
        tree = parse(document)
    except GraphQLError:
        return None
    operations = [d for d in tree.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
        return None
    roots = operations[0].selection_set.selections
    if not all(isinstance(s, FieldNode) and s.name.value in CATALOGUE_ROOTS for s in roots):
        return None  # fragments at the root, or any other root field: not cached
    return print_ast(tree)


def cache_key(
    document: str, operation_name: str | None, variables: object, role: str
) -> str | None:
    printed = normalised(document, operation_name)
    if printed is None:
        return None
    try:
        encoded = json.dumps(
            [printed, operation_name, variables, role], sort_keys=True, separators=(",", ":")
        )
    except (TypeError, ValueError):
        return None
    return hashlib.sha256(encoded.encode()).hexdigest()


class MemoryResponseCache:
    """One process: an LRU of answers and a generation counter."""

    def __init__(self, max_entries: int, ttl_s: float) -> None:
        self._entries: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._max_entries = max_entries
        self._ttl_s = ttl_s
        self._generation = 0

    async def get(self, key: str) -> tuple[str | None, str]:
        """The cached answer (or None) and the versioned key to store a fresh one under."""
        versioned = f"{self._generation}:{key}"
        found = self._entries.get(versioned)
        if found is None or found[0] < time.monotonic():
            return None, versioned
        self._entries.move_to_end(versioned)
        return found[1], versioned

    async def put(self, versioned: str, data_json: str) -> None:
        self._entries[versioned] = (time.monotonic() + self._ttl_s, data_json)
        self._entries.move_to_end(versioned)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        if any(e.kind in CATALOGUE_KINDS for e in events):
            self._generation += 1
            self._entries.clear()

    async def aclose(self) -> None:
        return None


class RedisResponseCache:
    """Every process: answers and the generation in Redis."""

    def __init__(self, redis_url: str, prefix: str, ttl_s: float) -> None:
        # bounded: a hung Redis (accepting, never answering) must not hold reads or writes
        self._redis: aioredis.Redis = aioredis.Redis.from_url(
            redis_url, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S
        )
        self._generation_key = f"{prefix}:cache:generation"
        self._prefix = f"{prefix}:cache"
        self._ttl_ms = max(int(ttl_s * 1000), 1)
        self._down_until = 0.0

    @contextlib.asynccontextmanager
    async def _guard(self) -> AsyncIterator[None]:
        try:
            yield
        except (RedisError, OSError) as exc:
            self._down_until = time.monotonic() + REDIS_RETRY_AFTER_S
            log.warning("response_cache.redis_unavailable", error=str(exc))

    async def get(self, key: str) -> tuple[str | None, str | None]:
        if time.monotonic() < self._down_until:
            return None, None  # bypass: nothing read, nothing stored
        async with self._guard():
            generation = int(await self._redis.get(self._generation_key) or 0)
            versioned = f"{self._prefix}:{generation}:{key}"
            found = await self._redis.get(versioned)
            if found is None:
                return None, versioned
            return (found.decode() if isinstance(found, bytes) else str(found)), versioned
        return None, None

    async def put(self, versioned: str, data_json: str) -> None:
        async with self._guard():
            await self._redis.set(versioned, data_json, px=self._ttl_ms)

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        if not any(e.kind in CATALOGUE_KINDS for e in events):
            return
        try:
            await self._redis.incr(self._generation_key)
        except (RedisError, OSError) as exc:
            # the other processes may keep serving the old generation until the TTL ends
            self._down_until = time.monotonic() + REDIS_RETRY_AFTER_S
            log.error("response_cache.invalidation_failed", error=str(exc))

    async def aclose(self) -> None:
        await self._redis.aclose()


ResponseCache = MemoryResponseCache | RedisResponseCache


def response_cache(
    redis_url: str | None, prefix: str, ttl_s: float, max_entries: int
) -> ResponseCache:
    if redis_url:
        return RedisResponseCache(redis_url, prefix, ttl_s)
    return MemoryResponseCache(max_entries, ttl_s)


class InvalidatingHub:
    """The event hub as the write path sees it: the cache's generation moves first, then the
    subscribers hear of the change."""

    def __init__(self, hub: EventHub, cache: ResponseCache) -> None:
        self._hub = hub
        self._cache = cache

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        await self._cache.publish(events)
        await self._hub.publish(events)

    def subscribe(self) -> contextlib.AbstractAsyncContextManager[AsyncIterator[DomainEvent]]:
        return self._hub.subscribe()
