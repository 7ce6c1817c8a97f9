"""The data the generated evaluation set is made from (agents/eval/generate.py): films with
their categories and stock per store, actors with their films, as plain rows. Read-only."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import text

from persistence.db import Database

_FILMS = text(
    """
    SELECT f.film_id, f.title, f.rating::text AS rating, f.length, f.rental_rate,
           f.replacement_cost, f.description,
           coalesce(array_agg(DISTINCT c.name) FILTER (WHERE c.name IS NOT NULL), '{}') AS cats
    FROM film f
    LEFT JOIN film_category fc ON fc.film_id = f.film_id
    LEFT JOIN category c ON c.category_id = fc.category_id
    GROUP BY f.film_id ORDER BY f.film_id
    """
)
_STOCK = text(
    """
    SELECT i.film_id, i.store_id, count(*) AS copies
    FROM inventory i
    WHERE NOT EXISTS (SELECT 1 FROM rental r
                      WHERE r.inventory_id = i.inventory_id AND r.return_date IS NULL)
    GROUP BY i.film_id, i.store_id
    """
)
_ACTORS = text(
    """
    SELECT a.actor_id, upper(a.first_name || ' ' || a.last_name) AS name,
           array_agg(fa.film_id ORDER BY fa.film_id) AS films
    FROM actor a JOIN film_actor fa ON fa.actor_id = a.actor_id
    GROUP BY a.actor_id ORDER BY a.actor_id
    """
)


async def load_snapshot(database: Database) -> dict[str, list[dict[str, Any]]]:
    """{"films": [{id, title, rating, length, rental_rate, replacement_cost, description,
    categories, stock: {store: copies}}], "actors": [{id, name, films}]}"""
    async with database.engine.connect() as conn:
        stock: defaultdict[int, dict[int, int]] = defaultdict(dict)
        for row in (await conn.execute(_STOCK)).all():
            stock[row.film_id][row.store_id] = int(row.copies)
        films = [
            {
                "id": r.film_id,
                "title": r.title,
                "rating": r.rating,
                "length": r.length,
                "rental_rate": r.rental_rate,
                "replacement_cost": r.replacement_cost,
                "description": r.description or "",
                "categories": tuple(sorted(r.cats)),
                "stock": {1: stock[r.film_id].get(1, 0), 2: stock[r.film_id].get(2, 0)},
            }
            for r in (await conn.execute(_FILMS)).all()
        ]
        actors = [
            {"id": r.actor_id, "name": r.name, "films": tuple(r.films)}
            for r in (await conn.execute(_ACTORS)).all()
        ]
    return {"films": films, "actors": actors}
