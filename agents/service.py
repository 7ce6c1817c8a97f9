"""The agents as the API sees them: `AgentRunner.stream()` runs one question and yields events;
`ask()` collects them into an answer. Limits, memory and grounding live here.

Semantic Kernel is imported on the first run, not when this module is imported.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from typing import TYPE_CHECKING, Any

from agents.events import (
    AgentAnswer,
    AgentEvent,
    RunCompleted,
    RunStarted,
    step_to_json,
)
from agents.fact_gate import FactGate
from agents.observability import COMPLETED, NO_OBSERVER, RunObserver, RunReport
from agents.router import FirstAgent, Route, not_in_catalogue_notice, route_linked
from config.logging import get_logger
from config.settings import Settings
from domain.assistant import (
    AgentBusy,
    AgentFailed,
    AgentTimeout,
    FilmFacts,
    FilmSummary,
    ModelUnavailable,
    candidate_titles,
    correction,
    denied_titles,
    invented_facts,
    mentioned,
    people_named,
    ungrounded_titles,
)
from domain.auth import Principal
from domain.catalogue.links import QuestionLinks, link_question
from domain.catalogue.search import MAX_RESULTS, STORES, FilmSearch, FilmSearchService
from domain.conversations import (
    ConversationRecorder,
    ConversationService,
    NewMessage,
    Turn,
    check_question,
)
from domain.errors import DomainError
from domain.units import UnitOfWorkFactory

if TYPE_CHECKING:
    from semantic_kernel.connectors.ai.chat_completion_client_base import (
        ChatCompletionClientBase,
    )

log = get_logger(__name__)
MAX_FILMS = 10
_DONE = object()
TOOL_LIMIT_MESSAGE = "The assistant needed too many tool calls and was stopped."
#: what AGENT_WARM_UP asks: a general question (the LLMAgent's prompt), a catalogue question
#: whose links are complete (no model call: the catalogue path and the pool), and one the model
#: must choose the search for (the SearchAgent's prompt and grammar)
WARM_UP_QUESTIONS = (
    "Give me one tip for a movie night.",
    "How long is ACADEMY DINOSAUR?",
    "Which films would you recommend tonight?",
)


class AgentRunner:
    """One per app, built by the composition root: holds the model service, the concurrency
    limit and the unit-of-work factory every run (and its tools) reads and writes through."""

    def __init__(
        self,
        settings: Settings,
        units: UnitOfWorkFactory,
        service: ChatCompletionClientBase | None = None,
        observer: RunObserver = NO_OBSERVER,
    ) -> None:
        self.settings = settings
        self.units = units
        self._service = service
        self._active = 0
        self.observer = observer

    async def warm_up(self) -> float:
        """Runs a few questions (answers discarded) so that Semantic Kernel's imports, the
        model's prompts (the LLMAgent's answer, the SearchAgent's tool choice) and the database
        pool are warm before the first customer; seconds taken. A failure is logged, never
        raised: the app still serves."""
        from domain.auth import ANONYMOUS

        started = time.perf_counter()
        for question in WARM_UP_QUESTIONS:
            try:
                await self.ask(question, ANONYMOUS)
            except Exception as exc:  # a missing model says so on the first real question
                log.warning("agents.warm_up_failed", question=question, error=str(exc))
                break
        seconds = round(time.perf_counter() - started, 2)
        log.info("agents.warmed_up", seconds=seconds)
        return seconds

    def chat_service(self) -> ChatCompletionClientBase:
        if self._service is None:
            from agents.providers import build_chat_service

            self._service = build_chat_service(self.settings)
        return self._service

    @property
    def active_runs(self) -> int:
        return self._active

    async def ask(
        self, question: str, principal: Principal, conversation_id: int | None = None
    ) -> AgentAnswer:
        """The answer, or the DomainError that stopped the run."""
        async for event in self.stream(question, principal, conversation_id):
            if isinstance(event, RunCompleted):
                return event.answer
        raise AgentFailed("The assistant stopped without an answer.")  # pragma: no cover

    async def stream(
        self, question: str, principal: Principal, conversation_id: int | None = None
    ) -> AsyncIterator[AgentEvent]:
        """Events as they happen, ending with RunCompleted; refusals raise DomainError before
        the first event (no model, busy, unknown conversation), failures during the run raise
        too (timeout, model error). Closing the iterator cancels the run and its model call."""
        question = question.strip()
        with self.observer.run(RunReport()) as report:
            try:
                # aclosing: a caller who stops listening closes the run at once (its slot, its
                # model call), not whenever the inner generator is collected
                async with aclosing(self._stream(question, principal, conversation_id)) as run:
                    async for event in run:
                        report.saw(event)
                        if isinstance(event, RunCompleted):
                            answer = event.answer
                            report.outcome = COMPLETED
                            report.answered_by = answer.agent
                            report.prompt_tokens = answer.usage.prompt_tokens
                            report.completion_tokens = answer.usage.completion_tokens
                        yield event
            except DomainError as refused:
                report.outcome = refused.code
                raise
            except Exception:
                report.outcome = AgentFailed.code
                raise

    async def _stream(
        self, question: str, principal: Principal, conversation_id: int | None
    ) -> AsyncGenerator[AgentEvent]:
        question = check_question(question)
        service = self.chat_service()  # ModelUnavailable before anything else
        if self._active >= self.settings.agent_max_concurrent_runs:
            raise AgentBusy()
        self._active += 1
        try:
            turns = await self._history(principal, conversation_id)
            run_id = uuid.uuid4().hex
            yield RunStarted(run_id, conversation_id)
            async for event in self._run(
                service=service,
                run_id=run_id,
                question=question,
                principal=principal,
                turns=turns,
                conversation_id=conversation_id,
            ):
                yield event
        finally:
            self._active -= 1

    async def _links(self, question: str) -> QuestionLinks:
        """The question linked to the catalogue (decision 0065), before any model call."""
        async with self.units.read_only() as uow:
            return await link_question(question, uow.catalogue_links)

    async def _history(self, principal: Principal, conversation_id: int | None) -> list[Turn]:
        if conversation_id is None:
            return []
        async with self.units.read_only() as uow:
            service = ConversationService(uow, principal)
            return await service.recent_turns(conversation_id, self.settings.agent_history_turns)

    async def _run(
        self,
        *,
        service: ChatCompletionClientBase,
        run_id: str,
        question: str,
        principal: Principal,
        turns: list[Turn],
        conversation_id: int | None,
    ) -> AsyncIterator[AgentEvent]:
        from agents import orchestration

        queue: asyncio.Queue[Any] = asyncio.Queue()
        state = orchestration.RunState(
            emit=queue.put_nowait,
            limits=orchestration.RunLimits(
                max_tool_calls=self.settings.agent_max_tool_calls,
                max_tokens=self.settings.agent_max_tokens,
                plan_from_links=self.settings.agent_plan_from_links,
            ),
        )
        started = time.perf_counter()
        links = await self._links(question)
        chosen: Route = route_linked(links)
        first = chosen.first
        state.links = links
        notice = (
            not_in_catalogue_notice(chosen.not_in_catalogue)
            if chosen.not_in_catalogue is not None
            else None
        )
        timeout = self.settings.agent_timeout_s

        async def drive() -> None:
            try:
                async with asyncio.timeout(timeout):
                    await orchestration.run_handoff(
                        service=service,
                        units=self.units,
                        principal=principal,
                        state=state,
                        first=first,
                        task=orchestration.history_messages(turns, question),
                        not_in_catalogue_notice=notice,
                    )
            finally:
                queue.put_nowait(_DONE)

        gate = FactGate(self._sentence_facts(state, links))
        task = asyncio.create_task(drive(), name=f"agent-run-{run_id}")
        try:
            while True:
                event = await queue.get()
                if event is _DONE:
                    break
                for checked in await gate.check(event):  # text: a sentence at a time
                    yield checked
            try:
                await task
            except TimeoutError:
                raise AgentTimeout(timeout) from None
            except DomainError:
                raise
            except Exception as exc:
                if state.tool_limit_hit:  # SK ends a turn cut short with an error of its own
                    raise AgentFailed(TOOL_LIMIT_MESSAGE) from None
                log.error("agents.run_failed", run_id=run_id, exc_info=exc)
                raise AgentFailed("The language model failed to answer; try again later.") from exc
            for released in await gate.flush():
                yield released
            _gated(gate, state, run_id)
            answer = await self._finish(
                run_id=run_id,
                question=question,
                principal=principal,
                state=state,
                first=first,
                conversation_id=conversation_id,
                started=started,
                links=links,
            )
            while not queue.empty():  # what finishing said (a correction) is streamed too
                event = queue.get_nowait()
                if event is not _DONE:
                    yield event
            yield RunCompleted(answer)
        finally:
            if not task.done():  # the caller went away: stop the model too
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    def _sentence_facts(
        self, state: Any, links: QuestionLinks
    ) -> Callable[[str], Awaitable[list[FilmFacts]]]:
        """The loader of the fact gate: the catalogue's facts of the films a sentence names,
        read only when it names one (cached for the run)."""
        cache: FactsCache = {}

        async def load(sentence: str) -> list[FilmFacts]:
            named = [*(t.title for t in links.titles if t.title), *state.films.values()]
            if not _titles_named(sentence, named):
                return []
            async with self.units.read_only() as uow:
                return await _film_facts(FilmSearchService(uow), sentence, named, cache)

        return load

    async def _finish(
        self,
        *,
        run_id: str,
        question: str,
        principal: Principal,
        state: Any,
        first: FirstAgent,
        conversation_id: int | None,
        started: float,
        links: QuestionLinks,
    ) -> AgentAnswer:
        if state.answer is None and not state.text.strip():
            if state.tool_limit_hit:
                raise AgentFailed(TOOL_LIMIT_MESSAGE)
            raise AgentFailed("The assistant stopped without an answer.")
        if state.answer is not None and not state.text.strip():
            # a connector that does not stream: what it said is spoken now, in one piece
            state.say(state.answer.agent, state.answer.text)
        # one text: the answer is exactly what was streamed (deltas, notices included)
        text: str = state.text
        agent = state.answer.agent if state.answer is not None else state.current_agent
        denied = denied_titles(text, [t.title for t in links.titles if t.title])
        if denied:
            log.warning("agents.denied_titles", run_id=run_id, titles=denied)
        async with self.units.read_only() as uow:
            search = FilmSearchService(uow)
            flagged = await ungrounded_titles(text, search)
            named = [*(t.title for t in links.titles if t.title), *state.films.values()]
            facts = await _film_facts(search, text, named)
        invented = invented_facts(text, facts)
        if invented:
            # the text so far is streamed already: the catalogue's facts follow it
            log.warning(
                "agents.invented_facts", run_id=run_id, facts=[f.describe() for f in invented]
            )
            state.say(agent, correction(facts, invented))
            text = state.text
        # repeating the customer's own words ("BATMAN BEGINS is not in the catalogue") invents
        # nothing; any other title that is not in the catalogue is flagged
        asked = question.upper()
        flagged = [title for title in flagged if title.upper() not in asked]
        film_ids = mentioned(text, state.films.items())[:MAX_FILMS]
        if flagged:
            log.warning("agents.ungrounded_titles", run_id=run_id, titles=flagged)
        answer = AgentAnswer(
            run_id=run_id,
            answer=text,
            agent=agent,
            conversation_id=conversation_id,
            steps=list(state.steps),
            film_ids=film_ids,
            usage=state.usage,
            latency_ms=round((time.perf_counter() - started) * 1000, 2),
            ungrounded_titles=flagged,
            denied_titles=denied,
            invented_facts=[f.describe() for f in invented],
            first_agent=first.value,
        )
        answer.conversation_id = await self._remember(question, principal, answer)
        log.info(
            "agents.run_completed",
            run_id=run_id,
            first=first.value,
            agent=answer.agent,
            tool_calls=state.tool_calls,
            handoffs=state.handoffs,
            ms=answer.latency_ms,
        )
        return answer

    async def _remember(
        self, question: str, principal: Principal, answer: AgentAnswer
    ) -> int | None:
        """Stores the exchange; anonymous callers get no conversation (nothing to continue)."""
        if not principal.is_authenticated:
            return None
        async with self.units.read_write() as uow:
            return await ConversationRecorder(uow, principal).record(
                answer.conversation_id,
                question,
                NewMessage(
                    role="assistant",
                    content=answer.answer,
                    agent=answer.agent,
                    steps=[step_to_json(s) for s in answer.steps],
                    prompt_tokens=answer.usage.prompt_tokens,
                    completion_tokens=answer.usage.completion_tokens,
                    latency_ms=round(answer.latency_ms),
                ),
            )

    async def film_summary(self, film_id: int) -> FilmSummary:
        service = self.chat_service()
        async with self.units.read_only() as uow:
            film = await FilmSearchService(uow).films.get(film_id)
        from semantic_kernel import Kernel

        from agents.plugins.prompts import summarize_film

        kernel = Kernel()
        kernel.add_service(service)
        try:
            async with asyncio.timeout(self.settings.agent_timeout_s):
                return await summarize_film(kernel, film)
        except TimeoutError:
            raise AgentTimeout(self.settings.agent_timeout_s) from None


MAX_CHECKED_FILMS = 10


def _gated(gate: FactGate, state: Any, run_id: str) -> None:
    """The run's text is what the gate let through (the answer is what was streamed)."""
    if gate.withheld:
        log.warning(
            "agents.withheld_facts", run_id=run_id, facts=[f.describe() for f in gate.withheld]
        )
    state.spoken = list(gate.said)


