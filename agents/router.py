"""The first-turn router: a cheap keyword classifier picks the agent that speaks first, so a
small model never has to decide. Catalogue questions go to the SearchAgent, the rest to the
LLMAgent (which can still hand a catalogue question back)."""

from __future__ import annotations

import re
from enum import StrEnum


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
