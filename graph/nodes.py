"""Root `node(id:)` and `nodes(ids:)`: any object by its global ID, batched per type through
the same DataLoaders (and the same permission checks) as every other path."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import strawberry

from domain.errors import InvalidInput
from graph.pagination import Info
from graph.relay import Node, fetch_node


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Any object by its global `id`. Null if it does not exist.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        found: Node | None = await fetch_node(info.context, id)
        return found

    @strawberry.field(
        description="Objects by global ID, in the order given (null where none exists; an "
        "error at that position where you may not see it). At most maxPageSize IDs."
    )
    def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        maximum = info.context.settings.max_page_size
        if len(ids) > maximum:
            raise InvalidInput(f"Give at most {maximum} IDs.", field="ids")
        # graphql-core awaits each item on its own: loads of one type share one batch, and a
        # refusal nulls only its own position.
        items: list[Awaitable[Any]] = [fetch_node(info.context, i) for i in ids]
        return items  # type: ignore[return-value]
