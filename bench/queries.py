"""The benchmark's query pairs: the same data asked of pagila-graph and of PostGraphile."""

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


QUERIES: list[BenchQuery] = [
    BenchQuery(
        name="Q0",
        description="20 films by title (scalars only)",
        ours="{ films(first: 20) { filmId title rentalRate } }",
        reference=(
            "{ allFilms(first: 20, orderBy: [TITLE_ASC, FILM_ID_ASC]) "
            "{ nodes { filmId title rentalRate } } }"
        ),
        extract_ours=lambda body: body["data"]["films"],
        extract_reference=lambda body: body["data"]["allFilms"]["nodes"],
    ),
]
