"""Debian's Chromium for browser tests: found at /usr/bin/chromium, installed with apt-get when
missing and we are root, never a browser downloaded by Playwright (`playwright install`)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))

#: Headless, no sandbox (containers run tests as root), and nothing that phones home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
    # belt and braces with the request blocking of `isolated_page`: no name but loopback resolves
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


def ensure_chromium() -> str | None:
    """The path of a usable Chromium, installing Debian's package when possible; else None and
    a reason is printed by the caller."""
    if CHROMIUM.exists():
        return str(CHROMIUM)
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        [apt, "update", "-qq"],
        [apt, "install", "-y", "-qq", "--no-install-recommends", "chromium"],
    ):
        if subprocess.run(command, env=env, check=False, capture_output=True).returncode != 0:
            return None
    return str(CHROMIUM) if CHROMIUM.exists() else None


def why_not() -> str:
    if shutil.which("apt-get") is None:
        return f"{CHROMIUM} is missing and this system has no apt-get to install Debian's chromium"
    if os.geteuid() != 0:
        return f"{CHROMIUM} is missing; install it with `sudo apt-get install chromium` (not root)"
    return f"{CHROMIUM} is missing and `apt-get install chromium` failed (no package source?)"
