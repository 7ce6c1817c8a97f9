"""`MODEL_PROVIDER=scripted`: the demo model — a small rule-based "model" (`demo_policy`) behind a
real Semantic Kernel connector, to try the agents in GraphiQL or the web page with no language
model installed (decision 0146).

It implements `ChatCompletionClientBase` like any connector — streaming, and function calling
through SK's auto-invoke loop — so the agents run unchanged on it. It is no test double: its
rules are fixed (nothing can be injected), and it is documented for demos. The tests' own
scripted model, which replaces the rules with a test's policy, lives in `tests/agents/scripted.py`.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from semantic_kernel.connectors.ai.chat_completion_client_base import ChatCompletionClientBase
from semantic_kernel.connectors.ai.completion_usage import CompletionUsage
from semantic_kernel.connectors.ai.prompt_execution_settings import PromptExecutionSettings
from semantic_kernel.contents import (
    AuthorRole,
    ChatHistory,
    ChatMessageContent,
    FunctionCallContent,
    FunctionResultContent,
    StreamingChatMessageContent,
)
from typing_extensions import override

from agents.notes import CONTEXT_PREFIX
from agents.plugins.prompts import SUMMARY_PREFIX
from agents.router import looks_like_catalogue_question

FUNCTIONS_KEY = "scripted_functions"


@dataclass(frozen=True, slots=True)
class Say:
    text: str


@dataclass(frozen=True, slots=True)
class Call:
    function: str  # fully qualified: "FilmSearch-search_films"
    arguments: dict[str, Any] = field(default_factory=dict)
    #: the arguments as written, when not `arguments` as JSON (a model may write broken JSON)
    raw_arguments: str | None = None


Reply = Say | Call


@dataclass(frozen=True, slots=True)
class ScriptTurn:
    """What the policy sees of one request."""

    system: str
    messages: list[ChatMessageContent]
    functions: list[str]
    max_tokens: int | None

    def offers(self, function: str) -> bool:
        return function in self.functions

    @property
    def question(self) -> str:
        for message in reversed(self.messages):
            if message.role is AuthorRole.USER and not _is_context(message):
                return message.content or ""
        return ""

    @property
    def context_notes(self) -> list[str]:
        """Context messages the orchestration gave this agent (what another agent found)."""
        return [m.content or "" for m in self.messages if _is_context(m)]

    @property
    def tool_results(self) -> list[tuple[str, str]]:
        """(function, result) of the tool calls made since the last user message."""
        results: list[tuple[str, str]] = []
        for message in reversed(self.messages):
            if message.role is AuthorRole.USER:
                break
            for item in message.items:
                if isinstance(item, FunctionResultContent):
                    results.append((item.name or "", str(item.result)))
        return list(reversed(results))


def _is_context(message: ChatMessageContent) -> bool:
    return (message.content or "").startswith(CONTEXT_PREFIX)


def count_tokens(text: str) -> int:
    return len(text.split())


class DemoChatCompletion(ChatCompletionClientBase):
    """The demo model as an SK connector; `decide` is the model."""

    SUPPORTS_FUNCTION_CALLING: ClassVar[bool] = True

    def __init__(self, ai_model_id: str = "scripted") -> None:
        super().__init__(ai_model_id=ai_model_id, service_id="scripted")

    async def decide(self, turn: ScriptTurn) -> Reply:
        """The next reply: the demo's rules."""
        return demo_policy(turn)

    @override
    def _update_function_choice_settings_callback(self) -> Callable[..., None]:
        def remember(configuration: Any, settings: PromptExecutionSettings, _: Any) -> None:
            functions = configuration.available_functions or []
            settings.extension_data[FUNCTIONS_KEY] = [f.fully_qualified_name for f in functions]

        return remember

    async def _reply(self, history: ChatHistory, settings: PromptExecutionSettings) -> Reply:
        system = "\n".join(m.content or "" for m in history.messages if m.role is AuthorRole.SYSTEM)
        turn = ScriptTurn(
            system=system,
            messages=[m for m in history.messages if m.role is not AuthorRole.SYSTEM],
            functions=list(settings.extension_data.get(FUNCTIONS_KEY, [])),
            max_tokens=settings.extension_data.get("max_tokens"),
        )
        reply = await self.decide(turn)
        if not isinstance(reply, Say | Call):
            raise TypeError(f"a reply is Say or Call, not {type(reply).__name__}")
        return reply

    def _usage(self, history: ChatHistory, completion: str) -> CompletionUsage:
        prompt = sum(count_tokens(m.content or "") for m in history.messages)
        return CompletionUsage(prompt_tokens=prompt, completion_tokens=count_tokens(completion))

    @override
    async def _inner_get_chat_message_contents(
        self, chat_history: ChatHistory, settings: PromptExecutionSettings
    ) -> list[ChatMessageContent]:
        reply = await self._reply(chat_history, settings)
        if isinstance(reply, Say):
            return [
                ChatMessageContent(
                    role=AuthorRole.ASSISTANT,
                    content=reply.text,
                    ai_model_id=self.ai_model_id,
                    metadata={"usage": self._usage(chat_history, reply.text)},
                )
            ]
        return [
            ChatMessageContent(
                role=AuthorRole.ASSISTANT,
                items=[_call_content(reply)],
                ai_model_id=self.ai_model_id,
                metadata={"usage": self._usage(chat_history, "")},
            )
        ]

    @override
    async def _inner_get_streaming_chat_message_contents(
        self,
        chat_history: ChatHistory,
        settings: PromptExecutionSettings,
        function_invoke_attempt: int = 0,
    ) -> AsyncGenerator[list[StreamingChatMessageContent], Any]:
        reply = await self._reply(chat_history, settings)
        if isinstance(reply, Say):
            pieces = re.findall(r"\S+\s*", reply.text) or [""]
            max_tokens = settings.extension_data.get("max_tokens")
            if max_tokens:
                pieces = pieces[:max_tokens]
            for index, piece in enumerate(pieces):
                last = index == len(pieces) - 1
                yield [
                    StreamingChatMessageContent(
                        role=AuthorRole.ASSISTANT,
                        content=piece,
                        choice_index=0,
                        ai_model_id=self.ai_model_id,
                        function_invoke_attempt=function_invoke_attempt,
                        metadata={"usage": self._usage(chat_history, "".join(pieces))}
                        if last
                        else {},
                    )
                ]
                await asyncio.sleep(0)  # a real model yields between tokens too
            return
        yield [
            StreamingChatMessageContent(
                role=AuthorRole.ASSISTANT,
                items=[_call_content(reply)],
                choice_index=0,
                ai_model_id=self.ai_model_id,
                function_invoke_attempt=function_invoke_attempt,
            )
        ]
        # like OpenAI's `stream_options.include_usage`: usage in a chunk of its own
        yield [
            StreamingChatMessageContent(
                role=AuthorRole.ASSISTANT,
                items=[],
                choice_index=0,
                ai_model_id=self.ai_model_id,
                function_invoke_attempt=function_invoke_attempt,
                metadata={"usage": self._usage(chat_history, "")},
            )
        ]


