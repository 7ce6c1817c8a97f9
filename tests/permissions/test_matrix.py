"""The permission matrix covers the schema, is what the schema declares, and is what
docs/permissions.md shows. No database: these read the schema the code builds."""

from __future__ import annotations

import shutil
from pathlib import Path

import graphql
import pytest
from graphql import GraphQLObjectType, get_named_type
from typer.testing import CliRunner

from config.settings import Settings
from domain.auth import ROLES_WITH_ACCESS, Access, Principal, Role, require_access
from domain.errors import PermissionDenied, Unauthenticated
from graph.permissions import (
    MATRIX,
    MATRIX_DOC,
    MATRIX_END,
    MATRIX_START,
    Case,
    Guard,
    Rule,
    Scope,
    field_of,
    matrix_markdown,
    object_definitions,
    with_matrix,
)
from graph.schema import build_schema
from pagila_graph.cli import app

ROOT = Path(__file__).resolve().parents[2]
ROOT_TYPES = ("Query", "Mutation", "Subscription")

#: Types whose every field is customer data (or a store's takings): reached only through
#: entries of the matrix, whose check their fields inherit. `Address` is a home address
#: unless the matrix says otherwise (a store's). `Account` is only ever the caller's own.
PRIVATE_TYPES = frozenset(
    {
        "Account",
        "Customer",
        "Rental",
        "Payment",
        "StreamingSubscription",
        "Conversation",
        "ConversationMessage",
        "StoreSalesRow",
        "CategorySalesRow",
        "TopCustomerRow",
        "Address",
    }
)
#: Scalar fields of public types that are private themselves (issue 14: the admin's e-mail,
#: a sign-in name, was readable anonymously).
PRIVATE_FIELDS = frozenset({"Staff.email"})


@pytest.fixture(scope="module")
def schema() -> graphql.GraphQLSchema:
    return build_schema(Settings())._schema


def reached(field_type: graphql.GraphQLOutputType) -> str:
    """The named type a field yields, seen through connections and edges."""
    named = get_named_type(field_type)
    if named.name.endswith("Connection") and isinstance(named, GraphQLObjectType):
        return get_named_type(named.fields["nodes"].type).name
    return named.name


def is_payload(t: GraphQLObjectType) -> bool:
    # a mutation's result: covered by the mutation's own entry
    return any(i.name == "Payload" for i in t.interfaces)


def needed_entries(schema: graphql.GraphQLSchema) -> set[str]:
    """Every root field, and every field of a public type that yields private data."""
    needed: set[str] = set()
    for type_name, t in schema.type_map.items():
        if not isinstance(t, GraphQLObjectType) or type_name.startswith("__"):
            continue
        if (
            type_name in PRIVATE_TYPES
            or is_payload(t)
            or type_name.endswith(("Connection", "Edge"))
        ):
            continue
        for name, f in t.fields.items():
            coordinate = f"{type_name}.{name}"
            if (
                type_name in ROOT_TYPES
                or reached(f.type) in PRIVATE_TYPES
                or coordinate in PRIVATE_FIELDS
            ):
                needed.add(coordinate)
    return needed


def test_every_root_field_and_every_way_into_private_data_has_an_entry(
    schema: graphql.GraphQLSchema,
) -> None:
    needed = needed_entries(schema)
    missing = sorted(needed - set(MATRIX))
    assert missing == [], (
        f"Add these to graph/permissions.py's MATRIX (and to the HTTP matrix test): {missing}"
    )
    assert sorted(set(MATRIX) - needed) == [], "entries the schema does not need"


@pytest.mark.parametrize(
    ("type_name", "added"),
    [
        ("Film", "rentals: RentalConnection!"),
        ("Store", "customers: [Customer!]!"),
        ("Mutation", "doSomething: Boolean!"),
        ("Query", "whoIsThis: Customer"),
        ("Inventory", "currentRental: Rental"),
    ],
)
def test_a_new_field_into_private_data_needs_an_entry(
    schema: graphql.GraphQLSchema, type_name: str, added: str
) -> None:
    sdl = graphql.print_schema(schema)
    opening = next(line for line in sdl.splitlines() if line.startswith(f"type {type_name} "))
    patched = graphql.build_schema(sdl.replace(opening, f"{opening}\n  {added}", 1))
    new = f"{type_name}.{added.split(':', maxsplit=1)[0]}"
    assert needed_entries(patched) - set(MATRIX) == {new}


def requires_directives(sdl: str) -> dict[str, dict[str, str]]:
    """Field coordinate → the arguments of its `@requires`, as the SDL prints them."""
    found: dict[str, dict[str, str]] = {}
    for definition in graphql.parse(sdl).definitions:
        if not isinstance(definition, graphql.ObjectTypeDefinitionNode):
            continue
        for f in definition.fields or ():
            for d in f.directives or ():
                if d.name.value == "requires":
                    found[f"{definition.name.value}.{f.name.value}"] = {
                        a.name.value: graphql.print_ast(a.value) for a in d.arguments
                    }
    return found


