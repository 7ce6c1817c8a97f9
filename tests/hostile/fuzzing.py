"""What the generated fuzz run (test_fuzz.py) sends and what it checks in every answer.

Documents come from `hypothesis-graphql` over our own SDL (`schema.graphql`): valid queries and
mutations (its POSITIVE mode), invalid ones (its NEGATIVE mode: wrong argument types, missing
required arguments, ...) and valid ones broken by `mangled` below (a dropped or doubled brace,
a cut, huge numbers, odd unicode, wrong literal types, unknown fields and directives, two
anonymous operations). Each is sent through the real app over HTTP as one of the callers the
permission matrix tells apart, with either media type.

Every answer must be: JSON in the negotiated media type; the status the GraphQL-over-HTTP spec
asks for; errors each with `extensions.code`, none `INTERNAL_SERVER_ERROR`; no traceback, no
SQL text, no module path in any error; within `TIME_BOUND_S`.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import graphql
import hypothesis_graphql as hg
from hypothesis import strategies as st
from hypothesis_graphql import nodes

SCHEMA = (Path(__file__).parents[2] / "schema.graphql").read_text()

#: Our custom scalars, including values they must refuse (NaN, infinities, naive datetimes).
SCALARS = {
    "Date": st.dates().map(lambda d: nodes.String(d.isoformat())),
    "DateTime": st.datetimes(timezones=st.none() | st.just(dt.UTC)).map(
        lambda d: nodes.String(d.isoformat())
    ),
    "Decimal": st.decimals(allow_nan=True, allow_infinity=True).map(lambda d: nodes.String(str(d))),
    "Upload": st.just(nodes.String("not a file")),
}


@functools.cache
def documents(kind: str, mode: hg.Mode) -> st.SearchStrategy[str]:
    """`kind`: "queries" or "mutations". Built once: building it parses the whole SDL."""
    strategy = hg.queries if kind == "queries" else hg.mutations
    schema = graphql.build_schema(SCHEMA)
    return strategy(schema, custom_scalars=SCALARS, mode=mode).map(str)


#: The callers of the permission matrix, as tests/mutations/support.py's header names them:
#: staff 1 works at store 25 and manages store 1 in the loaded data; any store id will do.
CALLERS = {
    "anonymous": None,
    "customer": "customer:1",
    "staff": "staff:1:25",
    "manager": "manager:2:33",
    "admin": "admin",
}

GRAPHQL_RESPONSE = "application/graphql-response+json"
ACCEPTS = {"application/json": "application/json", GRAPHQL_RESPONSE: GRAPHQL_RESPONSE}

# --- the mutation strategy over valid documents --------------------------------------------

ODD_TEXT = [
    "\\u0000",  # NUL, as a GraphQL escape
    "\\uD800",  # a lone surrogate
    "\\uDFFF\\uD800",
    "\u202e\u0645\u0631\u062d\u0628\u0627",  # right-to-left override, Arabic
    "\U0001f4a9\U0001f3f3\ufe0f\u200d\U0001f308",  # emoji with a joiner
    "e\u0301\u0301\u0301\u0301",  # stacked combining marks
    "\ufeff\u200b",  # BOM, zero-width space
    "' OR 1=1; --",
    "%s%n\\\\",
    "x" * 20_000,
]
HUGE_NUMBERS = ["2147483648", "-2147483649", "1" + "0" * 40, "1e999", "-0.0", "1e-400", "NaN"]


@st.composite
def mangled(draw: st.DrawFn, document: str) -> str:
    """`document` broken in one to three generated ways."""
    for _ in range(draw(st.integers(1, 3))):
        document = draw(st.sampled_from(_MANGLERS))(draw, document)
    return document


def _position(draw: st.DrawFn, text: str, pattern: str) -> re.Match[str] | None:
    matches = list(re.finditer(pattern, text))
    return draw(st.sampled_from(matches)) if matches else None


def _replace(draw: st.DrawFn, text: str, pattern: str, replacement: str) -> str:
    match = _position(draw, text, pattern)
    if match is None:
        return text
    return text[: match.start()] + replacement + text[match.end() :]


def _drop_bracket(draw: st.DrawFn, text: str) -> str:
    return _replace(draw, text, r"[{}()\[\]]", "")


def _double_bracket(draw: st.DrawFn, text: str) -> str:
    match = _position(draw, text, r"[{}()\[\]]")
    return text if match is None else text[: match.end()] + match.group() + text[match.end() :]


def _cut(draw: st.DrawFn, text: str) -> str:
    return text[: draw(st.integers(0, max(len(text) - 1, 0)))]


def _huge_number(draw: st.DrawFn, text: str) -> str:
    return _replace(draw, text, r"(?<=: )-?\d+(\.\d+)?", draw(st.sampled_from(HUGE_NUMBERS)))


def _odd_string(draw: st.DrawFn, text: str) -> str:
    odd = draw(st.sampled_from(ODD_TEXT))
    return _replace(draw, text, r'"(?:[^"\\]|\\.)*"', f'"{odd}"')


def _string_for_number(draw: st.DrawFn, text: str) -> str:
    return _replace(draw, text, r"(?<=: )-?\d+", '"12"')


def _number_for_string(draw: st.DrawFn, text: str) -> str:
    return _replace(draw, text, r'(?<=: )"(?:[^"\\]|\\.)*"', draw(st.sampled_from(["12", "true"])))


def _unknown_field(draw: st.DrawFn, text: str) -> str:
    name = draw(st.sampled_from(["zzUnknown", "__schema", "password", "staffId(staffId: 1)"]))
    return _replace(draw, text, r"\{", "{ " + name + " ")


def _odd_directive(draw: st.DrawFn, text: str) -> str:
    directive = draw(
        st.sampled_from(
            ['@skip(if: "yes")', "@include(if: $nope)", "@unknown", "@deprecated", "@skip"]
        )
    )
    return _replace(draw, text, r"(?<=\w)(?=\s*\{)", " " + directive)


def _odd_character(draw: st.DrawFn, text: str) -> str:
    at = draw(st.integers(0, len(text)))
    char = draw(st.sampled_from(["\x00", "\ufeff", "\u200b", "\x7f", "\u2028", "\ud800", "\\"]))
    return text[:at] + char + text[at:]


def _two_operations(draw: st.DrawFn, text: str) -> str:
    return text + "\n" + text


def _undefined_variable(draw: st.DrawFn, text: str) -> str:
    return _replace(draw, text, r"(?<=: )-?\d+", "$undefined")


_MANGLERS = [
    _drop_bracket,
    _double_bracket,
    _cut,
    _huge_number,
    _odd_string,
    _string_for_number,
    _number_for_string,
    _unknown_field,
    _odd_directive,
    _odd_character,
    _two_operations,
    _undefined_variable,
]

#: Variables sent beside a document that declares none, or declares others.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
variables = st.none() | st.dictionaries(st.sampled_from(["id", "first", "input", "x"]), json_values)

# --- the checks ---------------------------------------------------------------------------

#: Longest any answer may take: the database's own bounds (pool checkout 5 s, command 20 s,
#: settings) with a wide margin for a loaded machine. A hang is what this catches.
TIME_BOUND_S = 60.0

LEAKS = re.compile(
    r"Traceback|File \"|\.py\b|sqlalchemy|asyncpg|psycopg|\bSELECT\b.*\bFROM\b|\bINSERT INTO\b"
    r"|\bUPDATE\b.*\bSET\b|\bDELETE FROM\b|pg_catalog|\bSQLSTATE\b",
    re.IGNORECASE | re.DOTALL,
)


@dataclass
class Tally:
    """What a run saw, for its report."""

    sent: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    codes: dict[str, int] = field(default_factory=dict)
    slowest_s: float = 0.0
    max_loop_cpu_s: float = 0.0

    def add(self, status: int, codes: list[str], seconds: float) -> None:
        self.sent += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1
        for code in codes:
            self.codes[code] = self.codes.get(code, 0) + 1
        self.slowest_s = max(self.slowest_s, seconds)


def problems(status: int, content_type: str, text: str, accept: str) -> list[str]:
    """Everything wrong with one answer (empty: a good answer)."""
    found: list[str] = []
    try:
        body: Any = json.loads(text)
    except ValueError:
        return [f"not JSON: {text[:200]!r}"]
    if not isinstance(body, dict):
        return [f"not an object: {text[:200]!r}"]
    if content_type.split(";", maxsplit=1)[0].strip() != ACCEPTS[accept]:
        found.append(f"content type {content_type!r} for Accept {accept!r}")
    errors = body.get("errors") or []
    codes = [(e.get("extensions") or {}).get("code") for e in errors]
    if any(not code for code in codes):
        found.append(f"an error without a code: {errors}")
    if "INTERNAL_SERVER_ERROR" in codes:
        found.append(f"an internal error: {errors}")
    leaked = LEAKS.search(json.dumps(errors, ensure_ascii=False))
    if leaked:
        found.append(f"{leaked.group()!r} in an error: {errors}")
    unavailable = bool(codes) and set(codes) == {"SERVICE_UNAVAILABLE"}
    malformed = bool(codes) and set(codes) == {"BAD_REQUEST"} and "data" not in body
    if status >= 500 and not (status == 503 and unavailable):
        found.append(f"status {status}")
    if accept == GRAPHQL_RESPONSE:
        # spec: a response with a `data` entry is 200; one without (a request error) is 4xx
        if "data" in body and status != 200:
            found.append(f"status {status} with data")
        if "data" not in body and not (400 <= status < 500 or unavailable):
            found.append(f"status {status} for a request error")
    elif status != 200 and not unavailable and not (status == 400 and malformed):
        # legacy clients get every GraphQL response with 200; a request that is not one (no
        # query, e.g. an empty document) is 400 BAD_REQUEST under either media type
        found.append(f"status {status} under application/json")
    if "data" not in body and not errors:
        found.append("neither data nor errors")
    return found
