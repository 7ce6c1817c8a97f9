"""In-memory fakes of the catalogue and customer write ports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from types import TracebackType
from typing import Self

from domain.catalogue.admin import CategoryRecord, CopyRecord
from domain.catalogue.films import Film, MpaaRating
from domain.customers.admin import AddressDraft, CustomerRecord, SubscriptionRecord

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@dataclass
class Shop:
    films: dict[int, Film] = field(default_factory=dict)
    languages: set[int] = field(default_factory=lambda: {1, 2})
    actors: set[int] = field(default_factory=lambda: {1, 2, 3})
    categories: dict[int, CategoryRecord] = field(default_factory=dict)
    film_actors: dict[int, list[int]] = field(default_factory=dict)
    film_categories: dict[int, list[int]] = field(default_factory=dict)
    stores: set[int] = field(default_factory=lambda: {1, 2})
    copies: dict[int, CopyRecord] = field(default_factory=dict)
    rented_out: set[int] = field(default_factory=set)  # inventory ids with an open rental
    ever_rented: set[int] = field(default_factory=set)
    countries: dict[str, int] = field(default_factory=lambda: {"canada": 20})
    cities: dict[tuple[str, int], int] = field(default_factory=lambda: {("halifax", 20): 300})
    addresses: dict[int, AddressDraft] = field(default_factory=dict)
    customers: dict[int, CustomerRecord] = field(default_factory=dict)
    subscriptions: dict[int, SubscriptionRecord] = field(default_factory=dict)


def _next(keys: Iterable[int]) -> int:
    return max(keys, default=0) + 1


def _film(film_id: int, values: dict[str, object]) -> Film:
    rating = values.get("rating")
    return Film(
        id=film_id,
        title=str(values["title"]),
        description=values.get("description"),  # type: ignore[arg-type]
        release_year=values.get("release_year"),  # type: ignore[arg-type]
        language_id=int(str(values["language_id"])),
        original_language_id=values.get("original_language_id"),  # type: ignore[arg-type]
        rental_duration=int(str(values["rental_duration"])),
        rental_rate=Decimal(str(values["rental_rate"])),
        length=values.get("length"),  # type: ignore[arg-type]
        replacement_cost=Decimal(str(values["replacement_cost"])),
        rating=None if rating is None else MpaaRating(str(rating)),
        special_features=tuple(values.get("special_features") or ()),  # type: ignore[arg-type]
        streaming_available=bool(values.get("streaming_available")),
        last_update=NOW,
    )


class FakeAdminWrites:
    """Both ports (catalogue and customers) over one in-memory shop."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop

    # catalogue
    async def missing_languages(self, ids: Sequence[int]) -> list[int]:
        return [i for i in ids if i not in self.shop.languages]

    async def missing_actors(self, ids: Sequence[int]) -> list[int]:
        return [i for i in ids if i not in self.shop.actors]

    async def missing_categories(self, ids: Sequence[int]) -> list[int]:
        return [i for i in ids if i not in self.shop.categories]

    async def insert_film(self, values: dict[str, object]) -> Film:
        film = _film(_next(self.shop.films), values)
        self.shop.films[film.id] = film
        return film

    async def update_film(self, film_id: int, values: dict[str, object]) -> Film | None:
        film = self.shop.films.get(film_id)
        if film is None:
            return None
        current = {
            "title": film.title,
            "description": film.description,
            "release_year": film.release_year,
            "language_id": film.language_id,
            "original_language_id": film.original_language_id,
            "rental_duration": film.rental_duration,
            "rental_rate": film.rental_rate,
            "length": film.length,
            "replacement_cost": film.replacement_cost,
            "rating": film.rating,
            "special_features": film.special_features,
            "streaming_available": film.streaming_available,
        }
        film = _film(film_id, {**current, **values})
        self.shop.films[film_id] = film
        return film

    def _copies_of(self, film_id: int) -> list[int]:
        return [c.inventory_id for c in self.shop.copies.values() if c.film_id == film_id]

    async def film_copies_rented_out(self, film_id: int) -> int:
        return len(set(self._copies_of(film_id)) & self.shop.rented_out)

    async def film_has_rentals(self, film_id: int) -> bool:
        return bool(set(self._copies_of(film_id)) & self.shop.ever_rented)

    async def delete_film(self, film_id: int) -> None:
        for copy in self._copies_of(film_id):
            del self.shop.copies[copy]
        self.shop.film_actors.pop(film_id, None)
        self.shop.film_categories.pop(film_id, None)
        del self.shop.films[film_id]

    async def replace_film_actors(self, film_id: int, actor_ids: Sequence[int]) -> None:
        self.shop.film_actors[film_id] = list(actor_ids)

    async def replace_film_categories(self, film_id: int, category_ids: Sequence[int]) -> None:
        self.shop.film_categories[film_id] = list(category_ids)

    async def category_named(self, name: str) -> CategoryRecord | None:
        return next(
            (c for c in self.shop.categories.values() if c.name.lower() == name.lower()), None
        )

    async def insert_category(self, name: str) -> CategoryRecord:
        category = CategoryRecord(_next(self.shop.categories), name)
        self.shop.categories[category.category_id] = category
        return category

    async def update_category(self, category_id: int, name: str) -> CategoryRecord | None:
        if category_id not in self.shop.categories:
            return None
        self.shop.categories[category_id] = CategoryRecord(category_id, name)
        return self.shop.categories[category_id]

    async def category_film_count(self, category_id: int) -> int:
        return sum(category_id in ids for ids in self.shop.film_categories.values())

    async def delete_category(self, category_id: int) -> bool:
        return self.shop.categories.pop(category_id, None) is not None

    async def store_exists(self, store_id: int) -> bool:
        return store_id in self.shop.stores

    async def insert_copy(self, film_id: int, store_id: int) -> CopyRecord:
        copy = CopyRecord(_next(self.shop.copies), film_id, store_id)
        self.shop.copies[copy.inventory_id] = copy
        return copy

    async def lock_copy(self, inventory_id: int) -> CopyRecord | None:
        return self.shop.copies.get(inventory_id)

    async def copy_rented_out(self, inventory_id: int) -> bool:
        return inventory_id in self.shop.rented_out

    async def copy_has_rentals(self, inventory_id: int) -> bool:
        return inventory_id in self.shop.ever_rented

    async def delete_copy(self, inventory_id: int) -> None:
        del self.shop.copies[inventory_id]

    # customers
    async def country_id(self, name: str) -> int | None:
        return self.shop.countries.get(name.lower())

    async def city_id(self, name: str, country_id: int) -> int | None:
        return self.shop.cities.get((name.lower(), country_id))

    async def insert_city(self, name: str, country_id: int) -> int:
        city_id = _next(set(self.shop.cities.values()))
        self.shop.cities[(name.lower(), country_id)] = city_id
        return city_id

    async def insert_address(self, city_id: int, address: AddressDraft) -> int:
        address_id = _next(self.shop.addresses)
        self.shop.addresses[address_id] = address
        return address_id

    async def insert_customer(self, values: dict[str, object]) -> CustomerRecord:
        customer = CustomerRecord(
            customer_id=_next(self.shop.customers),
            store_id=int(str(values["store_id"])),
            first_name=str(values["first_name"]),
            last_name=str(values["last_name"]),
            email=values.get("email"),  # type: ignore[arg-type]
            address_id=int(str(values["address_id"])),
            active=bool(values["activebool"]),
            create_date=NOW.date(),
        )
        self.shop.customers[customer.customer_id] = customer
        return customer

    async def lock_customer(self, customer_id: int) -> CustomerRecord | None:
        return self.shop.customers.get(customer_id)

    async def update_customer(self, customer_id: int, values: dict[str, object]) -> CustomerRecord:
        renamed = {"activebool": "active"}
        changes = {renamed.get(k, k): v for k, v in values.items() if k != "active"}
        customer = replace(self.shop.customers[customer_id], **changes)  # type: ignore[arg-type]
        self.shop.customers[customer_id] = customer
        return customer

    async def subscriptions_of(self, customer_id: int) -> list[SubscriptionRecord]:
        return [s for s in self.shop.subscriptions.values() if s.customer_id == customer_id]

    async def insert_subscription(
        self, customer_id: int, plan_name: str, start: dt.date, end: dt.date | None
    ) -> SubscriptionRecord:
        subscription = SubscriptionRecord(
            _next(self.shop.subscriptions), customer_id, plan_name, start, end
        )
        self.shop.subscriptions[subscription.subscription_id] = subscription
        return subscription

    async def lock_subscription(self, subscription_id: int) -> SubscriptionRecord | None:
        return self.shop.subscriptions.get(subscription_id)

    async def end_subscription(self, subscription_id: int, end: dt.date) -> SubscriptionRecord:
        subscription = replace(self.shop.subscriptions[subscription_id], end_date=end)
        self.shop.subscriptions[subscription_id] = subscription
        return subscription


class FakeAdminUoW:
    """Works on a deep copy of the shop; `commit` publishes it."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self.commits = 0
        self.catalogue_writes = FakeAdminWrites(shop)
        self.customer_writes = self.catalogue_writes

    async def __aenter__(self) -> Self:
        import copy

        self.catalogue_writes = FakeAdminWrites(copy.deepcopy(self.shop))
        self.customer_writes = self.catalogue_writes
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def commit(self) -> None:
        self.shop.__dict__.update(self.catalogue_writes.shop.__dict__)
        self.commits += 1
