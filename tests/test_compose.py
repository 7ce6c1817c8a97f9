"""No Docker engine runs here, so check the compose file's shape and wiring instead."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def test_services_exist_with_the_right_images() -> None:
    services = _compose()["services"]
    assert set(services) >= {"postgres", "redis", "app"}
    assert "pgvector" in services["postgres"]["image"]
    assert services["redis"]["image"].startswith("redis")
    assert services["app"]["build"]["dockerfile"] == "Dockerfile"
    assert (ROOT / "Dockerfile").exists()


def test_app_is_wired_to_postgres_and_redis() -> None:
    services = _compose()["services"]
    env = services["app"]["environment"]
    pg_env = services["postgres"]["environment"]
    url = env["DATABASE_URL"]
    assert f"@postgres:5432/{pg_env['POSTGRES_DB']}" in url
    assert url.startswith(f"postgresql://{pg_env['POSTGRES_USER']}:{pg_env['POSTGRES_PASSWORD']}@")
    assert env["REDIS_URL"].startswith("redis://redis:6379")
    assert env["HOST"] == "0.0.0.0"
    assert env["ENVIRONMENT"] == "production"
    depends = services["app"]["depends_on"]
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["redis"]["condition"] == "service_healthy"
    assert any(p.endswith(":8000") for p in services["app"]["ports"])
    assert "healthcheck" in services["postgres"] and "healthcheck" in services["redis"]


def test_every_setting_in_compose_is_documented() -> None:
    documented = {
        line.split("=", 1)[0].lstrip("# ").strip()
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line
    }
    assert set(_compose()["services"]["app"]["environment"]) <= documented
