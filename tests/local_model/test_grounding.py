"""Arguments from the customer's words, and answers from catalogue results (no model)."""

from __future__ import annotations

import json
from typing import Annotated

import jsonschema
from semantic_kernel import Kernel
from semantic_kernel.contents import (
    AuthorRole,
    ChatHistory,
    ChatMessageContent,
    FunctionCallContent,
    FunctionResultContent,
)
from semantic_kernel.functions import KernelFunctionMetadata, kernel_function

from agents.local.answers import answer_from_results, render
from agents.local.choice import Step, arguments_schema
from agents.local.grounding import QuestionTerms
from agents.providers.local import one_phrase_one_argument

VOCABULARIES = {
    "Shelf-find.rating": ["G", "PG", "PG-13", "R", "NC-17"],
    "Shelf-find.category": ["Comedy", "Children", "Documentary", "Sci-Fi"],
}


class Shelf:
    @kernel_function(name="find", description="Find films.")
    def find(
        self,
        *,
        title: Annotated[str | None, "Part of the title"] = None,
        category: Annotated[str | None, "Category name"] = None,
        rating: Annotated[str | None, "G, PG, PG-13, R or NC-17"] = None,
        max_price: Annotated[float | None, "Highest rental price in dollars"] = None,
        min_length: Annotated[int | None, "Shortest running time, minutes"] = None,
        max_length: Annotated[int | None, "Longest running time, minutes"] = None,
        in_stock_at_store: Annotated[int | None, "Only films with a copy in this store"] = None,
    ) -> str:
        return ""

    @kernel_function(name="ask", description="Ask.")
    def ask(self, question: Annotated[str, "The question"]) -> str:
        return question


def metadata(name: str) -> KernelFunctionMetadata:
    kernel = Kernel()
    kernel.add_plugin(Shelf(), "Shelf")
    return kernel.get_function("Shelf", name).metadata


def schema_for(question: str) -> dict[str, object]:
    schema = arguments_schema(metadata("find"), (), QuestionTerms.of(question), VOCABULARIES)
    assert schema is not None
    return schema


def allowed(question: str, arguments: dict[str, object]) -> bool:
    try:
        jsonschema.validate(arguments, schema_for(question))
    except jsonschema.ValidationError:
        return False
    return True


def test_strings_are_phrases_of_the_question() -> None:
    question = "how much does Freaky Pocus cost to rent?"
    assert allowed(question, {"title": "Freaky Pocus"})
    assert allowed(question, {"title": "FREAKY POCUS"})
    assert not allowed(question, {"title": "ACADEMY DINOSAUR"})  # an example's, not asked
    assert not allowed(question, {"title": "does Freaky"})  # starts with a filler word


def test_known_values_only_when_the_question_names_them() -> None:
    assert allowed("G-rated comedies", {"rating": "G", "category": "Comedy"})
    assert allowed("children's films rated PG-13", {"rating": "PG-13", "category": "Children"})
    assert not allowed("children's films rated PG-13", {"rating": "PG"})
    properties = schema_for("How long is ALONE TRIP?")["properties"]
    assert isinstance(properties, dict)
    assert "rating" not in properties and "category" not in properties


def test_numbers_go_where_their_words_say() -> None:
    question = "documentaries under $1 shorter than 60 minutes at store 2"
    assert allowed(question, {"max_price": 1, "max_length": 60, "in_stock_at_store": 2})
    assert not allowed(question, {"max_price": 0.99})  # the example's price
    assert not allowed(question, {"min_length": 60})  # "shorter than" is an upper bound
    assert not allowed(question, {"in_stock_at_store": 60})
    assert allowed("foreign films of at least 180 minutes", {"min_length": 180})
    assert not allowed("foreign films of at least 180 minutes", {"max_length": 180})


def test_a_function_whose_required_argument_has_nothing_to_take_is_not_offered() -> None:
    terms = QuestionTerms.of("hello")
    assert arguments_schema(metadata("find"), (), terms, VOCABULARIES) is not None
    ask = arguments_schema(metadata("ask"), (), terms)
    assert ask is not None  # a free-text parameter stays free
    assert ask["properties"]["question"]["type"] == "string"


def test_one_phrase_fills_one_argument() -> None:
    step = Step("Shelf-find", {"title": "Inception", "category": "inception", "max_price": 1})
    assert one_phrase_one_argument(step).arguments == {"title": "Inception", "max_price": 1}


