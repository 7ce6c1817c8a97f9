"""What a run of the agents reports, as plain values (no Semantic Kernel types).

`askAgent` collects them into an answer; `agentStream` forwards them as they happen.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class RunStarted:
    run_id: str
    conversation_id: int | None


@dataclass(frozen=True, slots=True)
class MessageDelta:
    agent: str
    delta: str


@dataclass(frozen=True, slots=True)
class ToolCallStarted:
    agent: str
    plugin: str
    function: str
    arguments: str


@dataclass(frozen=True, slots=True)
class ToolCallFinished:
    agent: str
    plugin: str
    function: str
    arguments: str
    result_preview: str
    duration_ms: float


@dataclass(frozen=True, slots=True)
class Handoff:
    from_agent: str
    to_agent: str
    reason: str


@dataclass(frozen=True, slots=True)
class AgentMessage:
    agent: str
    text: str


#: What an answer remembers of how it was reached.
Step = AgentMessage | ToolCallFinished | Handoff


#: The stored key naming a step's kind (its class's name); the other keys are its fields.
STEP_KIND = "kind"


def step_to_json(step: Step) -> dict[str, Any]:
    return {STEP_KIND: type(step).__name__, **asdict(step)}


def step_from_json(data: dict[str, Any]) -> Step | None:
    kinds: dict[str, type[Step]] = {
        "AgentMessage": AgentMessage,
        "ToolCallFinished": ToolCallFinished,
        "Handoff": Handoff,
    }
    kind = kinds.get(str(data.get(STEP_KIND)))
    if kind is None:
        return None
    values = {k: v for k, v in data.items() if k != STEP_KIND}
    try:
        return kind(**values)
    except TypeError:
        return None


@dataclass(slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(slots=True)
class AgentAnswer:
    run_id: str
    answer: str
    agent: str
    conversation_id: int | None
    steps: list[Step] = field(default_factory=list)
    film_ids: list[int] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    latency_ms: float = 0.0
    #: Titles the answer names that the catalogue does not hold (see domain.assistant).
    ungrounded_titles: list[str] = field(default_factory=list)
    #: Catalogue titles the question names that the answer says the store does not carry
    #: (see domain.assistant.denied_titles); must stay empty.
    denied_titles: list[str] = field(default_factory=list)
    #: facts the answer stated about catalogue films that the catalogue contradicts (each
    #: "TITLE: kind 'what was said'"); a correction follows them in the answer
    invented_facts: list[str] = field(default_factory=list)
    #: the agent the router chose to speak first (agents.router)
    first_agent: str | None = None


@dataclass(frozen=True, slots=True)
class RunCompleted:
    answer: AgentAnswer


@dataclass(frozen=True, slots=True)
class RunFailed:
    code: str
    message: str


AgentEvent = (
    RunStarted
    | MessageDelta
    | ToolCallStarted
    | ToolCallFinished
    | Handoff
    | RunCompleted
    | RunFailed
)
