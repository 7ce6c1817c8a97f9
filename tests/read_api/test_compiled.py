"""The compiled read path (COMPILED_READS, decision 0012) against the normal executor: for every
document below, both apps return the very same JSON (keys in the same order), and the compiled
one does it in exactly one SQL statement. Documents outside the subset fall back unchanged."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from config.settings import Settings
from pagila_graph.app import create_app
from persistence.db import Database, StatementCounter
from tests.read_api.conftest import HeaderAuthenticator

FILM_FIELDS = """
  id filmId title description releaseYear rentalDuration rentalRate length replacementCost
  rating specialFeatures streamingAvailable lastUpdate __typename
"""

Q1 = "{ films(first: 20) { nodes { title language { name } } } }"
Q2 = """{ films(first: 20) { nodes { title
    actors(first: 10) { nodes { firstName lastName } }
    categories { nodes { name } } } } }"""

#: (document, variables): each must be compiled, and answered exactly as the normal path does.
COMPILED: list[tuple[str, dict[str, Any] | None]] = [
    # `@skip`/`@include` on fields, inline fragments and fragment spreads (decision 0170)
    *(
        (
            "query($a: Boolean!, $b: Boolean!) { films(first: 3) { nodes { title @include(if: $a) "
            "filmId @skip(if: $b) ... on Film @skip(if: true) { length } "
            "...Rate @include(if: $b) } } } fragment Rate on Film { rentalRate }",
            {"a": a, "b": b},
        )
        for a in (True, False)
        for b in (True, False)
    ),
    (Q1, None),
    (Q2, None),
    ("{ films { nodes { " + FILM_FIELDS + " } } }", None),
    ("{ films(first: 100) { nodes { " + FILM_FIELDS + " } totalCount } }", None),
    (
        """{ films(first: 3) { __typename totalCount
            edges { __typename cursor node { id title } }
            pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor } } }""",
        None,
    ),
    (
        """query Page($n: Int, $after: String) {
             films(first: $n, after: $after) {
               edges { cursor node { filmId } }
               pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }""",
        {"n": 7},
    ),
    ("{ films(first: 0) { nodes { title } pageInfo { hasNextPage endCursor } } }", None),
    (
        """{ a: films(first: 2) { list: nodes { name: title t: __typename } }
             b: films(first: 3) { nodes { filmId } count: totalCount }
             __typename }""",
        None,
    ),
    (
        """query Named($first: Int!) { films(first: $first) { ...Page } }
           fragment Page on FilmConnection { nodes { ...F ... on Node { id } } }
           fragment F on Film { title language { ...L languageId } }
           fragment L on Language { name id lastUpdate __typename }""",
        {"first": 5},
    ),
    (
        """{ films(first: 4) { nodes { title } nodes { filmId language { name } }
             nodes { language { languageId } } } }""",
        None,
    ),
    (
        """{ films(first: 5) { nodes {
             actors(first: 2) { __typename nodes { id actorId firstName lastName lastUpdate
               __typename } }
             categories(first: 1) { nodes { id categoryId name lastUpdate } }
             cast: actors { nodes { lastName } } } } }""",
        None,
    ),
    ("{ films(first: 3) { nodes { actors(first: 0) { nodes { lastName } } } } }", None),
    # the benchmark's documents (bench/queries.py)
    (
        "{ films(first: 20, orderBy: {field: FILM_ID}) "
        "{ edges { node { filmId title rentalRate language { name } } } } }",
        None,
    ),
    (
        "{ films(first: 20, orderBy: {field: FILM_ID}) { edges { node { filmId title "
        "actors(first: 10) { edges { node { actorId firstName lastName } } } "
        "categories(first: 10) { edges { node { name } } } } } } }",
        None,
    ),
    (
        """{ films(first: 4, orderBy: {field: FILM_ID, direction: DESC}) {
             edges { cursor node { filmId } } pageInfo { startCursor endCursor hasNextPage } } }""",
        None,
    ),
    (
        """{ films(first: 4, orderBy: {field: TITLE, direction: DESC}, after: null) {
             edges { cursor node { title } } nodes { filmId } } }""",
        None,
    ),
    (
        """{ films(first: 2, orderBy: null) { nodes { actors { __typename
             edges { __typename node { lastName } } }
             categories { edges { node { name } } } } } }""",
        None,
    ),
    # beyond decision 0012's subset: every catalogue list, filters, orders, backward pages,
    # nested cursors/pageInfo/totalCount at depth, lookups, node/nodes, computed fields
    (
        "{ films(first: 2) { nodes { title availableCopies isInStock s1: "
        "availableCopies(storeId: 1) } } }",
        None,
    ),
    ('{ films(first: 2, filter: { titleContains: "AIR" }) { nodes { title } totalCount } }', None),
    (
        """{ films(first: 5, filter: { ratings: [PG_13, R], length: {min: 60, max: 120},
             rentalRate: {min: "0.99", max: "2.99"}, categoryIds: [1, 2, 3], inStockAtStore: 1 },
             orderBy: {field: LENGTH, direction: DESC}) {
             totalCount edges { cursor node { title length rating } } } }""",
        None,
    ),
    ('{ films(first: 3, filter: { fulltext: "drama" }) { nodes { title } totalCount } }', None),
    (
        "{ films(last: 2) { nodes { title } pageInfo { hasNextPage hasPreviousPage "
        "startCursor endCursor } } }",
        None,
    ),
    ("{ film(filmId: 1) { title originalLanguage { name } } }", None),
    ("{ films(first: 2) { nodes { originalLanguage { name } } } }", None),
    ("{ films(first: 2, orderBy: {field: LENGTH}) { edges { cursor node { title } } } }", None),
    (
        "query($o: FilmOrder) { films(first: 2, orderBy: $o) { nodes { title } } }",
        {"o": {"field": "FILM_ID"}},
    ),
    (
        "{ films(first: 2) { nodes { actors(last: 2) { edges { cursor } pageInfo { "
        "hasNextPage startCursor } } } } }",
        None,
    ),
    ("{ films(first: 2) { nodes { actors { totalCount } } } }", None),
    (
        """{ actor(actorId: 1) { firstName films(first: 50) { totalCount nodes { title
             categories { nodes { name films(first: 2) { totalCount nodes { filmId } } } } }
             } } }""",
        None,
    ),
    ("{ categories { nodes { name films { totalCount } } } }", None),
    ("{ actors(first: 20) { nodes { lastName films { totalCount } } } }", None),
    (
        '{ actors(first: 3, filter: {nameContains: "pen"}, orderBy: {field: FIRST_NAME, '
        "direction: DESC}) { nodes { firstName } } }",
        None,
    ),
    ("{ languages(orderBy: {field: ID, direction: DESC}) { nodes { id name } totalCount } }", None),
    (
        "{ inventory(first: 3, filter: {storeId: 2}) { nodes { inventoryId film { title } "
        "store { storeId } } } }",
        None,
    ),
    (
        "{ stores { nodes { storeId manager { firstName store { storeId } } staff { nodes "
        "{ username } } inventory(first: 2) { totalCount nodes { inventoryId } } } } }",
        None,
    ),
    ("{ staff { nodes { staffId username active store { id } } } }", None),
    (
        "{ stores { nodes { address { id address address2 district postalCode phone "
        "city { city country { id country } } } } } }",
        None,
    ),
    ('{ node(id: "RmlsbTox") { id ... on Film { title } ... on Actor { lastName } } }', None),
    (
        '{ nodes(ids: ["RmlsbTox", "QWN0b3I6MQ", "RmlsbTo5OTk5OQ"]) { __typename id ... '
        "on Actor { firstName } } }",
        None,
    ),
    (
        "{ store(storeId: 1) { storeId } staffMember(staffId: 2) { username } "
        "language(languageId: 2) { name } category(categoryId: 3) { name } "
        "inventoryItem(inventoryId: 9) { film { title } } }",
        None,
    ),
]


def _settings(settings: Settings, compiled: bool) -> Settings:
    return settings.model_copy(update={"compiled_reads": compiled})


@pytest.fixture(scope="module")
async def clients(
    settings: Settings, database: Database
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    normal = create_app(_settings(settings, False), database, HeaderAuthenticator())
    compiled = create_app(_settings(settings, True), database, HeaderAuthenticator())
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=normal), base_url="http://t") as a,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=compiled), base_url="http://t") as b,
    ):
        yield a, b


async def _post(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> Any:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


async def _both(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
    database: Database,
    query: str,
    variables: dict[str, Any] | None = None,
) -> tuple[Any, Any, list[str]]:
    """(normal body, compiled body, statements the compiled app ran)."""
    normal, compiled = clients
    expected = await _post(normal, query, variables)
    with StatementCounter(database.engine) as counter:
        got = await _post(compiled, query, variables)
    return expected, got, counter.statements


def _compiled_once(statements: list[str]) -> None:
    """Exactly one statement ran, and it was the compiled one (the normal path never builds
    JSON in SQL)."""
    assert len(statements) == 1, statements
    assert "json_build_object" in statements[0]


def _work(counter: StatementCounter) -> list[str]:
    """Statements other than the savepoints an isolated database wraps sessions in."""
    marks = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
    return [s for s in counter.statements if not s.startswith(marks)]


def _same(expected: Any, got: Any) -> None:
    assert "errors" not in expected, expected
    # dumps without sorting: the key order must match too
    assert json.dumps(got) == json.dumps(expected)


@pytest.mark.parametrize(("query", "variables"), COMPILED)
async def test_compiled_response_equals_the_normal_one_in_one_statement(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
    database: Database,
    query: str,
    variables: dict[str, Any] | None,
) -> None:
    expected, got, statements = await _both(clients, database, query, variables)
    _same(expected, got)
    _compiled_once(statements)


async def test_q2_is_one_statement_with_every_film_actor_and_category(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
    database: Database,
    pg: asyncpg.Connection,
) -> None:
    expected, got, statements = await _both(clients, database, Q2)
    _same(expected, got)
    _compiled_once(statements)
    films = got["data"]["films"]["nodes"]
    assert len(films) == 20
    first_actors = await pg.fetch(
        "SELECT a.last_name FROM actor a JOIN film_actor fa USING (actor_id) "
        "JOIN film f USING (film_id) WHERE f.title = $1 "
        "ORDER BY a.last_name, a.first_name, a.actor_id LIMIT 10",
        films[0]["title"],
    )
    assert [a["lastName"] for a in films[0]["actors"]["nodes"]] == [
        r["last_name"] for r in first_actors
    ]


async def test_after_cursor_chain_walks_the_whole_list_like_the_normal_path(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
    database: Database,
    pg: asyncpg.Connection,
) -> None:
    query = """query($after: String) { films(first: 100, after: $after) {
        edges { cursor node { filmId title } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
    after: str | None = None
    seen: list[int] = []
    for _ in range(20):
        expected, got, statements = await _both(clients, database, query, {"after": after})
        _same(expected, got)
        _compiled_once(statements)
        page = got["data"]["films"]
        seen += [e["node"]["filmId"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    total = await pg.fetchval("SELECT count(*) FROM film")
    assert len(seen) == total
    assert len(set(seen)) == total


@pytest.mark.parametrize(
    "order",
    [
        "",
        "orderBy: {field: FILM_ID}",
        "orderBy: {field: FILM_ID, direction: DESC}",
        "orderBy: {field: TITLE, direction: DESC}",
    ],
)
async def test_after_cursor_chains_in_each_compiled_order(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], database: Database, order: str
) -> None:
    query = (
        "query($after: String) { films(first: 45, after: $after, " + order + ") { "
        "edges { cursor node { filmId } } pageInfo { hasNextPage hasPreviousPage endCursor } } }"
    )
    after: str | None = None
    for _ in range(4):
        expected, got, statements = await _both(clients, database, query, {"after": after})
        _same(expected, got)
        _compiled_once(statements)
        after = got["data"]["films"]["pageInfo"]["endCursor"]


async def test_cursor_past_the_end_gives_an_empty_page(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], database: Database
) -> None:
    last = await _post(clients[0], "{ films(first: 1, after: null) { pageInfo { endCursor } } }")
    assert last["data"]["films"]["pageInfo"]["endCursor"]
    # a valid cursor after every title
    payload = json.dumps(["TITLE:ASC", ["ZZZZZZZZZZ", 999999]], separators=(",", ":"))
    beyond = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
    query = """query($a: String) { films(first: 5, after: $a) { nodes { title }
        edges { cursor } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
    expected, got, statements = await _both(clients, database, query, {"a": beyond})
    _same(expected, got)
    _compiled_once(statements)
    assert got["data"]["films"]["nodes"] == []


async def test_nulls_and_formats_match_on_rows_the_test_makes(
    settings: Settings, isolated_database: Database
) -> None:
    """A film with every nullable column null, a non-zero-microsecond timestamp, a rating
    needing its enum name, and no actors or categories."""
    async with isolated_database.session() as session:
        from sqlalchemy import text

        await session.execute(
            text(
                "INSERT INTO film (film_id, title, language_id, rental_duration, rental_rate, "
                "replacement_cost, rating, special_features, last_update) VALUES "
                "(990001, 'AAA NULLS', 1, 3, 0.99, 10.00, 'NC-17', NULL, "
                "'2024-01-02 03:04:05.120300+00'), "
                "(990002, 'AAA ROUND', 2, 3, 1.50, 20.10, NULL, '{Trailers}', "
                "'2024-01-02 03:04:05+00')"
            )
        )
        await session.commit()
    normal = create_app(_settings(settings, False), isolated_database, HeaderAuthenticator())
    compiled = create_app(_settings(settings, True), isolated_database, HeaderAuthenticator())
    query = (
        "{ films(first: 3) { totalCount edges { cursor node { "
        + FILM_FIELDS
        + " language { name } actors { nodes { lastName } } categories { nodes { name } } "
        "} } } }"
    )
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=normal), base_url="http://t") as a,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=compiled), base_url="http://t") as b,
    ):
        expected = await _post(a, query)
        with StatementCounter(isolated_database.engine) as counter:
            got = await _post(b, query)
    _same(expected, got)
    _compiled_once(_work(counter))
    nodes = [e["node"] for e in got["data"]["films"]["edges"]]
    assert nodes[0]["title"] == "AAA NULLS" and nodes[0]["rating"] == "NC_17"
    assert nodes[0]["description"] is None and nodes[0]["specialFeatures"] == []


async def test_non_ascii_title_in_a_cursor_falls_back_to_the_normal_path(
    settings: Settings, isolated_database: Database
) -> None:
    async with isolated_database.session() as session:
        from sqlalchemy import text

        await session.execute(
            text(
                "INSERT INTO film (film_id, title, language_id, rental_duration, rental_rate, "
                "replacement_cost) VALUES (990003, 'AAA CAFÉ', 1, 3, 0.99, 10.00)"
            )
        )
        await session.commit()
    normal = create_app(_settings(settings, False), isolated_database, HeaderAuthenticator())
    compiled = create_app(_settings(settings, True), isolated_database, HeaderAuthenticator())
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=normal), base_url="http://t") as a,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=compiled), base_url="http://t") as b,
    ):
        for query, statements in (
            ("{ films(first: 2) { edges { cursor node { title } } } }", 2),  # 1 + fallback
            ("{ films(first: 2) { nodes { title } } }", 1),  # no cursor: compiled
        ):
            expected = await _post(a, query)
            with StatementCounter(isolated_database.engine) as counter:
                got = await _post(b, query)
            _same(expected, got)
            assert len(_work(counter)) == statements, counter.statements


#: Documents outside the subset (or refused): the compiled app answers exactly as the normal
#: one, through the normal executor.
FALLBACK: list[tuple[str, dict[str, Any] | None]] = [
    # introspection beside a read (`@skip`/`@include` compile since decision 0170)
    ("{ films(first: 2) { nodes { title } } __schema { queryType { name } } }", None),
    (  # relevance is a float: its cursor would print differently
        '{ films(first: 2, filter: { fulltext: "drama" }) { edges { cursor } } }',
        None,
    ),
]

#: Refused requests: same errors either way (the normal path reports them).
REFUSED: list[tuple[str, dict[str, Any] | None]] = [
    ("{ films(first: 101) { nodes { title } } }", None),
    ("{ films(first: -1) { nodes { title } } }", None),
    ('{ films(first: 2, after: "nonsense") { nodes { title } } }', None),
    (  # a cursor of another ordering
        "{ films(first: 2, orderBy: {field: FILM_ID}, "
        'after: "WyJUSVRMRTpBU0MiLFsiQUNBREVNWSBESU5PU0FVUiIsMV1d") { nodes { title } } }',
        None,
    ),
    ("query($n: Int!) { films(first: $n) { nodes { title } } }", {}),
    ("{ films(first: 2) { nodes { nope } } }", None),
    ("{ films(first: 2) { nodes { title } }", None),
    ("{ films(first: 2, last: 2) { nodes { title } } }", None),
    ('{ film(id: "QWN0b3I6MQ") { title } }', None),  # an Actor's id
    ('{ node(id: "nonsense") { id } }', None),
    ('{ node(id: "QWRkcmVzczox") { id } }', None),  # an address by id: staff only
    ("{ films(first: 2) { nodes { actors(first: 101) { nodes { lastName } } } } }", None),
]


@pytest.mark.parametrize(("query", "variables"), FALLBACK)
async def test_unsupported_documents_fall_back_to_the_normal_executor(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
    database: Database,
    query: str,
    variables: dict[str, Any] | None,
) -> None:
    expected, got, statements = await _both(clients, database, query, variables)
    _same(expected, got)
    # the normal executor: no statement builds JSON
    assert statements
    assert not any("json_build_object" in s for s in statements)


@pytest.mark.parametrize(("query", "variables"), REFUSED)
async def test_refused_requests_get_the_normal_paths_errors(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
    database: Database,
    query: str,
    variables: dict[str, Any] | None,
) -> None:
    normal, compiled = clients
    expected = await normal.post("/graphql", json={"query": query, "variables": variables})
    with StatementCounter(database.engine) as counter:
        got = await compiled.post("/graphql", json={"query": query, "variables": variables})
    assert got.status_code == expected.status_code
    assert got.json() == expected.json()
    assert "errors" in got.json()
    assert not any("json_build_object" in s for s in counter.statements)


async def test_mutations_are_never_compiled(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], database: Database
) -> None:
    query = 'mutation { login(input: {email: "nobody@example.com", password: "x"}) { __typename } }'
    with StatementCounter(database.engine) as counter:
        await clients[1].post("/graphql", json={"query": query})
    assert not any("json_build_object" in s for s in counter.statements)


async def test_get_queries_are_compiled_too(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], database: Database
) -> None:
    normal, compiled = clients
    params = {"query": Q1}
    expected = (await normal.get("/graphql", params=params)).json()
    with StatementCounter(database.engine) as counter:
        response = await compiled.get("/graphql", params=params)
    assert response.json() == expected
    _compiled_once(counter.statements)
    assert "x-request-id" in response.headers


async def test_the_schemas_validation_rules_apply_before_compiling(
    settings: Settings, database: Database
) -> None:
    """Depth and alias limits are validation rules of the schema: a document they refuse is
    never compiled, and the error is the normal path's."""
    strict = settings.model_copy(update={"max_query_depth": 3, "max_aliases": 1})
    apps = [
        create_app(
            strict.model_copy(update={"compiled_reads": on}), database, HeaderAuthenticator()
        )
        for on in (False, True)
    ]
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[0]), base_url="http://t") as a,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[1]), base_url="http://t") as b,
    ):
        for query, code in (
            ("{ films(first: 2) { nodes { actors { nodes { lastName } } } } }", "QUERY_TOO_DEEP"),
            (
                "{ x: films(first: 1) { nodes { title } } y: films { totalCount } }",
                "TOO_MANY_ALIASES",
            ),
        ):
            expected = (await a.post("/graphql", json={"query": query})).json()
            with StatementCounter(database.engine) as counter:
                got = (await b.post("/graphql", json={"query": query})).json()
            assert got == expected
            assert got["errors"][0]["extensions"]["code"] == code
            assert counter.statements == []


@pytest.mark.parametrize("arguments", ["last: 2", "first: 2", "last: 20", "first: 0"])
async def test_a_page_info_without_aggregates_is_one_object(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], database: Database, arguments: str
) -> None:
    """`pageInfo { hasNextPage }` of a backward page is a constant: still one object per
    connection, not one per row (found by the generated differential test)."""
    query = f"{{ stores({arguments}) {{ pageInfo {{ hasNextPage }} }} }}"
    expected, got, statements = await _both(clients, database, query)
    _same(expected, got)
    _compiled_once(statements)
