"""Catalogue types: Film, Actor, Category, Language, Inventory, with their relations.

Scalar fields are plain attributes (no resolver); relations resolve through DataLoaders
(graph/catalogue/loaders.py, graph/loading.py), one statement per relation per operation.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, ClassVar

import strawberry

from domain.catalogue.films import Film as FilmEntity
from domain.catalogue.films import FilmsOf
from domain.catalogue.films import MpaaRating as DomainRating
from domain.catalogue.reads import Actor as ActorEntity
from domain.catalogue.reads import ActorsOf, CategoriesOf, InventoryOf
from domain.catalogue.reads import Category as CategoryEntity
from domain.catalogue.reads import Inventory as InventoryEntity
from domain.catalogue.reads import Language as LanguageEntity
from domain.pagination import SortDirection, SortKey
from graph.catalogue import availability, loaders
from graph.catalogue.poster_url import poster_url as poster_url_field
from graph.loading import NestedList
from graph.pagination import AFTER, BEFORE, FIRST, LAST, Connection, Info, connection
from graph.relay import Node

if TYPE_CHECKING:
    from graph.stores.types import Store

MpaaRating = strawberry.enum(
    DomainRating, name="MpaaRating", description="Motion Picture Association film rating."
)

#: Fixed orders of nested lists (root lists take `orderBy`).
ACTORS_BY_NAME = SortKey("LAST_NAME", SortDirection.ASC, (str, str))
CATEGORIES_BY_NAME = SortKey("NAME", SortDirection.ASC, (str,))
FILMS_BY_TITLE = SortKey("TITLE", SortDirection.ASC, (str,))
INVENTORY_BY_ID = SortKey("INVENTORY_ID", SortDirection.ASC, ())

FILM_ACTORS = NestedList("film.actors", lambda u: u.actors, ActorsOf.FILM, ACTORS_BY_NAME)
FILM_CATEGORIES = NestedList(
    "film.categories", lambda u: u.categories, CategoriesOf.FILM, CATEGORIES_BY_NAME
)
FILM_INVENTORY = NestedList(
    "film.inventory", lambda u: u.inventory, InventoryOf.FILM, INVENTORY_BY_ID
)
ACTOR_FILMS = NestedList("actor.films", lambda u: u.films, FilmsOf.ACTOR, FILMS_BY_TITLE)
CATEGORY_FILMS = NestedList("category.films", lambda u: u.films, FilmsOf.CATEGORY, FILMS_BY_TITLE)


@strawberry.type(description="A film in the catalogue, available to rent on DVD.")
class Film(Node):
    KEY: ClassVar[str] = "film_id"

    film_id: int = strawberry.field(description="The film's key in the Pagila database.")
    title: str = strawberry.field(description="Title, upper case as stored: ACADEMY DINOSAUR.")
    description: str | None = strawberry.field(description="A one-sentence synopsis.")
    release_year: int | None = strawberry.field(description="Year of release.")
    rental_duration: int = strawberry.field(
        description="Days a rental lasts before late fees start."
    )
    rental_rate: Decimal = strawberry.field(description="Price of one rental, in dollars.")
    length: int | None = strawberry.field(description="Running time in minutes.")
    replacement_cost: Decimal = strawberry.field(
        description="Charged when a copy is lost or kept far too long, in dollars."
    )
    rating: MpaaRating | None = strawberry.field(description="MPAA rating.")  # type: ignore[valid-type]
    special_features: list[str] = strawberry.field(
        description="Extras on the disc, e.g. Trailers, Deleted Scenes."
    )
    streaming_available: bool = strawberry.field(
        description="Whether the film can also be streamed."
    )
    last_update: dt.datetime = strawberry.field(description="When the row last changed.")
    available_copies = availability.available_copies
    is_in_stock = availability.is_in_stock
    poster_url = poster_url_field
    language_id: strawberry.Private[int]
    original_language_id: strawberry.Private[int | None]

    @strawberry.field(description="The language the film is offered in.")
    async def language(self, info: Info) -> Language:
        found = await loaders.LANGUAGES.load(info.context, self.language_id)
        assert found is not None  # a foreign key
        return Language.from_entity(found)

    @strawberry.field(description="The language it was shot in, when dubbed. Null otherwise.")
    async def original_language(self, info: Info) -> Language | None:
        if self.original_language_id is None:
            return None
        found = await loaders.LANGUAGES.load(info.context, self.original_language_id)
        return None if found is None else Language.from_entity(found)

    @strawberry.field(description="The cast, by last name.")
    async def actors(
        self,
        info: Info,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
        last: Annotated[int | None, LAST] = None,
        before: Annotated[str | None, BEFORE] = None,
    ) -> Connection[Actor]:
        page = await FILM_ACTORS.page(info, self.film_id, (first, after, last, before))
        return connection(page, Actor.from_entity)

    @strawberry.field(description="The categories (genres) the film is filed under, by name.")
    async def categories(
        self,
        info: Info,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
        last: Annotated[int | None, LAST] = None,
        before: Annotated[str | None, BEFORE] = None,
    ) -> Connection[Category]:
        page = await FILM_CATEGORIES.page(info, self.film_id, (first, after, last, before))
        return connection(page, Category.from_entity)

    @strawberry.field(description="The physical copies of the film, in every store.")
    async def inventory(
        self,
        info: Info,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
        last: Annotated[int | None, LAST] = None,
        before: Annotated[str | None, BEFORE] = None,
    ) -> Connection[Inventory]:
        page = await FILM_INVENTORY.page(info, self.film_id, (first, after, last, before))
        return connection(page, Inventory.from_entity)

    @classmethod
    def from_entity(cls, film: FilmEntity) -> Film:
        return cls(
            film_id=film.id,
            title=film.title,
            description=film.description,
            release_year=film.release_year,
            rental_duration=film.rental_duration,
            rental_rate=film.rental_rate,
            length=film.length,
            replacement_cost=film.replacement_cost,
            rating=film.rating,
            special_features=list(film.special_features),
            streaming_available=film.streaming_available,
            last_update=film.last_update,
            language_id=film.language_id,
            original_language_id=film.original_language_id,
        )


@strawberry.type(description="An actor appearing in films of the catalogue.")
class Actor(Node):
    KEY: ClassVar[str] = "actor_id"

    actor_id: int = strawberry.field(description="The actor's key in the Pagila database.")
    first_name: str = strawberry.field(description="Given name, upper case as stored.")
    last_name: str = strawberry.field(description="Family name, upper case as stored.")
    last_update: dt.datetime = strawberry.field(description="When the row last changed.")

    @strawberry.field(description="The films the actor appears in, by title.")
    async def films(
        self,
        info: Info,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
        last: Annotated[int | None, LAST] = None,
        before: Annotated[str | None, BEFORE] = None,
    ) -> Connection[Film]:
        page = await ACTOR_FILMS.page(info, self.actor_id, (first, after, last, before))
        return connection(page, Film.from_entity)

    @classmethod
    def from_entity(cls, actor: ActorEntity) -> Actor:
        return cls(
            actor_id=actor.id,
            first_name=actor.first_name,
            last_name=actor.last_name,
            last_update=actor.last_update,
        )


@strawberry.type(description="A category (genre) films are filed under, e.g. Action, Comedy.")
class Category(Node):
    KEY: ClassVar[str] = "category_id"

    category_id: int = strawberry.field(description="The category's key in Pagila.")
    name: str = strawberry.field(description="Display name, e.g. Documentary.")
    last_update: dt.datetime = strawberry.field(description="When the row last changed.")

    @strawberry.field(description="The films in this category, by title.")
    async def films(
        self,
        info: Info,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
        last: Annotated[int | None, LAST] = None,
        before: Annotated[str | None, BEFORE] = None,
    ) -> Connection[Film]:
        page = await CATEGORY_FILMS.page(info, self.category_id, (first, after, last, before))
        return connection(page, Film.from_entity)

    @classmethod
    def from_entity(cls, category: CategoryEntity) -> Category:
        return cls(category_id=category.id, name=category.name, last_update=category.last_update)


@strawberry.type(description="A language films are offered or were shot in.")
class Language(Node):
    KEY: ClassVar[str] = "language_id"

    language_id: int = strawberry.field(description="The language's key in Pagila.")
    name: str = strawberry.field(
        description="English name, e.g. Italian (trailing blanks trimmed)."
    )
    last_update: dt.datetime = strawberry.field(description="When the row last changed.")

    @classmethod
    def from_entity(cls, language: LanguageEntity) -> Language:
        return cls(language_id=language.id, name=language.name, last_update=language.last_update)


@strawberry.type(description="One physical copy (DVD) of a film, held by one store.")
class Inventory(Node):
    KEY: ClassVar[str] = "inventory_id"

    inventory_id: int = strawberry.field(description="The copy's key in Pagila.")
    last_update: dt.datetime = strawberry.field(description="When the row last changed.")
    film_id: strawberry.Private[int]
    store_id: strawberry.Private[int]

    @strawberry.field(description="The film on this copy.")
    async def film(self, info: Info) -> Film:
        found = await loaders.FILMS.load(info.context, self.film_id)
        assert found is not None  # a foreign key
        return Film.from_entity(found)

    @strawberry.field(description="The store holding this copy.")
    async def store(self, info: Info) -> Annotated[Store, strawberry.lazy("graph.stores.types")]:
        from graph.stores import types as stores

        return await stores.load_store(info, self.store_id)

    @classmethod
    def from_entity(cls, copy: InventoryEntity) -> Inventory:
        return cls(
            inventory_id=copy.id,
            last_update=copy.last_update,
            film_id=copy.film_id,
            store_id=copy.store_id,
        )
