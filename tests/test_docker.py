"""The Dockerfile, without a Docker engine: hadolint, and the promises docs/operations.md makes.

No image is built here (CI has no Docker daemon); what can be checked statically is: the lint,
that the image installs from uv.lock with the same uv as ./dev, that it carries every package
of the project and the offline model, and that it runs as a non-root user.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE)
    found: list[tuple[str, str]] = []
    for line in joined.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, rest = stripped.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def _stages() -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for instruction in _instructions():
        if instruction[0] == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(instruction)
    return stages


def _hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(found).exists():
        pytest.fail("hadolint is missing: it comes with the dev extra (./dev test installs it)")
    return found


def test_hadolint_finds_nothing() -> None:
    result = subprocess.run(
        [_hadolint(), "--no-color", "--failure-threshold", "info", "-"],
        input=DOCKERFILE,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_does_fail_on_a_bad_dockerfile() -> None:
    result = subprocess.run(
        [_hadolint(), "--no-color", "-"],
        input="FROM python\nRUN pip install uv\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "DL3006" in result.stdout  # untagged base image


def test_installs_come_from_the_lock_file_with_the_uv_of_dev() -> None:
    dev_version = re.search(r"^UV_VERSION=(\S+)$", (ROOT / "dev").read_text(), re.M)
    image_version = re.search(r"^ARG UV_VERSION=(\S+)$", DOCKERFILE, re.M)
    assert dev_version and image_version
    assert image_version.group(1) == dev_version.group(1)
    runs = [args for keyword, args in _instructions() if keyword == "RUN"]
    syncs = [args for args in runs if "uv sync" in args]
    assert syncs, "the image must install with `uv sync`"
    assert all("--locked" in args for args in syncs)
    assert not any(re.search(r"pip install (?!\"?uv==)", args) for args in runs), (
        "only uv itself may be installed with pip; everything else comes from uv.lock"
    )
    copies = [args for keyword, args in _instructions() if keyword == "COPY"]
    assert any("uv.lock" in args for args in copies)


def test_the_image_carries_every_package_and_the_offline_model() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {
        p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    build = _stages()[0]
    copied = {args.split()[0] for keyword, args in build if keyword == "COPY"}
    assert packages <= copied, f"not copied into the image: {sorted(packages - copied)}"
    final_sync = [args for keyword, args in build if keyword == "RUN" and "uv sync" in args][-1]
    assert "--extra local" in final_sync
    assert "ensure_model_file" in final_sync


def test_runs_as_a_numeric_non_root_user_with_a_health_check() -> None:
    final = _stages()[-1]
    users = [args for keyword, args in final if keyword == "USER"]
    assert users, "the final stage must switch to a non-root USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0
    assert any(keyword == "HEALTHCHECK" and "/healthz" in args for keyword, args in final)
