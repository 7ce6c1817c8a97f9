"""Random valid read documents from the schema itself (introspected: the GraphQL types of the
served schema), for the differential test of the compiled read path.

The generator knows no document and no compiled subset: it walks the Query type, picks fields
and fragments at random, and fills every argument from its GraphQL input type. Values are drawn
from pools shaped by the argument's name where a uniform draw would almost never hit a row
(ids, substrings of titles, keyset cursors built with the domain's own `encode_cursor` over
random sort values), and sometimes invalid ones (a cursor of another ordering, `first` and
`last` together, an over-limit page) so refusals are compared too.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    get_named_type,
)

from domain.pagination import CursorValue, SortDirection, SortKey, encode_cursor
from graph.relay import to_global_id

#: Root fields whose answer needs the language model (the scripted one is not wired here).
SKIPPED_ROOTS = {"filmSummary"}

WORDS = ["AIR", "DINO", "ACE", "LOVE", "A", "ZZZ", "man", "E", "drama", "%", "_", "'", "é"]
NODE_TYPES = [
    "Film",
    "Actor",
    "Category",
    "Language",
    "Inventory",
    "Store",
    "Staff",
    "Customer",
    "Rental",
    "Payment",
    "Address",
    "City",
    "Country",
]
#: Sort names and value types of the schema's orderings (a cursor must name one to be valid).
SORTS: list[tuple[str, tuple[type, ...]]] = [
    ("TITLE", (str,)),
    ("FILM_ID", ()),
    ("LENGTH", (int,)),
    ("RELEASE_YEAR", (int,)),
    ("RENTAL_RATE", (Decimal,)),
    ("REPLACEMENT_COST", (Decimal,)),
    ("LAST_NAME", (str, str)),
    ("FIRST_NAME", (str, str)),
    ("ACTOR_ID", ()),
    ("NAME", (str,)),
    ("ID", ()),
    ("INVENTORY_ID", ()),
    ("RENTAL_DATE", (dt.datetime,)),
    ("PAYMENT_DATE", (dt.datetime,)),
]


class DocumentGenerator:
    def __init__(self, schema: GraphQLSchema, rng: random.Random, max_depth: int = 5) -> None:
        self.schema = schema
        self.rng = rng
        self.max_depth = max_depth
        self.variables: dict[str, Any] = {}
        self.seen: list[str] = []
        #: `@skip`/`@include` decisions drawn apart, so the documents stay those of the seed
        self.conditions = random.Random(rng.random())

    # --- documents ---

    def document(self) -> tuple[str, dict[str, Any]]:
        """One query document and its variables (some arguments go through variables)."""
        self.variables = {}
        self.definitions: list[str] = []
        query = self.schema.query_type
        assert query is not None
        names = [n for n in query.fields if n not in SKIPPED_ROOTS]
        chosen = self.rng.sample(names, k=min(len(names), self.rng.choice([1, 1, 1, 2, 3])))
        body = " ".join(self.field(query, n, 1) for n in chosen)
        if self.rng.random() < 0.1:
            body += " __typename"
        header = ""
        if self.definitions:
            header = "(" + ", ".join(self.definitions) + ")"
        return f"query Generated{header} {{ {body} }}", dict(self.variables)

    def field(self, owner: GraphQLObjectType | GraphQLInterfaceType, name: str, depth: int) -> str:
        definition = owner.fields[name]
        alias = f"a{self.rng.randrange(1000)}: " if self.rng.random() < 0.1 else ""
        args = self.arguments(definition)
        selection = self.selection(get_named_type(definition.type), depth + 1)
        return f"{alias}{name}{args}{self.condition()}{selection}"

    def selection(self, named: Any, depth: int) -> str:
        if isinstance(named, GraphQLScalarType | GraphQLEnumType):
            return ""
        if isinstance(named, GraphQLObjectType):
            return "{ " + self.fields_of(named, depth) + " }"
        if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
            possible = list(self.schema.get_possible_types(named))
            picked = self.rng.sample(possible, k=min(len(possible), self.rng.randint(1, 3)))
            parts = ["__typename"]
            if isinstance(named, GraphQLInterfaceType) and self.rng.random() < 0.5:
                parts.append(self.fields_of(named, depth))
            for target in picked:
                fields = self.fields_of(target, depth)
                parts.append(f"... on {target.name}{self.condition()} {{ {fields} }}")
            return "{ " + " ".join(parts) + " }"
        raise AssertionError(named)

    def fields_of(self, owner: GraphQLObjectType | GraphQLInterfaceType, depth: int) -> str:
        names = list(owner.fields)
        leaves = [n for n in names if _is_leaf(owner.fields[n])]
        if depth >= self.max_depth:
            names = leaves or names[:1]
        k = self.rng.randint(1, min(4, len(names)))
        chosen = self.rng.sample(names, k=k)
        if depth >= self.max_depth and not leaves:
            return "__typename"
        parts = [self.field(owner, n, depth) for n in chosen]
        if self.rng.random() < 0.1:
            parts.append("__typename")
        return " ".join(parts)

    def condition(self) -> str:
        """Now and then `@skip` or `@include`, its `if` a literal or a variable."""
        draw = self.conditions
        if draw.random() >= 0.08:
            return ""
        directive = draw.choice(["skip", "include"])
        value = draw.random() < 0.5
        if draw.random() < 0.5:
            return f" @{directive}(if: {'true' if value else 'false'})"
        variable = f"c{len(self.variables)}"
        self.variables[variable] = value
        self.definitions.append(f"${variable}: Boolean!")
        return f" @{directive}(if: ${variable})"

    # --- arguments ---

    def arguments(self, definition: GraphQLField) -> str:
        given: list[str] = []
        returned = get_named_type(definition.type)
        skipped, kept = self.exclusive(list(definition.args))
        for name, argument in definition.args.items():
            required = isinstance(argument.type, GraphQLNonNull) or name in kept
            if name in skipped or (not required and self.rng.random() < 0.5):
                continue
            value = self.value(name, argument.type, returned.name)
            if value is None and required:
                continue
            if self.rng.random() < 0.2 and value is not None:
                variable = f"v{len(self.variables)}"
                self.variables[variable] = value
                self.definitions.append(f"${variable}: {argument.type}")
                given.append(f"{name}: ${variable}")
            else:
                given.append(f"{name}: {_literal(value, argument.type)}")
        return "(" + ", ".join(given) + ")" if given else ""

    def exclusive(self, names: list[str]) -> tuple[set[str], set[str]]:
        """Relay's argument conventions: `first` or `last`, and a lookup's `id` or its key
        (`filmId`); mostly one of each pair, sometimes both (a refusal to compare)."""
        if self.rng.random() < 0.1:
            return set(), set()
        skipped: set[str] = set()
        kept: set[str] = set()
        if "first" in names and "last" in names:
            skipped.add(self.rng.choice(["first", "last"]))
        keys = [n for n in names if n == "id" or n.endswith("Id")]
        if "id" in keys and len(keys) == 2:
            one = self.rng.choice(keys)
            kept.add(one)
            skipped.update(k for k in keys if k != one)
        return skipped, kept

    def value(  # noqa: PLR0911, PLR0912
        self, name: str, type_: GraphQLInputType, returned: str = ""
    ) -> Any:
        nullable = not isinstance(type_, GraphQLNonNull)
        inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        rng = self.rng
        if nullable and rng.random() < 0.1:
            return None
        if isinstance(inner, GraphQLList):
            count = rng.choice([0, 1, 1, 2, 3])
            return [self.value(name, inner.of_type, returned) for _ in range(count)]
        if isinstance(inner, GraphQLInputObjectType):
            fields = list(inner.fields.items())
            picked = rng.sample(fields, k=rng.randint(0, min(3, len(fields))))
            found = {n: self.value(n, f.type) for n, f in picked}
            for n, f in fields:  # required fields
                required = isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined
                if required and n not in found:
                    found[n] = self.value(n, f.type)
            return found
        if isinstance(inner, GraphQLEnumType):
            return rng.choice(list(inner.values))
        assert isinstance(inner, GraphQLScalarType)
        if name in ("first", "last"):
            return 101 if rng.random() < 0.03 else rng.choice([0, 1, 2, 3, 5, 7, 20, 100])
        if name in ("after", "before"):
            return self.cursor()
        if inner.name == "Int" and name == "id":  # `conversation(id:)`: 1-7 exist
            return rng.choice([1, 2, 3, 4, 5, 6, 7, 99])
        if inner.name == "ID" or name in ("id", "ids"):
            key = rng.choice([1, 2, 3, 7, 42, 100, 599, 1000, 99999])
            if rng.random() < 0.05:
                return "not-an-id"
            same = returned in NODE_TYPES and rng.random() < 0.9  # an id of the type asked for
            return to_global_id(returned if same else rng.choice(NODE_TYPES), key)
        if inner.name == "Int":
            if name == "year":  # the reports' month: Pagila's payments are of 2022
                return rng.choice([2022, 2022, 2022, 2021, 0, 9999])
            if name == "month":
                return rng.choice([1, 2, 3, 4, 5, 6, 7, 12, 0, 13])
            if name.endswith("Id") or name.endswith("Ids"):
                return rng.choice([1, 2, 3, 5, 10, 42, 200, 999, 0])
            return rng.choice([0, 1, 5, 50, 90, 120, 2006, -1])
        if inner.name == "String":
            return rng.choice(WORDS)
        if inner.name == "Boolean":
            return rng.random() < 0.5
        if inner.name == "Decimal":
            return rng.choice(["0.99", "2.99", "4.99", "20.00", "1"])
        if inner.name == "DateTime":
            return rng.choice(
                [
                    "2005-06-01T00:00:00+00:00",
                    "2022-03-15T00:00:00+00:00",
                    "2022-05-01T00:00:00+00:00",
                    "2022-05-01T00:00:00",  # no time zone: refused
                ]
            )
        if inner.name == "Date":
            return "2022-01-01"
        return None

    def observe(self, answer: Any) -> None:
        """Remember the cursors of an answer: later documents page from them (a cursor must
        belong to its list's ordering, which a random draw seldom matches)."""
        if isinstance(answer, dict):
            for key, value in answer.items():
                if key in ("cursor", "startCursor", "endCursor") and isinstance(value, str):
                    self.seen.append(value)
                else:
                    self.observe(value)
        elif isinstance(answer, list):
            for item in answer:
                self.observe(item)
        del self.seen[:-500]

    def cursor(self) -> str:
        rng = self.rng
        if rng.random() < 0.03:
            return "nonsense"
        if self.seen and rng.random() < 0.7:
            return rng.choice(self.seen)
        name, types = rng.choice(SORTS)
        direction = rng.choice(list(SortDirection))
        values: list[CursorValue] = [_sort_value(rng, t) for t in types]
        values.append(rng.choice([1, 5, 50, 300, 700, 1001]))
        return encode_cursor(SortKey(name, direction, types), values)


def _sort_value(rng: random.Random, value_type: type) -> CursorValue:
    if value_type is str:
        return rng.choice(["A", "CHAMBER", "M", "SMITH", "Z", "Action", "English"])
    if value_type is int:
        return rng.choice([0, 60, 120, 2006])
    if value_type is Decimal:
        return Decimal(rng.choice(["0.99", "2.99", "4.99", "19.99"]))
    return dt.datetime(2005, 7, rng.randint(1, 30), 12, 0, tzinfo=dt.UTC)


def _is_leaf(definition: GraphQLField) -> bool:
    return isinstance(get_named_type(definition.type), GraphQLScalarType | GraphQLEnumType)


def _literal(value: Any, type_: GraphQLInputType) -> str:  # noqa: PLR0911
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if value is None:
        return "null"
    if isinstance(inner, GraphQLList):
        return "[" + ", ".join(_literal(v, inner.of_type) for v in value) + "]"
    if isinstance(inner, GraphQLInputObjectType):
        items = ", ".join(f"{k}: {_literal(v, inner.fields[k].type)}" for k, v in value.items())
        return "{" + items + "}"
    if isinstance(inner, GraphQLEnumType):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value)
