"""Function calling for a 0.5B model: the next step as a JSON-schema-constrained choice.

A model this small does not pick tools reliably when left free (it writes calls as prose, with
wrong names), but it fills a constrained JSON object reliably. So the offered functions become
one JSON schema, compiled by llama.cpp into a grammar:

    {"function": "FilmSearch-search_films", "arguments": {"query": "dinosaur"}}
    {"function": "respond", "arguments": {"text": "..."}}

It is an `anyOf` with one branch per function (`function` a constant, `arguments` that
function's own parameters), so the name decides which arguments may follow; `respond` is the
extra branch for answering in words (left out when the caller requires a function). Every
string has a `maxLength` and most a `pattern` — a grammar does not cap length by itself — and
the JSON is compact (no pretty-printing: fewer tokens, less time).

The prompt lists the functions and a few worked examples: on this model, examples matter more
than the wording of instructions (docs/decisions/0061-constrained-function-calling.md).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from semantic_kernel.contents import FunctionCallContent
from semantic_kernel.functions import KernelFunctionMetadata

RESPOND = "respond"
#: a short phrase: up to ten words of letters, digits and a little punctuation, single spaces
PHRASE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9'&.,:-]*( [A-Za-z0-9'&.,:-]+){0,9}$"
PHRASE_MAX = 60
INTEGER_LIMIT = 10**9
NUMBER_LIMIT = 10**6


@dataclass(frozen=True, slots=True)
class Example:
    """One worked example for the prompt: what the customer asked, what the step is."""

    question: str
    function: str
    arguments: Mapping[str, Any]
    #: a tool result seen before the step, if any (keep it short)
    tool_result: str | None = None

    def render(self) -> str:
        lines = [f"Customer: {self.question}"]
        if self.tool_result is not None:
            lines.append(f"Tool result: {self.tool_result}")
        lines.append(step_json(self.function, self.arguments))
        return "\n".join(lines)


#: The connector's own example: its `respond` step. The examples of tools and handoffs come
#: from the orchestration with each request (`agents.notes.FUNCTION_EXAMPLES_KEY`, see
#: `examples_from`); only those of offered functions are shown.
DEFAULT_EXAMPLES: dict[str, tuple[Example, ...]] = {
    # no film in it: the LLMAgent, which sees this example too, copied the title it named
    RESPOND: (
        Example("any tips for a movie marathon?", RESPOND,
                {"text": "Pick a theme, plan short breaks and keep snacks and water at hand."}),
    ),
}  # fmt: skip


def examples_from(
    given: Mapping[str, Sequence[Mapping[str, Any]]] | None,
    defaults: Mapping[str, Sequence[Example]] = DEFAULT_EXAMPLES,
) -> dict[str, tuple[Example, ...]]:
    """`defaults` plus the examples a caller gives per function (`{"question": ...,
    "arguments": {...}}` each), those first."""
    examples: dict[str, tuple[Example, ...]] = {}
    for function, items in (given or {}).items():
        examples[function] = tuple(
            Example(str(item["question"]), function, dict(item.get("arguments") or {}))
            for item in items
        )
    for function, own in defaults.items():
        examples.setdefault(function, tuple(own))
    return examples


def step_json(function: str, arguments: Mapping[str, Any]) -> str:
    """A step as the model writes it (compact JSON, `function` first)."""
    return json.dumps({"function": function, "arguments": dict(arguments)}, separators=(",", ":"))


_SCALARS: dict[str, dict[str, Any]] = {
    "integer": {"type": "integer", "minimum": -INTEGER_LIMIT, "maximum": INTEGER_LIMIT},
    "number": {"type": "number", "minimum": -NUMBER_LIMIT, "maximum": NUMBER_LIMIT},
    "boolean": {"type": "boolean"},
}


def _bounded(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A parameter's schema with every length bounded and descriptions dropped."""
    kind = schema.get("type")
    if isinstance(kind, list):  # ["string", "null"]: the model omits rather than writes null
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if kinds else "string"
    if "enum" in schema:
        return {"enum": list(schema["enum"])}
    if "anyOf" in schema:
        options = [o for o in schema["anyOf"] if o.get("type") != "null"]
        if options:
            return _bounded(options[0])
    if isinstance(kind, str) and kind in _SCALARS:
        return dict(_SCALARS[kind])
    if kind == "array":
        items = schema.get("items")
        return {
            "type": "array",
            "items": _bounded(items) if isinstance(items, Mapping) else {"type": "string"},
            "maxItems": 5,
        }
    return {"type": "string", "maxLength": PHRASE_MAX, "pattern": PHRASE_PATTERN}


