"""The first-turn router: picks the agent that speaks first, so a small model never has to
decide. The question is first linked to the catalogue (domain.catalogue.links, decision 0065):
one naming a catalogue film, actor, category or store, or asking for films by a property,
goes to the SearchAgent; one naming a film the catalogue does not hold takes the
not-in-catalogue path (the LLMAgent, after saying so). Only what the links leave open falls
back to the keyword classifier below (the customer's own account, catalogue words)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from domain.catalogue.links import MatchKind, QuestionLinks, TitleLink


class FirstAgent(StrEnum):
    SEARCH = "SearchAgent"
    LLM = "LLMAgent"


_CATALOGUE_WORDS = frozenset(
    [
        "film",
        "films",
        "movie",
        "movies",
        "dvd",
        "dvds",
        "title",
        "titles",
        "rent",
        "rental",
        "rentals",
        "stock",
        "store",
        "stores",
        "copy",
        "copies",
        "available",
        "availability",
        "actor",
        "actors",
        "actress",
        "starring",
        "category",
        "categories",
        "genre",
        "comedy",
        "horror",
        "action",
        "drama",
        "documentary",
        "family",
        "animation",
        "children",
        "classics",
        "games",
        "music",
        "sports",
        "travel",
        "foreign",
        "sci-fi",
        "new",
        "rated",
        "rating",
        "ratings",
        "pg",
        "pg-13",
        "nc-17",
        "price",
        "priced",
        "cost",
        "costs",
        "cheap",
        "cheapest",
        "minutes",
        "long",
        "length",
        "catalogue",
        "catalog",
        "balance",
        "owe",
        "subscription",
    ]
)
_PRICE = re.compile(r"\$\s*\d|\bunder\s+\d")
#: asking for something by name: "do you have Inception?", "have you got FROZEN?"
_ASKS_FOR = re.compile(
    r"\b(do you (have|rent|stock|carry|sell)|have you got|got any|(something|anything) "
    r"(with|about))\b",
    re.I,
)
_UPPER_TITLE = re.compile(r"\b[A-Z]{3,}\s+[A-Z]{3,}\b")


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    return word.removesuffix("s") if len(word) > 3 else word


def looks_like_catalogue_question(question: str) -> bool:
    found = re.findall(r"[a-z][a-z0-9\-]*", question.lower())
    words = {*found, *(_singular(w) for w in found)}
    return bool(
        words & _CATALOGUE_WORDS
        or _PRICE.search(question)
        or _UPPER_TITLE.search(question)
        or _ASKS_FOR.search(question)
    )


def route(question: str) -> FirstAgent:
    return FirstAgent.SEARCH if looks_like_catalogue_question(question) else FirstAgent.LLM


@dataclass(frozen=True, slots=True)
class Route:
    first: FirstAgent
    #: the film asked for that the catalogue does not hold (the not-in-catalogue path)
    not_in_catalogue: TitleLink | None = None


def not_in_catalogue_notice(link: TitleLink) -> str:
    """What the customer is told first when the film they named is not in the catalogue."""
    if link.kind is MatchKind.PARTIAL and link.title:
        return f"We don't carry {link.asked}; the closest title we have is {link.title}."
    return f"We don't carry {link.asked}; the catalogue has no match for it."


def route_linked(links: QuestionLinks) -> Route:
    """The first agent. A film the catalogue lacks takes the not-in-catalogue path only when
    the question asks for it: "Why do so many people love The Godfather?" is a general
    question about the film, not a request for it (no "closest title" is offered)."""
    missing = links.not_in_catalogue
    if missing is not None and not links.general:
        return Route(FirstAgent.LLM, missing)
    if links.about_catalogue:
        return Route(FirstAgent.SEARCH)
    if _ACCOUNT.search(links.question):
        return Route(FirstAgent.SEARCH)
    return Route(FirstAgent.LLM)


#: the customer's own account: the SearchAgent holds the Customer plugin
_ACCOUNT = re.compile(
    r"\b(?:my|i)\b.*\b(?:rentals?|rented|account|due|late)\b|"
    r"\b(?:balance|subscription|owes?|owing|late fees?|rentals|rented)\b",
    re.IGNORECASE,
)
