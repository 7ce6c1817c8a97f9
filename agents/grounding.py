"""Arguments taken from the customer's own words — the SearchAgent's side, for every provider
(decisions 0061, 0065).

A model filling a function's arguments copies values from a prompt's examples ("max_price":
0.99 on every search), invents constraints nobody asked for, writes a category as "comedies",
or puts the same words in every argument. So the orchestration, which knows the question,
works out what each argument may take from it:

* a string: one of the question's phrases (runs of one to four words that neither start nor
  end with a filler word), as written or upper-cased — "Freaky Pocus", "dentist in a monastery";
  a title or a person's name (a plugin's `NAME_PARAMETERS`) only a phrase written with capitals;
* a parameter with a vocabulary — an enum in its typed `kernel_function` signature (a rating, a
  category, a sort key): the values the question names, in any case, singular or plural
  ("PG-13", "G-rated" → G, "comedies" → Comedy);
* a number: a number of the question whose neighbouring word belongs to the parameter's name
  or description ("store 2" → `in_stock_at_store`, "60 minutes" → `max_length` described in
  minutes, "$1" → a price in dollars), and not bounded the other way ("longer than 60" is no
  `max_length`);
* a parameter with nothing to take: None.

`argument_schemas` gives these per parameter; the orchestration passes them to the model's
connector in the execution settings (`agents.notes.ARGUMENT_SCHEMAS_KEY`) — a connector that
constrains its output (the local model's grammar) admits only them — and its tool filter
applies `grounded_call` to whatever call any model makes: values mapped onto vocabularies, one
phrase in one argument only, and what the question states unambiguously filled in.

Strings a function needs in full sentences (`question`, `text`) are left as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from semantic_kernel.functions import KernelFunctionMetadata

FREE_TEXT_PARAMETERS = frozenset({"question", "text", "task_summary"})
#: marks a narrowed schema whose values are a parameter's vocabulary (not phrases or numbers)
VOCABULARY = "x-vocabulary"
MAX_PHRASE_WORDS = 4
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\-]*")
_NUMBER = re.compile(r"(\$\s*)?(\d+(?:\.\d+)?)")
_AT_MOST = frozenset(["under", "below", "shorter", "less", "cheaper", "within", "max", "most"])
_AT_LEAST = frozenset(["over", "above", "longer", "more", "least", "min", "minimum"])
_FILLER_WORDS = (
    "a an the is are was be do does did you your we our i me my any anything something some "
    "have has got get can could would will of in on at to for with about from by and or but "
    "what what's whats which who how how's there that this it it's its please tell show "
    "find give under over than more less most least film films movie movies dvd dvds rated "
    "rating long longer short shorter cheap cheaper minutes minute hour hours price cost "
    "costs rent rental"
)
FILLERS = frozenset(_FILLER_WORDS.split())


def stem(word: str) -> str:
    word = word.lower().removesuffix("'s")
    for suffix, replacement in (("ies", "y"), ("es", ""), ("s", "")):
        if len(word) > 4 and word.endswith(suffix):
            return word[: -len(suffix)] + replacement
    return word


@dataclass(frozen=True, slots=True)
class QuestionTerms:
    """What a question offers to arguments: phrases, tokens and numbers with their context."""

    phrases: tuple[str, ...]
    #: the phrases whose every word starts with a capital ("Freaky Pocus", "ZORRO ARK"): how
    #: people write titles and names
    capitalized: tuple[str, ...]
    tokens: frozenset[str]
    #: (value, words next to it, "max"/"min"/"" as the words before it bound it)
    numbers: tuple[tuple[float, frozenset[str], str], ...]

    @classmethod
    def of(cls, question: str) -> QuestionTerms:
        words = _WORD.findall(question)
        phrases: list[str] = []
        capitalized: list[str] = []
        for size in range(1, MAX_PHRASE_WORDS + 1):
            for start in range(len(words) - size + 1):
                run = words[start : start + size]
                if run[0].lower() in FILLERS or run[-1].lower() in FILLERS:
                    continue
                if all(w.replace(".", "").isdigit() for w in run):
                    continue
                phrase = " ".join(run).strip("'-")
                for variant in (phrase, phrase.upper()):
                    if variant and variant not in phrases:
                        phrases.append(variant)
                # titles and names have two words or more (a capitalised word alone is a
                # place, or the sentence's first word)
                named = size > 1 and all(w[0].isupper() for w in run)
                if named and phrase not in capitalized:
                    capitalized.append(phrase)
        tokens: set[str] = set()
        for word in words:
            tokens.add(stem(word))
            if word.lower().endswith("-rated"):
                tokens.add(stem(word[: -len("-rated")]))
        numbers: list[tuple[float, frozenset[str], str]] = []
        for match in _NUMBER.finditer(question):
            before = [w.strip("?.,!:;").lower() for w in question[: match.start()].split()[-3:]]
            after = question[match.end() :].split()[:1]
            context = {stem(w.strip("?.,!:;")) for w in [*before[-1:], *after]}
            if match.group(1):
                context |= {"dollar", "price"}
            bound = next(
                (
                    "max" if w in _AT_MOST else "min"
                    for w in reversed(before)
                    if w in _AT_MOST or w in _AT_LEAST
                ),
                "",
            )
            numbers.append((float(match.group(2)), frozenset(context), bound))
        return cls(tuple(phrases), tuple(capitalized), frozenset(tokens), tuple(numbers))

    def numbers_for(self, name: str, description: str | None) -> list[float]:
        words = {stem(w) for w in re.split(r"[^A-Za-z]+", f"{name} {description or ''}") if w}
        wrong = "min" if name.startswith("max") else "max" if name.startswith("min") else None
        return [
            value
            for value, context, bound in self.numbers
            if context & words and (wrong is None or bound != wrong)
        ]

    def vocabulary_values(self, values: Iterable[str]) -> list[str]:
        """Those of `values` the question names (any case, singular or plural)."""
        return [v for v in values if stem(v) in self.tokens]


def ground(
    name: str,
    schema: Mapping[str, Any],
    description: str | None,
    terms: QuestionTerms,
    *,
    capitalized: bool = False,
) -> dict[str, Any] | None:
    """`schema` (one type, or an enum: the parameter's vocabulary) narrowed to what the
    question says; None: nothing to take. `capitalized`: a title or a name, only phrases
    written with capitals. A vocabulary's values are marked `x-vocabulary`."""
    if name in FREE_TEXT_PARAMETERS:
        return dict(schema)
    if capitalized and schema.get("type") == "string":
        return {"enum": list(terms.capitalized)} if terms.capitalized else None
    if "enum" in schema:
        named = terms.vocabulary_values([str(v) for v in schema["enum"]])
        return {"enum": named, VOCABULARY: True} if named else None
    kind = schema.get("type")
    if kind == "string":
        return {"enum": list(terms.phrases)} if terms.phrases else None
    if kind in ("integer", "number"):
        numbers = terms.numbers_for(name, description)
        if kind == "integer":
            numbers = [n for n in numbers if n.is_integer()]
            values: list[Any] = sorted({int(n) for n in numbers})
        else:
            values = sorted(set(numbers))
        return {"enum": values} if values else None
    return dict(schema)


#: known values too common as plain words to fill in unasked ("anything new?")
AMBIGUOUS = frozenset({"new"})
#: argument schemas by `Plugin-function.parameter`; None: the question gives it nothing
ArgumentSchemas = dict[str, dict[str, Any] | None]


def _plain(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A parameter's schema as one type (nullable types and `anyOf` collapsed), enum kept."""
    if "enum" in schema:
        return {"enum": [v for v in schema["enum"] if v is not None]}
    if "anyOf" in schema:
        options = [o for o in schema["anyOf"] if o.get("type") != "null"]
        if options:
            return _plain(options[0])
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if kinds else "string"
    return {"type": kind or "string"}


def is_id(name: str) -> bool:
    """`id` / `*_id` parameters take ids from tool results, not from the question's words."""
    return name == "id" or name.endswith("_id")


def argument_schemas(
    functions: Iterable[KernelFunctionMetadata],
    question: str,
    names: frozenset[str] = frozenset(),
) -> ArgumentSchemas:
    """What each parameter of `functions` may take from `question` (see the module's
    docstring). `names`: the `Plugin-function.parameter`s that take a title or a person's name.
    Free-text and id parameters are left out (no constraint)."""
    terms = QuestionTerms.of(question)
    schemas: ArgumentSchemas = {}
    for function in functions:
        for parameter in function.parameters:
            if not parameter.name or parameter.name in FREE_TEXT_PARAMETERS:
                continue
            if is_id(parameter.name):
                continue
            key = f"{function.fully_qualified_name}.{parameter.name}"
            plain = _plain(parameter.schema_data or {"type": "string"})
            if plain.get("type") == "boolean":
                continue
            schemas[key] = ground(
                parameter.name,
                plain,
                parameter.description,
                terms,
                capitalized=key in names,
            )
    return schemas


def vocabulary_value(value: Any, vocabulary: Sequence[Any]) -> Any | None:
    """`value` as one of `vocabulary` (any case, singular or plural: "comedies" → Comedy,
    "pg-13" → PG-13), or None when it is none of them."""
    if value in vocabulary:
        return value
    text = str(value).strip()
    for known in vocabulary:
        if str(known).lower() == text.lower() or stem(str(known)) == stem(text):
            return known
    return None


def within_vocabularies(
    function: KernelFunctionMetadata, arguments: Mapping[str, Any]
) -> dict[str, Any]:
    """`arguments` with each value of a vocabulary parameter (an enum in the function's typed
    signature) mapped onto it, or left out when it is none of it. The links read categories
    from the data, which can hold one the tool's vocabulary (the bundled data's) does not:
    Semantic Kernel would refuse the whole call (issue 14's fuzz run created such categories)."""
    vocabularies = {
        p.name: _plain(p.schema_data or {})["enum"]
        for p in function.parameters
        if p.name and "enum" in _plain(p.schema_data or {})
    }
    kept: dict[str, Any] = {}
    for name, given in arguments.items():
        value = vocabulary_value(given, vocabularies[name]) if name in vocabularies else given
        if value is not None:
            kept[name] = value
    return kept


def one_phrase_one_argument(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """A model tends to put the same words in every argument (title, category and actor all
    "Inception"; title "ALONE TRIP" and actor "TRIP"): words of the question fill only the
    first argument they were given — a later string equal to or inside an earlier one goes."""
    seen: list[str] = []
    kept: dict[str, Any] = {}
    for name, value in arguments.items():
        if isinstance(value, str):
            key = f" {value.strip().lower()} "
            if any(key in earlier for earlier in seen):
                continue
            seen.append(key)
        kept[name] = value
    return kept


def complete_arguments(
    function: str, arguments: Mapping[str, Any], schemas: Mapping[str, dict[str, Any] | None]
) -> dict[str, Any]:
    """The model's call plus what the question states unambiguously and the model left out: a
    known value (rating, category) when the question names exactly one and no other argument
    already holds its word; a number that exactly one parameter can take ("$1" → the price,
    "store 2" → the store). The model still chose the function."""
    completed = dict(arguments)
    words = {
        stem(w)
        for v in completed.values()
        if isinstance(v, str)
        for w in re.findall(r"[A-Za-z0-9'\-]+", v)
    }
    numbers = {v for v in completed.values() if type(v) in (int, float)}
    takers: dict[float, list[tuple[str, Any]]] = {}
    prefix = f"{function}."
    for key, schema in schemas.items():
        if not key.startswith(prefix) or schema is None:
            continue
        name = key.removeprefix(prefix)
        values = schema.get("enum") or []
        if name in completed or len(values) != 1:
            continue
        value = values[0]
        if schema.get(VOCABULARY):
            if stem(str(value)) not in words and str(value).lower() not in AMBIGUOUS:
                completed[name] = value
                words.add(stem(str(value)))
        elif type(value) in (int, float) and value not in numbers:
            takers.setdefault(float(value), []).append((name, value))
    for named in takers.values():
        if len(named) == 1:
            name, value = named[0]
            completed[name] = value
    return completed


def grounded_call(
    function: KernelFunctionMetadata,
    arguments: Mapping[str, Any],
    schemas: Mapping[str, dict[str, Any] | None],
) -> dict[str, Any]:
    """A model's arguments for `function`, made usable: values of a vocabulary mapped onto it
    (dropped when they are none of it), the same words in one argument only, and what the
    question states unambiguously filled in."""
    given = {name: value for name, value in arguments.items() if value is not None and value != ""}
    cleaned = within_vocabularies(function, given)
    return complete_arguments(
        function.fully_qualified_name, one_phrase_one_argument(cleaned), schemas
    )
