"""Every setting is listed in .env.example (the brief's rule, checked)."""

from __future__ import annotations

from pathlib import Path

from config.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_in_env_example() -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"{name.upper()}=" not in example]
    assert missing == []


def test_the_rate_limit_cors_and_host_settings_are_in_the_configuration_table() -> None:
    readme = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for name in (
        "RATE_LIMIT_ENABLED",
        "RATE_LIMIT_REQUESTS",
        "RATE_LIMIT_AGENT",
        "RATE_LIMIT_KEY_PREFIX",
        "TRUSTED_PROXIES",
        "TRUSTED_HOSTS",
        "CORS_ALLOW_ORIGINS",
        "CORS_ALLOW_CREDENTIALS",
        "CORS_ALLOW_METHODS",
    ):
        assert f"| `{name}`" in readme or f", `{name}`" in readme, name
