"""What one rent + return costs our server, in load-independent units.

    .venv/bin/python bench/write_cost.py [--iterations 200] [--profile out.prof]

Creates its own database (DATABASE_URL's server, default 127.0.0.1:5432), starts our server as
`bench/run.py` does (production settings, rate limits off, one worker) with its database
connections going through a counting proxy, signs in as staff of store 1, and runs Q18's two
documents (`bench/queries.py`: rentFilm, then returnRental) one after the other, `--iterations`
times. It prints, per mutation, the round trips to PostgreSQL (Sync and simple-Query messages the
server sent; Parse messages, i.e. statements prepared anew, in brackets) and the server's CPU time
per iteration (user + system of its process, from /proc). Neither depends on the machine's load
the way requests/s does, so two commits can be compared on a busy machine.

`--profile FILE` runs the server under cProfile instead (CPU figures are then inflated; the
proportions are what to read).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import secrets
import signal
import struct
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy.engine import make_url  # noqa: E402

from bench.queries import (  # noqa: E402
    CALLERS,
    CREATE_RENTAL,
    RENT,
    RETURN,
    STAFF_STORE,
    UPDATE_RENTAL,
    _post,
    bearer,
    prepare_callers,
)
from bench.run import drop_database, free_port, prepare_database, wait_for  # noqa: E402
from persistence.db import to_libpq_url  # noqa: E402

PORT, REFERENCE = free_port(8813), free_port(8814)
_SSL_REQUEST, _GSS_REQUEST = 80877103, 80877104


class CountingProxy:
    """A TCP proxy in front of PostgreSQL that counts the frontend's messages by type: each
    Sync ('S') or simple Query ('Q') is one round trip; Parse ('P') is a statement prepared."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.counts: Counter[str] = Counter()
        self.port = 0
        #: when a list: what each round trip ran (`--show`)
        self.log: list[str] | None = None
        self._prepared: dict[bytes, str] = {}

    def round_trips(self) -> int:
        return self.counts["S"] + self.counts["Q"]

    async def _pump_client(self, reader: Any, writer: Any) -> None:
        buffer = b""
        started = False
        while data := await reader.read(65536):
            writer.write(data)
            buffer += data
            while True:
                if not started:
                    if len(buffer) < 8:
                        break
                    length, code = struct.unpack("!II", buffer[:8])
                    if len(buffer) < length:
                        break
                    buffer = buffer[length:]
                    started = code not in (_SSL_REQUEST, _GSS_REQUEST)
                    continue
                if len(buffer) < 5:
                    break
                kind = chr(buffer[0])
                (length,) = struct.unpack("!I", buffer[1:5])
                if len(buffer) < 1 + length:
                    break
                self.counts[kind] += 1
                if self.log is not None:
                    self._note(kind, buffer[5 : 1 + length])
                buffer = buffer[1 + length :]
            await writer.drain()
        writer.close()

    def _note(self, kind: str, body: bytes) -> None:
        assert self.log is not None
        if kind == "P":
            name, query = body.split(b"\0")[:2]
            self._prepared[name] = query.decode()
        elif kind == "B":
            name = body.split(b"\0")[1]
            self.log.append(self._prepared.get(name, f"<statement {name!r}>"))
        elif kind == "Q":
            self.log.append(body.rstrip(b"\0").decode())

    @staticmethod
    async def _pump(reader: Any, writer: Any) -> None:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        writer.close()

    async def _serve(self, client_reader: Any, client_writer: Any) -> None:
        server_reader, server_writer = await asyncio.open_connection(
            "127.0.0.1", self.upstream_port
        )
        await asyncio.gather(
            self._pump_client(client_reader, server_writer),
            self._pump(server_reader, client_writer),
            return_exceptions=True,
        )

    def start(self) -> None:
        ready = threading.Event()

        async def main() -> None:
            server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            await server.serve_forever()

        threading.Thread(target=lambda: asyncio.run(main()), daemon=True).start()
        ready.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children still running."""
    total = 0.0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--show", action="store_true", help="print one iteration's statements")
    parser.add_argument(
        "--spy", help="sample the server with py-spy (if installed) into this collapsed-stack file"
    )
    parser.add_argument("--profile", help="run the server under cProfile, write stats here")
    parser.add_argument(
        "--reference",
        action="store_true",
        help="measure PostGraphile's createRental + updateRentalByRentalId the same way after ours",
    )
    return parser.parse_args()


def _start_server(database_url: str, profile: str | None) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ENVIRONMENT": "production",
        "JWT_SECRET": secrets.token_urlsafe(48),
        "RATE_LIMIT_ENABLED": "false",
        "MODEL_PROVIDER": "none",
        "LOG_LEVEL": "WARNING",
        "PORT": str(PORT),
        "WORKERS": "1",
    }
    command = [str(ROOT / ".venv/bin/pagila-graph"), "serve"]
    if profile:
        command = [str(ROOT / ".venv/bin/python"), "-m", "cProfile", "-o", profile, *command]
    return subprocess.Popen(command, env=env, start_new_session=True)


def _start_reference(database_url: str) -> subprocess.Popen[bytes]:
    """PostGraphile as bench/run.py starts it, in one process (no cluster workers)."""
    return subprocess.Popen(
        [
            str(ROOT / "bench/node_modules/.bin/postgraphile"),
            *("--connection", database_url, "--port", str(REFERENCE), "--host", "127.0.0.1"),
            "--disable-query-log",
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )


async def _slot(url: str) -> tuple[int, int]:
    """A copy in stock at the staff's store and an active customer of that store."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        copy = await conn.fetchval(
            "SELECT i.inventory_id FROM inventory i WHERE i.store_id = $1 AND NOT "
            "EXISTS (SELECT 1 FROM rental r WHERE r.inventory_id = i.inventory_id "
            "AND r.return_date IS NULL) ORDER BY 1 LIMIT 1",
            STAFF_STORE,
        )
        customer = await conn.fetchval(
            "SELECT customer_id FROM customer WHERE store_id = $1 AND activebool "
            "AND customer_id <> $2 ORDER BY 1 LIMIT 1",
            STAFF_STORE,
            CALLERS.customer_id,
        )
    finally:
        await conn.close()
    return copy, customer


