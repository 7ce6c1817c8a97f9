"""Arguments from the customer's words (agents.grounding), for every provider: what the
orchestration lets each argument take (and the local model's grammar admits), vocabularies from
the plugins' typed parameters, and the tool filter's grounding of any model's call."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import jsonschema
from semantic_kernel import Kernel
from semantic_kernel.functions import KernelFunctionMetadata, kernel_function

from agents.events import ToolCallFinished
from agents.grounding import (
    argument_schemas,
    complete_arguments,
    grounded_call,
    one_phrase_one_argument,
)
from agents.local.choice import arguments_schema
from agents.plugins.film_search import CATEGORIES, FilmSearchPlugin
from config.settings import Settings
from domain.auth import ANONYMOUS
from domain.catalogue.films import MpaaRating
from persistence.db import Database
from persistence.unit_of_work import SqlUnitOfWorkFactory
from tests.agents.conftest import Sql, runner
from tests.agents.scripted import Call, Reply, Say, ScriptTurn


class Genre(StrEnum):
    COMEDY = "Comedy"
    CHILDREN = "Children"
    DOCUMENTARY = "Documentary"
    FAMILY = "Family"
    SCI_FI = "Sci-Fi"


class Shelf:
    @kernel_function(name="find", description="Find films.")
    def find(
        self,
        *,
        title: Annotated[str | None, "Part of the title"] = None,
        category: Annotated[Genre | None, "Category"] = None,
        rating: Annotated[MpaaRating | None, "MPAA rating"] = None,
        max_price: Annotated[float | None, "Highest rental price in dollars"] = None,
        min_length: Annotated[int | None, "Shortest running time, minutes"] = None,
        max_length: Annotated[int | None, "Longest running time, minutes"] = None,
        in_stock_at_store: Annotated[int | None, "Only films with a copy in this store"] = None,
    ) -> str:
        return ""

    @kernel_function(name="ask", description="Ask.")
    def ask(self, question: Annotated[str, "The question"]) -> str:
        return question


NAMES = frozenset({"Shelf-find.title"})


def metadata(name: str) -> KernelFunctionMetadata:
    kernel = Kernel()
    kernel.add_plugin(Shelf(), "Shelf")
    return kernel.get_function("Shelf", name).metadata


def schema_for(question: str, names: frozenset[str] = frozenset()) -> dict[str, object]:
    find = metadata("find")
    schema = arguments_schema(find, (), argument_schemas([find], question, names))
    assert schema is not None
    return schema


def allowed(question: str, arguments: dict[str, object]) -> bool:
    try:
        jsonschema.validate(arguments, schema_for(question))
    except jsonschema.ValidationError:
        return False
    return True


def test_vocabularies_come_from_the_typed_parameters() -> None:
    find = metadata("find")
    by_name = {p.name: p.schema_data or {} for p in find.parameters}
    assert by_name["rating"]["enum"] == [r.value for r in MpaaRating]
    assert by_name["category"]["enum"] == [g.value for g in Genre]
    search = Kernel()
    search.add_plugin(FilmSearchPlugin(units=None), "FilmSearch")  # type: ignore[arg-type]
    parameters = {
        p.name: p.schema_data or {}
        for p in search.get_function("FilmSearch", "search_films").metadata.parameters
    }
    assert parameters["category"]["enum"] == list(CATEGORIES)
    assert parameters["rating"]["enum"] == [r.value for r in MpaaRating]
    assert "length" in parameters["sort_by"]["enum"]


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
    find, ask = metadata("find"), metadata("ask")
    constraints = argument_schemas([find, ask], "hello")
    assert arguments_schema(find, (), constraints) is not None
    asked = arguments_schema(ask, (), constraints)
    assert asked is not None  # a free-text parameter stays free
    assert asked["properties"]["question"]["type"] == "string"


def test_titles_and_names_are_only_capitalised_phrases() -> None:
    schema = schema_for("Rental price for Freaky Pocus, or ZORRO ARK?", NAMES)
    properties = schema["properties"]
    assert isinstance(properties, dict)
    titles = properties["title"]["enum"]
    assert {"Freaky Pocus", "ZORRO ARK"} <= set(titles)
    assert "Rental" not in titles  # a sentence's first word
    assert "price" not in titles


def test_one_phrase_fills_one_argument() -> None:
    given = {"title": "Inception", "category": "inception", "max_price": 1}
    assert one_phrase_one_argument(given) == {"title": "Inception", "max_price": 1}
    assert one_phrase_one_argument({"title": "ALONE TRIP", "actor": "TRIP"}) == {
        "title": "ALONE TRIP"
    }


def test_what_the_question_states_unambiguously_is_filled_in() -> None:
    find = metadata("find")
    question = "G-rated family films under $1 shorter than 60 minutes at store 2"
    schemas = argument_schemas([find], question)
    completed = complete_arguments("Shelf-find", {"max_length": 60}, schemas)
    assert completed == {
        "max_length": 60,
        "rating": "G",
        "category": "Family",
        "max_price": 1.0,
        "in_stock_at_store": 2,
    }
    assert type(completed["in_stock_at_store"]) is int
    # a value the model already put elsewhere, or two values named: nothing is added
    two = argument_schemas([find], "FAMILY VIDEO: rated PG or G?")
    assert complete_arguments("Shelf-find", {"title": "FAMILY VIDEO"}, two) == {
        "title": "FAMILY VIDEO"
    }


def test_a_models_values_are_mapped_onto_the_vocabularies() -> None:
    find = metadata("find")
    for written, meant in (("comedies", "Comedy"), ("sci-fi", "Sci-Fi"), ("DOCUMENTARY", None)):
        grounded = grounded_call(find, {"category": written}, {})
        assert grounded.get("category") == (meant or "Documentary"), written
    assert grounded_call(find, {"category": "Romance", "rating": "pg-13"}, {}) == {
        "rating": MpaaRating.PG_13
    }


async def test_the_tool_filter_grounds_any_models_call(
    agent_settings: Settings, agents_db: Database, sql: Sql
) -> None:
    """A model writing a category in the plural and a rating in lower case: the search gets
    the catalogue's values, whichever provider wrote them."""

    def model(turn: ScriptTurn) -> Reply:
        if turn.offers("FilmSearch-search_films") and not turn.tool_results:
            return Call("FilmSearch-search_films", {"category": "comedies", "rating": "pg-13"})
        if turn.offers("Handoff-transfer_to_SearchAgent") and not turn.tool_results:
            return Call("Handoff-transfer_to_SearchAgent")
        return Say("Here you are.")

    agents = runner(agent_settings, agents_db, model)
    answer = await agents.ask("what could I watch with my friends tonight?", ANONYMOUS)
    (search,) = [s for s in answer.steps if isinstance(s, ToolCallFinished)]
    assert json.loads(search.arguments) == {"category": "Comedy", "rating": "PG-13"}
    named = await sql.rows(
        "SELECT f.rating::text AS rating, bool_or(c.name = 'Comedy') AS comedy FROM film f "
        "JOIN film_category fc ON fc.film_id = f.film_id "
        "JOIN category c ON c.category_id = fc.category_id "
        "WHERE f.film_id = ANY($1::int[]) GROUP BY f.film_id, f.rating",
        answer.film_ids,
    )
    assert answer.film_ids and {(r["rating"], r["comedy"]) for r in named} == {("PG-13", True)}


def test_the_plugins_unit_of_work_factory_is_injected() -> None:
    """Plugins build no unit of work of their own: they use the factory they are given."""
    units = SqlUnitOfWorkFactory.__new__(SqlUnitOfWorkFactory)
    assert FilmSearchPlugin(units)._units is units
