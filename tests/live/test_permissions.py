"""The permission matrix's entries for the live subscriptions, for every caller case, over a
real WebSocket: an allowed caller gets the events a committed write sends, a refused one the
matrix's error code and nothing else."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest

from domain.auth import Principal, Role
from graph.permissions import MATRIX, Case
from tests.live.conftest import Server
from tests.live.support import ADMIN, Subscriber, subscribed
from tests.permissions.world import OWN_STORE, World, make_world


def principal(caller: dict[str, object] | None) -> Principal | None:
    if caller is None:
        return None
    return Principal(
        user_id=int(str(caller["user_id"])),
        role=Role(str(caller["role"])),
        customer_id=caller.get("customer_id"),  # type: ignore[arg-type]
        staff_id=caller.get("staff_id"),  # type: ignore[arg-type]
        store_id=caller.get("store_id"),  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class Live:
    document: str
    variables: Callable[[World], dict[str, object]]
    #: makes a committed write the caller of `case` may see; None: the first message is due
    #: without one
    trigger: Callable[[Server, World, Case], Awaitable[None]] | None


async def pay_at_own_store(server: Server, world: World, case: Case) -> None:
    payload = await server.http.mutate(
        "recordPayment",
        "payment { paymentId }",
        {"customerId": world.customer_id, "amount": "1.00", "rentalId": world.rental_id},
        as_=ADMIN,
    )
    assert payload["errors"] == [], payload


async def change_callers_account(server: Server, world: World, case: Case) -> None:
    caller = principal(world.caller(case))
    assert caller is not None and caller.customer_id is not None
    payload = await server.http.mutate(
        "updateCustomer",
        "customer { customerId }",
        {"customerId": caller.customer_id, "firstName": "LIVE"},
        as_=ADMIN,
    )
    assert payload["errors"] == [], payload


LIVE: dict[str, Live] = {
    "Subscription.rentalEvents": Live(
        "subscription($s: Int!) { rentalEvents(storeId: $s) { kind storeId } }",
        lambda w: {"s": OWN_STORE},
        pay_at_own_store,
    ),
    "Subscription.filmAvailability": Live(
        "subscription($f: Int!) { filmAvailability(filmId: $f) { filmId inStock } }",
        lambda w: {"f": w.film_id},
        None,
    ),
    "Subscription.myAccountEvents": Live(
        "subscription { myAccountEvents { kind balance } }",
        lambda w: {},
        change_callers_account,
    ),
}
CASES = [(coordinate, case) for coordinate in LIVE for case in Case]


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in payload.get("errors") or []]


@pytest.mark.parametrize(("coordinate", "case"), CASES, ids=[f"{c}-{k.value}" for c, k in CASES])
async def test_live_matrix(
    server: Server, live_sql: asyncpg.Connection, coordinate: str, case: Case
) -> None:
    live, expected = LIVE[coordinate], MATRIX[coordinate].expected(case)
    world = await make_world(live_sql)
    caller = principal(world.caller(case))
    waits = expected is None and live.trigger is not None
    async with subscribed(
        server.ws_url,
        server.settings,
        live.document,
        live.variables(world),
        as_=caller,
        hub=server.hub if waits else None,
    ) as sub:
        if expected is not None:
            first = await sub.next()
            assert codes(first) == [expected], first
            if not first.get("ended"):
                assert (await sub.next()) == {"complete": True}
            return
        if live.trigger is not None:
            await live.trigger(server, world, case)
        await allowed(sub, coordinate)


async def allowed(sub: Subscriber, coordinate: str) -> None:
    field = coordinate.partition(".")[2]
    payload = await sub.next()
    assert "errors" not in payload, payload
    assert payload["data"][field] is not None
