"""The generated evaluation set: questions made from templates over the data (decision 0065).

Several phrasings per intent, titles in Title Case / lower case / UPPER CASE, titles with a
typo, actors, sorts, suitability for a family, moods and themes, films the catalogue does not
hold that share a word with one it does, and general questions that mention films. Every label
(the films an answer may name, the facts it must state) is computed from the snapshot, so the
set is regenerated from the data rather than edited (`tests/eval/test_generated.py` checks
that the committed file is what the data gives).

Each question belongs to the `dev` split (tune on it) or the `test` split (only run it to
report): by a hash of the entity it is about, so a film's questions are never in both.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

GENERATED_FILE = Path(__file__).with_name("generated.yaml")
SEED = 13
SEARCH = "SearchAgent"
LLM = "LLMAgent"

#: well-known films; those sharing a word with a catalogue title make the partial matches
FAMOUS = (
    "The Godfather", "The Matrix", "Casablanca", "Titanic", "Amelie", "Inception", "Frozen",
    "Jaws", "Gladiator", "The Lion King", "Pulp Fiction", "Forrest Gump", "Goodfellas",
    "Vertigo", "Psycho", "Rocky", "Alien", "Fargo", "Chinatown", "Braveheart", "Memento",
    "The Shining", "Toy Story", "Star Wars", "Back to the Future", "The Dark Knight",
)  # fmt: skip
GENERAL = (
    "Give me three tips for hosting a movie night",
    "What does an MPAA rating of {rating} mean?",
    "what snacks go well with a long film?",
    "How do I keep DVDs from getting scratched?",
    "What is the difference between a director and a producer?",
    "why do people like watching scary films at night?",
    "Can you explain what a film's running time means?",
    "Who invented cinema?",
)
MOODS = {"something scary": "Horror", "something funny": "Comedy", "a cartoon": "Animation"}
THEME_NOUNS = (
    "Shark", "Crocodile", "Dentist", "Astronaut", "Monkey", "Robot", "Lumberjack", "Squirrel",
    "Mad Scientist", "Boat", "Explorer", "Pioneer", "Husband", "Cat", "Moose", "Sumo Wrestler",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class FilmRow:
    id: int
    title: str
    rating: str
    length: int
    rental_rate: Decimal
    replacement_cost: Decimal
    description: str
    categories: tuple[str, ...]
    #: copies in stock per store
    stock: dict[int, int]


@dataclass(frozen=True, slots=True)
class ActorRow:
    id: int
    name: str  # "PENELOPE GUINESS"
    films: tuple[int, ...]


@dataclass(slots=True)
class Snapshot:
    films: list[FilmRow]
    actors: list[ActorRow]
    categories: list[str] = field(default_factory=list)


def snapshot_of(rows: dict[str, list[dict[str, Any]]]) -> Snapshot:
    films = [FilmRow(**row) for row in rows["films"]]
    actors = [ActorRow(**row) for row in rows["actors"]]
    return Snapshot(films, actors, sorted({c for f in films for c in f.categories}))


def split_of(key: str) -> str:
    return "test" if zlib.crc32(key.encode()) % 2 else "dev"


def cased(text: str, how: int) -> str:
    return (text.title(), text.lower(), text.upper())[how % 3]


def typo(title: str, rng: random.Random) -> str:
    words = title.split()
    i = max(range(len(words)), key=lambda k: len(words[k]))
    word = words[i]
    at = rng.randrange(1, len(word))
    letter = rng.choice([c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c != word[at]])
    words[i] = word[:at] + letter + word[at + 1 :]
    return " ".join(words)


def _q(qid: str, kind: str, question: str, agent: str, split: str, **labels: Any) -> dict[str, Any]:
    return {"id": qid, "kind": kind, "question": question, "agent": agent, "split": split, **labels}


_FACT_TEMPLATES = (
    ("How much does {t} cost to rent?", "rental_rate"),
    ("what's the rental price of {t}", "rental_rate"),
    ("If I lose {t}, what is the replacement cost?", "replacement_cost"),
    ("How long is {t}?", "length"),
    ("{t}: how many minutes does it run?", "length"),
    ("What is {t} rated?", "rating"),
)


def _fact(film: FilmRow, field_name: str) -> str:
    return str(getattr(film, field_name))


def title_questions(films: Sequence[FilmRow], rng: random.Random) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    all_titles = {f.title for f in films}
    for n, film in enumerate(films):
        split = split_of(f"film-{film.id}")
        template, fact = _FACT_TEMPLATES[n % len(_FACT_TEMPLATES)]
        labels = {"films": [film.id], "must_name": True, "facts": [_fact(film, fact)]}
        out.append(
            _q(f"title-{film.id}", "title_lookup",
               template.format(t=cased(film.title, n)), SEARCH, split, **labels)
        )  # fmt: skip
        if n % 2 == 0:
            wrong = typo(film.title, rng)
            if wrong not in all_titles:
                template, fact = _FACT_TEMPLATES[(n + 3) % len(_FACT_TEMPLATES)]
                labels = {"films": [film.id], "must_name": True, "facts": [_fact(film, fact)]}
                out.append(
                    _q(f"typo-{film.id}", "typo_title",
                       template.format(t=cased(wrong, n + 1)), SEARCH, split, **labels)
                )  # fmt: skip
        if n % 3 == 0:
            store = 1 + n % 2
            out.append(
                _q(f"stock-{film.id}", "availability",
                   f"Do you have {cased(film.title, n + 2)} in stock at store {store}?",
                   SEARCH, split, films=[film.id], must_name=True,
                   in_stock=film.stock.get(store, 0) > 0)
            )  # fmt: skip
        if n % 3 == 1:
            out.append(
                _q(f"family-{film.id}", "suitability",
                   f"Is {cased(film.title, n)} a good pick for a family movie night?",
                   SEARCH, split, films=[film.id], must_name=True, facts=[film.rating])
            )  # fmt: skip
    return out


def _top(
    films: Sequence[FilmRow], key: Callable[[FilmRow], Any], descending: bool, k: int = 5
) -> list[int]:
    """Every film that may appear in the first k by `key` (ties included)."""
    ordered = sorted(films, key=key, reverse=descending)
    if not ordered:
        return []
    edge = key(ordered[min(k, len(ordered)) - 1])
    if descending:
        return sorted(f.id for f in films if key(f) >= edge)
    return sorted(f.id for f in films if key(f) <= edge)


_SORTS = (
    ("What are the longest films you have?", lambda f: f.length, True),
    ("show me your shortest movies", lambda f: f.length, False),
    ("which films are the cheapest to rent?", lambda f: f.rental_rate, False),
    ("What are your most expensive films to rent?", lambda f: f.rental_rate, True),
)


def sort_questions(snapshot: Snapshot) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for n, (text, key, descending) in enumerate(_SORTS):
        out.append(
            _q(f"sort-{n}", "sort", text, SEARCH, split_of(text),
               films=_top(snapshot.films, key, descending), must_name=True)
        )  # fmt: skip
        for m, category in enumerate(snapshot.categories):
            if (n + m) % 4:
                continue
            in_category = [f for f in snapshot.films if category in f.categories]
            noun = "films" if "films" in text else "movies"
            phrased = text.replace(noun, f"{category.lower()} {noun}", 1)
            out.append(
                _q(f"sort-{n}-{category.lower()}", "sort", phrased, SEARCH,
                   split_of(phrased), films=_top(in_category, key, descending), must_name=True)
            )  # fmt: skip
    return out


def actor_questions(snapshot: Snapshot) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    phrasings = ("Which films star {a}?", "anything with {a} in it?", "movies featuring {a}")
    for n, actor in enumerate(snapshot.actors):
        if n % 4:
            continue
        text = phrasings[n % 3].format(a=cased(actor.name, n))
        # Pagila has two SUSAN DAVIS: either one's films answer the question
        namesakes = [a for a in snapshot.actors if a.name == actor.name]
        films = sorted({f for a in namesakes for f in a.films})
        out.append(
            _q(f"actor-{actor.id}", "actor", text, SEARCH, split_of(f"actor-{actor.id}"),
               films=films, must_name=True)
        )  # fmt: skip
    return out


def theme_questions(snapshot: Snapshot) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for text, category in MOODS.items():
        films = [f.id for f in snapshot.films if category in f.categories]
        for n, lead in enumerate(("I'd like {m}", "got {m} for tonight?")):
            phrased = lead.format(m=text)
            out.append(
                _q(f"mood-{category.lower()}-{n}", "mood", phrased, SEARCH, split_of(phrased),
                   films=films, must_name=True)
            )  # fmt: skip
    for n, noun in enumerate(THEME_NOUNS):
        words = noun.lower().split()
        films = [
            f.id for f in snapshot.films if all(w in f.description.lower().split() for w in words)
        ]
        if not films:
            continue
        lead = ("something with a {x}", "any films about a {x}?", "movies involving a {x}")[n % 3]
        phrased = lead.format(x=noun.lower())
        out.append(
            _q(f"theme-{n}", "mood", phrased, SEARCH, split_of(phrased), films=films,
               must_name=True)
        )  # fmt: skip
    return out


def absent_questions(snapshot: Snapshot) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    titles = {f.title for f in snapshot.films}
    phrasings = (
        "Do you have {t} in stock?",
        "Is {t} available to rent?",
        "have you got {t}?",
        "Tell me about the film {t}.",
    )
    for n, name in enumerate(FAMOUS):
        if name.upper() in titles:
            continue
        # the answer may point to the closest titles: those sharing a word with the name
        words = {w for w in name.upper().split() if len(w) >= 3 and w != "THE"}
        closest = sorted(f.id for f in snapshot.films if words & set(f.title.split()))
        for m, phrasing in enumerate(phrasings):
            if (n + m) % 2:
                continue
            written = name if m % 2 == 0 else name.upper()
            text = phrasing.format(t=written)
            out.append(
                _q(f"absent-{n}-{m}", "not_in_catalogue", text, LLM, split_of(name),
                   films=closest, handoff=True)
            )  # fmt: skip
    return out


def general_questions(snapshot: Snapshot) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    ratings = ("G", "PG", "PG-13", "R", "NC-17")
    for n, template in enumerate(GENERAL):
        for m, rating in enumerate(ratings if "{rating}" in template else ("",)):
            text = template.format(rating=rating)
            out.append(_q(f"general-{n}-{m}", "general", text, LLM, split_of(text)))
    for n, name in enumerate(FAMOUS[:10]):
        text = f"Why do so many people love {name}?"
        out.append(_q(f"general-film-{n}", "general", text, LLM, split_of(name)))
    return out


def generate(snapshot: Snapshot) -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    films = [f for f in snapshot.films if f.id % 5 == 0]  # 200 films, every fifth
    return [
        *title_questions(films, rng),
        *sort_questions(snapshot),
        *actor_questions(snapshot),
        *theme_questions(snapshot),
        *absent_questions(snapshot),
        *general_questions(snapshot),
    ]


def dump(questions: Sequence[dict[str, Any]], path: Path = GENERATED_FILE) -> None:
    header = (
        "# Generated by agents/eval/generate.py from the Pagila data: do not edit by hand.\n"
        "# Regenerate: pagila-graph eval --generate\n"
    )
    path.write_text(
        header + yaml.safe_dump(list(questions), sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