def _call_content(reply: Call) -> FunctionCallContent:
    arguments = (
        reply.raw_arguments if reply.raw_arguments is not None else json.dumps(reply.arguments)
    )
    plugin, _, function = reply.function.partition("-")
    return FunctionCallContent(
        id=f"call_{uuid.uuid4().hex[:12]}",
        plugin_name=plugin,
        function_name=function,
        name=reply.function,
        arguments=arguments,
    )


# --- the demo "model" ---------------------------------------------------------------------

_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "any",
        "anything",
        "something",
        "with",
        "about",
        "under",
        "below",
        "over",
        "above",
        "less",
        "more",
        "than",
        "for",
        "to",
        "of",
        "in",
        "on",
        "at",
        "is",
        "are",
        "there",
        "do",
        "does",
        "you",
        "have",
        "has",
        "film",
        "films",
        "movie",
        "movies",
        "show",
        "me",
        "find",
        "what",
        "which",
        "who",
        "whats",
        "good",
        "some",
        "please",
        "i",
        "want",
        "like",
        "and",
        "or",
        "by",
        "dvd",
        "dvds",
        "rent",
        "rental",
        "cheap",
        "store",
        "stock",
        "available",
        "copies",
        "copy",
        "price",
        "priced",
        "costs",
        "cost",
        "dollar",
        "dollars",
        "minutes",
        "long",
        "short",
        "rated",
        "rating",
        "get",
        "can",
        "could",
        "would",
        "your",
        "it",
        "its",
        "that",
        "this",
        "one",
    ]
)
_PRICE = re.compile(r"(?:under|below|less than|cheaper than)\s*\$?\s*(\d+(?:\.\d+)?)", re.I)
_STORE = re.compile(r"store\s*(\d+)", re.I)
_RATING = re.compile(r"\b(NC-17|PG-13|PG|G|R)\b")
_TITLE = re.compile(r"\b[A-Z]{2,}(?:\s+[A-Z]{2,})+\b")


