"""`MODEL_PROVIDER=local` through the provider factory, with and without the `local` extra."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from agents.providers import build_chat_service
from agents.providers.local import LocalChatCompletion, LocalPromptExecutionSettings
from config.settings import ModelProvider, Settings
from domain.assistant import ModelUnavailable
from tests.local_model.conftest import needs_local_model


def local_settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, model_provider=ModelProvider.LOCAL, data_dir=tmp_path)  # type: ignore[call-arg]


def test_without_the_extra_the_provider_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name == "xllamacpp" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with pytest.raises(ModelUnavailable, match=r"xllamacpp[^)]*missing.*pagila-graph\[local\]"):
        build_chat_service(local_settings(tmp_path))


@needs_local_model
def test_with_the_extra_the_factory_builds_the_connector_without_loading(tmp_path: Path) -> None:
    service = build_chat_service(local_settings(tmp_path))
    assert isinstance(service, LocalChatCompletion)
    assert service.get_prompt_execution_settings_class() is LocalPromptExecutionSettings
    assert not any(tmp_path.iterdir())  # nothing assembled or loaded until the first question


def hide_the_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name == "xllamacpp" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_the_default_provider_is_auto(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MODEL_PROVIDER", raising=False)
    assert Settings(_env_file=None).model_provider is ModelProvider.AUTO  # type: ignore[call-arg]


def test_auto_without_the_extra_says_how_to_get_a_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hide_the_runtime(monkeypatch)
    auto = Settings(_env_file=None, model_provider=ModelProvider.AUTO, data_dir=tmp_path)  # type: ignore[call-arg]
    with pytest.raises(ModelUnavailable) as refused:
        build_chat_service(auto)
    message = refused.value.message
    assert "xllamacpp" in message
    assert "pip install 'pagila-graph[local]'" in message
    assert "MODEL_PROVIDER" in message


def test_none_stays_available_explicitly(tmp_path: Path) -> None:
    none = Settings(_env_file=None, model_provider=ModelProvider.NONE, data_dir=tmp_path)  # type: ignore[call-arg]
    with pytest.raises(ModelUnavailable, match="MODEL_PROVIDER"):
        build_chat_service(none)


@needs_local_model
def test_auto_with_the_extra_is_the_local_model(tmp_path: Path) -> None:
    auto = Settings(_env_file=None, model_provider=ModelProvider.AUTO, data_dir=tmp_path)  # type: ignore[call-arg]
    assert isinstance(build_chat_service(auto), LocalChatCompletion)
    assert not any(tmp_path.iterdir())
