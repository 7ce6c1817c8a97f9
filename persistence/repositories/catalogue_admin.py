"""Write-side repository of the catalogue: films, their links, categories, copies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, delete, exists, func, insert, select, update

from domain.catalogue.admin import CategoryRecord, CopyRecord
from domain.catalogue.films import Film
from persistence import models
from persistence.repositories.base import Repository
from persistence.repositories.films import film_from_row

_FILM = cast(Table, models.Film.__table__)
_FILM_ACTOR = cast(Table, models.FilmActor.__table__)
_FILM_CATEGORY = cast(Table, models.FilmCategory.__table__)
_ACTOR = cast(Table, models.Actor.__table__)
_CATEGORY = cast(Table, models.Category.__table__)
_LANGUAGE = cast(Table, models.Language.__table__)
_INVENTORY = cast(Table, models.Inventory.__table__)
_RENTAL = cast(Table, models.Rental.__table__)
_STORE = cast(Table, models.Store.__table__)
_FILM_COLUMNS = [c for c in _FILM.c if c.name != "fulltext"]
_COPY_COLUMNS = (_INVENTORY.c.inventory_id, _INVENTORY.c.film_id, _INVENTORY.c.store_id)


class SqlCatalogueWrites(Repository):
    async def _missing(self, column: Any, ids: Sequence[int]) -> list[int]:
        if not ids:
            return []
        rows = await self._run.all(select(column).where(column.in_(list(ids))))
        found = {row[0] for row in rows}
        return [i for i in ids if i not in found]

    async def missing_languages(self, ids: Sequence[int]) -> list[int]:
        return await self._missing(_LANGUAGE.c.language_id, ids)

    async def missing_actors(self, ids: Sequence[int]) -> list[int]:
        return await self._missing(_ACTOR.c.actor_id, ids)

    async def missing_categories(self, ids: Sequence[int]) -> list[int]:
        return await self._missing(_CATEGORY.c.category_id, ids)

    async def insert_film(self, values: dict[str, object]) -> Film:
        row = await self._run.one_or_none(insert(_FILM).values(values).returning(*_FILM_COLUMNS))
        assert row is not None
        return film_from_row(row)

    async def update_film(self, film_id: int, values: dict[str, object]) -> Film | None:
        if values:
            statement: Any = (
                update(_FILM)
                .where(_FILM.c.film_id == film_id)
                .values(values)
                .returning(*_FILM_COLUMNS)
            )
        else:
            statement = select(*_FILM_COLUMNS).where(_FILM.c.film_id == film_id).with_for_update()
        row = await self._run.one_or_none(statement)
        return None if row is None else film_from_row(row)

    async def film_copies_rented_out(self, film_id: int) -> int:
        count: int = await self._run.scalar(
            select(func.count())
            .select_from(
                _RENTAL.join(_INVENTORY, _INVENTORY.c.inventory_id == _RENTAL.c.inventory_id)
            )
            .where(_INVENTORY.c.film_id == film_id, _RENTAL.c.return_date.is_(None))
        )
        return count

    async def film_has_rentals(self, film_id: int) -> bool:
        return bool(
            await self._run.scalar(
                select(
                    exists().where(
                        _RENTAL.c.inventory_id == _INVENTORY.c.inventory_id,
                        _INVENTORY.c.film_id == film_id,
                    )
                )
            )
        )

    async def delete_film(self, film_id: int) -> None:
        for table in (_FILM_ACTOR, _FILM_CATEGORY, _INVENTORY):
            await self._run.all(
                delete(table).where(table.c.film_id == film_id).returning(table.c.film_id)
            )
        await self._run.one_or_none(
            delete(_FILM).where(_FILM.c.film_id == film_id).returning(_FILM.c.film_id)
        )

    async def _replace(self, table: Table, film_id: int, column: str, ids: Sequence[int]) -> None:
        await self._run.all(
            delete(table).where(table.c.film_id == film_id).returning(table.c.film_id)
        )
        if ids:
            await self._run.all(
                insert(table)
                .values([{"film_id": film_id, column: key} for key in ids])
                .returning(table.c.film_id)
            )

    async def replace_film_actors(self, film_id: int, actor_ids: Sequence[int]) -> None:
        await self._replace(_FILM_ACTOR, film_id, "actor_id", actor_ids)

    async def replace_film_categories(self, film_id: int, category_ids: Sequence[int]) -> None:
        await self._replace(_FILM_CATEGORY, film_id, "category_id", category_ids)

    async def category_named(self, name: str) -> CategoryRecord | None:
        row = await self._run.one_or_none(
            select(_CATEGORY.c.category_id, _CATEGORY.c.name)
            .where(func.lower(_CATEGORY.c.name) == name.lower())
            .limit(1)
        )
        return None if row is None else CategoryRecord(row.category_id, row.name)

    async def insert_category(self, name: str) -> CategoryRecord:
        row = await self._run.one_or_none(
            insert(_CATEGORY).values(name=name).returning(_CATEGORY.c.category_id, _CATEGORY.c.name)
        )
        assert row is not None
        return CategoryRecord(row.category_id, row.name)

    async def update_category(self, category_id: int, name: str) -> CategoryRecord | None:
        row = await self._run.one_or_none(
            update(_CATEGORY)
            .where(_CATEGORY.c.category_id == category_id)
            .values(name=name)
            .returning(_CATEGORY.c.category_id, _CATEGORY.c.name)
        )
        return None if row is None else CategoryRecord(row.category_id, row.name)

    async def category_film_count(self, category_id: int) -> int:
        count: int = await self._run.scalar(
            select(func.count()).where(_FILM_CATEGORY.c.category_id == category_id)
        )
        return count

    async def delete_category(self, category_id: int) -> bool:
        row = await self._run.one_or_none(
            delete(_CATEGORY)
            .where(_CATEGORY.c.category_id == category_id)
            .returning(_CATEGORY.c.category_id)
        )
        return row is not None

    async def store_exists(self, store_id: int) -> bool:
        return bool(await self._run.scalar(select(exists().where(_STORE.c.store_id == store_id))))

    async def insert_copy(self, film_id: int, store_id: int) -> CopyRecord:
        row = await self._run.one_or_none(
            insert(_INVENTORY).values(film_id=film_id, store_id=store_id).returning(*_COPY_COLUMNS)
        )
        assert row is not None
        return CopyRecord(row.inventory_id, row.film_id, row.store_id)

    async def lock_copy(self, inventory_id: int) -> CopyRecord | None:
        row = await self._run.one_or_none(
            select(*_COPY_COLUMNS)
            .where(_INVENTORY.c.inventory_id == inventory_id)
            .with_for_update()
        )
        return None if row is None else CopyRecord(row.inventory_id, row.film_id, row.store_id)

    async def copy_rented_out(self, inventory_id: int) -> bool:
        return bool(
            await self._run.scalar(
                select(
                    exists().where(
                        _RENTAL.c.inventory_id == inventory_id, _RENTAL.c.return_date.is_(None)
                    )
                )
            )
        )

    async def copy_has_rentals(self, inventory_id: int) -> bool:
        return bool(
            await self._run.scalar(select(exists().where(_RENTAL.c.inventory_id == inventory_id)))
        )

    async def delete_copy(self, inventory_id: int) -> None:
        await self._run.one_or_none(
            delete(_INVENTORY)
            .where(_INVENTORY.c.inventory_id == inventory_id)
            .returning(_INVENTORY.c.inventory_id)
        )