def id_parameters(function: KernelFunctionMetadata) -> list[str]:
    """Required integer parameters named `id` or `*_id`: their values can only come from a
    tool result (a small model otherwise copies the ids of the examples)."""
    return [
        p.name
        for p in function.parameters
        if p.name
        and p.is_required
        and (p.name == "id" or p.name.endswith("_id"))
        and (p.schema_data or {}).get("type") == "integer"
    ]


def arguments_schema(
    function: KernelFunctionMetadata,
    known_ids: Sequence[int] = (),
    constraints: Mapping[str, Mapping[str, Any] | None] | None = None,
) -> dict[str, Any] | None:
    """The function's arguments as a grammar: every string bounded, ids limited to `known_ids`
    (the ids the tool results of this turn contain) and, where the orchestration gives
    `constraints` (`Plugin-function.parameter` → the values the question allows, or None for
    none: agents.grounding), only those values. None when a required argument has nothing to
    take (the function is then not offered)."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    ids = set(id_parameters(function))
    for parameter in function.parameters:
        if not parameter.name or not parameter.include_in_function_choices:
            continue
        schema: dict[str, Any] | None
        key = f"{function.fully_qualified_name}.{parameter.name}"
        if parameter.name in ids and known_ids:
            schema = {"enum": list(known_ids)}
        elif constraints is not None and key in constraints:
            allowed = constraints[key]
            schema = None if allowed is None else _bounded(allowed)
        else:
            schema = _bounded(parameter.schema_data or {"type": "string"})
        if schema is None:
            if parameter.is_required:
                return None
            continue
        properties[parameter.name] = schema
        if parameter.is_required:
            required.append(parameter.name)
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _branch(name: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"function": {"const": name}, "arguments": dict(arguments)},
        "required": ["function", "arguments"],
        "additionalProperties": False,
    }


@dataclass(frozen=True, slots=True)
class Choice:
    """The constrained choice offered for one request."""

    functions: tuple[KernelFunctionMetadata, ...]
    allow_respond: bool = True
    answer_max_chars: int = 700
    examples: Mapping[str, Sequence[Example]] = field(default_factory=lambda: DEFAULT_EXAMPLES)
    max_examples: int = 6
    #: the ids found in this turn's tool results (the only ids the model may pass)
    known_ids: tuple[int, ...] = ()
    #: what the orchestration lets each argument take (`Plugin-function.parameter` → schema,
    #: None: nothing); parameters it does not name are only bounded
    constraints: Mapping[str, Mapping[str, Any] | None] | None = None

    def _arguments(self) -> list[tuple[KernelFunctionMetadata, dict[str, Any]]]:
        usable = []
        for function in self.functions:
            arguments = arguments_schema(function, self.known_ids, self.constraints)
            if arguments is not None:
                usable.append((function, arguments))
        return usable

    @property
    def callable(self) -> list[KernelFunctionMetadata]:
        """The offered functions whose required arguments the question can fill."""
        return [function for function, _ in self._arguments()]

    @property
    def names(self) -> list[str]:
        offered = [f.fully_qualified_name for f in self.callable]
        return [*offered, RESPOND] if self.allow_respond or not offered else offered

    def schema(self) -> dict[str, Any]:
        branches = [
            _branch(function.fully_qualified_name, arguments)
            for function, arguments in self._arguments()
        ]
        allow_respond = self.allow_respond or not branches
        if allow_respond:
            branches.append(
                _branch(
                    RESPOND,
                    {
                        "type": "object",
                        "properties": {
                            "text": {
                                "type": "string",
                                "minLength": 1,
                                "maxLength": self.answer_max_chars,
                                "pattern": r"^\S[\s\S]*$",
                            }
                        },
                        "required": ["text"],
                        "additionalProperties": False,
                    },
                )
            )
        # compact JSON: llguidance's own option (no newlines or indentation between tokens)
        return {"anyOf": branches, "x-guidance": {"whitespace_flexible": False}}

    def menu(self) -> str:
        """The part of the system prompt that lists the steps and shows examples."""
        lines = [
            "",
            "# How to reply",
            'Reply with ONE JSON object: {"function": <name>, "arguments": {...}}.',
            "Functions you can call:",
        ]
        # every parameter, whatever this question allows (the grammar says that): the menu
        # then stays the same from one question to the next, and llama.cpp reuses the cached
        # prompt instead of reading it again (most of a step's time on 2 cores)
        callable_ = self.callable
        for function in callable_:
            signature = f"{function.fully_qualified_name}({_signature(function)})"
            lines.append(f"- {signature}: {_one_line(function.description)}")
        if self.allow_respond or not callable_:
            lines.append(
                f"- {RESPOND}(text): answer the customer in words, from the tool results; "
                "use it once you have what you need."
            )
        shown = self._examples()
        if shown:
            lines.append("Examples:")
            lines.extend(example.render() for example in shown)
        return "\n".join(lines)

    def _examples(self) -> list[Example]:
        shown: list[Example] = []
        for name in self.names:
            for example in self.examples.get(name, ())[:2]:
                if len(shown) < self.max_examples:
                    shown.append(example)
        return shown


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())[:300]


def _signature(function: KernelFunctionMetadata) -> str:
    parts = []
    for parameter in function.parameters:
        if not parameter.name or not parameter.include_in_function_choices:
            continue
        kind = (parameter.schema_data or {}).get("type", "string")
        optional = "" if parameter.is_required else "?"
        parts.append(f"{parameter.name}{optional}: {kind}")
    return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Step:
    """What the model chose: a function call, or an answer in words."""

    function: str
    arguments: dict[str, Any]

    @property
    def is_answer(self) -> bool:
        return self.function == RESPOND

    @property
    def text(self) -> str:
        return str(self.arguments.get("text", ""))


class InvalidStep(ValueError):
    """The model's output is not one of the offered steps (only when cut by max_tokens)."""


