"""The tests' scripted model: the demo connector (`agents.providers.demo`) with the rules
replaced by a test's own policy — a function of what the model sees (`ScriptTurn`) returning
the next reply (`Say`, `Call`, or a `Malformed` call). The language model is the one part a
test may replace (CONTRIBUTING.md); this is that replacement, and it ships only with the tests.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from agents.providers.demo import (
    Call,
    DemoChatCompletion,
    Reply,
    Say,
    ScriptTurn,
    count_tokens,
    demo_policy,
)

__all__ = [
    "Call",
    "Malformed",
    "Policy",
    "Reply",
    "Say",
    "ScriptTurn",
    "ScriptedChatCompletion",
    "count_tokens",
    "demo_policy",
]

Policy = Callable[[ScriptTurn], Reply | Awaitable[Reply]]


def Malformed(function: str, raw_arguments: str) -> Call:
    """A tool call whose arguments are not valid JSON (small models write these)."""
    return Call(function, {}, raw_arguments)


class ScriptedChatCompletion(DemoChatCompletion):
    """The demo connector driven by `policy` (the demo's rules by default); counts requests."""

    policy: Any = None
    calls: int = 0

    def __init__(self, policy: Policy | None = None, ai_model_id: str = "scripted") -> None:
        super().__init__(ai_model_id=ai_model_id)
        self.policy = policy or demo_policy

    async def decide(self, turn: ScriptTurn) -> Reply:
        self.calls += 1
        reply = self.policy(turn)
        if inspect.isawaitable(reply):
            reply = await reply
        assert isinstance(reply, Say | Call)
        return reply
