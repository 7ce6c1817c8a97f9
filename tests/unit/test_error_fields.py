"""The domain names a command's fields its own way; the GraphQL layer renders them as the input
path a client sent — Strawberry's own camelCase of the same Python name — in `field` and in
the message alike. Other fields (arguments such as `first`, graph's own `id`) pass unchanged."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from strawberry.utils.str_converters import to_camel_case

from domain.errors import InputField, InvalidInput, NotFound, ValidationFailed
from domain.validation import Checks
from graph.errors import field_of, input_path, message_of, user_errors

WORD = st.from_regex(r"[a-z][a-z0-9]{0,7}", fullmatch=True)
NAME = st.lists(WORD, min_size=1, max_size=4).map("_".join)
PART = st.tuples(NAME, st.none() | st.integers(0, 99)).map(
    lambda p: p[0] if p[1] is None else f"{p[0]}[{p[1]}]"
)
PATH = st.lists(PART, min_size=1, max_size=3).map(".".join)


def _strawberry(part: str) -> str:
    name, bracket, index = part.partition("[")
    return to_camel_case(name) + bracket + index


@given(PATH)
def test_a_domain_path_becomes_strawberrys_input_path(path: str) -> None:
    expected = "input." + ".".join(_strawberry(part) for part in path.split("."))
    assert input_path(path) == expected
    error = InvalidInput(f"`{path}` is wrong; so is `{path}`.", field=InputField(path))
    assert field_of(error) == expected
    assert message_of(error) == f"`{expected}` is wrong; so is `{expected}`."


@given(PATH)
def test_a_plain_field_is_left_alone(path: str) -> None:
    error = InvalidInput(f"`{path}` is wrong.", field=path)
    assert field_of(error) == path
    assert message_of(error) == f"`{path}` is wrong."


def test_checks_and_mutation_errors_speak_the_api() -> None:
    checks = Checks()
    checks.text("first_name", " ", 10)
    checks.money("rental_rate", Decimal("1.005"), max_digits=4)
    problems = list(checks.problems)
    errors = user_errors(ValidationFailed(problems))
    assert [(e.field, e.message) for e in errors] == [
        ("input.firstName", "`input.firstName` must not be empty."),
        ("input.rentalRate", "`input.rentalRate` must have at most 2 decimal places."),
    ]
    (missing,) = user_errors(NotFound("Actor", 7, field=InputField("actor_ids[1]")))
    assert (missing.field, missing.message) == ("input.actorIds[1]", "Actor 7 does not exist.")
