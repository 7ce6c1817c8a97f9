"""The schema: root types, extensions and limits."""

from __future__ import annotations

from collections.abc import Callable

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from graph.context import Context, OperationScopeExtension
from graph.errors import ErrorFormatter, is_unexpected
from graph.relay import parse_int_id
from graph.types.film import Film
from pagila_graph.config import Settings
from pagila_graph.logging import get_logger

log = get_logger(__name__)


@strawberry.type
class Query:
    @strawberry.field(description="One film, by global `id` or by `filmId`. Null if none.")
    async def film(
        self,
        info: strawberry.Info[Context, None],
        id: strawberry.ID | None = None,
        film_id: int | None = None,
    ) -> Film | None:
        key = _one_key(id, film_id, "Film")
        film = await info.context.scope.loaders.film.load(key)
        return None if film is None else Film.from_entity(film)

    @strawberry.field(description="Films ordered by title. `first` defaults to 20, at most 100.")
    async def films(
        self, info: strawberry.Info[Context, None], first: int | None = None
    ) -> list[Film]:
        service = await info.context.scope.films()
        return [Film.from_entity(f) for f in await service.list(first)]


def _one_key(global_id: str | None, key: int | None, type_name: str) -> int:
    from domain.errors import InvalidInput

    if (global_id is None) == (key is None):
        raise InvalidInput(
            f"Give exactly one of `id` or `{type_name[0].lower()}{type_name[1:]}Id`."
        )
    return key if key is not None else parse_int_id(global_id or "", type_name)


class PagilaSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            if is_unexpected(error):
                log.error(
                    "graphql.unexpected_error",
                    path=error.path,
                    exc_info=error.original_error,
                )


def build_schema(settings: Settings) -> strawberry.Schema:
    extensions: list[Callable[[], SchemaExtension] | type[SchemaExtension]] = [
        OperationScopeExtension,
        lambda: ParserCache(maxsize=512),
        lambda: ValidationCache(maxsize=512),
        lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
        lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
        ErrorFormatter,
    ]
    if not settings.introspection_enabled:
        extensions.append(lambda: AddValidationRules([NoSchemaIntrospectionCustomRule]))
    return PagilaSchema(query=Query, extensions=extensions)


#: The schema as code sees it, for SDL export (limits do not change the SDL).
def sdl() -> str:
    return build_schema(Settings()).as_str()
