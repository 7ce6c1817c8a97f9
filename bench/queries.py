"""The benchmark's query pairs: the same data asked of pagila-graph and of PostGraphile.

Lists inside a node are compared as sets (each server has its own default order there), and
strings are compared trimmed (`language.name` is char(20): PostGraphile returns the padding, we
trim it in the domain).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class BenchQuery:
    name: str
    description: str
    ours: str
    reference: str
    extract_ours: Callable[[Any], Any]
    extract_reference: Callable[[Any], Any]
    auth_headers: dict[str, str] = field(default_factory=dict)

    def headers(self) -> dict[str, str]:
        return self.auth_headers

    @staticmethod
    def server_env() -> dict[str, str]:
        """Extra environment for our server during the benchmark."""
        return {}


def _edges(connection: dict[str, Any]) -> list[Any]:
    return [edge["node"] for edge in connection["edges"]]


def _trim(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return {k: _trim(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_trim(v) for v in value]
    return value


def _sorted(items: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: item[key])


QUERIES: list[BenchQuery] = [
    BenchQuery(
        name="Q1",
        description="20 films + language",
        ours=(
            "{ films(first: 20, orderBy: {field: FILM_ID}) "
            "{ edges { node { filmId title rentalRate language { name } } } } }"
        ),
        reference=(
            "{ allFilms(first: 20, orderBy: FILM_ID_ASC) "
            "{ nodes { filmId title rentalRate languageByLanguageId { name } } } }"
        ),
        extract_ours=lambda body: _trim(_edges(body["data"]["films"])),
        extract_reference=lambda body: _trim(
            [
                {
                    "filmId": f["filmId"],
                    "title": f["title"],
                    "rentalRate": f["rentalRate"],
                    "language": f["languageByLanguageId"],
                }
                for f in body["data"]["allFilms"]["nodes"]
            ]
        ),
    ),
    BenchQuery(
        name="Q2",
        description="20 films x <=10 actors + categories",
        ours=(
            "{ films(first: 20, orderBy: {field: FILM_ID}) { edges { node { filmId title "
            "actors(first: 10) { edges { node { actorId firstName lastName } } } "
            "categories(first: 10) { edges { node { name } } } } } } }"
        ),
        reference=(
            "{ allFilms(first: 20, orderBy: FILM_ID_ASC) { nodes { filmId title "
            "filmActorsByFilmId(first: 10, orderBy: ACTOR_ID_ASC) "
            "{ nodes { actorByActorId { actorId firstName lastName } } } "
            "filmCategoriesByFilmId(first: 10) { nodes { categoryByCategoryId { name } } } } } }"
        ),
        extract_ours=lambda body: [
            {
                "filmId": f["filmId"],
                "title": f["title"],
                "actors": _sorted(_edges(f["actors"]), "actorId"),
                "categories": _sorted(_edges(f["categories"]), "name"),
            }
            for f in _edges(body["data"]["films"])
        ],
        extract_reference=lambda body: [
            {
                "filmId": f["filmId"],
                "title": f["title"],
                "actors": _sorted(
                    [n["actorByActorId"] for n in f["filmActorsByFilmId"]["nodes"]], "actorId"
                ),
                "categories": _sorted(
                    [n["categoryByCategoryId"] for n in f["filmCategoriesByFilmId"]["nodes"]],
                    "name",
                ),
            }
            for f in body["data"]["allFilms"]["nodes"]
        ],
    ),
]
