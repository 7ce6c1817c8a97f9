"""Relay: opaque global IDs (base64url("Type:key"), unpadded; clients must treat them as
opaque), the `Node` interface, and the registry `node(id:)` resolves any type through."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar

import strawberry

from domain.errors import InvalidInput

if TYPE_CHECKING:
    from graph.context import Context


def to_global_id(type_name: str, key: int | str) -> str:
    raw = f"{type_name}:{key}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def from_global_id(global_id: str) -> tuple[str, str]:
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, _, key = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput(f"{global_id!r} is not a valid ID.", field="id") from None
    if not type_name or not key:
        raise InvalidInput(f"{global_id!r} is not a valid ID.", field="id")
    return type_name, key


#: Every key behind a global ID is a PostgreSQL `integer` (serial) column.
MAX_KEY = 2**31 - 1


def database_key(key: str) -> int | None:
    """The integer key written in an ID, or None: ASCII digits only (`str.isdigit` also
    accepts `²`), within the `integer` columns' range (a larger one used to reach the driver)."""
    if not (key.isascii() and key.isdigit()) or len(key) > len(str(MAX_KEY)):
        return None
    value = int(key)
    return value if value <= MAX_KEY else None


def parse_int_id(global_id: str, expected_type: str) -> int:
    type_name, key = from_global_id(global_id)
    value = database_key(key)
    if type_name != expected_type or value is None:
        raise InvalidInput(f"{global_id!r} is not a {expected_type} ID.", field="id")
    return value


def one_key(global_id: str | None, key: int | None, type_name: str) -> int:
    """Accept either a global ID or the numeric key, never both."""
    if (global_id is None) == (key is None):
        field = f"{type_name[0].lower()}{type_name[1:]}Id"
        raise InvalidInput(f"Give exactly one of `id` or `{field}`.")
    return key if key is not None else parse_int_id(global_id or "", type_name)


# --- the Node interface and the registry behind node(id:) / nodes(ids:) ----------------------

#: Type name → fetch(context, numeric key) returning the node, None if absent (raising a
#: DomainError when the caller may not see it). Each area registers its types at import.
NodeFetcher = Callable[["Context", int], Awaitable[Any]]
NODE_FETCHERS: dict[str, NodeFetcher] = {}


def register_node(type_name: str, fetch: NodeFetcher) -> None:
    NODE_FETCHERS[type_name] = fetch


@strawberry.interface(
    description="An object with a global ID: fetch it again any time with `node(id:)`."
)
class Node:
    #: The attribute holding the numeric key this type's global IDs encode.
    KEY: ClassVar[str] = "id"

    @strawberry.field(description="Opaque global ID; pass it to `node(id:)` or `nodes(ids:)`.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id(type(self).__name__, getattr(self, self.KEY)))


async def fetch_node(context: Context, global_id: str) -> Any:
    type_name, key = from_global_id(global_id)
    fetch = NODE_FETCHERS.get(type_name)
    value = database_key(key)
    if fetch is None or value is None:
        raise InvalidInput(f"{global_id!r} is not the ID of any object.", field="id")
    return await fetch(context, value)
