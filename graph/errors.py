"""One error model for queries: domain refusals keep their message and gain a `code`;
anything unexpected is logged with the request id and replaced by a generic error naming it."""

from __future__ import annotations

from graphql.error import GraphQLError
from strawberry.extensions import MaskErrors

from domain.errors import DomainError
from pagila_graph.logging import request_id_var


def is_unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, DomainError | GraphQLError)


def _should_mask(error: GraphQLError) -> bool:
    return is_unexpected(error) or isinstance(error.original_error, DomainError)


class ErrorFormatter(MaskErrors):
    """Adds `extensions.code` to every error the server raises on purpose, masks the rest."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_should_mask)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, DomainError):
            extensions: dict[str, object] = {"code": original.code}
            if original.field is not None:
                extensions["field"] = original.field
            return GraphQLError(
                original.message,
                nodes=error.nodes,
                source=error.source,
                positions=error.positions,
                path=error.path,
                extensions=extensions,
            )
        request_id = request_id_var.get()
        return GraphQLError(
            f"Internal server error (request id {request_id}).",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )
