"""SQL statements per operation, pinned: a change that adds an N+1 (or a round trip) fails here.

Each pin is the exact number measured, with where each statement comes from. These pin the
normal executor (resolvers and DataLoaders), so the app here has COMPILED_READS off; the
compiled path's pin (one statement) is in test_compiled.py."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    get_named_type,
)

from config.settings import Settings
from graph.schema import build_schema
from pagila_graph.app import create_app
from persistence.db import Database, StatementCounter
from tests.conftest import settings_for
from tests.read_api.conftest import ADMIN, Api, HeaderAuthenticator
from tests.read_api.generated import SKIPPED_ROOTS


@pytest.fixture(scope="module")
async def api(settings: Settings, database: Database) -> AsyncIterator[Api]:
    """The read API served by the normal executor only."""
    executor_only = settings.model_copy(update={"compiled_reads": False})
    app = create_app(executor_only, database, authenticator=HeaderAuthenticator())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield Api(http)


FILMS_WITH_RELATIONS = """{
  films(first: 100) {
    nodes {
      title
      language { name }
      actors(first: 10) { nodes { firstName lastName } }
      categories { nodes { name } }
    }
  }
}"""


async def test_100_films_with_actors_categories_and_language_cost_4_statements(
    api: Api, sql_counter: StatementCounter
) -> None:
    data = await api.data(FILMS_WITH_RELATIONS)
    films = data["films"]["nodes"]  # type: ignore[index]
    assert len(films) == 100
    assert sum(len(f["actors"]["nodes"]) for f in films) > 300
    # films page; actors of all 100 films (one LATERAL); their categories (one LATERAL);
    # languages (= ANY). No count: totalCount was not selected.
    assert sql_counter.count == 4, sql_counter.statements
    assert not any("count(" in s.lower() for s in sql_counter.statements)


async def test_customer_with_10_rentals_each_with_film_and_payments_costs_4_statements(
    api: Api, sql_counter: StatementCounter, pg: asyncpg.Connection
) -> None:
    query = """{
      customer(customerId: 1) {
        firstName
        rentals(first: 10) {
          nodes { rentalDate inventory { film { title } } payments { nodes { amount } } }
        }
      }
    }"""
    data = await api.data(query, as_=ADMIN)
    rentals = data["customer"]["rentals"]["nodes"]  # type: ignore[index]
    assert len(rentals) == 10
    expected = await pg.fetch(
        "SELECT f.title FROM rental r JOIN inventory i USING (inventory_id) "
        "JOIN film f USING (film_id) WHERE r.customer_id = 1 "
        "ORDER BY r.rental_date DESC, r.rental_id DESC LIMIT 10"
    )
    assert [r["inventory"]["film"]["title"] for r in rentals] == [e["title"] for e in expected]
    # the customer (one statement serves the permission check and the data); the 10 rentals
    # joined with their copies; the films (= ANY); the payments of all 10 (one LATERAL)
    assert sql_counter.count == 4, sql_counter.statements


async def test_a_deep_page_costs_what_the_first_costs(
    api: Api, sql_counter: StatementCounter
) -> None:
    query = "query($after: String) { films(first: 10, after: $after) { nodes { title } "
    query += "pageInfo { endCursor } } }"
    first = await api.data(query)
    first_cost = sql_counter.count
    cursor = None
    for _ in range(60):
        page = await api.data(query, {"after": cursor})
        cursor = page["films"]["pageInfo"]["endCursor"]  # type: ignore[index]
    sql_counter.statements.clear()
    await api.data(query, {"after": cursor})
    assert first["films"]["nodes"]  # type: ignore[index]
    assert first_cost == sql_counter.count == 1
    assert "OFFSET" not in sql_counter.statements[0].upper()


async def test_nodes_of_three_types_cost_one_statement_per_type(
    api: Api, sql_counter: StatementCounter
) -> None:
    ids = await api.data(
        "{ films(first: 3) { nodes { id } } actors(first: 3) { nodes { id } } "
        "stores { nodes { id } } }"
    )
    wanted = [n["id"] for key in ("films", "actors", "stores") for n in ids[key]["nodes"]]  # type: ignore[index]
    sql_counter.statements.clear()
    data = await api.data("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": wanted})
    assert [n["id"] for n in data["nodes"]] == wanted  # type: ignore[union-attr]
    assert sql_counter.count == 3, sql_counter.statements


async def test_total_count_costs_one_statement_only_when_selected(
    api: Api, sql_counter: StatementCounter
) -> None:
    await api.data("{ films(first: 5) { nodes { title } } }")
    without = sql_counter.count
    sql_counter.statements.clear()
    await api.data("{ films(first: 5) { totalCount nodes { title } } }")
    assert (without, sql_counter.count) == (1, 2)
    sql_counter.statements.clear()
    # nested: one count statement for all parents
    await api.data("{ films(first: 20) { nodes { actors(first: 2) { totalCount } } } }")
    assert sql_counter.count == 3, sql_counter.statements


EVERY_RELATION = """query($n: Int) {
  customers(first: $n) { nodes {
    store { manager { firstName } address { city { country { country } } } }
    address { city { country { country } } }
    subscriptions { nodes { planName customer { customerId } } }
    rentals(first: 3) { nodes {
      inventory { store { storeId } film {
        language { name } originalLanguage { name }
        actors(first: 2) { nodes { films(first: 2) { nodes { title } } } }
        categories(first: 2) { nodes { films(first: 2) { nodes { title } } } }
        inventory(first: 2) { nodes { inventoryId } }
      } }
      film { title } customer { customerId } staff { store { storeId } }
      payments { nodes { amount customer { customerId } staff { staffId } rental { rentalId } } }
    } }
    payments(first: 3) { nodes { rental { rentalDate } staff { firstName } } }
  } }
  stores { nodes { staff { nodes { firstName } } inventory(first: 2) { nodes { inventoryId } } } }
}"""


async def test_statements_do_not_grow_with_the_number_of_parents(
    api: Api, sql_counter: StatementCounter
) -> None:
    """Every relation of the read API in one operation: the statement count is a property of
    the query's shape, the same for 5 customers as for 50."""
    counts = []
    for n in (5, 50):
        sql_counter.statements.clear()
        data = await api.data(EVERY_RELATION, {"n": n}, as_=ADMIN)
        assert len(data["customers"]["nodes"]) == n  # type: ignore[index]
        counts.append(sql_counter.count)
    # 26 = one statement per relation per depth, whatever the number of parents: the two
    # root pages; 11 per-parent LATERAL pages (subscriptions, rentals, payments x2, staff,
    # inventory x2, actors, categories, films x2); 13 by-id batches (stores x2, addresses x2,
    # cities x2, countries x2, staff, films, languages, rentals x2 - a relation reached at two
    # depths is batched once per depth, as DataLoaders dispatch level by level). Customers
    # cost nothing beyond the root page: it primes the loader that owner checks and
    # `rental.customer` use.
    assert counts == [26, 26], sql_counter.statements


