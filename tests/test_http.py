"""The real ASGI app over httpx: health, readiness, and the film queries end to end."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from pydantic import SecretStr

from config.settings import Settings
from pagila_graph.app import create_app
from persistence import migrate
from persistence.db import Database, create_engine
from tests.conftest import GraphQLClient


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_when_migrated(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "migrations": "ok"}


async def test_readyz_reports_pending_migrations(
    settings: Settings, empty_database_url: str
) -> None:
    await migrate.upgrade(empty_database_url, "0002")
    db = Database(create_engine(empty_database_url, pool_size=1))
    app = create_app(settings, db)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as http:
            response = await http.get("/readyz")
    finally:
        await db.dispose()
    assert response.status_code == 503
    assert "head is" in response.json()["checks"]["migrations"]


async def test_readyz_when_database_unreachable(settings: Settings) -> None:
    db = Database(create_engine("postgresql://nobody@127.0.0.1:1/none", pool_size=1))
    app = create_app(settings, db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as h:
        response = await h.get("/readyz")
    await db.dispose()
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unreachable"


async def test_films_first_three_by_title(gql: GraphQLClient, pagila_url: str) -> None:
    body = await gql("{ films(first: 3) { nodes { filmId title rentalRate rating releaseYear } } }")
    conn = await asyncpg.connect(pagila_url)
    try:
        expected = await conn.fetch(
            "SELECT film_id, title, rental_rate::text AS rate FROM film "
            "ORDER BY title, film_id LIMIT 3"
        )
    finally:
        await conn.close()
    films = body["data"]["films"]["nodes"]  # type: ignore[index]
    assert [f["title"] for f in films] == [r["title"] for r in expected]
    assert [f["rentalRate"] for f in films] == [r["rate"] for r in expected]
    assert films[0] == {
        "filmId": 1,
        "title": "ACADEMY DINOSAUR",
        "rentalRate": "0.99",
        "rating": "PG",
        "releaseYear": 2012,
    }


async def test_film_by_key_and_by_global_id_agree(gql: GraphQLClient) -> None:
    by_key = await gql("{ film(filmId: 133) { id title length replacementCost specialFeatures } }")
    film = by_key["data"]["film"]  # type: ignore[index]
    assert film["title"] == "CHAMBER ITALIAN"
    by_id = await gql("query($id: ID!) { film(id: $id) { title } }", {"id": film["id"]})
    assert by_id["data"]["film"]["title"] == "CHAMBER ITALIAN"  # type: ignore[index]


async def test_missing_film_is_null(gql: GraphQLClient) -> None:
    body = await gql("{ film(filmId: 999999) { title } }")
    assert body["data"] == {"film": None}


async def test_bad_input_is_a_typed_error_not_a_500(gql: GraphQLClient) -> None:
    too_many = await gql("{ films(first: 101) { nodes { title } } }", expect_errors=True)
    error = too_many["errors"][0]  # type: ignore[index]
    assert error["extensions"] == {"code": "INVALID_INPUT", "field": "first"}
    assert "at most 100" in error["message"]

    bad_id = await gql('{ film(id: "not-an-id") { title } }', expect_errors=True)
    assert bad_id["errors"][0]["extensions"]["code"] == "INVALID_INPUT"  # type: ignore[index]

    both = await gql('{ film(id: "RmlsbTox", filmId: 1) { title } }', expect_errors=True)
    assert both["errors"][0]["extensions"]["code"] == "INVALID_INPUT"  # type: ignore[index]


async def test_request_id_is_echoed_and_generated(client: httpx.AsyncClient) -> None:
    mine = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert mine.headers["x-request-id"] == "abc-123"
    generated = await client.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 32


async def test_graphiql_is_served_in_development(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_introspection_and_graphiql_off_in_production(
    settings: Settings, database: Database
) -> None:
    production = settings.model_copy(
        update={
            "environment": "production",
            "graphiql": None,
            "introspection": None,
            "jwt_secret": SecretStr("production-secret-" * 3),  # production refuses without
        }
    )
    app = create_app(production, database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as h:
        page = await h.get("/graphql", headers={"Accept": "text/html"})
        introspect = await h.post("/graphql", json={"query": "{ __schema { types { name } } }"})
        films = await h.post("/graphql", json={"query": "{ films(first: 1) { nodes { title } } }"})
    assert page.status_code == 404
    assert "introspection" in introspect.json()["errors"][0]["message"].lower()
    assert films.json()["data"]["films"]["nodes"][0]["title"] == "ACADEMY DINOSAUR"


@pytest.mark.parametrize(
    ("environment", "graphiql", "introspection", "served"),
    [
        ("development", None, None, True),  # the defaults: on in development only
        ("production", None, None, False),
        ("test", None, None, False),
        ("production", True, True, True),  # an explicit setting wins
        ("development", False, False, False),
    ],
)
async def test_graphiql_and_introspection_follow_the_environment(
    *,
    settings: Settings,
    database: Database,
    environment: str,
    graphiql: bool | None,
    introspection: bool | None,
    served: bool,
) -> None:
    configured = Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment=environment,
        database_url=settings.database_url,
        data_dir=settings.data_dir,
        graphiql=graphiql,
        introspection=introspection,
        jwt_secret=SecretStr("production-secret-" * 3),  # production refuses without
    )
    assert configured.graphiql_enabled is served
    app = create_app(configured, database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as h:
        page = await h.get("/graphql", headers={"Accept": "text/html"})
        schema = await h.post("/graphql", json={"query": "{ __schema { queryType { name } } }"})
        typename = await h.post("/graphql", json={"query": "{ __typename }"})
    assert (page.status_code == 200 and "graphiql" in page.text.lower()) is served
    if served:
        assert schema.json()["data"] == {"__schema": {"queryType": {"name": "Query"}}}
    else:
        assert page.status_code == 404
        assert "introspection" in schema.json()["errors"][0]["message"].lower()
    # __typename is not introspection of the schema: always answered
    assert typename.json() == {"data": {"__typename": "Query"}}
