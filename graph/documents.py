"""The document gate: what a client-sent GraphQL document may cost before anything expensive runs.

Parsing and validation are CPU work on the event loop; one hostile document used to freeze the
server (a fragment fan-out of 7 levels took 40 s in the depth check, 10,000 directives 2 s).
Every document now passes, in this order, checks whose cost is bounded before it is paid:

1. **Size**: more than `max_bytes` UTF-8 bytes → `DOCUMENT_TOO_LARGE`, O(1) for most texts.
2. **Tokens**: the parser stops after `max_tokens` lexical tokens (and as many comments) →
   `DOCUMENT_TOO_LARGE`; parsing is linear in tokens, so it is bounded before it starts.
3. **Shape**: one linear pass over the parsed document, each fragment summarised once
   (memoised), gives the selections it expands to, its depth and its aliases, without
   expanding anything. Over `max_selections` → `QUERY_TOO_COMPLEX`; over the depth or alias
   limit → `QUERY_TOO_DEEP` / `TOO_MANY_ALIASES` (the same messages as the validation rules,
   which would otherwise expand every fragment at each of its spreads, exponentially).
4. **Validation** by the schema's rules, now bounded by step 3's budget.

Documents longer than `offload_above_chars` are parsed, and those expanding to more than
`offload_above_selections` validated, in a worker thread (at most `workers` at once, the others
wait their turn), so the event loop keeps answering everyone else meanwhile. Each verdict
(document or error, then validation errors) is cached per text in an LRU bounded by the total
length of the texts it holds, so a repeated document costs one look-up and large documents
cannot fill memory.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
    validate,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule
from typing_extensions import override

DOCUMENT_TOO_LARGE = "DOCUMENT_TOO_LARGE"
QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
TOO_MANY_ALIASES = "TOO_MANY_ALIASES"


@dataclass(frozen=True, slots=True)
class DocumentLimits:
    max_bytes: int = 100_000
    max_tokens: int = 10_000
    max_selections: int = 2_000  # fields, spreads and inline fragments, fragments expanded
    max_depth: int = 12
    max_aliases: int = 30
    hide_suggestions: bool = False  # "Did you mean …?" names fields a caller may not know
    # larger documents are parsed (characters) and validated (expanded selections) in a thread
    offload_above_chars: int = 2_000
    offload_above_selections: int = 200
    workers: int = 1  # such documents handled at once; more wait their turn
    cache_chars: int = 4_000_000  # total length of the texts whose verdicts are cached


# --- shape: one linear pass -------------------------------------------------------------------


@dataclass(slots=True)
class _Summary:
    selections: int = 0
    depth: int = 0  # nested fields with selections below this set (the depth limiter's measure)
    aliases: int = 0


class _Shape:
    """Summaries of selection sets with every fragment summarised once (memoised)."""

    def __init__(self, fragments: Mapping[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.memo: dict[str, _Summary] = {}
        self.in_progress: set[str] = set()

    def fragment(self, name: str) -> _Summary:
        summary = self.memo.get(name)
        if summary is not None:
            return summary
        definition = self.fragments.get(name)
        if definition is None or name in self.in_progress:
            return _Summary()  # unknown or cyclic: validation reports it
        self.in_progress.add(name)
        summary = self.selection_set(definition.selection_set)
        self.in_progress.discard(name)
        self.memo[name] = summary
        return summary

    def selection_set(self, selection_set: SelectionSetNode | None) -> _Summary:
        total = _Summary()
        if selection_set is None:
            return total
        for selection in selection_set.selections:
            total.selections += 1
            if isinstance(selection, FieldNode):
                if selection.alias is not None:
                    total.aliases += 1
                if selection.selection_set is None:
                    continue
                inner = self.selection_set(selection.selection_set)
                total.selections += inner.selections
                total.aliases += inner.aliases
                if not selection.name.value.startswith("__"):  # as the depth limiter
                    total.depth = max(total.depth, 1 + inner.depth)
            else:
                if isinstance(selection, FragmentSpreadNode):
                    inner = self.fragment(selection.name.value)
                elif isinstance(selection, InlineFragmentNode):
                    inner = self.selection_set(selection.selection_set)
                else:  # pragma: no cover - no other selection kinds exist
                    continue
                total.selections += inner.selections
                total.aliases += inner.aliases
                total.depth = max(total.depth, inner.depth)
        return total


def shape(document: DocumentNode, limits: DocumentLimits) -> tuple[int, GraphQLError | None]:
    """The selections the document expands to and the first limit its shape exceeds, found in
    time linear in its size."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    shape = _Shape(fragments)
    selections = aliases = 0
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        summary = shape.selection_set(definition.selection_set)
        selections += summary.selections
        aliases += summary.aliases
        if summary.depth > limits.max_depth:
            name = definition.name.value if definition.name else "anonymous"
            return selections, GraphQLError(
                f"'{name}' exceeds maximum operation depth of {limits.max_depth}",
                nodes=[definition],
                extensions={"code": QUERY_TOO_DEEP},
            )
    if aliases > limits.max_aliases:
        return selections, GraphQLError(
            f"{aliases} aliases found. Allowed: {limits.max_aliases}",
            extensions={"code": TOO_MANY_ALIASES},
        )
    if selections > limits.max_selections:
        return selections, GraphQLError(
            f"This document expands to {selections} selections (fragments spread where they "
            f"are used); at most {limits.max_selections} are allowed.",
            extensions={
                "code": QUERY_TOO_COMPLEX,
                "selections": selections,
                "maxSelections": limits.max_selections,
            },
        )
    return selections, None


# --- the gate ---------------------------------------------------------------------------------


