"""Store and staff root fields (public)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.pagination import SortDirection, SortKey
from domain.reading import PublicList
from domain.stores import NoFilter
from graph.context import Context
from graph.pagination import AFTER, BEFORE, FIRST, LAST, Connection, Info, connection, request_for
from graph.relay import one_key, register_node
from graph.stores import loaders
from graph.stores.types import Staff, Store

BY_ID = SortKey("ID", SortDirection.ASC, ())

First = Annotated[int | None, FIRST]
After = Annotated[str | None, AFTER]
Last = Annotated[int | None, LAST]
Before = Annotated[str | None, BEFORE]


@strawberry.type
class StoresQuery:
    @strawberry.field(description="One store, by global `id` or `storeId`. Null if none.")
    async def store(
        self, info: Info, id: strawberry.ID | None = None, store_id: int | None = None
    ) -> Store | None:
        return await _store(info.context, one_key(id, store_id, "Store"))

    @strawberry.field(description="The stores, by store id.")
    async def stores(
        self,
        info: Info,
        *,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Store]:
        request = request_for(info, BY_ID, (first, after, last, before))
        uow = await info.context.scope.uow()
        page = await PublicList(uow.stores).page(NoFilter(), request)
        return connection(page, Store.from_entity)

    @strawberry.field(description="One staff member, by global `id` or `staffId`. Null if none.")
    async def staff_member(
        self, info: Info, id: strawberry.ID | None = None, staff_id: int | None = None
    ) -> Staff | None:
        return await _staff(info.context, one_key(id, staff_id, "Staff"))

    @strawberry.field(description="Staff of all stores, by staff id.")
    async def staff(
        self,
        info: Info,
        *,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Staff]:
        request = request_for(info, BY_ID, (first, after, last, before))
        uow = await info.context.scope.uow()
        page = await PublicList(uow.staff).page(NoFilter(), request)
        return connection(page, Staff.from_entity)


async def _store(context: Context, key: int) -> Store | None:
    found = await loaders.STORES.load(context, key)
    return None if found is None else Store.from_entity(found)


async def _staff(context: Context, key: int) -> Staff | None:
    found = await loaders.STAFF.load(context, key)
    return None if found is None else Staff.from_entity(found)


register_node("Store", _store)
register_node("Staff", _staff)
