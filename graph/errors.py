"""One error model for the whole API.

* **Mutations** return a payload with `errors: [UserError!]!` (empty on success). `UserError` is
  an interface (`code`, `message`, `field`); each kind of refusal is its own type, so clients
  switch on `__typename` (or `code`) and read type-specific fields such as
  `RateLimitedError.retryAfterSeconds`. A payload with errors means nothing was written.
* **Queries** raise: the GraphQL error carries `extensions.code` (and `extensions.field`).
* **Anything unexpected** is logged with the request id and answered with a generic error that
  names that id; no stack trace or internal message ever reaches a client.

To add a refusal: subclass `DomainError` in domain/errors.py; if it needs fields of its own,
add a `UserError` type here and register it in `_TYPED`; otherwise it maps to the type of its
nearest registered base class.

The domain names a command's fields its own way (`InputField`: `actor_ids[2]`); this module
renders them as the input path a client sent (`input.actorIds[2]`: Strawberry's camelCase of
the same name), in `field` and in the message alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from enum import Enum

import strawberry
from graphql.error import GraphQLError
from strawberry.extensions import MaskErrors, SchemaExtension
from typing_extensions import override

from config.logging import request_id_var
from domain import errors as d
from domain.outcomes import OutcomeUnknown


@strawberry.enum(description="Machine-readable error codes; stable across versions.")
class ErrorCode(Enum):
    INVALID_INPUT = "INVALID_INPUT"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    RATE_LIMITED = "RATE_LIMITED"
    NOT_IN_STOCK = "NOT_IN_STOCK"
    ALREADY_RETURNED = "ALREADY_RETURNED"
    CUSTOMER_INACTIVE = "CUSTOMER_INACTIVE"
    MODEL_UNAVAILABLE = "MODEL_UNAVAILABLE"
    AGENT_BUSY = "AGENT_BUSY"
    AGENT_TIMEOUT = "AGENT_TIMEOUT"
    AGENT_OUTPUT_INVALID = "AGENT_OUTPUT_INVALID"
    AGENT_FAILED = "AGENT_FAILED"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    INVALID_TOKEN = "INVALID_TOKEN"
    TOKEN_REUSED = "TOKEN_REUSED"
    EMAIL_TAKEN = "EMAIL_TAKEN"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    UNSUPPORTED_FILE_TYPE = "UNSUPPORTED_FILE_TYPE"
    DOMAIN_ERROR = "DOMAIN_ERROR"


@strawberry.interface(description="Why a mutation was refused. Nothing was written.")
class UserError:
    code: ErrorCode
    message: str = strawberry.field(description="For people; may change between versions.")
    field: str | None = strawberry.field(
        description="Input path of the offending value, e.g. `input.amount`, when there is one."
    )


@strawberry.type(description="An input value was missing, malformed or out of range.")
class ValidationError(UserError):
    pass


@strawberry.type(description="Something the input refers to does not exist.")
class NotFoundError(UserError):
    pass


@strawberry.type(description="The current state forbids this (e.g. a copy is still rented).")
class ConflictError(UserError):
    pass


@strawberry.type(description="The caller may not do this.")
class PermissionDeniedError(UserError):
    pass


@strawberry.type(description="This needs a signed-in caller.")
class UnauthenticatedError(UserError):
    pass


@strawberry.type(description="Too many requests; try again after `retryAfterSeconds`.")
class RateLimitedError(UserError):
    retry_after_seconds: float


@strawberry.type(description="A refusal with no more specific type.")
class GenericUserError(UserError):
    pass


def _camel(part: str) -> str:
    head, *rest = part.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def input_path(field: str) -> str:
    """A command's field as the domain names it → the input path: `address.postal_code` →
    `input.address.postalCode`, `actor_ids[2]` → `input.actorIds[2]`."""
    return "input." + ".".join(_camel(part) for part in field.split("."))


#: A field named in a message, in backquotes: `film_id`, `actor_ids[2]`, `address.postal_code`.
_NAMED_FIELD = re.compile(r"`([a-z][a-z0-9_]*(?:\[\d+\])?(?:\.[a-z][a-z0-9_]*(?:\[\d+\])?)*)`")


def field_of(exc: d.DomainError) -> str | None:
    """The error's field as the API names it."""
    if isinstance(exc.field, d.InputField):
        return input_path(exc.field)
    return exc.field


