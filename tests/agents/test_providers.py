"""The provider factory: each provider's connector, or a ModelUnavailable saying what is missing."""

from __future__ import annotations

import importlib.util

import pytest
from pydantic import SecretStr

from agents.providers import build_chat_service
from config.settings import ModelProvider, Settings
from domain.assistant import ModelUnavailable


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


@pytest.mark.parametrize(
    ("values", "needs"),
    [
        ({"model_provider": ModelProvider.NONE}, "MODEL_PROVIDER"),
        ({"model_provider": ModelProvider.OPENAI}, "MODEL_API_KEY"),
        ({"model_provider": ModelProvider.OPENAI_COMPATIBLE}, "MODEL_BASE_URL"),
        ({"model_provider": ModelProvider.AZURE_OPENAI}, "AZURE_OPENAI_ENDPOINT"),
    ],
)
def test_a_provider_missing_settings_says_what_to_set(
    values: dict[str, object], needs: str
) -> None:
    with pytest.raises(ModelUnavailable, match=needs):
        build_chat_service(settings(**values))


def test_connectors_are_semantic_kernels_own() -> None:
    openai = build_chat_service(
        settings(
            model_provider="openai", model_api_key=SecretStr("sk-test"), model_name="gpt-4o-mini"
        )
    )
    assert type(openai).__name__ == "OpenAIChatCompletion"
    assert openai.ai_model_id == "gpt-4o-mini"
    compatible = build_chat_service(
        settings(
            model_provider="openai_compatible",
            model_base_url="http://127.0.0.1:9/v1",
            model_name="qwen",
        )
    )
    assert type(compatible).__name__ == "OpenAIChatCompletion"
    assert str(compatible.client.base_url) == "http://127.0.0.1:9/v1/"
    azure = build_chat_service(
        settings(
            model_provider="azure_openai",
            azure_openai_endpoint="https://example.openai.azure.com",
            azure_openai_deployment="gpt-4o",
            model_api_key=SecretStr("key"),
            azure_openai_api_version="2024-10-21",
        )
    )
    assert type(azure).__name__ == "AzureChatCompletion"
    assert type(build_chat_service(settings(model_provider="scripted"))).__name__ == (
        "DemoChatCompletion"
    )


def test_ollama_needs_its_extra_or_says_so() -> None:
    chosen = settings(model_provider="ollama", model_name="llama3.2")
    if importlib.util.find_spec("ollama") is None:
        with pytest.raises(ModelUnavailable, match=r"semantic-kernel\[ollama\]"):
            build_chat_service(chosen)
    else:
        assert type(build_chat_service(chosen)).__name__ == "OllamaChatCompletion"


def test_local_without_the_local_provider_says_so() -> None:
    if importlib.util.find_spec("agents.providers.local") is not None:
        pytest.skip("the local provider is installed; its own tests cover it")
    with pytest.raises(ModelUnavailable, match="local"):
        build_chat_service(settings(model_provider="local"))
