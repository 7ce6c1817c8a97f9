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
    if isinstance(value, list | tuple):
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


def _nodes(connection: dict[str, Any]) -> list[Any]:
    return list(connection["nodes"])


def _pair(
    name: str, description: str, ours: str, reference: str, same: Callable[[Any], Any]
) -> BenchQuery:
    """A pair whose answers match once each side's `data` is mapped by `same` (a function of
    `(side, data)`, side being "ours" or "reference")."""
    return BenchQuery(
        name,
        description,
        ours,
        reference,
        lambda body: _trim(same(("ours", body["data"]))),
        lambda body: _trim(same(("reference", body["data"]))),
    )


def _film_ids(n: int) -> list[int]:
    return [1 + (i * 97) % 1000 for i in range(n)]


QUERIES += [
    _pair(
        "Q3",
        "filtered film list (rating), 20 nodes",
        "{ films(first: 20, filter: {ratings: [PG_13]}, orderBy: {field: FILM_ID}) "
        "{ nodes { filmId title length } } }",
        "{ allFilms(first: 20, condition: {rating: PG_13}, orderBy: FILM_ID_ASC) "
        "{ nodes { filmId title length } } }",
        lambda d: _nodes(d[1]["films" if d[0] == "ours" else "allFilms"]),
    ),
    _pair(
        "Q4",
        "one actor with 50 of their films",
        "{ actor(actorId: 1) { firstName lastName films(first: 50) { nodes { filmId title } } } }",
        "{ actorByActorId(actorId: 1) { firstName lastName "
        "filmActorsByActorId(first: 50) { nodes { filmByFilmId { filmId title } } } } }",
        lambda d: (
            _sorted(d[1]["actor"]["films"]["nodes"], "filmId")
            if d[0] == "ours"
            else _sorted(
                [n["filmByFilmId"] for n in d[1]["actorByActorId"]["filmActorsByActorId"]["nodes"]],
                "filmId",
            )
        ),
    ),
    _pair(
        "Q5",
        "film detail: actors, categories, language",
        "{ film(filmId: 7) { title description language { name } "
        "actors { nodes { actorId firstName } } categories { nodes { name } } } }",
        "{ filmByFilmId(filmId: 7) { title description languageByLanguageId { name } "
        "filmActorsByFilmId { nodes { actorByActorId { actorId firstName } } } "
        "filmCategoriesByFilmId { nodes { categoryByCategoryId { name } } } } }",
        lambda d: (
            {
                "title": d[1]["film"]["title"],
                "language": d[1]["film"]["language"]["name"],
                "actors": _sorted(d[1]["film"]["actors"]["nodes"], "actorId"),
                "categories": d[1]["film"]["categories"]["nodes"],
            }
            if d[0] == "ours"
            else {
                "title": d[1]["filmByFilmId"]["title"],
                "language": d[1]["filmByFilmId"]["languageByLanguageId"]["name"],
                "actors": _sorted(
                    [
                        n["actorByActorId"]
                        for n in d[1]["filmByFilmId"]["filmActorsByFilmId"]["nodes"]
                    ],
                    "actorId",
                ),
                "categories": [
                    n["categoryByCategoryId"]
                    for n in d[1]["filmByFilmId"]["filmCategoriesByFilmId"]["nodes"]
                ],
            }
        ),
    ),
    _pair(
        "Q6",
        "16 categories, each films { totalCount }",
        "{ categories(first: 16) { nodes { name films { totalCount } } } }",
        "{ allCategories(first: 16, orderBy: NAME_ASC) "
        "{ nodes { name filmCategoriesByCategoryId { totalCount } } } }",
        lambda d: (
            [(c["name"], c["films"]["totalCount"]) for c in d[1]["categories"]["nodes"]]
            if d[0] == "ours"
            else [
                (c["name"], c["filmCategoriesByCategoryId"]["totalCount"])
                for c in d[1]["allCategories"]["nodes"]
            ]
        ),
    ),
    _pair(
        "Q7",
        "20 actors, each films { totalCount }",
        "{ actors(first: 20, orderBy: {field: ACTOR_ID}) "
        "{ nodes { actorId films { totalCount } } } }",
        "{ allActors(first: 20, orderBy: ACTOR_ID_ASC) "
        "{ nodes { actorId filmActorsByActorId { totalCount } } } }",
        lambda d: (
            [(a["actorId"], a["films"]["totalCount"]) for a in d[1]["actors"]["nodes"]]
            if d[0] == "ours"
            else [
                (a["actorId"], a["filmActorsByActorId"]["totalCount"])
                for a in d[1]["allActors"]["nodes"]
            ]
        ),
    ),
    _pair(
        "Q8",
        "20 films by title, totalCount + language",
        "{ films(first: 20) { totalCount nodes { title language { name } } } }",
        "{ allFilms(first: 20, orderBy: [TITLE_ASC, FILM_ID_ASC]) "
        "{ totalCount nodes { title languageByLanguageId { name } } } }",
        lambda d: (
            (
                d[1]["films"]["totalCount"],
                [(f["title"], f["language"]["name"]) for f in d[1]["films"]["nodes"]],
            )
            if d[0] == "ours"
            else (
                d[1]["allFilms"]["totalCount"],
                [
                    (f["title"], f["languageByLanguageId"]["name"])
                    for f in d[1]["allFilms"]["nodes"]
                ],
            )
        ),
    ),
    _pair(
        "Q9",
        "deep page: 10 films after the 500th (keyset / offset)",
        # our cursor of film 500 in FILM_ID order; PostGraphile pages this list by offset
        '{ films(first: 10, orderBy: {field: FILM_ID}, after: "WyJGSUxNX0lEOkFTQyIsWzUwMF1d") '
        "{ nodes { filmId title } } }",
        "{ allFilms(first: 10, offset: 500, orderBy: FILM_ID_ASC) { nodes { filmId title } } }",
        lambda d: _nodes(d[1]["films" if d[0] == "ours" else "allFilms"]),
    ),
    _pair(
        "Q10",
        "store inventory: 50 copies with their film",
        "{ store(storeId: 1) { inventory(first: 50) { nodes { inventoryId film { title } } } } }",
        "{ storeByStoreId(storeId: 1) { inventoriesByStoreId(first: 50, orderBy: INVENTORY_ID_ASC) "
        "{ nodes { inventoryId filmByFilmId { title } } } } }",
        lambda d: (
            [(i["inventoryId"], i["film"]["title"]) for i in d[1]["store"]["inventory"]["nodes"]]
            if d[0] == "ours"
            else [
                (i["inventoryId"], i["filmByFilmId"]["title"])
                for i in d[1]["storeByStoreId"]["inventoriesByStoreId"]["nodes"]
            ]
        ),
    ),
    _pair(
        "Q11",
        "10 film lookups by key (aliases)",
        "{ "
        + " ".join(f"f{i}: film(filmId: {i}) {{ filmId title rentalRate }}" for i in _film_ids(10))
        + " }",
        "{ "
        + " ".join(
            f"f{i}: filmByFilmId(filmId: {i}) {{ filmId title rentalRate }}" for i in _film_ids(10)
        )
        + " }",
        lambda d: d[1],
    ),
    _pair(
        "Q12",
        "stores with address, city, country",
        "{ stores(first: 20) { nodes { storeId "
        "address { address city { city country { country } } } } } }",
        "{ allStores(first: 20, orderBy: STORE_ID_ASC) { nodes { storeId "
        "addressByAddressId { address cityByCityId { city countryByCountryId { country } } } } } }",
        lambda d: (
            [
                (
                    s["storeId"],
                    s["address"]["address"],
                    s["address"]["city"]["city"],
                    s["address"]["city"]["country"]["country"],
                )
                for s in d[1]["stores"]["nodes"]
            ]
            if d[0] == "ours"
            else [
                (
                    s["storeId"],
                    s["addressByAddressId"]["address"],
                    s["addressByAddressId"]["cityByCityId"]["city"],
                    s["addressByAddressId"]["cityByCityId"]["countryByCountryId"]["country"],
                )
                for s in d[1]["allStores"]["nodes"]
            ]
        ),
    ),
    _pair(
        "Q13",
        "languages by name",
        "{ languages { nodes { name } } }",
        "{ allLanguages(orderBy: NAME_ASC) { nodes { name } } }",
        lambda d: _nodes(d[1]["languages" if d[0] == "ours" else "allLanguages"]),
    ),
]
