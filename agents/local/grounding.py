"""Arguments taken from the customer's own words (docs/decisions/0061).

A 0.5B model filling a function's arguments copies values from the prompt's examples
("max_price": 0.99 on every search) or invents constraints nobody asked for. So when the
question is known, each argument's schema only admits what the question says:

* a string: one of the question's phrases (runs of one to four words that neither start nor
  end with a filler word), as written or upper-cased — "Freaky Pocus", "dentist in a monastery";
  a title or a person's name only a phrase written with capitals ("Freaky Pocus", "ZORRO ARK");
* a string with a known vocabulary (a rating, a category): the values the question names, in
  any case, singular or plural ("PG-13", "G-rated" → G, "comedies" → Comedy);
* a number: a number of the question whose neighbouring word belongs to the parameter's name
  or description ("store 2" → `in_stock_at_store`, "60 minutes" → `max_length` described in
  minutes, "$1" → a price in dollars), and not bounded the other way ("longer than 60" is no
  `max_length`);
* a parameter with nothing to take is not offered at all.

Strings a function needs in full sentences (`question`, `text`) are left as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

FREE_TEXT_PARAMETERS = frozenset({"question", "text", "task_summary"})
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
    vocabulary: Sequence[str] | None = None,
    *,
    capitalized: bool = False,
) -> dict[str, Any] | None:
    """`schema` (already bounded) narrowed to what the question says; None: nothing to take.
    `capitalized`: a title or a name, only phrases written with capitals."""
    if name in FREE_TEXT_PARAMETERS:
        return dict(schema)
    if capitalized and schema.get("type") == "string":
        return {"enum": list(terms.capitalized)} if terms.capitalized else None
    if vocabulary is not None or "enum" in schema:
        known = vocabulary if vocabulary is not None else [str(v) for v in schema["enum"]]
        named = terms.vocabulary_values(known)
        return {"enum": named} if named else None
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
