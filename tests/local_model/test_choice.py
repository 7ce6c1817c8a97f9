"""The constrained function choice, without the model: the schema it compiles to, how a step
becomes SK's FunctionCallContent, how an answer streams out of the JSON, how history is shown."""

from __future__ import annotations

import json
from typing import Annotated

import jsonschema
import pytest
from semantic_kernel import Kernel
from semantic_kernel.contents import (
    AuthorRole,
    ChatHistory,
    ChatMessageContent,
    FunctionCallContent,
    FunctionResultContent,
)
from semantic_kernel.functions import kernel_function

from agents.local.choice import (
    PHRASE_MAX,
    RESPOND,
    AnswerStream,
    Choice,
    InvalidStep,
    call_content,
    parse_step,
    step_json,
)
from agents.providers.local import render_messages


class Shelf:
    @kernel_function(name="find", description="Find films by words.")
    def find(
        self,
        words: Annotated[str, "Topic words"],
        max_price: Annotated[float | None, "Highest price"] = None,
    ) -> str:
        return "[]"

    @kernel_function(name="stock", description="Copies of a film in a store.")
    def stock(self, film_id: Annotated[int, "Film id"], store: Annotated[int, "Store"] = 1) -> str:
        return "{}"


def choice(*, allow_respond: bool = True) -> Choice:
    kernel = Kernel()
    kernel.add_plugin(Shelf(), "Shelf")
    return Choice(
        functions=tuple(kernel.get_full_list_of_function_metadata()),
        allow_respond=allow_respond,
        answer_max_chars=80,
    )


def valid(schema: dict[str, object], step: dict[str, object]) -> bool:
    try:
        jsonschema.validate(step, {k: v for k, v in schema.items() if k != "x-guidance"})
    except jsonschema.ValidationError:
        return False
    return True


def test_the_schema_ties_arguments_to_the_function_named() -> None:
    schema = choice().schema()
    assert valid(schema, {"function": "Shelf-find", "arguments": {"words": "dinosaur"}})
    assert valid(
        schema, {"function": "Shelf-find", "arguments": {"words": "dinosaur", "max_price": 1}}
    )
    assert valid(schema, {"function": "Shelf-stock", "arguments": {"film_id": 7}})
    assert valid(schema, {"function": RESPOND, "arguments": {"text": "Hello there."}})
    # the name decides the arguments
    assert not valid(schema, {"function": "Shelf-stock", "arguments": {"words": "dinosaur"}})
    assert not valid(schema, {"function": "Shelf-find", "arguments": {}})  # words required
    assert not valid(schema, {"function": "Shelf-lost", "arguments": {}})


def test_every_string_is_bounded() -> None:
    schema = choice().schema()
    too_long = "word " * (PHRASE_MAX // 5) + "end"
    assert not valid(schema, {"function": "Shelf-find", "arguments": {"words": too_long}})
    assert not valid(schema, {"function": "Shelf-find", "arguments": {"words": 'a "quote"'}})
    assert not valid(schema, {"function": "Shelf-find", "arguments": {"words": "two  spaces"}})
    assert not valid(schema, {"function": RESPOND, "arguments": {"text": "x" * 81}})
    assert not valid(schema, {"function": RESPOND, "arguments": {"text": " leading space"}})
    assert schema["x-guidance"] == {"whitespace_flexible": False}  # compact JSON


def test_a_required_choice_offers_no_answer_in_words() -> None:
    required = choice(allow_respond=False)
    assert RESPOND not in required.names
    assert not valid(required.schema(), {"function": RESPOND, "arguments": {"text": "Hi."}})


def test_the_menu_lists_the_functions_and_examples_of_offered_ones_only() -> None:
    menu = choice().menu()
    assert "Shelf-find(words: string, max_price?: number): Find films by words." in menu
    assert "Shelf-stock(film_id: integer, store?: integer)" in menu
    assert f"- {RESPOND}(text)" in menu
    assert "FilmSearch-search_films" not in menu  # no example of a function not offered


def test_a_step_becomes_sk_function_call_content() -> None:
    step = parse_step(step_json("Shelf-find", {"words": "dinosaur"}), choice().names)
    call = call_content(step)
    assert isinstance(call, FunctionCallContent)
    assert (call.plugin_name, call.function_name, call.name) == ("Shelf", "find", "Shelf-find")
    assert call.parse_arguments() == {"words": "dinosaur"}
    assert call.id and call.id.startswith("call_")
    assert call_content(step).id != call.id


@pytest.mark.parametrize(
    "raw",
    [
        '{"function":"Shelf-find","arguments":{"words":"dino',
        '{"function":"Shelf-gone","arguments":{}}',
        '{"function":"Shelf-find"}',
        "[]",
    ],
)
def test_output_that_is_not_an_offered_step_is_refused(raw: str) -> None:
    with pytest.raises(InvalidStep):
        parse_step(raw, choice().names)


def test_an_answer_streams_out_of_its_json_whatever_the_token_boundaries() -> None:
    text = 'Say "hi"\\ to ACADEMY DINOSAUR\nand 😀 café.'
    raw = step_json(RESPOND, {"text": text})
    for size in (1, 2, 3, 7):
        stream = AnswerStream()
        pieces = [stream.feed(raw[i : i + size]) for i in range(0, len(raw), size)]
        assert "".join(pieces) == text
        assert stream.raw == raw
    call = AnswerStream()
    assert call.feed(step_json("Shelf-find", {"words": "text"})) == ""
    assert not call.started


def test_history_is_shown_as_steps_and_tool_results() -> None:
    history = ChatHistory(system_message="You are the catalogue assistant.")
    history.add_user_message("anything with dinosaurs?")
    history.add_message(
        ChatMessageContent(
            role=AuthorRole.ASSISTANT,
            items=[
                FunctionCallContent(
                    id="call_1", name="Shelf-find", arguments=json.dumps({"words": "dinosaur"})
                )
            ],
        )
    )
    history.add_message(
        ChatMessageContent(
            role=AuthorRole.TOOL,
            items=[FunctionResultContent(id="call_1", name="Shelf-find", result="x" * 50)],
        )
    )
    messages = render_messages(history, "\n# menu", tool_result_chars=20)
    assert messages == [
        {"role": "system", "content": "You are the catalogue assistant.\n# menu"},
        {"role": "user", "content": "anything with dinosaurs?"},
        {
            "role": "assistant",
            "content": '{"function":"Shelf-find","arguments":{"words":"dinosaur"}}',
        },
        {"role": "user", "content": "Tool result (Shelf-find): " + "x" * 20 + " …(cut)"},
    ]


def test_the_examples_come_from_the_plugins_and_the_orchestration() -> None:
    """The connector owns only its `respond` example; the tools' and handoffs' examples reach
    it with each request (agents.notes.FUNCTION_EXAMPLES_KEY)."""
    from agents.local.choice import DEFAULT_EXAMPLES, examples_from
    from agents.orchestration import function_examples
    from agents.plugins.film_search import PLUGIN_NAME, FilmSearchPlugin

    assert set(DEFAULT_EXAMPLES) == {RESPOND}
    kernel = Kernel()
    kernel.add_plugin(FilmSearchPlugin(units=None), PLUGIN_NAME)  # type: ignore[arg-type]
    functions = tuple(kernel.get_full_list_of_function_metadata())
    given = Choice(functions=functions, examples=examples_from(function_examples()))
    assert '"title":"ACADEMY DINOSAUR"' in given.menu()
    assert "movie marathon" in given.menu()
    bare = Choice(functions=functions, examples=examples_from(None))
    assert "ACADEMY DINOSAUR" not in bare.menu()
