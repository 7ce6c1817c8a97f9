"""Rehash on login, and atomicity: a fault injected after a mutation's first write leaves the
database as it was (the payload is the masked internal error)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from config.settings import Settings
from pagila_graph.app import create_app
from persistence.db import Database
from persistence.repositories.identities import SqlIdentityStore
from tests.identity.conftest import (
    CHANGE,
    LOGIN,
    PASSWORD,
    REFRESH,
    REGISTER,
    AuthApi,
    registration,
    unique_email,
)


async def scalar(database: Database, sql: str, **params: Any) -> Any:
    async with database.session() as session:
        return await session.scalar(text(sql), params)


async def password_hash(database: Database, email: str) -> str:
    found: str = await scalar(
        database, "SELECT password_hash FROM app_user WHERE email = :email", email=email
    )
    return found


@pytest.fixture
async def stronger_api(
    auth_settings: Settings, isolated_database: Database
) -> AsyncIterator[AuthApi]:
    """The same database, with argon2 parameters changed since the accounts were made."""
    stronger = auth_settings.model_copy(update={"argon2_time_cost": 2, "argon2_memory_kib": 2048})
    app = create_app(stronger, isolated_database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as h:
        yield AuthApi(h)


async def test_login_rehashes_when_parameters_change(
    auth_api: AuthApi, stronger_api: AuthApi, isolated_database: Database
) -> None:
    email = unique_email()
    await auth_api.register(email)
    before = await password_hash(isolated_database, email)
    assert before.startswith("$argon2id$") and "m=1024,t=1" in before

    assert (await auth_api.login(email))["errors"] == []
    assert await password_hash(isolated_database, email) == before  # same parameters: kept

    assert (await stronger_api.login(email))["errors"] == []
    after = await password_hash(isolated_database, email)
    assert "m=2048,t=2" in after
    assert (await stronger_api.login(email))["errors"] == []  # and the new hash verifies
    assert (await auth_api.login(email))["errors"] == []  # argon2 reads parameters from the hash


class Boom(RuntimeError):
    pass


def fail(*_: Any, **__: Any) -> Any:
    raise Boom("injected fault")


def internal_error(body: dict[str, Any]) -> None:
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "injected" not in error["message"]


async def test_register_is_atomic(
    auth_api: AuthApi, isolated_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    email = unique_email()
    customers = "SELECT count(*) FROM customer WHERE email = :email"
    addresses = "SELECT count(*) FROM address WHERE address = '12 Analytical Row'"
    before = await scalar(isolated_database, addresses)
    monkeypatch.setattr(SqlIdentityStore, "insert_refresh_token", fail)
    internal_error(await auth_api(REGISTER, {"input": registration(email)}))
    assert await scalar(isolated_database, customers, email=email) == 0
    assert await scalar(isolated_database, addresses) == before
    assert await scalar(isolated_database, "SELECT count(*) FROM app_user") == 0


async def test_login_is_atomic(
    auth_api: AuthApi,
    stronger_api: AuthApi,
    isolated_database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    email = unique_email()
    await auth_api.register(email)
    hashed = await password_hash(isolated_database, email)
    tokens = "SELECT count(*) FROM refresh_token"
    issued = await scalar(isolated_database, tokens)
    monkeypatch.setattr(SqlIdentityStore, "insert_refresh_token", fail)
    internal_error(await stronger_api(*login_call(email)))
    assert await password_hash(isolated_database, email) == hashed  # no rehash kept
    last_login = "SELECT last_login_at FROM app_user WHERE email = :email"
    assert await scalar(isolated_database, last_login, email=email) is None
    assert await scalar(isolated_database, tokens) == issued


def login_call(email: str) -> tuple[str, dict[str, Any]]:
    return LOGIN, {"input": {"email": email, "password": PASSWORD}}


async def test_refresh_is_atomic(auth_api: AuthApi, monkeypatch: pytest.MonkeyPatch) -> None:
    refresh = (await auth_api.register(unique_email()))["tokens"]["refreshToken"]
    with monkeypatch.context() as patched:
        patched.setattr(SqlIdentityStore, "insert_refresh_token", fail)
        internal_error(await auth_api(REFRESH, {"input": {"refreshToken": refresh}}))
    # the token was not marked used: it still rotates (no reuse alarm)
    rotated = await auth_api.mutate(REFRESH, {"refreshToken": refresh})
    assert rotated["errors"] == []


async def test_change_password_is_atomic(
    auth_api: AuthApi, isolated_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    email = unique_email()
    tokens = (await auth_api.register(email))["tokens"]
    hashed = await password_hash(isolated_database, email)
    with monkeypatch.context() as patched:
        patched.setattr(SqlIdentityStore, "insert_refresh_token", fail)
        body = await auth_api(
            CHANGE,
            {"input": {"currentPassword": PASSWORD, "newPassword": "a brand new passphrase"}},
            token=tokens["accessToken"],
        )
        internal_error(body)
    assert await password_hash(isolated_database, email) == hashed
    assert (await auth_api.mutate(REFRESH, {"refreshToken": tokens["refreshToken"]}))[
        "errors"
    ] == []


async def test_concurrent_registrations_of_one_email_make_one_account(
    auth_settings: Settings, database: Database
) -> None:
    """Real commits on separate connections: the unique index decides, the loser gets
    EMAIL_TAKEN (not an internal error), and nothing of the loser's customer remains."""
    email = unique_email()
    app = create_app(auth_settings, database)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as http:
            api = AuthApi(http)
            results = await asyncio.gather(
                *(api.mutate(REGISTER, registration(email)) for _ in range(4))
            )
        outcomes = sorted("ok" if r["errors"] == [] else r["errors"][0]["code"] for r in results)
        assert outcomes == ["EMAIL_TAKEN", "EMAIL_TAKEN", "EMAIL_TAKEN", "ok"]
        customers = "SELECT count(*) FROM customer WHERE email = :email"
        assert await scalar(database, customers, email=email) == 1
    finally:
        async with database.session() as session:
            ids = (
                (
                    await session.execute(
                        text("DELETE FROM customer WHERE email = :email RETURNING address_id"),
                        {"email": email},
                    )
                )
                .scalars()
                .all()
            )
            await session.execute(
                text("DELETE FROM address WHERE address_id = ANY(:ids)"), {"ids": list(ids)}
            )
            await session.commit()
