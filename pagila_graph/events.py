"""The event hubs behind `domain.events`' ports (decision 0100).

* `LocalEventHub`: one process. `publish` hands each event to every subscriber of this process.
* `RedisEventHub` (REDIS_URL set): `publish` sends each event to one Redis pub/sub channel;
  every process listens on it with one connection and hands what arrives to its own
  subscribers, so a write on any process reaches subscribers on all of them, each in the order
  it was published.

A subscriber has a bounded queue: one that does not keep up loses its subscription with
`EventsLost` instead of making the process hold events without limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from config.logging import get_logger
from domain.events import DomainEvent, EventsLost

log = get_logger(__name__)

#: events one subscriber may have waiting before it is dropped
SUBSCRIBER_QUEUE = 1000
#: how long a new subscriber waits for the Redis listener to be subscribed before going on
#: (events published by this process still reach it while Redis is away)
LISTENER_READY_S = 5.0
RECONNECT_DELAYS_S = (0.1, 0.5, 1.0, 2.0, 5.0)
#: the longest a write waits (after its commit) for Redis to take its events
PUBLISH_TIMEOUT_S = 0.5
#: after a failed publish, events stay in this process for this long before Redis is tried again
PUBLISH_RETRY_AFTER_S = 2.0


class Subscriber:
    """One subscription's queue; iterate it for the events."""

    def __init__(self, size: int = SUBSCRIBER_QUEUE) -> None:
        self._queue: asyncio.Queue[DomainEvent | None] = asyncio.Queue(maxsize=size)
        self.lost = False

    def offer(self, event: DomainEvent) -> None:
        if self.lost:
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.lost = True
            self._queue.get_nowait()  # make room for the end marker
            self._queue.put_nowait(None)

    def end(self) -> None:
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(None)

    def __aiter__(self) -> Subscriber:
        return self

    async def __anext__(self) -> DomainEvent:
        event = await self._queue.get()
        if event is None:
            if self.lost:
                raise EventsLost("Too many events were waiting: subscribe again.")
            raise StopAsyncIteration
        return event


class LocalEventHub:
    """Events of this process, to subscribers of this process (no REDIS_URL)."""

    def __init__(self) -> None:
        self._subscribers: set[Subscriber] = set()

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        for event in events:
            self.deliver(event)

    def deliver(self, event: DomainEvent) -> None:
        for subscriber in list(self._subscribers):
            subscriber.offer(event)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[AsyncIterator[DomainEvent]]:
        subscriber = Subscriber()
        self._subscribers.add(subscriber)
        try:
            await self._listening()
            yield subscriber
        finally:
            self._subscribers.discard(subscriber)

    async def _listening(self) -> None:
        """Hook: returns once events of other processes reach this one."""

    async def aclose(self) -> None:
        for subscriber in list(self._subscribers):
            subscriber.end()


class RedisEventHub(LocalEventHub):
    """Events of every process sharing one Redis channel (REDIS_URL set)."""

    def __init__(self, redis_url: str, channel: str) -> None:
        super().__init__()
        self.channel = channel
        self._redis: aioredis.Redis = aioredis.Redis.from_url(redis_url)
        self._listener: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._publish_paused_until = 0.0

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        """Called after the write committed: bounded (`PUBLISH_TIMEOUT_S`), never raises. After
        a failure Redis is left alone for `PUBLISH_RETRY_AFTER_S` (events reach this process's
        subscribers only meanwhile), so that a hung Redis costs one timeout per period, not
        one per write."""
        for event in events:
            if time.monotonic() < self._publish_paused_until:
                self.deliver(event)
                continue
            try:
                await asyncio.wait_for(
                    self._redis.publish(self.channel, event.to_json()), PUBLISH_TIMEOUT_S
                )
            except (RedisError, OSError, TimeoutError) as exc:
                # committed already: this process's subscribers still hear of it
                self._publish_paused_until = time.monotonic() + PUBLISH_RETRY_AFTER_S
                log.warning(
                    "events.publish_failed",
                    error=str(exc) or type(exc).__name__,
                    kind=event.kind.value,
                    retry_after_s=PUBLISH_RETRY_AFTER_S,
                )
                self.deliver(event)

    async def _listening(self) -> None:
        if self._listener is None or self._listener.done():
            self._ready.clear()
            self._listener = asyncio.create_task(self._listen(), name="events.redis-listener")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), LISTENER_READY_S)

    async def _listen(self) -> None:
        attempt = 0
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                async for message in pubsub.listen():
                    if message["type"] == "subscribe":
                        attempt = 0
                        self._ready.set()
                    elif message["type"] == "message":
                        self._arrived(message)
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                self._ready.clear()
                delay = RECONNECT_DELAYS_S[min(attempt, len(RECONNECT_DELAYS_S) - 1)]
                attempt += 1
                log.warning("events.redis_listener_lost", error=str(exc), retry_in_s=delay)
                await asyncio.sleep(delay)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    def _arrived(self, message: dict[str, Any]) -> None:
        try:
            event = DomainEvent.from_json(message["data"])
        except (ValueError, KeyError, TypeError):
            log.warning("events.bad_message", channel=self.channel)
            return
        self.deliver(event)

    async def aclose(self) -> None:
        await super().aclose()
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._redis.aclose()


def event_hub(redis_url: str | None, channel: str) -> LocalEventHub:
    """The hub for these settings: Redis when configured, this process otherwise."""
    if redis_url:
        return RedisEventHub(redis_url, channel)
    return LocalEventHub()