def message_of(exc: d.DomainError) -> str:
    """The error's message, naming a command's fields as the API does."""
    if isinstance(exc.field, d.InputField) or isinstance(exc, d.ValidationFailed):
        return _NAMED_FIELD.sub(lambda m: f"`{input_path(m.group(1))}`", exc.message)
    return exc.message


def _code(exc: d.DomainError) -> ErrorCode:
    try:
        return ErrorCode(exc.code)
    except ValueError:
        return ErrorCode.DOMAIN_ERROR


def _simple(cls: type[UserError]) -> Callable[[d.DomainError], UserError]:
    def build(exc: d.DomainError) -> UserError:
        return cls(code=_code(exc), message=message_of(exc), field=field_of(exc))

    return build


#: DomainError class → builder of its GraphQL type. Looked up along the exception's MRO.
_TYPED: dict[type[d.DomainError], Callable[[d.DomainError], UserError]] = {
    d.InvalidInput: _simple(ValidationError),
    d.NotFound: _simple(NotFoundError),
    d.Conflict: _simple(ConflictError),
    d.PermissionDenied: _simple(PermissionDeniedError),
    d.Unauthenticated: _simple(UnauthenticatedError),
    d.RateLimited: lambda e: RateLimitedError(
        code=ErrorCode.RATE_LIMITED,
        message=e.message,
        field=None,
        retry_after_seconds=e.retry_after_seconds,  # type: ignore[attr-defined]
    ),
}

#: Every concrete UserError type, for `strawberry.Schema(types=...)`.
USER_ERROR_TYPES: list[type[UserError]] = [
    ValidationError,
    NotFoundError,
    ConflictError,
    PermissionDeniedError,
    UnauthenticatedError,
    RateLimitedError,
    GenericUserError,
]


def register_error(
    exc_type: type[d.DomainError],
    gql_type: type[UserError],
    build: Callable[[d.DomainError], UserError] | None = None,
) -> None:
    """Map a domain error class to its GraphQL type (call at import time of its area)."""
    _TYPED[exc_type] = build or _simple(gql_type)
    if gql_type not in USER_ERROR_TYPES:
        USER_ERROR_TYPES.append(gql_type)


def user_errors(exc: d.DomainError) -> list[UserError]:
    if isinstance(exc, d.ValidationFailed):
        return [error for problem in exc.problems for error in user_errors(problem)]
    for cls in type(exc).__mro__:
        builder = _TYPED.get(cls)
        if builder is not None:
            return [builder(exc)]
    return [GenericUserError(code=_code(exc), message=message_of(exc), field=field_of(exc))]


# --- queries: GraphQL errors with extensions.code --------------------------------------------


def is_unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, d.DomainError | GraphQLError)


def _should_mask(error: GraphQLError) -> bool:
    return is_unexpected(error) or isinstance(error.original_error, d.DomainError)


#: nothing was written; the same request may succeed later
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
#: a write failed after its COMMIT was sent: it may have been saved (domain/outcomes.py)
OUTCOME_UNKNOWN = OutcomeUnknown.code


def never(_: BaseException) -> bool:
    return False


