"""Types of the agents' API: answers, their steps, streamed events, conversations."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated, Any

import strawberry

from agents import events as ev
from domain import assistant
from domain.conversations import Conversation as ConversationEntity
from domain.conversations import Message as MessageEntity
from graph.catalogue import loaders
from graph.catalogue.types import Film
from graph.errors import UserError, register_error
from graph.mutations import Payload
from graph.pagination import Info


@strawberry.type(description="No language model is configured; `message` says how to set one.")
class ModelUnavailableError(UserError):
    pass


@strawberry.type(
    description="The assistant could not answer: busy (AGENT_BUSY), too slow (AGENT_TIMEOUT), "
    "malformed model output (AGENT_OUTPUT_INVALID) or a failing model (AGENT_FAILED)."
)
class AgentError(UserError):
    pass


register_error(assistant.ModelUnavailable, ModelUnavailableError)
for refusal in (
    assistant.AgentBusy,
    assistant.AgentTimeout,
    assistant.AgentOutputInvalid,
    assistant.AgentFailed,
):
    register_error(refusal, AgentError)


@strawberry.type(description="Text an agent wrote.")
class AgentMessage:
    agent: str
    text: str


@strawberry.type(description="A tool (plugin function) an agent called, and what it returned.")
class ToolCall:
    agent: str
    plugin: str
    function: str
    arguments: str = strawberry.field(description="The arguments, as JSON.")
    result_preview: str = strawberry.field(description="The start of the result (JSON).")
    duration_ms: float


@strawberry.type(description="One agent handed the conversation to another.")
class Handoff:
    from_agent: str
    to_agent: str
    reason: str


AgentStep = Annotated[
    AgentMessage | ToolCall | Handoff,
    strawberry.union("AgentStep", description="One step of how an answer was reached."),
]


#: Stored step kinds (`agents.events.step_to_json`'s "kind": the event class's name) -> the
#: GraphQL type that shows them; the type's fields are the event's fields, by the same names.
#: The one table of both read paths: `step_of` (the executor) and the read planner
#: (graph/planning.py, which compiles `ConversationMessage.steps` from the stored JSON).
STEP_TYPES: dict[str, type[AgentMessage | ToolCall | Handoff]] = {
    ev.AgentMessage.__name__: AgentMessage,
    ev.ToolCallFinished.__name__: ToolCall,
    ev.Handoff.__name__: Handoff,
}


def step_of(step: ev.Step) -> AgentMessage | ToolCall | Handoff:
    return STEP_TYPES[type(step).__name__](**asdict(step))


@strawberry.type(description="Tokens the model read and wrote for one answer.")
class TokenUsage:
    prompt_tokens: int
    completion_tokens: int


async def films_by_id(info: Info, film_ids: list[int]) -> list[Film]:
    found = await loaders.FILMS.load_many(info.context, film_ids)
    return [Film.from_entity(f) for f in found if f is not None]


@strawberry.type(description="The assistant's answer, or why there is none (`errors`).")
class AskAgentPayload(Payload):
    answer: str | None = None
    agent: str | None = strawberry.field(default=None, description="The agent that answered.")
    conversation_id: int | None = strawberry.field(
        default=None,
        description="Pass it back to continue the conversation (signed-in callers only).",
    )
    steps: list[AgentStep] = strawberry.field(default_factory=list)
    usage: TokenUsage | None = None
    latency_ms: float | None = None
    ungrounded_titles: list[str] = strawberry.field(
        default_factory=list,
        description="Film titles the answer names that the catalogue does not hold (the model "
        "invented them). Empty for a grounded answer.",
    )
    denied_titles: list[str] = strawberry.field(
        default_factory=list,
        description="Catalogue titles the question names that the answer says the store does "
        "not carry (a false 'no match'). Empty for an honest answer.",
    )
    invented_facts: list[str] = strawberry.field(
        default_factory=list,
        description="Facts the answer stated about catalogue films that the catalogue "
        "contradicts (a year, rating, running time, price, stock or person), each as "
        "\"TITLE: kind 'what was said'\"; the answer then ends with the catalogue's facts. "
        "Empty for a grounded answer.",
    )
    film_ids: strawberry.Private[list[int]] = strawberry.field(default_factory=list)

    @strawberry.field(description="The catalogue films the answer names.")
    async def films(self, info: Info) -> list[Film]:
        return await films_by_id(info, self.film_ids)

    @classmethod
    def from_answer(cls, answer: ev.AgentAnswer) -> AskAgentPayload:
        return cls(
            answer=answer.answer,
            agent=answer.agent,
            conversation_id=answer.conversation_id,
            steps=[step_of(s) for s in answer.steps],
            usage=TokenUsage(
                prompt_tokens=answer.usage.prompt_tokens,
                completion_tokens=answer.usage.completion_tokens,
            ),
            latency_ms=answer.latency_ms,
            ungrounded_titles=list(answer.ungrounded_titles),
            denied_titles=list(answer.denied_titles),
            invented_facts=list(answer.invented_facts),
            film_ids=list(answer.film_ids),
        )


@strawberry.input
class AskAgentInput:
    question: str = strawberry.field(description="The question, in plain words.")
    conversation_id: int | None = strawberry.field(
        default=None, description="Continue this conversation of yours."
    )


# --- streamed events -----------------------------------------------------------------------


@strawberry.type
class RunStarted:
    run_id: str
    conversation_id: int | None


@strawberry.type(description="Text as the model produces it.")
class AgentMessageDelta:
    agent: str
    delta: str


@strawberry.type
class ToolCallStarted:
    agent: str
    plugin: str
    function: str
    arguments: str


@strawberry.type
class ToolCallFinished:
    agent: str
    plugin: str
    function: str
    arguments: str
    result_preview: str
    duration_ms: float


@strawberry.type
class HandoffOccurred:
    from_agent: str
    to_agent: str
    reason: str


@strawberry.type
class RunCompleted:
    answer: str
    agent: str
    conversation_id: int | None
    ungrounded_titles: list[str]
    denied_titles: list[str] = strawberry.field(
        description="Catalogue titles the question names that the answer says the store does "
        "not carry. Empty for an honest answer."
    )
    usage: TokenUsage
    latency_ms: float
    film_ids: strawberry.Private[list[int]]

    @strawberry.field(description="The catalogue films the answer names.")
    async def films(self, info: Info) -> list[Film]:
        return await films_by_id(info, self.film_ids)


@strawberry.type
class RunFailed:
    code: str = strawberry.field(description="An `ErrorCode` value, e.g. MODEL_UNAVAILABLE.")
    message: str
    retry_after_seconds: float | None = strawberry.field(
        default=None,
        description="With code RATE_LIMITED: seconds until a new run is allowed; null otherwise.",
    )


AgentEvent = Annotated[
    RunStarted
    | AgentMessageDelta
    | ToolCallStarted
    | ToolCallFinished
    | HandoffOccurred
    | RunCompleted
    | RunFailed,
    strawberry.union("AgentEvent", description="What happens during one run of the agents."),
]


def event_of(event: ev.AgentEvent) -> Any:  # noqa: PLR0911 (one case per event)
    if isinstance(event, ev.RunStarted):
        return RunStarted(run_id=event.run_id, conversation_id=event.conversation_id)
    if isinstance(event, ev.MessageDelta):
        return AgentMessageDelta(agent=event.agent, delta=event.delta)
    if isinstance(event, ev.ToolCallStarted):
        return ToolCallStarted(
            agent=event.agent,
            plugin=event.plugin,
            function=event.function,
            arguments=event.arguments,
        )
    if isinstance(event, ev.ToolCallFinished):
        return ToolCallFinished(
            agent=event.agent,
            plugin=event.plugin,
            function=event.function,
            arguments=event.arguments,
            result_preview=event.result_preview,
            duration_ms=event.duration_ms,
        )
    if isinstance(event, ev.Handoff):
        return HandoffOccurred(
            from_agent=event.from_agent, to_agent=event.to_agent, reason=event.reason
        )
    if isinstance(event, ev.RunCompleted):
        a = event.answer
        return RunCompleted(
            answer=a.answer,
            agent=a.agent,
            conversation_id=a.conversation_id,
            ungrounded_titles=list(a.ungrounded_titles),
            denied_titles=list(a.denied_titles),
            usage=TokenUsage(
                prompt_tokens=a.usage.prompt_tokens, completion_tokens=a.usage.completion_tokens
            ),
            latency_ms=a.latency_ms,
            film_ids=list(a.film_ids),
        )
    return RunFailed(code=event.code, message=event.message)


# --- film summary and conversations ---------------------------------------------------------


@strawberry.type(description="A film in one line of JSON: what `filmSummary` validated.")
class FilmSummary:
    film_id: int
    title: str
    rating: str
    recommended: bool = strawberry.field(
        description="Rated above PG-13 (R or NC-17) and under 3.00 to rent: the store's rule, "
        "computed from the catalogue, not by the model."
    )


@strawberry.type(description="One question or answer of a conversation.")
class ConversationMessage:
    role: str = strawberry.field(description="`user` or `assistant`.")
    agent: str | None
    content: str
    steps: list[AgentStep]
    prompt_tokens: int
    completion_tokens: int
    latency_ms: int | None
    created_at: dt.datetime

    @classmethod
    def from_entity(cls, message: MessageEntity) -> ConversationMessage:
        steps = [ev.step_from_json(dict(s)) for s in message.steps]
        return cls(
            role=message.role,
            agent=message.agent,
            content=message.content,
            steps=[step_of(s) for s in steps if s is not None],
            prompt_tokens=message.prompt_tokens,
            completion_tokens=message.completion_tokens,
            latency_ms=message.latency_ms,
            created_at=message.created_at,
        )


@strawberry.type(description="A conversation with the assistant; only its owner sees it.")
class Conversation:
    conversation_id: int
    title: str
    created_at: dt.datetime
    messages: list[ConversationMessage]

    @classmethod
    def of(cls, conversation: ConversationEntity, messages: list[MessageEntity]) -> Conversation:
        return cls(
            conversation_id=conversation.id,
            title=conversation.title,
            created_at=conversation.created_at,
            messages=[ConversationMessage.from_entity(m) for m in messages],
        )
