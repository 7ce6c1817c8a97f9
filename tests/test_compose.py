"""docker-compose.yml without a Docker engine (none runs here): what `docker compose config`
would check — variable interpolation and the Compose Specification's JSON schema (a copy in
tests/data/compose-spec/) — and what docs/operations.md promises about it.

Not checked here (it needs an engine): that the images build and the services start.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

from persistence.db import to_async_url

ROOT = Path(__file__).resolve().parent.parent
RAW: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SCHEMA = json.loads((ROOT / "tests/data/compose-spec/compose-spec.json").read_text())
EXAMPLE_ENV = {"POSTGRES_PASSWORD": "0f3a9c", "JWT_SECRET": "x" * 48}

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}; $$ is a literal $
_VARIABLE = re.compile(
    r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
)


class MissingVariable(Exception):
    pass


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's interpolation of every string in the file."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        current = env.get(name)
        unset_or_empty = current is None or (current == "" and op is not None and ":" in op)
        if op is not None and op.endswith("?") and unset_or_empty:
            raise MissingVariable(f"{name}: {arg}")
        if op is not None and op.endswith("-") and unset_or_empty:
            return arg
        return current or ""

    return _VARIABLE.sub(substitute, value)


def variables() -> dict[str, str | None]:
    """Each variable the file reads, with its operator (None: plain ${NAME})."""
    found: dict[str, str | None] = {}
    for match in _VARIABLE.finditer((ROOT / "docker-compose.yml").read_text()):
        if match.group("name"):
            found[match.group("name")] = match.group("op")
    return found


def compose(env: dict[str, str] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = interpolate(RAW, EXAMPLE_ENV if env is None else env)
    return result


def test_the_file_is_valid_compose() -> None:
    validator = jsonschema.Draft201909Validator(SCHEMA)
    errors = sorted(validator.iter_errors(compose()), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_the_schema_check_can_fail() -> None:
    broken = compose()
    broken["services"]["app"]["healthcheck"]["intervall"] = "10s"
    broken["services"]["redis"]["ports"] = 6379  # not a list
    validator = jsonschema.Draft201909Validator(SCHEMA)
    assert len(list(validator.iter_errors(broken))) >= 2


def test_secrets_are_required_from_the_environment_never_written_down() -> None:
    with pytest.raises(MissingVariable, match="POSTGRES_PASSWORD"):
        compose({"JWT_SECRET": "x" * 48})
    with pytest.raises(MissingVariable, match="JWT_SECRET"):
        compose({"POSTGRES_PASSWORD": "p"})
    ops = variables()
    for name in ("POSTGRES_PASSWORD", "JWT_SECRET"):
        assert ops[name] == ":?", f"{name} must be required (${{{name}:?...}}), with no default"
    secret = re.compile(r"PASSWORD|SECRET|TOKEN|API_KEY", re.IGNORECASE)
    for service in RAW["services"].values():
        for key, value in (service.get("environment") or {}).items():
            if secret.search(key):
                assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]*\}", str(value)), (key, value)


def test_every_variable_is_documented_for_docker_users() -> None:
    documented = {
        line.split("=", 1)[0].lstrip("# ").strip()
        for line in (ROOT / ".env.docker.example").read_text().splitlines()
        if "=" in line
    }
    assert set(variables()) <= documented


def test_only_the_app_is_published_on_the_host() -> None:
    services = compose()["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"app"}
    [port] = services["app"]["ports"]
    assert port.endswith(":8000")
    assert compose({**EXAMPLE_ENV, "APP_PORT": "9000"})["services"]["app"]["ports"] == ["9000:8000"]


def test_every_service_has_a_health_check_and_the_app_waits_for_them() -> None:
    services = compose()["services"]
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
    depends = services["app"]["depends_on"]
    assert {name: d["condition"] for name, d in depends.items()} == {
        "postgres": "service_healthy",
        "redis": "service_healthy",
    }
    probe = " ".join(services["app"]["healthcheck"]["test"])
    assert "/readyz" in probe  # ready means migrated and reachable, not only alive


def test_the_app_is_wired_to_postgres_and_redis() -> None:
    services = compose()["services"]
    env = services["app"]["environment"]
    pg = services["postgres"]["environment"]
    url = make_url(to_async_url(env["DATABASE_URL"]))
    assert (url.username, url.password) == (pg["POSTGRES_USER"], pg["POSTGRES_PASSWORD"])
    assert (url.host, url.port, url.database) == ("postgres", 5432, pg["POSTGRES_DB"])
    assert env["REDIS_URL"].startswith("redis://redis:6379")
    assert env["HOST"] == "0.0.0.0"
    assert env["ENVIRONMENT"] == "production"
    assert "pgvector" not in services["postgres"]["image"]  # nothing uses the extension


@given(st.text(alphabet="0123456789abcdefABCDEF", min_size=1, max_size=64))
def test_a_url_safe_password_reaches_the_app_intact(password: str) -> None:
    env = compose({"POSTGRES_PASSWORD": password, "JWT_SECRET": "x" * 48})
    url = make_url(to_async_url(env["services"]["app"]["environment"]["DATABASE_URL"]))
    assert url.password == password
    assert quote(password, safe="") == password


def test_every_setting_in_compose_is_documented() -> None:
    documented = {
        line.split("=", 1)[0].lstrip("# ").strip()
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line
    }
    assert set(RAW["services"]["app"]["environment"]) <= documented
