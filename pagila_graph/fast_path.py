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
from dataclasses import dataclass

from domain.auth import Principal
from graph.compiled import Statement

#: bodies larger than this are not remembered (the memo keeps its keys' bytes)
MAX_BODY_BYTES = 8 * 1024
#: entries kept: the least recently used goes first
MAX_ENTRIES = 1024

#: (body, caller, Accept header)
FastKey = tuple[bytes, Principal, str | None]


@dataclass(frozen=True)
class FastEntry:
    """What the normal path compiled for one request."""

    statement: Statement
    #: the response cache's key for it (decision 0116), None when it is not cacheable
    cache_key: str | None = None


class FastPathMemo:
    """A bounded LRU of requests the compiled path answered."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self.entries: OrderedDict[FastKey, FastEntry] = OrderedDict()
        #: requests found (for tests and measurements)
        self.hits = 0

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
        self.entries[key] = entry
        self.entries.move_to_end(key)
        while len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)

    def discard(self, key: FastKey) -> None:
        self.entries.pop(key, None)

    def __len__(self) -> int:
        return len(self.entries)
