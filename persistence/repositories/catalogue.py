"""Actors, categories, languages and inventory copies."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Row, func, or_

from domain.catalogue.reads import (
    Actor,
    ActorFilter,
    ActorsOf,
    CategoriesOf,
    Category,
    Inventory,
    InventoryFilter,
    InventoryOf,
    Language,
    LanguagesOf,
)
from persistence.keyset import Link, Listing, ListingRepository
from persistence.models import Actor as ActorRow
from persistence.models import Category as CategoryRow
from persistence.models import FilmActor, FilmCategory
from persistence.models import Inventory as InventoryRow
from persistence.models import Language as LanguageRow
from persistence.repositories.films import like_pattern

_ACTOR = ActorRow.__table__
_CATEGORY = CategoryRow.__table__
_LANGUAGE = LanguageRow.__table__
_INVENTORY = InventoryRow.__table__
_FILM_ACTOR = FilmActor.__table__
_FILM_CATEGORY = FilmCategory.__table__


def _actor(row: Row[Any]) -> Actor:
    return Actor(row.actor_id, row.first_name, row.last_name, row.last_update)


def _category(row: Row[Any]) -> Category:
    return Category(row.category_id, row.name, row.last_update)


def _language(row: Row[Any]) -> Language:
    return Language(row.language_id, row.name.rstrip(), row.last_update)


def _inventory(row: Row[Any]) -> Inventory:
    return Inventory(row.inventory_id, row.film_id, row.store_id, row.last_update)


ACTORS = Listing(
    from_=_ACTOR,
    columns=list(_ACTOR.c),
    id_column=_ACTOR.c.actor_id,
    to_entity=_actor,
    sorts={
        "LAST_NAME": [_ACTOR.c.last_name, _ACTOR.c.first_name],
        "FIRST_NAME": [_ACTOR.c.first_name, _ACTOR.c.last_name],
        "ACTOR_ID": [],
    },
    links={
        ActorsOf.FILM: Link(
            _ACTOR.join(_FILM_ACTOR, _FILM_ACTOR.c.actor_id == _ACTOR.c.actor_id),
            _FILM_ACTOR.c.film_id,
        )
    },
)

CATEGORIES = Listing(
    from_=_CATEGORY,
    columns=list(_CATEGORY.c),
    id_column=_CATEGORY.c.category_id,
    to_entity=_category,
    sorts={"NAME": [_CATEGORY.c.name], "ID": []},
    links={
        CategoriesOf.FILM: Link(
            _CATEGORY.join(_FILM_CATEGORY, _FILM_CATEGORY.c.category_id == _CATEGORY.c.category_id),
            _FILM_CATEGORY.c.film_id,
        )
    },
)

LANGUAGES = Listing(
    from_=_LANGUAGE,
    columns=list(_LANGUAGE.c),
    id_column=_LANGUAGE.c.language_id,
    to_entity=_language,
    sorts={"NAME": [_LANGUAGE.c.name], "ID": []},
)

INVENTORY = Listing(
    from_=_INVENTORY,
    columns=list(_INVENTORY.c),
    id_column=_INVENTORY.c.inventory_id,
    to_entity=_inventory,
    sorts={"INVENTORY_ID": []},
    links={
        InventoryOf.FILM: Link(_INVENTORY, _INVENTORY.c.film_id),
        InventoryOf.STORE: Link(_INVENTORY, _INVENTORY.c.store_id),
    },
)


def actor_conditions(f: ActorFilter) -> list[ColumnElement[bool]]:
    if not f.name_contains:
        return []
    pattern = like_pattern(f.name_contains)
    full_name = func.concat(_ACTOR.c.first_name, " ", _ACTOR.c.last_name)
    return [or_(full_name.ilike(pattern, escape="\\"))]


def inventory_conditions(f: InventoryFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.film_id is not None:
        where.append(_INVENTORY.c.film_id == f.film_id)
    if f.store_id is not None:
        where.append(_INVENTORY.c.store_id == f.store_id)
    return where


class SqlActorRepository(ListingRepository[Actor, ActorsOf]):
    listing = ACTORS

    def conditions(self, filter: ActorFilter) -> list[ColumnElement[bool]]:
        return actor_conditions(filter)


class SqlCategoryRepository(ListingRepository[Category, CategoriesOf]):
    listing = CATEGORIES


class SqlLanguageRepository(ListingRepository[Language, LanguagesOf]):
    listing = LANGUAGES


class SqlInventoryRepository(ListingRepository[Inventory, InventoryOf]):
    listing = INVENTORY

    def conditions(self, filter: InventoryFilter) -> list[ColumnElement[bool]]:
        return inventory_conditions(filter)
