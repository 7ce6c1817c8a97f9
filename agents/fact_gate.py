"""The factual check before streaming: the run's text deltas are held until a sentence ends,
then the sentence is checked against the catalogue's facts of the films it names (the same
rules as the check after the run, `domain.assistant.invented_facts`). A sentence that states
invented facts about a catalogue film is never streamed: the catalogue's facts of that film are
said in its place (once per film). What the gate releases is what the customer sees, delta by
delta, and what the answer is (one text)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence

from agents.events import AgentEvent, MessageDelta
from domain.assistant import FilmFacts, InventedFact, catalogue_facts, invented_facts

#: where a sentence ends (as `domain.assistant` splits an answer into sentences)
_SENTENCE_END = re.compile(r"(?<=[.!?\n])\s+")

#: the catalogue's facts of the films a sentence names; [] when it names none (no lookup)
FactsLoader = Callable[[str], Awaitable[list[FilmFacts]]]


class FactGate:
    def __init__(self, load: FactsLoader) -> None:
        self._load = load
        self._pending: list[tuple[str, str]] = []  # (agent, text) pieces not yet checked
        #: what was released (streamed), in order; its concatenation is the answer so far
        self.said: list[str] = []
        #: the facts held back, for the log
        self.withheld: list[InventedFact] = []
        self._stated: set[str] = set()  # films whose catalogue facts were said

    @property
    def text(self) -> str:
        return "".join(self.said)

    async def check(self, event: AgentEvent) -> list[AgentEvent]:
        """An event of the run as the caller may see it: text is held until its sentence
        ends and has been checked; any other event passes."""
        if isinstance(event, MessageDelta):
            return [*await self.feed(event.agent, event.delta)]
        return [event]

    async def feed(self, agent: str, delta: str) -> list[MessageDelta]:
        """Takes one delta; returns the deltas released (the sentences it completed)."""
        self._pending.append((agent, delta))
        released: list[MessageDelta] = []
        while True:
            buffered = "".join(text for _, text in self._pending)
            end = _SENTENCE_END.search(buffered)
            if end is None:
                return released
            released += await self._sentence(end.start(), end.end())

    async def flush(self) -> list[MessageDelta]:
        """The run is over: the rest of the text is the last sentence."""
        buffered = "".join(text for _, text in self._pending)
        if not buffered:
            return []
        body = len(buffered.rstrip())
        return await self._sentence(body, len(buffered))

    async def _sentence(self, body_end: int, end: int) -> list[MessageDelta]:
        """Checks the first `body_end` buffered characters (one sentence) and releases them
        with the whitespace after them (up to `end`), or what replaces them."""
        body = self._take(body_end)
        space = self._take(end - body_end)
        sentence = "".join(text for _, text in body)
        films = await self._load(sentence)
        invented = invented_facts(sentence, films) if films else []
        if not invented:
            return self._release([*body, *space])
        self.withheld += invented
        agent = body[0][0]
        fresh = [f for f in invented if f.title not in self._stated]
        self._stated.update(f.title for f in invented)
        said = [(agent, catalogue_facts(films, fresh))] if fresh else []
        return self._release([*said, *space] if said else [])

    def _take(self, count: int) -> list[tuple[str, str]]:
        taken: list[tuple[str, str]] = []
        while count > 0 and self._pending:
            agent, text = self._pending[0]
            if len(text) <= count:
                taken.append(self._pending.pop(0))
                count -= len(text)
            else:
                taken.append((agent, text[:count]))
                self._pending[0] = (agent, text[count:])
                count = 0
        return taken

    def _release(self, pieces: Sequence[tuple[str, str]]) -> list[MessageDelta]:
        released: list[MessageDelta] = []
        for agent, piece in pieces:
            text = piece if self.said else piece.lstrip()
            if text:
                self.said.append(text)
                released.append(MessageDelta(agent, text))
        return released
