"""Where the signing key comes from, and the argon2 adapter."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from config.settings import Environment, Settings
from pagila_graph.app import create_app
from pagila_graph.security import Argon2PasswordHasher, signing_secret
from persistence.db import Database


def configured(tmp_path: Path, environment: Environment, secret: str | None = None) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment=environment,
        data_dir=tmp_path,
        jwt_secret=SecretStr(secret) if secret is not None else None,
    )


def test_development_creates_a_private_key_once_and_reuses_it(tmp_path: Path) -> None:
    settings = configured(tmp_path, Environment.DEVELOPMENT)
    first = signing_secret(settings)
    key_file = tmp_path / "jwt.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert signing_secret(settings) == first
    assert len(first) >= 32
    assert [p.name for p in tmp_path.iterdir()] == ["jwt.key"]  # no drafts left behind


def test_production_refuses_to_start_without_a_key(tmp_path: Path) -> None:
    settings = configured(tmp_path, Environment.PRODUCTION)
    with pytest.raises(RuntimeError, match="JWT_SECRET"):
        signing_secret(settings)
    with pytest.raises(RuntimeError, match="JWT_SECRET"):
        create_app(settings.model_copy(update={"database_url": "postgresql://x@127.0.0.1/x"}))
    assert not (tmp_path / "jwt.key").exists()


def test_a_short_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="at least 32 bytes"):
        signing_secret(configured(tmp_path, Environment.PRODUCTION, "too short"))
    key = "k" * 40
    assert signing_secret(configured(tmp_path, Environment.PRODUCTION, key)) == key.encode()


async def test_production_with_a_key_serves(settings: Settings, database: Database) -> None:
    production = settings.model_copy(
        update={"environment": Environment.PRODUCTION, "jwt_secret": SecretStr("s" * 48)}
    )
    app = create_app(production, database)
    transport = httpx.ASGITransport(app=app)
    # production trusts only localhost as Host by default
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as h:
        body = (await h.post("/graphql", json={"query": "{ me { userId } }"})).json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_argon2_adapter() -> None:
    hasher = Argon2PasswordHasher(time_cost=1, memory_kib=1024, parallelism=1)
    hashed = await hasher.hash("a long enough passphrase")
    assert hashed.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert await hasher.verify(hashed, "a long enough passphrase")
    assert not await hasher.verify(hashed, "a long enough passphrasE")
    assert not await hasher.verify("not a hash", "anything")
    assert not hasher.needs_rehash(hashed)
    assert hasher.needs_rehash("not a hash")
    stronger = Argon2PasswordHasher(time_cost=2, memory_kib=1024, parallelism=1)
    assert stronger.needs_rehash(hashed)
    await hasher.verify_dummy("whatever")  # costs a verification, answers nothing


def test_compose_takes_the_signing_key_from_the_environment() -> None:
    import yaml

    root = Path(__file__).resolve().parents[2]
    compose = yaml.safe_load((root / "docker-compose.yml").read_text())
    secret = compose["services"]["app"]["environment"]["JWT_SECRET"]
    assert secret.startswith("${JWT_SECRET:?")  # required, and never a literal in the file
