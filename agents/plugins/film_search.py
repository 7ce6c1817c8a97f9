"""`FilmSearch`: the SearchAgent's tools over the catalogue, through domain services only.

Results are compact JSON with film ids, so the API can link the films an answer names.
"""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any

from semantic_kernel.functions import kernel_function

from domain.catalogue.films import Film, FilmOrderField, MpaaRating
from domain.catalogue.search import (
    STORES,
    FilmSearch,
    FilmSearchService,
    category_key,
    parse_rating,
)
from domain.errors import DomainError
from domain.units import UnitOfWorkFactory

PLUGIN_NAME = "FilmSearch"


class FilmCategory(StrEnum):
    """Pagila's categories (the bundled data): the `category` parameter's vocabulary. An enum,
    so Semantic Kernel states it in the function's JSON schema (`enum`) for every provider, and
    the local model's grammar admits only these (decision 0065)."""

    ACTION = "Action"
    ANIMATION = "Animation"
    CHILDREN = "Children"
    CLASSICS = "Classics"
    COMEDY = "Comedy"
    DOCUMENTARY = "Documentary"
    DRAMA = "Drama"
    FAMILY = "Family"
    FOREIGN = "Foreign"
    GAMES = "Games"
    HORROR = "Horror"
    MUSIC = "Music"
    NEW = "New"
    SCI_FI = "Sci-Fi"
    SPORTS = "Sports"
    TRAVEL = "Travel"


CATEGORIES = tuple(c.value for c in FilmCategory)


class SortBy(StrEnum):
    """What `search_films` can order by (its `sort_by` parameter's vocabulary)."""

    RELEVANCE = "relevance"
    TITLE = "title"
    LENGTH = "length"
    RENTAL_RATE = "rental_rate"
    REPLACEMENT_COST = "replacement_cost"
    RELEASE_YEAR = "release_year"


#: worked examples of calls (function → question and arguments), shown to a small model
EXAMPLES: dict[str, list[dict[str, Any]]] = {
    "search_films": [
        {"question": "anything with dinosaurs under $1?",
         "arguments": {"query": "dinosaur", "max_price": 0.99}},
        {"question": "How long is ACADEMY DINOSAUR?", "arguments": {"title": "ACADEMY DINOSAUR"}},
        {"question": "Is ALIEN CENTER in stock at store 2?",
         "arguments": {"title": "ALIEN CENTER", "in_stock_at_store": 2}},
        {"question": "horror films shorter than 60 minutes rated R",
         "arguments": {"category": "Horror", "max_length": 60, "rating": "R"}},
    ],
}  # fmt: skip
#: `search_films` parameters that take a title or a person's name: only phrases the customer
#: wrote with capitals fill them (agents.grounding)
NAME_PARAMETERS = frozenset({"search_films.title", "search_films.actor"})
SORT_FIELDS: dict[str, FilmOrderField] = {s.value: FilmOrderField(s.value.upper()) for s in SortBy}
MAX_LIMIT = 10


def film_json(film: Film, *, description: bool = False) -> dict[str, Any]:
    if description:
        return {**film_json(film), "description": film.description}
    return {
        "id": film.id,
        "title": film.title,
        "rating": film.rating.value if film.rating else None,
        "rental_rate": str(film.rental_rate),
        "replacement_cost": str(film.replacement_cost),
        "length": film.length,
        "year": film.release_year,
    }


def error_json(exc: DomainError) -> str:
    return json.dumps({"error": exc.code, "message": exc.message})


