"""A customer's agent run sees only that customer's data: the Customer tools go through the
domain services with the caller's Principal (the rules of the permission matrix), take no
customer id the model could change, and another customer's conversation is not found."""

from __future__ import annotations

import inspect
import json
from decimal import Decimal

import pytest

from agents.events import ToolCallFinished
from agents.plugins.customer import CustomerPlugin
from config.settings import Settings
from domain.auth import Principal, Role
from domain.errors import NotFound
from persistence.db import Database
from persistence.unit_of_work import SqlUnitOfWorkFactory
from tests.agents.conftest import Sql, runner
from tests.agents.scripted import Call, Reply, Say, ScriptTurn
from tests.agents.support import customer

ME, OTHER = 5, 6
TOOLS = ("Customer-my_rentals", "Customer-my_balance", "Customer-my_subscription")


def every_tool_then_answer(arguments: dict[str, object], seen: list[ScriptTurn]):  # type: ignore[no-untyped-def]
    """Calls each Customer tool once, each with `arguments` (the model trying its luck)."""

    def policy(turn: ScriptTurn) -> Reply:
        seen.append(turn)
        calls = len(turn.tool_results)  # one per tool, in order
        if calls < len(TOOLS) and turn.offers(TOOLS[calls]):
            return Call(TOOLS[calls], arguments)
        return Say("done")

    return policy


def results_by_tool(turn: ScriptTurn) -> dict[str, dict[str, object]]:
    found: dict[str, dict[str, object]] = {}
    for name, result in turn.tool_results:
        found[name.split("-")[-1]] = json.loads(result)
    return found


async def test_a_customers_run_sees_only_their_own_data(
    agent_settings: Settings, agents_db: Database, sql: Sql
) -> None:
    for who, plan in ((ME, "mine"), (OTHER, "theirs")):
        await sql.rows(
            "INSERT INTO streaming_subscription (customer_id, plan_name, start_date) "
            "VALUES ($1, $2, current_date) RETURNING id",
            who,
            plan,
        )
    seen: list[ScriptTurn] = []
    agents = runner(agent_settings, agents_db, every_tool_then_answer({}, seen))
    await agents.ask("what do I have out, what do I owe, which plan am I on?", customer(ME))
    results = results_by_tool(seen[-1])
    assert set(results) == {"my_rentals", "my_balance", "my_subscription"}, results

    rental_ids = [r["rental_id"] for r in results["my_rentals"]["rentals"]]  # type: ignore[index]
    owners = await sql.rows(
        "SELECT DISTINCT customer_id FROM rental WHERE rental_id = ANY($1::int[])", rental_ids
    )
    assert rental_ids and [o["customer_id"] for o in owners] == [ME]

    (mine,) = await sql.rows("SELECT get_customer_balance($1, now()) AS b", ME)
    (theirs,) = await sql.rows("SELECT get_customer_balance($1, now()) AS b", OTHER)
    assert mine["b"] != theirs["b"]  # so the check below tells them apart
    assert Decimal(str(results["my_balance"]["balance"])) == mine["b"]

    plans = await sql.rows(
        "SELECT plan_name, start_date FROM streaming_subscription WHERE customer_id = $1", ME
    )
    subscriptions = results["my_subscription"]["subscriptions"]
    assert "theirs" not in {s["plan"] for s in subscriptions}  # type: ignore[union-attr]
    assert sorted((s["plan"], s["start"]) for s in subscriptions) == sorted(  # type: ignore[union-attr]
        (p["plan_name"], p["start_date"].isoformat()) for p in plans
    )


async def test_a_model_naming_another_customer_gets_nothing(
    agent_settings: Settings, agents_db: Database
) -> None:
    seen: list[ScriptTurn] = []
    agents = runner(agent_settings, agents_db, every_tool_then_answer({"customer_id": OTHER}, seen))
    answer = await agents.ask("what does customer 6 owe?", customer(ME))
    results = seen[-1].tool_results
    assert len(results) == len(TOOLS)
    # Semantic Kernel refuses an argument the function does not declare; no tool ran
    assert all("unexpected argument" in result for _, result in results), results
    assert not [s for s in answer.steps if isinstance(s, ToolCallFinished)]


def test_the_customer_tools_take_no_customer_id() -> None:
    """What a tool answers for is the caller's Principal, never an argument the model writes."""
    for name in ("my_rentals", "my_balance", "my_subscription"):
        parameters = inspect.signature(getattr(CustomerPlugin, name)).parameters
        assert not [p for p in parameters if "customer" in p or p.endswith("id")], name


async def test_the_tools_apply_the_domain_rules(agents_db: Database) -> None:
    """Without a customer behind the Principal the services refuse, as the API does."""
    anonymous = CustomerPlugin(SqlUnitOfWorkFactory(agents_db), Principal())
    staff = CustomerPlugin(
        SqlUnitOfWorkFactory(agents_db), Principal(role=Role.STAFF, staff_id=1, store_id=1)
    )
    for plugin, code in ((anonymous, "UNAUTHENTICATED"), (staff, "PERMISSION_DENIED")):
        for result in (
            await plugin.my_rentals(),
            await plugin.my_balance(),
            await plugin.my_subscription(),
        ):
            assert json.loads(result)["error"] == code, result


async def test_another_customers_conversation_is_not_found(
    agent_settings: Settings, agents_db: Database, sql: Sql
) -> None:
    seen: list[ScriptTurn] = []

    def policy(turn: ScriptTurn) -> Reply:
        seen.append(turn)
        return Say("a private answer")

    agents = runner(agent_settings, agents_db, policy)
    theirs = await agents.ask("my secret question", customer(OTHER))
    assert theirs.conversation_id is not None
    seen.clear()
    (before,) = await sql.rows("SELECT count(*) AS n FROM message")
    with pytest.raises(NotFound):
        await agents.ask("what did they ask?", customer(ME), theirs.conversation_id)
    assert seen == []  # the model never saw their history
    (after,) = await sql.rows("SELECT count(*) AS n FROM message")
    assert after["n"] == before["n"]