def test_the_schema_declares_each_protected_entry_once() -> None:
    schema = build_schema(Settings())
    directives = requires_directives(schema.as_str())
    protected = {c: r for c, r in MATRIX.items() if r.access is not Access.PUBLIC}
    assert set(directives) == set(protected)
    for coordinate, rule in protected.items():
        assert directives[coordinate]["access"] == rule.access.name
        assert directives[coordinate]["scope"] == f'"{rule.scope.text}"'
        type_name, _, name = coordinate.partition(".")
        description = schema._schema.type_map[type_name].fields[name].description  # type: ignore[union-attr]
        assert f"Requires: {rule.requirement()}." in description


def test_guards_are_built_once_and_only_on_protected_fields() -> None:
    build_schema(Settings())  # building again must not add guards
    schema = build_schema(Settings())
    guarded: dict[str, int] = {}
    for type_name, definition in object_definitions(schema).items():
        for f in definition.fields:
            count = sum(isinstance(e, Guard) for e in f.extensions)
            if count:
                guarded[f"{type_name}.{schema.config.name_converter.get_graphql_name(f)}"] = count
    protected = {c for c, r in MATRIX.items() if r.access is not Access.PUBLIC}
    assert guarded == dict.fromkeys(protected, 1)
    # the public catalogue path carries no permission extension at all
    film = object_definitions(schema)["Film"]
    assert all(not f.extensions for f in film.fields)
    assert field_of(schema, object_definitions(schema)["Query"], "films") is not None


def test_the_permissions_doc_shows_the_current_matrix() -> None:
    document = (ROOT / MATRIX_DOC).read_text(encoding="utf-8")
    assert with_matrix(document) == document, (
        f"{MATRIX_DOC}'s permission matrix is stale: run `pagila-graph export-schema` at the "
        "repository root and commit the result."
    )


@pytest.mark.parametrize("coordinate", list(MATRIX))
def test_scopes_fit_their_access_level(coordinate: str) -> None:
    """A scope may not allow a caller the access level refuses (the guard would refuse it)."""
    rule = MATRIX[coordinate]
    role_of = {
        Case.ANONYMOUS: None,
        Case.CUSTOMER_SELF: Role.CUSTOMER,
        Case.CUSTOMER_OTHER: Role.CUSTOMER,
        Case.STAFF_OWN: Role.STAFF,
        Case.STAFF_OTHER: Role.STAFF,
        Case.MANAGER_OWN: Role.MANAGER,
        Case.MANAGER_OTHER: Role.MANAGER,
        Case.ADMIN: Role.ADMIN,
    }
    for case in rule.scope.allowed:
        role = role_of[case]
        if rule.access is Access.PUBLIC:
            continue
        assert role is not None and role in ROLES_WITH_ACCESS[rule.access], (coordinate, case)


def test_expected_outcomes() -> None:
    rule = Rule(Access.SIGNED_IN, Scope.OWNER, refusal="NOT_FOUND")
    assert rule.expected(Case.ANONYMOUS) == "UNAUTHENTICATED"
    assert rule.expected(Case.CUSTOMER_OTHER) == "NOT_FOUND"
    assert rule.expected(Case.CUSTOMER_SELF) is None
    assert Rule(Access.MANAGER, Scope.STORE_REPORTS).expected(Case.STAFF_OWN) == (
        "PERMISSION_DENIED"
    )


ALLOWED_ROLES = {
    Access.SIGNED_IN: {Role.CUSTOMER, Role.STAFF, Role.MANAGER, Role.ADMIN},
    Access.STAFF: {Role.STAFF, Role.MANAGER, Role.ADMIN},
    Access.MANAGER: {Role.MANAGER, Role.ADMIN},
    Access.ADMIN: {Role.ADMIN},
}


@pytest.mark.parametrize("access", list(ALLOWED_ROLES))
def test_require_access(access: Access) -> None:
    require_access(Principal(), Access.PUBLIC)
    with pytest.raises(Unauthenticated):
        require_access(Principal(), access)
    for role in Role:
        if role in ALLOWED_ROLES[access]:
            require_access(Principal(role=role), access)
        else:
            with pytest.raises(PermissionDenied):
                require_access(Principal(role=role), access)


def test_export_schema_rewrites_and_checks_the_matrix_doc(tmp_path: Path) -> None:
    for name in ("schema.graphql", "schema.released.graphql", "CHANGELOG.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    document = tmp_path / MATRIX_DOC
    document.parent.mkdir()
    document.write_text(f"# x\n\n{MATRIX_START}\n| stale |\n{MATRIX_END}\n\nafter\n", "utf-8")
    output = str(tmp_path / "schema.graphql")
    runner = CliRunner()

    stale = runner.invoke(app, ["export-schema", "--check", "--output", output])
    assert stale.exit_code == 1
    assert "permission matrix is stale" in stale.output

    assert runner.invoke(app, ["export-schema", "--output", output]).exit_code == 0
    text = document.read_text(encoding="utf-8")
    assert text == f"# x\n\n{MATRIX_START}\n{matrix_markdown()}{MATRIX_END}\n\nafter\n"
    assert runner.invoke(app, ["export-schema", "--check", "--output", output]).exit_code == 0
