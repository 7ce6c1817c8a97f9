"""Every entry of the permission matrix (graph/permissions.py), for every caller case, through
the real HTTP app on PostgreSQL: allowed, or refused with the matrix's code; a refused mutation
writes nothing (row counts and row hashes of every written table, before and after).

Run three times: as served (COMPILED_READS on: the reads the planner compiles decide refusals and
scopes in the plan and in SQL, decision 0135), as served with the executor alone, and with the
schema-level guards switched off (executor), which shows that the domain services alone enforce
the same matrix (what the agents' tools rely on).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest

from domain.auth import Access
from graph import permissions
from graph.permissions import MATRIX, Case
from graph.relay import to_global_id
from tests.permissions.world import OWN_STORE, PASSWORD, World, checksums, make_world
from tests.read_api.conftest import Api

Vars = Callable[[World], dict[str, object]]


@dataclass(frozen=True)
class Op:
    """How to exercise one matrix entry: an operation whose root field `root` is checked."""

    document: str
    variables: Vars = field(default=lambda w: {})
    #: error codes that still mean "allowed" (the permission passed, something else did not:
    #: no language model is configured here)
    also_allowed: frozenset[str] = frozenset()

    @property
    def is_mutation(self) -> bool:
        return self.document.lstrip().startswith("mutation")


LATER = (dt.date.today() + dt.timedelta(days=60)).isoformat()
NO_MODEL = frozenset({"MODEL_UNAVAILABLE"})
BAD_TOKEN = frozenset({"INVALID_TOKEN"})
NEW_PASSWORD = "another permission matrix password"
ADDRESS = {
    "address": "1 Main Street",
    "district": "Alberta",
    "city": "Lethbridge",
    "country": "Canada",
    "phone": "5551234",
}


def q(document: str, variables: Vars = lambda w: {}, **kw: Any) -> Op:
    return Op(document, variables, **kw)


def m(name: str, input: Callable[[World], dict[str, object]], **kw: Any) -> Op:
    type_name = name[0].upper() + name[1:] + "Input"
    document = (
        f"mutation($input: {type_name}!) {{ {name}(input: $input) "
        "{ errors { __typename code message } } }"
    )
    return Op(document, lambda w: {"input": input(w)}, **kw)


def film_gid(w: World) -> dict[str, object]:
    return {"id": to_global_id("Film", w.film_id)}


OPS: dict[str, Op] = {
    "Query.node": q("query($id: ID!) { node(id: $id) { id } }", film_gid),
    "Query.nodes": q("query($id: ID!) { nodes(ids: [$id]) { id } }", film_gid),
    "Query.film": q("query($f: Int!) { film(filmId: $f) { title } }", lambda w: {"f": w.film_id}),
    "Query.films": q("{ films(first: 1) { totalCount } }"),
    "Query.actor": q("{ actor(actorId: 1) { firstName } }"),
    "Query.actors": q("{ actors(first: 1) { nodes { actorId } } }"),
    "Query.category": q(
        "query($c: Int!) { category(categoryId: $c) { name } }", lambda w: {"c": w.category_id}
    ),
    "Query.categories": q("{ categories(first: 1) { nodes { name } } }"),
    "Query.language": q("{ language(languageId: 1) { name } }"),
    "Query.languages": q("{ languages(first: 1) { nodes { name } } }"),
    "Query.inventoryItem": q(
        "query($i: Int!) { inventoryItem(inventoryId: $i) { inventoryId } }",
        lambda w: {"i": w.free_copy_id},
    ),
    "Query.inventory": q("{ inventory(first: 1) { nodes { inventoryId } } }"),
    "Query.store": q("{ store(storeId: 1) { storeId } }"),
    "Query.stores": q("{ stores { nodes { storeId } } }"),
    "Query.staffMember": q(
        "query($s: Int!) { staffMember(staffId: $s) { firstName } }",
        lambda w: {"s": w.own_staff_id},
    ),
    "Query.staff": q("{ staff(first: 1) { nodes { staffId } } }"),
    "Query.filmSummary": q(
        "query($f: Int!) { filmSummary(filmId: $f) { title } }",
        lambda w: {"f": w.film_id},
        also_allowed=NO_MODEL,
    ),
    "Store.address": q("{ store(storeId: 1) { address { address } } }"),
    "Staff.address": q(
        "query($s: Int!) { staffMember(staffId: $s) { address { address } } }",
        lambda w: {"s": w.own_staff_id},
    ),
    "Staff.email": q(
        "query($s: Int!) { staffMember(staffId: $s) { email } }",
        lambda w: {"s": w.own_staff_id},
    ),
    "Query.customer": q(
        "query($c: Int!) { customer(customerId: $c) { customerId } }",
        lambda w: {"c": w.customer_id},
    ),
    "Query.customers": q("{ customers(first: 1) { totalCount } }"),
    "Query.rental": q(
        "query($r: Int!) { rental(rentalId: $r) { rentalId } }", lambda w: {"r": w.rental_id}
    ),
    "Query.rentals": q("{ rentals(first: 1) { totalCount } }"),
    "Query.payment": q(
        "query($p: Int!) { payment(paymentId: $p) { paymentId } }",
        lambda w: {"p": w.payment_id},
    ),
    "Query.payments": q("{ payments(first: 1) { totalCount } }"),
    "Query.conversation": q(
        "query($c: Int!) { conversation(id: $c) { conversationId } }",
        lambda w: {"c": w.conversation_id},
    ),
    "Query.myConversations": q("{ myConversations { conversationId } }"),
    "Query.salesByStore": q(f"{{ salesByStore(storeId: {OWN_STORE}) {{ storeId }} }}"),
    "Query.salesByFilmCategory": q(
        f"{{ salesByFilmCategory(storeId: {OWN_STORE}) {{ categoryId }} }}"
    ),
    "Query.topCustomers": q(
        f"{{ topCustomers(year: 2022, month: 3, storeId: {OWN_STORE}) {{ customerId }} }}"
    ),
    # --- mutations ------------------------------------------------------------------------
    "Mutation.createFilm": m("createFilm", lambda w: {"title": f"NEW {w.serial}", "languageId": 1}),
    "Mutation.updateFilm": m("updateFilm", lambda w: {"filmId": w.film_id, "description": "x"}),
    "Mutation.deleteFilm": m("deleteFilm", lambda w: {"filmId": w.bare_film_id}),
    "Mutation.setFilmActors": m(
        "setFilmActors", lambda w: {"filmId": w.film_id, "actorIds": [1, 2]}
    ),
    "Mutation.setFilmCategories": m(
        "setFilmCategories", lambda w: {"filmId": w.film_id, "categoryIds": [w.category_id]}
    ),
    "Mutation.setStreamingAvailable": m(
        "setStreamingAvailable", lambda w: {"filmId": w.film_id, "available": True}
    ),
    "Mutation.createCategory": m("createCategory", lambda w: {"name": f"PERM NEW {w.serial}"}),
    "Mutation.updateCategory": m(
        "updateCategory", lambda w: {"categoryId": w.category_id, "name": f"PERM UP {w.serial}"}
    ),
    "Mutation.deleteCategory": m("deleteCategory", lambda w: {"categoryId": w.category_id}),
    "Mutation.addInventory": m(
        "addInventory", lambda w: {"filmId": w.film_id, "storeId": OWN_STORE}
    ),
    "Mutation.removeInventory": m("removeInventory", lambda w: {"inventoryId": w.free_copy_id}),
    "Mutation.rentFilm": m(
        "rentFilm",
        lambda w: {
            "customerId": w.customer_id,
            "storeId": OWN_STORE,
            "inventoryId": w.free_copy_id,
            "staffId": w.own_staff_id,
        },
    ),
    "Mutation.returnRental": m("returnRental", lambda w: {"rentalId": w.rental_id}),
    "Mutation.recordPayment": m(
        "recordPayment",
        lambda w: {
            "customerId": w.customer_id,
            "amount": "1.50",
            "rentalId": w.rental_id,
            "staffId": w.own_staff_id,
        },
    ),
    "Mutation.createCustomer": m(
        "createCustomer",
        lambda w: {
            "storeId": OWN_STORE,
            "firstName": "NEW",
            "lastName": f"PERSON {w.serial}",
            "address": ADDRESS,
        },
    ),
    "Mutation.updateCustomer": m(
        "updateCustomer", lambda w: {"customerId": w.customer_id, "firstName": "RENAMED"}
    ),
    "Mutation.deactivateCustomer": m("deactivateCustomer", lambda w: {"customerId": w.customer_id}),
    "Mutation.startStreamingSubscription": m(
        "startStreamingSubscription",
        lambda w: {"customerId": w.customer_id, "planName": "premium", "startDate": LATER},
    ),
    "Mutation.cancelStreamingSubscription": m(
        "cancelStreamingSubscription", lambda w: {"subscriptionId": w.subscription_id}
    ),
    "Query.me": q("{ me { userId role } }"),
    "Mutation.register": m(
        "register",
        lambda w: {
            "email": f"perm-{w.serial}-new@example.org",
            "password": NEW_PASSWORD,
            "firstName": "NEW",
            "lastName": "ACCOUNT",
            "storeId": OWN_STORE,
            "address": ADDRESS,
        },
    ),
    "Mutation.login": m("login", lambda w: {"email": w.email, "password": PASSWORD}),
    # the token is the credential: an unknown one is refused as such, never for who asks
    "Mutation.refreshToken": m(
        "refreshToken", lambda w: {"refreshToken": "unknown"}, also_allowed=BAD_TOKEN
    ),
    "Mutation.logout": m("logout", lambda w: {"refreshToken": "unknown"}, also_allowed=BAD_TOKEN),
    "Mutation.changePassword": m(
        "changePassword", lambda w: {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}
    ),
    "Mutation.askAgent": m(
        "askAgent",
        lambda w: {"question": "Which films are about dinosaurs?"},
        also_allowed=NO_MODEL,
    ),
}

#: Entries exercised elsewhere, with where.
ELSEWHERE = {
    "Subscription.agentStream": "public; over WebSocket and multipart in tests/agents",
    "Mutation.uploadFilmPoster": "a multipart upload: tests/files/test_posters.py",
    "Subscription.rentalEvents": "over WebSocket in tests/live/test_permissions.py",
    "Subscription.filmAvailability": "over WebSocket in tests/live/test_permissions.py",
    "Subscription.myAccountEvents": "over WebSocket in tests/live/test_permissions.py",
}


def test_every_matrix_entry_is_exercised_here() -> None:
    assert set(OPS) | set(ELSEWHERE) == set(MATRIX)
    assert not set(OPS) & set(ELSEWHERE)


def root_of(document: str) -> str:
    body = document[document.index("{") + 1 :]
    return body.lstrip().split("(")[0].split("{")[0].strip()


def codes_of(errors: list[dict[str, Any]]) -> list[str]:
    return [e["code"] if "code" in e else e["extensions"]["code"] for e in errors]


AS_SERVED, EXECUTOR, DOMAIN_ONLY = "schema and domain", "executor", "domain only"
#: the app each layer runs on (the compiled path never reads Guard.refusal, so "domain only"
#: switches guards off on the executor's app)
APPS = {AS_SERVED: "compiled", EXECUTOR: "executor", DOMAIN_ONLY: "executor"}
#: public entries carry no guard: "domain only" would run them exactly as served
CASES = [
    (layers, APPS[layers], c, case)
    for layers in (AS_SERVED, EXECUTOR, DOMAIN_ONLY)
    for c in OPS
    if layers != DOMAIN_ONLY or MATRIX[c].access is not Access.PUBLIC
    if layers != EXECUTOR or not OPS[c].is_mutation  # mutations never compile
    for case in Case
]


@pytest.mark.parametrize(
    ("layers", "perms_path_api", "coordinate", "case"),
    CASES,
    ids=[f"{ls}-{c}-{k.value}" for ls, _, c, k in CASES],
    indirect=["perms_path_api"],
)
async def test_matrix(
    *,
    perms_path_api: Api,
    perms_sql: asyncpg.Connection,
    monkeypatch: pytest.MonkeyPatch,
    layers: str,
    coordinate: str,
    case: Case,
) -> None:
    perms_api = perms_path_api
    if layers == DOMAIN_ONLY:
        monkeypatch.setattr(permissions.Guard, "refusal", lambda self, info: None)
    op, rule = OPS[coordinate], MATRIX[coordinate]
    expected = rule.expected(case)
    world = await make_world(perms_sql)
    before = await checksums(perms_sql) if op.is_mutation and expected else None

    body = await perms_api(
        op.document, op.variables(world), as_=world.caller(case), expect_errors=True
    )

    data: dict[str, Any] = body.get("data") or {}  # type: ignore[assignment]
    root = root_of(op.document)
    if op.is_mutation:
        errors = data[root]["errors"]
        assert "errors" not in body, body["errors"]
    else:
        errors = body.get("errors", [])  # type: ignore[assignment]
    codes = codes_of(errors)
    if expected is None:
        assert set(codes) <= op.also_allowed, (coordinate, case, errors)
        if not op.also_allowed and not op.is_mutation:
            assert data[root] is not None
    else:
        assert codes == [expected], (coordinate, case, errors)
        if op.is_mutation:
            assert await checksums(perms_sql) == before, "a refused mutation wrote something"
        else:
            # the refused field (or its non-null parent) is null
            assert all(null_at(data, e.get("path") or [root]) for e in errors), body


def null_at(data: Any, path: list[str | int]) -> bool:
    """Whether the value at `path`, or an ancestor of it, is null."""
    for key in path:
        if data is None:
            return True
        data = data.get(key) if isinstance(data, dict) else data[key]
    return data is None


@pytest.mark.parametrize("perms_path_api", ["compiled", "executor"], indirect=True)
async def test_me_is_the_callers_own_account(
    perms_path_api: Api, perms_sql: asyncpg.Connection
) -> None:
    perms_api = perms_path_api
    world = await make_world(perms_sql)
    for case in Case:
        caller = world.caller(case)
        if caller is None:
            continue
        data = await perms_api.data("{ me { userId role } }", as_=caller)
        assert data["me"] == {"userId": caller["user_id"], "role": str(caller["role"]).upper()}
