"""What migration 0007 enforces by itself, whatever code writes the rows."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

INSERT = "INSERT INTO app_user (email, password_hash, role, customer_id, staff_id) "


@pytest.fixture
async def sql(pagila_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(pagila_url)
    transaction = conn.transaction()
    await transaction.start()
    try:
        yield conn
    finally:
        await transaction.rollback()
        await conn.close()


@pytest.mark.parametrize(
    ("role", "customer_id", "staff_id"),
    [
        ("customer", None, 1),  # a customer account names a customer ...
        ("customer", 1, 1),  # ... and only a customer
        ("staff", 1, None),  # staff accounts name a staff member
        ("manager", None, None),
        ("owner", None, 1),  # unknown role
    ],
)
async def test_role_and_person_must_agree(
    sql: asyncpg.Connection, role: str, customer_id: int | None, staff_id: int | None
) -> None:
    with pytest.raises(asyncpg.CheckViolationError):
        await sql.execute(
            INSERT + "VALUES ('a@example.org', 'h', $1, $2, $3)", role, customer_id, staff_id
        )


async def test_email_is_unique_ignoring_case(sql: asyncpg.Connection) -> None:
    await sql.execute(INSERT + "VALUES ('Ada@Example.org', 'h', 'customer', 1, NULL)")
    with pytest.raises(asyncpg.UniqueViolationError):
        await sql.execute(INSERT + "VALUES ('ada@example.ORG', 'h', 'customer', 2, NULL)")


async def test_one_account_per_person(sql: asyncpg.Connection) -> None:
    await sql.execute(INSERT + "VALUES ('one@example.org', 'h', 'staff', NULL, 1)")
    with pytest.raises(asyncpg.UniqueViolationError):
        await sql.execute(INSERT + "VALUES ('two@example.org', 'h', 'admin', NULL, 1)")


async def test_refresh_tokens_keep_only_a_sha256(sql: asyncpg.Connection) -> None:
    user_id = await sql.fetchval(
        INSERT + "VALUES ('t@example.org', 'h', 'customer', 3, NULL) RETURNING user_id"
    )
    insert = (
        "INSERT INTO refresh_token (user_id, token_hash, family_id, expires_at) "
        "VALUES ($1, $2, gen_random_uuid(), now() + interval '1 day')"
    )
    await sql.execute(insert, user_id, b"\x01" * 32)
    with pytest.raises(asyncpg.CheckViolationError):
        async with sql.transaction():  # a savepoint: the test goes on after the refusal
            await sql.execute(insert, user_id, b"plain-token-text")
    # deleting the account deletes its tokens
    await sql.execute("DELETE FROM app_user WHERE user_id = $1", user_id)
    assert await sql.fetchval("SELECT count(*) FROM refresh_token WHERE user_id = $1", user_id) == 0
