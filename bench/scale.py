"""Our server alone under wrk, in several set-ups measured in one run on one database: 1 vs 2
worker processes, and the response cache off, in memory and in Redis (docs/deployment.md,
decision 0116). Prints requests/s per query and set-up, with the load average beside each.

    .venv/bin/python bench/scale.py --duration 8 --connections 32

Needs `wrk` and, for the Redis set-up, Redis at REDIS_URL (default 127.0.0.1:6379).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import subprocess
import uuid
from pathlib import Path

from bench.queries import QUERIES
from bench.run import OURS_PORT, drop_database, prepare_database, wait_for, wrk
from persistence.db import to_libpq_url

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

SETUPS: dict[str, dict[str, str]] = {
    "1 worker, no cache": {"WORKERS": "1", "RESPONSE_CACHE": "false"},
    "2 workers, no cache": {"WORKERS": "2", "RESPONSE_CACHE": "false"},
    "1 worker, cache in memory": {"WORKERS": "1", "RESPONSE_CACHE": "true"},
    "1 worker, cache in Redis": {"WORKERS": "1", "RESPONSE_CACHE": "true", "REDIS_URL": REDIS_URL},
}


def load() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 1)[0]


def serve(url: str, extra: dict[str, str]) -> subprocess.Popen[bytes]:
    env = {
        **{k: v for k, v in os.environ.items() if k != "REDIS_URL"},
        "DATABASE_URL": url,
        "ENVIRONMENT": "production",
        "JWT_SECRET": secrets.token_urlsafe(48),
        "RATE_LIMIT_ENABLED": "false",
        "MODEL_PROVIDER": "none",
        "LOG_LEVEL": "WARNING",
        "PORT": str(OURS_PORT),
        "RATE_LIMIT_KEY_PREFIX": f"pagila-graph-bench:{uuid.uuid4().hex}",
        **extra,
    }
    return subprocess.Popen(
        [str(ROOT / ".venv/bin/pagila-graph"), "serve"], env=env, start_new_session=True
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--only", nargs="*", default=list(SETUPS))
    args = parser.parse_args()
    server_url = to_libpq_url(
        os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    url = asyncio.run(prepare_database(server_url))
    endpoint = f"http://127.0.0.1:{OURS_PORT}/graphql"
    try:
        for setup in args.only:
            process = serve(url, SETUPS[setup])
            try:
                wait_for(endpoint, {"query": "{ __typename }"})
                for query in QUERIES:
                    body = {"query": query.ours}
                    wrk(endpoint, body, {}, 2, args.connections)  # warm up
                    before = load()
                    rate = wrk(endpoint, body, {}, args.duration, args.connections)
                    print(
                        f"{setup:28} {query.name}: {rate:8.0f} req/s "
                        f"(load average {before} -> {load()})",
                        flush=True,
                    )
            finally:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(30)
    finally:
        asyncio.run(drop_database(server_url, url))


if __name__ == "__main__":
    main()
