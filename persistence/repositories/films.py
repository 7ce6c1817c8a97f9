"""Films: by id, filtered keyset pages (title search, full text ranked by ts_rank, ...), and the
films of actors and categories as per-parent pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    FromClause,
    Integer,
    Row,
    and_,
    cast,
    exists,
    func,
    select,
)

from domain.catalogue.films import Film, FilmFilter, FilmsOf, MpaaRating
from domain.pagination import PageRequest, Slice
from persistence.keyset import Link, Listing, ListingRepository, SortColumns, any_of
from persistence.models import Film as FilmRow
from persistence.models import FilmActor, FilmCategory, Inventory, Rental

_FILM = FilmRow.__table__
_FILM_ACTOR = FilmActor.__table__
_FILM_CATEGORY = FilmCategory.__table__
_INVENTORY = Inventory.__table__
_RENTAL = Rental.__table__
_COLUMNS = [c for c in _FILM.c if c.name != "fulltext"]


def film_from_row(row: Row[Any]) -> Film:
    return Film(
        id=row.film_id,
        title=row.title,
        description=row.description,
        release_year=row.release_year,
        language_id=row.language_id,
        original_language_id=row.original_language_id,
        rental_duration=row.rental_duration,
        rental_rate=row.rental_rate,
        length=row.length,
        replacement_cost=row.replacement_cost,
        rating=MpaaRating(row.rating) if row.rating is not None else None,
        special_features=tuple(row.special_features or ()),
        streaming_available=row.streaming_available,
        last_update=row.last_update,
    )


FILMS = Listing(
    from_=_FILM,
    columns=_COLUMNS,
    id_column=_FILM.c.film_id,
    to_entity=film_from_row,
    sorts={
        "TITLE": [_FILM.c.title],
        "RELEASE_YEAR": [func.coalesce(cast(_FILM.c.release_year, Integer), 0)],
        "LENGTH": [func.coalesce(_FILM.c.length, 0)],
        "RENTAL_RATE": [_FILM.c.rental_rate],
        "REPLACEMENT_COST": [_FILM.c.replacement_cost],
        "FILM_ID": [],
    },
    links={
        FilmsOf.ACTOR: Link(
            _FILM.join(_FILM_ACTOR, _FILM_ACTOR.c.film_id == _FILM.c.film_id),
            _FILM_ACTOR.c.actor_id,
        ),
        FilmsOf.CATEGORY: Link(
            _FILM.join(_FILM_CATEGORY, _FILM_CATEGORY.c.film_id == _FILM.c.film_id),
            _FILM_CATEGORY.c.category_id,
        ),
    },
)


def like_pattern(text: str) -> str:
    """`%text%` with LIKE's wildcards in `text` taken literally (escape character `\\`)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _query(text: str) -> ColumnElement[Any]:
    # websearch syntax accepts any user input ("quoted phrases", -not, or) without errors
    return func.websearch_to_tsquery("english", text)


def open_rental(inventory: FromClause = _INVENTORY) -> ColumnElement[bool]:
    """The copy is out with a customer: it has a rental not yet returned (the domain's
    `CopyState.rented_out`; a copy is in stock when this is false)."""
    return exists().where(
        _RENTAL.c.inventory_id == inventory.c.inventory_id, _RENTAL.c.return_date.is_(None)
    )


def in_stock_at(store_id: int) -> ColumnElement[bool]:
    """Some copy of the film at the store is not rented out."""
    return exists().where(
        _INVENTORY.c.film_id == _FILM.c.film_id,
        _INVENTORY.c.store_id == store_id,
        ~open_rental(),
    )


def copies_in_stock(film_id: ColumnElement[int], store_id: int | None) -> ColumnElement[int]:
    """How many copies of the film are in stock (at `store_id`, or anywhere): the SQL form of
    `AvailabilityService.copies_in_stock`, for the compiled read path."""
    copy = _INVENTORY.alias("stock_copy")
    where = [copy.c.film_id == film_id, ~open_rental(copy)]
    if store_id is not None:
        where.append(copy.c.store_id == store_id)
    return select(func.count()).select_from(copy).where(*where).scalar_subquery()


def film_sorts(f: FilmFilter) -> Mapping[str, SortColumns]:
    """Sort columns a filter brings: relevance (ts_rank) when searching."""
    if not f.fulltext:
        return {}
    return {"RELEVANCE": [func.ts_rank(_FILM.c.fulltext, _query(f.fulltext), type_=Float)]}


def film_conditions(f: FilmFilter) -> list[ColumnElement[bool]]:
    c = _FILM.c
    where: list[ColumnElement[bool]] = []
    if f.title_contains:
        where.append(c.title.ilike(like_pattern(f.title_contains), escape="\\"))
    if f.fulltext:
        where.append(c.fulltext.bool_op("@@")(_query(f.fulltext)))
    if f.category_ids is not None:
        fc = _FILM_CATEGORY.c
        where.append(
            exists().where(
                fc.film_id == c.film_id, any_of(fc.category_id, f.category_ids, "category_ids")
            )
        )
    if f.actor_ids is not None:
        fa = _FILM_ACTOR.c
        where.append(
            exists().where(fa.film_id == c.film_id, any_of(fa.actor_id, f.actor_ids, "actor_ids"))
        )
    where.extend(_value_conditions(f))
    if f.in_stock_at_store is not None:
        where.append(in_stock_at(f.in_stock_at_store))
    return [and_(*where)] if where else []


def _value_conditions(f: FilmFilter) -> list[ColumnElement[bool]]:
    c = _FILM.c
    where: list[ColumnElement[bool]] = []
    if f.ratings is not None:
        where.append(c.rating.in_([r.value for r in f.ratings]))
    if f.release_year is not None:
        where.append(cast(c.release_year, Integer) == f.release_year)  # `year` is a DOMAIN
    if f.language_ids is not None:
        where.append(any_of(c.language_id, f.language_ids, "language_ids"))
    if f.min_length is not None:
        where.append(c.length >= f.min_length)
    if f.max_length is not None:
        where.append(c.length <= f.max_length)
    if f.min_rental_rate is not None:
        where.append(c.rental_rate >= f.min_rental_rate)
    if f.max_rental_rate is not None:
        where.append(c.rental_rate <= f.max_rental_rate)
    if f.streaming_available is not None:
        where.append(c.streaming_available.is_(f.streaming_available))
    return where


class SqlFilmRepository(ListingRepository[Film, FilmsOf]):
    listing = FILMS

    async def page(self, film_filter: FilmFilter, request: PageRequest) -> Slice[Film]:
        return await self._page(film_conditions(film_filter), request, film_sorts(film_filter))

    def conditions(self, filter: FilmFilter) -> list[ColumnElement[bool]]:
        return film_conditions(filter)
