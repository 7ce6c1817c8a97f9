"""Catalogue root fields (public): films, actors, categories, languages, inventory copies."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.catalogue.films import FilmFilter as FilmCriteria
from domain.catalogue.films import FilmService
from domain.catalogue.reads import INVENTORY_SORT_TYPES, InventoryOrderField, NoFilter
from domain.catalogue.reads import ActorFilter as ActorCriteria
from domain.catalogue.reads import InventoryFilter as InventoryCriteria
from domain.pagination import SortDirection
from domain.reading import PublicList, sort_key
from graph.catalogue import loaders
from graph.catalogue.filters import ActorFilter, FilmFilter, InventoryFilter
from graph.catalogue.sorters import (
    ActorOrder,
    FilmOrder,
    NameOrder,
    actor_order,
    film_order,
    name_order,
)
from graph.catalogue.types import Actor, Category, Film, Inventory, Language
from graph.context import Context
from graph.pagination import AFTER, BEFORE, FIRST, LAST, Connection, Info, connection, request_for
from graph.relay import one_key, register_node

First = Annotated[int | None, FIRST]
After = Annotated[str | None, AFTER]
Last = Annotated[int | None, LAST]
Before = Annotated[str | None, BEFORE]


@strawberry.type
class CatalogQuery:
    @strawberry.field(description="One film, by global `id` or by `filmId`. Null if none.")
    async def film(
        self, info: Info, id: strawberry.ID | None = None, film_id: int | None = None
    ) -> Film | None:
        found = await loaders.FILMS.load(info.context, one_key(id, film_id, "Film"))
        return None if found is None else Film.from_entity(found)

    @strawberry.field(
        description="The catalogue's films. Default order: by title, or by relevance when "
        "`filter.fulltext` is given."
    )
    async def films(
        self,
        info: Info,
        *,
        filter: FilmFilter | None = None,
        order_by: FilmOrder | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Film]:
        criteria = filter.criteria() if filter else FilmCriteria()
        request = request_for(info, film_order(order_by, criteria), (first, after, last, before))
        service = FilmService(await info.context.scope.uow())
        return connection(await service.page(criteria, request), Film.from_entity)

    @strawberry.field(description="One actor, by global `id` or by `actorId`. Null if none.")
    async def actor(
        self, info: Info, id: strawberry.ID | None = None, actor_id: int | None = None
    ) -> Actor | None:
        found = await loaders.ACTORS.load(info.context, one_key(id, actor_id, "Actor"))
        return None if found is None else Actor.from_entity(found)

    @strawberry.field(description="Actors. Default order: by last name, then first name.")
    async def actors(
        self,
        info: Info,
        *,
        filter: ActorFilter | None = None,
        order_by: ActorOrder | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Actor]:
        request = request_for(info, actor_order(order_by), (first, after, last, before))
        criteria = filter.criteria() if filter else ActorCriteria()
        uow = await info.context.scope.uow()
        return connection(await PublicList(uow.actors).page(criteria, request), Actor.from_entity)

    @strawberry.field(description="One category, by global `id` or `categoryId`. Null if none.")
    async def category(
        self, info: Info, id: strawberry.ID | None = None, category_id: int | None = None
    ) -> Category | None:
        found = await loaders.CATEGORIES.load(info.context, one_key(id, category_id, "Category"))
        return None if found is None else Category.from_entity(found)

    @strawberry.field(description="Film categories (genres). Default order: by name.")
    async def categories(
        self,
        info: Info,
        *,
        order_by: NameOrder | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Category]:
        request = request_for(info, name_order(order_by), (first, after, last, before))
        uow = await info.context.scope.uow()
        page = await PublicList(uow.categories).page(NoFilter(), request)
        return connection(page, Category.from_entity)

    @strawberry.field(description="One language, by global `id` or `languageId`. Null if none.")
    async def language(
        self, info: Info, id: strawberry.ID | None = None, language_id: int | None = None
    ) -> Language | None:
        found = await loaders.LANGUAGES.load(info.context, one_key(id, language_id, "Language"))
        return None if found is None else Language.from_entity(found)

    @strawberry.field(description="Languages. Default order: by name.")
    async def languages(
        self,
        info: Info,
        *,
        order_by: NameOrder | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Language]:
        request = request_for(info, name_order(order_by), (first, after, last, before))
        uow = await info.context.scope.uow()
        page = await PublicList(uow.languages).page(NoFilter(), request)
        return connection(page, Language.from_entity)

    @strawberry.field(
        description="One copy of a film, by global `id` or `inventoryId`. Null if none."
    )
    async def inventory_item(
        self, info: Info, id: strawberry.ID | None = None, inventory_id: int | None = None
    ) -> Inventory | None:
        key = one_key(id, inventory_id, "Inventory")
        found = await loaders.INVENTORY.load(info.context, key)
        return None if found is None else Inventory.from_entity(found)

    @strawberry.field(description="Copies of films in the stores, by inventory id.")
    async def inventory(
        self,
        info: Info,
        *,
        filter: InventoryFilter | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Inventory]:
        by_id = sort_key(InventoryOrderField.INVENTORY_ID, SortDirection.ASC, INVENTORY_SORT_TYPES)
        request = request_for(info, by_id, (first, after, last, before))
        criteria = filter.criteria() if filter else InventoryCriteria()
        uow = await info.context.scope.uow()
        page = await PublicList(uow.inventory).page(criteria, request)
        return connection(page, Inventory.from_entity)


async def _film(context: Context, key: int) -> Film | None:
    found = await loaders.FILMS.load(context, key)
    return None if found is None else Film.from_entity(found)


async def _actor(context: Context, key: int) -> Actor | None:
    found = await loaders.ACTORS.load(context, key)
    return None if found is None else Actor.from_entity(found)


async def _category(context: Context, key: int) -> Category | None:
    found = await loaders.CATEGORIES.load(context, key)
    return None if found is None else Category.from_entity(found)


async def _language(context: Context, key: int) -> Language | None:
    found = await loaders.LANGUAGES.load(context, key)
    return None if found is None else Language.from_entity(found)


async def _inventory(context: Context, key: int) -> Inventory | None:
    found = await loaders.INVENTORY.load(context, key)
    return None if found is None else Inventory.from_entity(found)


register_node("Film", _film)
register_node("Actor", _actor)
register_node("Category", _category)
register_node("Language", _language)
register_node("Inventory", _inventory)
