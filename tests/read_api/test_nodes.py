"""`node(id:)` and `nodes(ids:)` round trips for every type, batched and permission-checked."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from persistence.db import Database
from tests.read_api.conftest import ADMIN, Api, customer

#: One object of every type, reached through ordinary fields (as an admin, who sees all).
EVERY_TYPE = """{
  film(filmId: 7) {
    id filmId
    language { id languageId }
    actors(first: 1) { nodes { id actorId } }
    categories(first: 1) { nodes { id categoryId } }
    inventory(first: 1) { nodes { id inventoryId } }
  }
  store(storeId: 2) { id storeId manager { id staffId } }
  customer(customerId: 9) {
    id customerId
    address { id addressId city { id cityId country { id countryId } } }
    rentals(first: 1) { nodes { id rentalId } }
    payments(first: 1) { nodes { id paymentId } }
    subscriptions(first: 1) { nodes { id subscriptionId } }
  }
}"""


def _objects(data: dict[str, object]) -> dict[str, tuple[str, str, int]]:
    """typename → (global id, key field, key)."""
    film = data["film"]
    store = data["store"]
    cust = data["customer"]
    address = cust["address"]  # type: ignore[index]
    found = {
        "Film": film,
        "Language": film["language"],  # type: ignore[index]
        "Actor": film["actors"]["nodes"][0],  # type: ignore[index]
        "Category": film["categories"]["nodes"][0],  # type: ignore[index]
        "Inventory": film["inventory"]["nodes"][0],  # type: ignore[index]
        "Store": store,
        "Staff": store["manager"],  # type: ignore[index]
        "Customer": cust,
        "Address": address,
        "City": address["city"],
        "Country": address["city"]["country"],
        "Rental": cust["rentals"]["nodes"][0],  # type: ignore[index]
        "Payment": cust["payments"]["nodes"][0],  # type: ignore[index]
        "StreamingSubscription": cust["subscriptions"]["nodes"][0],  # type: ignore[index]
    }
    result = {}
    for typename, obj in found.items():
        key_field = next(k for k in obj if k != "id")  # type: ignore[union-attr]
        result[typename] = (obj["id"], key_field, obj[key_field])  # type: ignore[index]
    return result


@pytest.fixture
async def with_subscription(isolated_api: Api, isolated_database: Database) -> AsyncIterator[Api]:
    async with isolated_database.session() as session:
        await session.execute(
            text(
                "INSERT INTO streaming_subscription (customer_id, plan_name, start_date) "
                "VALUES (9, 'basic', DATE '2022-03-01')"
            )
        )
        await session.commit()
    yield isolated_api


async def test_every_type_round_trips_through_node_and_nodes(with_subscription: Api) -> None:
    api = with_subscription
    objects = _objects(await api.data(EVERY_TYPE, as_=ADMIN))
    assert len(objects) == 14
    for typename, (global_id, key_field, key) in objects.items():
        data = await api.data(
            f"query($id: ID!) {{ node(id: $id) {{ __typename id ... on {typename} "
            f"{{ {key_field} }} }} }}",
            {"id": global_id},
            as_=ADMIN,
        )
        assert data["node"] == {"__typename": typename, "id": global_id, key_field: key}

    ids = [v[0] for v in objects.values()]
    data = await api.data(
        "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }", {"ids": ids}, as_=ADMIN
    )
    assert data["nodes"] == [{"__typename": t, "id": v[0]} for t, v in objects.items()]


async def test_a_missing_object_is_null_and_a_bad_id_is_invalid(api: Api) -> None:
    film = await api.data("{ film(filmId: 1) { id } }")
    real = film["film"]["id"]  # type: ignore[index]
    data = await api.data(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [real, "RmlsbTo5OTk5OTk"]}
    )
    assert data["nodes"] == [{"id": real}, None]  # RmlsbTo5OTk5OTk = Film:999999
    for bad in ("not-an-id", "Tm9wZTox"):  # garbage; Nope:1
        body = await api(
            "query($id: ID!) { node(id: $id) { id } }", {"id": bad}, expect_errors=True
        )
        assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"  # type: ignore[index]


async def test_nodes_refuse_only_the_positions_the_caller_may_not_see(api: Api) -> None:
    ids = await api.data(
        "{ a: customer(customerId: 1) { id } b: customer(customerId: 2) { id } "
        "film(filmId: 2) { id } }",
        as_=ADMIN,
    )
    wanted = [ids["a"]["id"], ids["b"]["id"], ids["film"]["id"]]  # type: ignore[index]
    body = await api(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        {"ids": wanted},
        as_=customer(1),
        expect_errors=True,
    )
    assert body["data"] == {"nodes": [{"id": wanted[0]}, None, {"id": wanted[2]}]}
    errors = body["errors"]
    assert [(e["path"], e["extensions"]["code"]) for e in errors] == [  # type: ignore[union-attr,index]
        (["nodes", 1], "PERMISSION_DENIED")
    ]


async def test_too_many_ids_are_refused(api: Api) -> None:
    body = await api(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ["x"] * 101}, expect_errors=True
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"  # type: ignore[index]
