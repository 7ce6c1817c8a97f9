"""Orderings of the catalogue's lists. Every ordering ends with the id, so it is total and
stable, and cursors encode it (a cursor of one ordering is refused by another)."""

from __future__ import annotations

import strawberry

from domain.catalogue import films
from domain.catalogue import reads as catalog
from domain.pagination import SortDirection, SortKey
from domain.reading import sort_key
from graph.pagination import OrderDirection

FilmOrderField = strawberry.enum(
    films.FilmOrderField,
    name="FilmOrderField",
    description="What to order films by; ties are broken by filmId.",
)
ActorOrderField = strawberry.enum(
    catalog.ActorOrderField,
    name="ActorOrderField",
    description="LAST_NAME orders by last then first name; FIRST_NAME the other way round.",
)
NameOrderField = strawberry.enum(
    catalog.NameOrderField, name="NameOrderField", description="By name, or by key."
)


@strawberry.input(description="How to order films.")
class FilmOrder:
    field: FilmOrderField  # type: ignore[valid-type]
    direction: OrderDirection = SortDirection.ASC  # type: ignore[valid-type]


@strawberry.input(description="How to order actors.")
class ActorOrder:
    field: ActorOrderField  # type: ignore[valid-type]
    direction: OrderDirection = SortDirection.ASC  # type: ignore[valid-type]


@strawberry.input(description="How to order a list of named things.")
class NameOrder:
    field: NameOrderField  # type: ignore[valid-type]
    direction: OrderDirection = SortDirection.ASC  # type: ignore[valid-type]


def film_order(order: FilmOrder | None, criteria: films.FilmFilter) -> SortKey:
    if order is None:
        return films.film_sort(None, SortDirection.ASC, criteria)
    return films.film_sort(order.field, order.direction, criteria)


def actor_order(order: ActorOrder | None) -> SortKey:
    field, direction = (
        (catalog.ActorOrderField.LAST_NAME, SortDirection.ASC)
        if order is None
        else (order.field, order.direction)
    )
    return sort_key(field, direction, catalog.ACTOR_SORT_TYPES)


def name_order(order: NameOrder | None) -> SortKey:
    field, direction = (
        (catalog.NameOrderField.NAME, SortDirection.ASC)
        if order is None
        else (order.field, order.direction)
    )
    return sort_key(field, direction, catalog.NAME_SORT_TYPES)
