"""Statements compiled once per shape (decision 0162, persistence/read_sql.py `ReadCompiler`)
from parts built once (decision 0165): for generated documents, arguments and callers, the SQL
text and parameters a compiler that remembers shapes and parts gives are exactly those of a
fresh compiler that remembers nothing; shapes are shared (documents that differ only in values
reuse one compiled text) and bounded. No database needed: this is about the text; the
differential test runs the statements."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
import strawberry
from sqlalchemy.dialects import postgresql

from config.settings import Settings
from domain.auth import ANONYMOUS, Principal, Role
from domain.read_plan import PreparedRead, ReadPlan
from graph.compiled import Compiler, Statement
from graph.relay import to_global_id
from graph.schema import build_schema
from persistence import read_sql
from persistence.read_sql import ENTITIES, ReadCompiler
from tests.read_api.generated import DocumentGenerator

DOCUMENTS = 300
CALLERS = [
    ANONYMOUS,
    Principal(user_id=1, role=Role.CUSTOMER, customer_id=1, store_id=1),
    Principal(user_id=2, role=Role.STAFF, staff_id=1, store_id=1),
    Principal(user_id=3, role=Role.MANAGER, staff_id=2, store_id=2),
    Principal(user_id=4, role=Role.ADMIN),
]


def _fresh(dialect: Any, plan: ReadPlan) -> PreparedRead:
    """The plan compiled by a new compiler with no statement part remembered."""
    saved = (read_sql._SOURCES, read_sql._REMEMBERED, read_sql._VALUES, read_sql.MAX_PARTS)
    read_sql._SOURCES, read_sql._REMEMBERED, read_sql._VALUES = {}, {}, {}
    read_sql.MAX_PARTS = 0
    try:
        return ReadCompiler(dialect).prepare(plan)
    finally:
        read_sql._SOURCES, read_sql._REMEMBERED, read_sql._VALUES, read_sql.MAX_PARTS = saved


def _inlined(prepared: PreparedRead) -> str:
    """The statement's text with each `$n` replaced by its value."""
    return re.sub(r"\$(\d+)", lambda m: repr(prepared.params[int(m.group(1)) - 1]), prepared.text)


def _compared() -> tuple[
    strawberry.Schema, ReadCompiler, Compiler, list[tuple[PreparedRead, PreparedRead]]
]:
    """A compiler whose plans are prepared by `shared` (remembering shapes and parts) and,
    for comparison, by `_fresh`; each (remembered, fresh) pair lands in the list."""
    settings = Settings()
    schema = build_schema(settings)
    dialect = postgresql.asyncpg.dialect()  # type: ignore[attr-defined]
    shared = ReadCompiler(dialect)
    pairs: list[tuple[PreparedRead, PreparedRead]] = []

    def both(plan: ReadPlan) -> PreparedRead:
        remembered = shared.prepare(plan)
        pairs.append((remembered, _fresh(dialect, plan)))
        return remembered

    return schema, shared, Compiler(schema, settings, both, ENTITIES.keys()), pairs


def test_remembered_shapes_compile_as_fresh_ones() -> None:
    schema, shared, compiler, pairs = _compared()
    generator = DocumentGenerator(schema._schema, random.Random(162))
    for n in range(DOCUMENTS):
        query, variables = generator.document()
        compiler.compile(query, None, variables, CALLERS[n % len(CALLERS)])
        # and the same document asked by every caller (another scope, another shape or not)
        for caller in CALLERS:
            compiler.compile(query, None, variables, caller)
    assert len(pairs) > DOCUMENTS  # most documents compile
    for remembered, fresh in pairs:
        # a part used twice in one statement binds its values once: the numbering of the
        # parameters may differ, the statement with its values in place may not
        assert _inlined(remembered) == _inlined(fresh)
    assert len(shared._shapes) < len(pairs)  # shapes were found again
    assert shared._objects and read_sql._VALUES  # and parts were remembered


def test_values_are_bound_not_remembered() -> None:
    """Two plans of one shape with other values: one text, each its own parameters."""
    settings = Settings()
    schema = build_schema(settings)
    dialect = postgresql.asyncpg.dialect()  # type: ignore[attr-defined]
    shared = ReadCompiler(dialect)
    seen: list[PreparedRead] = []

    def remember(plan: ReadPlan) -> PreparedRead:
        seen.append(shared.prepare(plan))
        return seen[-1]

    compiler = Compiler(schema, settings, remember, ENTITIES.keys())
    query = (
        "query($id: Int!, $n: Int) "
        "{ film(filmId: $id) { title actors(first: $n) { nodes { actorId } } } }"
    )
    asked = ((1, 3), (7, 3), (700, 3), (7, 10))
    for film_id, first in asked:
        compiler.compile(query, None, {"id": film_id, "n": first}, ANONYMOUS)
    # one shape; its text renders the page's LIMIT, so the page of 10 has its own text
    assert len({prepared.text for prepared in seen[:3]}) == 1
    assert seen[3].text != seen[0].text
    assert len(shared._shapes) == 1
    for (film_id, first), prepared in zip(asked, seen, strict=True):
        assert film_id in prepared.params
        assert f"LIMIT {first + 1}" in prepared.text
    assert len({prepared.params for prepared in seen}) == 4


