"""Answers written from catalogue tool results, for the local model (docs/decisions/0061).

Measured on Qwen2.5-Coder-0.5B: once a search has found films, the model's own answer misspells
titles, picks facts from the wrong film and takes 3 to 5 s to write. The films, their facts and
their stock are all in the tool result, so the answer is rendered from it: exact titles (the
grounding check has nothing to flag), every fact the tools give, no generation time. The model
still chooses the tool and its arguments — the part that needs understanding — and writes the
answers to everything else (general questions, the customer's own account, no-match).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from semantic_kernel.contents import (
    ChatHistory,
    FunctionCallContent,
    FunctionResultContent,
)

#: the catalogue plugin whose results are rendered (agents/plugins/film_search.py)
CATALOGUE_PLUGIN = "FilmSearch"
SHOWN = 5


def _copies(count: int) -> str:
    if count == 0:
        return "no copy"
    return "1 copy" if count == 1 else f"{count} copies"


def _stock(in_stock: Mapping[str, Any]) -> str:
    parts = [
        f"{_copies(int(copies))} in stock at store {store}"
        for store, copies in in_stock.items()
        if isinstance(copies, int)
    ]
    return ", ".join(parts)


def film_line(film: Mapping[str, Any]) -> str:
    """`ACADEMY DINOSAUR: rated PG, 86 minutes, $0.99 to rent, $20.99 to replace`, then its
    stock when the result has it."""
    facts: list[str] = []
    if film.get("rating"):
        facts.append(f"rated {film['rating']}")
    if film.get("length"):
        facts.append(f"{film['length']} minutes")
    if film.get("rental_rate") is not None:
        facts.append(f"${film['rental_rate']} to rent")
    if film.get("replacement_cost") is not None:
        facts.append(f"${film['replacement_cost']} to replace")
    line = f"{film['title']}: {', '.join(facts)}" if facts else str(film["title"])
    stock = film.get("in_stock")
    if isinstance(stock, Mapping) and stock:
        line += f"; {_stock(stock)}"
    return line


def render(result: Mapping[str, Any]) -> str | None:
    """The answer for a catalogue result with films; None for anything else."""
    films = [f for f in result.get("films") or [] if isinstance(f, Mapping) and f.get("title")]
    if not films:
        return None
    shown = films[:SHOWN]
    count = result.get("count")
    total = count if isinstance(count, int) and count >= len(films) else len(films)
    stock = result.get("in_stock")
    if len(shown) == 1 and total == 1:
        text = film_line(shown[0])
        if isinstance(stock, Mapping) and stock:
            text += f"; {_stock(stock)}"
        description = shown[0].get("description")
        if description:
            text += f". {description}"
        return text + "."
    more = f" (the first {len(shown)} of {total})" if total > len(shown) else ""
    lines = [f"I found {total} films{more}:"]
    lines.extend(f"- {film_line(film)}." for film in shown)
    return "\n".join(lines)


def _latest_results(history: ChatHistory) -> Sequence[FunctionResultContent]:
    if not history.messages:
        return []
    return [i for i in history.messages[-1].items if isinstance(i, FunctionResultContent)]


def _call_of(history: ChatHistory, call_id: str | None) -> FunctionCallContent | None:
    for message in reversed(history.messages):
        for item in message.items:
            if isinstance(item, FunctionCallContent) and item.id == call_id:
                return item
    return None


def answer_from_results(history: ChatHistory) -> str | None:
    """The answer when the latest message is a catalogue tool result with films."""
    for result in reversed(_latest_results(history)):
        call = _call_of(history, result.call_id or result.id)
        plugin = (call.plugin_name if call else None) or result.plugin_name
        if plugin != CATALOGUE_PLUGIN:
            continue
        try:
            data = json.loads(str(result.result))
        except ValueError:
            continue
        if isinstance(data, dict) and "error" not in data:
            text = render(data)
            if text is not None:
                return text
    return None
