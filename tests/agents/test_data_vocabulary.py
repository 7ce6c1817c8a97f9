"""The links read categories from the data; the search tool's `category` vocabulary is the
bundled data's (an enum, decision 0065). A category created later (issue 14's fuzz run made
them through `createCategory`) must not make Semantic Kernel refuse the whole tool call: the
value outside the vocabulary is left out of the call, and the question is still answered."""

from __future__ import annotations

import random
import string
from collections.abc import AsyncIterator

import pytest
from semantic_kernel import Kernel
from semantic_kernel.functions import KernelFunctionMetadata

from agents.events import RunCompleted, ToolCallFinished
from agents.grounding import within_vocabularies
from agents.plugins.film_search import CATEGORIES, FilmSearchPlugin
from config.settings import Settings
from domain.auth import ANONYMOUS
from domain.catalogue.links import link_question
from persistence.db import Database
from persistence.unit_of_work import SqlAlchemyUnitOfWork
from tests.agents.conftest import Sql, runner
from tests.agents.scripted import Reply, Say, ScriptTurn

ANSWER = "Here is what I found."


def search_metadata() -> KernelFunctionMetadata:
    kernel = Kernel()
    kernel.add_plugin(FilmSearchPlugin(units=None), "FilmSearch")  # type: ignore[arg-type]
    return kernel.get_function("FilmSearch", "search_films").metadata


def test_values_outside_a_vocabulary_are_left_out_and_the_rest_mapped() -> None:
    metadata = search_metadata()
    rng = random.Random(5)
    for _ in range(50):
        known = rng.choice(CATEGORIES)
        made_up = "".join(rng.choices(string.ascii_letters, k=rng.randint(4, 12)))
        spelled = rng.choice([known.lower(), known.upper(), known])
        kept = within_vocabularies(metadata, {"category": spelled, "max_length": 90})
        assert kept == {"category": known, "max_length": 90}
        if made_up.lower() not in {c.lower() for c in CATEGORIES}:
            kept = within_vocabularies(metadata, {"category": made_up, "query": "shark"})
            assert kept == {"query": "shark"}


@pytest.fixture
async def new_category(sql: Sql) -> AsyncIterator[str]:
    """A category the bundled data lacks, holding a few films; removed afterwards."""
    name = "Zorblax" + "".join(random.Random().choices(string.ascii_lowercase, k=6))
    (row,) = await sql.rows("INSERT INTO category (name) VALUES ($1) RETURNING category_id", name)
    category_id = row["category_id"]
    await sql.rows(
        "INSERT INTO film_category (film_id, category_id) "
        "SELECT film_id, $1 FROM film ORDER BY film_id LIMIT 3",
        category_id,
    )
    try:
        yield name
    finally:
        await sql.rows("DELETE FROM film_category WHERE category_id = $1", category_id)
        await sql.rows("DELETE FROM category WHERE category_id = $1", category_id)


async def test_a_category_created_after_the_release_is_answered_not_refused(
    agent_settings: Settings, agents_db: Database, new_category: str
) -> None:
    for question in (
        f"Do you have any {new_category} films?",
        f"what are the longest {new_category} movies?",
    ):
        async with SqlAlchemyUnitOfWork(agents_db, read_only=True) as uow:
            links = await link_question(question, uow.catalogue_links)
        assert new_category in links.categories, question  # the path this test is about

        def model(turn: ScriptTurn) -> Reply:
            return Say(ANSWER)

        agents = runner(agent_settings, agents_db, model)
        events = [e async for e in agents.stream(question, ANONYMOUS)]
        (completed,) = [e for e in events if isinstance(e, RunCompleted)]
        for step in completed.answer.steps:
            if isinstance(step, ToolCallFinished):
                assert new_category not in step.arguments, question
                assert "error" not in step.result_preview.lower()[:20], question
        assert completed.answer.answer, question
