"""The rest of the catalogue: actors, categories, languages and inventory copies. Public reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from domain.reading import ListRepository
from domain.validation import check_search_text


@dataclass(frozen=True, slots=True)
class Actor:
    id: int
    first_name: str
    last_name: str
    last_update: dt.datetime


@dataclass(frozen=True, slots=True)
class Category:
    id: int
    name: str
    last_update: dt.datetime


@dataclass(frozen=True, slots=True)
class Language:
    id: int
    name: str  # char(20) in the database; the padding is trimmed on the way in
    last_update: dt.datetime


@dataclass(frozen=True, slots=True)
class Inventory:
    """One physical copy (DVD) of a film, held by one store."""

    id: int
    film_id: int
    store_id: int
    last_update: dt.datetime


@dataclass(frozen=True, slots=True)
class ActorFilter:
    name_contains: str | None = None  # first or last name, case-insensitive

    def __post_init__(self) -> None:
        check_search_text(self.name_contains, "filter.nameContains")


@dataclass(frozen=True, slots=True)
class NoFilter:
    """Lists with no filter of their own (categories, languages)."""


@dataclass(frozen=True, slots=True)
class InventoryFilter:
    film_id: int | None = None
    store_id: int | None = None


class ActorsOf(StrEnum):
    FILM = "FILM"


class CategoriesOf(StrEnum):
    FILM = "FILM"


class LanguagesOf(StrEnum):
    """Languages are never a nested list; the enum keeps the repository shape uniform."""


class InventoryOf(StrEnum):
    FILM = "FILM"
    STORE = "STORE"


class ActorOrderField(StrEnum):
    LAST_NAME = "LAST_NAME"
    FIRST_NAME = "FIRST_NAME"
    ACTOR_ID = "ACTOR_ID"


class NameOrderField(StrEnum):
    NAME = "NAME"
    ID = "ID"


class InventoryOrderField(StrEnum):
    INVENTORY_ID = "INVENTORY_ID"


ACTOR_SORT_TYPES: Mapping[str, tuple[type, ...]] = {
    "LAST_NAME": (str, str),  # last name, then first name
    "FIRST_NAME": (str, str),
    "ACTOR_ID": (),
}
NAME_SORT_TYPES: Mapping[str, tuple[type, ...]] = {"NAME": (str,), "ID": ()}
INVENTORY_SORT_TYPES: Mapping[str, tuple[type, ...]] = {"INVENTORY_ID": ()}

ActorRepository = ListRepository[Actor, ActorFilter, ActorsOf]
CategoryRepository = ListRepository[Category, NoFilter, CategoriesOf]
LanguageRepository = ListRepository[Language, NoFilter, LanguagesOf]
InventoryRepository = ListRepository[Inventory, InventoryFilter, InventoryOf]
