"""The permission matrix: who may use each root field, mutation and protected nested field.

This table is the one place the API's permissions are declared (decision 0080). From it:

* `protect` puts a `Guard` on every field whose access level is not public. The guard checks
  the access level (`domain.auth.require_access`: the caller's role alone, no SQL) before the
  resolver runs, adds `@requires(access:, scope:)` to the field in the SDL and a "Requires: …"
  line to its description (what GraphiQL shows);
* the scope (whose data) is enforced by the domain services, which also check the access level
  again, so the agents' tools get the same rules without the schema;
* docs/permissions.md's matrix is rendered by `matrix_markdown` (a test keeps it current), and the
  table-driven permission test runs every role case against every entry.

A refused query field resolves to null with an error carrying `extensions.code`
(`UNAUTHENTICATED` or `PERMISSION_DENIED`) and the field's path; a refused mutation returns
its payload with a typed `UnauthenticatedError`/`PermissionDeniedError` and writes nothing.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.schema_directive import Location
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.field import StrawberryField
from typing_extensions import override

from domain.auth import Access, require_access
from domain.errors import DomainError
from graph.errors import user_errors
from graph.mutations import Payload


class Case(StrEnum):
    """The callers the matrix tells apart, relative to the data asked for: "own" is the
    customer the data belongs to, or the store it belongs to."""

    ANONYMOUS = "anonymous"
    CUSTOMER_SELF = "customer: self"
    CUSTOMER_OTHER = "customer: other"
    STAFF_OWN = "staff: own store"
    STAFF_OTHER = "staff: other store"
    MANAGER_OWN = "manager: own store"
    MANAGER_OTHER = "manager: other store"
    ADMIN = "admin"


_SIGNED_IN = frozenset(Case) - {Case.ANONYMOUS}
_STAFF = frozenset({Case.STAFF_OWN, Case.STAFF_OTHER, Case.MANAGER_OWN, Case.MANAGER_OTHER})


class Scope(Enum):
    """Whose data the caller may reach (the second half of a rule; enforced by the service)."""

    EVERYONE = ("anyone", frozenset(Case))
    NARROWED = (
        "any signed-in caller; the list holds only what they may see",
        _SIGNED_IN,
    )
    CUSTOMER_DATA = (
        "the customer themself, staff and managers of the customer's store, admins",
        frozenset({Case.CUSTOMER_SELF, Case.STAFF_OWN, Case.MANAGER_OWN, Case.ADMIN}),
    )
    STORE = (
        "staff and managers of the store concerned, admins",
        frozenset({Case.STAFF_OWN, Case.MANAGER_OWN, Case.ADMIN}),
    )
    SELF_SERVICE = (
        "the customer for themself, staff and managers of the store concerned, admins",
        frozenset({Case.CUSTOMER_SELF, Case.STAFF_OWN, Case.MANAGER_OWN, Case.ADMIN}),
    )
    ANY_STAFF = ("staff and managers of any store, admins", _STAFF | {Case.ADMIN})
    STORE_REPORTS = (
        "managers of the store concerned, admins",
        frozenset({Case.MANAGER_OWN, Case.ADMIN}),
    )
    OWN_ACCOUNT = ("any signed-in caller, for their own account only", _SIGNED_IN)
    MY_CUSTOMER_ACCOUNT = (
        "a signed-in customer, their own account only",
        frozenset({Case.CUSTOMER_SELF, Case.CUSTOMER_OTHER}),
    )
    OWNER = (
        "whoever started it (for a customer: the customer), admins",
        frozenset({Case.CUSTOMER_SELF, Case.ADMIN}),
    )

    def __init__(self, text: str, allowed: frozenset[Case]) -> None:
        self.text = text
        self.allowed = allowed


@dataclass(frozen=True, slots=True)
class Rule:
    access: Access  # checked at the schema level (and again by the service)
    scope: Scope  # checked by the service, against the data
    #: The code a signed-in caller outside the scope gets (anonymous callers always get
    #: UNAUTHENTICATED). NOT_FOUND where even the existence of the row is private.
    refusal: str = "PERMISSION_DENIED"
    note: str = ""

    def allows(self, case: Case) -> bool:
        return case in self.scope.allowed

    def expected(self, case: Case) -> str | None:
        """None when `case` may use the field, else the error code it gets."""
        if self.allows(case):
            return None
        if case is Case.ANONYMOUS:
            return "UNAUTHENTICATED"
        return self.refusal

    def requirement(self) -> str:
        return f"{self.access.value.replace('_', ' ')} — {self.scope.text}"


PUBLIC = Rule(Access.PUBLIC, Scope.EVERYONE)
CATALOGUE_WRITE = Rule(Access.STAFF, Scope.ANY_STAFF)
STORE_WRITE = Rule(Access.STAFF, Scope.STORE)
CUSTOMER_DATA = Rule(Access.SIGNED_IN, Scope.CUSTOMER_DATA)
CUSTOMER_LIST = Rule(Access.SIGNED_IN, Scope.NARROWED)
REPORT = Rule(Access.MANAGER, Scope.STORE_REPORTS, note="no `storeId`: the manager's own store")
AGENT = Rule(
    Access.PUBLIC,
    Scope.EVERYONE,
    note="the customer tools answer only for a signed-in customer, on their own data",
)

#: Every root field, mutation and subscription, and every nested field that needs more than
#: its parent. Fields of customer data types (Customer, Rental, Payment, ...) inherit the check
#: their parent passed; public types reach customer data only through entries here.
MATRIX: Mapping[str, Rule] = {
    # --- catalogue and stores: public reads ---------------------------------------------
    "Query.node": Rule(
        Access.PUBLIC, Scope.EVERYONE, note="each object follows its own type's root field"
    ),
    "Query.nodes": Rule(
        Access.PUBLIC, Scope.EVERYONE, note="each object follows its own type's root field"
    ),
    "Query.film": PUBLIC,
    "Query.films": PUBLIC,
    "Query.actor": PUBLIC,
    "Query.actors": PUBLIC,
    "Query.category": PUBLIC,
    "Query.categories": PUBLIC,
    "Query.language": PUBLIC,
    "Query.languages": PUBLIC,
    "Query.inventoryItem": PUBLIC,
    "Query.inventory": PUBLIC,
    "Query.store": PUBLIC,
    "Query.stores": PUBLIC,
    "Query.staffMember": PUBLIC,
    "Query.staff": PUBLIC,
    "Query.filmSummary": AGENT,
    "Store.address": Rule(Access.PUBLIC, Scope.EVERYONE, note="a store's address"),
    "Staff.address": Rule(Access.STAFF, Scope.ANY_STAFF, note="a home address"),
    "Staff.email": Rule(
        Access.STAFF, Scope.ANY_STAFF, note="a sign-in name (the admin's too): not public"
    ),
    # --- customer data --------------------------------------------------------------------
    "Query.customer": CUSTOMER_DATA,
    "Query.customers": CUSTOMER_LIST,
    "Query.rental": CUSTOMER_DATA,
    "Query.rentals": CUSTOMER_LIST,
    "Query.payment": CUSTOMER_DATA,
    "Query.payments": CUSTOMER_LIST,
    "Query.conversation": Rule(
        Access.SIGNED_IN, Scope.OWNER, refusal="NOT_FOUND", note="others' ids do not leak"
    ),
    "Query.myConversations": CUSTOMER_LIST,
    # --- reports --------------------------------------------------------------------------
    "Query.salesByStore": REPORT,
    "Query.salesByFilmCategory": REPORT,
    "Query.topCustomers": REPORT,
    # --- writes ---------------------------------------------------------------------------
    "Mutation.createFilm": CATALOGUE_WRITE,
    "Mutation.updateFilm": CATALOGUE_WRITE,
    "Mutation.deleteFilm": CATALOGUE_WRITE,
    "Mutation.setFilmActors": CATALOGUE_WRITE,
    "Mutation.setFilmCategories": CATALOGUE_WRITE,
    "Mutation.setStreamingAvailable": CATALOGUE_WRITE,
    "Mutation.uploadFilmPoster": CATALOGUE_WRITE,
    "Mutation.createCategory": CATALOGUE_WRITE,
    "Mutation.updateCategory": CATALOGUE_WRITE,
    "Mutation.deleteCategory": CATALOGUE_WRITE,
    "Mutation.addInventory": STORE_WRITE,
    "Mutation.removeInventory": STORE_WRITE,
    "Mutation.rentFilm": Rule(
        Access.SIGNED_IN,
        Scope.SELF_SERVICE,
        note="the store is the counter's; the customer may be registered at any store, and "
        "the payload reads them back (decision 0150); the recorded staff member must work at "
        "that store; a customer's own rental records the store's counter staff (decision 0120)",
    ),
    "Mutation.returnRental": Rule(
        Access.SIGNED_IN,
        Scope.SELF_SERVICE,
        note="the store that holds the copy, whoever rented it (decision 0150); a customer: "
        "their own rentals only",
    ),
    "Mutation.recordPayment": Rule(
        Access.STAFF, Scope.STORE, note="the customer's store; staff as for rentFilm"
    ),
    "Mutation.createCustomer": STORE_WRITE,
    "Mutation.deactivateCustomer": STORE_WRITE,
    "Mutation.updateCustomer": Rule(
        Access.SIGNED_IN, Scope.CUSTOMER_DATA, note="a customer may not change their store"
    ),
    "Mutation.startStreamingSubscription": CUSTOMER_DATA,
    "Mutation.cancelStreamingSubscription": CUSTOMER_DATA,
    "Mutation.askAgent": AGENT,
    "Subscription.agentStream": AGENT,
    # --- live events (decision 0100) ------------------------------------------------------
    "Subscription.rentalEvents": Rule(
        Access.STAFF, Scope.STORE, note="rentals, returns and payments at that store"
    ),
    "Subscription.filmAvailability": Rule(
        Access.PUBLIC, Scope.EVERYONE, note="copies in stock per store, as `availableCopies`"
    ),
    "Subscription.myAccountEvents": Rule(
        Access.SIGNED_IN, Scope.MY_CUSTOMER_ACCOUNT, note="staff have no customer account"
    ),
    # --- accounts (decisions 0070-0073) ---------------------------------------------------
    "Query.me": Rule(
        Access.SIGNED_IN, Scope.OWN_ACCOUNT, note="its `customer` and `staff` are the caller's own"
    ),
    "Mutation.register": Rule(Access.PUBLIC, Scope.EVERYONE, note="creates a customer account"),
    "Mutation.login": Rule(Access.PUBLIC, Scope.EVERYONE, note="the password is the credential"),
    "Mutation.refreshToken": Rule(
        Access.PUBLIC, Scope.EVERYONE, note="the refresh token is the credential"
    ),
    "Mutation.logout": Rule(
        Access.PUBLIC, Scope.EVERYONE, note="the refresh token is the credential"
    ),
    "Mutation.changePassword": Rule(
        Access.SIGNED_IN, Scope.OWN_ACCOUNT, note="needs the current password"
    ),
}


# --- the schema side --------------------------------------------------------------------


@strawberry.enum(name="Access", description="What a caller must be to use a field.")
class AccessLevel(Enum):
    PUBLIC = Access.PUBLIC.value
    SIGNED_IN = Access.SIGNED_IN.value
    STAFF = Access.STAFF.value
    MANAGER = Access.MANAGER.value
    ADMIN = Access.ADMIN.value


@strawberry.schema_directive(
    name="requires",
    locations=[Location.FIELD_DEFINITION],
    description="Who may use this field (docs/permissions.md). `access` is checked "
    "before the field resolves; `scope` (whose data) by the service.",
)
class Requires:
    access: AccessLevel
    scope: str


class Guard(FieldExtension):
    """Checks a rule's access level before the resolver. One instance per field, made once
    when the schema is built; the check reads only the caller, so it adds no SQL."""

    def __init__(self, coordinate: str, rule: Rule) -> None:
        self.coordinate = coordinate
        self.rule = rule
        self.payload: type[Payload] | None = None

    @override
    def apply(self, field: StrawberryField) -> None:
        directive = Requires(access=AccessLevel(self.rule.access.value), scope=self.rule.scope.text)
        if not any(isinstance(d, Requires) for d in field.directives):
            field.directives.append(directive)
        line = f"Requires: {self.rule.requirement()}."
        if field.description is None or line not in field.description:
            field.description = f"{field.description or ''}\n\n{line}".strip()
        returned = field.type
        if inspect.isclass(returned) and issubclass(returned, Payload):
            self.payload = returned

    def refusal(self, info: Any) -> DomainError | None:
        try:
            require_access(info.context.principal, self.rule.access)
        except DomainError as exc:
            return exc
        return None

    def _refuse(self, exc: DomainError) -> Payload:
        if self.payload is None:
            raise exc  # a query field: null, and an error with its code and path
        return self.payload(errors=user_errors(exc))

    @override
    def resolve(self, next_: Callable[..., Any], source: Any, info: Any, **kwargs: Any) -> Any:
        refused = self.refusal(info)
        if refused is not None:
            return self._refuse(refused)
        return next_(source, info, **kwargs)

    @override
    async def resolve_async(
        self, next_: Callable[..., Any], source: Any, info: Any, **kwargs: Any
    ) -> Any:
        refused = self.refusal(info)
        if refused is not None:
            return self._refuse(refused)
        result = next_(source, info, **kwargs)
        if inspect.isasyncgen(result) or not inspect.isawaitable(result):
            return result
        return await result


def object_definitions(schema: strawberry.Schema) -> dict[str, StrawberryObjectDefinition]:
    """The object types of a built schema, by GraphQL name."""
    found: dict[str, StrawberryObjectDefinition] = {}
    for name in schema.schema_converter.type_map:
        definition = schema.get_type_by_name(name)
        if isinstance(definition, StrawberryObjectDefinition) and not definition.is_interface:
            found[name] = definition
    return found


def field_of(
    schema: strawberry.Schema, definition: StrawberryObjectDefinition, name: str
) -> StrawberryField | None:
    converter = schema.config.name_converter
    for field in definition.fields:
        if converter.get_graphql_name(field) == name:
            return field
    return None


def protect(schema: strawberry.Schema, matrix: Mapping[str, Rule] = MATRIX) -> list[str]:
    """Puts a `Guard` on every non-public field of `matrix` (once: the fields are shared by
    every schema built from the same types). Returns the coordinates `schema` lacks.

    `schema` is only used to find the fields: build the schema that serves after this.
    """
    definitions = object_definitions(schema)
    missing: list[str] = []
    for coordinate, rule in matrix.items():
        type_name, _, field_name = coordinate.partition(".")
        definition = definitions.get(type_name)
        field = None if definition is None else field_of(schema, definition, field_name)
        if field is None:
            missing.append(coordinate)
            continue
        if rule.access is Access.PUBLIC:
            continue
        if not any(isinstance(e, Guard) for e in field.extensions):
            field.extensions.append(Guard(coordinate, rule))
    return missing


# --- the permission document's matrix (docs/permissions.md) ---------------------------------

MATRIX_DOC = "docs/permissions.md"
MATRIX_START = "<!-- permission-matrix:start (generated from graph/permissions.py) -->"
MATRIX_END = "<!-- permission-matrix:end -->"
_MARK = {
    None: "✓",
    "UNAUTHENTICATED": "unauthenticated",
    "PERMISSION_DENIED": "denied",
    "NOT_FOUND": "not found",
}


def matrix_markdown(matrix: Mapping[str, Rule] = MATRIX) -> str:
    """The matrix table: one row per entry, one column per caller case."""
    cases = list(Case)
    header = ["Field", "Access", "Scope (checked by the service)", *(c.value for c in cases)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for coordinate, rule in matrix.items():
        marks = [_MARK[rule.expected(c)] for c in cases]
        scope = rule.scope.text + (f" ({rule.note})" if rule.note else "")
        row = [f"`{coordinate}`", rule.access.value.replace("_", " "), scope, *marks]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def with_matrix(document: str, matrix: Mapping[str, Rule] = MATRIX) -> str:
    """`document` with the text between the matrix markers replaced by the current matrix."""
    start, end = document.index(MATRIX_START), document.index(MATRIX_END)
    head = document[: start + len(MATRIX_START)]
    return f"{head}\n{matrix_markdown(matrix)}{document[end:]}"