class ErrorFormatter(MaskErrors):
    """Adds `extensions.code` to every error raised on purpose; masks the rest. A failure that
    `unavailable` recognises (the database down, frozen or too slow; the composition root says
    which exceptions mean that) becomes `SERVICE_UNAVAILABLE` with `retryable: true`: the same
    request may succeed later, unlike an internal error. A write that failed after its COMMIT
    was sent becomes `OUTCOME_UNKNOWN` (`retryable: true`; `committed: true` when it is known
    to be saved): retry with the same idempotency key."""

    def __init__(self, unavailable: Callable[[BaseException], bool] = never) -> None:
        super().__init__(should_mask_error=_should_mask)
        self.unavailable = unavailable

    @override
    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, d.DomainError):
            extensions: dict[str, object] = {"code": original.code}
            field = field_of(original)
            if field is not None:
                extensions["field"] = field
            if isinstance(original, d.RateLimited):
                extensions["retryAfterSeconds"] = original.retry_after_seconds
            return GraphQLError(
                message_of(original),
                nodes=error.nodes,
                source=error.source,
                positions=error.positions,
                path=error.path,
                extensions=extensions,
            )
        request_id = request_id_var.get()
        if isinstance(original, OutcomeUnknown):
            # before `unavailable`: its cause is often a lost connection, but something may
            # have been written, which SERVICE_UNAVAILABLE would deny
            unknown: dict[str, object] = {
                "code": OUTCOME_UNKNOWN,
                "retryable": True,
                "requestId": request_id,
            }
            if original.committed:
                unknown["committed"] = True
            return GraphQLError(
                f"{original.message} (request id {request_id})",
                nodes=error.nodes,
                source=error.source,
                positions=error.positions,
                path=error.path,
                extensions=unknown,
            )
        if original is not None and self.unavailable(original):
            return GraphQLError(
                "The service is unavailable or too slow right now; retry later "
                f"(request id {request_id}).",
                nodes=error.nodes,
                source=error.source,
                positions=error.positions,
                path=error.path,
                extensions={
                    "code": SERVICE_UNAVAILABLE,
                    "retryable": True,
                    "requestId": request_id,
                },
            )
        return GraphQLError(
            f"Internal server error (request id {request_id}).",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )


# --- codes for the errors GraphQL itself raises ------------------------------------------------

#: The document is not GraphQL.
GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
#: The document does not fit the schema (an unknown field, a wrong argument type…).
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
#: A variable's value does not fit its type, or a required one is missing.
BAD_USER_INPUT = "BAD_USER_INPUT"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


def add_code(errors: Iterable[GraphQLError] | None, code: str) -> None:
    for error in errors or ():
        extensions = error.extensions or {}
        if "code" not in extensions:
            error.extensions = {**extensions, "code": code}


class StandardErrorCodes(SchemaExtension):
    """Every error carries `extensions.code`, those of graphql-core too: parse failures,
    validation failures (unless a limit set its own code), and the errors raised before
    execution (variable coercion: `BAD_USER_INPUT`). Listed first among the extensions, it runs
    after the others have finished with the result."""

    @override
    def on_parse(self) -> Iterator[None]:
        yield
        add_code(self.execution_context.pre_execution_errors, GRAPHQL_PARSE_FAILED)

    @override
    def on_validate(self) -> Iterator[None]:
        yield
        add_code(self.execution_context.pre_execution_errors, GRAPHQL_VALIDATION_FAILED)

    @override
    def on_operation(self) -> Iterator[None]:
        try:
            yield
        except GraphQLError as raised:
            # ParserCache parses while the parsing hooks are entered, so a syntax error skips
            # on_parse and leaves the operation as an exception (Strawberry then answers it)
            if self.execution_context.graphql_document is None:
                add_code([raised], GRAPHQL_PARSE_FAILED)
            raise
        result = self.execution_context.result
        errors: list[GraphQLError] | None = getattr(result, "errors", None)
        if not errors:
            return
        for error in errors:
            # no path: raised before any field ran (a variable's value); else graphql-core's
            # own execution errors (a null for a non-null field): ours to fix, not the client's
            add_code([error], BAD_USER_INPUT if error.path is None else INTERNAL_SERVER_ERROR)
