"""Relay connections over domain pages: `edges { cursor node }`, `nodes`, `pageInfo`,
`totalCount`, and the argument handling every list shares.

`nodes` is a plain list (no per-edge object), `edges` and cursors are built only when selected,
and `totalCount` runs its count query only when selected.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import strawberry

from domain.pagination import Page, PageRequest, SortDirection, SortKey, page_request
from graph.context import Context

N = TypeVar("N")
E = TypeVar("E")

Info = strawberry.Info[Context, None]

OrderDirection = strawberry.enum(
    SortDirection,
    name="OrderDirection",
    description="ASC: smallest first (A→Z, oldest first); DESC: largest first.",
)


@strawberry.type(description="Where this page sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(description="Items precede this page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first item.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last item.")


@strawberry.type(description="One item of a list, with the cursor to continue from it.")
class Edge(Generic[N]):
    cursor: str = strawberry.field(
        description="Opaque; pass as `after` (or `before`) to page from here."
    )
    node: N


@strawberry.type(
    description="A page of a list. Page forward with `first`/`after`, backward with "
    "`last`/`before`; cursors are stable (keyset), so deep pages cost what the first costs."
)
class Connection(Generic[N]):
    nodes: list[N] = strawberry.field(description="The items of this page, without cursors.")
    page: strawberry.Private[Page[Any]]

    @strawberry.field(description="The items of this page, each with its cursor.")
    def edges(self) -> list[Edge[N]]:
        cursor = self.page.cursor
        return [Edge(cursor=cursor(i), node=node) for i, node in enumerate(self.nodes)]

    @strawberry.field(description="Whether there are more pages either way, and the end cursors.")
    def page_info(self) -> PageInfo:
        page = self.page
        size = len(page.items)
        return PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.cursor(0) if size else None,
            end_cursor=page.cursor(size - 1) if size else None,
        )

    @strawberry.field(
        description="How many items the whole list holds (all pages, filters applied). "
        "Costs one extra count query; select it only when you need it."
    )
    async def total_count(self) -> int:
        return await self.page.count()


def connection(page: Page[E], convert: Callable[[E], N]) -> Connection[N]:
    return Connection(nodes=[convert(item) for item in page.items], page=page)


#: A list field's (first, after, last, before) arguments.
PageArgs = tuple[int | None, str | None, int | None, str | None]


def request_for(info: Info, sort: SortKey, args: PageArgs) -> PageRequest:
    """Validated Relay arguments; an over-limit `first`/`last` is refused here, before SQL."""
    first, after, last, before = args
    return page_request(
        sort, info.context.scope.page_limits, first=first, after=after, last=last, before=before
    )


FIRST = strawberry.argument(
    description="Page size from the start (or after `after`); ≤ maxPageSize."
)
LAST = strawberry.argument(
    description="Page size from the end (or before `before`); ≤ maxPageSize."
)
AFTER = strawberry.argument(description="Cursor: items after this one.")
BEFORE = strawberry.argument(description="Cursor: items before this one.")