def search_arguments(question: str) -> dict[str, Any]:
    """What a model would pass to `search_films` for a plain-words question."""
    arguments: dict[str, Any] = {}
    if price := _PRICE.search(question):
        arguments["max_price"] = float(price.group(1))
    if rating := _RATING.search(question):
        arguments["rating"] = rating.group(1)
    if title := _TITLE.search(question):
        arguments["title"] = title.group(0)
        return arguments
    rest = _PRICE.sub(" ", question)
    words = [
        w
        for w in re.findall(r"[A-Za-z]+", rest)
        if w.lower() not in _STOPWORDS and len(w) > 2 and w not in ("PG", "NC")
    ]
    if words:
        arguments["query"] = " ".join(words[:4])
    return arguments


def _films_of(result: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(result)
    except ValueError:
        return []
    films = data.get("films") if isinstance(data, dict) else None
    return [f for f in films or [] if isinstance(f, dict)]


def _summary(question: str) -> Say:
    facts = json.loads(question.split("Film facts:", 1)[1])
    rate = float(facts.get("rental_rate") or 0)
    recommended = facts.get("rating") in ("R", "NC-17") and rate < 3.0
    return Say(
        json.dumps({"title": facts["title"], "rating": facts["rating"], "recommended": recommended})
    )


def demo_policy(turn: ScriptTurn) -> Reply:  # noqa: PLR0911 (one rule per case)
    question = turn.question
    if question.startswith(SUMMARY_PREFIX):
        return _summary(question)
    if turn.offers("FilmSearch-search_films"):
        results = turn.tool_results
        if not results:
            store = _STORE.search(question)
            arguments = search_arguments(question)
            if store and "title" in arguments:
                arguments["in_stock_at_store"] = int(store.group(1))
            return Call("FilmSearch-search_films", arguments)
        films = _films_of(results[-1][1])
        if not films:
            return Call("Handoff-transfer_to_LLMAgent")
        store = _STORE.search(question)
        shelf = [f.get("in_stock") for f in films]
        if store and all(isinstance(s, dict) and not any(s.values()) for s in shelf):
            titles = ", ".join(str(f["title"]) for f in films[:5])
            return Say(f"No copy in stock at store {store.group(1)} right now: {titles}.")
        listed = ", ".join(
            f"{f['title']} ({f.get('rating') or 'unrated'}, ${f.get('rental_rate')})"
            for f in films[:5]
        )
        where = f"In stock at store {store.group(1)}" if store else "From our catalogue"
        return Say(f"{where}: {listed}.")
    if (
        not turn.context_notes
        and not turn.tool_results  # a transfer refused: answer
        and turn.offers("Handoff-transfer_to_SearchAgent")
        and looks_like_catalogue_question(question)
    ):
        return Call("Handoff-transfer_to_SearchAgent")
    if turn.context_notes:
        # the customer has been told there is no match (the orchestration said so)
        return Say("Try other words, a category or an actor's name.")
    return Say(
        "I am the store's assistant: I can search our DVD catalogue by title, topic, category, "
        "actor, rating, price or length, and tell you which store has a copy."
    )
