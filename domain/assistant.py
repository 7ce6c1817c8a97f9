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
