from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from domain.films import Film as FilmEntity
from domain.films import MpaaRating as DomainRating
from graph.relay import to_global_id

MpaaRating = strawberry.enum(
    DomainRating, name="MpaaRating", description="Motion Picture Association film rating."
)


@strawberry.type(description="A film in the catalogue, available to rent on DVD.")
class Film:
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

    @strawberry.field(description="Opaque global ID; pass it to `node(id:)`.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("Film", self.film_id))

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
        )
