"""The local provider on the real model: streaming, usage, constrained function calls that SK
executes, cancellation, and SK's own OpenAI connector over the engine's loopback HTTP endpoint.

Few and short (small max_tokens): the whole file runs in seconds once the model is loaded.
No assertion on wording: a 0.5B model's phrasing is not a contract.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Annotated, Any

import httpx
import pytest
from openai import AsyncOpenAI
from semantic_kernel import Kernel
from semantic_kernel.connectors.ai.function_choice_behavior import FunctionChoiceBehavior
from semantic_kernel.connectors.ai.open_ai import (
    OpenAIChatCompletion,
    OpenAIChatPromptExecutionSettings,
)
from semantic_kernel.contents import (
    ChatHistory,
    FunctionCallContent,
    FunctionResultContent,
    StreamingChatMessageContent,
)
from semantic_kernel.functions import kernel_function

from agents.local.choice import PHRASE_PATTERN
from agents.local.engine import LocalEngine
from agents.providers import build_chat_service
from agents.providers.local import (
    MODEL_ID,
    LocalChatCompletion,
    LocalPromptExecutionSettings,
    prepare_local_model,
)
from config.settings import Settings
from tests.local_model.conftest import needs_local_model

pytestmark = [pytest.mark.local_model, needs_local_model]


@pytest.fixture(scope="session")
async def engine(local_settings: Settings) -> LocalEngine:
    return await prepare_local_model(local_settings)


@pytest.fixture(scope="session")
def service(local_settings: Settings, engine: LocalEngine) -> LocalChatCompletion:
    chosen = build_chat_service(local_settings.model_copy(update={"model_provider": "local"}))
    assert isinstance(chosen, LocalChatCompletion)
    return chosen


def history(question: str, system: str = "You are a helpful assistant.") -> ChatHistory:
    chat = ChatHistory(system_message=system)
    chat.add_user_message(question)
    return chat


async def test_an_answer_streams_in_chunks_with_usage(service: LocalChatCompletion) -> None:
    settings = LocalPromptExecutionSettings(max_tokens=16)
    chunks: list[StreamingChatMessageContent] = []
    async for batch in service.get_streaming_chat_message_contents(
        history("Count from one to twenty in words."), settings
    ):
        chunks.extend(batch)
    texts = [c.content for c in chunks if c.content]
    assert len(texts) > 1  # token by token, not one block
    assert {(c.ai_model_id, c.choice_index) for c in chunks} == {(MODEL_ID, 0)}
    usages = [c.metadata["usage"] for c in chunks if c.metadata.get("usage")]
    assert len(usages) == 1  # once per reply, in a chunk of its own (like OpenAI's)
    assert usages[0].prompt_tokens > 0
    assert 1 <= usages[0].completion_tokens <= 16
    whole = chunks[0]
    for chunk in chunks[1:]:
        whole = whole + chunk  # SK merges them (consistent ids and choice index)
    assert whole.content == "".join(texts)


async def test_usage_counts_the_prompt_and_the_reply(service: LocalChatCompletion) -> None:
    settings = LocalPromptExecutionSettings(max_tokens=8)
    short = await service.get_chat_message_content(history("Say yes."), settings)
    longer = await service.get_chat_message_content(
        history("Say yes. " + "This sentence only makes the prompt longer. " * 5), settings
    )
    assert short is not None and longer is not None
    short_usage, longer_usage = short.metadata["usage"], longer.metadata["usage"]
    assert 0 < short_usage.prompt_tokens < longer_usage.prompt_tokens
    assert 1 <= short_usage.completion_tokens <= 8
    assert short.content


class Shelf:
    """A tiny catalogue of made-up films: the model cannot know them without the tool."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    @kernel_function(name="lookup", description="Facts about one film of the shop, by title.")
    def lookup(self, title: Annotated[str, "The film title, e.g. ZEBRA ORBIT"]) -> str:
        self.calls.append(title)
        return json.dumps({"title": "ZEBRA ORBIT", "length_minutes": 117, "price": "2.99"})


