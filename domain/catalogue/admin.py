"""Managing the catalogue (staff only): films, their actors and categories, categories, copies.

Rules beyond validation:
* a film cannot be deleted while any of its copies is rented out, nor once it has rental history
  (rentals and payments reference its copies; Pagila keeps that history);
* a copy cannot be removed while rented out, nor once it has rental history;
* a category cannot be deleted while films use it; category names are unique (case-insensitive);
* copies are added and removed by staff of the copy's store (admins anywhere).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Literal, Protocol

from domain.auth import Principal, require_staff
from domain.catalogue.film_input import FILM_FIELD_PATHS, film_values
from domain.catalogue.films import Film, MpaaRating
from domain.errors import Conflict, InputField, NotFound
from domain.events import NO_EVENTS, DomainEvent, EventKind, EventPublisher, utc_now
from domain.rentals.counter import require_store_staff
from domain.transaction import Transaction
from domain.validation import LIMITS, Checks


class Keep(Enum):
    """An update field left out: keep the stored value (None means: clear it)."""

    KEEP = "keep"


KEEP: Literal[Keep.KEEP] = Keep.KEEP


@dataclass(frozen=True, slots=True)
class CategoryRecord:
    category_id: int
    name: str


@dataclass(frozen=True, slots=True)
class CopyRecord:
    inventory_id: int
    film_id: int
    store_id: int


@dataclass(frozen=True, slots=True)
class FilmDraft:
    title: str
    language_id: int
    description: str | None = None
    release_year: int | None = None
    original_language_id: int | None = None
    rental_duration: int = 3
    rental_rate: Decimal = Decimal("4.99")
    length: int | None = None
    replacement_cost: Decimal = Decimal("19.99")
    rating: MpaaRating | None = MpaaRating.G
    special_features: tuple[str, ...] = ()
    streaming_available: bool = False


@dataclass(frozen=True, slots=True)
class FilmChanges:
    title: str | Keep = KEEP
    language_id: int | Keep = KEEP
    description: str | Keep | None = KEEP
    release_year: int | Keep | None = KEEP
    original_language_id: int | Keep | None = KEEP
    rental_duration: int | Keep = KEEP
    rental_rate: Decimal | Keep = KEEP
    length: int | Keep | None = KEEP
    replacement_cost: Decimal | Keep = KEEP
    rating: MpaaRating | Keep | None = KEEP
    special_features: tuple[str, ...] | Keep = KEEP
    streaming_available: bool | Keep = KEEP


class CatalogueWrites(Protocol):
    async def missing_languages(self, ids: Sequence[int]) -> list[int]: ...

    async def missing_actors(self, ids: Sequence[int]) -> list[int]: ...

    async def missing_categories(self, ids: Sequence[int]) -> list[int]: ...

    async def insert_film(self, values: dict[str, object]) -> Film: ...

    async def update_film(self, film_id: int, values: dict[str, object]) -> Film | None:
        """Locks and updates the film (no values: just locks and reads it)."""
        ...

    async def film_copies_rented_out(self, film_id: int) -> int: ...

    async def film_has_rentals(self, film_id: int) -> bool: ...

    async def delete_film(self, film_id: int) -> None:
        """Deletes the film with its copies and actor/category links."""
        ...

    async def replace_film_actors(self, film_id: int, actor_ids: Sequence[int]) -> None: ...

    async def replace_film_categories(self, film_id: int, category_ids: Sequence[int]) -> None: ...

    async def category_named(self, name: str) -> CategoryRecord | None:
        """Case-insensitive."""
        ...

    async def insert_category(self, name: str) -> CategoryRecord: ...

    async def update_category(self, category_id: int, name: str) -> CategoryRecord | None: ...

    async def category_film_count(self, category_id: int) -> int: ...

    async def delete_category(self, category_id: int) -> bool: ...

    async def store_exists(self, store_id: int) -> bool: ...

    async def insert_copy(self, film_id: int, store_id: int) -> CopyRecord: ...

    async def lock_copy(self, inventory_id: int) -> CopyRecord | None: ...

    async def copy_rented_out(self, inventory_id: int) -> bool: ...

    async def copy_has_rentals(self, inventory_id: int) -> bool: ...

    async def delete_copy(self, inventory_id: int) -> None: ...


class CatalogueUnitOfWork(Transaction, Protocol):
    @property
    def catalogue_writes(self) -> CatalogueWrites: ...


# --- validation ----------------------------------------------------------------------------


def _ids(checks: Checks, name: str, ids: Sequence[int]) -> list[int]:
    unique: list[int] = []
    for i, key in enumerate(ids):
        checks.positive_id(f"{name}[{i}]", key)
        if key not in unique:
            unique.append(key)
    return unique


async def _check_languages(writes: CatalogueWrites, values: dict[str, object]) -> None:
    for column, path in (
        ("language_id", "languageId"),
        ("original_language_id", "originalLanguageId"),
    ):
        language = values.get(column)
        if isinstance(language, int) and await writes.missing_languages([language]):
            raise NotFound("Language", language, field=InputField(f"{path}"))


# --- service -------------------------------------------------------------------------------


def film_changed(film_id: int, change: str) -> DomainEvent:
    return DomainEvent(EventKind.FILM_CHANGED, utc_now(), film_id=film_id, change=change)


def inventory_changed(copy: CopyRecord, change: str) -> DomainEvent:
    return DomainEvent(
        EventKind.INVENTORY_CHANGED,
        utc_now(),
        film_id=copy.film_id,
        store_id=copy.store_id,
        inventory_id=copy.inventory_id,
        change=change,
    )


class CatalogueAdminService:
    def __init__(self, uow: CatalogueUnitOfWork, events: EventPublisher = NO_EVENTS) -> None:
        self._uow = uow
        self._events = events

    async def create_film(self, principal: Principal, draft: FilmDraft) -> Film:
        checks = Checks()
        given = {name: getattr(draft, name) for name in FILM_FIELD_PATHS}
        values = film_values(checks, given)
        checks.done()
        require_staff(principal)
        async with self._uow as uow:
            await _check_languages(uow.catalogue_writes, values)
            film = await uow.catalogue_writes.insert_film(values)
            await uow.commit()
        await self._events.publish([film_changed(film.id, "created")])
        return film

    async def update_film(self, principal: Principal, film_id: int, changes: FilmChanges) -> Film:
        checks = Checks()
        checks.positive_id("film_id", film_id)
        given = {
            name: getattr(changes, name)
            for name in FILM_FIELD_PATHS
            if getattr(changes, name) is not KEEP
        }
        values = film_values(checks, given)
        checks.done()
        require_staff(principal)
        async with self._uow as uow:
            await _check_languages(uow.catalogue_writes, values)
            film = await uow.catalogue_writes.update_film(film_id, values)
            if film is None:
                raise NotFound("Film", film_id, field=InputField("film_id"))
            await uow.commit()
        await self._events.publish([film_changed(film_id, "updated")])
        return film

    async def set_streaming_available(
        self, principal: Principal, film_id: int, available: bool
    ) -> Film:
        return await self.update_film(
            principal, film_id, FilmChanges(streaming_available=available)
        )

    async def delete_film(self, principal: Principal, film_id: int) -> int:
        require_staff(principal)
        async with self._uow as uow:
            writes = uow.catalogue_writes
            if await writes.update_film(film_id, {}) is None:  # locks the film row
                raise NotFound("Film", film_id, field=InputField("film_id"))
            rented_out = await writes.film_copies_rented_out(film_id)
            if rented_out:
                raise Conflict(
                    f"Film {film_id} has {rented_out} copies rented out.",
                    field=InputField("film_id"),
                )
            if await writes.film_has_rentals(film_id):
                raise Conflict(
                    f"Film {film_id} has rental history and cannot be deleted.",
                    field=InputField("film_id"),
                )
            await writes.delete_film(film_id)
            await uow.commit()
        await self._events.publish([film_changed(film_id, "deleted")])
        return film_id

    async def set_film_actors(
        self, principal: Principal, film_id: int, actor_ids: Sequence[int]
    ) -> Film:
        checks = Checks()
        ids = _ids(checks, "actorIds", actor_ids)
        checks.done()
        require_staff(principal)
        async with self._uow as uow:
            writes = uow.catalogue_writes
            film = await writes.update_film(film_id, {})
            if film is None:
                raise NotFound("Film", film_id, field=InputField("film_id"))
            missing = await writes.missing_actors(ids)
            if missing:
                raise NotFound(
                    "Actor", missing[0], field=InputField(f"actor_ids[{ids.index(missing[0])}]")
                )
            await writes.replace_film_actors(film_id, ids)
            await uow.commit()
        await self._events.publish([film_changed(film_id, "actors")])
        return film

    async def set_film_categories(
        self, principal: Principal, film_id: int, category_ids: Sequence[int]
    ) -> Film:
        checks = Checks()
        ids = _ids(checks, "categoryIds", category_ids)
        checks.done()
        require_staff(principal)
        async with self._uow as uow:
            writes = uow.catalogue_writes
            film = await writes.update_film(film_id, {})
            if film is None:
                raise NotFound("Film", film_id, field=InputField("film_id"))
            missing = await writes.missing_categories(ids)
            if missing:
                raise NotFound(
                    "Category",
                    missing[0],
                    field=InputField(f"category_ids[{ids.index(missing[0])}]"),
                )
            await writes.replace_film_categories(film_id, ids)
            await uow.commit()
        await self._events.publish([film_changed(film_id, "categories")])
        return film

    async def create_category(self, principal: Principal, name: str) -> CategoryRecord:
        checks = Checks()
        name = checks.text("name", name, LIMITS.category_name)
        checks.done()
        require_staff(principal)
        async with self._uow as uow:
            if await uow.catalogue_writes.category_named(name) is not None:
                raise Conflict(f"A category named {name!r} exists.", field=InputField("name"))
            category = await uow.catalogue_writes.insert_category(name)
            await uow.commit()
        return category

    async def update_category(
        self, principal: Principal, category_id: int, name: str
    ) -> CategoryRecord:
        checks = Checks()
        name = checks.text("name", name, LIMITS.category_name)
        checks.done()
        require_staff(principal)
        async with self._uow as uow:
            same_name = await uow.catalogue_writes.category_named(name)
            if same_name is not None and same_name.category_id != category_id:
                raise Conflict(f"A category named {name!r} exists.", field=InputField("name"))
            category = await uow.catalogue_writes.update_category(category_id, name)
            if category is None:
                raise NotFound("Category", category_id, field=InputField("category_id"))
            await uow.commit()
        return category

    async def delete_category(self, principal: Principal, category_id: int) -> int:
        require_staff(principal)
        async with self._uow as uow:
            films = await uow.catalogue_writes.category_film_count(category_id)
            if films:
                raise Conflict(
                    f"Category {category_id} still has {films} films.",
                    field=InputField("category_id"),
                )
            if not await uow.catalogue_writes.delete_category(category_id):
                raise NotFound("Category", category_id, field=InputField("category_id"))
            await uow.commit()
        return category_id

    async def add_inventory(self, principal: Principal, film_id: int, store_id: int) -> CopyRecord:
        require_store_staff(principal, store_id)
        async with self._uow as uow:
            writes = uow.catalogue_writes
            if await writes.update_film(film_id, {}) is None:
                raise NotFound("Film", film_id, field=InputField("film_id"))
            if not await writes.store_exists(store_id):
                raise NotFound("Store", store_id, field=InputField("store_id"))
            copy = await writes.insert_copy(film_id, store_id)
            await uow.commit()
        await self._events.publish([inventory_changed(copy, "added")])
        return copy

    async def remove_inventory(self, principal: Principal, inventory_id: int) -> CopyRecord:
        require_staff(principal)
        async with self._uow as uow:
            writes = uow.catalogue_writes
            copy = await writes.lock_copy(inventory_id)
            if copy is None:
                raise NotFound("Inventory", inventory_id, field=InputField("inventory_id"))
            require_store_staff(principal, copy.store_id)
            if await writes.copy_rented_out(inventory_id):
                raise Conflict(
                    f"Copy {inventory_id} is rented out.", field=InputField("inventory_id")
                )
            if await writes.copy_has_rentals(inventory_id):
                raise Conflict(
                    f"Copy {inventory_id} has rental history and cannot be removed.",
                    field=InputField("inventory_id"),
                )
            await writes.delete_copy(inventory_id)
            await uow.commit()
        await self._events.publish([inventory_changed(copy, "removed")])
        return copy
