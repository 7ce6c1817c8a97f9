"""The LLMAgent's prompt plugins: a general answer, and a film summary as strict JSON.

The film summary is validated against a JSON schema and retried once; the facts (title,
rating, and `recommended` by the domain rule) are then taken from the database, never from the
model, so a summary cannot contradict the catalogue.
"""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
from semantic_kernel import Kernel
from semantic_kernel.connectors.ai.prompt_execution_settings import PromptExecutionSettings
from semantic_kernel.functions import KernelArguments, KernelFunctionFromPrompt, KernelPlugin

from domain.assistant import AgentOutputInvalid, FilmSummary, is_recommended
from domain.catalogue.films import Film

WRITER_PLUGIN = "Writer"
SUMMARY_PREFIX = "Summarise the film as JSON."

GENERAL_ANSWER_PROMPT = """Answer the customer's question briefly and kindly, in two
sentences at most. Do not name any film. Question: {{$question}}"""

FILM_SUMMARY_PROMPT = (
    SUMMARY_PREFIX
    + """ Reply with only one JSON object of the form
{"title": string, "rating": string, "recommended": boolean} and nothing else.
A film is recommended when it is rated R or NC-17 and costs less than 3.00 to rent.
Film facts: {{$facts}}"""
)

FILM_SUMMARY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 255},
        "rating": {"type": "string", "enum": ["G", "PG", "PG-13", "R", "NC-17", "UNRATED"]},
        "recommended": {"type": "boolean"},
    },
    "required": ["title", "rating", "recommended"],
    "additionalProperties": False,
}

_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")


def writer_plugin() -> KernelPlugin:
    general = KernelFunctionFromPrompt(
        function_name="general_answer",
        plugin_name=WRITER_PLUGIN,
        description="Write a short general answer to a question that is not about the catalogue.",
        prompt=GENERAL_ANSWER_PROMPT,
    )
    return KernelPlugin(name=WRITER_PLUGIN, functions=[general])


def film_facts(film: Film) -> str:
    return json.dumps(
        {
            "title": film.title,
            "rating": film.rating.value if film.rating else "UNRATED",
            "rental_rate": str(film.rental_rate),
            "description": film.description,
        }
    )


def parse_summary(text: str) -> dict[str, Any]:
    """The model's JSON, validated; raises ValueError when it does not follow the schema."""
    cleaned = _FENCE.sub("", text.strip())
    data = json.loads(cleaned)
    try:
        jsonschema.validate(data, FILM_SUMMARY_SCHEMA)
    except jsonschema.ValidationError as exc:
        raise ValueError(exc.message) from None
    if not isinstance(data, dict):
        raise ValueError("not an object")
    return data


async def summarize_film(kernel: Kernel, film: Film, attempts: int = 2) -> FilmSummary:
    """Asks the model (at most `attempts` times) for the JSON summary of `film`."""
    function = KernelFunctionFromPrompt(
        function_name="film_summary",
        plugin_name=WRITER_PLUGIN,
        description="Summarise one film as strict JSON.",
        prompt=FILM_SUMMARY_PROMPT,
    )
    # the schema as a response format (OpenAI's shape): connectors that constrain output to it
    # (OpenAI's structured outputs, the local model's grammar) cannot answer anything else
    settings = PromptExecutionSettings(
        extension_data={
            "response_format": {
                "type": "json_schema",
                "json_schema": {
                    "name": "film_summary",
                    "strict": True,
                    "schema": FILM_SUMMARY_SCHEMA,
                },
            }
        }
    )
    problem = ""
    for _ in range(attempts):
        result = await kernel.invoke(
            function, KernelArguments(settings=settings, facts=film_facts(film))
        )
        text = (
            ""
            if result is None
            else str(result.value[0] if isinstance(result.value, list) else result.value)
        )
        try:
            data = parse_summary(text)
        except ValueError as exc:
            problem = str(exc)
            continue
        if str(data["title"]).upper() != film.title.upper():
            problem = f"the summary names {data['title']!r}, not {film.title!r}"
            continue
        return FilmSummary(
            film_id=film.id,
            title=film.title,
            rating=film.rating.value if film.rating else "UNRATED",
            recommended=is_recommended(film),
        )
    raise AgentOutputInvalid(
        f"The model's film summary was not valid JSON of the required shape ({problem})."
    )
