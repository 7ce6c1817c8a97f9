"""Candidates for linking a question to the catalogue (domain.catalogue.links): titles and
actor names similar to the question's phrases, by `pg_trgm` (trigram indexes, migration 0010).

`title % phrase` (similarity over the default threshold) and `phrase <% title` (the phrase
among the title's words: "Godfather" in GODFATHER DIARY) both use the GIN trigram index.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text

from domain.catalogue.links import ActorCandidate, TitleCandidate
from persistence.repositories.base import Repository

#: candidates per phrase: enough for a typo's neighbours, few enough to stay cheap
PER_PHRASE = 5
MAX_PHRASES = 80

_TITLES = text(
    """
    SELECT p.phrase, f.film_id, f.title
    FROM unnest(CAST(:phrases AS text[])) AS p(phrase)
    CROSS JOIN LATERAL (
        SELECT film_id, title,
               greatest(similarity(title, p.phrase), word_similarity(p.phrase, title)) AS score
        FROM film
        WHERE title % p.phrase OR p.phrase <% title
        ORDER BY score DESC, film_id
        LIMIT :per_phrase
    ) AS f
    """
)
_ACTORS = text(
    """
    SELECT p.phrase, a.actor_id, a.name
    FROM unnest(CAST(:phrases AS text[])) AS p(phrase)
    CROSS JOIN LATERAL (
        SELECT actor_id, first_name || ' ' || last_name AS name,
               similarity(first_name || ' ' || last_name, p.phrase) AS score
        FROM actor
        WHERE (first_name || ' ' || last_name) % p.phrase
        ORDER BY score DESC, actor_id
        LIMIT :per_phrase
    ) AS a
    """
)
_CATEGORIES = text("SELECT name FROM category ORDER BY name")


class SqlCatalogueLinkRepository(Repository):
    async def titles_like(self, phrases: Sequence[str]) -> list[TitleCandidate]:
        rows = await self._run.all(
            _TITLES.bindparams(phrases=list(phrases[:MAX_PHRASES]), per_phrase=PER_PHRASE)
        )
        return [TitleCandidate(r.phrase, r.film_id, r.title) for r in rows]

    async def actors_like(self, phrases: Sequence[str]) -> list[ActorCandidate]:
        rows = await self._run.all(
            _ACTORS.bindparams(phrases=list(phrases[:MAX_PHRASES]), per_phrase=PER_PHRASE)
        )
        return [ActorCandidate(r.phrase, r.actor_id, r.name) for r in rows]

    async def category_names(self) -> list[str]:
        rows = await self._run.all(_CATEGORIES)
        return [r.name for r in rows]
