"""`MODEL_PROVIDER=local`: a Semantic Kernel chat-completion connector over the in-process model.

Entry points (for the provider factory, `agents.providers.build_chat_service`):

* `build_local_chat_service(settings) -> LocalChatCompletion` — synchronous and cheap: it only
  checks that the `local` extra is installed (`ModelUnavailable` saying what to install
  otherwise). The model file is assembled/verified and the engine loaded on the first request,
  off the event loop, once per process (`agents.local.engine`).
* `LocalChatCompletion.from_settings(settings)` — the same, as a constructor.
* `prepare_local_model(settings, console)` — does the first-start work up front (assembly and
  verification with a Rich progress bar, then loading), e.g. from `pagila-graph serve`.

The connector is a real `ChatCompletionClientBase`: streaming (`StreamingChatMessageContent`
chunks sharing `ai_model_id` and `choice_index` 0), token usage as SK's OpenAI connector
reports it (`metadata["usage"]`, a `CompletionUsage`, in a chunk of its own when streaming),
and function calling: when a function choice behaviour offers the kernel's functions, the model
fills a JSON-schema-constrained choice (`agents.local.choice`) that becomes SK
`FunctionCallContent` (`FilmSearch-search_films`), which SK's auto-invocation loop executes.
An answer chosen as `respond` streams token by token out of the constrained JSON.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import re
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Self

from semantic_kernel.connectors.ai.chat_completion_client_base import ChatCompletionClientBase
from semantic_kernel.connectors.ai.completion_usage import CompletionUsage
from semantic_kernel.connectors.ai.function_choice_type import FunctionChoiceType
from semantic_kernel.connectors.ai.prompt_execution_settings import PromptExecutionSettings
from semantic_kernel.contents import (
    AuthorRole,
    ChatHistory,
    ChatMessageContent,
    FunctionCallContent,
    FunctionResultContent,
    StreamingChatMessageContent,
)
from semantic_kernel.functions import KernelFunctionMetadata
from typing_extensions import override

from agents.handoff_names import COMPLETE_TASK_FUNCTION, HANDOFF_PLUGIN_NAME
from agents.local.choice import (
    DEFAULT_EXAMPLES,
    AnswerStream,
    Choice,
    Example,
    InvalidStep,
    call_content,
    examples_from,
    id_parameters,
    parse_step,
    step_json,
)
from agents.local.engine import (
    EngineConfig,
    LocalEngine,
    default_threads,
    load_engine,
    loaded_engine,
)
from agents.local.model_file import QWEN_CODER_05B, ensure_model_file, rich_progress
from agents.notes import ARGUMENT_SCHEMAS_KEY, CONTEXT_PREFIX, FUNCTION_EXAMPLES_KEY
from config.logging import get_logger
from domain.assistant import ModelUnavailable

if TYPE_CHECKING:
    from rich.console import Console

    from config.settings import Settings

log = get_logger(__name__)

MODEL_ID = QWEN_CODER_05B.name
FUNCTIONS_KEY = "local_offered_functions"
CHOICE_TYPE_KEY = "local_choice_type"
INSTALL_HINT = "pip install 'pagila-graph[local]'"
HANDOFF_PLUGIN = HANDOFF_PLUGIN_NAME
MAX_KNOWN_IDS = 20
_JSON_OBJECT = re.compile(r"\{[^{}]*\}")


class LocalPromptExecutionSettings(PromptExecutionSettings):
    """Sampling settings of the local model (OpenAI names, llama.cpp semantics)."""

    max_tokens: int | None = None
    temperature: float | None = 0.2
    top_p: float | None = None
    seed: int | None = None
    stop: list[str] | None = None
    #: OpenAI's shape: {"type": "json_schema", "json_schema": {"schema": {...}, ...}} makes the
    #: reply JSON of that schema (a grammar), e.g. the film summary
    response_format: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class LocalOptions:
    """How requests are shaped for a small model (docs/decisions/0061)."""

    #: longest answer written inside a `respond` step, in characters (≈ 4 per token)
    answer_max_chars: int = 320
    #: max_tokens of a constrained step (a call or a short answer), whatever the caller asks
    step_max_tokens: int = 256
    #: tool rounds since the customer's last message after which only words are offered
    max_tool_rounds: int = 2
    #: tool results are cut to this many characters before the model reads them
    tool_result_chars: int = 1200
    #: functions never offered: a plain answer already ends a handoff run, and a 0.5B model
    #: calling complete_task instead of answering would leave the customer without one; the
    #: general-answer prompt function costs a second model call for what `respond` does
    hidden_functions: frozenset[str] = frozenset({COMPLETE_TASK_FUNCTION, "Writer-general_answer"})
    #: whether the model may choose a handoff itself. Off: the router picks the first agent
    #: and a search that finds nothing hands off deterministically (agents/orchestration.py);
    #: measured, a 0.5B model hands off after good searches and ping-pongs (0061)
    model_handoffs: bool = False
    examples: Mapping[str, Sequence[Example]] = field(default_factory=lambda: DEFAULT_EXAMPLES)
    #: greedy decoding for constrained steps: the choice should not be a dice roll
    step_temperature: float = 0.0
    repeat_penalty: float = 1.1


EngineSource = Callable[[], Awaitable[LocalEngine]]


@dataclass(slots=True)
class _Text:
    text: str


@dataclass(slots=True)
class _Call:
    call: FunctionCallContent


@dataclass(slots=True)
class _Done:
    usage: CompletionUsage
    finish_reason: str | None
    response_id: str | None


_Event = _Text | _Call | _Done


class LocalChatCompletion(ChatCompletionClientBase):
    """Semantic Kernel chat completion over the in-process llama.cpp engine."""

    SUPPORTS_FUNCTION_CALLING: ClassVar[bool] = True

    engine_source: Any = None
    options: Any = None

    def __init__(
        self,
        engine_source: EngineSource,
        *,
        ai_model_id: str = MODEL_ID,
        service_id: str | None = None,
        options: LocalOptions | None = None,
    ) -> None:
        super().__init__(ai_model_id=ai_model_id, service_id=service_id or "local")
        self.engine_source = engine_source
        self.options = options or LocalOptions()

    @classmethod
    def from_settings(cls, settings: Settings, options: LocalOptions | None = None) -> Self:
        require_local_extra()
        return cls(_EngineLoader(settings), options=options)

    # --- SK hooks ---------------------------------------------------------------------------

    @override
    def get_prompt_execution_settings_class(self) -> type[PromptExecutionSettings]:
        return LocalPromptExecutionSettings

    @override
    def _update_function_choice_settings_callback(
        self,
    ) -> Callable[[Any, PromptExecutionSettings, FunctionChoiceType], None]:
        def remember(
            configuration: Any, settings: PromptExecutionSettings, choice: FunctionChoiceType
        ) -> None:
            settings.extension_data[FUNCTIONS_KEY] = list(configuration.available_functions or [])
            settings.extension_data[CHOICE_TYPE_KEY] = choice

        return remember

    @override
    def _reset_function_choice_settings(self, settings: PromptExecutionSettings) -> None:
        settings.extension_data.pop(FUNCTIONS_KEY, None)
        settings.extension_data.pop(CHOICE_TYPE_KEY, None)

    @override
    async def _inner_get_chat_message_contents(
        self, chat_history: ChatHistory, settings: PromptExecutionSettings
    ) -> list[ChatMessageContent]:
        text: list[str] = []
        calls: list[FunctionCallContent] = []
        metadata: dict[str, Any] = {}
        finish: str | None = None
        async for event in self._generate(chat_history, settings):
            if isinstance(event, _Text):
                text.append(event.text)
            elif isinstance(event, _Call):
                calls.append(event.call)
            else:
                metadata = {"id": event.response_id, "usage": event.usage}
                finish = event.finish_reason
        message = ChatMessageContent(
            role=AuthorRole.ASSISTANT,
            items=list(calls),
            content="".join(text) if text else None,
            ai_model_id=self.ai_model_id,
            metadata=metadata,
            finish_reason=_finish_reason(finish, bool(calls)),
        )
        return [message]

    @override
    async def _inner_get_streaming_chat_message_contents(
        self,
        chat_history: ChatHistory,
        settings: PromptExecutionSettings,
        function_invoke_attempt: int = 0,
    ) -> AsyncGenerator[list[StreamingChatMessageContent], Any]:
        def chunk(**values: Any) -> list[StreamingChatMessageContent]:
            return [
                StreamingChatMessageContent(
                    role=AuthorRole.ASSISTANT,
                    choice_index=0,
                    ai_model_id=self.ai_model_id,
                    function_invoke_attempt=function_invoke_attempt,
                    **values,
                )
            ]

        called = False
        async for event in self._generate(chat_history, settings):
            if isinstance(event, _Text):
                yield chunk(content=event.text)
            elif isinstance(event, _Call):
                called = True
                yield chunk(items=[event.call])
            else:
                # like OpenAI's `stream_options.include_usage`: usage in a chunk of its own
                yield chunk(
                    items=[],
                    metadata={"id": event.response_id, "usage": event.usage},
                    finish_reason=_finish_reason(event.finish_reason, called),
                )

    # --- requests ---------------------------------------------------------------------------

    async def _generate(
        self, history: ChatHistory, settings: PromptExecutionSettings
    ) -> AsyncIterator[_Event]:
        local = (
            settings
            if isinstance(settings, LocalPromptExecutionSettings)
            else LocalPromptExecutionSettings.model_validate(settings.prepare_settings_dict())
        )
        choice = self._choice(history, settings)
        engine = await self.engine_source()
        if choice is None:
            async for event in self._free_text(engine, history, local):
                yield event
        else:
            async for event in self._step(engine, history, local, choice):
                yield event

    def _choice(self, history: ChatHistory, settings: PromptExecutionSettings) -> Choice | None:
        """What the model may do next; None when no function choice is configured (then it
        writes free text). Rules for a small model (docs/decisions/0061):

        * each function at most once per turn, and none after `max_tool_rounds` results;
        * an id argument only takes ids found in this turn's tool results (a function needing
          one is not offered before there are any);
        * an agent that was handed the question is not offered a handoff back, and no handoff
          is offered at all unless `model_handoffs`;
        * arguments only take the values the orchestration allows (`ARGUMENT_SCHEMAS_KEY` in
          the settings: what the question states, agents.grounding);
        * otherwise, or when nothing is left, it answers (`respond`), still as constrained JSON,
          so its answer never turns into a function call written as text.
        """
        options: LocalOptions = self.options
        choice_type = settings.extension_data.get(CHOICE_TYPE_KEY)
        listed: list[KernelFunctionMetadata] = list(
            settings.extension_data.get(FUNCTIONS_KEY) or []
        )
        if not listed or choice_type == FunctionChoiceType.NONE:
            return None
        offered = [
            f
            for f in listed
            if f.fully_qualified_name not in options.hidden_functions
            and (options.model_handoffs or f.plugin_name != HANDOFF_PLUGIN)
        ]
        turn = Turn.of(history)
        functions: list[KernelFunctionMetadata] = []
        if turn.tool_rounds < options.max_tool_rounds:
            for function in offered:
                if function.fully_qualified_name in turn.called:
                    continue
                if turn.handed_over and function.plugin_name == HANDOFF_PLUGIN:
                    continue
                if id_parameters(function) and not turn.ids:
                    continue
                functions.append(function)
        return Choice(
            functions=tuple(functions),
            allow_respond=choice_type != FunctionChoiceType.REQUIRED or not functions,
            answer_max_chars=options.answer_max_chars,
            examples=examples_from(
                settings.extension_data.get(FUNCTION_EXAMPLES_KEY), options.examples
            ),
            known_ids=turn.ids,
            constraints=settings.extension_data.get(ARGUMENT_SCHEMAS_KEY),
        )

    def _request(
        self,
        history: ChatHistory,
        settings: LocalPromptExecutionSettings,
        menu: str = "",
    ) -> dict[str, Any]:
        options: LocalOptions = self.options
        request: dict[str, Any] = {
            "messages": render_messages(history, menu, options.tool_result_chars),
            "repeat_penalty": options.repeat_penalty,
        }
        for key in ("max_tokens", "temperature", "top_p", "seed", "stop"):
            value = getattr(settings, key)
            if value is not None:
                request[key] = value
        return request

    async def _free_text(
        self, engine: LocalEngine, history: ChatHistory, settings: LocalPromptExecutionSettings
    ) -> AsyncIterator[_Event]:
        request = self._request(history, settings)
        schema = ((settings.response_format or {}).get("json_schema") or {}).get("schema")
        if isinstance(schema, dict):
            import xllamacpp

            request["grammar"] = str(xllamacpp.json_schema_to_grammar(json.dumps(schema)))
            request["temperature"] = self.options.step_temperature
        usage: dict[str, Any] = {}
        finish: str | None = None
        response_id: str | None = None
        async for chunk in engine.stream(request):
            response_id = chunk.get("id", response_id)
            for choice in chunk.get("choices") or []:
                content = (choice.get("delta") or {}).get("content")
                if content:
                    yield _Text(content)
                finish = choice.get("finish_reason") or finish
            usage = chunk.get("usage") or usage
        yield _Done(_usage(usage), finish, response_id)

    async def _step(
        self,
        engine: LocalEngine,
        history: ChatHistory,
        settings: LocalPromptExecutionSettings,
        choice: Choice,
    ) -> AsyncIterator[_Event]:
        options: LocalOptions = self.options
        request = self._request(history, settings, choice.menu())
        request["grammar"] = _grammar(choice)
        request["temperature"] = options.step_temperature
        wanted = settings.max_tokens or options.step_max_tokens
        request["max_tokens"] = min(wanted, options.step_max_tokens)
        answer = AnswerStream()
        usage: dict[str, Any] = {}
        finish: str | None = None
        response_id: str | None = None
        started = time.perf_counter()
        async for chunk in engine.stream(request):
            response_id = chunk.get("id", response_id)
            for item in chunk.get("choices") or []:
                content = (item.get("delta") or {}).get("content")
                if content:
                    text = answer.feed(content)
                    if text:
                        yield _Text(text)
                finish = item.get("finish_reason") or finish
            usage = chunk.get("usage") or usage
        try:
            step = parse_step(answer.raw, choice.names)
        except InvalidStep as exc:
            log.warning("local_model.invalid_step", reason=str(exc), finish=finish)
            if not answer.started:
                # Cut off inside a call: say so in words rather than call with half arguments.
                yield _Text("Sorry, I could not work that out; please rephrase the question.")
        else:
            if not step.is_answer:
                yield _Call(call_content(step))
            log.debug(
                "local_model.step",
                function=step.function,
                raw=answer.raw,
                ms=round((time.perf_counter() - started) * 1000),
            )
        yield _Done(_usage(usage), finish, response_id)


def _finish_reason(reason: str | None, called: bool) -> Any:
    from semantic_kernel.contents.utils.finish_reason import FinishReason

    if called:
        return FinishReason.TOOL_CALLS
    try:
        return FinishReason(reason) if reason else None
    except ValueError:
        return None


def _usage(usage: Mapping[str, Any]) -> CompletionUsage:
    return CompletionUsage(
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        completion_tokens=int(usage.get("completion_tokens") or 0),
    )


_grammars: dict[str, str] = {}


def _grammar(choice: Choice) -> str:
    """The llama.cpp grammar of a choice (cached: the same agents offer the same functions)."""
    import xllamacpp

    schema = json.dumps(choice.schema())  # key order matters: "function" comes first
    grammar = _grammars.get(schema)
    if grammar is None:
        grammar = str(xllamacpp.json_schema_to_grammar(schema))
        if len(_grammars) < 256:
            _grammars[schema] = grammar
    return grammar


def _is_tool_result(message: ChatMessageContent) -> bool:
    return any(isinstance(i, FunctionResultContent) for i in message.items)


@dataclass(frozen=True, slots=True)
class Turn:
    """What happened since the last message the customer (or the orchestration) wrote."""

    tool_rounds: int
    called: frozenset[str]
    ids: tuple[int, ...]
    handed_over: bool
    #: the customer's last message (not a context note)
    question: str = ""

    @classmethod
    def of(cls, history: ChatHistory) -> Turn:
        rounds = 0
        called: set[str] = set()
        ids: list[int] = []
        for message in reversed(history.messages):
            if _is_tool_result(message):
                rounds += 1
                for item in message.items:
                    if isinstance(item, FunctionResultContent):
                        ids.extend(i for i in _ids_in(str(item.result)) if i not in ids)
                continue
            if message.role is AuthorRole.USER:
                break
            called.update(i.name or "" for i in message.items if isinstance(i, FunctionCallContent))
        handed_over = any(
            m.role is AuthorRole.USER and (m.content or "").startswith(CONTEXT_PREFIX)
            for m in history.messages
        )
        question = next(
            (
                m.content or ""
                for m in reversed(history.messages)
                if m.role is AuthorRole.USER
                and not (m.content or "").startswith(CONTEXT_PREFIX)
                and not _is_tool_result(m)
            ),
            "",
        )
        return cls(rounds, frozenset(called), tuple(ids[:MAX_KNOWN_IDS]), handed_over, question)


def _ids_in(result: str) -> list[int]:
    """Integer values of `id` / `*_id` keys anywhere in a JSON tool result."""
    try:
        data = json.loads(result)
    except ValueError:
        return []
    found: list[int] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if (key == "id" or key.endswith("_id")) and type(item) is int:
                    found.append(item)
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(data)
    return found


def _compact(result: str) -> str:
    """A JSON tool result without spaces and nulls (fewer tokens to read); others unchanged."""
    try:
        data = json.loads(result)
    except ValueError:
        return result

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if v is not None}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return json.dumps(strip(data), separators=(",", ":"), ensure_ascii=False)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + " …(cut)"


def render_messages(
    history: ChatHistory, menu: str = "", tool_result_chars: int = 1200
) -> list[dict[str, str]]:
    """The chat history as plain chat messages for the model's own template: system prompts
    merged (plus the step menu), function calls written as the JSON steps the model produces,
    tool results as user-side `Tool result (...)` messages."""
    system: list[str] = []
    messages: list[dict[str, str]] = []
    for message in history.messages:
        if message.role in (AuthorRole.SYSTEM, AuthorRole.DEVELOPER):
            if message.content:
                system.append(message.content)
            continue
        results = [i for i in message.items if isinstance(i, FunctionResultContent)]
        if results:
            for result in results:
                messages.append(
                    {
                        "role": "user",
                        "content": f"Tool result ({result.name}): "
                        + _cut(_compact(str(result.result)), tool_result_chars),
                    }
                )
            continue
        calls = [i for i in message.items if isinstance(i, FunctionCallContent)]
        if calls:
            steps = [step_json(call.name or "", call.parse_arguments() or {}) for call in calls]
            messages.append({"role": "assistant", "content": "\n".join(steps)})
            continue
        if message.content:
            role = "assistant" if message.role is AuthorRole.ASSISTANT else "user"
            content = message.content
            if content.startswith(CONTEXT_PREFIX):
                # notes quote the search as JSON: a small model would repeat its upper-case
                # words as if they were titles
                content = _JSON_OBJECT.sub("", content).replace("  ", " ")
            messages.append({"role": role, "content": content})
    prompt = "\n\n".join(system) + menu
    return [{"role": "system", "content": prompt}, *messages] if prompt.strip() else messages


# --- wiring -----------------------------------------------------------------------------------


def require_local_extra() -> None:
    """`ModelUnavailable` (saying what to install) unless the runtime and model are installed."""
    missing = [
        name
        for name in ("xllamacpp", *QWEN_CODER_05B.part_modules)
        if importlib.util.find_spec(name) is None
    ]
    if missing:
        raise ModelUnavailable(
            f"MODEL_PROVIDER=local needs the local model extra ({', '.join(missing)} missing): "
            f"{INSTALL_HINT}"
        )


def engine_config(settings: Settings) -> EngineConfig:
    from agents.local.model_file import model_path

    return EngineConfig(
        model_path=model_path(settings.data_dir),
        alias=MODEL_ID,
        threads=settings.local_model_threads or default_threads(),
        context=settings.local_model_context,
        parallel=settings.local_model_parallel,
        max_waiters=settings.local_model_max_waiters,
    )


class _EngineLoader:
    """Makes the model file ready and loads the engine, once per process, off the loop."""

    def __init__(self, settings: Settings, console: Console | None = None) -> None:
        self.settings = settings
        self.console = console
        self.config = engine_config(settings)

    async def __call__(self) -> LocalEngine:
        loaded = loaded_engine(self.config)
        if loaded is not None:
            return loaded
        await asyncio.to_thread(_prepare_file, self.settings.data_dir, self.console)
        if self.console is None:
            return await load_engine(self.config)
        with self.console.status(f"Loading the offline model ({self.config.threads} threads)…"):
            return await load_engine(self.config)


_prepared: set[str] = set()
_prepare_lock = threading.Lock()


def _prepare_file(data_dir: Any, console: Console | None) -> None:
    """Assembles/verifies the model file once per process (the engine loads it right after)."""
    key = str(data_dir)
    with _prepare_lock:
        if key in _prepared:
            return
        with rich_progress(console) as progress:
            ensure_model_file(data_dir, QWEN_CODER_05B, on_progress=progress)
        _prepared.add(key)


def build_local_chat_service(settings: Settings) -> LocalChatCompletion:
    """What `MODEL_PROVIDER=local` builds (called by `agents.providers.build_chat_service`)."""
    return LocalChatCompletion.from_settings(settings)


async def prepare_local_model(settings: Settings, console: Console | None = None) -> LocalEngine:
    """First-start work up front: assemble and verify the model file (Rich progress on
    `console`), then load the engine — both in worker threads, once per process. Later calls
    return the loaded engine at once."""
    require_local_extra()
    return await _EngineLoader(settings, console)()


async def prepare_local_model_file(settings: Settings, console: Console | None = None) -> None:
    """Only the file: assembled and verified (e.g. before forking workers, each of which loads
    its own engine on its first question)."""
    require_local_extra()
    await asyncio.to_thread(_prepare_file, settings.data_dir, console)