def _iteration(
    proxy: CountingProxy, url: str, side: str, headers: dict[str, str], slot: tuple[int, int]
) -> tuple[Counter[str], Counter[str]]:
    """Rent, then return: what each sent to PostgreSQL. `side`: "ours" or "reference";
    `slot`: (copy, customer)."""
    copy, customer = slot
    before = Counter(proxy.counts)
    if side == "ours":
        variables: dict[str, Any] = {"c": customer, "s": STAFF_STORE, "i": copy}
        body = _post(url, {"query": RENT, "variables": variables}, headers)
        rented = body["data"]["rentFilm"]
        assert not rented["errors"], rented
    else:
        now = dt.datetime.now(dt.UTC).isoformat()
        variables = {"c": customer, "st": CALLERS.staff_id, "i": copy, "d": now}
        body = _post(url, {"query": CREATE_RENTAL, "variables": variables})
        assert "errors" not in body, body
        rented = body["data"]["createRental"]
    time.sleep(0.02)  # let work after the answer (events) reach the proxy
    middle = Counter(proxy.counts)
    rental_id = rented["rental"]["rentalId"]
    if side == "ours":
        body = _post(url, {"query": RETURN, "variables": {"r": rental_id}}, headers)
        assert not body["data"]["returnRental"]["errors"], body
    else:
        now = dt.datetime.now(dt.UTC).isoformat()
        body = _post(url, {"query": UPDATE_RENTAL, "variables": {"r": rental_id, "d": now}})
        assert "errors" not in body, body
    time.sleep(0.02)
    return middle - before, Counter(proxy.counts) - middle


