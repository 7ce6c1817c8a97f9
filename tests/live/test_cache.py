"""The response cache of public catalogue reads: served from the cache until a committed write
through the API changes the catalogue, then never stale — in one process (memory and Redis)
and across two processes sharing Redis; keyed by the caller's role; other reads not cached."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from pagila_graph.app import create_app
from persistence.db import Database
from tests.conftest import settings_for
from tests.live.conftest import Server
from tests.live.support import ADMIN, REDIS_URL, SECRET, Http, channel, clerk
from tests.live.test_events import active_customer, free_film
from tests.loopback import serving

FILM = "query($f: Int!) { film(filmId: $f) { title availableCopies(storeId: 1) } }"


@pytest.fixture(params=["memory", "redis"])
async def cached(
    request: pytest.FixtureRequest, live_url: str, live_database: Database
) -> AsyncIterator[Server]:
    settings = settings_for(
        live_url,
        jwt_secret=SECRET,
        redis_url=REDIS_URL if request.param == "redis" else None,
        events_channel=channel(),
        rate_limit_key_prefix=f"pagila-graph-test:{uuid.uuid4().hex}",
        response_cache=True,
    )
    app = create_app(settings, live_database)
    async with serving(app, lifespan="on") as port:
        yield Server(
            Http(f"http://127.0.0.1:{port}", settings),
            f"ws://127.0.0.1:{port}/graphql",
            app.state.events,
            settings,
            app,
        )


async def retitle_behind_the_apis_back(sql: asyncpg.Connection, film_id: int) -> str:
    title = f"CHANGED IN SQL {uuid.uuid4().hex[:6]}"
    await sql.execute("UPDATE film SET title = $1 WHERE film_id = $2", title, film_id)
    return title


async def test_reads_are_cached_until_a_write_through_the_api(
    cached: Server, live_sql: asyncpg.Connection
) -> None:
    film_id = await free_film(live_sql, 1)
    first = (await cached.http(FILM, {"f": film_id}))["film"]
    await retitle_behind_the_apis_back(live_sql, film_id)
    # served from the cache: SQL changed, the answer did not (also with other spacing)
    assert (await cached.http(FILM, {"f": film_id}))["film"] == first
    assert (await cached.http(FILM.replace(" ", "  "), {"f": film_id}))["film"] == first

    # a committed write through the API: the very next read is fresh
    updated = await cached.http.mutate(
        "updateFilm", "film { title }", {"filmId": film_id, "title": "NEW TITLE"}, as_=ADMIN
    )
    assert updated["errors"] == []
    assert (await cached.http(FILM, {"f": film_id}))["film"]["title"] == "NEW TITLE"

    rented = await cached.http.mutate(
        "rentFilm",
        "rental { rentalId }",
        {"filmId": film_id, "customerId": await active_customer(live_sql, 1, 30), "storeId": 1},
        as_=await clerk(live_sql, 1),
    )
    assert rented["errors"] == []
    after = (await cached.http(FILM, {"f": film_id}))["film"]
    assert after["availableCopies"] == first["availableCopies"] - 1
    # a refused write changes nothing, and invalidates nothing it need not
    refused = await cached.http.mutate(
        "updateFilm", "film { title }", {"filmId": film_id, "title": ""}, as_=ADMIN
    )
    assert refused["errors"]
    assert (await cached.http(FILM, {"f": film_id}))["film"] == after


async def test_the_key_includes_the_callers_role(
    cached: Server, live_sql: asyncpg.Connection
) -> None:
    document = "{ staff(first: 1) { nodes { staffId address { address } } } }"
    staff = await clerk(live_sql, 1)
    allowed = await cached.http(document, as_=staff)
    assert allowed["staff"]["nodes"][0]["address"] is not None
    response = await cached.http.raw(document)  # anonymous, after staff filled the cache
    assert [e["extensions"]["code"] for e in response["errors"]] == ["UNAUTHENTICATED"]


async def test_customer_data_is_not_cached(cached: Server, live_sql: asyncpg.Connection) -> None:
    customer_id = await active_customer(live_sql, 1, 31)
    document = "query($c: Int!) { customer(customerId: $c) { lastName } }"
    await cached.http(document, {"c": customer_id}, as_=ADMIN)
    await live_sql.execute(
        "UPDATE customer SET last_name = 'SQL' WHERE customer_id = $1", customer_id
    )
    again = await cached.http(document, {"c": customer_id}, as_=ADMIN)
    assert again["customer"]["lastName"] == "SQL"
