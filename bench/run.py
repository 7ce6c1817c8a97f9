"""Side-by-side throughput: pagila-graph vs PostGraphile 4 on the same database, in one run.

    python bench/run.py [--duration 10] [--connections 32] [--workers 1]

Needs `wrk` (Debian: apt-get install wrk) and the reference server (`cd bench && npm ci`).
Uses DATABASE_URL's server (default: the machine's 127.0.0.1:5432), creates its own database,
migrates and loads Pagila, starts both servers on loopback, checks that each query returns the
same data from both, then loads each server in turn with wrk and prints requests/s and the ratio
ours / PostGraphile. Results are also written to bench/results/<timestamp>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.queries import QUERIES, BenchQuery, prepare_callers  # noqa: E402
from persistence import loader, migrate  # noqa: E402
from persistence.db import to_libpq_url  # noqa: E402
from persistence.scale import scale_up  # noqa: E402


def free_port(preferred: int) -> int:
    """`preferred` when nothing listens there, else a free port: a server left running on the
    usual port (another session's benchmark) would otherwise answer in place of ours."""
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise SystemExit("no free port")


OURS_PORT, REFERENCE_PORT = free_port(8811), free_port(8812)


def post(url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def wait_for(url: str, body: dict[str, Any], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            post(url, body)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server at {url} did not come up")


def wrk(
    url: str, body: dict[str, Any], headers: dict[str, str], duration: int, conns: int
) -> tuple[float, float, float]:
    """(requests/s, p50 ms, p99 ms)."""
    lines = [
        'wrk.method = "POST"',
        f"wrk.body = {json.dumps(json.dumps(body))}",
        'wrk.headers["Content-Type"] = "application/json"',
    ]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    rps, p50, p99, _ = wrk_script(url, "\n".join(lines) + "\n", duration, 2, conns)
    return rps, p50, p99


def wrk_script(
    url: str, script: str, duration: int, threads: int, conns: int
) -> tuple[float, float, float, str]:
    """wrk with a Lua script: (requests/s, p50 ms, p99 ms, wrk's output)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    try:
        out = subprocess.run(
            [
                *("wrk", f"-t{threads}", f"-c{conns}", f"-d{duration}s", "--latency"),
                *("-s", file.name, url),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(file.name)
    if "Non-2xx" in out:
        raise SystemExit(f"wrk saw errors:\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert match, out
    return float(match.group(1)), _percentile(out, "50"), _percentile(out, "99"), out


def _percentile(out: str, which: str) -> float:
    """A latency percentile of wrk's `--latency` table, in milliseconds."""
    found = re.search(rf"^\s*{which}(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
    assert found, out
    value, unit = float(found.group(1)), found.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


async def prepare_database(server_url: str, scale: int = 1) -> str:
    name = f"pagila_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(server_url)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    url = to_libpq_url(make_url(server_url).set(database=name))
    await migrate.upgrade(url)
    await loader.load_pagila(url)
    if scale > 1:
        report = await scale_up(url, scale)
        print(f"scaled x{scale} in {report.seconds:.1f} s: {report.rows_added}", flush=True)
    return url


async def drop_database(server_url: str, url: str) -> None:
    conn = await asyncpg.connect(server_url)
    name = make_url(url).database
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


def start_servers(url: str, workers: int) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "ENVIRONMENT": "production",
        # production needs a signing key; the reference has no rate limits, so neither do we here
        "JWT_SECRET": secrets.token_urlsafe(48),
        "RATE_LIMIT_ENABLED": "false",
        "MODEL_PROVIDER": "none",  # no model to load: the queries measured do not use it
        "LOG_LEVEL": "WARNING",
        "PORT": str(OURS_PORT),
        "WORKERS": str(workers),
        **BenchQuery.server_env(),
    }
    ours = subprocess.Popen(
        [str(ROOT / ".venv/bin/pagila-graph"), "serve"], env=env, start_new_session=True
    )
    reference = subprocess.Popen(
        [
            str(ROOT / "bench/node_modules/.bin/postgraphile"),
            "--connection",
            url,
            "--port",
            str(REFERENCE_PORT),
            "--host",
            "127.0.0.1",
            "--disable-query-log",
            "--cluster-workers",
            str(workers),
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    return [ours, reference]


def normalise(data: Any) -> Any:
    return json.loads(json.dumps(data, sort_keys=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--only", nargs="*", help="pair names, e.g. Q3 Q7 (default: all)")
    parser.add_argument(
        "--scale", type=int, default=1, help="N copies of the data set (persistence/scale.py)"
    )
    args = parser.parse_args()
    queries = [q for q in QUERIES if not args.only or q.name in args.only]
    server_url = to_libpq_url(
        os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    url = asyncio.run(prepare_database(server_url, args.scale))
    procs = start_servers(url, args.workers)
    ours_url = f"http://127.0.0.1:{OURS_PORT}/graphql"
    reference_url = f"http://127.0.0.1:{REFERENCE_PORT}/graphql"
    results: list[dict[str, Any]] = []
    try:
        first = QUERIES[0]
        wait_for(ours_url, {"query": first.ours})
        wait_for(reference_url, {"query": first.reference})
        prepare_callers(url, ours_url)  # accounts for the signed-in pairs
        for query in (q.prepared() for q in queries):
            ours_data = query.sample(ours_url, "ours")
            if ours_data is None:
                ours_data = query.extract_ours(
                    post(ours_url, {"query": query.ours}, query.headers())
                )
            ref_data = query.sample(reference_url, "reference")
            if ref_data is None:
                ref_data = query.extract_reference(post(reference_url, {"query": query.reference}))
            if normalise(ours_data) != normalise(ref_data):
                raise SystemExit(
                    f"{query.name}: the two servers return different data:\n"
                    f"ours {json.dumps(normalise(ours_data))[:600]}\n"
                    f"ref  {json.dumps(normalise(ref_data))[:600]}"
                )
            ours_rps, ours_p50, ours_p99 = query.measure(
                ours_url, "ours", args.duration, args.connections
            ) or wrk(
                ours_url, {"query": query.ours}, query.headers(), args.duration, args.connections
            )
            ref_rps, ref_p50, ref_p99 = query.measure(
                reference_url, "reference", args.duration, args.connections
            ) or wrk(reference_url, {"query": query.reference}, {}, args.duration, args.connections)
            row = {
                "query": query.name,
                "description": query.description,
                "ours_rps": ours_rps,
                "postgraphile_rps": ref_rps,
                # no reference request done in time (wrk's 2 s timeout): no ratio
                "ratio": round(ours_rps / ref_rps, 3) if ref_rps else None,
                "ours_p50_ms": ours_p50,
                "ours_p99_ms": ours_p99,
                "postgraphile_p50_ms": ref_p50,
                "postgraphile_p99_ms": ref_p99,
                "load_average": os.getloadavg()[0],
            }
            results.append(row)
            print(
                f"| {query.name} | {query.description} | {ours_rps:,.0f} | {ref_rps:,.0f} | "
                f"{'n/a' if ref_rps == 0 else f'{ours_rps / ref_rps:.2f}x'} | "
                f"{ours_p50:.1f} / {ours_p99:.1f} | "
                f"{ref_p50:.1f} / {ref_p99:.1f} | {row['load_average']:.1f} |",
                flush=True,
            )
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=20)
        asyncio.run(drop_database(server_url, url))
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    ratios = [row["ratio"] for row in results if row.get("ratio")]
    if ratios:
        geomean = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
        print(f"geometric mean of {len(ratios)} ratios: {geomean:.2f}x", flush=True)
    meta = {
        "connections": args.connections,
        "duration_s": args.duration,
        "workers": args.workers,
        "scale": args.scale,
        "commit": _commit(),
        # what the server inherited that changes what is measured (e.g. RESPONSE_CACHE=false)
        "server_environment": {k: os.environ[k] for k in MEASURED_SETTINGS if k in os.environ},
    }
    (out_dir / f"{stamp}.json").write_text(json.dumps({**meta, "results": results}, indent=2))


#: settings of our server that change what a run measures, recorded with its results
MEASURED_SETTINGS = (
    "RESPONSE_CACHE",
    "COMPILED_READS",
    "GC_TUNING",
    "DB_POOL_SIZE",
    "DB_MAX_OVERFLOW",
    "METRICS_ENABLED",
)


def _commit() -> str | None:
    try:
        return subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


if __name__ == "__main__":
    main()
