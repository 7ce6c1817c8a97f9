"""The fact gate's text handling, whatever the model's chunking: the text it releases adds up
to what was fed (when nothing is invented), in the pieces fed, and a sentence is checked only
once it has ended."""

from __future__ import annotations

import asyncio
import itertools
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from agents.events import MessageDelta
from agents.fact_gate import FactGate
from domain.assistant import FilmFacts

WORDS = st.sampled_from(
    [
        "ACADEMY",
        "DINOSAUR",
        "costs",
        "$0.99",
        "to",
        "rent.",
        "Yes!",
        "why?",
        "It",
        "runs",
        "86",
        "minutes.",
        "\n",
        "Mr.",
        "4.5",
    ]
)


def split(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
    return [text[a:b] for a, b in itertools.pairwise(points) if b > a]


async def gate_run(gate: FactGate, pieces: list[str]) -> list[MessageDelta]:
    out: list[MessageDelta] = []
    for piece in pieces:
        out += await gate.feed("SearchAgent", piece)
    return out + await gate.flush()


@given(st.lists(WORDS, min_size=1, max_size=30), st.lists(st.integers(0, 500), max_size=20))
def test_what_is_released_is_what_was_fed(words: list[str], cuts: list[int]) -> None:
    text = " ".join(words).lstrip()
    checked: list[str] = []

    async def load(sentence: str) -> list[FilmFacts]:
        checked.append(sentence)
        return []

    gate = FactGate(load)
    released = asyncio.run(gate_run(gate, split(text, cuts)))
    assert "".join(d.delta for d in released) == text == gate.text
    assert all(d.delta for d in released)
    # every checked sentence is whole: it ends where the text ends or before whitespace
    at = 0
    for sentence in checked:
        at = text.index(sentence, at) + len(sentence)
        assert at == len(text) or text[at].isspace(), (sentence, text)


@given(st.integers(1, 40), st.lists(st.integers(0, 300), max_size=12))
def test_an_invented_sentence_is_replaced_however_it_is_chunked(
    extra: int, cuts: list[int]
) -> None:
    film = FilmFacts(
        title="ACADEMY DINOSAUR",
        year=2006,
        rating="PG",
        length=86,
        rental_rate=Decimal("0.99"),
        replacement_cost=Decimal("20.99"),
        stock={1: 4},
        actors=frozenset(),
    )
    text = f"Hello there. ACADEMY DINOSAUR runs {86 + extra} minutes. Enjoy it."

    async def load(sentence: str) -> list[FilmFacts]:
        return [film] if film.title in sentence else []

    gate = FactGate(load)
    released = "".join(d.delta for d in asyncio.run(gate_run(gate, split(text, cuts))))
    assert released == (
        "Hello there. From the catalogue: ACADEMY DINOSAUR: rated PG, 86 minutes, $0.99 to "
        "rent, $20.99 to replace, released in 2006. Enjoy it."
    )
    assert [f.kind for f in gate.withheld] == ["length"]