async def test_a_constrained_call_becomes_function_call_content_that_sk_executes(
    service: LocalChatCompletion,
) -> None:
    shelf = Shelf()
    kernel = Kernel()
    kernel.add_service(service)
    kernel.add_plugin(shelf, "Shelf")
    chat = history(
        "How long is the film ZEBRA ORBIT?",
        "You are the film shop's assistant. Look films up with the tool, then answer.",
    )
    settings = LocalPromptExecutionSettings(
        max_tokens=120, function_choice_behavior=FunctionChoiceBehavior.Auto()
    )
    answer = await service.get_chat_message_content(chat, settings, kernel=kernel)
    assert shelf.calls, "the model did not call the tool"
    assert all(re.fullmatch(PHRASE_PATTERN, title) for title in shelf.calls)
    calls = [i for m in chat.messages for i in m.items if isinstance(i, FunctionCallContent)]
    results = [i for m in chat.messages for i in m.items if isinstance(i, FunctionResultContent)]
    assert calls[0].plugin_name == "Shelf" and calls[0].function_name == "lookup"
    assert calls[0].parse_arguments() == {"title": shelf.calls[0]}
    assert [r.id for r in results] == [c.id for c in calls]
    assert answer is not None and answer.content  # and then it answered in words


async def test_a_required_call_is_returned_unexecuted_with_valid_arguments(
    service: LocalChatCompletion,
) -> None:
    shelf = Shelf()
    kernel = Kernel()
    kernel.add_plugin(shelf, "Shelf")
    settings = LocalPromptExecutionSettings(
        max_tokens=60,
        function_choice_behavior=FunctionChoiceBehavior.Required(auto_invoke=False),
    )
    chunks: list[StreamingChatMessageContent] = []
    async for batch in service.get_streaming_chat_message_contents(
        history("Tell me about ZEBRA ORBIT."), settings, kernel=kernel
    ):
        chunks.extend(batch)
    calls = [i for c in chunks for i in c.items if isinstance(i, FunctionCallContent)]
    assert len(calls) == 1 and calls[0].name == "Shelf-lookup"
    arguments = calls[0].parse_arguments() or {}
    assert set(arguments) == {"title"} and re.fullmatch(PHRASE_PATTERN, arguments["title"])
    assert shelf.calls == []  # auto_invoke=False: SK returned the call without running it
    usage = [c.metadata["usage"] for c in chunks if c.metadata.get("usage")]
    assert len(usage) == 1 and usage[0].completion_tokens <= 60


async def slots_busy(engine: LocalEngine) -> bool:
    async with httpx.AsyncClient() as client:
        response = await client.get(
            engine.base_url.removesuffix("/v1") + "/slots",
            headers={"Authorization": f"Bearer {engine.api_key}"},
        )
    response.raise_for_status()
    return any(slot["is_processing"] for slot in response.json())


async def test_closing_the_stream_stops_the_model(
    service: LocalChatCompletion, engine: LocalEngine
) -> None:
    settings = LocalPromptExecutionSettings(max_tokens=400)
    stream = service.get_streaming_chat_message_contents(
        history("Write a very long story about a lighthouse."), settings
    )
    async for batch in stream:
        if any(c.content for c in batch):
            break
    assert await slots_busy(engine)  # still generating its 400 tokens...
    await stream.aclose()
    async with asyncio.timeout(120):  # ...until the caller went away (a hang guard, not a timing)
        while await slots_busy(engine):  # noqa: ASYNC110 (the state lives in llama.cpp)
            await asyncio.sleep(0.05)


def openai_connector(engine: LocalEngine, api_key: str | None = None) -> OpenAIChatCompletion:
    client = AsyncOpenAI(base_url=engine.base_url, api_key=api_key or engine.api_key)
    return OpenAIChatCompletion(ai_model_id=MODEL_ID, async_client=client)


async def test_sks_openai_connector_talks_to_the_same_model_over_loopback_http(
    engine: LocalEngine,
) -> None:
    assert engine.base_url.startswith("http://127.0.0.1:")
    connector = openai_connector(engine)
    settings = OpenAIChatPromptExecutionSettings(max_tokens=12)
    reply = await connector.get_chat_message_content(history("Say hello."), settings)
    assert reply is not None and reply.content
    assert 1 <= reply.metadata["usage"].completion_tokens <= 12

    pieces: list[str] = []
    usage: list[Any] = []
    async for batch in connector.get_streaming_chat_message_contents(
        history("Count from one to ten in words."), settings
    ):
        for chunk in batch:
            pieces.extend([chunk.content] if chunk.content else [])
            usage.extend([chunk.metadata["usage"]] if chunk.metadata.get("usage") else [])
    assert len(pieces) > 1
    assert usage and 1 <= usage[-1].completion_tokens <= 12


async def test_the_loopback_endpoint_needs_the_process_api_key(engine: LocalEngine) -> None:
    from openai import AuthenticationError

    with pytest.raises(Exception) as refused:
        await openai_connector(engine, api_key="wrong").get_chat_message_content(
            history("Say hello."), OpenAIChatPromptExecutionSettings(max_tokens=4)
        )
    chain = [refused.value, refused.value.__cause__, refused.value.__context__]
    assert any(isinstance(e, AuthenticationError) for e in chain)
