"""Typed filters of the catalogue's lists."""

from __future__ import annotations

import strawberry

from domain.catalogue.films import FilmFilter as FilmCriteria
from domain.catalogue.reads import ActorFilter as ActorCriteria
from domain.catalogue.reads import InventoryFilter as InventoryCriteria
from graph.catalogue.types import MpaaRating
from graph.filtering import DecimalRange, IntRange, ids


@strawberry.input(description="Films matching ALL the criteria given (omit what you don't need).")
class FilmFilter:
    title_contains: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of the title, e.g. `dino`."
    )
    fulltext: str | None = strawberry.field(
        default=None,
        description="Full-text search in title and description (web-search syntax: "
        '`drama -teacher`, `"mad scientist"`). Ordered by relevance unless `orderBy` is given.',
    )
    category_ids: list[int] | None = strawberry.field(
        default=None, description="In any of these categories (by `categoryId`)."
    )
    actor_ids: list[int] | None = strawberry.field(
        default=None, description="Featuring any of these actors (by `actorId`)."
    )
    ratings: list[MpaaRating] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Rated any of these."
    )
    release_year: int | None = strawberry.field(default=None, description="Released that year.")
    language_ids: list[int] | None = strawberry.field(
        default=None, description="Offered in any of these languages (by `languageId`)."
    )
    length: IntRange | None = strawberry.field(default=None, description="Running time in minutes.")
    rental_rate: DecimalRange | None = strawberry.field(
        default=None, description="Price of one rental, in dollars."
    )
    streaming_available: bool | None = strawberry.field(
        default=None, description="Whether the film can also be streamed."
    )
    in_stock_at_store: int | None = strawberry.field(
        default=None, description="At least one copy at this store (`storeId`) is not rented out."
    )

    def criteria(self) -> FilmCriteria:
        length = self.length or IntRange()
        rate = self.rental_rate or DecimalRange()
        return FilmCriteria(
            title_contains=self.title_contains,
            fulltext=self.fulltext,
            category_ids=ids(self.category_ids),
            actor_ids=ids(self.actor_ids),
            ratings=None if self.ratings is None else tuple(self.ratings),
            release_year=self.release_year,
            language_ids=ids(self.language_ids),
            min_length=length.min,
            max_length=length.max,
            min_rental_rate=rate.min,
            max_rental_rate=rate.max,
            streaming_available=self.streaming_available,
            in_stock_at_store=self.in_stock_at_store,
        )


@strawberry.input(description="Actors matching all the criteria given.")
class ActorFilter:
    name_contains: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of 'FIRST LAST'."
    )

    def criteria(self) -> ActorCriteria:
        return ActorCriteria(name_contains=self.name_contains)


@strawberry.input(description="Copies matching all the criteria given.")
class InventoryFilter:
    film_id: int | None = strawberry.field(default=None, description="Copies of this film.")
    store_id: int | None = strawberry.field(default=None, description="Copies held by this store.")

    def criteria(self) -> InventoryCriteria:
        return InventoryCriteria(film_id=self.film_id, store_id=self.store_id)