def _too_large(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": DOCUMENT_TOO_LARGE})


def utf8_length_exceeds(text: str, limit: int) -> bool:
    if len(text) > limit:
        return True  # every character takes at least one byte
    if len(text) * 4 <= limit:
        return False  # and at most four
    return len(text.encode("utf-8", "surrogatepass")) > limit


def validate_document(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: tuple[type[ASTValidationRule], ...],
    *,
    hide_suggestions: bool = False,
) -> list[GraphQLError]:
    """Strawberry's validation (its two rules added), optionally without suggestions."""
    return validate(
        schema,
        document,
        (*rules, MaybeNullValidationRule, OneOfInputValidationRule),
        hide_suggestions=hide_suggestions,
    )


@dataclass(slots=True)
class Parsed:
    """The gate's verdict on one text: a document within the limits, or why not."""

    document: DocumentNode | None
    error: GraphQLError | None
    selections: int = 0
    validated: dict[tuple[type[ASTValidationRule], ...], list[GraphQLError]] = field(
        default_factory=dict
    )


class DocumentGate:
    """Parses and validates client documents within `DocumentLimits` (see the module doc)."""

    def __init__(self, limits: DocumentLimits) -> None:
        self.limits = limits
        self._cache: OrderedDict[str, Parsed] = OrderedDict()
        self._cached_chars = 0
        self._workers: asyncio.Semaphore | None = None

    # --- synchronous steps (bounded by the limits) ---

    def parse_now(self, query: str) -> Parsed:
        cached = self._cache.get(query)
        if cached is not None:
            self._cache.move_to_end(query)
            return cached
        parsed = self._parse(query)
        self._remember(query, parsed)
        return parsed

    def _parse(self, query: str) -> Parsed:
        limits = self.limits
        if utf8_length_exceeds(query, limits.max_bytes):
            return Parsed(
                None,
                _too_large(f"The document is larger than {limits.max_bytes} bytes."),
            )
        try:
            document = parse(
                query,
                max_lexical_tokens=limits.max_tokens,
                max_comments=limits.max_tokens,
            )
        except GraphQLError as error:
            if "nested too deeply" in error.message:  # graphql-core's recursion guard
                return Parsed(None, _too_large("The document is nested too deeply."))
            if "Parsing aborted." in error.message:  # graphql-core's token and comment limits
                return Parsed(
                    None,
                    _too_large(
                        f"The document has more than {limits.max_tokens} tokens (or comments)."
                    ),
                )
            return Parsed(None, error)
        except RecursionError:
            return Parsed(None, _too_large("The document is nested too deeply."))
        selections, refusal = shape(document, limits)
        return Parsed(document, refusal, selections)

    def _remember(self, query: str, parsed: Parsed) -> None:
        if parsed.document is not None and len(query) > self.limits.cache_chars // 8:
            return  # one document may not take most of the cache
        self._cache[query] = parsed
        self._cached_chars += len(query)
        while self._cached_chars > self.limits.cache_chars and self._cache:
            old, _ = self._cache.popitem(last=False)
            self._cached_chars -= len(old)

    def validate_now(
        self, schema: GraphQLSchema, parsed: Parsed, rules: tuple[type[ASTValidationRule], ...]
    ) -> list[GraphQLError]:
        cached = parsed.validated.get(rules)
        if cached is not None:
            return cached
        assert parsed.document is not None
        errors = validate_document(
            schema, parsed.document, rules, hide_suggestions=self.limits.hide_suggestions
        )
        parsed.validated[rules] = errors
        return errors

    # --- asynchronous entry points: large documents off the event loop ---

    async def _off_loop(self, work: Callable[[], Any]) -> Any:
        if self._workers is None:
            self._workers = asyncio.Semaphore(self.limits.workers)
        async with self._workers:
            return await asyncio.to_thread(work)

    async def parse(self, query: str) -> Parsed:
        cached = self._cache.get(query)
        if cached is not None or len(query) <= self.limits.offload_above_chars:
            return self.parse_now(query)
        if utf8_length_exceeds(query, self.limits.max_bytes):
            return self.parse_now(query)  # refused in O(n) at worst, never parsed
        parsed: Parsed = await self._off_loop(lambda: self._parse(query))
        self._remember(query, parsed)
        return parsed

    async def validate(
        self,
        schema: GraphQLSchema,
        query: str,
        parsed: Parsed,
        rules: Sequence[type[ASTValidationRule]],
    ) -> list[GraphQLError]:
        key = tuple(rules)
        if key in parsed.validated or (
            len(query) <= self.limits.offload_above_chars
            and parsed.selections <= self.limits.offload_above_selections
        ):
            return self.validate_now(schema, parsed, key)
        errors: list[GraphQLError] = await self._off_loop(
            lambda: self.validate_now(schema, parsed, key)
        )
        return errors


class DocumentGateExtension(SchemaExtension):
    """Puts every operation's document through the gate (replaces Strawberry's parser and
    validation caches, which parse and validate on the event loop with no budget)."""

    def __init__(self, gate: DocumentGate) -> None:
        super().__init__()
        self.gate = gate
        self._parsed: Parsed | None = None

    @override
    async def on_parse(self) -> AsyncIterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query:
            parsed = await self.gate.parse(context.query)
            if parsed.error is not None:
                raise parsed.error
            self._parsed = parsed
            context.graphql_document = parsed.document
        yield

    @override
    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        parsed = self._parsed
        if (
            parsed is not None
            and context.query
            and context.pre_execution_errors is None
            and context.validation_rules
        ):
            context.pre_execution_errors = await self.gate.validate(
                context.schema._schema, context.query, parsed, context.validation_rules
            )
        yield
