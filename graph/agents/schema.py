"""Root fields of the agents: `askAgent`, `agentStream`, `filmSummary`, conversations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable
from typing import Any, TypeVar

import strawberry
from starlette.requests import Request

from agents.service import AgentRunner
from domain.conversations import ConversationService
from domain.errors import DomainError, RateLimited
from graph.agents import types as t
from graph.mutations import run_mutation
from graph.pagination import Info
from graph.rate_limits import LimitKind, check_rate_limit

T = TypeVar("T")


def runner(info: Info) -> AgentRunner:
    agents = info.context.agents
    if agents is None:
        raise RuntimeError("The app was built without the agents' runner.")
    return agents


async def rate_limit(info: Info) -> None:
    """The agent limit (stricter than the general one: every run costs model calls); raises
    `RateLimited` before the run starts."""
    await check_rate_limit(info.context, LimitKind.AGENT)


@strawberry.type
class AgentsQuery:
    @strawberry.field(
        description="One film summarised by the assistant as validated JSON; `recommended` "
        "follows the store's rule (see FilmSummary)."
    )
    async def film_summary(self, info: Info, film_id: int) -> t.FilmSummary:
        summary = await runner(info).film_summary(film_id)
        return t.FilmSummary(
            film_id=summary.film_id,
            title=summary.title,
            rating=summary.rating,
            recommended=summary.recommended,
        )

    @strawberry.field(description="One of your conversations with the assistant.")
    async def conversation(self, info: Info, id: int) -> t.Conversation:
        service = ConversationService(await info.context.scope.uow(), info.context.principal)
        conversation = await service.get(id)
        return t.Conversation.of(conversation, await service.messages(id))

    @strawberry.field(description="Your conversations with the assistant, newest first.")
    async def my_conversations(self, info: Info) -> list[t.Conversation]:
        service = ConversationService(await info.context.scope.uow(), info.context.principal)
        return [t.Conversation.of(c, await service.messages(c.id)) for c in await service.mine()]


async def until_disconnected(request: Request) -> None:
    """Returns when the HTTP client goes away (the body was read already: the next ASGI
    message is `http.disconnect`, sent when the client leaves or after the response)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def unless_disconnected(info: Info, work: Awaitable[T]) -> T:
    """`work`, cancelled (with the model call under it) if the HTTP client disconnects."""
    request = info.context.request
    task = asyncio.ensure_future(work)
    if not isinstance(request, Request):  # over a WebSocket the subscription path applies
        return await task
    watcher = asyncio.create_task(until_disconnected(request))
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    return task.result()


@strawberry.type
class AgentsMutation:
    @strawberry.mutation(
        description="Ask the store's assistant. Film questions are answered from the catalogue "
        "(`films` lists the films named); others by a general agent."
    )
    async def ask_agent(self, info: Info, input: t.AskAgentInput) -> t.AskAgentPayload:
        async def action() -> t.AskAgentPayload:
            await rate_limit(info)
            answer = await unless_disconnected(
                info,
                runner(info).ask(input.question, info.context.principal, input.conversation_id),
            )
            return t.AskAgentPayload.from_answer(answer)

        return await run_mutation(t.AskAgentPayload, action)


@strawberry.type
class AgentsSubscription:
    @strawberry.subscription(
        description="Ask the assistant and follow the run: tokens as the model writes them, "
        "tool calls, handoffs, then RunCompleted (or RunFailed)."
    )
    async def agent_stream(
        self, info: Info, question: str, conversation_id: int | None = None
    ) -> AsyncGenerator[t.AgentEvent, None]:
        events: Any = None
        try:
            await rate_limit(info)
            events = runner(info).stream(question, info.context.principal, conversation_id)
            async for event in events:
                yield t.event_of(event)
        except RateLimited as exc:
            yield t.RunFailed(
                code=exc.code, message=exc.message, retry_after_seconds=exc.retry_after_seconds
            )
        except DomainError as exc:
            yield t.RunFailed(code=exc.code, message=exc.message)
        finally:
            if events is not None:
                await events.aclose()  # the client left: cancel the run and its model call
