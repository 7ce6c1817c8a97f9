"""The SearchAgent's side of a catalogue question, for any model provider (decision 0065):

* `search_arguments`: the catalogue search's arguments grounded in the question's links (the
  catalogue's own title for a typo, the actor's full name, the store, the order asked for),
  whatever the model filled in;
* `render`: the answer written from the tool result, answering what was asked first (stock at
  the store asked about, price, replacement cost, length, rating, suitability for a family),
  with exact titles and only the catalogue's facts.

The tool filter of agents/orchestration.py applies both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from domain.catalogue.links import FactAsked, MatchKind, QuestionLinks, SortField

SHOWN = 5

#: what each rating means for a family, and why (MPAA's own wording, shortened)
SUITABILITY: dict[str, tuple[bool, str]] = {
    "G": (True, "rated G: general audiences, suitable for all ages"),
    "PG": (True, "rated PG: fine for most families, some material may not suit young children"),
    "PG-13": (False, "rated PG-13: some material may be inappropriate for children under 13"),
    "R": (False, "rated R: restricted, under-17s need a parent or guardian"),
    "NC-17": (False, "rated NC-17: adults only, no one 17 or under admitted"),
}
#: the MPA's own names of the ratings, for "what does PG-13 mean?"
RATING_MEANINGS: dict[str, str] = {
    "G": "General Audiences: all ages admitted",
    "PG": "Parental Guidance Suggested: some material may not be suitable for children",
    "PG-13": "Parents Strongly Cautioned: some material may be inappropriate for children under 13",
    "R": "Restricted: under 17 requires an accompanying parent or adult guardian",
    "NC-17": "Adults Only: no one 17 and under admitted",
}
_SORT_WORDS: dict[tuple[SortField, bool], str] = {
    (SortField.LENGTH, True): "longest first",
    (SortField.LENGTH, False): "shortest first",
    (SortField.RENTAL_RATE, False): "cheapest first",
    (SortField.RENTAL_RATE, True): "most expensive first",
    (SortField.REPLACEMENT_COST, True): "highest replacement cost first",
    (SortField.REPLACEMENT_COST, False): "lowest replacement cost first",
    (SortField.RELEASE_YEAR, True): "newest first",
    (SortField.RELEASE_YEAR, False): "oldest first",
}


def rating_meanings(links: QuestionLinks) -> str | None:
    """ "What does an MPAA rating of PG mean?": the ratings' meanings from the store's own
    table (a small model gets them wrong), when the question asks what ratings it names mean
    and names no film; None otherwise."""
    if not links.asks_meaning or not links.ratings or links.titles:
        return None
    said = [
        f"{rating.value} is the MPAA rating {RATING_MEANINGS[rating.value]}."
        for rating in links.ratings
        if rating.value in RATING_MEANINGS
    ]
    return " ".join(said) or None


def search_arguments(links: QuestionLinks, given: Mapping[str, Any]) -> dict[str, Any]:
    """`search_films` arguments from the question's links; the model's own (`given`) only
    where the links say nothing the search could use."""
    film = links.film
    if film is not None and film.title:
        stores = {"in_stock_at_store": links.stores[0]} if links.stores else {}
        return {"title": film.title, **stores}
    arguments = _criteria(links)
    if not arguments:
        given_arguments = {k: v for k, v in given.items() if v not in (None, "")}
        if given_arguments or not links.topics:
            return given_arguments
        return {"query": " ".join(links.topics)}
    return arguments


def planned_arguments(links: QuestionLinks) -> dict[str, Any] | None:
    """The search the links call for on their own (a film, or criteria by name), or None when
    the model has to choose (nothing linked, or only loose topic words)."""
    if not links.about_catalogue:
        return None
    film = links.film
    if film is not None and film.title:
        return search_arguments(links, {})
    arguments = _criteria(links)
    return arguments or None


def _criteria(links: QuestionLinks) -> dict[str, Any]:
    arguments: dict[str, Any] = {}
    if links.actors:
        arguments["actor"] = links.actors[0].name
    if links.categories:
        arguments["category"] = links.categories[0]
    if links.ratings:
        arguments["rating"] = links.ratings[0].value
    elif FactAsked.SUITABILITY in links.asks:
        arguments["rating"] = "G"
    if links.max_price is not None:
        arguments["max_price"] = float(links.max_price)
    if links.min_length is not None:
        arguments["min_length"] = links.min_length
    if links.max_length is not None:
        arguments["max_length"] = links.max_length
    if links.stores:
        arguments["in_stock_at_store"] = links.stores[0]
    if links.themes:
        arguments["query"] = " ".join(links.themes)
    if links.sort is not None:
        arguments["sort_by"] = links.sort.field.value
        arguments["descending"] = links.sort.descending
    return arguments


def _copies(count: int) -> str:
    if count == 0:
        return "no copy"
    return "1 copy" if count == 1 else f"{count} copies"


def stock_text(in_stock: Mapping[str, Any]) -> str:
    parts = [
        f"{_copies(int(copies))} in stock at store {store}"
        for store, copies in sorted(in_stock.items())
        if isinstance(copies, int)
    ]
    return ", ".join(parts)


def facts_text(film: Mapping[str, Any]) -> str:
    """`rated PG, 86 minutes, $0.99 to rent, $20.99 to replace`."""
    facts: list[str] = []
    if film.get("rating"):
        facts.append(f"rated {film['rating']}")
    if film.get("length"):
        facts.append(f"{film['length']} minutes")
    if film.get("rental_rate") is not None:
        facts.append(f"${film['rental_rate']} to rent")
    if film.get("replacement_cost") is not None:
        facts.append(f"${film['replacement_cost']} to replace")
    return ", ".join(facts)


def _asked_first(film: Mapping[str, Any], links: QuestionLinks) -> list[str]:
    """Sentences answering what the question asked about this film, in a fixed order."""
    title = film["title"]
    said: list[str] = []
    stock = film.get("in_stock")
    if FactAsked.STOCK in links.asks and isinstance(stock, Mapping) and stock:
        total = sum(int(c) for c in stock.values() if isinstance(c, int))
        verdict = "Yes" if total else "No"
        said.append(f"{verdict}: {title} has {stock_text(stock)}.")
    if FactAsked.SUITABILITY in links.asks and film.get("rating") in SUITABILITY:
        good, why = SUITABILITY[str(film["rating"])]
        verdict = "Yes, it suits a family" if good else "It is not a good pick for children"
        said.append(f"{verdict}: {title} is {why}.")
    elif FactAsked.RATING in links.asks and film.get("rating"):
        said.append(f"{title} is rated {film['rating']}.")
    if FactAsked.PRICE in links.asks and film.get("rental_rate") is not None:
        said.append(f"{title} costs ${film['rental_rate']} to rent.")
    if FactAsked.REPLACEMENT_COST in links.asks and film.get("replacement_cost") is not None:
        said.append(f"Replacing {title} costs ${film['replacement_cost']}.")
    if FactAsked.LENGTH in links.asks and film.get("length"):
        said.append(f"{title} runs {film['length']} minutes.")
    if FactAsked.YEAR in links.asks and film.get("year"):
        said.append(f"{title} was released in {film['year']}.")
    return said


def film_answer(film: Mapping[str, Any], links: QuestionLinks) -> str:
    title = film["title"]
    sentences = _asked_first(film, links)
    line = f"{title}: {facts_text(film)}" if facts_text(film) else str(title)
    stock = film.get("in_stock")
    if FactAsked.STOCK not in links.asks and isinstance(stock, Mapping) and stock:
        line += f"; {stock_text(stock)}"
    sentences.append(line + ".")
    description = film.get("description")
    if description:
        sentences.append(f"{str(description).rstrip('.')}.")
    return " ".join(sentences)


def render(result: Mapping[str, Any], links: QuestionLinks | None) -> str | None:
    """The answer for a catalogue result with films; None for anything else."""
    films = [f for f in result.get("films") or [] if isinstance(f, Mapping) and f.get("title")]
    if not films:
        return None
    top_stock = result.get("in_stock")
    if isinstance(top_stock, Mapping) and len(films) == 1:
        films = [{**films[0], "in_stock": dict(top_stock)}]
    if links is None:
        from domain.catalogue.links import QuestionLinks as Links

        links = Links(question="")
    prefix = ""
    film_link = links.film
    if film_link is not None and film_link.kind is MatchKind.CLOSE:
        prefix = f"Did you mean {film_link.title}? "
    if film_link is not None:
        wanted = [f for f in films if str(f["title"]).upper() == (film_link.title or "").upper()]
        if wanted:
            return prefix + film_answer(wanted[0], links)
    count = result.get("count")
    total = count if isinstance(count, int) and count >= len(films) else len(films)
    if len(films) == 1 and total == 1:
        return prefix + film_answer(films[0], links)
    shown = films[:SHOWN]
    order = _SORT_WORDS.get((links.sort.field, links.sort.descending)) if links.sort else None
    more = f"the first {len(shown)} of {total}" if total > len(shown) else ""
    notes = ", ".join(n for n in (order, more) if n)
    lines = [f"I found {total} films{f' ({notes})' if notes else ''}:"]
    for film in shown:
        line = f"- {film['title']}: {facts_text(film)}"
        stock = film.get("in_stock")
        if isinstance(stock, Mapping) and stock:
            line += f"; {stock_text(stock)}"
        if FactAsked.SUITABILITY in links.asks and film.get("rating") in SUITABILITY:
            line += f" ({SUITABILITY[str(film['rating'])][1]})"
        lines.append(line + ".")
    return prefix + "\n".join(lines)


def films_of(result: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
    return [f for f in result.get("films") or [] if isinstance(f, Mapping)]
