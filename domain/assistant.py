"""The assistant's business rules: which films it recommends, which titles an answer may name,
and its refusals. Plain Python; the agents (agents/) and the API (graph/agents/) apply them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from domain.catalogue.films import Film, MpaaRating
from domain.errors import DomainError

# --- refusals ---------------------------------------------------------------------------------


class ModelUnavailable(DomainError):
    code = "MODEL_UNAVAILABLE"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "No language model is configured. Set MODEL_PROVIDER to one of openai, "
            "azure_openai, ollama, openai_compatible, local or scripted (see docs/agents.md)."
        )


class AgentBusy(DomainError):
    """Every agent slot is taken (AGENT_MAX_CONCURRENT_RUNS); try again shortly."""

    code = "AGENT_BUSY"

    def __init__(self) -> None:
        super().__init__("The assistant is busy with other questions; try again in a moment.")


class AgentTimeout(DomainError):
    code = "AGENT_TIMEOUT"

    def __init__(self, seconds: float) -> None:
        super().__init__(f"The assistant took longer than {seconds:g} s and was stopped.")


class AgentOutputInvalid(DomainError):
    """The model's output did not follow the required format, even after one retry."""

    code = "AGENT_OUTPUT_INVALID"


class AgentFailed(DomainError):
    """The model provider failed (network, refusal, quota); the details are logged."""

    code = "AGENT_FAILED"


# --- the recommendation rule -----------------------------------------------------------------

#: Ratings "above PG-13" in the MPAA order G < PG < PG-13 < R < NC-17.
RATING_ORDER: tuple[MpaaRating, ...] = (
    MpaaRating.G,
    MpaaRating.PG,
    MpaaRating.PG_13,
    MpaaRating.R,
    MpaaRating.NC_17,
)
RECOMMENDED_MAX_RATE = Decimal("3.00")


def is_recommended(film: Film) -> bool:
    """A film is recommended when it is rated above PG-13 (R or NC-17) and one rental costs
    less than 3.00. The model never decides this: `filmSummary` overrides what it says."""
    if film.rating is None:
        return False
    above = RATING_ORDER.index(film.rating) > RATING_ORDER.index(MpaaRating.PG_13)
    return above and film.rental_rate < RECOMMENDED_MAX_RATE


@dataclass(frozen=True, slots=True)
class FilmSummary:
    film_id: int
    title: str
    rating: str
    recommended: bool


# --- grounding: every title an answer names must exist ----------------------------------------

#: Pagila titles are upper-case words ("ACADEMY DINOSAUR"); answers quote them that way.
_UPPER_RUN = re.compile(r"\b[A-Z][A-Z'\-]+(?:\s+[A-Z][A-Z'\-]+)+\b")
_QUOTED = re.compile(r"[\"“]([^\"”]{2,60})[\"”]")
#: Upper-case runs that are not titles.
_NOT_TITLES = frozenset({"PG-13", "NC-17", "DVD", "MPAA", "USD", "I", "OK"})


def candidate_titles(answer: str) -> list[str]:
    """Phrases of an answer that name a film: runs of two or more upper-case words, and quoted
    phrases. Each once, in order of appearance, upper-cased as the catalogue stores titles."""
    found: list[str] = []
    for match in [*_UPPER_RUN.findall(answer), *_QUOTED.findall(answer)]:
        words = [w for w in match.split() if w.upper() not in _NOT_TITLES]
        title = " ".join(words).upper().strip(" .,!?;:")
        if len(words) >= 1 and title and title not in found:
            found.append(title)
    return found


class TitleLookup(Protocol):
    async def existing_titles(self, titles: Sequence[str]) -> set[str]:
        """Those of `titles` (upper case) that are titles of catalogue films."""
        ...


async def ungrounded_titles(answer: str, lookup: TitleLookup) -> list[str]:
    """Titles the answer names that are not in the catalogue (an invented film)."""
    candidates = candidate_titles(answer)
    if not candidates:
        return []
    existing = await lookup.existing_titles(candidates)
    return [title for title in candidates if title not in existing and _looks_like_title(title)]


def _looks_like_title(phrase: str) -> bool:
    # Two words or more: Pagila titles always have two; a single quoted word is not flagged.
    return len(phrase.split()) >= 2


