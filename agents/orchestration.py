"""One run of the agents: a SearchAgent and an LLMAgent in a Semantic Kernel handoff.

Per run (see docs/decisions/0051): fresh agents and kernels (the tools carry the caller), a
fresh `HandoffOrchestration` (callbacks are bound at construction) on a fresh
`InProcessRuntime` (a shared one slows down with use). What SK does not do, this module does:

* the answer is captured from the callbacks (the orchestration's result is a task summary);
* the agent receiving a handoff is given what the other one found (SK passes only the task);
* streamed chunks carrying function calls or results are not forwarded (they repeat text);
* when a catalogue search finds nothing, the SearchAgent hands off to the LLMAgent in an
  auto-function-invocation filter, whatever the model would have done next;
* tool calls are counted and capped; handoffs are capped so two agents cannot ping-pong.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from semantic_kernel import Kernel
from semantic_kernel.agents import (
    ChatCompletionAgent,
    HandoffOrchestration,
    OrchestrationHandoffs,
)
from semantic_kernel.agents.runtime import InProcessRuntime
from semantic_kernel.connectors.ai.chat_completion_client_base import ChatCompletionClientBase
from semantic_kernel.connectors.ai.function_choice_behavior import FunctionChoiceBehavior
from semantic_kernel.contents import (
    AuthorRole,
    ChatMessageContent,
    FunctionCallContent,
    FunctionResultContent,
    StreamingChatMessageContent,
)
from semantic_kernel.filters import AutoFunctionInvocationContext, FilterTypes
from semantic_kernel.functions import FunctionResult, KernelArguments
from typing_extensions import override

from agents import answers, grounding
from agents.events import (
    AgentEvent,
    AgentMessage,
    Handoff,
    MessageDelta,
    Step,
    ToolCallFinished,
    ToolCallStarted,
    Usage,
)
from agents.handoff_names import COMPLETE_TASK, HANDOFF_PLUGIN_NAME, TRANSFER_PREFIX
from agents.notes import ARGUMENT_SCHEMAS_KEY, CONTEXT_PREFIX, FUNCTION_EXAMPLES_KEY
from agents.plugins import customer, film_search, prompts
from agents.router import FirstAgent
from domain.auth import Principal
from domain.catalogue.links import FactAsked, QuestionLinks
from domain.conversations import Turn
from domain.units import UnitOfWorkFactory

SEARCH = FirstAgent.SEARCH.value
LLM = FirstAgent.LLM.value
HANDOFF_PLUGIN = HANDOFF_PLUGIN_NAME
MAX_HANDOFFS = 3
PREVIEW_CHARS = 300
NO_MATCH_NOTICE = "The catalogue has no match for that."

SEARCH_INSTRUCTIONS = """You are SearchAgent, the DVD store's catalogue assistant.
Answer questions about films, their availability and the customer's own account ONLY from
tool results. Always call a tool first. Name films exactly as the tools write their titles
(upper case). If a question is not about the catalogue, transfer to LLMAgent."""

LLM_INSTRUCTIONS = """You are LLMAgent, the assistant of a DVD rental store. You are here to
help customers find and rent films: the SearchAgent searches the store's catalogue, you answer
the rest briefly (movie nights, looking after DVDs, what a rating means). If you are not sure
of a fact (a date, a name, a number, what happens in a film), say "I don't know" rather than
guess: a wrong fact is worse than none. Never name a film that no tool result gave you, and
never describe a film from memory. For a question about the catalogue (films, actors,
categories, prices, stock, rentals) transfer to SearchAgent. When you are told the catalogue
has no match, say so and help in general terms."""
#: what the LLMAgent is told when it tries to hand a general question to the SearchAgent
GENERAL_QUESTION_REFUSAL = (
    "Transfer refused: this is a general question, not a catalogue search. Answer it yourself "
    "in one or two sentences, or say you don't know."
)


@dataclass
class RunLimits:
    max_tool_calls: int = 8
    max_tokens: int = 800
    #: search without the model when the links name everything (agents.answers.planned_arguments)
    plan_from_links: bool = True


@dataclass
class RunState:
    """Everything one run gathers; `emit` forwards events to the caller as they happen."""

    emit: Callable[[AgentEvent], None]
    limits: RunLimits
    steps: list[Step] = field(default_factory=list)
    tool_calls: int = 0
    handoffs: int = 0
    films: dict[int, str] = field(default_factory=dict)  # id → title, from tool results
    notes: dict[str, list[str]] = field(default_factory=dict)  # for the agent receiving
    no_match: bool = False
    tool_limit_hit: bool = False
    answer: AgentMessage | None = None
    usage: Usage = field(default_factory=Usage)
    current_agent: str = SEARCH
    #: what the question names in the catalogue (domain.catalogue.links); None: not linked
    links: QuestionLinks | None = None
    #: everything the run said, in order: the streamed deltas, whose concatenation is the answer
    spoken: list[str] = field(default_factory=list)
    #: the answer was written from a catalogue tool result (not by the model)
    rendered: bool = False
    #: the planned search (from the links) has been tried
    planned: bool = False
    #: the LLMAgent's answer from the store's own tables (agents.answers) has been tried
    glossary_tried: bool = False
    #: what the question lets each tool argument take (agents.grounding.argument_schemas)
    argument_schemas: grounding.ArgumentSchemas = field(default_factory=dict)

    def say(self, agent: str, text: str) -> None:
        """Streams `text` as part of the answer (the one place an answer's text comes from)."""
        if not self.spoken:
            text = text.lstrip()
        if not text:
            return
        self.spoken.append(text)
        self.emit(MessageDelta(agent, text))

    def say_in_parts(self, agent: str, text: str) -> None:
        """Streams a text written at once (an answer rendered from a tool result) word by word,
        as a model would: a client shows it as it arrives, like any other answer."""
        for part in re.findall(r"\s*\S+", text):
            self.say(agent, part)

    @property
    def text(self) -> str:
        return "".join(self.spoken)

    def note_for(self, agent: str, text: str) -> None:
        self.notes.setdefault(agent, []).append(text)

    def take_notes(self, agent: str) -> list[str]:
        return self.notes.pop(agent, [])

    def found_so_far(self) -> str:
        if not self.films:
            return "No film found so far."
        listed = ", ".join(f"{title} (id {i})" for i, title in list(self.films.items())[:10])
        return f"Films found so far: {listed}."


class ContextualAgent(ChatCompletionAgent):
    """A ChatCompletionAgent that reads the notes left for it before each turn: SK's handoff
    passes the receiving agent only the task, not what the previous agent found."""

    run_state: Any = None

    @override
    async def invoke_stream(self, messages: Any = None, **kwargs: Any) -> Any:
        state: RunState | None = self.run_state
        if state is not None and self.name == LLM and not state.glossary_tried:
            state.glossary_tried = True
            kernel = kwargs.get("kernel") or self.kernel
            if await _answer_from_glossary(kernel, state):
                return  # answered from the store's own table: no model call
        if state is not None and self.name == SEARCH and not state.planned:
            state.planned = True
            kernel = kwargs.get("kernel") or self.kernel
            if state.limits.plan_from_links and await _planned_search(kernel, state):
                return  # answered (or handed off) from the data: no model call
        notes = state.take_notes(self.name) if state is not None else []
        if notes:
            listed = (
                messages if isinstance(messages, list) else [] if messages is None else [messages]
            )
            context = [
                ChatMessageContent(role=AuthorRole.USER, content=f"{CONTEXT_PREFIX}{note}")
                for note in notes
            ]
            messages = [*listed, *context]
        async for item in super().invoke_stream(messages, **kwargs):
            yield item


def _arguments_json(context: AutoFunctionInvocationContext) -> str:
    values = {
        k: v
        for k, v in (context.arguments or {}).items()
        if isinstance(v, str | int | float | bool) or v is None
    }
    return json.dumps(values, default=str)


def _films_in(result: str) -> tuple[list[dict[str, Any]], bool]:
    """Films of a tool result, and whether it was a successful search (not an error)."""
    try:
        data = json.loads(result)
    except ValueError:
        return [], False
    if not isinstance(data, dict) or "error" in data:
        return [], False
    films = data.get("films")
    if not isinstance(films, list):
        return [], False
    return [f for f in films if isinstance(f, dict) and isinstance(f.get("id"), int)], True


def _plain_result(context: AutoFunctionInvocationContext) -> str:
    """The tool's result as text. A prompt function returns chat messages, which SK would hand
    to the model as their Python repr: the model gets their text instead."""
    if context.function_result is None:
        return ""
    value = context.function_result.value
    if isinstance(value, str):
        return value
    messages = value if isinstance(value, list) else [value]
    if messages and all(isinstance(m, ChatMessageContent) for m in messages):
        text = "".join(m.content or "" for m in messages)
        context.function_result = FunctionResult(function=context.function.metadata, value=text)
        return text
    return str(value)


def tool_filter(
    agent: str, state: RunState
) -> Callable[[AutoFunctionInvocationContext, Any], Awaitable[None]]:
    async def on_tool_call(context: AutoFunctionInvocationContext, next: Any) -> None:
        plugin = context.function.plugin_name or ""
        name = context.function.name
        if plugin == HANDOFF_PLUGIN:
            await _handoff(context, next, agent=agent, state=state, name=name)
            return
        state.tool_calls += 1
        arguments = _arguments_json(context)
        if state.tool_calls > state.limits.max_tool_calls:
            state.tool_limit_hit = True
            context.function_result = FunctionResult(
                function=context.function.metadata,
                value=json.dumps({"error": "TOOL_LIMIT", "message": "No more tool calls."}),
            )
            context.terminate = True
            return
        searched = plugin == film_search.PLUGIN_NAME and name == "search_films"
        if state.argument_schemas:
            # whatever model made the call: vocabularies, one phrase per argument, what the
            # question states unambiguously (agents.grounding)
            given = dict(context.arguments or {})
            grounded = grounding.grounded_call(
                context.function.metadata, given, state.argument_schemas
            )
            context.arguments = KernelArguments(**grounded)
            arguments = _arguments_json(context)
        if agent == SEARCH and searched and state.links is not None:
            given = dict(context.arguments or {})
            grounded = grounding.within_vocabularies(
                context.function.metadata, answers.search_arguments(state.links, given)
            )
            context.arguments = KernelArguments(**grounded)
            arguments = _arguments_json(context)
        state.emit(ToolCallStarted(agent, plugin, name, arguments))
        started = time.perf_counter()
        await next(context)
        duration_ms = round((time.perf_counter() - started) * 1000, 2)
        result = _plain_result(context)
        films, ok = _films_in(result)
        for film in films:
            state.films[film["id"]] = str(film.get("title", ""))
        step = ToolCallFinished(agent, plugin, name, arguments, result[:PREVIEW_CHARS], duration_ms)
        state.steps.append(step)
        state.emit(step)
        if agent == SEARCH and searched and ok and not films and state.handoffs < MAX_HANDOFFS:
            # Deterministic: nothing found → the LLMAgent answers, whatever the model wants.
            await _no_match_handoff(context.kernel, state, arguments)
            context.terminate = True
        elif (
            agent == SEARCH
            and plugin == film_search.PLUGIN_NAME
            and ok
            and films
            and await _answer_from_result(context.kernel, state, result)
        ):
            context.terminate = True

    return on_tool_call


async def _planned_search(kernel: Kernel, state: RunState) -> bool:
    """The search the question's links call for, run without the model; True when it answered
    or handed off (the turn is over), False to let the model choose."""
    links = state.links
    arguments = answers.planned_arguments(links) if links is not None else None
    if arguments is None:
        return False
    name = "search_films"
    function = kernel.get_function(film_search.PLUGIN_NAME, name)
    arguments = grounding.within_vocabularies(function.metadata, arguments)
    if not arguments:  # what the links named is outside the tool's vocabularies
        return False
    state.tool_calls += 1
    arguments_json = json.dumps(arguments, default=str)
    state.emit(ToolCallStarted(SEARCH, film_search.PLUGIN_NAME, name, arguments_json))
    started = time.perf_counter()
    called = await kernel.invoke(
        plugin_name=film_search.PLUGIN_NAME, function_name=name, **arguments
    )
    duration_ms = round((time.perf_counter() - started) * 1000, 2)
    result = str(called.value if called is not None else "")
    films, ok = _films_in(result)
    for film in films:
        state.films[film["id"]] = str(film.get("title", ""))
    step = ToolCallFinished(
        SEARCH, film_search.PLUGIN_NAME, name, arguments_json, result[:PREVIEW_CHARS], duration_ms
    )
    state.steps.append(step)
    state.emit(step)
    if ok and films:
        return await _answer_from_result(kernel, state, result)
    if ok and not films:
        await _no_match_handoff(kernel, state, arguments_json)
        return True
    return False


async def _answer_from_glossary(kernel: Kernel, state: RunState) -> bool:
    """ "What does an MPAA rating of PG mean?" answered from the store's table of ratings
    (agents.answers.rating_meanings) — a fact a small model gets wrong; False when the
    question is not one of those."""
    text = answers.rating_meanings(state.links) if state.links is not None else None
    if text is None:
        return False
    state.say_in_parts(LLM, text)
    state.answer = AgentMessage(LLM, text)
    state.steps.append(state.answer)
    await kernel.invoke(
        plugin_name=HANDOFF_PLUGIN, function_name=COMPLETE_TASK, task_summary=text[:200]
    )
    return True


async def _no_match_handoff(kernel: Kernel, state: RunState, arguments: str) -> None:
    """Nothing found: the LLMAgent answers, whatever the model would do (deterministic)."""
    state.no_match = True
    state.note_for(
        LLM,
        f"The catalogue search {arguments} found no film; the customer has been told "
        "the catalogue has no match. Do not name any film; help in general terms.",
    )
    await kernel.invoke(plugin_name=HANDOFF_PLUGIN, function_name=f"{TRANSFER_PREFIX}{LLM}")
    _record_handoff(state, SEARCH, LLM, "no catalogue match")
    state.say(LLM, NO_MATCH_NOTICE + " ")


async def _answer_from_result(kernel: Kernel, state: RunState, result: str) -> bool:
    """The SearchAgent's answer written from the catalogue result (agents.answers), spoken, and
    the task completed: exact titles, the catalogue's facts, the asked fact first. False when
    the result has nothing to write from."""
    data = json.loads(result)
    links = state.links
    films = answers.films_of(data)
    if (
        links is not None
        and FactAsked.STOCK in links.asks
        and len(films) == 1
        and not films[0].get("in_stock")
        and not data.get("in_stock")
    ):
        # "do you have X in stock?" without a store: every store's stock
        stock = await kernel.invoke(
            plugin_name=film_search.PLUGIN_NAME,
            function_name="availability",
            film_id=films[0]["id"],
        )
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            counts = json.loads(str(stock.value if stock is not None else "")).get("in_stock")
            if isinstance(counts, dict):
                data = {**data, "films": [{**films[0], "in_stock": counts}]}
    text = answers.render(data, links)
    if text is None:
        return False
    state.say_in_parts(SEARCH, text)
    state.rendered = True
    state.answer = AgentMessage(SEARCH, text)
    state.steps.append(state.answer)
    await kernel.invoke(
        plugin_name=HANDOFF_PLUGIN, function_name=COMPLETE_TASK, task_summary=text[:200]
    )
    return True


async def _handoff(
    context: AutoFunctionInvocationContext, next: Any, *, agent: str, state: RunState, name: str
) -> None:
    if not name.startswith(TRANSFER_PREFIX):
        await next(context)  # complete_task
        return
    target = name.removeprefix(TRANSFER_PREFIX)
    refusal: str | None = None
    if state.handoffs >= MAX_HANDOFFS:
        refusal = "Transfer refused: answer the customer yourself now."
    elif target == SEARCH and _general_question(state.links):
        # "What does an MPAA rating of PG mean?": the links found no film to search for and
        # the question asks why or what a word means — a catalogue search does not answer it
        refusal = GENERAL_QUESTION_REFUSAL
    if refusal is not None:
        context.function_result = FunctionResult(function=context.function.metadata, value=refusal)
        return
    state.note_for(target, f"{agent} handed over. {state.found_so_far()}")
    await next(context)
    reason = "catalogue question" if target == SEARCH else "not a catalogue question"
    _record_handoff(state, agent, target, reason)


def _general_question(links: QuestionLinks | None) -> bool:
    """A question the links call general (why …?, what does … mean?) naming no catalogue
    entity: a model must not send it to the catalogue search, whatever words it uses."""
    return links is not None and links.general and not links.about_catalogue


def _record_handoff(state: RunState, source: str, target: str, reason: str) -> None:
    state.handoffs += 1
    state.current_agent = target
    step = Handoff(source, target, reason)
    state.steps.append(step)
    state.emit(step)


def _has_function_items(message: ChatMessageContent | StreamingChatMessageContent) -> bool:
    return any(isinstance(i, FunctionCallContent | FunctionResultContent) for i in message.items)


def _add_usage(state: RunState, message: ChatMessageContent | StreamingChatMessageContent) -> None:
    if any(isinstance(i, FunctionCallContent) for i in message.items):
        return  # SK merges the call's chunks, usage included, which also came on its own
    usage = (message.metadata or {}).get("usage")
    if usage is not None:
        state.usage.prompt_tokens += int(getattr(usage, "prompt_tokens", 0) or 0)
        state.usage.completion_tokens += int(getattr(usage, "completion_tokens", 0) or 0)


def _execution_settings(
    service: ChatCompletionClientBase, limits: RunLimits, schemas: grounding.ArgumentSchemas
) -> Any:
    """The agent's settings; the arguments the question allows ride along in `extension_data`
    (never sent to a provider: SK leaves `extension_data` out of requests) for a connector
    that constrains its output (agents.notes.ARGUMENT_SCHEMAS_KEY)."""
    settings_class = service.get_prompt_execution_settings_class()
    settings = settings_class(max_tokens=limits.max_tokens)
    settings.extension_data[ARGUMENT_SCHEMAS_KEY] = schemas
    settings.extension_data[FUNCTION_EXAMPLES_KEY] = function_examples()
    return settings


#: worked examples of the handoffs, for a connector that shows examples (agents.notes)
HANDOFF_EXAMPLES: dict[str, list[dict[str, Any]]] = {
    f"{HANDOFF_PLUGIN}-{TRANSFER_PREFIX}{LLM}": [
        {"question": "what's a good snack for a movie night?", "arguments": {}}
    ],
    f"{HANDOFF_PLUGIN}-{TRANSFER_PREFIX}{SEARCH}": [
        {"question": "do you have any comedies?", "arguments": {}}
    ],
}


def function_examples() -> dict[str, list[dict[str, Any]]]:
    """The tools' worked examples (the plugins') and the handoffs', by fully qualified name."""
    examples = {
        f"{film_search.PLUGIN_NAME}-{name}": items for name, items in film_search.EXAMPLES.items()
    }
    return {**examples, **HANDOFF_EXAMPLES}


def _name_parameters() -> frozenset[str]:
    """The tool parameters that take a title or a person's name, as the plugins declare them."""
    return frozenset(f"{film_search.PLUGIN_NAME}-{key}" for key in film_search.NAME_PARAMETERS)


def build_agents(
    service: ChatCompletionClientBase,
    units: UnitOfWorkFactory,
    principal: Principal,
    state: RunState,
) -> dict[str, ContextualAgent]:
    behavior = FunctionChoiceBehavior.Auto(
        maximum_auto_invoke_attempts=state.limits.max_tool_calls + 1
    )
    search_kernel = Kernel()
    search_kernel.add_service(service)
    search_kernel.add_plugin(film_search.FilmSearchPlugin(units), film_search.PLUGIN_NAME)
    if principal.is_authenticated and principal.customer_id is not None:
        search_kernel.add_plugin(customer.CustomerPlugin(units, principal), customer.PLUGIN_NAME)
    search_kernel.add_filter(FilterTypes.AUTO_FUNCTION_INVOCATION, tool_filter(SEARCH, state))

    if state.links is not None:
        state.argument_schemas = grounding.argument_schemas(
            search_kernel.get_full_list_of_function_metadata(),
            state.links.question,
            _name_parameters(),
        )

    llm_kernel = Kernel()
    llm_kernel.add_service(service)
    llm_kernel.add_plugin(prompts.writer_plugin())
    llm_kernel.add_filter(FilterTypes.AUTO_FUNCTION_INVOCATION, tool_filter(LLM, state))

    agents: dict[str, ContextualAgent] = {}
    for name, kernel, instructions, description in (
        (SEARCH, search_kernel, SEARCH_INSTRUCTIONS, "Searches the film catalogue and stock."),
        (LLM, llm_kernel, LLM_INSTRUCTIONS, "Answers general, non-catalogue questions."),
    ):
        agent = ContextualAgent(
            name=name,
            description=description,
            instructions=instructions,
            kernel=kernel,
            function_choice_behavior=behavior,
            arguments=KernelArguments(
                settings=_execution_settings(service, state.limits, state.argument_schemas)
            ),
        )
        agent.run_state = state
        agents[name] = agent
    return agents


def history_messages(turns: list[Turn], question: str) -> list[ChatMessageContent]:
    messages: list[ChatMessageContent] = []
    for turn in turns:
        messages.append(ChatMessageContent(role=AuthorRole.USER, content=turn.question))
        messages.append(
            ChatMessageContent(role=AuthorRole.ASSISTANT, content=turn.answer, name=turn.agent)
        )
    messages.append(ChatMessageContent(role=AuthorRole.USER, content=question))
    return messages


async def run_handoff(
    *,
    service: ChatCompletionClientBase,
    units: UnitOfWorkFactory,
    principal: Principal,
    state: RunState,
    first: FirstAgent,
    task: list[ChatMessageContent],
    not_in_catalogue_notice: str | None = None,
) -> None:
    """Runs the orchestration to its end; the answer and steps land in `state`. Cancelling the
    awaiting task cancels the model call in flight. `not_in_catalogue_notice`: the question
    names a film the catalogue does not hold — the customer is told so first, then the
    LLMAgent helps in general terms."""
    agents = build_agents(service, units, principal, state)
    state.current_agent = first.value
    if not_in_catalogue_notice is not None:
        state.no_match = True
        state.say(LLM, not_in_catalogue_notice + " ")
        state.note_for(
            LLM,
            f"{not_in_catalogue_notice} The customer has been told this already. Do not "
            "describe any catalogue film; help in general terms, briefly.",
        )
    order = (
        [agents[SEARCH], agents[LLM]]
        if first is FirstAgent.SEARCH
        else [agents[LLM], agents[SEARCH]]
    )
    handoffs = (
        OrchestrationHandoffs()
        .add(SEARCH, LLM, "Transfer to LLMAgent for questions that are not about the catalogue.")
        .add(LLM, SEARCH, "Transfer to SearchAgent for questions about films, stock or rentals.")
    )

    def on_message(message: Any) -> None:
        if _has_function_items(message) or message.role is not AuthorRole.ASSISTANT:
            return
        text = (message.content or "").strip()
        if not text:
            return
        agent = message.name or state.current_agent
        if state.answer is not None and state.answer == AgentMessage(agent, text):
            return  # SK reports some messages twice
        state.answer = AgentMessage(agent, text)
        state.steps.append(state.answer)

    def on_chunk(chunk: StreamingChatMessageContent, is_final: bool) -> None:
        _add_usage(state, chunk)
        if _has_function_items(chunk) or not chunk.content:
            return
        state.say(chunk.name or state.current_agent, chunk.content)

    members: list[Any] = list(order)
    orchestration = HandoffOrchestration(
        members=members,
        handoffs=handoffs,
        agent_response_callback=on_message,
        streaming_agent_response_callback=on_chunk,
    )
    runtime = InProcessRuntime()
    runtime.start()
    finished = False
    result = await orchestration.invoke(task=task, runtime=runtime)
    try:
        await result.get()
        finished = True
    finally:
        if finished:
            await runtime.stop_when_idle()
        else:
            await _abandon(runtime, result)


async def _abandon(runtime: InProcessRuntime, result: Any) -> None:
    """Stops a run cut short (timeout, client gone): cancels the model call in flight."""
    with contextlib.suppress(RuntimeError):  # already cancelled
        result.cancel()
    # The runtime runs each message handler (hence each model call) as a background task and
    # `stop()` lets the current one finish; cancel them so no model keeps generating for nobody.
    for task in list(getattr(runtime, "_background_tasks", ())):
        task.cancel()
    background = getattr(result, "background_task", None)
    if background is not None:
        background.cancel()
    with contextlib.suppress(RuntimeError):  # not running any more
        await asyncio.shield(runtime.stop())
