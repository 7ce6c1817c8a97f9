"""The cyclic garbage collector, tuned for a long-running server (decision 0130).

At start-up the process builds a large, permanent heap (the schema, graphql-core, SQLAlchemy's
metadata, Semantic Kernel). With CPython's default thresholds, requests' short-lived objects
trigger a young collection every few requests, and every few dozen of those a full collection
walks that whole heap again: measured at ~120 ms each, ~10 per second under load, which was the
p99 latency of every benchmark pair (bench/README.md). `gc.freeze()` after start-up moves the
start-up heap into the permanent generation, which collections do not walk; a higher young
threshold (the objects of 32 requests in flight no longer fill it) makes young collections
rare. Reference counting still frees everything as before; only cycles wait a little longer.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: young-generation threshold while serving (CPython's default: 700). 32 requests in flight
#: keep ~1,000 young objects alive at any moment, so 700 collected every ~7 requests.
SERVING_YOUNG_THRESHOLD = 10_000


@contextmanager
def tuned_collector() -> Iterator[None]:
    """While serving: the start-up heap frozen, young collections rarer. Undone on exit (tests
    start and stop many apps in one process)."""
    thresholds = gc.get_threshold()
    gc.collect()  # what start-up left behind, before it is frozen for good
    gc.freeze()
    gc.set_threshold(SERVING_YOUNG_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