def parse_step(raw: str, offered: Iterable[str]) -> Step:
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise InvalidStep(f"not JSON ({exc}): {raw[:120]!r}") from None
    if not isinstance(data, dict) or not isinstance(data.get("arguments"), dict):
        raise InvalidStep(f"not a step object: {raw[:120]!r}")
    function = data.get("function")
    if function not in set(offered):
        raise InvalidStep(f"unknown function {function!r}")
    return Step(str(function), data["arguments"])


def call_content(step: Step) -> FunctionCallContent:
    """The step as Semantic Kernel's function call (`Plugin-function` names, a fresh id)."""
    plugin, _, name = step.function.partition("-")
    return FunctionCallContent(
        id=f"call_{uuid.uuid4().hex[:24]}",
        name=step.function,
        plugin_name=plugin if name else None,
        function_name=name or plugin,
        arguments=json.dumps(step.arguments),
    )


_ANSWER_START = re.compile(r'^\{"function":"respond","arguments":\{"text":"')
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _high_surrogate(raw: str, i: int) -> bool:
    """Whether the \\u escape at `i` opens a UTF-16 surrogate pair (then 12 characters)."""
    digits = raw[i + 2 : i + 6]
    return len(digits) == 4 and 0xD800 <= int(digits, 16) < 0xDC00


class AnswerStream:
    """Turns the raw JSON of a `respond` step into its text as it is generated, so an answer
    written inside the constrained JSON still streams token by token."""

    def __init__(self) -> None:
        self.raw = ""
        self._start: int | None = None
        self._position = 0
        self._closed = False

    def feed(self, delta: str) -> str:
        """The new answer text that `delta` completes ("" while it is not an answer)."""
        self.raw += delta
        if self._closed:
            return ""
        if self._start is None:
            match = _ANSWER_START.match(self.raw)
            if match is None:
                return ""
            self._start = self._position = match.end()
        out: list[str] = []
        raw = self.raw
        i = self._position
        while i < len(raw):
            char = raw[i]
            if char == '"':
                self._closed = True
                i += 1
                break
            if char != "\\":
                out.append(char)
                i += 1
                continue
            if i + 1 >= len(raw):
                break  # wait for the rest of the escape
            code = raw[i + 1]
            if code == "u":
                width = 12 if _high_surrogate(raw, i) else 6
                if i + width > len(raw):
                    break
                out.append(json.loads(f'"{raw[i : i + width]}"'))
                i += width
            else:
                out.append(_ESCAPES.get(code, code))
                i += 2
        self._position = i
        return "".join(out)

    @property
    def started(self) -> bool:
        return self._start is not None