def test_shapes_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read_sql, "MAX_SHAPES", 4)
    settings = Settings()
    schema = build_schema(settings)
    dialect = postgresql.asyncpg.dialect()  # type: ignore[attr-defined]
    shared = ReadCompiler(dialect)
    compiler = Compiler(schema, settings, shared.prepare, ENTITIES.keys())
    generator = DocumentGenerator(schema._schema, random.Random(7))
    compiled: list[Any] = []
    for _ in range(60):
        query, variables = generator.document()
        compiled.append(compiler.compile(query, None, variables, ANONYMOUS))
    assert sum(statement is not None for statement in compiled) > 8
    assert len(shared._shapes) <= 4


def test_plans_that_differ_in_their_keys_share_a_skeleton() -> None:
    """Decision 0167: a document asked with one key after another (root lookups, `node`,
    `nodes`, several in one document), by each caller: the statement taken from the plan's
    skeleton, with the keys bound by name, is a fresh compiler's statement, values inlined;
    one skeleton serves each document and caller."""
    _, shared, compiler, pairs = _compared()
    documents = [
        "query($a: Int!) { film(filmId: $a) { title actors(first: 2) { nodes { actorId } } } }",
        "query($a: Int!, $b: Int!) { x: rental(rentalId: $a) { rentalId customer { email } } "
        "y: customer(customerId: $b) { email } languages { totalCount } }",
        "query($g: ID!) { node(id: $g) { id ... on Film { title } ... on Actor { lastName } } }",
        "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Film { title } } }",
    ]
    rng = random.Random(167)
    for query in documents:
        for caller in CALLERS:
            for _ in range(5):
                a, b = rng.randint(1, 20_000), rng.randint(1, 700)
                kind = rng.choice(["Film", "Actor"])
                variables = {
                    "a": a,
                    "b": b,
                    "g": to_global_id(kind, a % 1000),
                    "ids": [to_global_id("Film", k) for k in (a % 1000, b)],
                }
                names = set(re.findall(r"\$(\w+)", query))
                compiler.compile(
                    query, None, {k: v for k, v in variables.items() if k in names}, caller
                )
    assert len(pairs) > len(documents) * len(CALLERS)  # most compiled
    for remembered, fresh in pairs:
        assert _inlined(remembered) == _inlined(fresh)
    assert len(shared._skeletons) <= len(documents) * len(CALLERS) * 2  # node: two types


def _statement_text(statement: Statement | None) -> object:
    if statement is None:
        return None
    inlined = _inlined(PreparedRead(statement.sql, statement.params))
    return (inlined, statement.errors_json, statement.denials, statement.operation_name)


def test_documents_keyed_by_a_variable_are_planned_once() -> None:
    """Decision 0168: a document whose root lookups take their keys from variables used
    nowhere else is planned once per caller and other variables; every statement equals a
    fresh compiler's (values inlined, planned errors, denials). A key variable used again
    inside the selection, or null, is planned every time. Decision 0177: after the first
    request of a document and caller, the statement is the remembered one with the keys
    bound — no plan compiled — a fixed lookup (`nodes`, a literal key) keeping its own."""
    settings = Settings()
    schema = build_schema(settings)
    dialect = postgresql.asyncpg.dialect()  # type: ignore[attr-defined]
    reads = ReadCompiler(dialect)
    prepared: list[ReadPlan] = []

    def prepare(plan: ReadPlan) -> PreparedRead:
        prepared.append(plan)
        return reads.prepare(plan)

    compiler = Compiler(schema, settings, prepare, ENTITIES.keys(), template_plan=reads.keyed)
    documents = [
        "query($k: Int!) { x: rental(rentalId: $k) { rentalId } nodes(ids: "
        f'["{to_global_id("Film", 7)}", "{to_global_id("Actor", 3)}"]) {{ id }} '
        "film(filmId: 12) { title } }",
        "query($k: Int!) { rental(rentalId: $k) { rentalId customer { email } } }",
        "query($k: Int!, $n: Int) { a: customer(customerId: $k) { rentals(first: $n) "
        "{ totalCount } } staffMember(staffId: 1) { email } }",
        "query($k: Int!, $j: Int!) { film(filmId: $k) { title } b: actor(actorId: $j) "
        "{ films(first: 2) { nodes { filmId } } } }",
        # not keyed: $k again below the lookup; a nullable key
        "query($k: Int!) { film(filmId: $k) { actors(first: $k) { totalCount } } }",
        "query($k: Int) { payment(paymentId: $k) { amount } }",
    ]
    rng = random.Random(168)
    asked = 0
    for query in documents:
        for caller in CALLERS:
            for _ in range(4):
                variables: dict[str, Any] = {
                    "k": rng.choice([rng.randint(1, 16_000), None])
                    if "$k: Int)" in query
                    else rng.randint(1, 16_000),
                    "j": rng.randint(1, 200),
                    "n": rng.choice([1, 3]),
                }
                names = set(re.findall(r"\$(\w+)", query))
                used = {k: v for k, v in variables.items() if k in names}
                fresh = Compiler(schema, settings, ReadCompiler(dialect).prepare, ENTITIES.keys())
                got = compiler.compile(query, None, used, caller)
                assert _statement_text(got) == _statement_text(
                    fresh.compile(query, None, used, caller)
                ), (query, used, caller)
                asked += 1
    keyed = [d for d in compiler.documents.values() if d is not None and d.keyed]
    # all but the one using its key again (the nullable key's document is keyed; a null key
    # is planned as the executor's rules say, each time)
    assert len(keyed) == 5
    # per caller and other variables, not per key: far fewer plans than requests
    assert 0 < len(compiler.plans) < asked // 3
    # and no plan compiled per key either: a statement per remembered plan, bound after
    assert 0 < len(compiler.keyed) <= len(compiler.plans)
    assert len(prepared) < asked // 2
