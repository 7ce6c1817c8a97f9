"""The cost model on a small schema of its own, so the numbers are easy to check by hand."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from graphql import parse

from graph.limits import CostLimits, LimitExceeded, operation_cost


@strawberry.type
class PageInfo:
    has_next_page: bool


@strawberry.type
class Item:
    name: str
    tags: list[str]

    @strawberry.field
    def children(self, first: int | None = None) -> list[Item]:
        return []


@strawberry.type
class ItemEdge:
    cursor: str
    node: Item


@strawberry.type
class ItemConnection:
    edges: list[ItemEdge]
    nodes: list[Item]
    page_info: PageInfo
    total_count: int


@strawberry.type
class Query:
    @strawberry.field
    def item(self) -> Item | None:
        return None

    @strawberry.field
    def items(self, first: int | None = None, last: int | None = None) -> ItemConnection:
        raise NotImplementedError

    @strawberry.field
    def by_ids(self, ids: list[int]) -> list[Item]:
        return []

    @strawberry.field
    def related(self) -> list[Item]:
        return []


SCHEMA = strawberry.Schema(Query)._schema
LIMITS = CostLimits(max_cost=10_000, max_page_size=100, default_page_size=20)


def cost(query: str, variables: dict[str, Any] | None = None, limits: CostLimits = LIMITS) -> int:
    return operation_cost(SCHEMA, parse(query), None, variables, limits)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("{ item { name } }", 2),
        ("{ item { name tags } }", 3),  # a list of scalars is one field
        # 1 (items) + 1 (edges) + 5 x (1 node + 1 name) = 12
        ("{ items(first: 5) { edges { node { name } } } }", 12),
        # pageInfo and totalCount are not multiplied
        (
            "{ items(last: 5) { totalCount pageInfo { hasNextPage } nodes { name } } }",
            1 + 1 + 2 + 1 + 5,
        ),
        # no first/last: the default page size (20)
        ("{ items { nodes { name } } }", 1 + 1 + 20),
        # nested lists multiply: 1 + 1 + 10 x (1 + 1 + 3 x 1)
        ("{ items(first: 10) { nodes { name children(first: 3) { name } } } }", 2 + 10 * 5),
        # a plain list of objects without page arguments counts the default page size
        ("{ related { name } }", 1 + 20),
        # `ids` bounds a list
        ("{ byIds(ids: [1, 2, 3]) { name } }", 1 + 3),
        ("{ __schema { types { name fields { name } } } }", 0),
    ],
)
def test_costs(query: str, expected: int) -> None:
    assert cost(query) == expected


def test_variables_and_fragments_count_like_literals() -> None:
    literal = cost("{ items(first: 7) { nodes { name children { name } } } }")
    with_variables = cost(
        "query($n: Int, $ids: [Int!]!) {"
        " items(first: $n) { nodes { ...F } } byIds(ids: $ids) { name } }"
        " fragment F on Item { name children { name } }",
        {"n": 7, "ids": [1, 2]},
    )
    assert with_variables == literal + 1 + 2


def test_the_chosen_operation_is_the_one_counted() -> None:
    document = parse(
        "query Small { item { name } } query Big { items(first: 50) { nodes { name } } }"
    )
    assert operation_cost(SCHEMA, document, "Small", None, LIMITS) == 2
    assert operation_cost(SCHEMA, document, "Big", None, LIMITS) == 52


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("{ items(first: 101) { totalCount } }", None),
        ("query($n: Int) { items(last: $n) { totalCount } }", {"n": 500}),
        ("{ item { children(first: 1000) { name } } }", None),
    ],
)
def test_page_size_above_the_maximum_is_refused(
    query: str, variables: dict[str, Any] | None
) -> None:
    with pytest.raises(LimitExceeded) as refused:
        cost(query, variables)
    assert refused.value.error.extensions is not None
    assert refused.value.error.extensions["code"] == "INVALID_INPUT"
    assert "at most 100" in refused.value.error.message
