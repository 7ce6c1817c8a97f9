"""Development accounts for `pagila-graph load-data --accounts staff|all` (decision 0073).

Every password is random and shown once; none is ever fixed, in any environment. Hashes are
computed before the one transaction that writes the accounts, so a failure leaves none.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from config.settings import AccountSeed, Settings
from domain.auth import Role
from domain.identity import PasswordHasher, seeded_staff_roles
from pagila_graph.security import Argon2PasswordHasher
from persistence.db import Database, create_engine
from persistence.unit_of_work import SqlAlchemyUnitOfWork


@dataclass(frozen=True, slots=True)
class SeededAccount:
    email: str
    password: str
    role: Role
    person: str  # e.g. "staff 1, store 1"


def random_password() -> str:
    return secrets.token_urlsafe(12)  # 16 characters, 96 bits


async def _hash_all(
    hasher: PasswordHasher, passwords: list[str], on_hashed: Callable[[], None]
) -> list[str]:
    slots = asyncio.Semaphore(max(1, min(8, os.cpu_count() or 1)))

    async def one(password: str) -> str:
        async with slots:
            hashed = await hasher.hash(password)
        on_hashed()
        return hashed

    return list(await asyncio.gather(*(one(p) for p in passwords)))


async def seed_accounts(
    database_url: str,
    settings: Settings,
    which: AccountSeed,
    *,
    on_planned: Callable[[int], None] = lambda _: None,
    on_hashed: Callable[[], None] = lambda: None,
) -> list[SeededAccount]:
    """Accounts for staff (and customers with `all`) who have none yet; returns them with
    their passwords, which are stored nowhere else."""
    if which is AccountSeed.NONE:
        return []
    hasher = Argon2PasswordHasher.from_settings(settings)
    database = Database(create_engine(database_url, pool_size=1))
    try:
        async with SqlAlchemyUnitOfWork(database) as uow:
            store = uow.identities
            staff = seeded_staff_roles(
                await store.seedable_staff(), admin_exists=await store.role_exists(Role.ADMIN)
            )
            customers = await store.seedable_customers() if which is AccountSeed.ALL else []
            planned = [
                SeededAccount(
                    m.email, random_password(), role, f"staff {m.staff_id}, store {m.store_id}"
                )
                for m, role in staff
            ] + [
                SeededAccount(email, random_password(), Role.CUSTOMER, f"customer {customer_id}")
                for customer_id, email in customers
            ]
            on_planned(len(planned))
            hashes = await _hash_all(hasher, [a.password for a in planned], on_hashed)
            people = [(m.staff_id, None) for m, _ in staff] + [(None, c) for c, _ in customers]
            for account, password_hash, (staff_id, customer_id) in zip(
                planned, hashes, people, strict=True
            ):
                await store.insert(
                    email=account.email,
                    password_hash=password_hash,
                    role=account.role,
                    customer_id=customer_id,
                    staff_id=staff_id,
                )
            await uow.commit()
    finally:
        await database.dispose()
    return planned
