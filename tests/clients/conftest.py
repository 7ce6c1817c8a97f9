"""Real JavaScript clients against the running server: `npm ci` installs them (versions from
package-lock.json) into tests/clients/node_modules once; Node runs each script."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent


def _installed() -> bool:
    stamp = HERE / "node_modules" / ".package-lock.json"
    lock = HERE / "package-lock.json"
    return stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime


@pytest.fixture(scope="session")
def node_clients() -> Path:
    """tests/clients with its npm packages installed; skipped (saying why) without Node."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("JavaScript client tests need Node.js 18+ and npm (apt-get install nodejs npm)")
    if not _installed():
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=HERE,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(f"npm ci failed in {HERE}:\n{done.stderr[-2000:]}")
    return HERE


async def run_node(script: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    """Runs `node script args…` (without blocking the event loop that serves the app) and
    returns the JSON it prints last."""
    process = await asyncio.create_subprocess_exec(
        "node",
        str(script),
        *args,
        cwd=script.parent,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, f"{script.name} failed:\n{err.decode()[-3000:]}"
    return json.loads(out.decode().strip().splitlines()[-1])