def mentioned(answer: str, titles: Iterable[tuple[int, str]]) -> list[int]:
    """Ids of the films whose title the answer mentions (case-insensitive), in answer order."""
    upper = answer.upper()
    positions = [(upper.find(title.upper()), film_id) for film_id, title in titles]
    return [film_id for position, film_id in sorted(positions) if position >= 0]


# --- honest matches: never "no match" for a title the catalogue holds --------------------------

_DENIAL = re.compile(
    r"\bno match\b|\bdon'?t (?:carry|have|stock)\b|\bdo not (?:carry|have|stock)\b|"
    r"\bnot in (?:the|our) catalog(?:ue)?\b|\bno (?:such|information about)\b|"
    r"\bcouldn'?t find\b|\bcould not find\b|\bno film\b|\bnot (?:carried|available in our)",
    re.IGNORECASE,
)


def denied_titles(answer: str, catalogue_titles: Sequence[str]) -> list[str]:
    """Those of `catalogue_titles` (titles the question names that the catalogue holds) that
    the answer denies: it says there is no match, or that the store does not carry them, and
    does not give their facts by name. Empty for an honest answer."""
    if not catalogue_titles or _DENIAL.search(answer) is None:
        return []
    upper = answer.upper()
    return [title for title in catalogue_titles if title.upper() not in upper]


# --- facts: what an answer says about a catalogue film must be the catalogue's -----------------


@dataclass(frozen=True, slots=True)
class FilmFacts:
    """What the catalogue holds about one film, for checking an answer against it."""

    title: str
    year: int | None
    rating: str | None
    length: int | None
    rental_rate: Decimal
    replacement_cost: Decimal
    #: copies in stock per store (store id → copies)
    stock: dict[int, int]
    #: the film's actors, upper case ("PENELOPE GUINESS")
    actors: frozenset[str]


@dataclass(frozen=True, slots=True)
class InventedFact:
    title: str
    kind: str  # year, rating, length, price, stock, person
    said: str

    def describe(self) -> str:
        return f"{self.title}: {self.kind} {self.said!r}"


_YEAR = re.compile(r"\b(19[0-9]{2}|20[0-9]{2})\b")
_RATING_WORD = re.compile(r"(?<![\w-])(NC-17|PG-13|PG|G|R)(?![\w-])")
_RATED = re.compile(r"\brated\s+(NC-17|PG-13|PG|G|R)(?![\w-])", re.IGNORECASE)
_DOLLARS = re.compile(r"\$\s*(\d+(?:\.\d{1,2})?)")
_MINUTES_SAID = re.compile(r"\b(\d{1,3})\s*(?:minutes?|mins?)\b", re.IGNORECASE)
_HOURS_SAID = re.compile(r"\b(\d)\s*hours?\b", re.IGNORECASE)
_STOCK_SAID = re.compile(r"\b(no|\d+)\s+cop(?:y|ies)\b[^.;]*?\bstore\s*(\d+)", re.IGNORECASE)
_PEOPLE = re.compile(
    r"\b(?:directed by|director(?: is|,)?|starring|stars|features|written by|produced by)\s+"
    r"((?:[A-Z][a-zA-Z'\-]+)(?:\s+[A-Z][a-zA-Z'\-]+){0,2})"
)
_SENTENCE_END = re.compile(r"(?<=[.!?\n])\s+")


def _about(answer: str, title: str, titles: Sequence[str]) -> list[str]:
    """The parts of the answer about `title`: from each mention up to the end of its sentence
    or the next other title, whichever comes first."""
    upper = answer.upper()
    parts: list[str] = []
    start = upper.find(title.upper())
    while start >= 0:
        end = len(answer)
        sentence = _SENTENCE_END.search(answer, start + len(title))
        if sentence is not None:
            end = sentence.start()
        for other in titles:
            if other.upper() == title.upper():
                continue
            at = upper.find(other.upper(), start + len(title))
            if 0 <= at < end:
                end = at
        parts.append(answer[start:end])
        start = upper.find(title.upper(), start + len(title))
    return parts


