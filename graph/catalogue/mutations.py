"""Catalogue mutations (staff): films, their actors and categories, categories, copies.

Results are the read API's types (`Film`, `Category`, `Inventory`), re-read after the commit.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry

from domain.catalogue.admin import KEEP, CatalogueAdminService, FilmChanges, FilmDraft
from domain.catalogue.films import MpaaRating as DomainRating
from graph.catalogue.types import Category, Film, Inventory, MpaaRating
from graph.mutations import Payload, run_mutation
from graph.writing import Info, caller, read_back, write_uow


def _service(info: Info) -> CatalogueAdminService:
    return CatalogueAdminService(write_uow(info), events=info.context.publisher)


async def _category(info: Info, category_id: int) -> Category:
    return await read_back(info, Category, lambda uow: uow.categories, category_id)


def _kept(value: Any) -> Any:
    return KEEP if value is strawberry.UNSET else value


@strawberry.input(description="A new film. Text is trimmed; limits are in each description.")
class CreateFilmInput:
    title: str = strawberry.field(description="1 to 255 characters.")
    language_id: int
    description: str | None = strawberry.field(default=None, description="Up to 2000 characters.")
    release_year: int | None = strawberry.field(default=None, description="1901 to 2155.")
    original_language_id: int | None = None
    rental_duration: int = strawberry.field(default=3, description="Days, 1 to 365.")
    rental_rate: Decimal = strawberry.field(
        default=Decimal("4.99"), description="Dollars, 0 to 99.99."
    )
    length: int | None = strawberry.field(default=None, description="Minutes, 1 to 32767.")
    replacement_cost: Decimal = strawberry.field(
        default=Decimal("19.99"), description="Dollars, 0 to 999.99."
    )
    rating: MpaaRating | None = DomainRating.G  # type: ignore[valid-type]
    special_features: list[str] = strawberry.field(
        default_factory=list,
        description="Any of: Trailers, Commentaries, Deleted Scenes, Behind the Scenes.",
    )
    streaming_available: bool = False


@strawberry.input(description="Changes to a film: fields left out keep their value; null clears.")
class UpdateFilmInput:
    film_id: int
    title: str | None = strawberry.UNSET
    language_id: int | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    release_year: int | None = strawberry.UNSET
    original_language_id: int | None = strawberry.UNSET
    rental_duration: int | None = strawberry.UNSET
    rental_rate: Decimal | None = strawberry.UNSET
    length: int | None = strawberry.UNSET
    replacement_cost: Decimal | None = strawberry.UNSET
    rating: MpaaRating | None = strawberry.UNSET  # type: ignore[valid-type]
    special_features: list[str] | None = strawberry.UNSET
    streaming_available: bool | None = strawberry.UNSET


@strawberry.type
class FilmPayload(Payload):
    film: Film | None = None


@strawberry.type
class CreateFilmPayload(FilmPayload):
    pass


@strawberry.type
class UpdateFilmPayload(FilmPayload):
    pass


@strawberry.input
class DeleteFilmInput:
    film_id: int


@strawberry.type
class DeleteFilmPayload(Payload):
    deleted_film_id: int | None = None


@strawberry.input(description="The film's complete cast (replaces the current one).")
class SetFilmActorsInput:
    film_id: int
    actor_ids: list[int]


@strawberry.type
class SetFilmActorsPayload(FilmPayload):
    pass


@strawberry.input(description="The film's complete set of categories (replaces the current one).")
class SetFilmCategoriesInput:
    film_id: int
    category_ids: list[int]


@strawberry.type
class SetFilmCategoriesPayload(FilmPayload):
    pass


@strawberry.input
class SetStreamingAvailableInput:
    film_id: int
    available: bool


@strawberry.type
class SetStreamingAvailablePayload(FilmPayload):
    pass


@strawberry.input
class CreateCategoryInput:
    name: str = strawberry.field(description="1 to 25 characters, unique (ignoring case).")


@strawberry.input
class UpdateCategoryInput:
    category_id: int
    name: str = strawberry.field(description="1 to 25 characters, unique (ignoring case).")


@strawberry.type
class CategoryPayload(Payload):
    category: Category | None = None


@strawberry.type
class CreateCategoryPayload(CategoryPayload):
    pass


@strawberry.type
class UpdateCategoryPayload(CategoryPayload):
    pass


@strawberry.input
class DeleteCategoryInput:
    category_id: int


@strawberry.type
class DeleteCategoryPayload(Payload):
    deleted_category_id: int | None = None


@strawberry.input(description="A new copy (DVD) of a film at a store.")
class AddInventoryInput:
    film_id: int
    store_id: int


@strawberry.type
class AddInventoryPayload(Payload):
    inventory: Inventory | None = strawberry.field(default=None, description="The new copy.")


@strawberry.input
class RemoveInventoryInput:
    inventory_id: int


@strawberry.type
class RemoveInventoryPayload(Payload):
    removed_inventory_id: int | None = None


@strawberry.type
class CatalogMutation:
    @strawberry.mutation(description="Add a film to the catalogue (staff).")
    async def create_film(self, info: Info, input: CreateFilmInput) -> CreateFilmPayload:
        draft = FilmDraft(
            title=input.title,
            language_id=input.language_id,
            description=input.description,
            release_year=input.release_year,
            original_language_id=input.original_language_id,
            rental_duration=input.rental_duration,
            rental_rate=input.rental_rate,
            length=input.length,
            replacement_cost=input.replacement_cost,
            rating=input.rating,
            special_features=tuple(input.special_features),
            streaming_available=input.streaming_available,
        )

        async def action() -> CreateFilmPayload:
            film = await _service(info).create_film(caller(info), draft)
            return CreateFilmPayload(film=Film.from_entity(film))

        return await run_mutation(CreateFilmPayload, action)

    @strawberry.mutation(description="Change a film's details (staff).")
    async def update_film(self, info: Info, input: UpdateFilmInput) -> UpdateFilmPayload:
        features = input.special_features
        changes = FilmChanges(
            title=_kept(input.title),
            language_id=_kept(input.language_id),
            description=_kept(input.description),
            release_year=_kept(input.release_year),
            original_language_id=_kept(input.original_language_id),
            rental_duration=_kept(input.rental_duration),
            rental_rate=_kept(input.rental_rate),
            length=_kept(input.length),
            replacement_cost=_kept(input.replacement_cost),
            rating=_kept(input.rating),
            special_features=_kept(tuple(features) if isinstance(features, list) else features),
            streaming_available=_kept(input.streaming_available),
        )

        async def action() -> UpdateFilmPayload:
            film = await _service(info).update_film(caller(info), input.film_id, changes)
            return UpdateFilmPayload(film=Film.from_entity(film))

        return await run_mutation(UpdateFilmPayload, action)

    @strawberry.mutation(
        description="Delete a film with its copies (staff); refused while a copy is rented out "
        "or once the film has rental history."
    )
    async def delete_film(self, info: Info, input: DeleteFilmInput) -> DeleteFilmPayload:
        async def action() -> DeleteFilmPayload:
            deleted = await _service(info).delete_film(caller(info), input.film_id)
            return DeleteFilmPayload(deleted_film_id=deleted)

        return await run_mutation(DeleteFilmPayload, action)

    @strawberry.mutation(description="Replace a film's cast (staff).")
    async def set_film_actors(self, info: Info, input: SetFilmActorsInput) -> SetFilmActorsPayload:
        async def action() -> SetFilmActorsPayload:
            film = await _service(info).set_film_actors(
                caller(info), input.film_id, input.actor_ids
            )
            return SetFilmActorsPayload(film=Film.from_entity(film))

        return await run_mutation(SetFilmActorsPayload, action)

    @strawberry.mutation(description="Replace a film's categories (staff).")
    async def set_film_categories(
        self, info: Info, input: SetFilmCategoriesInput
    ) -> SetFilmCategoriesPayload:
        async def action() -> SetFilmCategoriesPayload:
            film = await _service(info).set_film_categories(
                caller(info), input.film_id, input.category_ids
            )
            return SetFilmCategoriesPayload(film=Film.from_entity(film))

        return await run_mutation(SetFilmCategoriesPayload, action)

    @strawberry.mutation(description="Make a film streamable, or stop streaming it (staff).")
    async def set_streaming_available(
        self, info: Info, input: SetStreamingAvailableInput
    ) -> SetStreamingAvailablePayload:
        async def action() -> SetStreamingAvailablePayload:
            film = await _service(info).set_streaming_available(
                caller(info), input.film_id, input.available
            )
            return SetStreamingAvailablePayload(film=Film.from_entity(film))

        return await run_mutation(SetStreamingAvailablePayload, action)

    @strawberry.mutation(description="Add a category (staff).")
    async def create_category(
        self, info: Info, input: CreateCategoryInput
    ) -> CreateCategoryPayload:
        async def action() -> CreateCategoryPayload:
            category = await _service(info).create_category(caller(info), input.name)
            return CreateCategoryPayload(category=await _category(info, category.category_id))

        return await run_mutation(CreateCategoryPayload, action)

    @strawberry.mutation(description="Rename a category (staff).")
    async def update_category(
        self, info: Info, input: UpdateCategoryInput
    ) -> UpdateCategoryPayload:
        async def action() -> UpdateCategoryPayload:
            category = await _service(info).update_category(
                caller(info), input.category_id, input.name
            )
            return UpdateCategoryPayload(category=await _category(info, category.category_id))

        return await run_mutation(UpdateCategoryPayload, action)

    @strawberry.mutation(description="Delete a category no film uses (staff).")
    async def delete_category(
        self, info: Info, input: DeleteCategoryInput
    ) -> DeleteCategoryPayload:
        async def action() -> DeleteCategoryPayload:
            deleted = await _service(info).delete_category(caller(info), input.category_id)
            return DeleteCategoryPayload(deleted_category_id=deleted)

        return await run_mutation(DeleteCategoryPayload, action)

    @strawberry.mutation(description="Add a copy of a film at a store (staff of that store).")
    async def add_inventory(self, info: Info, input: AddInventoryInput) -> AddInventoryPayload:
        async def action() -> AddInventoryPayload:
            copy = await _service(info).add_inventory(caller(info), input.film_id, input.store_id)
            found = await read_back(info, Inventory, lambda uow: uow.inventory, copy.inventory_id)
            return AddInventoryPayload(inventory=found)

        return await run_mutation(AddInventoryPayload, action)

    @strawberry.mutation(
        description="Remove a copy (staff of its store); refused while it is rented out or "
        "once it has rental history."
    )
    async def remove_inventory(
        self, info: Info, input: RemoveInventoryInput
    ) -> RemoveInventoryPayload:
        async def action() -> RemoveInventoryPayload:
            copy = await _service(info).remove_inventory(caller(info), input.inventory_id)
            return RemoveInventoryPayload(removed_inventory_id=copy.inventory_id)

        return await run_mutation(RemoveInventoryPayload, action)
