"""Building the page (web/): `npm ci` when its packages are missing or stale, then
`npm run build` (codegen from schema.graphql, tsc, vite build) into a folder of the caller's."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "web"
COMMITTED_BUILD = REPO / "pagila_graph" / "static" / "app"


def npm() -> str:
    found = shutil.which("npm")
    if found is None:
        pytest.skip(
            "npm is not installed: the page's build (web/, docs/web.md) needs Node.js 20+ and npm"
        )
    return found


def run(*args: str, web: Path = WEB) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [npm(), *args],
        cwd=web,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_UPDATE_NOTIFIER": "1", "npm_config_fund": "false"},
    )


def ensure_packages() -> None:
    """`npm ci` unless node_modules was installed from the current package-lock.json."""
    stamp = WEB / "node_modules" / ".package-lock.json"
    lock = WEB / "package-lock.json"
    if stamp.is_file() and stamp.stat().st_mtime >= lock.stat().st_mtime:
        return
    result = run("ci", "--no-audit")
    assert result.returncode == 0, f"npm ci failed:\n{result.stdout}\n{result.stderr}"


def build(out_dir: Path) -> subprocess.CompletedProcess[str]:
    """The whole build (codegen, tsc, vite build) of web/, written to `out_dir`."""
    ensure_packages()
    return run("run", "build", "--", "--outDir", str(out_dir), "--emptyOutDir")


def typecheck(web: Path) -> subprocess.CompletedProcess[str]:
    """Codegen from `web`/../schema.graphql, then tsc: the steps a schema change can break."""
    ensure_packages()
    generated = run("run", "codegen", web=web)
    if generated.returncode != 0:
        return generated
    return run("run", "typecheck", web=web)