def invented_facts(answer: str, films: Sequence[FilmFacts]) -> list[InventedFact]:
    """Facts the answer states about catalogue films (named in it) that the catalogue
    contradicts: a year, a rating, a running time, a price, a stock count or a person (Pagila
    records no director; a named star must be one of the film's actors)."""
    found: list[InventedFact] = []
    titles = [f.title for f in films]
    for film in films:
        for part in _about(answer, film.title, titles):
            found.extend(_check(film, part))
    unique: list[InventedFact] = []
    for fact in found:
        if fact not in unique:
            unique.append(fact)
    return unique


def _check(film: FilmFacts, part: str) -> list[InventedFact]:
    return [
        *_check_numbers(film, part),
        *_check_stock(film, part),
        *_check_people(film, part),
    ]


def _check_numbers(film: FilmFacts, part: str) -> list[InventedFact]:
    wrong = [
        InventedFact(film.title, "year", year)
        for year in _YEAR.findall(part)
        if film.year is None or int(year) != film.year
    ]
    rest = part[len(film.title) :]
    rated = [r.upper() for r in _RATED.findall(rest)] or [
        r for r in _RATING_WORD.findall(rest) if r not in ("G", "R")
    ]
    wrong += [InventedFact(film.title, "rating", r) for r in rated[:1] if r != (film.rating or "")]
    wrong += [
        InventedFact(film.title, "length", f"{m} minutes")
        for m in _MINUTES_SAID.findall(part)
        if film.length is None or int(m) != film.length
    ]
    prices = {film.rental_rate, film.replacement_cost}
    wrong += [
        InventedFact(film.title, "price", f"${amount}")
        for amount in _DOLLARS.findall(part)
        if Decimal(amount) not in prices
    ]
    return wrong


def _check_stock(film: FilmFacts, part: str) -> list[InventedFact]:
    wrong: list[InventedFact] = []
    for copies, store in _STOCK_SAID.findall(part):
        said = 0 if copies.lower() == "no" else int(copies)
        actual = film.stock.get(int(store))
        if actual is not None and said != actual:
            wrong.append(InventedFact(film.title, "stock", f"{copies} at store {store}"))
    return wrong


def _check_people(film: FilmFacts, part: str) -> list[InventedFact]:
    """Pagila records no director, writer or producer; a star must be one of the actors."""
    wrong: list[InventedFact] = []
    for match in _PEOPLE.finditer(part):
        lead = match.group(0).lower()
        crew = any(word in lead for word in ("direct", "written", "produced"))
        if crew or match.group(1).upper() not in film.actors:
            wrong.append(InventedFact(film.title, "person", match.group(1)))
    return wrong


def _facts_line(film: FilmFacts) -> str:
    known = [f"rated {film.rating}" if film.rating else "", f"{film.length} minutes"]
    known += [f"${film.rental_rate} to rent", f"${film.replacement_cost} to replace"]
    if film.year:
        known.append(f"released in {film.year}")
    return f"{film.title}: {', '.join(k for k in known if k)}"


_NO_CREW = " The catalogue records no director, and only the actors it lists."


def correction(films: Sequence[FilmFacts], facts: Sequence[InventedFact]) -> str:
    """What the customer is told after an answer with invented facts: the catalogue's own."""
    wrong = {f.title for f in facts}
    lines = [_facts_line(film) for film in films if film.title in wrong]
    text = " Correction from the catalogue (some details above are not ours): "
    text += "; ".join(lines) + "."
    if any(f.kind == "person" for f in facts):
        text += _NO_CREW
    return text


def catalogue_facts(films: Sequence[FilmFacts], facts: Sequence[InventedFact]) -> str:
    """What the customer is told instead of a sentence with invented facts (held back before
    it was streamed, so nothing wrong was shown): the catalogue's own facts of those films."""
    wrong = {f.title for f in facts}
    lines = [_facts_line(film) for film in films if film.title in wrong]
    text = "From the catalogue: " + "; ".join(lines) + "."
    if any(f.kind == "person" for f in facts):
        text += _NO_CREW
    return text


def people_named(answer: str) -> list[str]:
    """People the answer names as a film's director, writer, producer or star."""
    return list(dict.fromkeys(m.group(1) for m in _PEOPLE.finditer(answer)))
