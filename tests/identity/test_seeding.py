"""`pagila-graph load-data --accounts …` on a fresh database, through the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys

import asyncpg
from argon2 import PasswordHasher

CHEAP = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024", "ARGON2_PARALLELISM": "1"}


def load_data(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **CHEAP, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "pagila_graph.cli", "load-data", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def printed_accounts(stdout: str) -> dict[str, tuple[str, str]]:
    """e-mail → (role, password) from the Rich table."""
    found: dict[str, tuple[str, str]] = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.strip().strip("│┃").split("│")]
        if len(cells) == 4 and "@" in cells[1]:
            found[cells[1]] = (cells[0], cells[2])
    return found


async def test_staff_then_all_accounts(empty_database_url: str) -> None:
    staff_run = load_data(empty_database_url, "--accounts", "staff")
    assert staff_run.returncode == 0, staff_run.stderr
    staff = printed_accounts(staff_run.stdout)

    conn = await asyncpg.connect(empty_database_url)
    try:
        rows = await conn.fetch(
            "SELECT u.email, u.role, u.password_hash, s.store_id, "
            "  (st.manager_staff_id = s.staff_id) AS manages "
            "FROM app_user u JOIN staff s USING (staff_id) "
            "JOIN store st ON st.store_id = s.store_id"
        )
        expected_staff = await conn.fetchval(
            "SELECT count(*) FROM staff WHERE store_id IN (SELECT store_id FROM customer)"
        )
        assert len(rows) == expected_staff == len(staff)
        roles = sorted(r["role"] for r in rows)
        assert roles.count("admin") == 1
        assert all(r["role"] == "manager" for r in rows if r["manages"])
        assert all(r["role"] != "manager" for r in rows if not r["manages"])
        hasher = PasswordHasher()
        for row in rows:
            role, password = staff[row["email"]]
            assert role == row["role"]
            assert hasher.verify(row["password_hash"], password)
        assert len({password for _, password in staff.values()}) == len(staff)  # all random

        again = load_data(empty_database_url, "--accounts", "all")
        assert again.returncode == 0, again.stderr
        assert "already loaded" in again.stderr
        customers = printed_accounts(again.stdout)
        assert {role for role, _ in customers.values()} == {"customer"}
        assert len(customers) == await conn.fetchval(
            "SELECT count(*) FROM customer WHERE activebool AND email IS NOT NULL"
        )
        total = await conn.fetchval("SELECT count(*) FROM app_user")
        assert total == len(staff) + len(customers)
    finally:
        await conn.close()


def test_unknown_choice_is_refused(empty_database_url: str) -> None:
    result = load_data(empty_database_url, "--accounts", "everyone")
    assert result.returncode == 2  # a usage error, before anything runs
    assert "Invalid value for '--accounts'" in result.stderr
    assert all(f"'{choice}'" in result.stderr for choice in ("none", "staff", "all"))