def _titles_named(answer: str, named: list[str]) -> list[str]:
    upper = answer.upper()
    titles = [t for t in dict.fromkeys([*candidate_titles(answer), *named]) if t.upper() in upper]
    return titles[:MAX_CHECKED_FILMS]


FactsCache = dict[tuple[str, tuple[str, ...]], FilmFacts | None]


async def _film_facts(
    search: FilmSearchService, answer: str, named: list[str], cache: FactsCache | None = None
) -> list[FilmFacts]:
    """The catalogue's facts about the films the answer names (titles it writes in capitals,
    and those the question or the tools named, in any case). `cache`: what earlier calls of
    the same run found (by title and the people the text names)."""
    people = people_named(answer)
    cache = {} if cache is None else cache
    facts: list[FilmFacts] = []
    for title in _titles_named(answer, named):
        key = (title.upper(), tuple(people))
        if key not in cache:
            cache[key] = await _one_film_facts(search, title, people)
        found = cache[key]
        if found is not None:
            facts.append(found)
    return facts


async def _one_film_facts(
    search: FilmSearchService, title: str, people: list[str]
) -> FilmFacts | None:
    films, _ = await search.search(FilmSearch(title=title, limit=MAX_RESULTS))
    film = next((f for f in films if f.title.upper() == title.upper()), None)
    if film is None:
        return None
    stock = await search.in_stock(film.id, STORES)
    actors: set[str] = set()
    for person in people:
        cast, _ = await search.search(FilmSearch(title=film.title, actor=person))
        if any(f.id == film.id for f in cast):
            actors.add(person.upper())
    return FilmFacts(
        title=film.title,
        year=film.release_year,
        rating=film.rating.value if film.rating else None,
        length=film.length,
        rental_rate=film.rental_rate,
        replacement_cost=film.replacement_cost,
        stock=stock,
        actors=frozenset(actors),
    )


__all__ = ["AgentRunner", "ModelUnavailable"]