FILM = {
    "id": 1,
    "title": "ACADEMY DINOSAUR",
    "rating": "PG",
    "rental_rate": "0.99",
    "replacement_cost": "20.99",
    "length": 86,
}


def test_one_film_is_answered_with_its_facts_and_stock() -> None:
    text = render({"films": [{**FILM, "in_stock": {"2": 3}}], "count": 1})
    assert text == (
        "ACADEMY DINOSAUR: rated PG, 86 minutes, $0.99 to rent, $20.99 to replace; "
        "3 copies in stock at store 2."
    )
    none = render({"films": [{**FILM, "in_stock": {"1": 0}}], "count": 1})
    assert none is not None and none.endswith("no copy in stock at store 1.")


def test_several_films_are_listed_one_a_line_with_the_total() -> None:
    films = [{**FILM, "id": i, "title": f"FILM NUMBER{i}"} for i in range(7)]
    text = render({"films": films, "count": 12})
    assert text is not None
    lines = text.splitlines()
    assert lines[0] == "I found 12 films (the first 5 of 12):"
    assert len(lines) == 6 and lines[1].startswith("- FILM NUMBER0: rated PG")
    assert render({"films": [], "count": 0}) is None


def history_with(plugin: str, result: dict[str, object]) -> ChatHistory:
    history = ChatHistory()
    history.add_user_message("How long is ACADEMY DINOSAUR?")
    call = FunctionCallContent(id="c1", name=f"{plugin}-search", arguments="{}")
    history.add_message(ChatMessageContent(role=AuthorRole.ASSISTANT, items=[call]))
    output = FunctionResultContent(
        id="c1", function_name="search", plugin_name=plugin, result=json.dumps(result)
    )
    history.add_message(ChatMessageContent(role=AuthorRole.TOOL, items=[output]))
    return history


def test_only_catalogue_results_with_films_are_rendered() -> None:
    found = {"films": [FILM], "count": 1}
    assert answer_from_results(history_with("FilmSearch", found)) is not None
    assert answer_from_results(history_with("Customer", found)) is None
    assert answer_from_results(history_with("FilmSearch", {"error": "NOT_FOUND"})) is None
    assert answer_from_results(history_with("FilmSearch", {"films": [], "count": 0})) is None


def test_titles_and_names_are_only_capitalised_phrases() -> None:
    question = "Rental price for Freaky Pocus, or ZORRO ARK?"
    terms = QuestionTerms.of(question)
    schema = arguments_schema(
        metadata("find"), (), terms, VOCABULARIES, frozenset({"Shelf-find.title"})
    )
    assert schema is not None
    titles = schema["properties"]["title"]["enum"]
    assert {"Freaky Pocus", "ZORRO ARK"} <= set(titles)
    assert "Rental" not in titles  # a sentence's first word
    assert "price" not in titles


def test_words_already_in_an_argument_fill_no_other() -> None:
    step = Step("Shelf-find", {"title": "ALONE TRIP", "actor": "TRIP"})
    assert one_phrase_one_argument(step).arguments == {"title": "ALONE TRIP"}


def test_what_the_question_states_unambiguously_is_filled_in() -> None:
    from agents.local.choice import Choice

    question = "G-rated family films under $1 shorter than 60 minutes at store 2"
    choice = Choice(
        functions=(metadata("find"),),
        terms=QuestionTerms.of(question),
        vocabularies={**VOCABULARIES, "Shelf-find.category": ["Family", "Comedy"]},
    )
    completed = choice.complete(Step("Shelf-find", {"max_length": 60}))
    assert completed.arguments == {
        "max_length": 60,
        "rating": "G",
        "category": "Family",
        "max_price": 1.0,
        "in_stock_at_store": 2,
    }
    assert type(completed.arguments["in_stock_at_store"]) is int
    # a value the model already put elsewhere, or two values named: nothing is added
    two = Choice(
        functions=(metadata("find"),),
        terms=QuestionTerms.of("FAMILY VIDEO: rated PG or G?"),
        vocabularies={**VOCABULARIES, "Shelf-find.category": ["Family"]},
    )
    assert two.complete(Step("Shelf-find", {"title": "FAMILY VIDEO"})).arguments == {
        "title": "FAMILY VIDEO"
    }