def _spy(pid: int, out: str) -> subprocess.Popen[bytes]:
    spy = subprocess.Popen(
        [
            *(str(ROOT / ".venv/bin/py-spy"), "record", "--format", "raw", "--rate", "400"),
            *("--pid", str(pid), "--output", out, "--nonblocking"),
        ],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(1)
    return spy


def _measure(
    args: argparse.Namespace,
    proxy: CountingProxy,
    server: subprocess.Popen[bytes],
    url: str,
    side: str = "ours",
) -> None:
    headers = bearer("staff") if side == "ours" else {}
    slot = asyncio.run(_slot(CALLERS.database_url))
    proxy.log = []
    for _ in range(20):  # warm up: statement caches, pools, lazy imports
        proxy.log.clear()
        _iteration(proxy, url, side, headers, slot)
    if args.show:
        print("\n".join(f"  {line[:300]}" for line in proxy.log))
    proxy.log = None
    rent_total: Counter[str] = Counter()
    return_total: Counter[str] = Counter()
    spy = _spy(server.pid, args.spy) if args.spy else None
    cpu_before = cpu_seconds(server.pid)
    started = time.perf_counter()
    for _ in range(args.iterations):
        rent, back = _iteration(proxy, url, side, headers, slot)
        rent_total += rent
        return_total += back
    elapsed = time.perf_counter() - started
    cpu = cpu_seconds(server.pid) - cpu_before
    wall = elapsed - 0.04 * args.iterations
    # what the server spends with no request at all over as long (timers, housekeeping): not
    # the requests' cost, subtracted
    idle_before = cpu_seconds(server.pid)
    time.sleep(elapsed)
    idle = cpu_seconds(server.pid) - idle_before
    if spy is not None:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=30)
    n = args.iterations

    def trips(c: Counter[str]) -> str:
        return (
            f"{(c['S'] + c['Q']) / n:.2f} round trips ({c['P'] / n:.2f} Parse, "
            f"{c['Q'] / n:.2f} simple queries)"
        )

    names = ("rentFilm", "returnRental") if side == "ours" else ("createRental", "updateRental")
    print(f"{side}:")
    print(f"{names[0] + ':':14}{trips(rent_total)}")
    print(f"{names[1] + ':':14}{trips(return_total)}")
    print(
        f"server CPU: {(cpu - idle) / n * 1000:.2f} ms per iteration (rent + return; "
        f"{cpu / n * 1000:.2f} less {idle / n * 1000:.2f} spent idle over as long); "
        f"client-side wall {wall / n * 1000:.2f} ms per iteration; "
        f"load average {os.getloadavg()[0]:.2f}"
    )


def main() -> None:
    args = _arguments()
    server_url = to_libpq_url(
        os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    url = asyncio.run(prepare_database(server_url))
    proxy = CountingProxy(make_url(url).port or 5432)
    proxy.start()
    proxied = make_url(url).set(host="127.0.0.1", port=proxy.port)
    server = _start_server(proxied.render_as_string(hide_password=False), args.profile)
    ours = f"http://127.0.0.1:{PORT}/graphql"
    try:
        wait_for(ours, {"query": "{ __typename }"})
        prepare_callers(url, ours)
        _measure(args, proxy, server, ours)
        if args.reference:
            reference = _start_reference(proxied.render_as_string(hide_password=False))
            try:
                reference_url = f"http://127.0.0.1:{REFERENCE}/graphql"
                wait_for(reference_url, {"query": "{ __typename }"})
                _measure(args, proxy, reference, reference_url, "reference")
            finally:
                os.killpg(reference.pid, signal.SIGTERM)
                reference.wait(timeout=30)
    finally:
        os.killpg(server.pid, signal.SIGINT if args.profile else signal.SIGTERM)
        server.wait(timeout=30)
        asyncio.run(drop_database(server_url, url))


if __name__ == "__main__":
    main()