def _price(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _value(value: Any) -> str | None:
    """An enum argument's value (SK parses them), or the string a caller passed."""
    if value in (None, ""):
        return None
    return str(value.value if isinstance(value, StrEnum) else value)


_CATEGORY_KEYS = {category_key(name): name for name in CATEGORIES}
_RATINGS = {r.value for r in MpaaRating}
#: words every film matches: searching descriptions for them finds nothing
_GENERIC = frozenset({"film", "movie", "dvd", "something", "anything"})


def _criteria_in_words(
    query: str | None, category: str | None, rating: str | None
) -> tuple[str | None, str | None, str | None]:
    """Keywords that are a category or a rating ("comedies", "NC-17") mean that criterion: a
    full-text search for them would look in descriptions, which never name their category."""
    if not query:
        return query, category, rating
    words: list[str] = []
    for word in query.split():
        key = category_key(word)
        if key in _GENERIC:
            continue
        if category is None and key in _CATEGORY_KEYS:
            category = _CATEGORY_KEYS[key]
        elif rating is None and word.upper() in _RATINGS:
            rating = word.upper()
        else:
            words.append(word)
    return " ".join(words) or None, category, rating


class FilmSearchPlugin:
    def __init__(self, units: UnitOfWorkFactory) -> None:
        self._units = units

    @kernel_function(
        name="search_films",
        description="Search the DVD catalogue. Give any of: keywords (topic words), title, "
        "category, actor, rating, max_price, min_length, max_length, in_stock_at_store. "
        "Returns matching films with their ids.",
    )
    async def search_films(
        self,
        *,
        query: Annotated[str | None, "Topic keywords, e.g. 'dinosaur'"] = None,
        title: Annotated[str | None, "Part of the film title"] = None,
        category: Annotated[FilmCategory | None, "Category, e.g. Horror, Comedy"] = None,
        actor: Annotated[str | None, "Actor name"] = None,
        rating: Annotated[MpaaRating | None, "MPAA rating"] = None,
        max_price: Annotated[float | None, "Highest rental price in dollars"] = None,
        min_length: Annotated[int | None, "Shortest running time, minutes"] = None,
        max_length: Annotated[int | None, "Longest running time, minutes"] = None,
        in_stock_at_store: Annotated[int | None, "Only films with a copy in this store"] = None,
        sort_by: Annotated[SortBy | None, "Order of the results, e.g. length"] = None,
        descending: Annotated[bool | None, "Largest first (longest, most expensive)"] = None,
        limit: Annotated[int | None, "How many films, 1 to 10"] = None,
    ) -> Annotated[str, "JSON: {films: [...], count}"]:
        query, category_name, rating_name = _criteria_in_words(
            query, _value(category), _value(rating)
        )
        try:
            criteria = FilmSearch(
                keywords=query or None,
                title=title or None,
                category=category_name or None,
                actor=actor or None,
                rating=parse_rating(rating_name),
                max_price=_price(max_price),
                min_length=_int(min_length),
                max_length=_int(max_length),
                in_stock_at_store=_int(in_stock_at_store),
                limit=max(1, min(_int(limit) or 5, MAX_LIMIT)),
                order_by=SORT_FIELDS.get(str(_value(sort_by) or "").lower()),
                descending=bool(descending),
            )
            async with self._units.read_only() as uow:
                service = FilmSearchService(uow)
                films, total = await service.search(criteria)
                if not films and criteria.title and not criteria.keywords:
                    # a topic given as a title ("DENTIST IN A MONASTERY"): try it as keywords
                    criteria = replace(criteria, title=None, keywords=criteria.title)
                    films, total = await service.search(criteria)
                store = criteria.in_stock_at_store
                if store is None or (not films and not (criteria.title or criteria.keywords)):
                    one = len(films) == 1
                    return json.dumps(
                        {"films": [film_json(f, description=one) for f in films], "count": total}
                    )
                if not films:
                    # "is X in stock at store 2?": X exists but has no copy there — say so,
                    # rather than "no such film"
                    films, total = await service.search(replace(criteria, in_stock_at_store=None))
                stocked = [(f, await service.in_stock(f.id, (store,))) for f in films]
        except DomainError as exc:
            return error_json(exc)
        return json.dumps(
            {
                "films": [
                    {
                        **film_json(f, description=len(stocked) == 1),
                        "in_stock": {str(store): copies[store]},
                    }
                    for f, copies in stocked
                ],
                "count": total,
            }
        )

    @kernel_function(
        name="film_details",
        description="Details of one film by its id: description, length, price, rating.",
    )
    async def film_details(self, film_id: Annotated[int, "The film id"]) -> str:
        try:
            async with self._units.read_only() as uow:
                film = await FilmSearchService(uow).films.get(int(film_id))
        except DomainError as exc:
            return error_json(exc)
        return json.dumps(
            {
                "films": [
                    {
                        **film_json(film),
                        "description": film.description,
                        "rental_days": film.rental_duration,
                        "features": list(film.special_features),
                    }
                ],
                "count": 1,
            }
        )

    @kernel_function(
        name="availability",
        description="How many copies of a film (by id) are in stock now at each store.",
    )
    async def availability(
        self,
        film_id: Annotated[int, "The film id"],
        store_id: Annotated[int | None, "One store (1 or 2); omit for every store"] = None,
    ) -> str:
        stores = (int(store_id),) if store_id else STORES
        try:
            async with self._units.read_only() as uow:
                service = FilmSearchService(uow)
                film = await service.films.get(int(film_id))
                counts = await service.in_stock(film.id, stores)
        except DomainError as exc:
            return error_json(exc)
        return json.dumps(
            {
                "films": [film_json(film)],
                "count": 1,
                "in_stock": {str(store): copies for store, copies in counts.items()},
            }
        )