def _connection_node(field: GraphQLField) -> GraphQLObjectType | None:
    """The node type of a connection field (`nodes: [T!]!`), or None."""
    named = get_named_type(field.type)
    if not isinstance(named, GraphQLObjectType) or "nodes" not in named.fields:
        return None
    node = get_named_type(named.fields["nodes"].type)
    return node if isinstance(node, GraphQLObjectType) and "first" in field.args else None


def _without_required_args(field: GraphQLField) -> bool:
    return not any(isinstance(a.type, GraphQLNonNull) for a in field.args.values())


def _per_parent_documents(schema: GraphQLSchema) -> list[tuple[str, str]]:
    """From the served schema: for every object type that a root list pages, every nested
    connection field of it with `totalCount`, one level and two levels deep, and every scalar
    field taking no required argument (computed per-parent values: balances, availability, due
    dates...). Each document pages `$n` parents."""
    query = schema.query_type
    assert query is not None
    roots: dict[str, str] = {}
    for name, field in query.fields.items():
        node = _connection_node(field)
        if node is not None and name not in SKIPPED_ROOTS:
            roots.setdefault(node.name, name)
    documents = []
    for type_name, root in sorted(roots.items()):
        parent = schema.get_type(type_name)
        assert isinstance(parent, GraphQLObjectType)
        scalars = [
            name
            for name, f in parent.fields.items()
            if isinstance(get_named_type(f.type), GraphQLScalarType | GraphQLEnumType)
            and _without_required_args(f)
        ]
        page = f"query($n: Int) {{ {root}(first: $n) {{ nodes {{ "
        documents.append((f"{type_name}.scalars", f"{page}{' '.join(scalars)} }} }} }}"))
        for name, f in parent.fields.items():
            child = _connection_node(f)
            if child is None:
                continue
            nested = f"{name}(first: 3) {{ totalCount nodes {{ "
            documents.append((f"{type_name}.{name}", f"{page}{nested}__typename }} }} }} }} }}"))
            for inner, g in child.fields.items():
                if _connection_node(g) is not None:
                    deeper = f"{inner}(first: 2) {{ totalCount }}"
                    documents.append(
                        (f"{type_name}.{name}.{inner}", f"{page}{nested}{deeper} }} }} }} }} }}")
                    )
    return documents


PER_PARENT = _per_parent_documents(build_schema(settings_for("postgresql://unused/x"))._schema)


def test_the_generation_covers_every_nested_connection() -> None:
    names = {name for name, _ in PER_PARENT}
    # the nested connections of the schema (a root list reaches each parent type)
    assert {
        "Film.actors",
        "Film.categories",
        "Film.inventory",
        "Actor.films",
        "Category.films",
        "Customer.rentals",
        "Customer.payments",
        "Customer.subscriptions",
        "Rental.payments",
        "Store.staff",
        "Store.inventory",
    } <= names, names
    assert "Customer.rentals.payments" in names and "Customer.scalars" in names


@pytest.mark.parametrize(("name", "document"), PER_PARENT, ids=[n for n, _ in PER_PARENT])
async def test_per_parent_counts_and_values_cost_one_statement_per_level(
    api: Api, sql_counter: StatementCounter, name: str, document: str
) -> None:
    """Every nested `totalCount` (and every per-parent computed value) is batched: the number
    of statements is the same for 2 parents as for 40, and each level of `totalCount` costs
    exactly one count statement (GROUP BY parent), whatever the number of parents."""
    counts = []
    for n in (2, 40):
        sql_counter.statements.clear()
        data = await api.data(document, {"n": n}, as_=ADMIN)
        assert data
        counts.append(sql_counter.count)
        grouped = [s for s in sql_counter.statements if "count(*)" in s and "GROUP BY" in s]
        assert len(grouped) == document.count("totalCount"), sql_counter.statements
    assert counts[0] == counts[1], (name, sql_counter.statements)
